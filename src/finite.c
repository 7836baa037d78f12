/* Finite-width theory for one input: the second moment of M_l = |x_l|^2/n_l
 * and the law of ln M_l, exact for Gaussian weights and relu or linear
 * layers, to leading order elsewhere (derivations in finite.h). */
#include "finite.h"
#include "ilab.h"

#include <math.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* E ln G and Var ln G for G ~ Gamma(shape k, scale 1/k) (mean 1):
 * psi(k) - ln k and psi_1(k).  k = inf is the constant 1. */
static void ln_gamma_law(double k, double *mean, double *var, double *k4)
{
  if (isinf(k)) {
    *mean = *var = *k4 = 0;
    return;
  }
  *mean = gsl_sf_psi(k) - log(k);
  *var = gsl_sf_psi_1(k);
  *k4 = gsl_sf_psi_n(3, k); /* ln of a gamma variable has cumulants psi^(j-1)(k) */
}

/* E ln(chi^2_m / m), its variance and fourth cumulant: psi(m/2) + ln(2/m),
 * psi_1(m/2), psi_3(m/2). */
static void ln_chi2_mean1(double m, double *mean, double *var, double *k4)
{
  ln_gamma_law(0.5 * m, mean, var, k4);
}

/* Homogeneous activations, phi(h)^2 = h^2 (1 or a^2 by h's sign): for
 * symmetric h, E[phi(h)^2] = phi2 E[h^2] with phi2 = (1 + a^2)/2, and
 * r = (E[phi(h)^4]/E[h^4]) / phi2^2 = 2(1 + a^4)/(1 + a^2)^2.  Returns 0 for
 * an activation that is not positively homogeneous. */
static int homogeneous(const ilab_act *a, double *r, double *phi2, double *a2)
{
  double s;
  switch (a->kind) {
  case ILAB_ACT_LINEAR: s = 1; break;
  case ILAB_ACT_RELU: s = 0; break;
  case ILAB_ACT_LEAKY_RELU: s = a->slope; break;
  default: return 0;
  }
  double s2 = s * s;
  *r = 2 * (1 + s2 * s2) / ((1 + s2) * (1 + s2));
  *phi2 = 0.5 * (1 + s2);
  *a2 = s2;
  return 1;
}

/* The law of ln(Y/sigma^2) for one homogeneous layer of n units whose
 * pre-activations, given the layer's input, are iid, symmetric, of unit
 * variance and kurtosis kh: Y/sigma^2 = (1/n)(S_+ + a2 S_-), S_+ the sum of
 * u^2 over the K ~ Bin(n, 1/2) positive units and S_- over the rest, a2 the
 * squared slope below 0.  Given K, S_+ + a2 S_- has mean mu_K = K + a2 (n - K)
 * and variance (kh - 1)(K + a2^2 (n - K)); it is taken as the gamma law with
 * those two moments, shape alpha_K = mu_K^2 / variance, so that ln of it has
 * mean ln mu_K + psi(alpha_K) - ln alpha_K and cumulants psi^(j-1)(alpha_K).
 * For Gaussian u (kh = 3) and a2 = 0 or 1 this is exact: chi^2_K, chi^2_n.
 * With a2 = 0, K = 0 is a dead layer and the law is conditioned on K > 0.
 * The mixture over K: terms beyond 20 sd of K (sd sqrt(n)/2) weigh less than
 * e^-200 of the largest and are left out, the weights normalised by their
 * own sum; two passes, so that the variance of the conditional means (~1/n)
 * is not the difference of two numbers ~ (ln n)^2; the fourth central moment
 * about the mixture's mean is m4 + 4 m3 d + 6 m2 d^2 + d^4 for a component
 * shifted by d. */
static void ln_y_law(size_t n, double a2, double kh, double *mean, double *var, double *k4)
{
  double nd = (double)n, half = 0.5 * nd, reach = 20 * 0.5 * sqrt(nd) + 2;
  size_t kmin = half - reach > 0 ? (size_t)(half - reach) : 0;
  size_t kmax = half + reach < nd ? (size_t)(half + reach) : n;
  if (a2 == 0 && kmin == 0) kmin = 1;
  if (a2 == 1) kmin = kmax = n / 2; /* linear: K does not matter */
  double ln_pmax = gsl_sf_lnchoose((unsigned)n, (unsigned)(n / 2));
  double sw = 0, sm = 0, sv = 0, s4 = 0;
  for (int pass = 0; pass < 2; pass++) {
    double em = pass ? sm / sw : 0;
    for (size_t k = kmin; k <= kmax; k++) {
      double w = exp(gsl_sf_lnchoose((unsigned)n, (unsigned)k) - ln_pmax), kd = (double)k;
      double mu = kd + a2 * (nd - kd), alpha = mu * mu / ((kh - 1) * (kd + a2 * a2 * (nd - kd)));
      double m = log(mu / nd) + gsl_sf_psi(alpha) - log(alpha);
      if (!pass) {
        sw += w;
        sm += w * m;
        continue;
      }
      double d = m - em, m2 = gsl_sf_psi_1(alpha), m3 = gsl_sf_psi_n(2, alpha);
      double m4 = gsl_sf_psi_n(3, alpha) + 3 * m2 * m2;
      sv += w * (m2 + d * d);
      s4 += w * (m4 + 4 * m3 * d + 6 * m2 * d * d + d * d * d * d);
    }
  }
  *mean = sm / sw;
  *var = sv / sw;
  *k4 = s4 / sw - 3 * *var * *var;
}

int ilab_finite_ln_y(const ilab_act *a, size_t n, double *mean, double *var, double *k4)
{
  if (n == 0) ILAB_ERROR(ILAB_EINVAL, "the law of ln Y needs a width of at least 1");
  if (a->kind != ILAB_ACT_RELU && a->kind != ILAB_ACT_LINEAR)
    ILAB_ERROR(ILAB_EINVAL, "the exact law of ln Y is known for relu and linear layers only");
  ln_y_law(n, a->kind == ILAB_ACT_LINEAR ? 1 : 0, ILAB_KURT_NORMAL, mean, var, k4);
  return ILAB_OK;
}

static void set_nan(ilab_finite_layer *o)
{
  o->c = o->ratio = o->ln_mean = o->ln_var = o->lnh_mean = o->lnh_var = o->dead = NAN;
  o->ln_k4 = o->lnh_k4 = NAN;
  o->exact = -1;
}

int ilab_finite_network(const ilab_act *a, size_t L, const size_t *widths, const double *w_var,
                        const double *w_kurt, double sigma_b2, double q0, double in_kurt,
                        ilab_finite_layer *out)
{
  if (L == 0) ILAB_ERROR(ILAB_EINVAL, "a network needs at least one layer");
  for (size_t l = 0; l <= L; l++)
    if (widths[l] == 0 || widths[l] > 0xffffffffUL)
      ILAB_ERROR(ILAB_EINVAL, "width n_%zu = %zu is not in [1, 2^32)", l, widths[l]);
  for (size_t l = 0; l < L; l++) {
    if (!(w_var[l] >= 0) || !isfinite(w_var[l]))
      ILAB_ERROR(ILAB_EINVAL, "Var(W_%zu) = %g is not a finite number >= 0", l + 1, w_var[l]);
    if (!(w_kurt[l] >= 1) || !isfinite(w_kurt[l]))
      if (!isnan(w_kurt[l])) /* NaN: a constant law, no closed form */
        ILAB_ERROR(ILAB_EINVAL, "the kurtosis of W_%zu, %g, is not >= 1", l + 1, w_kurt[l]);
  }
  if (!(sigma_b2 >= 0) || !isfinite(sigma_b2))
    ILAB_ERROR(ILAB_EINVAL, "sigma_b2 = %g is not a finite number >= 0", sigma_b2);
  if (!(q0 >= 0) || !isfinite(q0)) ILAB_ERROR(ILAB_EINVAL, "q0 = %g is not a finite number >= 0", q0);
  if (!(in_kurt >= 1) || !isfinite(in_kurt))
    ILAB_ERROR(ILAB_EINVAL, "the input's kurtosis %g is not a finite number >= 1", in_kurt);

  double r = NAN, phi2 = NAN, a2 = NAN;
  int homog = homogeneous(a, &r, &phi2, &a2) && sigma_b2 == 0;

  /* The input, M_0 = q0 (1/n_0) sum u_i^2: relative variance (K - 1)/n_0;
   * chi^2_{n_0}/n_0 exactly for Gaussian entries, a constant for K = 1. */
  double n0 = (double)widths[0], ln_m = NAN, ln_v = NAN, ln_k = NAN, ratio = NAN;
  int exact = 1;
  if (q0 > 0) {
    ratio = 1 + (in_kurt - 1) / n0;
    if (fabs(in_kurt - ILAB_KURT_NORMAL) < 1e-12) ln_chi2_mean1(n0, &ln_m, &ln_v, &ln_k);
    else {
      ln_gamma_law(in_kurt - 1 < 1e-12 ? INFINITY : n0 / (in_kurt - 1), &ln_m, &ln_v, &ln_k);
      exact = in_kurt - 1 < 1e-12;
    }
    ln_m += log(q0);
  }
  double kurt_x = in_kurt; /* kurtosis of x_{l-1}'s entries, to leading order */
  double alive = 1;        /* P(M_{l-1} > 0) */
  size_t cached_n = 0;     /* the last layer law computed, reused for equal widths and kurtosis */
  double cached_kh = NAN, cached_m = 0, cached_v = 0, cached_k = 0;

  for (size_t l = 1; l <= L; l++) {
    ilab_finite_layer *o = &out[l - 1];
    double n = (double)widths[l], nprev = (double)widths[l - 1], kappa = w_kurt[l - 1];
    double sigma2 = nprev * w_var[l - 1]; /* sigma_l^2 = n_{l-1} Var(W_l) */
    set_nan(o);
    int ok = sigma_b2 == 0 && isfinite(ln_m) && sigma2 > 0 && !isnan(kappa);
    /* h_l's entries given x_{l-1}: variance s^2 |x|^2 = sigma^2 M_{l-1}, kurtosis
     * 3 + (kappa - 3) rho, rho ~ K_{l-1}/n_{l-1}. */
    double kurt_h = 3 + (kappa - 3) * fmin(kurt_x / nprev, 1); /* rho <= 1 */
    int gauss = fabs(kappa - ILAB_KURT_NORMAL) < 1e-12; /* kurtosis computed from moments may round */
    if (ok && widths[l] >= 2) {
      /* s^2(h_l) = sigma^2 M_{l-1} S^2/sigma_h^2; for Gaussian h, (n-1) S^2/sigma_h^2
       * ~ chi^2_{n-1} independent of x; otherwise Var(S^2)/sigma_h^4 =
       * K_h/n - (n-3)/(n(n-1)), the variance of a sample variance
       * (Cramer 1946), and the gamma law. */
      double m, v, k;
      if (gauss) ln_chi2_mean1(n - 1, &m, &v, &k);
      else ln_gamma_law(1 / (kurt_h / n - (n - 3) / (n * (n - 1))), &m, &v, &k);
      o->lnh_mean = log(sigma2) + ln_m + m;
      o->lnh_var = ln_v + v;
      o->lnh_k4 = ln_k + k;
    }
    if (!ok || !homog) { /* nothing further is known from here on */
      ln_m = NAN;
      continue;
    }
    /* exact: ln M_{l-1}'s law so far was exact; it stays so through a
     * Gaussian relu or linear layer. */
    int layer_exact = gauss && (a2 == 0 || a2 == 1); /* relu, linear, or leaky at slope 0 or +-1 */
    if (!layer_exact) exact = 0;
    if (widths[l] >= 2) o->exact = exact;
    double c = r * kurt_h - 1;
    ratio *= 1 + c / n;
    /* A relu layer is dead when none of its n_l units is live, probability
     * 2^-n_l (h_j given x are iid, symmetric and continuous). */
    if (a2 == 0) alive *= 1 - ldexp(1.0, -(int)fmin(n, 2000)); /* relu, or leaky with slope 0 */
    /* Y_l / sigma^2: exactly chi^2_K / n_l (relu, K ~ Bin(n_l, 1/2)) or
     * chi^2_{n_l} / n_l (linear) for Gaussian weights; otherwise a mixture
     * over K of gamma laws with the right two moments (ln_y_law) */
    double kh = gauss ? ILAB_KURT_NORMAL : kurt_h;
    if (widths[l] != cached_n || kh != cached_kh) {
      ln_y_law(widths[l], a2, kh, &cached_m, &cached_v, &cached_k);
      cached_n = widths[l];
      cached_kh = kh;
    }
    double m = cached_m, v = cached_v, k = cached_k;
    o->c = c;
    o->ratio = ratio;
    o->ln_mean = ln_m + log(sigma2) + m;
    o->ln_var = ln_v + v;
    o->ln_k4 = ln_k + k; /* independent layers: cumulants add */
    o->dead = 1 - alive;
    ln_m = o->ln_mean;
    ln_v = o->ln_var;
    ln_k = o->ln_k4;
    kurt_x = r * kurt_h;
  }
  return ILAB_OK;
}
