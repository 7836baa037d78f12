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
 * summed over trials), x_mean (layers.tsv's, averaged over trials), h_under
 * and g_under (fractions below the format's smallest normal, averaged over
 * trials), h_over and g_over (+-inf entries, summed over trials), lsuv_scale
 * and lsuv_iters (layers.tsv's, averaged over trials; NaN but for lsuv), and with
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
 * with "width=N", "depth=N", "sigma_b2=V", "input=SPEC" and "batch=N" after
 * SCHEME to pick a point where the experiment sweeps several values of one, and "in [LO, HI] at ALPHA"
 * stating the interval's false-alarm probability where the file derives it
 * (a z-score within +-4: 6.3e-5);
 * "< X" and "> X" may stand for "in [-inf, X]" and "in [X, inf]".
 *
 * A claim may instead state its prediction and its noise model:
 *   ACT SCHEME  EXPR  ~ CENTER at ALPHA
 * with EXPR any of the forms above but 'all', CENTER a number (the
 * prediction for the scheme as named, whatever it draws) or 'theory' (the
 * mean-field value of EXPR), and ALPHA its false-alarm probability.  The
 * noise is measured from the trials: EXPR is evaluated on each of the T >= 3
 * trials alone, and the claim holds when a two-sided Student t test on
 * y = ln EXPR does not reject its centre at level ALPHA,
 *   |mean(y) - mu| <= t(1 - ALPHA/2, T - 1) s / sqrt(T),  s = sd(y),
 *   mu = ln CENTER - sum_i c_i v_i / 2,
 * where ln EXPR = sum_i c_i ln Q_i (c = 1 for Q[A], -1 for the Q2[B] of a
 * ratio, +-1/(B - A) for a rate) and v_i is the variance of ln Q_i over the
 * trials: mean field predicts E[Q_l], not E[ln Q_l], and for a log-normal Q,
 * E[ln Q] = ln E[Q] - Var(ln Q)/2 (ln M_l is close to normal: Hanin & Nica
 * 2019).  The false-alarm probability is ALPHA as far as y is normal and
 * mean field's E[Q_l] exact at this width (it is for linear and ReLU
 * layers without bias). */
typedef enum { ILAB_CLAIM_AT, ILAB_CLAIM_RATIO, ILAB_CLAIM_ALL, ILAB_CLAIM_RATE } ilab_claim_kind;

typedef struct {
  int line;                        /* in the experiment file */
  char text[256];                  /* as written after "claim =" */
  size_t act, scheme;              /* indices into the experiment's lists */
  size_t width, depth;             /* the shape (width=N, depth=N); 0: the only one */
  /* the point's other coordinates, where the experiment sweeps several:
   * sigma_b2=V (has_sigma_b2), input=SPEC (input: its index + 1) and
   * batch=N; 0: the only one */
  double sigma_b2;
  int has_sigma_b2;
  size_t input, batch;
  ilab_claim_kind kind;
  const ilab_claim_quantity *qty;  /* QTY */
  const ilab_claim_quantity *qty2; /* QTY2 (RATIO), else NULL */
  size_t a, b;                     /* layers: QTY[a] (AT, RATIO), QTY[a..b] (ALL, RATE); QTY2[b] (RATIO) */
  double lo, hi;                   /* the interval ('~' claims: -inf, inf) */
  int noise;                       /* 1: "~ CENTER at ALPHA" */
  double center;                   /* CENTER, or NaN for 'theory' */
  double alpha;                    /* ALPHA */
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
  size_t trials;                   /* '~' claims need at least 3 */
  size_t n_widths;       /* the swept widths and depths, if several (a claim */
  const size_t *widths;  /* must then name one); n = 0 or 1: nothing to name */
  size_t n_depths;
  const size_t *depths;
  size_t n_sigma_b2s;    /* the other swept dimensions, likewise */
  const double *sigma_b2s;
  size_t n_inputs;
  const char *const *inputs; /* the input laws' specs */
  size_t n_batches;
  const size_t *batches;
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
  double measured_min, measured_max; /* equal but for 'all' claims; '~' claims:
                                        exp(mean over trials of ln EXPR) */
  double lo, hi;                     /* the interval judged: the claim's, or
                                        exp(mu -+ t s/sqrt(T)) for '~' */
  /* '~' claims only (NaN otherwise): */
  double alpha;                      /* the false-alarm probability */
  double sd;                         /* s, the sd of ln EXPR over the trials */
  double sens;                       /* d ln EXPR / d ln Var(W) by mean field;
                                        0 when the centre is 'theory' */
  double detects;                    /* the smallest relative error in every
                                        Var(W_l) that moves the mean-field value
                                        of EXPR out of [lo, hi]: the claim then
                                        fails with probability >= 1/2;
                                        exp(t s/sqrt(T) / |sens|) - 1, inf when
                                        sens = 0 */
} ilab_claim_result;

/* Judges a claim against its cell's summary, rows[l - 1] for layers
 * 1..depth (ilab_summary_cell), or rows = NULL for a cell that was not run,
 * which gives ILAB_CLAIM_SKIPPED.  A claim passes when every measured value
 * lies in [lo, hi]; NaN (an overflowed cell) satisfies no interval. */
void ilab_claim_eval(const ilab_claim *cl, const ilab_summary_row *rows, size_t depth,
                     ilab_claim_result *res);

/* Judges a '~' claim.  trial_rows[t * depth + l - 1] is layer l of trial t
 * summarized alone (ilab_summary_cell with one trial), t < trials; pred[0],
 * pred[1] and pred[2] are rows whose mean and theory both hold the mean-field
 * prediction at Var(W), Var(W) e^-h and Var(W) e^h (ilab_claim_pred_rows), so
 * that a measured quantity reads its prediction and a _ratio reads 1.
 * trial_rows = NULL gives ILAB_CLAIM_SKIPPED.  NaN, inf or a value <= 0 of
 * EXPR in any trial fails. */
void ilab_claim_eval_trials(const ilab_claim *cl, const ilab_summary_row *trial_rows, size_t trials,
                            const ilab_summary_row *const pred[3], double h, size_t depth,
                            ilab_claim_result *res);

/* Rows[l - 1] holding theory[l - 1] as both the mean and the prediction. */
void ilab_claim_pred_rows(const ilab_theory_layer *theory, size_t depth, ilab_summary_row *rows);

#endif
