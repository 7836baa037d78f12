/* One cell's per-layer summary over trials: the mean of each measured
 * variance with its 95% Student-t interval, the mean-field prediction beside
 * it, and the first layers where the signal overflowed or underflowed. */
#ifndef ILAB_SUMMARY_H
#define ILAB_SUMMARY_H

#include <stddef.h>
#include "finite.h"
#include "mlp.h"
#include "theory.h"

/* The measured quantities a summary row carries, in summary.tsv's order. */
enum { ILAB_SUMMARY_H_VAR, ILAB_SUMMARY_X_SQ, ILAB_SUMMARY_GX_VAR, ILAB_SUMMARY_GW_VAR, ILAB_SUMMARY_N };

/* The logarithms a summary row follows over trials: ln x_sq (= ln M_l,
 * M_l = |x_l|^2/n_l, at batch 1) and ln h_var. */
enum { ILAB_SUMMARY_LN_X_SQ, ILAB_SUMMARY_LN_H_VAR, ILAB_SUMMARY_LN_N };

/* One logarithm's spread over trials beside one input's finite-width theory
 * (finite.h). */
typedef struct {
  size_t n;          /* trials whose value is finite and > 0 (a dead relu network's is 0) */
  double mean, var;  /* mean and sample variance (denominator n - 1) of the log over them */
  double mean_theory;/* E ln for one input; NaN where finite.h has no closed form, or
                        for batch > 1, where the batch mean's log is not that */
  double var_theory; /* Var ln for one input: equal to the trials' variance at batch 1, an
                        upper bound on it for batch > 1 (a batch mean fluctuates less) */
  double var_se;     /* the theory's standard error of var over n trials,
                        sqrt(mu4/n - var_theory^2 (n-3)/(n(n-1))), mu4 from its
                        fourth cumulant */
  double mean_z;     /* (mean - mean_theory) / sqrt(var_theory / n): N(0,1) if the theory holds */
  double var_z;      /* (var - var_theory) / var_se at batch 1: N(0,1) asymptotically
                        if the theory holds; NaN for batch > 1 */
} ilab_summary_ln;

/* The summary of one layer of one cell. */
typedef struct {
  size_t trials;
  double mean[ILAB_SUMMARY_N];   /* mean over trials of Var(H_l), E[X_l^2], Var(dL/dX_l), Var(dL/dW_l) */
  double lo[ILAB_SUMMARY_N];     /* 95% t interval of each mean (NaN for one trial) */
  double hi[ILAB_SUMMARY_N];
  double theory[ILAB_SUMMARY_N]; /* the mean-field prediction of each */
  long long nonfinite;           /* inf or NaN entries of H_l, summed over trials */
  double h_under, g_under;       /* means over trials of the fractions of H_l and
                                    dL/dX_l below the format's smallest normal */
  double h_over, g_over;         /* +-inf entries of H_l and dL/dX_l, summed over trials */
  double x_mean;                 /* mean over trials of the mean of X_l */
  double lsuv_scale, lsuv_iters; /* means over trials of LSUV's factor on W_l and
                                    its rescalings (NaN unless lsuv) */
  /* the Jacobian's squared singular values (spectrum.h), NaN unless the run
   * computed them: mean over trials of their mean and variance, and theory */
  double sq_mean, sq_var, sq_mean_theory, sq_var_theory;
  ilab_summary_ln ln[ILAB_SUMMARY_LN_N]; /* set by ilab_summary_cell_ln */
} ilab_summary_row;

/* The mean of v[0..n-1] and its 95% Student-t interval
 * mean -+ t_{0.975, n-1} s / sqrt(n), s the sample standard deviation.
 * For n = 1 the bounds are NaN; for a non-finite mean they equal the mean.
 * n must be at least 1. */
void ilab_summary_mean_ci(const double *v, size_t n, double *mean, double *lo, double *hi);

/* Summarizes one cell: stats[trial * depth + (l - 1)] are its measurements
 * (layers 1..depth of each trial, as ilab_sweep stores them) and theory[l - 1]
 * its predictions; writes rows[l - 1] for l = 1..depth.  ILAB_ENOMEM is the
 * only error. */
int ilab_summary_cell(const ilab_layer_stats *stats, size_t trials, size_t depth,
                      const ilab_theory_layer *theory, ilab_summary_row *rows);

/* Fills rows[l - 1].ln for l = 1..depth from the same stats and one input's
 * finite-width predictions finite[l - 1] (NULL: none), for a batch of the
 * given size.  ILAB_ENOMEM is the only error. */
int ilab_summary_cell_ln(const ilab_layer_stats *stats, size_t trials, size_t depth,
                         const ilab_finite_layer *finite, size_t batch, ilab_summary_row *rows);

/* The first layer at which H overflowed in any trial (an inf or NaN entry, or
 * a variance beyond the largest double) into *over, and the first at which H
 * was all exact zeros (mean and variance 0) into *under; 0 where none did.
 * stats as for ilab_summary_cell. */
void ilab_summary_extremes(const ilab_layer_stats *stats, size_t trials, size_t depth,
                           size_t *over, size_t *under);

#endif
