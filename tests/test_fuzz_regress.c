/* Replays every saved input of tests/fuzz/regress/ through the calls the fuzz
 * targets make (tests/fuzz/fuzz_calls.h: the experiment-file parser on the
 * bytes, the scheme and activation parsers on them as a string), so that
 * 'make check' keeps each input 'make fuzz' ever crashed on fixed without
 * needing clang; the ASan build of this test catches the memory errors.  Each
 * file must also keep the properties the fuzz targets check, and the inputs
 * of the bugs found by fuzzing must give the outcome of the fix (table below).
 * Usage: test_fuzz_regress [FOLDER]  [tests/fuzz/regress] */
#include "fuzz/fuzz_calls.h"
#include "test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The inputs of the bugs fuzzing found, and what the fixed code says of them:
 * which parser (c: the experiment file, s: the scheme spec, a: the activation
 * spec), its status, and a fragment of its reason (for a parsed activation,
 * its canonical name). */
static const struct {
  const char *file;
  char parser;
  int status;
  const char *fragment;
} known[] = {
  /* A claim that stops at its scheme: parse_claim started the rest one byte
   * past the string's NUL, in uninitialised stack, and read on past the end
   * of its buffer when the claim filled it.  Found by fuzz_config as the
   * first file (a comment right after the scheme), minimized to the second. */
  {"config-claim-comment-after-scheme.cfg", 'c', ILAB_EPARSE, "fuzz.cfg:27: claim: expected QUANTITY[LAYER] at ''"},
  {"config-claim-ends-after-scheme-min.cfg", 'c', ILAB_EPARSE, "fuzz.cfg:6: claim: expected QUANTITY[LAYER] at ''"},
  {"config-claim-ends-after-scheme.cfg", 'c', ILAB_EPARSE, "fuzz.cfg:6: claim: expected QUANTITY[LAYER] at ''"},
  {"config-claim-ends-after-scheme-long.cfg", 'c', ILAB_EPARSE, "fuzz.cfg:6: claim: expected QUANTITY[LAYER] at ''"},
  /* A '-' after '..' wrapped around in strtoul: [1..-18446744073709551614]
   * was read as [1..2].  (Found reading parse_ref beside the bug above.) */
  {"config-claim-negative-range-end.cfg", 'c', ILAB_EPARSE, "fuzz.cfg:6: claim: expected a layer number after '..'"},
  /* ilab_act_name wrote the slope with %g, 6 digits: the name of slope
   * 0.9999999 was "slope=1", which the parser rejects, and other slopes named
   * a different one.  Found by fuzz_scheme (the hex one, and the 9 digits of
   * the seed corpus). */
  {"act-slope-hex.txt", 'a', ILAB_OK, "leaky_relu:slope=0.0009765625"},
  {"act-slope-9-digits.txt", 'a', ILAB_OK, "leaky_relu:slope=0.123456789"},
  {"act-slope-rounds-to-1.txt", 'a', ILAB_OK, "leaky_relu:slope=0.9999999"},
  {"act-slope-7-digits.txt", 'a', ILAB_OK, "leaky_relu:slope=0.1234567"},
  /* A subnormal slope written in hex parsed (strtod says nothing) but its
   * name, in decimal, did not (strtod reports the underflow).  Found by
   * fuzz_scheme after the fix above; both forms are now refused. */
  {"act-slope-subnormal-hex.txt", 'a', ILAB_EPARSE, ""},
  {"act-slope-subnormal.txt", 'a', ILAB_EPARSE, ""},
  /* batch = 1 became legal (statistics over units only) after the property
   * 'batch >= 2' was written; fuzz_config found the stale property on the
   * seed of ranges and braces. */
  {"config-ranges-batch-1.cfg", 'c', ILAB_OK, ""},
};
#define NKNOWN (sizeof known / sizeof known[0])

static unsigned char *slurp(const char *path, size_t *size)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  unsigned char *buf = malloc(cap);
  for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) {
      unsigned char *nb = realloc(buf, cap *= 2);
      if (!nb) { free(buf); buf = NULL; }
      buf = nb;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (err) { free(buf); return NULL; }
  *size = n;
  return buf;
}

/* Feeds one file through both fuzz targets' calls; returns 1 if it was read. */
static int replay(const char *dir, const char *name, int *seen)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t size = 0;
  unsigned char *data = slurp(path, &size);
  ilab_test(data != NULL, "%s: read", path);
  if (!data) return 0;

  ilab_config c;
  ilab_error_clear();
  int st = ilab_fuzz_config(data, size, &c);
  char creason[512];
  snprintf(creason, sizeof creason, "%s", ilab_error_reason());
  const char *bad = ilab_fuzz_config_check(data, size, st, &c);
  ilab_test(bad == NULL, "%s as an experiment file: %s (status %d, reason '%s')", name,
            bad ? bad : "ok", st, creason);
  ilab_config_free(&c);
  int cst = st;

  ilab_fuzz_spec_result r;
  ilab_error_clear();
  st = ilab_fuzz_scheme(data, size, &r);
  char sreason[512];
  snprintf(sreason, sizeof sreason, "%s", ilab_error_reason());
  bad = st < 0 ? "out of memory" : ilab_fuzz_scheme_check(data, size, st, &r);
  ilab_test(bad == NULL, "%s as a scheme and activation spec: %s (scheme status %d, activation "
            "status %d, last reason '%s')", name, bad ? bad : "ok", st, r.act_st, sreason);

  for (size_t k = 0; k < NKNOWN; k++) {
    if (strcmp(known[k].file, name)) continue;
    seen[k] = 1;
    if (known[k].parser == 'c') {
      ilab_test_int(cst, known[k].status, "%s: experiment-file status", name);
      ilab_test(strstr(creason, known[k].fragment) != NULL, "%s: reason has \"%s\" (reason: '%s')", name,
                known[k].fragment, creason);
    } else if (known[k].parser == 'a') {
      ilab_test_int(r.act_st, known[k].status, "%s: activation status", name);
      if (known[k].status == ILAB_OK)
        ilab_test(!strcmp(r.act_name, known[k].fragment), "%s: canonical name '%s' (got '%s')", name,
                  known[k].fragment, r.act_name);
    } else {
      ilab_test_int(st, known[k].status, "%s: scheme status", name);
      ilab_test(strstr(sreason, known[k].fragment) != NULL, "%s: reason has \"%s\" (reason: '%s')", name,
                known[k].fragment, sreason);
    }
  }
  free(data);
  return 1;
}

int main(int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : "tests/fuzz/regress";
  DIR *d = opendir(dir);
  ilab_test(d != NULL, "open the folder %s (run from the top of the source tree)", dir);
  if (!d) return ilab_test_summary();
  int seen[NKNOWN] = {0}, files = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue; /* ".", "..", and hidden files */
    files += replay(dir, e->d_name, seen);
  }
  closedir(d);
  ilab_test(files > 0, "%s holds inputs (%d)", dir, files);
  for (size_t k = 0; k < NKNOWN; k++)
    ilab_test(seen[k], "%s/%s is there", dir, known[k].file);
  return ilab_test_summary();
}
