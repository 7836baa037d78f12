/* Tests of the mean-field recursion: quadrature against closed forms and an
 * independent long double Simpson sum, the SELU and tanh fixed points, ReLU's
 * critical point, the recursions against exact products and Monte Carlo. */
#include "test.h"
#include "theory.h"
#include "ilab.h"

#include <math.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#define TWO_PI 6.283185307179586476925286766559L
#define EPSREL ILAB_THEORY_EPSREL /* what every expectation below requests, with epsabs 0 */

static ilab_act act(const char *spec)
{
  ilab_act a;
  if (ilab_act_parse(spec, &a) != ILAB_OK) {
    printf("cannot parse activation '%s'\n", spec);
    exit(1);
  }
  return a;
}

static double expect(ilab_theory_workspace *w, const char *spec, ilab_theory_fn f, double q,
                     int quad, double *abserr)
{
  ilab_act a = act(spec);
  double r = NAN, e = NAN;
  int st = quad ? ilab_theory_expect_quad(w, &a, f, q, &r, &e)
                : ilab_theory_expect(w, &a, f, q, &r, &e);
  ilab_test(st == ILAB_OK, "E[f] for %s, f %d, q %g: %s", spec, (int)f, q,
            st ? ilab_error_reason() : "computed");
  if (abserr) *abserr = e;
  return r;
}

/* Quadrature against E[relu(sqrt q z)^2] = q/2, E[relu'^2] = 1/2,
 * E[relu(sqrt q z)] = sqrt(q/(2 pi)) and the linear E[q z^2] = q, E[1] = 1,
 * E[sqrt(q) z] = 0, each to 1e-10 relative, with the reported error within
 * the requested bound epsrel E|f| (every f here keeps one sign, except the
 * linear mean, whose E|f| = sqrt(2q/pi)). */
static void test_quadrature_closed_forms(ilab_theory_workspace *w)
{
  const double qs[] = {1e-6, 1e-3, 0.5, 1, 37, 1e4};
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    double q = qs[i], e, r;
    r = expect(w, "relu", ILAB_THEORY_PHI_SQ, q, 1, &e);
    ilab_test_rel(r, q / 2, 1e-10, "quadrature E[relu^2] at q = %g", q);
    ilab_test(e <= EPSREL * r, "abserr %g of E[relu^2] at q = %g within bound", e, q);
    r = expect(w, "relu", ILAB_THEORY_DPHI_SQ, q, 1, &e);
    ilab_test_rel(r, 0.5, 1e-10, "quadrature E[relu'^2] at q = %g", q);
    ilab_test(e <= EPSREL * r, "abserr %g of E[relu'^2] at q = %g within bound", e, q);
    r = expect(w, "relu", ILAB_THEORY_PHI, q, 1, &e);
    ilab_test_rel(r, sqrt(q / (double)TWO_PI), 1e-10, "quadrature E[relu] at q = %g", q);
    ilab_test(e <= EPSREL * r, "abserr %g of E[relu] at q = %g within bound", e, q);
    r = expect(w, "linear", ILAB_THEORY_PHI_SQ, q, 1, &e);
    ilab_test_rel(r, q, 1e-10, "quadrature E[(sqrt q z)^2] at q = %g", q);
    ilab_test(e <= EPSREL * r, "abserr %g of E[(sqrt q z)^2] at q = %g within bound", e, q);
    r = expect(w, "linear", ILAB_THEORY_DPHI_SQ, q, 1, &e);
    ilab_test_rel(r, 1, 1e-10, "quadrature E[1] at q = %g", q);
    ilab_test(e <= EPSREL * r, "abserr %g of E[1] at q = %g within bound", e, q);
    double scale = sqrt(2 * q / (double)TWO_PI) * 2; /* E|sqrt(q) z| */
    r = expect(w, "linear", ILAB_THEORY_PHI, q, 1, &e);
    ilab_test_abs(r, 0, 1e-10 * scale, "quadrature E[sqrt q z] at q = %g", q);
    ilab_test(e <= EPSREL * scale, "abserr %g of E[sqrt q z] at q = %g within bound", e, q);
    r = expect(w, "leaky_relu:slope=0.2", ILAB_THEORY_PHI_SQ, q, 1, &e);
    ilab_test_rel(r, q * 1.04 / 2, 1e-10, "quadrature E[leaky_relu^2] at q = %g", q);
    /* The fast path gives the closed form itself, with abserr 0. */
    r = expect(w, "relu", ILAB_THEORY_PHI_SQ, q, 0, &e);
    ilab_test(r == q / 2 && e == 0, "closed form E[relu^2] at q = %g", q);
  }
  /* q = 0 and q = inf are the limits: z's sign still picks a side of a kink. */
  ilab_test_rel(expect(w, "relu", ILAB_THEORY_DPHI_SQ, 0, 1, NULL), 0.5, 0, "E[relu'^2] at q = 0");
  ilab_test_rel(expect(w, "tanh", ILAB_THEORY_PHI_SQ, 0, 0, NULL), 0, 0, "E[tanh^2] at q = 0");
  ilab_test_rel(expect(w, "tanh", ILAB_THEORY_DPHI_SQ, 0, 0, NULL), 1, 0, "E[tanh'^2] at q = 0");
  ilab_test_rel(expect(w, "sigmoid", ILAB_THEORY_PHI, 0, 0, NULL), 0.5, 0, "E[sigmoid] at q = 0");
  ilab_test_rel(expect(w, "tanh", ILAB_THEORY_PHI_SQ, INFINITY, 0, NULL), 1, 0, "E[tanh^2] at q = inf");
  ilab_test_rel(expect(w, "sigmoid", ILAB_THEORY_PHI_SQ, INFINITY, 0, NULL), 0.5, 0,
                "E[sigmoid^2] at q = inf");
  /* A narrow peak: at q = 1e10, phi'(sqrt(q) z)^2 of tanh has width 1e-5 in z,
   * and E = (1/sqrt(2 pi q)) int sech^4 = (4/3)/sqrt(2 pi q) up to O(1/q). */
  double q = 1e10;
  ilab_test_rel(expect(w, "tanh", ILAB_THEORY_DPHI_SQ, q, 0, NULL),
                4.0 / 3 / sqrt((double)TWO_PI * q), 1e-9, "E[tanh'^2] at q = 1e10, asymptotic");

  ilab_act a = act("tanh");
  double r, e;
  ilab_test_int(ilab_theory_expect(w, &a, ILAB_THEORY_PHI_SQ, -1, &r, &e), ILAB_EINVAL,
                "q < 0 is refused");
  ilab_test_int(ilab_theory_expect(w, &a, ILAB_THEORY_PHI_SQ, NAN, &r, &e), ILAB_EINVAL,
                "q = NaN is refused");
}

/* An independent check: composite Simpson on [-40, 40] with 2e6 intervals in
 * long double (step 4e-5, so the h^4 error term is far below 1e-15). */
static void simpson_tanh(long double q, long double *x_sq, long double *dphi_sq)
{
  const long n = 2000000;
  const long double h = 80.0L / n;
  long double s1 = 0, s2 = 0;
  for (long i = 0; i <= n; i++) {
    long double z = -40 + i * h, wgt = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
    long double d = expl(-z * z / 2), t = tanhl(sqrtl(q) * z), u = 1 - t * t;
    s1 += wgt * t * t * d;
    s2 += wgt * u * u * d;
  }
  long double norm = h / 3 / sqrtl(TWO_PI);
  *x_sq = s1 * norm;
  *dphi_sq = s2 * norm;
}

static void test_tanh_simpson(ilab_theory_workspace *w)
{
  const double qs[] = {1, 10};
  for (int i = 0; i < 2; i++) {
    long double xs, ds;
    double e;
    simpson_tanh(qs[i], &xs, &ds);
    double r = expect(w, "tanh", ILAB_THEORY_PHI_SQ, qs[i], 0, &e);
    ilab_test_rel(r, (double)xs, 1e-10, "E[tanh(sqrt q z)^2] at q = %g against Simpson", qs[i]);
    ilab_test(e <= EPSREL * r, "abserr %g of E[tanh^2] within bound", e);
    r = expect(w, "tanh", ILAB_THEORY_DPHI_SQ, qs[i], 0, &e);
    ilab_test_rel(r, (double)ds, 1e-10, "E[tanh'(sqrt q z)^2] at q = %g against Simpson", qs[i]);
    ilab_test(e <= EPSREL * r, "abserr %g of E[tanh'^2] within bound", e);
  }
}

/* SELU's self-normalizing fixed point (Klambauer et al. 2017): with
 * Var(W) = 1/n (sigma_w2 = 1) and no bias, (mean, variance) = (0, 1). */
static void test_selu(ilab_theory_workspace *w)
{
  ilab_test_abs(expect(w, "selu", ILAB_THEORY_PHI, 1, 0, NULL), 0, 1e-9, "E[selu(z)] = 0");
  ilab_test_rel(expect(w, "selu", ILAB_THEORY_PHI_SQ, 1, 0, NULL), 1, 1e-9, "E[selu(z)^2] = 1");
  ilab_act a = act("selu");
  ilab_theory_fixed fp;
  ilab_test_int(ilab_theory_fixed_point(w, &a, 1, 0, 3, &fp), ILAB_OK, "selu fixed point");
  ilab_test_rel(fp.q_star, 1, 1e-9, "selu q* = 1 at sigma_w2 = 1, from q0 = 3");

  enum { L = 30 };
  size_t widths[L + 1];
  double v[L];
  ilab_theory_layer out[L];
  for (int l = 0; l <= L; l++) widths[l] = 100;
  for (int l = 0; l < L; l++) v[l] = 1.0 / 100;
  ilab_test_int(ilab_theory_network(w, &a, L, widths, v, 0, 1, 1, out, NULL), ILAB_OK,
                "selu network");
  ilab_test_rel(out[L - 1].h_var, 1, 1e-9, "selu q_30 = 1");
  ilab_test_abs(out[L - 1].x_mean, 0, 1e-9, "selu E[x_30] = 0");
  ilab_test_rel(out[L - 1].x_var, 1, 1e-9, "selu Var(x_30) = 1");
}

/* ReLU: chi_1 = sigma_w2/2 wherever q* lies, and the critical point is
 * (sigma_w2, sigma_b2) = (2, 0) only. */
static void test_relu(ilab_theory_workspace *w)
{
  ilab_act a = act("relu");
  ilab_theory_fixed fp;
  const double sw2[] = {0.5, 1.5, 2, 3};
  for (int i = 0; i < 4; i++) {
    ilab_test_int(ilab_theory_fixed_point(w, &a, sw2[i], 0.1, 1, &fp), ILAB_OK, "relu fixed point");
    ilab_test_rel(fp.chi1, sw2[i] / 2, 1e-15, "relu chi_1 = sigma_w2/2 at sigma_w2 = %g", sw2[i]);
  }
  ilab_theory_fixed_point(w, &a, 1, 0.1, 1, &fp);
  ilab_test_rel(fp.q_star, 0.2, 1e-15, "relu q* = sigma_b2/(1 - sigma_w2/2)");
  ilab_test_rel(fp.xi_q, 1 / log(2.0), 1e-15, "relu xi_q = -1/log(sigma_w2/2)");
  ilab_test_rel(fp.xi_c, 1 / log(2.0), 1e-15, "relu xi_c = -1/log(chi_1)");
  ilab_theory_fixed_point(w, &a, 3, 0, 1, &fp);
  ilab_test(isinf(fp.q_star) && isnan(fp.xi_q), "relu q* = inf above sigma_w2 = 2");
  ilab_theory_fixed_point(w, &a, 2, 0, 0.7, &fp);
  ilab_test(fp.q_star == 0.7 && fp.chi1 == 1 && isinf(fp.xi_c), "relu at (2, 0): q* = q0");

  double s, q;
  ilab_test_int(ilab_theory_critical(w, &a, 0, 1, &s, &q), ILAB_OK, "relu critical point");
  ilab_test_rel(s, 2, 0, "relu critical sigma_w2 = 2 at sigma_b2 = 0");
  ilab_theory_critical(w, &a, 0.1, 1, &s, &q);
  ilab_test(isnan(s) && isnan(q), "relu has no critical point at sigma_b2 > 0");
}

/* tanh without bias: sigma_w2 = 1 is critical, q* = 0 there and
 * chi_1 = E[tanh'(0)^2] = 1; the q-map q' = q - 2q^2 + O(q^3) (from
 * tanh^2 x = x^2 - 2x^4/3 + ..., E[z^4] = 3) makes 1/q_l grow by 2 a layer,
 * so l q_l -> 1/2 (slowly: a (5/6) log l correction leaves 0.5015 at
 * l = 1000). */
static void test_tanh(ilab_theory_workspace *w)
{
  ilab_act a = act("tanh");
  ilab_theory_fixed fp;
  ilab_test_int(ilab_theory_fixed_point(w, &a, 1, 0, 1, &fp), ILAB_OK, "tanh fixed point");
  ilab_test(fp.q_star == 0 && fp.chi1 == 1, "tanh at (1, 0): q* = 0, chi_1 = 1 (%g, %g)",
            fp.q_star, fp.chi1);
  ilab_theory_fixed_point(w, &a, 0.8, 0, 1, &fp);
  ilab_test(fp.q_star == 0, "tanh at sigma_w2 = 0.8: q* = 0");
  ilab_test_rel(fp.chi1, 0.8, 1e-15, "tanh at sigma_w2 = 0.8: chi_1 = sigma_w2");
  ilab_theory_fixed_point(w, &a, 1.02, 0, 1, &fp);
  ilab_test(fp.q_star > 0 && fp.chi1 > 1, "tanh at sigma_w2 = 1.02: q* > 0, chi_1 > 1");
  double s, q;
  ilab_test_int(ilab_theory_critical(w, &a, 0, 1, &s, &q), ILAB_OK, "tanh critical point");
  ilab_test_rel(s, 1, 1e-9, "tanh critical sigma_w2 = 1 at sigma_b2 = 0");
  ilab_test_abs(q, 0, 1e-9, "tanh critical q* = 0 at sigma_b2 = 0");

  /* With a bias, the critical point is where chi_1 = 1 at a true fixed point. */
  ilab_test_int(ilab_theory_critical(w, &a, 0.05, 1, &s, &q), ILAB_OK, "tanh critical, bias");
  ilab_theory_fixed_point(w, &a, s, 0.05, 1, &fp);
  ilab_test_rel(fp.chi1, 1, 1e-9, "chi_1 = 1 at the critical point (%.12g, 0.05)", s);
  ilab_test_rel(fp.q_star, q, 1e-9, "q* reported by the critical search");
  double v = s * expect(w, "tanh", ILAB_THEORY_PHI_SQ, q, 0, NULL) + 0.05;
  ilab_test_rel(v, q, 1e-10, "V(q*) = q* at the critical point");

  enum { L = 1000 };
  static size_t widths[L + 1];
  static double var[L];
  static ilab_theory_layer out[L];
  for (int l = 0; l <= L; l++) widths[l] = 1;
  for (int l = 0; l < L; l++) var[l] = 1;
  double errmax;
  ilab_test_int(ilab_theory_network(w, &a, L, widths, var, 0, 1, 1, out, &errmax), ILAB_OK,
                "tanh network, 1000 layers");
  ilab_test_rel(L * out[L - 1].h_var, 0.5, 0.02, "tanh at sigma_w2 = 1: l q_l -> 1/2 at l = 1000");
  ilab_test(errmax <= 1e-12, "largest quadrature error %g", errmax);
}

/* The q-map's slope V'(q*) = sigma_w2 E[h phi phi']/q* against a central
 * difference of the q-map itself. */
static void test_slope(ilab_theory_workspace *w)
{
  const char *specs[] = {"tanh", "sigmoid", "selu"};
  for (int i = 0; i < 3; i++) {
    ilab_act a = act(specs[i]);
    ilab_theory_fixed fp;
    double sw2 = 1.3, sb2 = 0.05;
    ilab_test_int(ilab_theory_fixed_point(w, &a, sw2, sb2, 1, &fp), ILAB_OK, "%s fixed point",
                  specs[i]);
    double q = fp.q_star, d = 1e-4 * q;
    double vp = sw2 * expect(w, specs[i], ILAB_THEORY_PHI_SQ, q + d, 0, NULL);
    double vm = sw2 * expect(w, specs[i], ILAB_THEORY_PHI_SQ, q - d, 0, NULL);
    ilab_test_rel(fp.slope, (vp - vm) / (2 * d), 1e-6, "%s V'(q*) against a central difference",
                  specs[i]);
    ilab_test_rel(sw2 * expect(w, specs[i], ILAB_THEORY_PHI_SQ, q, 0, NULL) + sb2, q, 1e-10,
                  "%s V(q*) = q*", specs[i]);
    ilab_test_rel(fp.xi_q, -1 / log(fabs(fp.slope)), 1e-15, "%s xi_q", specs[i]);
  }
  /* Far out, 1 - E[tanh(sqrt(q) z)^2] = E[sech^2] = 2/sqrt(2 pi q) (1 + O(1/q)),
   * so d/dq E[tanh^2] = q^-3/2/sqrt(2 pi): E[h phi phi']/q must find it
   * although E[phi'^2] and E[phi phi''] are each 1e4 times larger. */
  double q = 1e8, e;
  double r = expect(w, "tanh", ILAB_THEORY_H_PHI_DPHI, q, 0, &e) / q;
  ilab_test_rel(r, pow(q, -1.5) / sqrt((double)TWO_PI), 1e-6, "d/dq E[tanh^2] at q = 1e8");
}

/* One layer against Monte Carlo: h ~ N(0, q_1), n = 200000 draws, the sample
 * means of tanh(h)^2 and tanh'(h)^2 against the theory by z-score.  The seed
 * is fixed, so the test is deterministic; the limit |z| <= 4 would fail by
 * chance for only 6e-5 of seeds (a two-sided normal tail), yet catches a
 * bias of 0.3% in E[tanh^2] (its standard error is 0.07% here). */
static void test_monte_carlo(ilab_theory_workspace *w)
{
  ilab_act a = act("tanh");
  size_t widths[2] = {256, 512};
  double var[1] = {1.7 / 256};
  ilab_theory_layer out[1];
  ilab_test_int(ilab_theory_network(w, &a, 1, widths, var, 0.1, 0.8, 1, out, NULL), ILAB_OK,
                "one-layer tanh network");
  ilab_test_rel(out[0].h_var, 1.7 * 0.8 + 0.1, 1e-15, "q_1 = n_0 Var(W) q0 + sigma_b2");
  const long n = 200000;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 20240611);
  double sd_h = sqrt(out[0].h_var), s1 = 0, s11 = 0, s2 = 0, s22 = 0;
  for (long i = 0; i < n; i++) {
    double t = tanh(gsl_ran_gaussian(r, sd_h)), y1 = t * t, y2 = (1 - y1) * (1 - y1);
    s1 += y1; s11 += y1 * y1;
    s2 += y2; s22 += y2 * y2;
  }
  gsl_rng_free(r);
  double m1 = s1 / n, sd1 = sqrt((s11 - n * m1 * m1) / (n - 1));
  double m2 = s2 / n, sd2 = sqrt((s22 - n * m2 * m2) / (n - 1));
  ilab_test_z((m1 - out[0].x_sq) / (sd1 / sqrt((double)n)), 4, "E[tanh(h)^2] against Monte Carlo");
  ilab_test_z((m2 - out[0].gh_var) / (sd2 / sqrt((double)n)), 4, "E[tanh'(h)^2] against Monte Carlo");
}

/* Linear networks of mixed widths have closed products:
 * q_l = q0 prod_{k<=l} n_{k-1} v_k, g_l = prod_{k>l} n_k v_k, gh_l = g_l,
 * gw_l = q_{l-1} g_l / B (E[x^2] = q for linear).  And a batch of B divides
 * gw_var by B and leaves the rest alone. */
static void test_products(ilab_theory_workspace *w)
{
  enum { L = 4 };
  const size_t widths[L + 1] = {3, 7, 2, 5, 4};
  const double v[L] = {0.3, 0.1, 0.6, 0.25}, q0 = 1.3;
  ilab_theory_layer out[L], outb[L];
  ilab_act a = act("linear");
  double err;
  ilab_test_int(ilab_theory_network(w, &a, L, widths, v, 0, q0, 1, out, &err), ILAB_OK,
                "linear network");
  ilab_test(err == 0, "closed forms report abserr 0");
  for (int l = 1; l <= L; l++) {
    double q = q0, g = 1, qprev = q0;
    for (int k = 1; k <= l; k++) { qprev = q; q *= widths[k - 1] * v[k - 1]; }
    for (int k = l + 1; k <= L; k++) g *= widths[k] * v[k - 1];
    ilab_test_rel(out[l - 1].h_var, q, 1e-12, "linear q_%d", l);
    ilab_test_rel(out[l - 1].x_sq, q, 1e-12, "linear E[x_%d^2]", l);
    ilab_test_rel(out[l - 1].gx_var, g, 1e-12, "linear g_%d", l);
    ilab_test_rel(out[l - 1].gh_var, g, 1e-12, "linear gh_%d", l);
    ilab_test_rel(out[l - 1].gw_var, qprev * g, 1e-12, "linear gw_%d", l);
  }
  a = act("tanh");
  ilab_theory_network(w, &a, L, widths, v, 0.05, q0, 1, out, NULL);
  ilab_test_int(ilab_theory_network(w, &a, L, widths, v, 0.05, q0, 64, outb, NULL), ILAB_OK,
                "tanh network, batch 64");
  for (int l = 0; l < L; l++) {
    ilab_test_rel(outb[l].gw_var, out[l].gw_var / 64, 1e-15, "gw_var(B = 64) = gw_var(1)/64, layer %d", l + 1);
    ilab_test(outb[l].gh_var == out[l].gh_var && outb[l].h_var == out[l].h_var,
              "batch leaves the other columns alone, layer %d", l + 1);
  }
  const size_t zero[L + 1] = {3, 0, 2, 5, 4};
  ilab_test_int(ilab_theory_network(w, &a, L, zero, v, 0, q0, 1, out, NULL), ILAB_EINVAL,
                "a width of 0 is refused");
  ilab_test_int(ilab_theory_network(w, &a, 0, widths, v, 0, q0, 1, out, NULL), ILAB_EINVAL,
                "depth 0 is refused");
  ilab_test_int(ilab_theory_network(w, &a, L, widths, v, NAN, q0, 1, out, NULL), ILAB_EINVAL,
                "sigma_b2 = NaN is refused");
  ilab_test_int(ilab_theory_network(w, &a, L, widths, v, 0, q0, 0, out, NULL), ILAB_EINVAL,
                "batch 0 is refused");
}

/* Published numbers, pinned with their sources.  Values to 12 digits come
 * from tests/fixtures/meanfield.py, which computes them independently of this
 * code (scipy's quad over the Gaussian density and brentq); they are checked
 * to 1e-8 relative, far above either quadrature's error (1e-12 requested
 * here) and far below any change of formula.  The published figures are
 * checked to the digits printed in the paper. */
static void test_published(ilab_theory_workspace *w)
{
  ilab_act a = act("tanh");
  ilab_theory_fixed fp;
  double s = NAN, q = NAN;
  /* Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017, sec. 3 and fig. 1:
   * the order-to-chaos transition of tanh at sigma_b2 = 0.05 lies at
   * sigma_w2 = 1.76095 (scipy: 1.76095463961, q* = 0.570047881641). */
  ilab_test_int(ilab_theory_critical(w, &a, 0.05, 1, &s, &q), ILAB_OK, "tanh critical point at 0.05");
  ilab_test_abs(s, 1.76095, 0.5e-5, "Schoenholz et al. 2017: critical sigma_w2 = 1.76095 at sigma_b2 = 0.05");
  ilab_test_rel(s, 1.76095463961, 1e-8, "critical sigma_w2 against scipy");
  ilab_test_rel(q, 0.570047881641, 1e-8, "critical q* against scipy");
  /* (sigma_w2, sigma_b2) = (1, 0.05) and (2, 1), both in the ordered phase
   * (chi_1 < 1, so xi_c = -1/ln chi_1 is finite): q*, chi_1, xi_q, xi_c. */
  static const struct { double sw2, sb2, q, chi1, xi_q, xi_c; } pts[] = {
    {1, 0.05, 0.193592520245, 0.759031647185, 1.7476262429, 3.62697561805},
    {2, 1, 2.04840089621, 0.691808037956, 0.56852155657, 2.71409630555},
  };
  for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
    ilab_test_int(ilab_theory_fixed_point(w, &a, pts[i].sw2, pts[i].sb2, 1, &fp), ILAB_OK,
                  "tanh fixed point at (%g, %g)", pts[i].sw2, pts[i].sb2);
    ilab_test_rel(fp.q_star, pts[i].q, 1e-8, "tanh q* at (%g, %g)", pts[i].sw2, pts[i].sb2);
    ilab_test_rel(fp.chi1, pts[i].chi1, 1e-8, "tanh chi_1 at (%g, %g)", pts[i].sw2, pts[i].sb2);
    ilab_test_rel(fp.xi_q, pts[i].xi_q, 1e-8, "tanh xi_q at (%g, %g)", pts[i].sw2, pts[i].sb2);
    ilab_test_rel(fp.xi_c, pts[i].xi_c, 1e-8, "tanh xi_c at (%g, %g)", pts[i].sw2, pts[i].sb2);
  }
  /* Klambauer, Unterthiner, Mayr & Hochreiter 2017: SELU's fixed point of
   * (mean, variance) is (0, 1) with Var(W) = 1/n, where
   * chi_1 = lambda^2 (1/2 + alpha^2 e^2 Phi(-2)) = 1.07158 (scipy: 1.07157499246). */
  a = act("selu");
  ilab_test_int(ilab_theory_fixed_point(w, &a, 1, 0, 0.5, &fp), ILAB_OK, "selu fixed point from below");
  ilab_test_rel(fp.q_star, 1, 1e-9, "SELU fixed point: q* = 1 from q0 = 0.5");
  ilab_test_abs(expect(w, "selu", ILAB_THEORY_PHI, fp.q_star, 0, NULL), 0, 1e-9, "SELU fixed point: mean 0");
  ilab_test_abs(fp.chi1, 1.0716, 0.5e-4, "Klambauer et al. 2017: SELU chi_1 = 1.0716");
  ilab_test_rel(fp.chi1, 1.07157499246, 1e-8, "SELU chi_1 against scipy and the closed form");
  /* reference.md's ReLU constant (the truncated normal's are in test_dist.c
   * and test_scheme.c) */
  ilab_test_rel(expect(w, "relu", ILAB_THEORY_PHI, 1, 1, NULL), 0.3989422804014327, 1e-10,
                "E[relu(z)] = 1/sqrt(2 pi) by quadrature");
}

int main(void)
{
  gsl_set_error_handler_off();
  ilab_test(ilab_theory_workspace_alloc(0, 0) == NULL, "tolerances (0, 0) are refused");
  ilab_test(ilab_theory_workspace_alloc(-1, 1e-12) == NULL, "a negative tolerance is refused");
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  if (!w) {
    printf("FAIL: workspace (%s)\n", ilab_error_reason());
    return 1;
  }
  test_quadrature_closed_forms(w);
  test_tanh_simpson(w);
  test_selu(w);
  test_relu(w);
  test_tanh(w);
  test_slope(w);
  test_monte_carlo(w);
  test_products(w);
  test_published(w);
  ilab_theory_workspace_free(w);
  ilab_theory_workspace_free(NULL);
  return ilab_test_summary();
}
