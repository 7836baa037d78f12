/* Runs the cells of an experiment (activation x scheme x trial), each on
 * common random numbers from keyed streams, in parallel where that pays. */
#ifndef ILAB_SWEEP_H
#define ILAB_SWEEP_H

#include <assert.h>
#include <signal.h>
#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "config.h"
#include "mlp.h"
#include "finite.h"
#include "spectrum.h"
#include "stream.h"
#include "theory.h"

typedef struct {
  const ilab_config *cfg;
  unsigned long seed;
  const gsl_rng_type *rng_type;
  int threads;                   /* worker threads, >= 1 */
  volatile sig_atomic_t *stop;   /* set asynchronously to interrupt; may be NULL */
  size_t n_cells;                /* n_acts * n_schemes, cell = a * n_schemes + s */
  unsigned char *run_cell;       /* n_cells flags: 0 skips the cell (NULL: run all) */
  int cross_check;               /* recompute every mean and variance with gsl_stats_* */
  int no_rescale;                /* 1: every cell computed on its own, none by
                                    exact rescaling (rescale.h) */
  double check_max;              /* ... largest relative difference found */
  /* results, allocated by ilab_sweep_alloc: */
  ilab_layer_stats *stats;       /* [cell][trial][layer-1] */
  double *w_var;                 /* [scheme][layer-1]: exact Var(W_l) */
  double *w_promised;            /* [scheme][layer-1]: the variance the name promises */
  ilab_theory_layer *theory;     /* [cell][layer-1]: mean-field predictions, or NULL */
  ilab_finite_layer *finite;     /* [cell][layer-1]: one input's finite-width
                                    predictions (finite.h), or NULL */
  double theory_abserr;          /* largest quadrature error estimate */
  size_t theory_failed;          /* cells whose prediction could not be computed (NaN) */
  ilab_spectrum_job *spectra;    /* [cell] with 'spectrum = yes' (ilab_sweep_spectra):
                                    rows NULL for a cell not run; else NULL */
  /* histograms of H_l, X_l and dL/dX_l at the layers cfg->hist_layers, summed
   * over trials; each (cell, layer, quantity) has hist_bins bins over
   * [lo, hi], set from trial 0's buffer (mean +- 5 sd, cut to phi's range),
   * and two more counts for values below and above (NaN counts as above) */
  double *hist_lo, *hist_hi;     /* [cell][hist layer][3] */
  unsigned long long *hist;      /* [cell][hist layer][3][hist_bins + 2] */
  int timing;                    /* if set, time[] accumulates thread-seconds in: */
  double time[5];                /* drawing weights and inputs, forward products,
                                    forward phi + statistics, backward products,
                                    backward phi' + statistics */
  double flops;                  /* the products' floating-point operations (mlp.h) */
  volatile size_t done;          /* cells x trials finished, for progress */
  size_t rescaled;               /* cells x trials whose statistics came from
                                    their family's reference pass (rescale.h) */
} ilab_sweep;

/* Bytes a run will hold at its peak with this many threads. */
size_t ilab_sweep_bytes(const ilab_config *cfg, int threads);

int ilab_sweep_alloc(ilab_sweep *s, const ilab_config *cfg);
void ilab_sweep_free(ilab_sweep *s);

/* Runs every selected cell of every trial.  ILAB_EINTR if *stop was set,
 * ILAB_ENOMEM, or ILAB_EINVAL for a scheme that cannot resolve.
 *
 * Exact rescaling (rescale.h), unless no_rescale: the cells of one
 * positively homogeneous activation (linear, relu, leaky_relu) without bias
 * whose schemes draw from one family with positive scales are computed from
 * ONE reference pass per trial on that family's unit matrices, run at powers
 * of two that keep it near unit scale; each cell's statistics are the
 * reference's times its factors (O(1) a layer), its histograms are binned
 * from the reference's buffers scaled entry by entry, and an lsuv cell's
 * rescalings are found from the reference's Var(H_l).  A cell some entry of
 * which would leave [2^-478, 2^480] in magnitude, overflow and underflow
 * included, is computed on its own instead, decided exactly from each
 * buffer's largest and smallest non-zero magnitude.  Which path a cell takes
 * depends on the cell and the trial's draws only, so tables stay the same
 * whatever the threads or the cells selected. */
int ilab_sweep_run(ilab_sweep *s);

/* Fills s->theory: the mean-field prediction of every cell for its exact
 * widths, per-layer Var(W), sigma_b2 and input second moment; and
 * s->finite, one input's finite-width predictions for the same and the
 * kurtosis of the weights and input entries (NaN where none exists).  A cell whose
 * quadrature fails (an exploding selu network, say) gets NaN and is counted
 * in theory_failed; ILAB_ENOMEM is the only error. */
int ilab_sweep_theory(ilab_sweep *s);

/* The same for every Var(W_l) multiplied by factor, into theory[cell][layer-1]
 * (n_cells x depth entries, the caller's): what mean field predicts had the
 * schemes drawn a relative variance error factor - 1, from which a claim's
 * sensitivity to such an error is read.  A cell that fails gets NaN;
 * ILAB_ENOMEM is the only error. */
int ilab_sweep_theory_scaled(const ilab_sweep *s, double factor, ilab_theory_layer *theory);

/* Fills s->spectra: the Jacobian's singular values of every selected cell
 * (spectrum.h), for the same networks on the same keyed streams, with
 * spectrum_layers' values kept; cells in parallel on s->threads, each with a
 * single-threaded BLAS.  ILAB_ENOMEM, ILAB_EINTR, ILAB_EINVAL. */
int ilab_sweep_spectra(ilab_sweep *s);

/* The histogram of quantity q (0: H, 1: X, 2: dL/dX) at the i-th histogram
 * layer of a cell: hist_bins counts, then the count below lo and above hi. */
static inline unsigned long long *ilab_sweep_hist(const ilab_sweep *s, size_t cell, size_t i, int q)
{
  assert(cell < s->n_cells && i < s->cfg->n_hist && q >= 0 && q < 3);
  return s->hist + ((cell * s->cfg->n_hist + i) * 3 + (size_t)q) * (s->cfg->hist_bins + 2);
}

static inline ilab_layer_stats *ilab_sweep_at(const ilab_sweep *s, size_t cell, size_t trial,
                                              size_t layer)
{
  assert(cell < s->n_cells && trial < s->cfg->trials && layer >= 1 && layer <= s->cfg->depth);
  return &s->stats[(cell * s->cfg->trials + trial) * s->cfg->depth + (layer - 1)];
}

#endif
