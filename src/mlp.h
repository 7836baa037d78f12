/* A deep MLP: widths, weights as scale * unit matrix, buffers for the forward
 * and backward passes, one layer at a time with fused statistics. */
#ifndef ILAB_MLP_H
#define ILAB_MLP_H

#include <stddef.h>
#include "act.h"
#include "fp.h"

/* What one layer l records (the columns of layers.tsv).  Moments are over the
 * finite entries of each buffer; the counts say how many were not finite. */
typedef struct {
  double h_mean, h_var;   /* H_l = X_{l-1} W_l + b_l */
  double x_mean, x_var;   /* X_l = phi(H_l) */
  double x_sq;            /* E[X_l^2] */
  double gx_var;          /* Var(dL/dX_l) */
  double gh_var;          /* Var(dL/dH_l) */
  double gw_var;          /* Var(dL/dW_l), batch-mean gradient */
  double zero_frac;       /* exact zeros in X_l */
  double sat_frac;        /* |phi(h)| within 1% of a bound (tanh, sigmoid) */
  long long nonfinite;    /* inf or NaN entries of H_l */
  long long g_nonfinite;  /* inf or NaN entries of dL/dX_l */
  double lsuv_scale;      /* lsuv cells (sweep.c): the factor LSUV put on the
                             base's W_l, the product of its 1/sqrt(Var(H_l));
                             NaN for other schemes */
  double lsuv_iters;      /* ... and how many rescalings that took */
  /* Range of the network's format (fp.h): entries below its smallest normal
   * (zero or subnormal) and entries that are +-inf (overflowed here or before) */
  double h_under;         /* fraction of H_l's entries with |h| < tiny */
  long long h_over;       /* count of H_l's entries that are +-inf */
  double g_under;         /* fraction of dL/dX_l's entries with |g| < tiny (as
                             stored: loss_scale * the gradient) */
  long long g_over;       /* count of dL/dX_l's entries that are +-inf */
} ilab_layer_stats;

typedef struct {
  size_t L, batch;
  size_t *widths;       /* n_0 .. n_L */
  ilab_act act;
  const double **unit;  /* W_l = scale[l] * unit[l], n_{l-1} x n_l row-major; not owned */
  double *scale;
  const double **bias;  /* b_l (length n_l), or NULL for none; not owned */
  double *x;            /* X_0 .. X_L, stored for the backward pass */
  size_t *x_off;
  int keep_h;           /* phi' needs H (ilab_act_needs_h): h holds H_1 .. H_L at
                           x_off[l] - x_off[1]; otherwise phi' is read from X and
                           h holds only the layer last run forward */
  double *h;
  const double *h_last; /* H_l of the layer last run forward */
  double *g, *g2, *dh, *dw; /* backward workspace: dL/dX_l, dL/dX_{l-1}, dL/dH_l, dL/dW_l */
  int keep_dw;          /* [1] form dL/dW_l (ilab_mlp_grad_w).  0 lets a pass in
                           double take Var(dL/dW_l) from the batch's two Gram
                           matrices, B^2 (n_{l-1} + n_l) flops in place of the
                           product's B n_{l-1} n_l, where that is exact to
                           rounding (mlp.c, gram_var); grad_w is then NULL */
  int dw_formed;        /* dw holds dL/dW_l of the layer last run backward */
  int timing;           /* if set, time[] accumulates seconds spent in: */
  double time[4];       /* forward products, forward phi + statistics,
                           backward products, backward phi' + statistics */
  double flops;         /* the products' floating-point operations so far: 2 m n k
                           a product, (n + 1) n k a dsyrk, 2 m n a dgemv */
  int cross_check;      /* if set, every mean and variance is recomputed by gsl_stats_* */
  double check_max;     /* ... and the largest relative difference kept here */
  /* Reduced precision (ilab_mlp_set_precision): the double buffers above then
   * hold values of the storage format, and binary32 copies feed sgemm */
  ilab_precision prec;  /* [ILAB_PREC_DOUBLE] */
  double loss_scale;    /* dL/dX_L = loss_scale * G [1] */
  float *xf, *wf, *dhf, *of; /* binary32 X_0..X_L, W_1..W_L (rounded by the forward
                                 pass, read again by the backward one), dL/dH_l
                                 and a product's output (H_l, dW_l, dL/dX_{l-1});
                                 NULL in double */
  size_t *wf_off;       /* W_l at wf + wf_off[l] */
  unsigned char *wf_ok; /* wf_ok[l]: wf holds W_l rounded from wf_unit[l], wf_scale[l] */
  const double **wf_unit;
  double *wf_scale;
  float *xf_max, *wf_max; /* max |entry| of xf's X_l and wf's W_l, as rounded: the
                             range of a product's operands (sgemm_ranged) */
  float *hf, *gf, *g2f; /* binary32 H (as h), dL/dX_l and dL/dX_{l-1} */
  const float *hf_last; /* H_l of the layer last run forward, in hf */
  size_t l_last;        /* ... and its l */
  size_t g_n, dh_n;     /* entries of gf and dhf that are current (0: none) */
} ilab_mlp;

/* Bytes ilab_mlp_alloc will take for these sizes and this activation (an
 * activation whose phi' needs H keeps H_1..H_L: B (n_1 + ... + n_L) doubles
 * more, less one layer's), or SIZE_MAX if the count overflows; callers check
 * it against a memory limit first. */
size_t ilab_mlp_bytes(size_t L, const size_t *widths, size_t batch, const ilab_act *act);

/* Bytes ilab_mlp_set_precision adds for precision p and activation act:
 * binary32 copies of X_0..X_L (nx entries), of W_1..W_L (nw_total), of H
 * (as ilab_mlp_bytes counts it), of dL/dH, dL/dX_l and dL/dX_{l-1} (nmax
 * each) and a product's output (max(nw_max, nmax)), 4 bytes each, and the
 * layers' offsets and maxima; 0 for double; SIZE_MAX on overflow. */
size_t ilab_mlp_precision_bytes(size_t L, const size_t *widths, size_t batch, const ilab_act *act,
                                ilab_precision p);

/* Makes the network compute in precision p (allocating its binary32 copies)
 * with dL/dX_L = loss_scale * G.  single: every product in sgemm, phi and
 * phi' rounded to binary32.  half, bfloat16: W_l = round(scale * unit), the
 * input and loss_scale * G rounded to the format; each product accumulated
 * in binary32 (sgemm) and its result rounded to the format, phi(H) and
 * G phi'(H) computed in double from stored values and rounded.  A product
 * whose terms would be subnormal in binary32 is taken at a power-of-two
 * scale and rounded back once (mlp.c, sgemm_ranged): the stored values are
 * binary32's, subnormals included, without x86's slow subnormal arithmetic.
 * Statistics are accumulated in double; gradient variances are divided by
 * loss_scale^2.
 * ILAB_ENOMEM, ILAB_EINVAL for loss_scale not finite and > 0. */
int ilab_mlp_set_precision(ilab_mlp *net, ilab_precision p, double loss_scale);

/* A network of L layers with widths n_0..n_L for a batch of B examples.
 * ILAB_ENOMEM on failure (nothing is left allocated). */
int ilab_mlp_alloc(ilab_mlp **net, size_t L, const size_t *widths, size_t batch,
                   const ilab_act *act);
void ilab_mlp_free(ilab_mlp *net);

/* Layer l (1-based) uses W_l = scale * unit and bias b (NULL: none). */
void ilab_mlp_set_layer(ilab_mlp *net, size_t l, const double *unit, double scale,
                        const double *b);

/* Says that the contents of the unit matrices may have changed (a new
 * trial's draws in the same buffers).  In reduced precision the network
 * keeps W_l rounded to the format while the unit pointer and the scale stay
 * the same; a caller that redraws in place calls this before the next pass.
 * Nothing to do in double. */
void ilab_mlp_weights_changed(ilab_mlp *net);

/* The input X_0 (B x n_0), for the caller to fill. */
double *ilab_mlp_input(ilab_mlp *net);

/* H_l = X_{l-1} W_l (+ b_l), X_l = phi(H_l); fills the forward fields of st. */
void ilab_mlp_forward_layer(ilab_mlp *net, size_t l, ilab_layer_stats *st);

/* Starts the backward pass from dL/dX_L = G (B x n_L, copied). */
void ilab_mlp_backward_begin(ilab_mlp *net, const double *G);

/* With dL/dX_l in place: dH_l = dL/dX_l * phi'(H_l), dW_l = X_{l-1}^T dH_l / B,
 * dL/dX_{l-1} = dH_l W_l^T (skipped for l = 1: nothing records dL/dX_0);
 * fills the backward fields of st.  Call for l = L down to 1. */
void ilab_mlp_backward_layer(ilab_mlp *net, size_t l, ilab_layer_stats *st);

/* Pointers into the buffers, for tests and histograms: X_l (l = 0..L), H_l
 * of the layer last run forward, the current dL/dX_l, the last dL/dW_l.  In
 * reduced precision the passes keep these in binary32 and the accessors
 * widen the one asked for into its double buffer (O(B n_l)); dL/dW_l is
 * summarized from its binary32 product and not kept: NULL. */
const double *ilab_mlp_x(const ilab_mlp *net, size_t l);
const double *ilab_mlp_h(const ilab_mlp *net);
const double *ilab_mlp_grad_x(const ilab_mlp *net);
const double *ilab_mlp_grad_w(const ilab_mlp *net);

/* dL/dH_l (B x n_l) of the layer last run backward: what a bias gradient sums. */
const double *ilab_mlp_grad_h(const ilab_mlp *net);

#endif
