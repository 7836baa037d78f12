/* Tests of the finite-width theory: the per-layer law of ln Y against the
 * published 0.4196 and its 5/n and 2/n limits, and whole networks against
 * Monte Carlo of small networks drawn here by plain loops (not through mlp),
 * with tolerances stated as z-scores. */
#include "test.h"
#include "finite.h"
#include "ilab.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_psi.h>

/* Every Monte Carlo check below fails beyond |z| = 4: two-sided p = 6.3e-5
 * a check, so the dozen checks here raise a false alarm with probability
 * under 1e-3 per seed, and the seeds are fixed. */
#define ZMAX 4.0
#define PI 3.14159265358979323846
#define LN2 0.69314718055994530942

static ilab_act act(const char *spec)
{
  ilab_act a;
  if (ilab_act_parse(spec, &a) != ILAB_OK) {
    printf("cannot parse activation '%s'\n", spec);
    exit(1);
  }
  return a;
}

/* Hanin & Nica's per-layer variance of ln Y for relu at n = 16, as quoted in
 * the project's reference (0.4196, four digits), against the 5/n = 0.3125 of
 * the second-moment approximation; and the large-n limits 5/n and 2/n. */
static void test_ln_y(void)
{
  ilab_act relu = act("relu"), lin = act("linear"), tanh_a = act("tanh");
  double m, v, k4;
  ilab_test(ilab_finite_ln_y(&relu, 16, &m, &v, &k4) == ILAB_OK, "ln Y law for relu, n = 16");
  ilab_test_abs(v, 0.4196, 5e-5, "Var ln Y, relu n = 16 (reference value)");
  /* E ln Y: Y has mean 1/2 (sigma^2 = 1), and Jensen puts E ln Y below
   * ln(1/2) by about Var/2. */
  ilab_test(m < log(0.5) && m > log(0.5) - v, "E ln Y for relu n = 16 below ln E[Y] by less than Var");
  /* Large n: Var ln Y = 5/n + O(1/n^2), E ln Y = ln(1/2) - 5/(2n) + O(1/n^2). */
  ilab_finite_ln_y(&relu, 100000, &m, &v, &k4);
  ilab_test_abs(v * 1e5, 5, 1e-3, "n Var ln Y -> 5 for relu (n = 1e5)");
  ilab_test_abs((m - log(0.5)) * 1e5, -2.5, 1e-3, "n (E ln Y - ln 1/2) -> -5/2 for relu (n = 1e5)");
  ilab_finite_ln_y(&lin, 1000000, &m, &v, &k4);
  ilab_test_abs(v * 1e6, 2, 1e-4, "n Var ln Y -> 2 for linear (n = 1e6)");
  /* Linear n = 2: chi^2_2/2 is Exp(1): E ln = -gamma, Var = pi^2/6. */
  ilab_finite_ln_y(&lin, 2, &m, &v, &k4);
  ilab_test_rel(m, -0.57721566490153286, 1e-12, "E ln Exp(1) = -Euler's gamma");
  ilab_test_rel(v, PI * PI / 6, 1e-12, "Var ln Exp(1) = pi^2/6");
  /* Relu n = 1: K = 1 given K > 0, Y = z^2 with z ~ N(0,1):
   * E ln z^2 = psi(1/2) + ln 2 = -gamma - ln 2, Var = psi_1(1/2) = pi^2/2. */
  ilab_finite_ln_y(&relu, 1, &m, &v, &k4);
  ilab_test_rel(m, -0.57721566490153286 - LN2, 1e-12, "E ln z^2");
  ilab_test_rel(v, PI * PI / 2, 1e-12, "Var ln z^2");
  ilab_test_rel(k4, PI * PI * PI * PI, 1e-10, "fourth cumulant of ln z^2 = psi_3(1/2) = pi^4");
  ilab_finite_ln_y(&lin, 2, &m, &v, &k4);
  ilab_test_rel(k4, PI * PI * PI * PI / 15, 1e-10, "fourth cumulant of ln Exp(1) = psi_3(1) = pi^4/15");
  /* Relu n = 2: K = 1 or 2 with probabilities 2/3, 1/3 given K > 0; the
   * mixture's fourth cumulant through raw moments, a different algebra from
   * the code's central-moment shifts. */
  {
    double raw[5] = {0}, w[2] = {2.0 / 3, 1.0 / 3};
    for (int k = 1; k <= 2; k++) {
      double x = 0.5 * k, c1 = gsl_sf_psi(x) + LN2 - LN2, c2 = gsl_sf_psi_1(x);
      double c3 = gsl_sf_psi_n(2, x), c4 = gsl_sf_psi_n(3, x);
      raw[1] += w[k - 1] * c1;
      raw[2] += w[k - 1] * (c2 + c1 * c1);
      raw[3] += w[k - 1] * (c3 + 3 * c2 * c1 + c1 * c1 * c1);
      raw[4] += w[k - 1] * (c4 + 4 * c3 * c1 + 3 * c2 * c2 + 6 * c2 * c1 * c1 + c1 * c1 * c1 * c1);
    }
    double mu = raw[1], var = raw[2] - mu * mu;
    double mu4 = raw[4] - 4 * raw[3] * mu + 6 * raw[2] * mu * mu - 3 * mu * mu * mu * mu;
    ilab_finite_ln_y(&relu, 2, &m, &v, &k4);
    ilab_test_rel(v, var, 1e-10, "relu n = 2: Var ln Y of the K mixture");
    ilab_test_rel(k4, mu4 - 3 * var * var, 1e-9, "relu n = 2: fourth cumulant of the K mixture");
  }
  ilab_test(ilab_finite_ln_y(&tanh_a, 16, &m, &v, &k4) == ILAB_EINVAL, "no exact law for tanh");
  ilab_test(ilab_finite_ln_y(&relu, 0, &m, &v, &k4) == ILAB_EINVAL, "width 0 refused");
}

/* Closed-form values of c and the product, and NaN where none exists. */
static void test_network_closed(void)
{
  ilab_act relu = act("relu"), lin = act("linear"), leaky = act("leaky_relu:slope=0.2");
  ilab_act tanh_a = act("tanh");
  size_t w[4] = {32, 32, 64, 16};
  double var[3] = {2.0 / 32, 2.0 / 32, 2.0 / 64}, k3[3] = {3, 3, 3};
  ilab_finite_layer o[3];
  ilab_test(ilab_finite_network(&relu, 3, w, var, k3, 0, 1, 3, o) == ILAB_OK, "relu network");
  ilab_test_rel(o[2].ratio, (1 + 2.0 / 32) * (1 + 5.0 / 32) * (1 + 5.0 / 64) * (1 + 5.0 / 16), 1e-14,
                "relu Gaussian: ratio = (1 + 2/n_0) prod (1 + 5/n_l)");
  ilab_test(o[0].c == 5 && o[2].exact == 1, "relu Gaussian: c = 5, exact");
  /* The ratio does not depend on the scale. */
  double var2[3] = {0.3, 7.0, 0.01};
  ilab_finite_layer p[3];
  ilab_finite_network(&relu, 3, w, var2, k3, 0, 1, 3, p);
  ilab_test_rel(p[2].ratio, o[2].ratio, 1e-14, "relu Gaussian: ratio at any scale");
  ilab_test_rel(p[2].ln_var, o[2].ln_var, 1e-14, "relu Gaussian: Var ln M at any scale");
  /* E ln M_L shifts by sum ln(sigma^2 ratio). */
  double shift = log(0.3 / (2.0 / 32)) + log(7.0 / (2.0 / 32)) + log(0.01 / (2.0 / 64));
  ilab_test_rel(p[2].ln_mean - o[2].ln_mean, shift, 1e-12, "E ln M_L moves with ln sigma^2");
  /* Sum of layer laws: input chi^2_32/32, then relu 32, 64, 16. */
  double v = 0, m, vv, k4;
  ilab_finite_ln_y(&lin, 32, &m, &vv, &k4); v += vv;
  ilab_finite_ln_y(&relu, 32, &m, &vv, &k4); v += vv;
  ilab_finite_ln_y(&relu, 64, &m, &vv, &k4); v += vv;
  ilab_finite_ln_y(&relu, 16, &m, &vv, &k4); v += vv;
  ilab_test_rel(o[2].ln_var, v, 1e-14, "Var ln M_L is the sum of the layers' and the input's");
  ilab_test_rel(o[2].dead, 1 - (1 - ldexp(1, -32)) * (1 - ldexp(1, -64)) * (1 - ldexp(1, -16)), 1e-12,
                "P(dead) = 1 - prod (1 - 2^-n_l)");
  ilab_finite_network(&lin, 3, w, var, k3, 0, 1, 1, o);
  ilab_test_rel(o[2].ratio, (1 + 2.0 / 32) * (1 + 2.0 / 64) * (1 + 2.0 / 16), 1e-14,
                "linear, fixed input: ratio = prod (1 + 2/n_l)");
  ilab_test(o[2].dead == 0, "a linear network never dies");
  /* A uniform input (kurtosis 9/5): its M_0 by the gamma law, shape n_0/(9/5 - 1),
   * and the Gaussian relu layers still by their exact law. */
  ilab_finite_network(&relu, 3, w, var, k3, 0, 1, 1.8, o);
  ilab_finite_ln_y(&relu, 32, &m, &vv, &k4);
  ilab_test_rel(o[0].ln_var, gsl_sf_psi_1(32 / 0.8) + vv, 1e-13, "uniform input: gamma law for M_0, exact relu layer");
  ilab_test(o[0].exact == 0, "uniform input: not exact");
  /* leaky relu slope a: c = 6(1 + a^4)/(1 + a^2)^2 - 1, the ln law approximate. */
  ilab_finite_network(&leaky, 3, w, var, k3, 0, 1, 3, o);
  ilab_test_rel(o[0].c, 6 * (1 + 0.0016) / (1.04 * 1.04) - 1, 1e-14, "leaky relu c");
  ilab_test(o[0].exact == 0, "leaky relu's ln law is not exact");
  /* Uniform weights: c_1 = 2 (3 + (9/5 - 3) rho_0) - 1 with rho_0 = 3/n_0. */
  double ku[3] = {1.8, 1.8, 1.8};
  ilab_finite_network(&relu, 3, w, var, ku, 0, 1, 3, o);
  ilab_test_rel(o[0].c, 2 * (3 - 1.2 * 3.0 / 32) - 1, 1e-14, "relu, uniform weights: c_1");
  ilab_test(o[0].exact == 0, "uniform weights are not exact");
  /* No closed form: tanh, or a bias. */
  ilab_finite_network(&tanh_a, 3, w, var, k3, 0, 1, 3, o);
  ilab_test(isnan(o[0].ratio) && isnan(o[2].ln_var) && o[2].exact == -1, "tanh: NaN");
  ilab_test(isfinite(o[0].lnh_var), "tanh: layer 1's h_var still known (from the input)");
  ilab_finite_network(&relu, 3, w, var, k3, 0.1, 1, 3, o);
  ilab_test(isnan(o[0].ratio) && isnan(o[0].lnh_var), "bias: NaN");
  /* Bad arguments. */
  size_t w0[2] = {0, 4};
  ilab_test(ilab_finite_network(&relu, 1, w0, var, k3, 0, 1, 3, o) == ILAB_EINVAL, "width 0 refused");
  ilab_test(ilab_finite_network(&relu, 0, w, var, k3, 0, 1, 3, o) == ILAB_EINVAL, "L = 0 refused");
  ilab_test(ilab_finite_network(&relu, 3, w, var, k3, 0, 1, 0.5, o) == ILAB_EINVAL,
            "input kurtosis < 1 refused");
}

/* Draws T networks of widths w[0..L], weights N(0, sd^2) or U(-lim, lim) with
 * Var = sigma2/n_{l-1}, inputs N(0,1) (gauss_in) or +-1, and returns M_L (or
 * the sample variance of h_L, hvar) in out[0..T-1]. */
static void simulate(gsl_rng *r, const ilab_act *a, size_t L, const size_t *w, double sigma2,
                     int uniform, int gauss_in, size_t T, double *out, double *hvar)
{
  size_t nmax = 0;
  for (size_t l = 0; l <= L; l++) if (w[l] > nmax) nmax = w[l];
  double *x = malloc(nmax * sizeof *x), *h = malloc(nmax * sizeof *h);
  for (size_t t = 0; t < T; t++) {
    for (size_t i = 0; i < w[0]; i++) x[i] = gauss_in ? gsl_ran_gaussian(r, 1) : (gsl_rng_uniform(r) < 0.5 ? -1 : 1);
    double m = 0, hv = 0;
    for (size_t l = 1; l <= L; l++) {
      double s = sqrt(sigma2 / (double)w[l - 1]), hs = 0, hs2 = 0;
      for (size_t j = 0; j < w[l]; j++) {
        double acc = 0;
        for (size_t i = 0; i < w[l - 1]; i++) {
          double u = uniform ? sqrt(3.0) * (2 * gsl_rng_uniform(r) - 1) : gsl_ran_gaussian_ziggurat(r, 1);
          acc += s * u * x[i];
        }
        h[j] = acc;
        hs += acc;
      }
      double hm = hs / (double)w[l];
      for (size_t j = 0; j < w[l]; j++) hs2 += (h[j] - hm) * (h[j] - hm);
      hv = hs2 / (double)(w[l] - 1);
      m = 0;
      for (size_t j = 0; j < w[l]; j++) {
        x[j] = ilab_act_phi(a, h[j]);
        m += x[j] * x[j];
      }
      m /= (double)w[l];
    }
    out[t] = m;
    if (hvar) hvar[t] = hv;
  }
  free(x);
  free(h);
}

/* z of a sample mean against mu, and of a sample variance against sigma^2
 * with its standard error sqrt((m4 - s^4)/T) from the sample's own m4. */
static double z_mean(const double *v, size_t T, double mu)
{
  double s = 0, s2 = 0;
  for (size_t t = 0; t < T; t++) s += v[t];
  double m = s / (double)T;
  for (size_t t = 0; t < T; t++) s2 += (v[t] - m) * (v[t] - m);
  return (m - mu) / sqrt(s2 / (double)(T - 1) / (double)T);
}

static double z_var(const double *v, size_t T, double var)
{
  double s = 0, s2 = 0, s4 = 0;
  for (size_t t = 0; t < T; t++) s += v[t];
  double m = s / (double)T;
  for (size_t t = 0; t < T; t++) {
    double d = (v[t] - m) * (v[t] - m);
    s2 += d;
    s4 += d * d;
  }
  double sv = s2 / (double)(T - 1), m4 = s4 / (double)T;
  return (sv - var) / sqrt((m4 - sv * sv) / (double)T);
}

/* Relu, Gaussian weights, n = 16, three layers, Gaussian input: the mean and
 * variance of ln M_3 and of ln s^2(h_3), and the mean of M_3^2, over
 * T = 20000 networks.  The 1/n approximation of Var ln M_3 (2/16 + 3 5/16 = 1.06)
 * sits more than 12 standard errors below the exact value, 1.39. */
static void test_monte_carlo_relu(gsl_rng *r)
{
  enum { T = 20000, L = 3 };
  ilab_act relu = act("relu");
  size_t w[L + 1] = {16, 16, 16, 16};
  double var[L] = {2.0 / 16, 2.0 / 16, 2.0 / 16}, k3[L] = {3, 3, 3};
  ilab_finite_layer o[L];
  ilab_finite_network(&relu, L, w, var, k3, 0, 1, 3, o);
  double *m = malloc(T * sizeof *m), *hv = malloc(T * sizeof *hv), *lm = malloc(T * sizeof *lm),
         *lh = malloc(T * sizeof *lh), *m2 = malloc(T * sizeof *m2);
  simulate(r, &relu, L, w, 2, 0, 1, T, m, hv);
  size_t k = 0;
  for (size_t t = 0; t < T; t++) {
    m2[t] = m[t] * m[t];
    if (m[t] > 0) { /* dead networks (P = 4.6e-5 here) are outside the ln law */
      lm[k] = log(m[t]);
      lh[k++] = log(hv[t]);
    }
  }
  ilab_test_z(z_mean(lm, k, o[L - 1].ln_mean), ZMAX, "relu n=16 L=3: E ln M_3 = %.4f", o[L - 1].ln_mean);
  ilab_test_z(z_var(lm, k, o[L - 1].ln_var), ZMAX, "relu n=16 L=3: Var ln M_3 = %.4f", o[L - 1].ln_var);
  { /* the same with the theory's own standard error, from its fourth cumulant */
    double s = 0, s2 = 0, vt = o[L - 1].ln_var, kn = (double)k;
    for (size_t t = 0; t < k; t++) s += lm[t];
    for (size_t t = 0; t < k; t++) s2 += (lm[t] - s / kn) * (lm[t] - s / kn);
    double se = sqrt((o[L - 1].ln_k4 + 3 * vt * vt) / kn - vt * vt * (kn - 3) / (kn * (kn - 1)));
    ilab_test_z((s2 / (kn - 1) - vt) / se, ZMAX, "relu n=16 L=3: Var ln M_3, theory's standard error %.4f", se);
  }
  ilab_test(fabs(z_var(lm, k, 2.0 / 16 + 3 * 5.0 / 16)) > 3 * ZMAX,
            "relu n=16 L=3: the 5/n approximation is rejected");
  ilab_test_z(z_mean(lh, k, o[L - 1].lnh_mean), ZMAX, "relu n=16 L=3: E ln s^2(h_3)");
  ilab_test_z(z_var(lh, k, o[L - 1].lnh_var), ZMAX, "relu n=16 L=3: Var ln s^2(h_3)");
  /* E[M_3] = 1 (He scale, E[x_0^2] = 1), so E[M_3^2] = ratio. */
  ilab_test_z(z_mean(m2, T, o[L - 1].ratio), ZMAX, "relu n=16 L=3: E[M_3^2] = %.4f", o[L - 1].ratio);
  free(m); free(hv); free(lm); free(lh); free(m2);
}

/* Linear, uniform weights, fixed input +-1, n_0 = n_1 = 4: the one-layer
 * ratio 1 + (2 + (9/5 - 3)/n_0)/n_1 = 1.425 is exact (rho_0 = 1/n_0 for a
 * +-1 input), and the Gaussian 1.5 lies far outside: T = 200000 layers. */
static void test_monte_carlo_kurtosis(gsl_rng *r)
{
  enum { T = 200000 };
  ilab_act lin = act("linear");
  size_t w[2] = {4, 4};
  double var[1] = {0.25}, ku[1] = {1.8};
  ilab_finite_layer o[1];
  ilab_finite_network(&lin, 1, w, var, ku, 0, 1, 1, o);
  ilab_test_rel(o[0].ratio, 1.425, 1e-14, "linear, uniform weights, n = 4: ratio 1.425");
  double *m = malloc(T * sizeof *m);
  simulate(r, &lin, 1, w, 1, 1, 0, T, m, NULL);
  for (size_t t = 0; t < T; t++) m[t] *= m[t];
  ilab_test_z(z_mean(m, T, o[0].ratio), ZMAX, "linear uniform n=4: E[M_1^2] = 1.425");
  ilab_test(fabs(z_mean(m, T, 1.5)) > 3 * ZMAX, "linear uniform n=4: the Gaussian 1.5 is rejected");
  free(m);
}

int main(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20190601);
  test_ln_y();
  test_network_closed();
  test_monte_carlo_relu(r);
  test_monte_carlo_kurtosis(r);
  gsl_rng_free(r);
  return ilab_test_summary();
}
