/* The mean-field variance recursion: Gaussian expectations of an activation,
 * per-layer forward and backward variances, the fixed point q*, chi_1, the
 * depth scales, the critical line and exact gains (Poole et al. 2016, "Exponential
 * expressivity in deep neural networks through transient chaos"; Schoenholz,
 * Gilmer, Ganguli & Sohl-Dickstein 2017, "Deep information propagation"). */
#ifndef ILAB_THEORY_H
#define ILAB_THEORY_H

#include <stddef.h>
#include "act.h"

/* The function of h = sqrt(q) z whose expectation over z ~ N(0,1) is taken. */
typedef enum {
  ILAB_THEORY_PHI,        /* phi(h): the mean of an activation */
  ILAB_THEORY_PHI_SQ,     /* phi(h)^2: its second moment */
  ILAB_THEORY_DPHI_SQ,    /* phi'(h)^2: the factor a gradient's variance picks up */
  ILAB_THEORY_H_PHI_DPHI, /* h phi(h) phi'(h): d/dq E[phi(sqrt(q) z)^2] = E[h phi phi']/q */
  ILAB_THEORY_DPHI_4      /* phi'(h)^4: the second moment of a Jacobian's diagonal D^2 */
} ilab_theory_fn;

/* Tolerances every expectation requests unless the caller asks for others:
 * a purely relative bound, so that E[phi^2] ~ 1e-6 q at q = 1e-6 is as
 * accurate as at q = 1 (an absolute bound would make small variances coarse). */
#define ILAB_THEORY_EPSABS 0.0
#define ILAB_THEORY_EPSREL 1e-12

/* Quadrature and root-finding workspace: allocated once, reused by every call,
 * so that no call allocates.  Not to be shared between threads. */
typedef struct ilab_theory_workspace ilab_theory_workspace;

/* Allocates a workspace whose expectations request
 * |error| <= epsabs + epsrel E|f|.  Returns NULL (with a reason recorded by
 * ilab_error) when out of memory, or when a tolerance is negative or not
 * finite or both are 0. */
ilab_theory_workspace *ilab_theory_workspace_alloc(double epsabs, double epsrel);
void ilab_theory_workspace_free(ilab_theory_workspace *w); /* NULL is a no-op */

/* E_z[f(sqrt(q) z)], z ~ N(0,1), for f = phi, phi^2, phi'^2 or h phi phi'.
 * These are the recursions' inputs for every activation: E[x_l] = E[phi],
 * E[x_l^2] = E[phi^2] (which, not Var(x_l), feeds the next layer's
 * Var(H_{l+1}) = sigma_w2 E[x_l^2] + sigma_b2: an activation with a non-zero
 * mean passes its mean on as variance), and chi = sigma_w2 E[phi'^2].
 * Closed forms for linear, relu and leaky_relu (abserr = 0), quadrature
 * otherwise, with *abserr the quadrature's error estimate, which is within
 * the workspace's tolerance (within 100 times it where GSL reports that
 * roundoff stopped it short).  q = 0 gives the limit q -> 0+ (f(0) where f is
 * continuous, the mean of the one-sided limits at a kink of phi') and
 * q = inf the limit q -> inf.  ILAB_EINVAL for q < 0 or NaN, ILAB_EMATH when
 * the quadrature fails. */
int ilab_theory_expect(ilab_theory_workspace *w, const ilab_act *a, ilab_theory_fn f,
                       double q, double *result, double *abserr);

/* The same, always by quadrature, even where a closed form exists (to test
 * the quadrature against the closed forms). */
int ilab_theory_expect_quad(ilab_theory_workspace *w, const ilab_act *a, ilab_theory_fn f,
                            double q, double *result, double *abserr);

/* The predictions for layer l of a network, in the measured tables' terms. */
typedef struct {
  double h_var;  /* q_l = Var(H_l) = n_{l-1} Var(W_l) E[x_{l-1}^2] + sigma_b2 */
  double x_mean; /* E[x_l] = E_z[phi(sqrt(q_l) z)] */
  double x_sq;   /* E[x_l^2] = E_z[phi(sqrt(q_l) z)^2] */
  double x_var;  /* Var(x_l) = x_sq - x_mean^2 */
  double gx_var; /* g_l = Var(dL/dX_l) (mean 0): g_L = 1, g_{l-1} = n_l Var(W_l) gh_l */
  double gh_var; /* gh_l = Var(dL/dH_l) = g_l E_z[phi'(sqrt(q_l) z)^2] */
  double gw_var; /* Var(dW_l) = E[x_{l-1}^2] gh_l / B for the batch-mean gradient */
} ilab_theory_layer;

/* The forward and backward recursions through a network of widths
 * n_0 .. n_L (widths[0..L]), weight variances Var(W_l) (w_var[0..L-1]), bias
 * variance sigma_b2, input second moment q0 = E[x_0^2], and an output gradient
 * dL/dX_L of iid N(0,1) entries; dW_l is the mean over a batch of B examples
 * (B = 1: per example).  Writes out[0..L-1] for layers 1..L and, if
 * abserr_max is not NULL, the largest quadrature error estimate met.  Mean
 * field: exact as the widths grow.  ILAB_EINVAL for L = 0, a width or B of 0,
 * a negative or non-finite variance or q0; ILAB_EMATH when quadrature fails. */
int ilab_theory_network(ilab_theory_workspace *w, const ilab_act *a, size_t L,
                        const size_t *widths, const double *w_var, double sigma_b2,
                        double q0, size_t batch, ilab_theory_layer *out,
                        double *abserr_max);

/* The fixed point of the q-map V(q) = sigma_w2 E_z[phi(sqrt(q) z)^2] + sigma_b2
 * (sigma_w2 = n Var(W)) and what it implies for depth. */
typedef struct {
  double q_star; /* lim q_l from q_0 = q0; inf when q_l grows without bound */
  double slope;  /* V'(q*) = sigma_w2 E[phi'^2 + phi phi''] = sigma_w2 E[h phi phi']/q* */
  double chi1;   /* sigma_w2 E_z[phi'(sqrt(q*) z)^2]: the per-layer gradient factor */
  double xi_q;   /* -1/log|V'(q*)|: depth over which q_l approaches q* */
  double xi_c;   /* -1/log chi1 in the ordered phase (chi1 < 1, c* = 1) */
} ilab_theory_fixed;

/* Finds q* as the limit of q_{l+1} = V(q_l) from q0: the iteration is
 * monotone, so it is the nearest root of V(q) = q in the direction of
 * V(q0) - q0, found by bracketing and Brent's method.  Special values:
 * q* = 0 when 0 is an attracting fixed point (tanh at sigma_w2 <= 1,
 * sigma_b2 = 0); q* = inf when V(q) > q above q0 (relu at sigma_w2 > 2, or
 * at 2 with sigma_b2 > 0; selu at sigma_w2 > 2/lambda^2 = 1.81); q* = q0
 * when every q is fixed (linear at 1, relu at 2, with sigma_b2 = 0).  xi_q = inf when |V'(q*)| >= 1 (no exponential
 * approach: q_l -> q* as a power of l, or not at all); xi_c = inf at
 * chi1 = 1; xi_c = NaN in the chaotic phase chi1 > 1 (there c* < 1 and the
 * scale needs the correlation map, not computed here); xi_q = xi_c = NaN
 * when q* = inf; chi1 at q* = inf is its limit.  ILAB_EINVAL for a negative
 * or non-finite argument, ILAB_EMATH when quadrature or root finding fails. */
int ilab_theory_fixed_point(ilab_theory_workspace *w, const ilab_act *a, double sigma_w2,
                            double sigma_b2, double q0, ilab_theory_fixed *fp);

/* The critical sigma_w2 for a given sigma_b2: chi1 = 1 at the fixed point
 * reached from q0 (Brent's method on sigma_w2 -> chi1 - 1), and that q*.
 * Linear: (1, q0) and relu: (2, q0) at sigma_b2 = 0; for them and leaky_relu
 * no finite q* has chi1 = 1 when sigma_b2 > 0, and both results are NaN, as
 * they are when chi1 - 1 keeps its sign over sigma_w2 in [2^-40, 2^40], and
 * when it changes sign only by a jump of q* (gelu, silu and mish at small
 * sigma_b2: their V(q)/q grows with q, so q_l falls to a stable fixed point
 * below one sigma_w2 and grows without bound above it, with chi1 < 1 on one
 * side and > 1 on the other; ilab_theory_critical_at gives their line).
 * ILAB_EINVAL for a negative or non-finite argument, ILAB_EMATH when
 * quadrature or root finding fails. */
int ilab_theory_critical(ilab_theory_workspace *w, const ilab_act *a, double sigma_b2,
                         double q0, double *sigma_w2, double *q_star);

/* The critical line parametrized by its fixed point (Schoenholz et al. 2017,
 * fig. 1): for q* > 0, the sigma_w2 = 1/E[phi'(sqrt(q*) z)^2] that makes
 * chi1 = 1 there and the sigma_b2 = q* - sigma_w2 E[phi(sqrt(q*) z)^2] that
 * makes q* a fixed point (negative: no bias variance achieves it), and the
 * q-map's slope V'(q*) there (> 1: q* repels, and q_l leaves it).  No root
 * finding, so no assumption on the q-map's shape.  ILAB_EINVAL for q* <= 0
 * or not finite, ILAB_EMATH when quadrature fails. */
int ilab_theory_critical_at(ilab_theory_workspace *w, const ilab_act *a, double q_star,
                            double *sigma_w2, double *sigma_b2, double *slope);

/* Exact gains of an activation (the weight sd is gain/sqrt(fan_in)), from
 * z ~ N(0,1) moments at q = 1. */
typedef struct {
  double mean, second, var, dphi_sq; /* E[phi(z)], E[phi(z)^2], Var phi(z), E[phi'(z)^2] */
  double second_moment; /* 1/sqrt(E[phi(z)^2]): PyTorch's calculate_gain convention,
                           keeps E[x^2] = 1 given Var(h) = 1, bias-free (q = 1 is a fixed point) */
  double gamma;         /* 1/sqrt(Var phi(z)): NFNets' gamma (Brock et al. 2021), keeps
                           Var(x) = 1, right when the mean is removed (scaled WS) */
  double chi1_second;   /* chi1 at that fixed point: E[phi'(z)^2]/E[phi(z)^2] */
  double slope_second;  /* V'(1) there: > 1 means q = 1 repels (gelu, silu, mish) */
  double critical;      /* sqrt(sigma_w2) of ilab_theory_critical_at(q* = 1): chi1 = 1 at q* = 1 */
  double critical_sigma_b2; /* with this bias variance (< 0: no bias achieves it) */
  double critical_slope;    /* V'(1) there (> 1: q* = 1 repels, as for gelu: 1.067) */
} ilab_theory_gains;

/* Fills g.  ILAB_EMATH when quadrature fails. */
int ilab_theory_gain(ilab_theory_workspace *w, const ilab_act *a, ilab_theory_gains *g);

#endif
