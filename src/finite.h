/* Finite-width theory for ONE input: the fluctuations of M_l = |x_l|^2/n_l
 * over the draw of the weights (and of the input's entries) around the
 * mean-field value E[M_l], exactly where a closed form exists (Hanin & Nica
 * 2019, "Products of many large random matrices and gradients in deep neural
 * networks"; Hanin & Rolnick 2018, "How to start training: the effect of
 * initialization and architecture").
 *
 * Setting: h_l = W_l x_{l-1} with iid zero-mean symmetric weights of variance
 * Var(W_l) and kurtosis kappa_l = E[w^4]/E[w^2]^2 (3 normal, 9/5 uniform,
 * 2.3655 normal truncated at +-2 sd), no bias, and a positively homogeneous
 * phi (linear, relu, leaky_relu), so that phi(t h)^2 = t^2 phi(h)^2 for t > 0.
 * Then M_l = M_{l-1} Y_l, where Y_l = sigma_l^2 (1/n_l) sum_j phi(u_j)^2 with
 * sigma_l^2 = n_{l-1} Var(W_l) and u_j = h_j / sqrt(Var(W_l) |x_{l-1}|^2).
 * For Gaussian weights u is iid N(0,1) whatever x_{l-1} is (a Gaussian row
 * is rotation invariant), so the Y_l are independent of each other and of
 * the input, and
 *   E[Y_l^2]/E[Y_l]^2 = 1 + c/n_l,  c = E[phi(z)^4]/E[phi(z)^2]^2 - 1
 * at any scale: c = 2 linear, 5 relu, 6(1+a^4)/(1+a^2)^2 - 1 leaky (slope a).
 * Weights of another kurtosis make h_j's fourth moment given x
 *   E[h^4] = 3 (sum x_i^2)^2 s^4 + (kappa - 3) s^4 sum x_i^4,   s^2 = Var(W),
 * and since phi^2 is h^2 times 1 or a^2 by h's sign and h is symmetric,
 *   c_l = r (3 + (kappa_l - 3) rho_{l-1}) - 1,  r = 2(1+a^4)/(1+a^2)^2,
 * where rho_{l-1} = sum x^4/(sum x^2)^2 over x_{l-1}'s entries: exact given
 * x_{l-1}.  That rho is random; it is replaced by its leading-order value
 * K_{l-1}/n_{l-1}, K the entries' kurtosis (the input's for l = 1, r times
 * the kurtosis 3 + (kappa_{l-1} - 3) rho_{l-2} of h_{l-1} above), which
 * leaves an error of order 1/n^2 in c_l/n_l, and the product over layers is
 * then exact only to that order (flagged not exact).
 *
 * The law of ln M_l, not only its second moment, is exact for Gaussian
 * weights: with K ~ Bin(n, 1/2) live relu units, Y = (sigma^2/n) chi^2_K, so
 *   E ln Y = ln(2 sigma^2/n) + E[psi(K/2)],  Var ln Y = E[psi_1(K/2)] + Var[psi(K/2)]
 * over K > 0 (K = 0 kills the network, probability 2^-n a layer; the
 * moments below are conditioned on survival), and for linear layers
 * K = n.  Layers add.  Elsewhere (leaky relu, non-Gaussian weights) Y given
 * its K positive units is approximated by the gamma law with its exact
 * first two moments (Satterthwaite 1946), mixed over K ~ Bin(n, 1/2), and a
 * non-Gaussian input's M_0 by the gamma law with relative variance
 * (K_in - 1)/n_0.  Measured against 10^5 networks of depth 4: the second
 * moment stays right (|z| < 2), but for relu with uniform weights at n = 16
 * Var ln M_4 comes out 7 % low (1.54 against 1.64) and E ln M_4 0.03 high,
 * for leaky relu (slope 0.2) with Gaussian weights 4 % high (1.56 against
 * 1.51); at n = 64 (relu, uniform) both lie within 2 standard errors of
 * 2 10^4 networks.
 *
 * No closed form exists for tanh, sigmoid or selu (phi is not homogeneous:
 * Y_l depends on M_{l-1}, not only on the weights), nor with a bias: the
 * results are NaN and the spread must be estimated from trials.
 *
 * A batch statistic (the mean of x^2 over B inputs and n_l units) averages
 * B inputs pushed through the same weights.  Its weight-driven part is
 * correlated across inputs, so it fluctuates less than the single-input M_l,
 * never more: the values here bound its trial-to-trial spread from above,
 * and equal it at B = 1. */
#ifndef ILAB_FINITE_H
#define ILAB_FINITE_H

#include <stddef.h>
#include "act.h"

/* Kurtosis E[u^4]/E[u^2]^2 of the standard laws, for weights and inputs. */
#define ILAB_KURT_NORMAL 3.0
#define ILAB_KURT_UNIFORM 1.8 /* U(-1, 1): (1/5)/(1/3)^2 */
#define ILAB_KURT_FIXED 1.0   /* entries of one magnitude: M_0 does not fluctuate */

/* Layer l's finite-width predictions for one input. */
typedef struct {
  double c;        /* E[Y_l^2]/E[Y_l]^2 = 1 + c/n_l, Y_l = M_l/M_{l-1} */
  double ratio;    /* E[M_l^2]/E[M_l]^2, weights and input entries random */
  double ln_mean;  /* E ln M_l given M_l > 0, M_l = |x_l|^2/n_l */
  double ln_var;   /* Var ln M_l given M_l > 0 */
  double ln_k4;    /* the fourth cumulant of ln M_l: with ln_var, the sampling noise
                      of a variance over T networks, Var(s^2) = (k4 + 2 var^2)/T
                      + 2 var^2/(T(T-1)) */
  double lnh_mean; /* E ln s^2(h_l), s^2 the sample variance (denominator n_l - 1)
                      of h_l's n_l entries, given M_{l-1} > 0 */
  double lnh_var;  /* Var ln s^2(h_l) */
  double lnh_k4;   /* its fourth cumulant */
  double dead;     /* P(M_l = 0): some relu layer up to l had no live unit */
  int exact;       /* 1: every number above is exact; 0: ratio to O(1/n^2) and
                      the ln moments by the gamma approximations; -1: M_l has no
                      closed form (NaN; the first layer's lnh_* may still be known,
                      from the input alone) */
} ilab_finite_layer;

/* The exact per-layer law of ln Y_l for Gaussian weights, sigma^2 = 1:
 * relu (live units K ~ Bin(n, 1/2), conditioned on K > 0) or linear (K = n).
 * *mean = E ln Y, *var = Var ln Y, *k4 its fourth cumulant (psi_3 mixed over
 * K).  ILAB_EINVAL for n = 0 or another activation. */
int ilab_finite_ln_y(const ilab_act *a, size_t n, double *mean, double *var, double *k4);

/* The predictions for layers 1..L (out[0..L-1]) of a network of widths
 * n_0..n_L, Var(W_l) = w_var[l-1], weight kurtosis w_kurt[l-1], bias
 * variance sigma_b2, and an input of n_0 iid entries with E[x^2] = q0 and
 * kurtosis in_kurt (3: Gaussian, exact; 1: fixed magnitude, M_0 = q0).
 * Cases without a closed form (see above) give NaN with exact = -1; it is
 * not an error.  ILAB_EINVAL for L = 0, a width of 0, a negative or
 * non-finite variance, q0 or kurtosis below 1. */
int ilab_finite_network(const ilab_act *a, size_t L, const size_t *widths, const double *w_var,
                        const double *w_kurt, double sigma_b2, double q0, double in_kurt,
                        ilab_finite_layer *out);

#endif
