/* Claims of an experiment file: statements about the measured summary of one
 * cell, parsed from their text and judged against the cell's summary rows
 * through a table of named quantities. */
#ifndef ILAB_CLAIMS_H
#define ILAB_CLAIMS_H

#include <stddef.h>
#include "summary.h"

#define ILAB_MAX_CLAIMS 64

/* A quantity a claim may name: a column of summary.tsv and how to read it
 * from a summary row. */
typedef struct {
  const char *name;
  double (*value)(const ilab_summary_row *row);
} ilab_claim_quantity;

/* The named quantities, ending with a NULL name: h_var, x_sq, gx_var, gw_var
 * (means over trials), each also with _theory (the mean-field prediction)
 * and _ratio (mean / prediction), nonfinite (inf or NaN entries of H_l,
 * summed over trials), x_mean (layers.tsv's, averaged over trials), and with
 * 'spectrum = yes' spectrum.tsv's sq_mean, sq_var, sq_mean_theory,
 * sq_var_theory and sq_var_ratio. */
extern const ilab_claim_quantity ilab_claim_quantities[];

/* The quantity called name[0..len-1], or NULL. */
const ilab_claim_quantity *ilab_claim_quantity_find(const char *name, size_t len);

/* A claim about the measured summary of one cell, checked after the run:
 *   ACT SCHEME  QTY[A]              in [LO, HI]
 *   ACT SCHEME  QTY[A] / QTY2[B]    in [LO, HI]
 *   ACT SCHEME  all QTY[A..B]       in [LO, HI]   every layer A..B
 *   ACT SCHEME  rate QTY[A..B]      in [LO, HI]   (QTY[B]/QTY[A])^(1/(B-A))
 * "< X" and "> X" may stand for "in [-inf, X]" and "in [X, inf]". */
typedef enum { ILAB_CLAIM_AT, ILAB_CLAIM_RATIO, ILAB_CLAIM_ALL, ILAB_CLAIM_RATE } ilab_claim_kind;

typedef struct {
  int line;                        /* in the experiment file */
  char text[256];                  /* as written after "claim =" */
  size_t act, scheme;              /* indices into the experiment's lists */
  ilab_claim_kind kind;
  const ilab_claim_quantity *qty;  /* QTY */
  const ilab_claim_quantity *qty2; /* QTY2 (RATIO), else NULL */
  size_t a, b;                     /* layers: QTY[a] (AT, RATIO), QTY[a..b] (ALL, RATE); QTY2[b] (RATIO) */
  double lo, hi;                   /* the interval */
} ilab_claim;

/* What a claim may refer to: the experiment's activations (each matched by
 * its canonical name, "leaky_relu:slope=0.2", or its kind, "leaky_relu"),
 * its schemes (by their spec as written) and its depth; path names the file
 * in messages. */
typedef struct {
  const char *path;
  size_t n_acts;
  const char *const *act_names;
  const char *const *act_kinds;
  size_t n_schemes;
  const char *const *schemes;
  size_t depth;
} ilab_claim_context;

/* Parses cl->text (cl->line set by the caller) into the rest of *cl.
 * ILAB_EPARSE with a reason "PATH:LINE: claim: what is wrong" on failure. */
int ilab_claim_parse(const ilab_claim_context *ctx, ilab_claim *cl);

/* The cell a claim is about, with cells numbered act * n_schemes + scheme. */
size_t ilab_claim_cell(const ilab_claim *cl, size_t n_schemes);

typedef enum { ILAB_CLAIM_PASS, ILAB_CLAIM_FAIL, ILAB_CLAIM_SKIPPED } ilab_claim_verdict;

/* The judgement of one claim.  What a claim states beyond its interval (a
 * false-alarm probability, the smallest error it detects, its noise model)
 * belongs in ilab_claim, set by ilab_claim_parse; what judging it finds
 * beyond the verdict belongs here; report.c writes both into claims.tsv. */
typedef struct {
  ilab_claim_verdict verdict;
  double measured_min, measured_max; /* equal but for 'all' claims */
} ilab_claim_result;

/* Judges a claim against its cell's summary, rows[l - 1] for layers
 * 1..depth (ilab_summary_cell), or rows = NULL for a cell that was not run,
 * which gives ILAB_CLAIM_SKIPPED.  A claim passes when every measured value
 * lies in [lo, hi]; NaN (an overflowed cell) satisfies no interval. */
void ilab_claim_eval(const ilab_claim *cl, const ilab_summary_row *rows, size_t depth,
                     ilab_claim_result *res);

#endif
