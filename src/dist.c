/* Scalar weight distributions: constructors, samplers, pdf, cdf and exact moments. */
#include "dist.h"
#include "ilab.h"
#include "stream.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

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

/* The bounds must keep a mass Z of at least DBL_MIN, the smallest normal
 * double: below it phi(a)/Z, which the pdf and the moments need, loses its
 * precision to subnormal arithmetic (a one-sided tail beyond about 37.5 sd). */
int ilab_dist_truncnorm(ilab_dist *d, double sigma, double a, double b)
{
  int status = check_scale("truncnorm", "sd", sigma);
  if (status) return status;
  if (isnan(a) || isnan(b) || !(a < b))
    ILAB_ERROR(ILAB_EINVAL, "truncnorm: need bounds a < b (got a = %g, b = %g)", a, b);
  if (!(tn_mass(a, b) >= DBL_MIN))
    ILAB_ERROR(ILAB_EINVAL, "truncnorm: bounds (%g, %g) sd leave no representable mass", a, b);
  *d = (ilab_dist){.kind = ILAB_DIST_TRUNCNORM, .scale = sigma, .a = a, .b = b, .mass = tn_mass(a, b)};
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

static int check_matrix(const char *what, double gain, double dim)
{
  if (!isfinite(gain) || gain < 0)
    ILAB_ERROR(ILAB_EINVAL, "%s: gain must be finite and >= 0 (got %g)", what, gain);
  if (!(dim >= 1) || !isfinite(dim) || dim != floor(dim))
    ILAB_ERROR(ILAB_EINVAL, "%s: the matrix side must be a whole number >= 1 (got %g)", what, dim);
  return ILAB_OK;
}

int ilab_dist_haar(ilab_dist *d, double gain, double dim)
{
  int status = check_matrix("orthogonal", gain, dim);
  if (status) return status;
  *d = (ilab_dist){.kind = ILAB_DIST_HAAR, .scale = gain, .dim = dim};
  return ILAB_OK;
}

int ilab_dist_identity(ilab_dist *d, double gain, double dim)
{
  int status = check_matrix("identity", gain, dim);
  if (status) return status;
  *d = (ilab_dist){.kind = ILAB_DIST_IDENTITY, .scale = gain, .dim = dim};
  return ILAB_OK;
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
  case ILAB_DIST_HAAR: return 3;     /* the matrix's shape is the layer's */
  case ILAB_DIST_IDENTITY: return 4;
  case ILAB_DIST_TRUNCNORM:
    /* Bounds (-inf, inf) reject nothing, so the unit stream is the normal's. */
    if (d->a == -INFINITY && d->b == INFINITY) return 1;
    break;
  }
  uint64_t h = ilab_stream_mix64(bits(d->a) ^ ilab_stream_mix64(bits(d->b)));
  /* Where long has 32 bits the cast keeps the low half, into which the high
   * half is folded first. */
  unsigned long id = (unsigned long)(h ^ (h >> 32));
  /* 0 to 4 are taken by constant, normal, uniform, Haar and identity */
  return id < 5 ? id + 5 : id;
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
  case ILAB_DIST_HAAR:
    /* u = +-sqrt(B), B ~ Beta(1/2, (dim-1)/2); dim = 1 leaves a sign */
    for (size_t i = 0; i < n; i++) {
      double m = d->dim > 1 ? sqrt(gsl_ran_beta(r, 0.5, 0.5 * (d->dim - 1))) : 1.0;
      x[i] = s * (gsl_rng_uniform(r) < 0.5 ? -m : m);
    }
    return;
  case ILAB_DIST_IDENTITY:
    for (size_t i = 0; i < n; i++) x[i] = gsl_rng_uniform(r) * d->dim < 1.0 ? s : 0.0;
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
    return gsl_ran_ugaussian_pdf(t) / (s * d.mass);
  }
  case ILAB_DIST_HAAR: {
    /* f(u) = (1 - u^2)^((dim-3)/2) / B(1/2, (dim-1)/2) on [-1, 1] */
    const double t = x / s;
    if (fabs(t) > 1) return 0.0;
    if (d.dim == 1) return fabs(t) == 1 ? INFINITY : 0.0;
    return pow(1 - t * t, 0.5 * (d.dim - 3)) / (gsl_sf_beta(0.5, 0.5 * (d.dim - 1)) * s);
  }
  case ILAB_DIST_IDENTITY:
    return x == s || (x == 0 && d.dim > 1) ? INFINITY : 0.0;
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
    return tn_mass(d.a, t) / d.mass;
  }
  case ILAB_DIST_HAAR: {
    /* P(u <= t) = 1/2 + sign(t) P(u^2 <= t^2)/2 */
    const double t = x / s;
    if (t < -1) return 0.0;
    if (t >= 1) return 1.0;
    if (d.dim == 1) return 0.5;
    return 0.5 + copysign(0.5 * gsl_cdf_beta_P(t * t, 0.5, 0.5 * (d.dim - 1)), t);
  }
  case ILAB_DIST_IDENTITY:
    return x < 0 ? 0.0 : x < s ? 1.0 - 1.0 / d.dim : 1.0;
  }
  return NAN;
}

void ilab_dist_cdf_n(const ilab_dist *d0, const double *x, double *u, size_t n)
{
  const ilab_dist d = as_point_mass(d0);
  const double s = d.scale;
  switch (d.kind) {
  case ILAB_DIST_NORMAL:
    for (size_t i = 0; i < n; i++) u[i] = isnan(x[i]) ? x[i] : gsl_cdf_ugaussian_P(x[i] / s);
    return;
  case ILAB_DIST_UNIFORM:
    for (size_t i = 0; i < n; i++) u[i] = isnan(x[i]) ? x[i] : gsl_cdf_flat_P(x[i], -s, s);
    return;
  case ILAB_DIST_TRUNCNORM: {
    /* F(t) = P(a, t)/Z with the mass P(a, t) from the tail on a's side, as
     * tn_mass takes it, and that tail's value at a computed once */
    const int upper = d.a >= 0;
    const double ta = upper ? gsl_cdf_ugaussian_Q(d.a) : gsl_cdf_ugaussian_P(d.a);
    for (size_t i = 0; i < n; i++) {
      const double t = x[i] / s;
      if (isnan(x[i])) u[i] = x[i];
      else if (t <= d.a) u[i] = 0.0;
      else if (t >= d.b) u[i] = 1.0;
      else u[i] = (upper ? ta - gsl_cdf_ugaussian_Q(t) : gsl_cdf_ugaussian_P(t) - ta) / d.mass;
    }
    return;
  }
  default:
    for (size_t i = 0; i < n; i++) u[i] = ilab_dist_cdf(&d, x[i]);
  }
}

/* Moments of u ~ N(0, 1) truncated to (a, b) about a point c.  Integrating by
 * parts with phi'(u) = -u phi(u) gives, with M_j = E[(u - c)^j], M_{-1} = 0,
 * M_0 = 1 and Z = Phi(b) - Phi(a),
 *   M_j = ((a-c)^{j-1} phi(a) - (b-c)^{j-1} phi(b)) / Z - c M_{j-1} + (j-1) M_{j-2};
 * for c = 0 this is the raw-moment recursion m_j = (j-1) m_{j-2} +
 * (a^{j-1} phi(a) - b^{j-1} phi(b))/Z (Johnson, Kotz and Balakrishnan 1994,
 * Continuous Univariate Distributions 1, ch. 13), and for c = the mean it gives
 * the central moments without the binomial formula, which cancels 10-100x
 * more (measured) when the mean is large against the sd.
 *
 * Run upward, the recursion loses digits wherever M_j is much smaller than
 * (j-1) M_{j-2}, that is wherever the law is narrow about c: a central moment
 * of N(0,1) on (-0.3, 0.3) came out with 3e-9 relative error, on (1, 1.5) with
 * 8e-8, on (3, inf) with 7e-11, on (20, inf) with none right.  On a finite
 * interval near c it is therefore run downward, the stable direction there
 * (Miller's algorithm for the solution that stays small; Gautschi 1967,
 * "Computational aspects of three-term recurrence relations", SIAM Review 9,
 * 24-82), and a far one-sided tail is first cut where its mass ends.  Checked
 * against 50-digit quadrature on 60 intervals from (-1e-9, 1e-9) to (37, inf):
 * raw and central moments up to k = 8 within 2e-12 relative (1e-16 at
 * (-2, 2)), except ~1e-10 on narrow intervals beyond 20 sd like (20, 20.05). */

/* Downward runs start from J_{N+1} = J_N = 0 with N = 400 + c^2, for
 * |a - c|, |b - c| <= 8.  The solutions the run suppresses grow like
 * (N-1)!! ~ 1e434 at N = 400 against at most 8^N ~ 1e361 for the true J_N/J_0:
 * the seeds leave a relative error below 1e-60.  The c^2 is for far tails,
 * where one of those solutions decays like (j-1)/c per step, as the true one
 * does, for j < c^2, so that the two only separate beyond. */
#define TN_DOWN_N 400
#define TN_DOWN_MAX_DIST 8.0
#define TN_DOWN_MAX_K 16 /* higher orders run upward; the header asks for 8 */

static double tn_moment_down(double a, double b, double c, int k)
{
  /* J_j = M_j Z / phi(c) satisfies the same recursion with bound terms
   * beta_j = (a-c)^{j-1} phi(a)/phi(c) - (b-c)^{j-1} phi(b)/phi(c), and needs
   * no Z: M_k = J_k / J_0.  The run carries y_j = J_j / d^j, d = max|bound - c|,
   * so that d^N cannot overflow:
   *   (j-1) y_{j-2} = d^2 y_j + c d y_{j-1} - d beta_j / d^{j-1}. */
  const double da = a - c, db = b - c, d = fmax(fabs(da), fabs(db));
  const double ea = exp(-0.5 * da * (da + 2 * c)), eb = exp(-0.5 * db * (db + 2 * c));
  const int n = TN_DOWN_N + (int)(c * c);
  double low[TN_DOWN_MAX_K + 1], y = 0.0, y1 = 0.0; /* y = y_j, y1 = y_{j-1} */
  for (int j = n + 1; j >= 2; j--) {
    const double beta = pow(da / d, j - 1) * ea - pow(db / d, j - 1) * eb;
    const double y2 = (d * d * y + c * d * y1 - d * beta) / (j - 1);
    if (j - 2 <= k) low[j - 2] = y2;
    y = y1;
    y1 = y2;
  }
  /* low[0..k] are set: j - 2 runs from n - 1 >= TN_DOWN_N - 1 > k down to 0 */
  /* cppcheck-suppress uninitvar */
  return pow(d, k) * low[k] / low[0]; /* NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult) */
}

static double tn_moment_up(double a, double b, double c, int k)
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

/* The mean (phi(a) - phi(b))/Z, except on a narrow interval, where both
 * differences cancel (by 1/((b-a)|a+b|) and more): there mid + E[u - mid]
 * from the downward run, which needs neither. */
static double tn_mean(double a, double b)
{
  const double mid = 0.5 * (a + b);
  if (isfinite(a) && isfinite(b) && (b - a) * (1 + fabs(a) + fabs(b)) <= 1)
    return mid + tn_moment_down(a, b, mid, 1);
  return (gsl_ran_ugaussian_pdf(a) - gsl_ran_ugaussian_pdf(b)) / tn_mass(a, b);
}

/* M_k about c in the stable direction.  Downward also needs the law near c: a
 * step divides the error by j - 1 but J_{j-2} is smaller than J_j by about
 * (mean - c)^2, which the division tames only while |mean - c| <= 2 (a growth
 * of at most e^4/5 ~ 10 in all).  Raw moments of a law further from 0 are
 * stable upward, where each step scales errors by (j-1)/(mean - c)^2. */
static double tn_moment(double a, double b, double c, int k)
{
  if (isfinite(a) && isfinite(b) && k <= TN_DOWN_MAX_K &&
      fmax(fabs(a - c), fabs(b - c)) <= TN_DOWN_MAX_DIST && fabs(tn_mean(a, b) - c) <= 2)
    return tn_moment_down(a, b, c, k);
  return tn_moment_up(a, b, c, k);
}

/* For the moments only: a tail (a, b) with a >= 2 and b beyond a + 8 (or its
 * mirror image) is cut 7.9 sd of the parent past its mean, so that it can be
 * run downward.  The mass left out is below phi(a + 8)/phi(a) ~ 1e-22 of the
 * whole at a = 2 and falls as exp(-8a) beyond; its share of mu_8 measured
 * below 1e-14. */
static void tn_cut(double *a, double *b)
{
  if (*a >= 2 && *b > *a + 8) *b = fmin(*b, tn_mean(*a, *b) + 7.9);
  else if (*b <= -2 && *a < *b - 8) *a = fmax(*a, tn_mean(*a, *b) - 7.9);
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
  case ILAB_DIST_TRUNCNORM: {
    double a = d->a, b = d->b;
    tn_cut(&a, &b);
    return k == 1 ? s * tn_mean(a, b) : pow(s, k) * tn_moment(a, b, 0.0, k);
  }
  case ILAB_DIST_HAAR: {
    /* E[u^(2j)] = E[B^j] = prod_{i<j} (1/2 + i)/(dim/2 + i) */
    if (k % 2) return 0.0;
    double m = 1.0;
    for (int i = 0; i < k / 2; i++) m *= (2.0 * i + 1) / (d->dim + 2.0 * i);
    return pow(s, k) * m;
  }
  case ILAB_DIST_IDENTITY: return k == 0 ? 1.0 : pow(s, k) / d->dim;
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
  case ILAB_DIST_TRUNCNORM: {
    double a = d->a, b = d->b;
    tn_cut(&a, &b);
    return pow(d->scale, k) * tn_moment(a, b, tn_mean(a, b), k);
  }
  case ILAB_DIST_HAAR: return ilab_dist_raw_moment(d, k); /* mean 0 */
  case ILAB_DIST_IDENTITY: {
    const double p = 1.0 / d->dim, m = d->scale * p;
    return p * pow(d->scale - m, k) + (1 - p) * pow(-m, k);
  }
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
  case ILAB_DIST_HAAR: snprintf(buf, size, "haar(gain=%.6g,n=%.0f)", d->scale, d->dim); return;
  case ILAB_DIST_IDENTITY: snprintf(buf, size, "identity(gain=%.6g,n=%.0f)", d->scale, d->dim); return;
  }
  if (size) buf[0] = '\0';
}
