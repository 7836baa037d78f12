/* The experiment file: parse, validate, report errors with file and line. */
#ifndef ILAB_CONFIG_H
#define ILAB_CONFIG_H

#include <stddef.h>
#include "act.h"
#include "scheme.h"

/* Limits that keep a typo from asking for an absurd run; memory is checked
 * separately against --max-memory before anything is allocated. */
#define ILAB_MAX_WIDTH 1000000
#define ILAB_MAX_DEPTH 100000
#define ILAB_MAX_BATCH 10000000
#define ILAB_MAX_TRIALS 100000
#define ILAB_MAX_LIST 256

#define ILAB_MAX_CLAIMS 64

/* A claim about the measured summary of one cell, checked after the run:
 *   claim = ACT SCHEME  QTY[A]              in [LO, HI]
 *   claim = ACT SCHEME  QTY[A] / QTY2[B]    in [LO, HI]
 *   claim = ACT SCHEME  all QTY[A..B]       in [LO, HI]   every layer A..B
 *   claim = ACT SCHEME  rate QTY[A..B]      in [LO, HI]   (QTY[B]/QTY[A])^(1/(B-A))
 * QTY is a column of summary.tsv (ilab_claim_quantities); "< X" and "> X"
 * may stand for "in [-inf, X]" and "in [X, inf]". */
typedef enum { ILAB_CLAIM_AT, ILAB_CLAIM_RATIO, ILAB_CLAIM_ALL, ILAB_CLAIM_RATE } ilab_claim_kind;

typedef struct {
  int line;
  char text[256];        /* as written after "claim =" */
  size_t act, scheme;    /* indices into the experiment's lists */
  ilab_claim_kind kind;
  int qty, qty2;         /* indices into ilab_claim_quantities */
  size_t a, b;           /* layers: QTY[a] (AT, RATIO), QTY[a..b] (ALL, RATE); QTY2[b] (RATIO) */
  double lo, hi;
} ilab_claim;

/* The summary columns a claim may name, NULL-terminated. */
extern const char *const ilab_claim_quantities[];

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
} ilab_config;

/* Reads and validates an experiment file.  On failure returns ILAB_EIO (the
 * file cannot be read) or ILAB_EPARSE, with a reason of the form
 * "FILE:LINE: what is wrong, what was expected"; *c is then empty. */
int ilab_config_read(const char *path, ilab_config *c);

/* Parses an experiment from text in memory (path names it in messages). */
int ilab_config_parse(const char *path, const char *text, size_t len, ilab_config *c);

void ilab_config_free(ilab_config *c);

#endif
