/* Activation functions and their derivatives. */
#include "act.h"
#include "ilab.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ilab_act_names[] = {"linear", "tanh", "relu", "leaky_relu",
                                      "sigmoid", "selu", NULL};

const char *ilab_act_formula(ilab_act_kind kind)
{
  switch (kind) {
  case ILAB_ACT_LINEAR: return "phi(h) = h";
  case ILAB_ACT_TANH: return "phi(h) = tanh(h)";
  case ILAB_ACT_RELU: return "phi(h) = max(h, 0)";
  case ILAB_ACT_LEAKY_RELU: return "phi(h) = h if h > 0 else slope*h  [slope=0.01]";
  case ILAB_ACT_SIGMOID: return "phi(h) = 1/(1 + exp(-h))";
  case ILAB_ACT_SELU: return "phi(h) = lambda*h if h > 0 else lambda*alpha*(exp(h) - 1)";
  }
  return "";
}

int ilab_act_parse(const char *spec, ilab_act *a)
{
  static const ilab_act_kind kinds[] = {ILAB_ACT_LINEAR, ILAB_ACT_TANH, ILAB_ACT_RELU,
                                        ILAB_ACT_LEAKY_RELU, ILAB_ACT_SIGMOID, ILAB_ACT_SELU};
  size_t len = strcspn(spec, ":");
  a->slope = 0.01; /* PyTorch's and Keras's default negative slope */
  for (int i = 0; ilab_act_names[i]; i++) {
    if (strlen(ilab_act_names[i]) != len || strncmp(spec, ilab_act_names[i], len) != 0)
      continue;
    a->kind = kinds[i];
    if (spec[len] == '\0')
      return ILAB_OK;
    if (a->kind != ILAB_ACT_LEAKY_RELU)
      ILAB_ERROR(ILAB_EPARSE, "activation '%s' takes no parameters", ilab_act_names[i]);
    const char *p = spec + len + 1;
    if (strncmp(p, "slope=", 6) != 0)
      ILAB_ERROR(ILAB_EPARSE, "in activation '%s': expected 'slope=NUMBER'", spec);
    char *end;
    errno = 0;
    double s = strtod(p + 6, &end);
    if (end == p + 6 || *end != '\0' || errno == ERANGE || !isfinite(s))
      ILAB_ERROR(ILAB_EPARSE, "in activation '%s': slope is not a finite number", spec);
    if (s < 0 || s >= 1)
      ILAB_ERROR(ILAB_EPARSE, "in activation '%s': slope must lie in [0, 1)", spec);
    /* strtod flags a subnormal written in decimal (ERANGE) but not in hex:
     * refuse both, so that every slope accepted has a name that parses. */
    if (s > 0 && s < DBL_MIN)
      ILAB_ERROR(ILAB_EPARSE, "in activation '%s': slope is below the smallest normal double %g; use 0",
                 spec, DBL_MIN);
    a->slope = s;
    return ILAB_OK;
  }
  ILAB_ERROR(ILAB_EPARSE,
             "unknown activation '%s' (expected linear, tanh, relu, leaky_relu, sigmoid or selu)",
             spec);
}

void ilab_act_name(const ilab_act *a, char *buf, size_t size)
{
  if (a->kind == ILAB_ACT_LEAKY_RELU) {
    /* The fewest digits, from %g's 6, that read back as the same slope: the
     * name is matched against claims and must not round 0.9999999 to 1 (a
     * slope the parser rejects) or make two slopes one. */
    for (int prec = 6; prec <= 17; prec++) {
      snprintf(buf, size, "leaky_relu:slope=%.*g", prec, a->slope);
      const char *v = strchr(buf, '=');
      if (v && strtod(v + 1, NULL) == a->slope) break;
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

double ilab_act_phi(const ilab_act *a, double h)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR: return h;
  case ILAB_ACT_TANH: return ilab_act_tanh(h);
  case ILAB_ACT_RELU: return h > 0 ? h : 0.0;
  case ILAB_ACT_LEAKY_RELU: return h > 0 ? h : a->slope * h;
  case ILAB_ACT_SIGMOID: return 1.0 / (1.0 + exp(-h));
  case ILAB_ACT_SELU: return h > 0 ? ILAB_SELU_LAMBDA * h : ILAB_SELU_LAMBDA * ILAB_SELU_ALPHA * expm1(h);
  }
  return NAN;
}

double ilab_act_dphi(const ilab_act *a, double h)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR: return 1.0;
  case ILAB_ACT_TANH: {
    double t = ilab_act_tanh(h);
    return 1.0 - t * t;
  }
  case ILAB_ACT_RELU: return h > 0 ? 1.0 : 0.0;
  case ILAB_ACT_LEAKY_RELU: return h > 0 ? 1.0 : a->slope;
  case ILAB_ACT_SIGMOID: {
    double s = 1.0 / (1.0 + exp(-h));
    return s * (1.0 - s);
  }
  case ILAB_ACT_SELU: return h > 0 ? ILAB_SELU_LAMBDA : ILAB_SELU_LAMBDA * ILAB_SELU_ALPHA * exp(h);
  }
  return NAN;
}

int ilab_act_bounds(const ilab_act *a, double *lo, double *hi)
{
  switch (a->kind) {
  case ILAB_ACT_TANH: *lo = -1; *hi = 1; return 1;
  case ILAB_ACT_SIGMOID: *lo = 0; *hi = 1; return 1;
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
  }
  return NAN;
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
