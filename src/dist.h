/* Scalar distributions used to draw weights: uniform, normal, truncated normal. */
#ifndef ILAB_DIST_H
#define ILAB_DIST_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

/* sd of N(0,1) truncated to (-2, 2): sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)). */
#define ILAB_TRUNC2_SD 0.87962566103423978

typedef enum {
  ILAB_DIST_CONSTANT, /* every draw equals value */
  ILAB_DIST_UNIFORM,  /* U(-scale, scale) */
  ILAB_DIST_NORMAL,   /* N(0, scale^2) */
  ILAB_DIST_TRUNCNORM, /* N(0, scale^2) conditioned on a*scale <= x <= b*scale */
  ILAB_DIST_HAAR,     /* scale * an entry of a Haar orthogonal dim x dim matrix:
                         u^2 ~ Beta(1/2, (dim-1)/2), sign fair */
  ILAB_DIST_IDENTITY  /* scale * an entry of an identity matrix whose larger
                         side is dim: 1 with probability 1/dim, else 0 */
} ilab_dist_kind;

/* A zero-location distribution written as  x = scale * u  (or x = value for a
 * constant), where u is a unit draw: U(-1, 1), N(0, 1), or N(0, 1) truncated to
 * (a, b).  Writing every weight as scale * unit lets a sweep draw the unit
 * matrix once and reuse it for every scheme of the same family (common random
 * numbers, see docs/architecture.md). */
typedef struct {
  ilab_dist_kind kind;
  double scale; /* uniform: half-width; normal and truncnorm: the parent's sd */
  double a, b;  /* truncnorm: bounds in units of the parent's sd, a < b */
  double value; /* constant */
  double mass;  /* truncnorm: Phi(b) - Phi(a), kept by the constructor so that
                   the cdf, evaluated per draw by the moment checks, does not
                   compute it again */
  double dim;   /* Haar and identity: the larger side of the matrix */
} ilab_dist;

/* Constructors.  They return ILAB_EINVAL (with a reason) for a negative or
 * non-finite scale, NaN bounds, a >= b, or bounds whose mass Phi(b) - Phi(a)
 * is below the smallest normal double. */
int ilab_dist_constant(ilab_dist *d, double value);
int ilab_dist_uniform(ilab_dist *d, double limit);             /* U(-limit, limit) */
int ilab_dist_normal(ilab_dist *d, double sigma);              /* N(0, sigma^2) */
int ilab_dist_truncnorm(ilab_dist *d, double sigma, double a, double b); /* bounds in sigma units */
int ilab_dist_truncnorm_abs(ilab_dist *d, double sigma, double lo, double hi); /* absolute bounds */

/* One entry of a matrix ensemble, the law 'initlab moments' checks: of gain
 * times a Haar-distributed orthogonal matrix (or k <= dim orthonormal columns
 * of one; every column is uniform on the unit sphere of R^dim, so
 * u^2 ~ Beta(1/2, (dim-1)/2): E[u^2] = 1/dim, E[u^4] = 3/(dim (dim+2))), and
 * of gain times an identity matrix with larger side dim (mean gain/dim,
 * E[x^2] = gain^2/dim).  Whole matrices are drawn by ilab_linalg_unit_matrix;
 * ilab_dist_sample draws the entries' law independently.  ILAB_EINVAL for a
 * negative or non-finite gain or dim < 1. */
int ilab_dist_haar(ilab_dist *d, double gain, double dim);
int ilab_dist_identity(ilab_dist *d, double gain, double dim);

/* Identifies the unit distribution: two dists with the same family id differ
 * only by scale.  0 for constants. */
unsigned long ilab_dist_family(const ilab_dist *d);

/* Fills x[0..n-1] with unit draws u (scale 1; for a constant, zeros). */
void ilab_dist_sample_unit(const gsl_rng *r, const ilab_dist *d, double *x, size_t n);

/* Fills x[0..n-1] with draws of d (scale * unit, or value). */
void ilab_dist_sample(const gsl_rng *r, const ilab_dist *d, double *x, size_t n);

/* Exact density and distribution function.  A constant (or a law of scale
 * 0, a point mass at 0) has pdf +inf at its value and 0 elsewhere, and a step
 * cdf [x >= value]. */
double ilab_dist_pdf(const ilab_dist *d, double x);
double ilab_dist_cdf(const ilab_dist *d, double x);

/* u[i] = ilab_dist_cdf(d, x[i]) for i < n, the same numbers with the law's
 * case analysis done once. */
void ilab_dist_cdf_n(const ilab_dist *d, const double *x, double *u, size_t n);

/* Exact moments.  k-th raw moment E[x^k] and k-th central moment E[(x-mean)^k]
 * for k >= 0 (NaN for k < 0); the z-scores of the sample kurtosis need the 8th.
 * A truncated normal's take tens of microseconds: not for a hot loop. */
double ilab_dist_raw_moment(const ilab_dist *d, int k);
double ilab_dist_central_moment(const ilab_dist *d, int k);

typedef struct {
  double mean, var, skew, kurt; /* kurt: excess kurtosis, mu4/var^2 - 3 */
} ilab_dist_moments_t;

/* Exact mean, variance, skewness and excess kurtosis (a constant has var 0 and
 * skew = kurt = NaN). */
void ilab_dist_moments(const ilab_dist *d, ilab_dist_moments_t *m);

/* Short description for tables, e.g. "normal(sd=0.0625)". */
void ilab_dist_describe(const ilab_dist *d, char *buf, size_t size);

#endif
