/* Exact rescaling: the per-layer statistics of a positively homogeneous
 * network without bias, read from another network of the same unit matrices
 * that differs only by the scales of its layers. */
#ifndef ILAB_RESCALE_H
#define ILAB_RESCALE_H

#include <stddef.h>
#include "act.h"
#include "mlp.h"

/* Why it is exact.  With phi(c h) = c phi(h) for every c > 0, no bias, and
 * W_l = s_l U_l, a network of scales s and a reference of scales r on the
 * same U_l, X_0 and dL/dX_L = G have, layer by layer,
 *   H_l(s) = C_l H_l(r),  X_l(s) = C_l X_l(r),   C_l = prod_{k<=l} s_k / r_k,
 *   dL/dX_l(s) = D_l dL/dX_l(r),  dL/dH_l(s) = D_l dL/dH_l(r),
 *                                  D_l = prod_{k>l} s_k / r'_k,
 *   dL/dW_l(s) = C_{l-1} D_l dL/dW_l(r),
 * where r'_k is the factor the reference put on W_k in its backward product
 * (phi'(c h) = phi'(h), so the masks agree).  Means scale by the factor,
 * variances and E[X^2] by its square, exact zeros stay zeros, and the counts
 * of saturated entries stay 0 (nothing homogeneous saturates).  The two
 * differ by rounding only, as long as no entry of either leaves the range
 * where a double and its square are normal numbers: ilab_rescale_in_range. */

/* Whether phi(c h) = c phi(h) for every c > 0: linear, relu and leaky_relu
 * (any slope).  hardtanh, elu, selu and the smooth ones are not. */
int ilab_rescale_homogeneous(const ilab_act *a);

/* A positive factor m 2^e with m in [0.5, 1): products of many layers' scales
 * neither overflow nor underflow. */
typedef struct {
  double m;
  long e;
} ilab_rescale_factor;

/* The factor 1. */
ilab_rescale_factor ilab_rescale_one(void);

/* f x, for x > 0 finite; the product is rounded once, as a double's would be. */
ilab_rescale_factor ilab_rescale_mul(ilab_rescale_factor f, double x);

/* f g. */
ilab_rescale_factor ilab_rescale_mul2(ilab_rescale_factor f, ilab_rescale_factor g);

/* f v and f^2 v, as doubles (inf or 0 where they leave the range). */
double ilab_rescale_apply(ilab_rescale_factor f, double v);
double ilab_rescale_apply2(ilab_rescale_factor f, double v);

/* out[i] = f v[i] for i < n (out may be v). */
void ilab_rescale_buffer(ilab_rescale_factor f, const double *v, double *out, size_t n);

/* The extent of a buffer: max |v|, the smallest non-zero |v| (inf if none),
 * the mean of v^2, and whether some entry is not finite. */
typedef struct {
  double max, min_nz, mean_sq;
  int nonfinite;
} ilab_rescale_extent;

void ilab_rescale_extent_of(const double *v, size_t n, ilab_rescale_extent *x);

/* Whether every entry of f v is finite with its non-zero magnitudes in
 * [2^-478, 2^480), decided from the exponents of f v of max and min_nz: then
 * every entry and every square of one is a normal double, sums of up to 2^60
 * squares stay finite, and no entry of f v rounds to zero or to a subnormal,
 * so that f v's statistics computed directly differ from f times v's by
 * rounding.  0 for a buffer with a non-finite entry. */
int ilab_rescale_in_range(ilab_rescale_factor f, const ilab_rescale_extent *x);

/* The power of two 2^-round(log2(sqrt(n q))) that brings the product of n
 * terms of mean square q (a unit matrix against a buffer of mean square q)
 * near unit scale: exact to multiply by, it keeps a reference network of
 * any depth in range.  1 when n q is 0 or not finite. */
double ilab_rescale_pow2(size_t n, double q);

/* A layer's statistics for the network of factors c = C_l (forward: H_l,
 * X_l), d = D_l (dL/dX_l, dL/dH_l) and w = C_{l-1} D_l (dL/dW_l), from the
 * reference's ref; the counts and fractions of zeros, saturation,
 * non-finite entries and of entries out of a double's normal range are the
 * reference's, the lsuv fields are left as they are in out.  Double
 * precision only. */
void ilab_rescale_stats(const ilab_layer_stats *ref, ilab_rescale_factor c, ilab_rescale_factor d,
                        ilab_rescale_factor w, ilab_layer_stats *out);

#endif
