/* The calls the fuzz targets make on one input, and the properties their
 * results must have, shared by tests/fuzz/fuzz_*.c (libFuzzer) and
 * tests/test_fuzz_regress.c (which replays tests/fuzz/regress/ without clang),
 * so that a saved input is replayed exactly as it was found.  A parser may
 * accept or reject an input; what it may not do is crash, leak, touch memory
 * it does not own (the sanitizers catch those), or break a property below
 * (ilab_fuzz_*_check return a sentence naming it, or NULL). */
#ifndef ILAB_FUZZ_CALLS_H
#define ILAB_FUZZ_CALLS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "config.h"
#include "ilab.h"
#include "scheme.h"

#if defined(__GNUC__)
#define ILAB_FUZZ_UNUSED __attribute__((unused))
#else
#define ILAB_FUZZ_UNUSED
#endif

#define ILAB_FUZZ_PATH "fuzz.cfg"

/* The experiment-file parser on the raw bytes.  They are not NUL-terminated,
 * so ASan catches a read past the end.  On success the caller frees c. */
ILAB_FUZZ_UNUSED static int ilab_fuzz_config(const uint8_t *data, size_t size, ilab_config *c)
{
  return ilab_config_parse(ILAB_FUZZ_PATH, (const char *)data, size, c);
}

/* What must hold after ilab_fuzz_config returned st on these bytes. */
ILAB_FUZZ_UNUSED static const char *ilab_fuzz_config_check(const uint8_t *data, size_t size, int st,
                                                           const ilab_config *c)
{
  if (st != ILAB_OK) {
    if (st != ILAB_EPARSE) return "a failure other than ILAB_EPARSE";
    if (strncmp(ilab_error_reason(), ILAB_FUZZ_PATH ":", strlen(ILAB_FUZZ_PATH ":")))
      return "a reason that does not start with 'FILE:'";
    if (c->path || c->text || c->question || c->widths || c->n_acts || c->n_schemes || c->n_claims)
      return "a failed parse that left the config non-empty";
    return NULL;
  }
  if (!c->path || strcmp(c->path, ILAB_FUZZ_PATH)) return "a parsed config without its path";
  if (!c->text || memcmp(c->text, data, size) || c->text[size]) return "text that is not the input";
  if (!c->question) return "a parsed config without its question";
  if (c->n_acts < 1 || c->n_acts > ILAB_MAX_SPECS) return "n_acts out of [1, ILAB_MAX_SPECS]";
  if (c->n_schemes < 1 || c->n_schemes > ILAB_MAX_SPECS) return "n_schemes out of [1, ILAB_MAX_SPECS]";
  if (c->depth < 1 || c->depth > ILAB_MAX_DEPTH || !c->widths) return "no layers";
  for (size_t l = 0; l <= c->depth; l++)
    if (c->widths[l] < 1 || c->widths[l] > ILAB_MAX_WIDTH) return "a width out of range";
  if (c->batch < 1 || c->batch > ILAB_MAX_BATCH) return "batch out of range";
  if (c->trials < 1 || c->trials > ILAB_MAX_TRIALS) return "trials out of range";
  if (!isfinite(c->sigma_b2) || c->sigma_b2 < 0) return "sigma_b2 not a finite number >= 0";
  if (c->hist_bins < 2 || c->n_hist > ILAB_MAX_ENTRIES) return "hist_bins or n_hist out of range";
  for (size_t i = 0; i < c->n_hist; i++)
    if (c->hist_layers[i] < 1 || c->hist_layers[i] > c->depth) return "a histogram layer out of range";
  if (c->n_spec > ILAB_MAX_ENTRIES || (c->n_spec && !c->spectrum)) return "spectrum_layers without spectrum = yes";
  for (size_t i = 0; i < c->n_spec; i++)
    if (c->spec_layers[i] < 1 || c->spec_layers[i] > c->depth) return "a spectrum layer out of range";
  if (c->spectrum)
    for (size_t l = 1; l <= c->depth; l++)
      if (c->widths[l] != c->widths[0]) return "spectrum = yes with layers that are not square";
  if (c->n_claims > ILAB_MAX_CLAIMS) return "more claims than ILAB_MAX_CLAIMS";
  for (size_t i = 0; i < c->n_claims; i++) {
    const ilab_claim *cl = &c->claims[i];
    if (cl->act >= c->n_acts || cl->scheme >= c->n_schemes) return "a claim's cell out of range";
    if (cl->a < 1 || cl->a > c->depth || cl->b < 1 || cl->b > c->depth) return "a claim's layer out of range";
    if (!(cl->lo <= cl->hi)) return "a claim with an empty interval";
  }
  return NULL;
}

/* Fan pairs a parsed scheme is resolved for: the smallest layer, a non-square
 * one both ways (fan_in, fan_out and fan_avg differ), the widest layer a file
 * allows against 1, and the largest fans a size_t holds. */
static const size_t ilab_fuzz_fans[][2] = {
  {1, 1}, {3, 7}, {7, 3}, {ILAB_MAX_WIDTH, 1}, {(size_t)-1, (size_t)-1 / 2}};
#define ILAB_FUZZ_NFANS (sizeof ilab_fuzz_fans / sizeof ilab_fuzz_fans[0])

/* What a scheme spec goes through, from a NUL-terminated copy of the bytes
 * (they stop at their first NUL, as a command-line argument would): the
 * scheme parser, and when it succeeds ilab_scheme_resolve, _variance and
 * _promised_variance for every pair of ilab_fuzz_fans (the statuses of
 * resolve into resolve_st[]) and resolve with a zero fan (into *zero_st); then
 * the activation parser on the same string (into *act_st, and a), and when
 * that succeeds the activation's canonical name parsed again (into
 * *act_name_st, and a2).  Returns the scheme parser's status, or -1 if the
 * copy cannot be made. */
typedef struct {
  ilab_scheme s;
  int resolve_st[ILAB_FUZZ_NFANS], zero_st;
  ilab_act a, a2;
  char act_name[48];
  int act_st, act_name_st;
} ilab_fuzz_spec_result;

ILAB_FUZZ_UNUSED static int ilab_fuzz_scheme(const uint8_t *data, size_t size, ilab_fuzz_spec_result *r)
{
  memset(r, 0, sizeof *r);
  char *spec = malloc(size + 1);
  if (!spec) return -1;
  memcpy(spec, data, size);
  spec[size] = '\0';
  int st = ilab_scheme_parse(spec, &r->s);
  if (st == ILAB_OK) {
    for (size_t i = 0; i < ILAB_FUZZ_NFANS; i++) {
      ilab_dist d;
      size_t fi = ilab_fuzz_fans[i][0], fo = ilab_fuzz_fans[i][1];
      r->resolve_st[i] = ilab_scheme_resolve(&r->s, fi, fo, &d);
      (void)ilab_scheme_variance(&r->s, fi, fo);
      (void)ilab_scheme_promised_variance(&r->s, fi, fo);
    }
    ilab_dist d;
    r->zero_st = ilab_scheme_resolve(&r->s, 0, 5, &d);
  }
  r->act_st = ilab_act_parse(spec, &r->a);
  if (r->act_st == ILAB_OK) {
    ilab_act_name(&r->a, r->act_name, sizeof r->act_name);
    r->act_name_st = ilab_act_parse(r->act_name, &r->a2);
  }
  free(spec);
  return st;
}

/* What must hold after ilab_fuzz_scheme returned st on these bytes. */
ILAB_FUZZ_UNUSED static const char *ilab_fuzz_scheme_check(const uint8_t *data, size_t size, int st,
                                                           const ilab_fuzz_spec_result *r)
{
  size_t len = strnlen((const char *)data, size);
  if (st == ILAB_OK) {
    if (strlen(r->s.spec) != len || memcmp(r->s.spec, data, len)) return "a scheme whose spec is not the input";
    if (!isfinite(r->s.gain) || r->s.gain < 0) return "a scheme with a gain that is not finite and >= 0";
    if (!isfinite(r->s.scale) || r->s.scale < 0) return "a scheme with a scale that is not finite and >= 0";
    if (!isfinite(r->s.param)) return "a scheme with a parameter that is not finite";
    if (r->zero_st != ILAB_EINVAL) return "a scheme that resolves with a zero fan";
  } else if (st != ILAB_EPARSE) {
    return "a scheme failure other than ILAB_EPARSE";
  }
  if (r->act_st == ILAB_OK) {
    if (r->act_name_st != ILAB_OK) return "an activation whose canonical name does not parse";
    if (r->a2.kind != r->a.kind || r->a2.slope != r->a.slope || r->a2.alpha != r->a.alpha
        || r->a2.beta != r->a.beta)
      return "an activation whose canonical name parses to another activation";
  } else if (r->act_st != ILAB_EPARSE) {
    return "an activation failure other than ILAB_EPARSE";
  }
  return NULL;
}

#endif
