/* Activation functions: phi, phi' (one value or a block, from h or from
 * x = phi(h)), bounds, recommended gain, and closed-form Gaussian moments
 * where they exist. */
#ifndef ILAB_ACT_H
#define ILAB_ACT_H

#include <stddef.h>

typedef enum {
  ILAB_ACT_LINEAR,
  ILAB_ACT_TANH,
  ILAB_ACT_RELU,
  ILAB_ACT_LEAKY_RELU,
  ILAB_ACT_SIGMOID,
  ILAB_ACT_SELU,
  ILAB_ACT_GELU,
  ILAB_ACT_GELU_TANH,
  ILAB_ACT_SILU,
  ILAB_ACT_ELU,
  ILAB_ACT_SOFTPLUS,
  ILAB_ACT_MISH,
  ILAB_ACT_HARDTANH
} ilab_act_kind;

typedef struct {
  ilab_act_kind kind;
  double slope; /* leaky_relu: phi(h) = h for h > 0, slope*h otherwise [0.01] */
  double alpha; /* elu: phi(h) = h for h > 0, alpha (e^h - 1) otherwise [1] */
  double beta;  /* softplus: phi(h) = log(1 + e^(beta h))/beta [1] */
} ilab_act;

/* SELU constants (Klambauer et al. 2017). */
#define ILAB_SELU_LAMBDA 1.0507009873554804934193349852946
#define ILAB_SELU_ALPHA 1.6732632423543772848170429916717

/* GELU's tanh form (Hendrycks & Gimpel 2016): phi(h) = h/2 (1 + tanh(c (h +
 * k h^3))), c = sqrt(2/pi). */
#define ILAB_GELU_TANH_C 0.79788456080286535587989211986876
#define ILAB_GELU_TANH_K 0.044715

/* Parses "linear", "tanh", "relu", "leaky_relu[:slope=S]", "sigmoid", "selu",
 * "gelu", "gelu_tanh", "silu" (alias "swish"), "elu[:alpha=A]",
 * "softplus[:beta=B]", "mish", "hardtanh".  ILAB_EPARSE with a reason for
 * anything else. */
int ilab_act_parse(const char *spec, ilab_act *a);

/* Canonical spec, e.g. "leaky_relu:slope=0.01", "elu:alpha=1", written into buf. */
void ilab_act_name(const ilab_act *a, char *buf, size_t size);

/* tanh(x) to within 2 ulp of glibc's (measured over [-25, 25]), 40% faster:
 * a rational minimax form for |x| < 0.625 and 1 - 2/(exp(2|x|) + 1) above
 * (Moshier 1989, the Cephes library's tanh). */
double ilab_act_tanh(double x);

/* phi(h) and phi'(h).  At a kink (relu, leaky_relu, selu, elu at 0,
 * hardtanh at +-1) phi' is the left derivative's value for h <= 0 and the
 * right one's above, as every framework does.  NaN in, NaN out. */
double ilab_act_phi(const ilab_act *a, double h);
double ilab_act_dphi(const ilab_act *a, double h);

/* x[i] = phi(h[i]) for i < n: the forward pass's one home for phi.  The
 * buffers here and below do not overlap (restrict: the loops then vectorize
 * at -O2 with no run-time overlap test). */
void ilab_act_phi_n(const ilab_act *a, const double *restrict h, double *restrict x, size_t n);

/* Whether phi' must be read from H: 1 for gelu, gelu_tanh, silu and mish,
 * which are not monotonic, so x = phi(h) does not determine h; 0 for the
 * others, whose phi' is a function of x (relu' = [x > 0], tanh' = 1 - x^2,
 * sigmoid' = x(1 - x), selu' = lambda or x + lambda alpha, elu' = 1 or
 * x + alpha, softplus' = 1 - e^(-beta x), hardtanh' = [|x| < 1]). */
int ilab_act_needs_h(const ilab_act *a);

/* The backward pass through phi, the one home for phi': dh[i] = g[i] phi'(h_i)
 * for i < n, read from x = phi(H) (ilab_act_grad_from_x: only when
 * ilab_act_needs_h is 0) or from H itself (ilab_act_grad_from_h: any phi).
 * Both give the same dh to rounding where both apply.  A NaN in x or h passes
 * NaN back rather than a derivative. */
void ilab_act_grad_from_x(const ilab_act *a, const double *restrict g, const double *restrict x,
                          double *restrict dh, size_t n);
void ilab_act_grad_from_h(const ilab_act *a, const double *restrict g, const double *restrict h,
                          double *restrict dh, size_t n);

/* Saturation bounds: tanh (-1, 1), sigmoid (0, 1), hardtanh [-1, 1].  Returns 0 for an unbounded
 * phi, 1 (and sets lo, hi) for a bounded one. */
int ilab_act_bounds(const ilab_act *a, double *lo, double *hi);

/* The gain PyTorch's calculate_gain recommends: linear and sigmoid 1, tanh 5/3,
 * relu sqrt(2), leaky_relu sqrt(2/(1+slope^2)), selu 3/4; NaN for the
 * activations it has no entry for (gelu, gelu_tanh, silu, elu, softplus, mish,
 * hardtanh: their exact gains come from quadrature, see theory.h). */
double ilab_act_gain(const ilab_act *a);

/* Closed forms for z ~ N(0,1), q >= 0: E[phi(sqrt(q) z)^2] and
 * E[phi'(sqrt(q) z)^2].  Return 1 and set *result where a closed form exists
 * (linear, relu, leaky_relu), 0 otherwise. */
int ilab_act_closed_x_sq(const ilab_act *a, double q, double *result);
int ilab_act_closed_dphi_sq(const ilab_act *a, double q, double *result);

/* Names of every activation, NULL-terminated and indexed by ilab_act_kind
 * (aliases such as "swish" are not listed), and a one-line formula for each. */
extern const char *const ilab_act_names[];
const char *ilab_act_formula(ilab_act_kind kind);

#endif
