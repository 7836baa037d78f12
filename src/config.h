/* The experiment file: parse, validate, report errors with file and line. */
#ifndef ILAB_CONFIG_H
#define ILAB_CONFIG_H

#include <stddef.h>
#include "act.h"
#include "claims.h"
#include "scheme.h"

/* Limits that keep a typo from asking for an absurd run; memory is checked
 * separately against --max-memory before anything is allocated. */
#define ILAB_MAX_WIDTH 1000000
#define ILAB_MAX_DEPTH 100000
#define ILAB_MAX_BATCH 10000000
#define ILAB_MAX_TRIALS 100000
#define ILAB_MAX_LIST 256

/* Claims (ilab_claim, ILAB_MAX_CLAIMS) are parsed by claims.h once every
 * other key is known. */

typedef struct {
  char *path;            /* as given */
  char *text;            /* the whole file, for provenance */
  char *question;        /* the opening comment lines, joined (the claim it tests) */
  size_t n_acts;
  ilab_act acts[ILAB_MAX_LIST];
  char act_names[ILAB_MAX_LIST][48];
  size_t n_schemes;
  ilab_scheme schemes[ILAB_MAX_LIST];
  size_t depth;          /* L */
  size_t *widths;        /* n_0 .. n_L */
  size_t batch, trials;
  unsigned long seed;
  int has_seed;
  double sigma_b2;       /* bias variance; 0: no bias */
  ilab_scheme input;     /* law of the input entries, resolved with fan n_0 */
  int has_input;
  size_t n_claims;
  ilab_claim claims[ILAB_MAX_CLAIMS];
  size_t n_hist;         /* layers whose histograms are recorded */
  size_t hist_layers[ILAB_MAX_LIST];
  size_t hist_bins;      /* bins per histogram [100] */
  size_t rates_a, rates_b; /* layers between which rates.tsv measures per-layer
                              rates, 'rates = A..B' [1..depth] */
  int spectrum;          /* spectrum = yes: the Jacobian's singular values per
                            (cell, trial, layer), written to spectrum.tsv;
                            needs one width */
  size_t n_spec;         /* spectrum_layers: layers whose every singular value */
  size_t spec_layers[ILAB_MAX_LIST]; /* goes to spectrum_values.tsv */
} ilab_config;

/* Reads and validates an experiment file.  On failure returns ILAB_EIO (the
 * file cannot be read) or ILAB_EPARSE, with a reason of the form
 * "FILE:LINE: what is wrong, what was expected"; *c is then empty. */
int ilab_config_read(const char *path, ilab_config *c);

/* Parses an experiment from text in memory (path names it in messages). */
int ilab_config_parse(const char *path, const char *text, size_t len, ilab_config *c);

void ilab_config_free(ilab_config *c);

/* Which cells (cell = act * n_schemes + scheme) to run: sel[cell] = 1 if
 * the cell's activation is named by one of the act=NAME entries of only[]
 * (or there are none) and its scheme by one of the scheme=SPEC entries (or
 * there are none), else 0.  An activation is named as the tables write it
 * ("leaky_relu:slope=0.01") or as any spec that parses to it; a scheme by
 * its spec as written in the file.  ILAB_EINVAL with a reason starting with
 * the entry if an entry is malformed or names nothing in the file. */
int ilab_config_select(const ilab_config *c, const char *const *only, size_t n, unsigned char *sel);

#endif
