/* Replays the tensor readers' seed corpora (tests/fuzz/corpus_npy, _npz,
 * _safetensors, _text) and every saved input of tests/fuzz/regress/ through
 * the calls the fuzz targets make (tests/fuzz/fuzz_tensor_calls.h), each file
 * as every format, so that 'make check' keeps what 'make fuzz' found fixed
 * without clang; the ASan build of this test catches the memory errors.
 * Usage: test_fuzz_tensorio [FOLDER...]  [the five folders above] */
#include "fuzz/fuzz_tensor_calls.h"
#include "test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
      if (!nb) free(buf);
      buf = nb;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (err) { free(buf); return NULL; }
  *size = n;
  return buf;
}

static int replay_dir(const char *dir)
{
  static const struct { ilab_tensor_format fmt; const char *name; } fmts[] = {
      {ILAB_FORMAT_NPY, "npy"}, {ILAB_FORMAT_NPZ, "npz"}, {ILAB_FORMAT_SAFETENSORS, "safetensors"},
      {ILAB_FORMAT_TEXT, "text"}};
  DIR *d = opendir(dir);
  ilab_test(d != NULL, "open the folder %s (run from the top of the source tree)", dir);
  if (!d) return 0;
  int files = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t size = 0;
    unsigned char *data = slurp(path, &size);
    ilab_test(data != NULL, "%s: read", path);
    if (!data) continue;
    for (size_t k = 0; k < sizeof fmts / sizeof *fmts; k++) {
      int st;
      const char *bad = ilab_fuzz_tensor(fmts[k].fmt, data, size, &st);
      ilab_test(bad == NULL, "%s as %s: %s (status %d, reason '%s')", path, fmts[k].name, bad ? bad : "ok", st,
                ilab_error_reason());
    }
    free(data);
    files++;
  }
  closedir(d);
  return files;
}

int main(int argc, char **argv)
{
  static const char *const dirs[] = {"tests/fuzz/corpus_npy", "tests/fuzz/corpus_npz", "tests/fuzz/corpus_safetensors",
                                     "tests/fuzz/corpus_text", "tests/fuzz/regress"};
  int files = 0;
  if (argc > 1)
    for (int i = 1; i < argc; i++) files += replay_dir(argv[i]);
  else
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) files += replay_dir(dirs[i]);
  ilab_test(files > 0, "inputs replayed (%d)", files);
  return ilab_test_summary();
}
