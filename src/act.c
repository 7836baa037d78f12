/* Activation functions and their derivatives, the only place either is written. */
#include "act.h"
#include "ilab.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ilab_act_names[] = {"linear", "tanh", "relu", "leaky_relu", "sigmoid", "selu",
                                      "gelu", "gelu_tanh", "silu", "elu", "softplus", "mish",
                                      "hardtanh", NULL};

const char *ilab_act_formula(ilab_act_kind kind)
{
  switch (kind) {
  case ILAB_ACT_LINEAR: return "phi(h) = h";
  case ILAB_ACT_TANH: return "phi(h) = tanh(h)";
  case ILAB_ACT_RELU: return "phi(h) = max(h, 0)";
  case ILAB_ACT_LEAKY_RELU: return "phi(h) = h if h > 0 else slope*h  [slope=0.01]";
  case ILAB_ACT_SIGMOID: return "phi(h) = 1/(1 + exp(-h))";
  case ILAB_ACT_SELU: return "phi(h) = lambda*h if h > 0 else lambda*alpha*(exp(h) - 1)";
  case ILAB_ACT_GELU: return "phi(h) = h Phi(h), Phi(h) = erfc(-h/sqrt 2)/2 the N(0,1) cdf";
  case ILAB_ACT_GELU_TANH: return "phi(h) = h/2 (1 + tanh(sqrt(2/pi) (h + 0.044715 h^3)))";
  case ILAB_ACT_SILU: return "phi(h) = h/(1 + exp(-h))  (alias swish)";
  case ILAB_ACT_ELU: return "phi(h) = h if h > 0 else alpha*(exp(h) - 1)  [alpha=1]";
  case ILAB_ACT_SOFTPLUS: return "phi(h) = log(1 + exp(beta*h))/beta  [beta=1]";
  case ILAB_ACT_MISH: return "phi(h) = h tanh(log(1 + exp(h)))";
  case ILAB_ACT_HARDTANH: return "phi(h) = max(-1, min(h, 1))";
  }
  return "";
}

/* The activations that take a parameter: its key and range, lo <= v < hi
 * (lo < v if lo_open).  A negative elu alpha would make phi non-monotonic. */
typedef struct {
  ilab_act_kind kind;
  const char *key;
  double lo, hi;
  int lo_open;
} act_param;

static const act_param params[] = {
    {ILAB_ACT_LEAKY_RELU, "slope", 0, 1, 0},
    {ILAB_ACT_ELU, "alpha", 0, INFINITY, 0},
    {ILAB_ACT_SOFTPLUS, "beta", 0, INFINITY, 1},
};

static double *param_field(ilab_act *a)
{
  switch (a->kind) {
  case ILAB_ACT_LEAKY_RELU: return &a->slope;
  case ILAB_ACT_ELU: return &a->alpha;
  case ILAB_ACT_SOFTPLUS: return &a->beta;
  default: return NULL;
  }
}

static const act_param *param_of(ilab_act_kind kind)
{
  for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
    if (params[i].kind == kind) return &params[i];
  return NULL;
}

int ilab_act_parse(const char *spec, ilab_act *a)
{
  size_t len = strcspn(spec, ":");
  a->slope = 0.01; /* PyTorch's and Keras's default negative slope */
  a->alpha = 1.0;  /* PyTorch's, Keras's and Clevert et al.'s (2016) elu */
  a->beta = 1.0;   /* PyTorch's softplus */
  int i;
  for (i = 0; ilab_act_names[i]; i++)
    if (strlen(ilab_act_names[i]) == len && strncmp(spec, ilab_act_names[i], len) == 0) break;
  if (!ilab_act_names[i] && len == 5 && strncmp(spec, "swish", 5) == 0) i = ILAB_ACT_SILU;
  if (!ilab_act_names[i])
    ILAB_ERROR(ILAB_EPARSE,
               "unknown activation '%s' (expected linear, tanh, relu, leaky_relu, sigmoid, selu, "
               "gelu, gelu_tanh, silu, swish, elu, softplus, mish or hardtanh)", spec);
  a->kind = (ilab_act_kind)i;
  if (spec[len] == '\0')
    return ILAB_OK;
  const act_param *pp = param_of(a->kind);
  if (!pp)
    ILAB_ERROR(ILAB_EPARSE, "activation '%s' takes no parameters", ilab_act_names[i]);
  const char *p = spec + len + 1;
  size_t kl = strlen(pp->key);
  if (strncmp(p, pp->key, kl) != 0 || p[kl] != '=')
    ILAB_ERROR(ILAB_EPARSE, "in activation '%s': expected '%s=NUMBER'", spec, pp->key);
  p += kl + 1;
  char *end;
  errno = 0;
  double s = strtod(p, &end);
  if (end == p || *end != '\0' || errno == ERANGE || !isfinite(s))
    ILAB_ERROR(ILAB_EPARSE, "in activation '%s': %s is not a finite number", spec, pp->key);
  if (s < pp->lo || (pp->lo_open && s == pp->lo) || s >= pp->hi) {
    if (isinf(pp->hi))
      ILAB_ERROR(ILAB_EPARSE, "in activation '%s': %s must be %s %g", spec, pp->key,
                 pp->lo_open ? ">" : ">=", pp->lo);
    ILAB_ERROR(ILAB_EPARSE, "in activation '%s': %s must lie in [%g, %g)", spec, pp->key, pp->lo, pp->hi);
  }
  /* strtod flags a subnormal written in decimal (ERANGE) but not in hex:
   * refuse both, so that every value accepted has a name that parses. */
  if (s > 0 && s < DBL_MIN)
    ILAB_ERROR(ILAB_EPARSE, "in activation '%s': %s is below the smallest normal double %g; use 0",
               spec, pp->key, DBL_MIN);
  *param_field(a) = s;
  return ILAB_OK;
}

void ilab_act_name(const ilab_act *a, char *buf, size_t size)
{
  const act_param *pp = param_of(a->kind);
  if (pp) {
    double v = *param_field((ilab_act *)a);
    /* The fewest digits, from %g's 6, that read back as the same value: the
     * name is matched against claims and must not round 0.9999999 to 1 (a
     * slope the parser rejects) or make two values one. */
    for (int prec = 6; prec <= 17; prec++) {
      snprintf(buf, size, "%s:%s=%.*g", ilab_act_names[a->kind], pp->key, prec, v);
      const char *e = strchr(buf, '=');
      if (e && strtod(e + 1, NULL) == v) break;
    }
  } else {
    snprintf(buf, size, "%s", ilab_act_names[a->kind]);
  }
}

double ilab_act_tanh(double x)
{
  double z = fabs(x);
  if (z >= 0.625) {
    /* past 22, 1 - tanh < 2^-63: the double is 1 */
    if (z > 22) return copysign(1.0, x);
    return copysign(1.0 - 2.0 / (exp(2 * z) + 1.0), x);
  }
  /* tanh x = x + x^3 P(x^2)/Q(x^2); Moshier's coefficients, relative error
   * below 2.5e-16 on [-0.625, 0.625] */
  double s = x * x;
  double p = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s - 1.61468768441708447952e3;
  double q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s + 4.84406305325125486048e3;
  return x + x * s * (p / q);
}

/* ---- one activation at a time: the single definition of each phi and phi' ---- */

#define INV_SQRT_2PI 0.39894228040143267794 /* 1/sqrt(2 pi), the N(0,1) density at 0 */
#define INV_SQRT2 0.70710678118654752440

static inline double sigm(double h) { return 1.0 / (1.0 + exp(-h)); }
/* the N(0,1) cdf; erfc keeps its relative accuracy in the lower tail */
static inline double ncdf(double h) { return 0.5 * erfc(-h * INV_SQRT2); }
/* log(1 + e^t) without overflow for large t or loss for small */
static inline double log1pexp(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }

/* In two selects rather than nested ones, which gcc if-converts and so
 * vectorizes: max(h, 0), and NaN kept. */
static inline double phi_relu(double h)
{
  double r = h > 0 ? h : 0.0;
  return h != h ? h : r;
}

/* phi'(h) read from x = phi(h) for relu (d0 = 0) and leaky_relu (d0 =
 * slope): 1 above 0, d0 at or below, NaN kept; two selects, as in phi_relu. */
static inline double dphi_relu_x(double x, double d0)
{
  double d = x > 0 ? 1.0 : d0;
  return x != x ? x : d;
}
static inline double phi_selu(double h)
{
  return h > 0 ? ILAB_SELU_LAMBDA * h : ILAB_SELU_LAMBDA * ILAB_SELU_ALPHA * expm1(h);
}
static inline double phi_gelu(double h) { return h * ncdf(h); }
/* h/2 (1 + tanh u) = h sigma(2u), which keeps the lower tail's relative accuracy */
static inline double gelu_tanh_u(double h)
{
  return ILAB_GELU_TANH_C * (h + ILAB_GELU_TANH_K * h * h * h);
}
static inline double phi_gelu_tanh(double h) { return h * sigm(2 * gelu_tanh_u(h)); }
static inline double phi_silu(double h) { return h * sigm(h); }
static inline double phi_elu(double h, double alpha) { return h > 0 ? h : alpha * expm1(h); }
static inline double phi_softplus(double h, double beta) { return log1pexp(beta * h) / beta; }
static inline double phi_mish(double h) { return h * ilab_act_tanh(log1pexp(h)); }
static inline double phi_hardtanh(double h) { return h > 1 ? 1.0 : h < -1 ? -1.0 : h; }

static inline double dphi_gelu(double h) { return ncdf(h) + h * INV_SQRT_2PI * exp(-0.5 * h * h); }
static inline double dphi_gelu_tanh(double h)
{
  /* d/dh h sigma(2u) = sigma(2u) + h sigma(2u) sigma(-2u) 2 u'(h) */
  double u = gelu_tanh_u(h), s = sigm(2 * u), sm = sigm(-2 * u);
  if (s == 0 || sm == 0) return s; /* the tails, where h^2 may overflow */
  return s + h * s * sm * 2 * ILAB_GELU_TANH_C * (1 + 3 * ILAB_GELU_TANH_K * h * h);
}
static inline double dphi_silu(double h) { return sigm(h) * (1 + h * sigm(-h)); }
static inline double dphi_mish(double h)
{
  /* d/dh h tanh(sp(h)) = tanh(sp) + h (1 - tanh(sp)^2) sigma(h) */
  double t = ilab_act_tanh(log1pexp(h));
  return t + h * (1 - t) * (1 + t) * sigm(h);
}

double ilab_act_phi(const ilab_act *a, double h)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR: return h;
  case ILAB_ACT_TANH: return ilab_act_tanh(h);
  case ILAB_ACT_RELU: return phi_relu(h);
  case ILAB_ACT_LEAKY_RELU: return h > 0 ? h : a->slope * h;
  case ILAB_ACT_SIGMOID: return sigm(h);
  case ILAB_ACT_SELU: return phi_selu(h);
  case ILAB_ACT_GELU: return phi_gelu(h);
  case ILAB_ACT_GELU_TANH: return phi_gelu_tanh(h);
  case ILAB_ACT_SILU: return phi_silu(h);
  case ILAB_ACT_ELU: return phi_elu(h, a->alpha);
  case ILAB_ACT_SOFTPLUS: return phi_softplus(h, a->beta);
  case ILAB_ACT_MISH: return phi_mish(h);
  case ILAB_ACT_HARDTANH: return phi_hardtanh(h);
  }
  return NAN;
}

double ilab_act_dphi(const ilab_act *a, double h)
{
  if (h != h && a->kind != ILAB_ACT_LINEAR) return h;
  switch (a->kind) {
  case ILAB_ACT_LINEAR: return 1.0;
  case ILAB_ACT_TANH: {
    double t = ilab_act_tanh(h);
    return 1.0 - t * t;
  }
  case ILAB_ACT_RELU: return h > 0 ? 1.0 : 0.0;
  case ILAB_ACT_LEAKY_RELU: return h > 0 ? 1.0 : a->slope;
  case ILAB_ACT_SIGMOID: {
    double s = sigm(h);
    return s * (1.0 - s);
  }
  case ILAB_ACT_SELU: return h > 0 ? ILAB_SELU_LAMBDA : ILAB_SELU_LAMBDA * ILAB_SELU_ALPHA * exp(h);
  case ILAB_ACT_GELU: return dphi_gelu(h);
  case ILAB_ACT_GELU_TANH: return dphi_gelu_tanh(h);
  case ILAB_ACT_SILU: return dphi_silu(h);
  case ILAB_ACT_ELU: return h > 0 ? 1.0 : a->alpha * exp(h);
  case ILAB_ACT_SOFTPLUS: return sigm(a->beta * h);
  case ILAB_ACT_MISH: return dphi_mish(h);
  case ILAB_ACT_HARDTANH: return h > -1 && h < 1 ? 1.0 : 0.0;
  }
  return NAN;
}

/* ---- blocks: the passes of a network call these ------------------------------ */

/* Blocks of four entries then the tail: gcc -O2 vectorizes a loop only when
 * its trip count is a multiple of the vector length, which the inner loop's
 * 4 is (two doubles a vector on any x86-64, four with AVX2). */
#define EACH(EXPR)                                                             \
  {                                                                            \
    size_t i0 = 0;                                                             \
    for (; i0 + 4 <= n; i0 += 4)                                               \
      for (int q = 0; q < 4; q++) { double v = h[i0 + q]; (void)v; x[i0 + q] = (EXPR); } \
    for (size_t i = i0; i < n; i++) { double v = h[i]; (void)v; x[i] = (EXPR); } \
  }

void ilab_act_phi_n(const ilab_act *a, const double *restrict h, double *restrict x, size_t n)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR: EACH(v) break;
  case ILAB_ACT_TANH: EACH(ilab_act_tanh(v)) break;
  case ILAB_ACT_RELU: EACH(phi_relu(v)) break;
  case ILAB_ACT_SIGMOID: EACH(sigm(v)) break;
  default: EACH(ilab_act_phi(a, v)) break;
  }
}
#undef EACH

int ilab_act_needs_h(const ilab_act *a)
{
  switch (a->kind) {
  case ILAB_ACT_GELU:
  case ILAB_ACT_GELU_TANH:
  case ILAB_ACT_SILU:
  case ILAB_ACT_MISH: return 1;
  default: return 0;
  }
}

#define EACH(DPHI)                                                             \
  {                                                                            \
    size_t i0 = 0;                                                             \
    for (; i0 + 4 <= n; i0 += 4)                                               \
      for (int q = 0; q < 4; q++) { double v = x[i0 + q]; (void)v; dh[i0 + q] = g[i0 + q] * (DPHI); } \
    for (size_t i = i0; i < n; i++) { double v = x[i]; (void)v; dh[i] = g[i] * (DPHI); } \
  }

void ilab_act_grad_from_x(const ilab_act *a, const double *restrict g, const double *restrict x,
                          double *restrict dh, size_t n)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR: EACH(1.0) break;
  /* a NaN activation passes NaN back rather than a derivative */
  case ILAB_ACT_RELU: EACH(dphi_relu_x(v, 0.0)) break;
  case ILAB_ACT_LEAKY_RELU: EACH(dphi_relu_x(v, a->slope)) break;
  case ILAB_ACT_TANH: EACH(1.0 - v * v) break;
  case ILAB_ACT_SIGMOID: EACH(v * (1.0 - v)) break;
  /* selu(h) = lambda alpha (e^h - 1) below 0, so selu' = lambda alpha e^h = x + lambda alpha */
  case ILAB_ACT_SELU: EACH(v > 0 ? ILAB_SELU_LAMBDA : v == v ? v + ILAB_SELU_LAMBDA * ILAB_SELU_ALPHA : v) break;
  case ILAB_ACT_ELU: EACH(v > 0 ? 1.0 : v == v ? v + a->alpha : v) break;
  /* e^(beta x) = 1 + e^(beta h), so sigma(beta h) = 1 - e^(-beta x) */
  case ILAB_ACT_SOFTPLUS: EACH(-expm1(-a->beta * v)) break;
  case ILAB_ACT_HARDTANH: EACH(v != v ? v : fabs(v) < 1 ? 1.0 : 0.0) break;
  default: EACH(NAN) break; /* phi' is not a function of x: a caller's error */
  }
}
#undef EACH

#define EACH(DPHI)                                                             \
  {                                                                            \
    size_t i0 = 0;                                                             \
    for (; i0 + 4 <= n; i0 += 4)                                               \
      for (int q = 0; q < 4; q++) { double v = h[i0 + q]; (void)v; dh[i0 + q] = g[i0 + q] * (DPHI); } \
    for (size_t i = i0; i < n; i++) { double v = h[i]; (void)v; dh[i] = g[i] * (DPHI); } \
  }

void ilab_act_grad_from_h(const ilab_act *a, const double *restrict g, const double *restrict h,
                          double *restrict dh, size_t n)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR: EACH(1.0) break;
  case ILAB_ACT_GELU: EACH(v == v ? dphi_gelu(v) : v) break;
  case ILAB_ACT_SILU: EACH(v == v ? dphi_silu(v) : v) break;
  default: EACH(ilab_act_dphi(a, v)) break;
  }
}
#undef EACH

int ilab_act_bounds(const ilab_act *a, double *lo, double *hi)
{
  switch (a->kind) {
  case ILAB_ACT_TANH: *lo = -1; *hi = 1; return 1;
  case ILAB_ACT_SIGMOID: *lo = 0; *hi = 1; return 1;
  case ILAB_ACT_HARDTANH: *lo = -1; *hi = 1; return 1;
  default: return 0;
  }
}

double ilab_act_gain(const ilab_act *a)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR:
  case ILAB_ACT_SIGMOID: return 1.0;
  case ILAB_ACT_TANH: return 5.0 / 3.0;
  case ILAB_ACT_RELU: return sqrt(2.0);
  case ILAB_ACT_LEAKY_RELU: return sqrt(2.0 / (1.0 + a->slope * a->slope));
  case ILAB_ACT_SELU: return 0.75;
  default: return NAN; /* no entry in calculate_gain */
  }
}

int ilab_act_closed_x_sq(const ilab_act *a, double q, double *result)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR: *result = q; return 1;            /* E[q z^2] */
  case ILAB_ACT_RELU: *result = q / 2; return 1;          /* half the mass, by symmetry */
  case ILAB_ACT_LEAKY_RELU: *result = q * (1 + a->slope * a->slope) / 2; return 1;
  default: return 0;
  }
}

int ilab_act_closed_dphi_sq(const ilab_act *a, double q, double *result)
{
  (void)q;
  switch (a->kind) {
  case ILAB_ACT_LINEAR: *result = 1; return 1;
  case ILAB_ACT_RELU: *result = 0.5; return 1;            /* P(z > 0) */
  case ILAB_ACT_LEAKY_RELU: *result = (1 + a->slope * a->slope) / 2; return 1;
  default: return 0;
  }
}
