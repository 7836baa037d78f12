/* Scalar weight distributions: constructors, samplers, pdf, cdf and exact moments. */
#include "dist.h"
#include "ilab.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

/* Mass Phi(b) - Phi(a) of N(0, 1) on (a, b), a <= b, written so that no
 * difference of two numbers near 1 is taken: in the upper tail as Q(a) - Q(b),
 * in the lower tail as P(b) - P(a), keeping full relative accuracy out to
 * |a|, |b| ~ 37 where the tail mass underflows. */
static double tn_mass(double a, double b)
{
  if (a >= 0) return gsl_cdf_ugaussian_Q(a) - gsl_cdf_ugaussian_Q(b);
  if (b <= 0) return gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a);
  return 1.0 - gsl_cdf_ugaussian_P(a) - gsl_cdf_ugaussian_Q(b);
}

static int check_scale(const char *what, const char *name, double s)
{
  if (!isfinite(s) || s < 0)
    ILAB_ERROR(ILAB_EINVAL, "%s: %s must be finite and >= 0 (got %g)", what, name, s);
  return ILAB_OK;
}

int ilab_dist_constant(ilab_dist *d, double value)
{
  if (!isfinite(value)) ILAB_ERROR(ILAB_EINVAL, "constant: value must be finite (got %g)", value);
  *d = (ilab_dist){.kind = ILAB_DIST_CONSTANT, .value = value};
  return ILAB_OK;
}

int ilab_dist_uniform(ilab_dist *d, double limit)
{
  int status = check_scale("uniform", "limit", limit);
  if (status) return status;
  *d = (ilab_dist){.kind = ILAB_DIST_UNIFORM, .scale = limit};
  return ILAB_OK;
}

int ilab_dist_normal(ilab_dist *d, double sigma)
{
  int status = check_scale("normal", "sd", sigma);
  if (status) return status;
  *d = (ilab_dist){.kind = ILAB_DIST_NORMAL, .scale = sigma};
  return ILAB_OK;
}

/* The bounds must keep a mass of at least DBL_MIN, the smallest normal double:
 * below it phi(a)/Z, which every moment and the pdf need, loses its precision
 * to subnormal arithmetic (a one-sided tail beyond about 37.5 sd). */
int ilab_dist_truncnorm(ilab_dist *d, double sigma, double a, double b)
{
  int status = check_scale("truncnorm", "sd", sigma);
  if (status) return status;
  if (isnan(a) || isnan(b) || !(a < b))
    ILAB_ERROR(ILAB_EINVAL, "truncnorm: need bounds a < b (got a = %g, b = %g)", a, b);
  if (!(tn_mass(a, b) >= DBL_MIN))
    ILAB_ERROR(ILAB_EINVAL, "truncnorm: bounds (%g, %g) sd leave no representable mass", a, b);
  *d = (ilab_dist){.kind = ILAB_DIST_TRUNCNORM, .scale = sigma, .a = a, .b = b};
  return ILAB_OK;
}

int ilab_dist_truncnorm_abs(ilab_dist *d, double sigma, double lo, double hi)
{
  if (!isfinite(sigma) || !(sigma > 0))
    ILAB_ERROR(ILAB_EINVAL, "truncnorm: sd must be finite and > 0 with absolute bounds (got %g)",
               sigma);
  if (isnan(lo) || isnan(hi) || !(lo < hi))
    ILAB_ERROR(ILAB_EINVAL, "truncnorm: need bounds lo < hi (got lo = %g, hi = %g)", lo, hi);
  return ilab_dist_truncnorm(d, sigma, lo / sigma, hi / sigma);
}

/* Finalizer of splitmix64 (Steele, Lea and Flood 2014, "Fast splittable
 * pseudorandom number generators"): a bijection that spreads every input bit
 * over the whole word.  The constants are theirs. */
static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static uint64_t bits(double x)
{
  uint64_t u;
  x += 0.0; /* -0.0 + 0.0 = +0.0: the two zeros are one bound */
  memcpy(&u, &x, sizeof u);
  return u;
}

unsigned long ilab_dist_family(const ilab_dist *d)
{
  switch (d->kind) {
  case ILAB_DIST_CONSTANT: return 0;
  case ILAB_DIST_NORMAL: return 1;
  case ILAB_DIST_UNIFORM: return 2;
  case ILAB_DIST_TRUNCNORM:
    /* Bounds (-inf, inf) reject nothing, so the unit stream is the normal's. */
    if (d->a == -INFINITY && d->b == INFINITY) return 1;
    break;
  }
  uint64_t h = mix64(bits(d->a) ^ mix64(bits(d->b)));
  unsigned long id = (unsigned long)(h ^ (h >> 32)); /* folds to 32 bits where long is */
  return id < 3 ? id + 3 : id; /* 0, 1, 2 are taken by constant, normal and uniform */
}

/* Mass Z below which the truncated normal is drawn by the inverse cdf rather
 * than by rejecting standard normal draws outside (a, b).  Rejection costs 1/Z
 * ziggurat draws (Marsaglia and Tsang 2000; 7-10 ns each here) plus a branch
 * that mispredicts more as Z falls; the inverse cdf costs one uniform and one
 * gsl_cdf_ugaussian_Pinv or Qinv (Wichura 1988, AS 241), 17-25 ns whatever Z.
 * Measured with mt19937 and taus2, the two cost the same near Z = 0.7; at
 * (-2, 2), Z = 0.954, rejection takes 7-12 ns a draw. */
#define TN_REJECT_MIN_MASS 0.7

/* Writes x[i] = s * u_i for n unit draws u_i of d (value for a constant unless
 * unit is set).  The scaling sits in the drawing loop, so a buffer is written
 * once, and s * u is the same product whether s is applied here or later. */
static void fill(const gsl_rng *r, const ilab_dist *d, double *x, size_t n, int unit)
{
  const double s = unit ? 1.0 : d->scale, a = d->a, b = d->b;
  switch (d->kind) {
  case ILAB_DIST_CONSTANT: {
    const double v = unit ? 0.0 : d->value;
    for (size_t i = 0; i < n; i++) x[i] = v;
    return;
  }
  case ILAB_DIST_UNIFORM:
    /* gsl_rng_uniform is in [0, 1), so u is in [-1, 1). */
    for (size_t i = 0; i < n; i++) x[i] = s * (2.0 * gsl_rng_uniform(r) - 1.0);
    return;
  case ILAB_DIST_NORMAL:
    for (size_t i = 0; i < n; i++) x[i] = s * gsl_ran_gaussian_ziggurat(r, 1.0);
    return;
  case ILAB_DIST_TRUNCNORM:
    break;
  }
  if (tn_mass(a, b) >= TN_REJECT_MIN_MASS) {
    for (size_t i = 0; i < n; i++) {
      double u;
      do u = gsl_ran_gaussian_ziggurat(r, 1.0); while (!(a < u && u < b));
      x[i] = s * u;
    }
  } else if (a > 0) {
    /* Upper tail: u = Qinv(q) with q uniform on (Q(b), Q(a)); Q keeps its
     * relative accuracy where P = 1 - Q would round to 1.  uniform_pos
     * excludes 0, so q > 0 even for b = inf, and the clamp absorbs rounding
     * at the ends. */
    const double qb = gsl_cdf_ugaussian_Q(b), dq = gsl_cdf_ugaussian_Q(a) - qb;
    for (size_t i = 0; i < n; i++) {
      double u = gsl_cdf_ugaussian_Qinv(qb + dq * gsl_rng_uniform_pos(r));
      x[i] = s * fmin(fmax(u, a), b);
    }
  } else {
    /* Lower tail or a narrow interval around 0: u = Pinv(p), p uniform on
     * (P(a), P(b)). */
    const double pa = gsl_cdf_ugaussian_P(a), dp = gsl_cdf_ugaussian_P(b) - pa;
    for (size_t i = 0; i < n; i++) {
      double u = gsl_cdf_ugaussian_Pinv(pa + dp * gsl_rng_uniform_pos(r));
      x[i] = s * fmin(fmax(u, a), b);
    }
  }
}

void ilab_dist_sample_unit(const gsl_rng *r, const ilab_dist *d, double *x, size_t n)
{
  fill(r, d, x, n, 1);
}

void ilab_dist_sample(const gsl_rng *r, const ilab_dist *d, double *x, size_t n)
{
  fill(r, d, x, n, 0);
}

/* A zero scale makes every law a point mass at 0, handled as a constant. */
static ilab_dist as_point_mass(const ilab_dist *d)
{
  if (d->kind == ILAB_DIST_CONSTANT || d->scale != 0) return *d;
  return (ilab_dist){.kind = ILAB_DIST_CONSTANT, .value = 0};
}

/* The constant's density is a Dirac delta: 0 off the value, +inf at it. */
double ilab_dist_pdf(const ilab_dist *d0, double x)
{
  const ilab_dist d = as_point_mass(d0);
  const double s = d.scale;
  if (isnan(x)) return x;
  switch (d.kind) {
  case ILAB_DIST_CONSTANT: return x == d.value ? INFINITY : 0.0;
  case ILAB_DIST_UNIFORM: return gsl_ran_flat_pdf(x, -s, s);
  case ILAB_DIST_NORMAL: return gsl_ran_gaussian_pdf(x, s);
  case ILAB_DIST_TRUNCNORM: {
    const double t = x / s;
    if (t < d.a || t > d.b) return 0.0;
    return gsl_ran_ugaussian_pdf(t) / (s * tn_mass(d.a, d.b));
  }
  }
  return NAN;
}

/* The constant's cdf is the step P(X <= x) = [x >= value]. */
double ilab_dist_cdf(const ilab_dist *d0, double x)
{
  const ilab_dist d = as_point_mass(d0);
  const double s = d.scale;
  if (isnan(x)) return x;
  switch (d.kind) {
  case ILAB_DIST_CONSTANT: return x >= d.value ? 1.0 : 0.0;
  case ILAB_DIST_UNIFORM: return gsl_cdf_flat_P(x, -s, s);
  case ILAB_DIST_NORMAL: return gsl_cdf_gaussian_P(x, s);
  case ILAB_DIST_TRUNCNORM: {
    const double t = x / s;
    if (t <= d.a) return 0.0;
    if (t >= d.b) return 1.0;
    return tn_mass(d.a, t) / tn_mass(d.a, d.b);
  }
  }
  return NAN;
}

/* E[(u - c)^k] for u ~ N(0, 1) truncated to (a, b).  Integrating by parts with
 * phi'(u) = -u phi(u) gives, with M_j = E[(u - c)^j], M_{-1} = 0, M_0 = 1,
 *   M_j = ((a-c)^{j-1} phi(a) - (b-c)^{j-1} phi(b)) / Z - c M_{j-1} + (j-1) M_{j-2};
 * for c = 0 this is the raw-moment recursion m_j = (j-1) m_{j-2} +
 * (a^{j-1} phi(a) - b^{j-1} phi(b))/Z (Johnson, Kotz and Balakrishnan 1994,
 * ch. 13), and for c = the mean it gives the central moments directly,
 * without the cancellation of the binomial formula when the mean is large
 * against the sd (one-sided tails).  Accuracy fades for very narrow intervals,
 * where 1 + (a phi(a) - b phi(b))/Z cancels: a relative error ~ eps/(b-a)^2 in
 * the variance. */
static double tn_moment(double a, double b, double c, int k)
{
  const double z = tn_mass(a, b);
  const double pa = gsl_ran_ugaussian_pdf(a) / z, pb = gsl_ran_ugaussian_pdf(b) / z;
  /* An infinite bound has phi = 0; taking its shifted bound as 0 keeps
   * (a-c)^{j-1} phi(a) at 0 instead of inf * 0 = NaN. */
  const double da = isinf(a) ? 0.0 : a - c, db = isinf(b) ? 0.0 : b - c;
  double ta = pa, tb = pb, m2 = 0.0, m1 = 1.0; /* m2 = M_{j-2}, m1 = M_{j-1} */
  for (int j = 1; j <= k; j++) {
    /* The bound terms come first, so that for c = mean M_1 is exactly 0. */
    double m = (ta - tb) - c * m1 + (j - 1) * m2;
    m2 = m1;
    m1 = m;
    ta *= da;
    tb *= db;
  }
  return m1;
}

static double tn_mean(double a, double b)
{
  return (gsl_ran_ugaussian_pdf(a) - gsl_ran_ugaussian_pdf(b)) / tn_mass(a, b);
}

/* (k-1)!! for even k >= 0: the k-th moment of N(0, 1). */
static double double_factorial_odd(int k)
{
  double f = 1.0;
  for (int j = k - 1; j > 1; j -= 2) f *= j;
  return f;
}

/* Defined for every k >= 0 (NaN for k < 0); the header promises 0 <= k <= 8. */
double ilab_dist_raw_moment(const ilab_dist *d, int k)
{
  const double s = d->scale;
  if (k < 0) return NAN;
  switch (d->kind) {
  case ILAB_DIST_CONSTANT: return pow(d->value, k);
  case ILAB_DIST_UNIFORM: return k % 2 ? 0.0 : pow(s, k) / (k + 1);
  case ILAB_DIST_NORMAL: return k % 2 ? 0.0 : pow(s, k) * double_factorial_odd(k);
  case ILAB_DIST_TRUNCNORM: return pow(s, k) * tn_moment(d->a, d->b, 0.0, k);
  }
  return NAN;
}

double ilab_dist_central_moment(const ilab_dist *d, int k)
{
  if (k < 0) return NAN;
  switch (d->kind) {
  case ILAB_DIST_CONSTANT: return k == 0 ? 1.0 : 0.0;
  case ILAB_DIST_UNIFORM:
  case ILAB_DIST_NORMAL: return ilab_dist_raw_moment(d, k); /* mean 0 */
  case ILAB_DIST_TRUNCNORM:
    return pow(d->scale, k) * tn_moment(d->a, d->b, tn_mean(d->a, d->b), k);
  }
  return NAN;
}

void ilab_dist_moments(const ilab_dist *d, ilab_dist_moments_t *m)
{
  const double var = ilab_dist_central_moment(d, 2);
  m->mean = ilab_dist_raw_moment(d, 1);
  m->var = var;
  m->skew = var > 0 ? ilab_dist_central_moment(d, 3) / (var * sqrt(var)) : NAN;
  m->kurt = var > 0 ? ilab_dist_central_moment(d, 4) / (var * var) - 3.0 : NAN;
}

void ilab_dist_describe(const ilab_dist *d, char *buf, size_t size)
{
  switch (d->kind) {
  case ILAB_DIST_CONSTANT: snprintf(buf, size, "constant(%.6g)", d->value); return;
  case ILAB_DIST_UNIFORM: snprintf(buf, size, "uniform(limit=%.6g)", d->scale); return;
  case ILAB_DIST_NORMAL: snprintf(buf, size, "normal(sd=%.6g)", d->scale); return;
  case ILAB_DIST_TRUNCNORM:
    snprintf(buf, size, "truncnorm(sd=%.6g,a=%.6g,b=%.6g)", d->scale, d->a, d->b);
    return;
  }
  if (size) buf[0] = '\0';
}
