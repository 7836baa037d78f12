/* Tests of the mean-field recursion: quadrature against closed forms, an
 * independent long double Simpson sum and a tanh-sinh reference for every
 * activation, exact gains, the critical line, the SELU and tanh fixed points, ReLU's
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

/* Every activation's moments against tanh-sinh quadrature in plain Python
 * (scripts/gaussian_moments.py, which shares no code with GSL's adaptive
 * Gauss-Kronrod here; its numbers are pasted below as it prints them), to
 * 1e-8 relative (1e-10 absolute for a mean of 0).  Both methods claim ~1e-14;
 * 1e-8 is the bar and leaves room for neither to be wrong by more. */
static const struct {
  const char *spec;
  double q, m[4]; /* E[phi], E[phi^2], E[phi'^2], E[h phi phi'] at h = sqrt(q) z */
} moments_ref[] = {
    {"relu", 1, {0.39894228040143265, 0.50000000000000011, 0.49999999999999956, 0.50000000000000011}},
    {"relu", 2.5, {0.63078313050503998, 1.2500000000000002, 0.49999999999999956, 1.2500000000000002}},
    {"tanh", 1, {0, 0.3942944903978412, 0.46440290244826743, 0.18179768814048702}},
    {"tanh", 2.5, {0, 0.55882143029063824, 0.31690800339099234, 0.17091717688563884}},
    {"selu", 1, {1.1102230246251565e-16, 1, 1.0715749924557973, 0.78264788319681267}},
    {"selu", 2.5, {0.13301627169353736, 2.05625915003368, 0.91103649813300214, 1.6399500122957293}},
    {"gelu", 1, {0.28209479177387808, 0.42522148257029874, 0.4558508656492869, 0.48648024872827561}},
    {"gelu", 2.5, {0.53310904655730784, 1.1736129763787226, 0.49651799614988007, 1.2592514430675121}},
    {"gelu_tanh", 1, {0.28203858807878879, 0.4251937110330995, 0.45581784596295033, 0.48654842631538625}},
    {"gelu_tanh", 2.5, {0.53310338603638652, 1.1737139541399275, 0.49657562452479537, 1.2594291235124102}},
    {"silu", 1, {0.20662096414190709, 0.35577551981735223, 0.37948235163282912, 0.41718025913171897}},
    {"silu", 2.5, {0.43067676580103098, 1.0332118505857721, 0.44090173914255149, 1.1832427720166123}},
    {"elu:alpha=1", 1, {0.16052057226655606, 0.644945417492924, 0.66810200122316976, 0.57462571058121792}},
    {"elu:alpha=1", 2.5, {0.32946444274536052, 1.4688005227075918, 0.61616314718823173, 1.3341124553403616}},
    {"softplus:beta=1", 1, {0.80605918334743909, 0.92124590885929991, 0.29337903585809277, 0.45330197247963022}},
    {"softplus:beta=1", 2.5, {0.946860327836065, 1.616382532994981, 0.32772929367958747, 1.177427265019646}},
    {"mish", 1, {0.24040388837479146, 0.45234219237588286, 0.47908375837396944, 0.48687345993214204}},
    {"mish", 2.5, {0.47632528695961024, 1.1965144283439229, 0.5063094690544927, 1.2509410063712734}},
    {"hardtanh", 1, {0, 0.51605855096171294, 0.68268949213708596, 0.19874804309879918}},
    {"hardtanh", 2.5, {0, 0.67648301976713676, 0.47291074313446202, 0.14939376290159817}},
};

/* 1/sqrt(E[phi(z)^2]), 1/sqrt(Var phi(z)), 1/sqrt(E[phi'(z)^2]) from the same script. */
static const struct {
  const char *spec;
  double second, gamma, critical;
} gains_ref[] = {
    {"relu", 1.4142135623730949, 1.7128585504496625, 1.4142135623730956},
    {"tanh", 1.5925374197228312, 1.5925374197228312, 1.4674135916307964},
    {"selu", 1, 1, 0.96602577697390202},
    {"gelu", 1.5335304411955353, 1.700926243363333, 1.4811144127083486},
    {"gelu_tanh", 1.5335805216661469, 1.7009165616954502, 1.4811680580933511},
    {"silu", 1.6765324703310909, 1.7871872221004417, 1.6233202579524977},
    {"elu:alpha=1", 1.2451983007007064, 1.2708434178501962, 1.2234285575526216},
    {"softplus:beta=1", 1.0418668355353018, 1.9191259801076539, 1.8462285453386058},
    {"mish", 1.4868475812732078, 1.592025381099446, 1.4447552325473201},
    {"hardtanh", 1.3920361404483101, 1.3920361404483101, 1.2102870624325222},
};

static void test_moments_reference(ilab_theory_workspace *w)
{
  static const ilab_theory_fn fns[] = {ILAB_THEORY_PHI, ILAB_THEORY_PHI_SQ, ILAB_THEORY_DPHI_SQ,
                                       ILAB_THEORY_H_PHI_DPHI};
  for (size_t i = 0; i < sizeof moments_ref / sizeof moments_ref[0]; i++)
    for (int k = 0; k < 4; k++) {
      double e, r = expect(w, moments_ref[i].spec, fns[k], moments_ref[i].q, 0, &e);
      double ref = moments_ref[i].m[k];
      if (fabs(ref) < 1e-12)
        ilab_test_abs(r, 0, 1e-10, "%s: E[f%d] at q = %g is 0", moments_ref[i].spec, k, moments_ref[i].q);
      else
        ilab_test_rel(r, ref, 1e-8, "%s: E[f%d] at q = %g against tanh-sinh", moments_ref[i].spec, k,
                      moments_ref[i].q);
      if (fabs(ref) >= 1e-12) /* the bound is relative to E|f|, unknown here but >= |E f| */
        ilab_test(e <= 1e-11 * fabs(r), "%s: E[f%d] error estimate %.3g within the tolerance",
                  moments_ref[i].spec, k, e);
    }
  for (size_t i = 0; i < sizeof gains_ref / sizeof gains_ref[0]; i++) {
    ilab_act a = act(gains_ref[i].spec);
    ilab_theory_gains g;
    ilab_test(ilab_theory_gain(w, &a, &g) == ILAB_OK, "%s: gains computed", gains_ref[i].spec);
    ilab_test_rel(g.second_moment, gains_ref[i].second, 1e-8, "%s: gain 1/sqrt E[phi^2]", gains_ref[i].spec);
    ilab_test_rel(g.gamma, gains_ref[i].gamma, 1e-8, "%s: gamma 1/sqrt Var phi", gains_ref[i].spec);
    ilab_test_rel(g.critical, gains_ref[i].critical, 1e-8, "%s: critical gain 1/sqrt E[phi'^2]",
                  gains_ref[i].spec);
  }
  /* Exact values: E[gelu(z)] = E[z Phi(z)] = E[phi(z)] = 1/(2 sqrt(pi)) by
   * Stein's lemma; E[relu(z)^2] = 1/2; relu's gamma 1/sqrt(1/2 - 1/(2 pi))
   * = 1.7128586 (NFNets' table lists 1.7139589, a sampling estimate off in
   * the 4th digit); their GELU 1.7015043 and SiLU 1.7881293 against
   * quadrature's 1.7009262 and 1.7871872 (Brock et al. 2021, as the issue
   * quotes them). */
  ilab_theory_gains g;
  ilab_act a = act("gelu");
  ilab_theory_gain(w, &a, &g);
  ilab_test_rel(g.mean, 0.5 / sqrt(3.14159265358979323846), 1e-12, "E[gelu(z)] = 1/(2 sqrt pi)");
  ilab_test_rel(g.gamma, 1.7009262, 1e-7, "gelu gamma 1.7009262");
  ilab_test(fabs(g.gamma - 1.7015043) > 5e-4, "gelu gamma is not NFNets' 1.7015043");
  a = act("relu");
  ilab_theory_gain(w, &a, &g);
  ilab_test_rel(g.second, 0.5, 1e-15, "E[relu(z)^2] = 1/2");
  ilab_test_rel(g.gamma, 1 / sqrt(0.5 - 0.5 / 3.14159265358979323846), 1e-14, "relu gamma 1/sqrt(1/2 - 1/(2 pi))");
  ilab_test_rel(g.gamma, 1.7128586, 1e-7, "relu gamma 1.7128586");
  ilab_test(fabs(g.gamma - 1.7139589) > 1e-3, "relu gamma is not NFNets' 1.7139589");
  ilab_test(g.critical == sqrt(2.0) && g.critical_sigma_b2 == 0 && g.chi1_second == 1,
            "relu: chi1 = 1 at q* = 1 is He's sigma_w2 = 2 without bias");
  a = act("silu");
  ilab_theory_gain(w, &a, &g);
  ilab_test_rel(g.gamma, 1.7871872, 1e-7, "silu gamma 1.7871872");
  a = act("linear");
  ilab_theory_gain(w, &a, &g);
  ilab_test(g.second_moment == 1 && g.gamma == 1 && g.critical == 1, "linear gains are 1");
}

/* The critical line by its fixed point against the root-finding search, and
 * the jumps that search must not mistake for a critical point. */
static void test_critical_line(ilab_theory_workspace *w)
{
  static const char *const specs[] = {"tanh", "selu", "gelu", "silu", "elu", "mish", "hardtanh", "sigmoid"};
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    ilab_act a = act(specs[i]);
    for (double q = 0.3; q < 5; q *= 3) {
      double sw2, sb2, slope, s, qs;
      ilab_test(ilab_theory_critical_at(w, &a, q, &sw2, &sb2, &slope) == ILAB_OK, "%s: critical_at", specs[i]);
      if (!(sb2 > 0) || !(slope < 1)) continue; /* unreachable, or a repelling q* the search cannot land on */
      ilab_theory_fixed fp;
      ilab_theory_fixed_point(w, &a, sw2, sb2, q, &fp);
      ilab_test_rel(fp.q_star, q, 1e-9, "%s: q* = %g is the fixed point of its line point", specs[i], q);
      ilab_test_rel(fp.chi1, 1, 1e-9, "%s: chi1 = 1 at q* = %g", specs[i], q);
      ilab_test_rel(fp.slope, slope, 1e-9, "%s: V'(q*) at q* = %g", specs[i], q);
      if (ilab_theory_critical(w, &a, sb2, q, &s, &qs) == ILAB_OK && !isnan(s))
        ilab_test_rel(s, sw2, 1e-8, "%s: the search finds the same sigma_w2 at sigma_b2 = %g", specs[i], sb2);
    }
  }
  ilab_test(ilab_theory_critical_at(w, &(ilab_act){.kind = ILAB_ACT_TANH}, 0, &(double){0}, &(double){0},
                                    &(double){0}) == ILAB_EINVAL, "q* = 0 is refused");
  /* gelu without bias: V(q)/q rises from sigma_w2/4 to sigma_w2/2, so from
   * q0 = 1 q_l falls to 0 below sigma_w2 = 1/E[gelu(z)^2] = 2.3517 and grows
   * without bound above it; chi1 jumps from sigma_w2/4 < 1 to sigma_w2/2 > 1
   * and there is no critical point.  The same for silu and mish. */
  static const char *const jumpers[] = {"gelu", "silu", "mish"};
  for (size_t i = 0; i < 3; i++) {
    ilab_act a = act(jumpers[i]);
    double s = 0, qs = 0;
    ilab_test(ilab_theory_critical(w, &a, 0, 1, &s, &qs) == ILAB_OK && isnan(s) && isnan(qs),
              "%s: no critical sigma_w2 without bias from q0 = 1 (got %g)", jumpers[i], s);
    ilab_theory_gains g;
    ilab_theory_gain(w, &a, &g);
    double s2 = g.second_moment * g.second_moment;
    ilab_theory_fixed lo, hi;
    ilab_theory_fixed_point(w, &a, s2 * (1 - 1e-6), 0, 1, &lo);
    ilab_theory_fixed_point(w, &a, s2 * (1 + 1e-6), 0, 1, &hi);
    ilab_test(lo.q_star == 0 && isinf(hi.q_star) && g.slope_second > 1,
              "%s: q = 1 repels at its second-moment gain (V'(1) = %g): q* 0 below, inf above",
              jumpers[i], g.slope_second);
  }
}

/* q* against the q-map iterated: the root search assumes the iteration is
 * monotone and lands on the nearest root; iterate V up to 4000 times and
 * compare where it settled (to 1e-11 relative) or left for 0 or inf. */
static void test_fixed_vs_iteration(ilab_theory_workspace *w)
{
  static const char *const specs[] = {"gelu", "gelu_tanh", "silu", "elu", "elu:alpha=0.3", "softplus",
                                      "softplus:beta=4", "mish", "hardtanh"};
  static const double sw2s[] = {0.8, 1.9, 2.6, 4.5}, sb2s[] = {0, 0.2}, q0s[] = {0.05, 1, 20};
  int checked = 0, agree = 0;
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    ilab_act a = act(specs[i]);
    for (size_t j = 0; j < 4; j++)
      for (size_t k = 0; k < 2; k++)
        for (size_t m = 0; m < 3; m++) {
          double sw2 = sw2s[j], sb2 = sb2s[k], q = q0s[m], e, err;
          int settled = 0, it, bad = 0;
          for (it = 0; it < 4000; it++) {
            if ((bad = ilab_theory_expect(w, &a, ILAB_THEORY_PHI_SQ, q, &e, &err))) break;
            double qn = sw2 * e + sb2;
            if (qn > 1e30 || qn < 1e-30 || fabs(qn - q) <= 1e-14 * q) { settled = 1; q = qn; break; }
            q = qn;
          }
          if (bad) {
            checked++;
            printf("FAIL-detail: %s %g %g %g: %s\n", specs[i], sw2, sb2, q0s[m], ilab_error_reason());
            continue;
          }
          if (!settled) continue; /* too slow: a marginal case, where q_l approaches q* as a power */
          ilab_theory_fixed fp;
          if (ilab_theory_fixed_point(w, &a, sw2, sb2, q0s[m], &fp) != ILAB_OK) {
            checked++;
            printf("FAIL-detail: %s %g %g %g: %s\n", specs[i], sw2, sb2, q0s[m], ilab_error_reason());
            continue;
          }
          checked++;
          int ok = q > 1e30 ? isinf(fp.q_star) : q < 1e-30 ? fp.q_star < 1e-20
                 : fabs(fp.q_star - q) <= 1e-10 * q;
          if (!ok)
            printf("FAIL-detail: %s sw2 %g sb2 %g q0 %g: iterated %.17g, found %.17g\n", specs[i], sw2,
                   sb2, q0s[m], q, fp.q_star);
          agree += ok;
        }
  }
  ilab_test(checked > 150 && agree == checked, "q* equals the iterated q-map in %d of %d cases", agree, checked);
}

/* A non-zero mean is passed on as variance: Var(H_2) = sigma_w2 E[x_1^2]
 * + sigma_b2, with E[x_1^2] = Var(x_1) + E[x_1]^2, for softplus (mean 0.81). */
static void test_mean_feeds_variance(ilab_theory_workspace *w)
{
  ilab_act a = act("softplus");
  size_t widths[3] = {7, 7, 7};
  double v[2] = {2.0 / 7, 2.0 / 7};
  ilab_theory_layer out[2];
  ilab_test(ilab_theory_network(w, &a, 2, widths, v, 0.1, 1, 1, out, NULL) == ILAB_OK, "softplus network");
  ilab_test_rel(out[1].h_var, 2 * out[0].x_sq + 0.1, 1e-15, "softplus: h_var[2] = sigma_w2 E[x_1^2] + sigma_b2");
  ilab_test_rel(out[0].x_sq, out[0].x_var + out[0].x_mean * out[0].x_mean, 1e-14,
                "softplus: E[x^2] = Var(x) + E[x]^2");
  ilab_test(out[0].x_mean > 0.8 && out[1].h_var > 2 * out[0].x_var + 1.2,
            "softplus: the mean's share (2 E[x]^2 = %.3g) is in h_var[2]", 2 * out[0].x_mean * out[0].x_mean);
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
  test_moments_reference(w);
  test_critical_line(w);
  test_fixed_vs_iteration(w);
  test_mean_feeds_variance(w);
  test_published(w);
  ilab_theory_workspace_free(w);
  ilab_theory_workspace_free(NULL);
  return ilab_test_summary();
}
