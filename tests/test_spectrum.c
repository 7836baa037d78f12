/* Tests of the spectrum module: the Jacobian's singular values against a
 * NumPy reference of the same networks (tests/spectrum_fixture.h, written by
 * scripts/spectrum_reference.py), the free-probability moments against
 * SciPy's quadrature, the theory against exact results (orthogonal linear
 * networks; the finite-width expectation for linear Gaussian ones; ReLU
 * extrapolated in 1/N), and one layer's W W^T against Marchenko-Pastur. */
#include "test.h"
#include "dist.h"
#include "ilab.h"
#include "linalg.h"
#include "moments.h"
#include "spectrum.h"
#include "spectrum_fixture.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>

/* The same networks as NumPy's: singular values within 1e-12 of the largest
 * (both are backward-stable SVDs of the same product; the product itself is
 * rounded differently, by a few ulps a layer). */
static void test_fixture(void)
{
  struct { const char *act; const double *u, *b, *x0, *sv; } cases[] = {
      {"tanh", fix_tanh_u, fix_tanh_b, fix_tanh_x0, fix_tanh_sv},
      {"relu", fix_relu_u, fix_relu_b, fix_relu_x0, fix_relu_sv},
      {"linear", fix_linear_u, fix_linear_b, fix_linear_x0, fix_linear_sv}};
  for (size_t c = 0; c < 3; c++) {
    ilab_act a;
    ilab_act_parse(cases[c].act, &a);
    ilab_spectrum *s = ilab_spectrum_alloc(FIX_N);
    ilab_spectrum_begin(s, cases[c].x0);
    for (size_t l = 0; l < FIX_L; l++) {
      int st = ilab_spectrum_layer(s, &a, cases[c].u + l * FIX_N * FIX_N, 1.0, cases[c].b + l * FIX_N);
      double err = 0;
      const double *want = cases[c].sv + l * FIX_N;
      for (size_t k = 0; k < FIX_N; k++) err = fmax(err, fabs(s->sv[k] - want[k]));
      ilab_test(st == ILAB_OK && err <= 1e-12 * fmax(1, want[0]),
                "%s layer %zu: singular values as NumPy's (max difference %g, largest %g)", cases[c].act,
                l + 1, err, want[0]);
    }
    ilab_spectrum_free(s);
  }
}

/* q*, mu_1, mu_2 against SciPy (quad at relative 1e-13, brentq): 1e-9
 * relative, the root finder's tolerance in theory.c being the looser. */
static void test_moments(void)
{
  const double *cases[] = {fix_mom_tanh_1p1025, fix_mom_tanh_1p5};
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  ilab_act a;
  ilab_act_parse("tanh", &a);
  for (size_t i = 0; i < 2; i++) {
    const double *f = cases[i];
    ilab_spectrum_theory t;
    ilab_test_int(ilab_spectrum_predict(w, &a, f[0], f[1], 0, &t), ILAB_OK, "predict tanh %g", f[0]);
    ilab_test_rel(t.q_star, f[2], 1e-9, "tanh sigma_w2 = %g: q* as SciPy's", f[0]);
    ilab_test_rel(t.mu1, f[3], 1e-9, "tanh sigma_w2 = %g: mu_1 as SciPy's", f[0]);
    ilab_test_rel(t.mu2, f[4], 1e-9, "tanh sigma_w2 = %g: mu_2 as SciPy's", f[0]);
  }
  /* E[phi'^4]: quadrature against the closed forms (relu 1/2, leaky relu
   * (1 + a^4)/2), to its requested 1e-12 relative */
  const char *pl[] = {"relu", "leaky_relu:slope=0.3"};
  const double want4[] = {0.5, 0.5 * (1 + 0.3 * 0.3 * 0.3 * 0.3)};
  for (int k = 0; k < 2; k++) {
    double r, e;
    ilab_act_parse(pl[k], &a);
    ilab_theory_expect_quad(w, &a, ILAB_THEORY_DPHI_4, 0.7, &r, &e);
    ilab_test_rel(r, want4[k], 1e-11, "E[phi'(h)^4] of %s by quadrature", pl[k]);
    ilab_theory_expect(w, &a, ILAB_THEORY_DPHI_4, 0.7, &r, &e);
    ilab_test_rel(r, want4[k], 1e-15, "E[phi'(h)^4] of %s in closed form", pl[k]);
  }
  /* the closed cases of the formula: ReLU 2l and l, linear Gaussian l */
  ilab_spectrum_theory t;
  ilab_act_parse("relu", &a);
  ilab_spectrum_predict(w, &a, 2, 0, -1, &t);
  ilab_test_rel(ilab_spectrum_var_theory(&t, 7), 14, 1e-14, "ReLU Gaussian: Var = 2l");
  ilab_spectrum_predict(w, &a, 2, 0, 0, &t);
  ilab_test_rel(ilab_spectrum_var_theory(&t, 7), 7, 1e-14, "ReLU orthogonal: Var = l");
  ilab_test_rel(ilab_spectrum_mean_theory(&t, 7), 1, 1e-14, "ReLU at He: mean 1");
  ilab_act_parse("linear", &a);
  ilab_spectrum_predict(w, &a, 1, 0, -1, &t);
  ilab_test_rel(ilab_spectrum_var_theory(&t, 7), 7, 1e-14, "linear Gaussian: Var = l (Fuss-Catalan)");
  ilab_spectrum_predict(w, &a, 1.21, 0, -1, &t);
  ilab_test_rel(ilab_spectrum_mean_theory(&t, 3), pow(1.21, 3), 1e-14, "linear at sigma_w2 = 1.21: mean 1.21^l");
  ilab_theory_workspace_free(w);
}

static ilab_spectrum_theory last_theory; /* the prediction of the last run */

static int run(const char *act, const char *scheme, size_t L, size_t n, size_t T, unsigned long seed,
               ilab_spectrum_row *rows)
{
  ilab_spectrum_job j;
  memset(&j, 0, sizeof j);
  ilab_act_parse(act, &j.act);
  ilab_scheme_parse(scheme, &j.scheme);
  j.depth = L;
  j.width = n;
  j.trials = T;
  j.seed = seed;
  j.rng_type = gsl_rng_mt19937;
  j.rows = rows;
  int st = ilab_spectrum_run(&j);
  last_theory = j.theory;
  return st;
}

/* mean and standard error over T trials of field f of layer l */
static void over_trials(const ilab_spectrum_row *rows, size_t L, size_t T, size_t l, int var,
                        double *m, double *se)
{
  double s = 0, s2 = 0;
  for (size_t t = 0; t < T; t++) s += var ? rows[t * L + l - 1].sq_var : rows[t * L + l - 1].sq_mean;
  *m = s / (double)T;
  for (size_t t = 0; t < T; t++) {
    double v = (var ? rows[t * L + l - 1].sq_var : rows[t * L + l - 1].sq_mean) - *m;
    s2 += v * v;
  }
  *se = sqrt(s2 / (double)(T - 1) / (double)T);
}

/* Orthogonal linear networks are isometries: every singular value is 1. */
static void test_orthogonal_linear(void)
{
  enum { L = 6, T = 2 };
  ilab_spectrum_row rows[L * T];
  ilab_test_int(run("linear", "orthogonal", L, 32, T, 3, rows), ILAB_OK, "orthogonal linear runs");
  int ok = 1;
  for (size_t i = 0; i < L * T; i++)
    ok &= fabs(rows[i].sv_min - 1) < 1e-12 && fabs(rows[i].sv_max - 1) < 1e-12 && rows[i].sq_var < 1e-24;
  ilab_test(ok, "orthogonal linear: every singular value is 1 within 1e-12");
}

/* Linear Gaussian, width N, Var(W) = 1/N: with A = J_{l-1} J_{l-1}^T,
 * m_1 = tr A/N, m_2 = tr A^2/N, Wick's theorem gives exactly
 *   E[m_2'] = E[m_1^2] + (1 + 1/N) E[m_2],  E[m_1'^2] = E[m_1^2] + 2 E[m_2]/N^2,
 * from m_1 = m_2 = 1 at l = 0, so E[sq_var_l] = E[m_2] - E[m_1^2] exactly at
 * this N (-> l as N grows), and E[sq_mean_l] = 1.  Over T = 100 trials the
 * z-score uses the trials' own standard error; |z| <= 4 per layer. */
static void test_linear_gaussian(void)
{
  enum { L = 6, N = 64, T = 100 };
  static ilab_spectrum_row rows[L * T];
  ilab_test_int(run("linear", "lecun_normal", L, N, T, 11, rows), ILAB_OK, "linear Gaussian runs");
  double a = 1, b = 1; /* E[m_1^2], E[m_2] */
  for (size_t l = 1; l <= L; l++) {
    double a2 = a + 2 * b / ((double)N * N), b2 = a + (1 + 1.0 / N) * b;
    a = a2;
    b = b2;
    double m, se;
    over_trials(rows, L, T, l, 1, &m, &se);
    ilab_test_z((m - (b - a)) / se, 4, "linear Gaussian N = %d, l = %zu: E[sq_var] = %.5f exactly (measured %.5f)", N, l, b - a, m);
    over_trials(rows, L, T, l, 0, &m, &se);
    ilab_test_z((m - 1) / se, 4, "linear Gaussian l = %zu: E[sq_mean] = 1", l);
  }
}

/* ReLU at He scale: the theory (2l Gaussian, l orthogonal) is the N -> inf
 * limit, and the finite-width bias is O(1/N) (measured: +0.86 at N = 64,
 * +0.21 at N = 256 for l = 4, Gaussian).  Richardson's extrapolation
 * 2 v(2N) - v(N) removes it, leaving O(1/N^2) (for linear Gaussian networks,
 * whose exact values are above, it leaves -0.001 at l = 4, N = 64).  z with
 * the two runs' standard errors combined, |z| <= 4.  A wrong s_1 (l instead
 * of 2l) is many standard errors away. */
static void test_relu(void)
{
  enum { L = 4, T = 120 };
  static ilab_spectrum_row r1[L * T], r2[L * T];
  const char *schemes[] = {"he_normal", "orthogonal:gain=1.4142135623730951"};
  for (int k = 0; k < 2; k++) {
    run("relu", schemes[k], L, 48, T, 100 + k, r1);
    run("relu", schemes[k], L, 96, T, 200 + k, r2);
    for (size_t l = 2; l <= L; l += 2) {
      double m1, se1, m2, se2, want = ilab_spectrum_var_theory(&last_theory, l);
      ilab_test_rel(want, (k == 0 ? 2.0 : 1.0) * (double)l, 1e-13, "ReLU %s: the run predicts %s", schemes[k],
                    k == 0 ? "2l" : "l");
      over_trials(r1, L, T, l, 1, &m1, &se1);
      over_trials(r2, L, T, l, 1, &m2, &se2);
      double ext = 2 * m2 - m1, se = sqrt(4 * se2 * se2 + se1 * se1);
      ilab_test_z((ext - want) / se, 4, "ReLU %s l = %zu: sq_var extrapolated to N = inf %.3f (N = 48: %.3f, 96: %.3f) vs %g",
                  schemes[k], l, ext, m1, m2, want);
      ilab_test(fabs(ext - want / (k == 0 ? 2.0 : 0.5)) / se > 4,
                "ReLU %s l = %zu: the other weights' prediction (%g) is rejected", schemes[k], l,
                want / (k == 0 ? 2.0 : 0.5));
    }
  }
}

/* Marchenko-Pastur: the eigenvalues of W W^T, W m x n with iid entries of
 * variance 1/n, ratio c = m/n <= 1, have density
 * sqrt((b - x)(x - a))/(2 pi c x) on [a, b] = [(1 - sqrt c)^2, (1 + sqrt c)^2].
 * K = 20 matrices of 100 x 200 pooled (2000 eigenvalues) against it by KS,
 * p > 1e-3.  The p-value treats the eigenvalues as independent; they repel,
 * which makes D smaller than for independent draws, so the test is
 * conservative; the finite-size bias of the empirical cdf is O(1/m).  A 20%
 * variance error must fail it. */
static double mp_density(double x, void *p)
{
  double c = *(double *)p, a = (1 - sqrt(c)) * (1 - sqrt(c)), b = (1 + sqrt(c)) * (1 + sqrt(c));
  return x <= a || x >= b ? 0 : sqrt((b - x) * (x - a)) / (2 * M_PI * c * x);
}

static double mp_ks(const char *scheme, double var_factor, unsigned long seed)
{
  enum { M = 100, N = 200, K = 20 };
  static double w[M * N], sv[M], ev[M * K];
  ilab_scheme s;
  ilab_dist d;
  ilab_scheme_parse(scheme, &s);
  ilab_scheme_resolve(&s, N, M, &d);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  double scale = sqrt(var_factor / ((double)N * ilab_dist_central_moment(&d, 2)));
  for (size_t k = 0; k < K; k++) {
    ilab_dist_sample(r, &d, w, M * N);
    for (size_t i = 0; i < M * N; i++) w[i] *= scale;
    ilab_linalg_singular_values(w, M, N, sv);
    for (size_t i = 0; i < M; i++) ev[k * M + i] = sv[i] * sv[i];
  }
  gsl_rng_free(r);
  gsl_sort(ev, 1, M * K);
  double c = (double)M / N, a = (1 - sqrt(c)) * (1 - sqrt(c)), F = 0, prev = a, D = 0, res, err;
  gsl_integration_workspace *iw = gsl_integration_workspace_alloc(200);
  gsl_function f = {mp_density, &c};
  for (size_t i = 0; i < M * K; i++) {
    double x = ev[i];
    if (x > prev) {
      gsl_integration_qags(&f, prev, x, 1e-13, 1e-10, 200, iw, &res, &err);
      F += res;
      prev = x;
    }
    D = fmax(D, fmax(F - (double)i / (M * K), (double)(i + 1) / (M * K) - F));
  }
  gsl_integration_workspace_free(iw);
  return ilab_moments_ks_p(D, M * K);
}

static void test_marchenko_pastur(void)
{
  double p;
  p = mp_ks("lecun_normal", 1, 5);
  ilab_test(p > 1e-3, "Marchenko-Pastur, Gaussian weights: KS p = %g", p);
  p = mp_ks("lecun_uniform", 1, 6);
  ilab_test(p > 1e-3, "Marchenko-Pastur, uniform weights: KS p = %g", p);
  p = mp_ks("lecun_normal", 1.2, 7);
  ilab_test(p < 1e-3, "Marchenko-Pastur rejects a 20%% variance error: KS p = %g", p);
}

int main(void)
{
  test_fixture();
  test_moments();
  test_orthogonal_linear();
  test_linear_gaussian();
  test_relu();
  test_marchenko_pastur();
  return ilab_test_summary();
}
