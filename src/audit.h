/* Judging stored weights: fans from a tensor's shape as the frameworks
 * compute them, the exact law a scheme promises (pushed through rounding for
 * float16 and bfloat16), the moment, KS and chi^2 checks against it, and the
 * preset or framework default that fits best. */
#ifndef ILAB_AUDIT_H
#define ILAB_AUDIT_H

#include <stddef.h>
#include "scheme.h"
#include "tensorio.h"

typedef enum {
  ILAB_LAYOUT_TORCH, /* Linear (out, in); Conv (out, in/groups, k...) */
  ILAB_LAYOUT_KERAS  /* Dense (in, out); Conv (k..., in, out); also JAX/Flax */
} ilab_layout;

/* Fans from a shape, as torch.nn.init._calculate_fan_in_and_fan_out and
 * keras's _compute_fans do, with rf = the product of the kernel axes:
 *   torch, ndim >= 2: fan_in = shape[1] rf, fan_out = shape[0] rf, rf = prod shape[2:]
 *   keras, ndim >= 2: fan_in = shape[-2] rf, fan_out = shape[-1] rf, rf = prod shape[:-2]
 *   keras, ndim 1: fan_in = fan_out = shape[0]; ndim 0: both 1
 * rule gets a short name of the rule used ("torch:linear(out,in)", ...).
 * ILAB_EINVAL (rule still set) when the layout defines no fans (torch with
 * fewer than 2 axes) or a fan is 0. */
int ilab_audit_fans(const size_t *shape, int ndim, ilab_layout layout, size_t *fan_in, size_t *fan_out,
                    char *rule, size_t rule_size);

/* 1 if the name suggests a transposed convolution ("transpose", "deconv",
 * "convt", case-insensitive), whose stored axes swap the fans: torch keeps
 * ConvTranspose weights as (in, out/groups, k...), Keras as (k..., out, in). */
int ilab_audit_transposed_name(const char *name);

/* 1 if x[0..n-1] are all equal (n >= 1), with the value in *value. */
int ilab_audit_constant(const double *x, size_t n, double *value);

/* Reusable state of the checks: key buffers, the float16/bfloat16 grids and
 * the generator of the randomized probability integral transform. */
typedef struct ilab_audit_workspace ilab_audit_workspace;

/* seed fixes the randomized transform (see ilab_audit_judge); NULL on no memory. */
ilab_audit_workspace *ilab_audit_workspace_alloc(unsigned long seed);
void ilab_audit_workspace_free(ilab_audit_workspace *w);

typedef struct {
  int judged;          /* 0: not judged (note says why); the numbers are NaN */
  double mean, var;    /* of the tensor (var with n - 1) */
  double var_expected; /* of the exact law judged against (the rounded law for
                          float16 and bfloat16) */
  double var_ratio, ratio_lo, ratio_hi; /* var / var_expected and its 95% interval,
                          +-1.96 var sqrt((kurt + 2)/n) from the sample's own kurtosis */
  double z[4];         /* mean, variance, skewness, excess kurtosis z-scores */
  double ks_p, chi2_p;
  double p;            /* min(1, 6 p_min): the six tests' Bonferroni p-value */
  double detectable;   /* relative variance error found with 90% power at this n:
                          (z_c + z_0.9) sqrt(mu4/mu2^2 - 1)/sqrt(n), z_c = Q^-1(per_test/2) */
  int pass;            /* every one of the six p-values >= per_test */
  char note[256];
} ilab_audit_result;

/* Judges x[0..n-1], stored as dtype, against the law s gives for these fans.
 * For float16 and bfloat16 the law is that of the rounded draws: cell
 * probabilities F(b_{i+1}) - F(b_i) between the midpoints b of the format's
 * grid, all 65536 patterns enumerated, which gives the exact mean and central
 * moments; KS and chi^2 use the randomized transform u = F(b_i) + V (F(b_{i+1})
 * - F(b_i)), V ~ U(0, 1), which is exactly U(0, 1) for draws of that law
 * (Brockwell 2007).  A constant scheme passes when every value equals its
 * value rounded to dtype.  Not judged: n < 100, or a scheme that needs fans
 * when have_fans is 0.  ILAB_ENOMEM; ILAB_EINVAL if s does not resolve. */
int ilab_audit_judge(ilab_audit_workspace *w, const double *x, size_t n, ilab_dtype dtype,
                     const ilab_scheme *s, int have_fans, size_t fan_in, size_t fan_out, double per_test,
                     ilab_audit_result *r);

/* The candidate whose exact law fits x best: among the presets, their fan_out
 * and Keras truncated-normal variants, the framework defaults (those only if
 * have_fans) and common fixed laws, the one with the largest p (as in
 * ilab_audit_result), or "none" when none reaches 6 per_test (all would
 * fail).  Candidates this n cannot tell apart from that one (the same kind of
 * law, variances closer than its detectable error) are resolved by the
 * list's order, which puts the common initializers first; *p is the named
 * one's.  A constant tensor is "zeros", "ones" or "constant:value=C" with
 * p = 1; fewer than 100 values give "-".  Candidates are screened by their
 * variance z-test first: the six-test p of a candidate is at most 6 times
 * its variance test's p, so one that can neither pass nor beat the best so
 * far is not checked in full.  alike gets the other candidates that pass,
 * comma-separated, or "" (e.g. glorot_normal beside lecun_normal when
 * fan_in = fan_out: the same law). */
int ilab_audit_best(ilab_audit_workspace *w, const double *x, size_t n, ilab_dtype dtype, int have_fans,
                    size_t fan_in, size_t fan_out, double per_test, char *best, size_t size, double *p,
                    char *alike, size_t alike_size);

/* The candidates' specs, for help and tests. */
extern const char *const ilab_audit_candidates[];
extern const size_t ilab_audit_ncandidates;

#endif
