/* Tests of the linalg module: QR and singular values against exact answers,
 * Haar-ness of the sign-corrected orthogonal draws (and its absence without
 * the correction), and the exact entry laws of the matrix ensembles. */
#include "test.h"
#include "dist.h"
#include "ilab.h"
#include "linalg.h"
#include "moments.h"
#include "scheme.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>

/* max |A^T A - I| over an m x n row-major matrix (columns) or |A A^T - I| (rows) */
static double orth_err(const double *a, size_t m, size_t n, int rows)
{
  double e = 0;
  size_t k = rows ? m : n, len = rows ? n : m;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++) {
      double s = 0;
      for (size_t t = 0; t < len; t++)
        s += rows ? a[i * n + t] * a[j * n + t] : a[t * n + i] * a[t * n + j];
      e = fmax(e, fabs(s - (i == j)));
    }
  return e;
}

static void test_shapes(gsl_rng *r)
{
  /* orthonormality to 1e-13: rounding of a Householder QR is O(n eps) */
  size_t shapes[][2] = {{7, 7}, {9, 4}, {4, 9}, {1, 5}, {5, 1}, {64, 64}};
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    size_t m = shapes[k][0], n = shapes[k][1];
    double *q = malloc(m * n * sizeof *q);
    ilab_test_int(ilab_linalg_haar(r, m, n, q), ILAB_OK, "haar %zu x %zu", m, n);
    ilab_test_abs(orth_err(q, m, n, m < n), 0, 1e-13, "haar %zu x %zu has orthonormal %s", m, n,
                  m < n ? "rows" : "columns");
    free(q);
  }
  double q[4];
  ilab_test_int(ilab_linalg_haar(r, 0, 3, q), ILAB_EINVAL, "haar of a zero size is rejected");
  ilab_test_int(ilab_linalg_qr(q, 1, 2, q), ILAB_EINVAL, "QR needs m >= n");
  ilab_error_clear();
}

/* Haar: over T draws of n x n, the diagonal's mean sum(tr Q)/(nT) has mean 0
 * and sd 1/(n sqrt T), since Var(tr Q) = 1 for Haar O(n), n >= 2 (Diaconis
 * & Shahshahani 1994: the moments of tr Q up to order n are those of
 * N(0, 1)), so z = sum(tr Q)/sqrt(T); also E[(tr Q)^2] = 1 with
 * Var((tr Q)^2) = E tr^4 - 1 = 2 (n >= 4), and one entry's fourth moment
 * E[Q_11^4] = 3/(n(n+2)) with Var = E[Q_11^8] - E[Q_11^4]^2 from the Beta
 * law.  Every z within 4 (two-sided p = 6e-5 each).  Without the sign
 * correction Q_11 = -|a_11|/|a_1| < 0 always: the diagonal's mean is about
 * -sqrt(2/(pi n)) ~ -0.28 at n = 8, z ~ -0.28 n sqrt(T) ~ -100, and the test
 * must see it (|z| > 4). */
static void test_haar(gsl_rng *r)
{
  const size_t n = 8, T = 2000;
  double a[64], d[8], tr = 0, tr2 = 0, x4 = 0, tr_raw = 0;
  double *q11 = malloc(T * sizeof *q11);
  ilab_dist law;
  ilab_dist_haar(&law, 1.0, (double)n);
  gsl_rng_set(r, 20261129);
  for (size_t t = 0; t < T; t++) {
    ilab_linalg_haar(r, n, n, a);
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i * n + i];
    tr += s;
    tr2 += s * s;
    x4 += pow(a[0], 4);
    q11[t] = a[0];
  }
  gsl_rng_set(r, 20261129);
  for (size_t t = 0; t < T; t++) {
    for (size_t i = 0; i < n * n; i++) a[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    ilab_linalg_qr(a, n, n, d);
    for (size_t i = 0; i < n; i++) tr_raw += a[i * n + i];
  }
  double dT = (double)T;
  ilab_test_z(tr / sqrt(dT), 4, "Haar: the diagonal's mean is 0 (T = %zu draws of %zu x %zu)", T, n, n);
  ilab_test_z((tr2 / dT - 1) / sqrt(2 / dT), 4, "Haar: E[(tr Q)^2] = 1");
  double m4 = ilab_dist_raw_moment(&law, 4), m8 = ilab_dist_raw_moment(&law, 8);
  ilab_test_rel(m4, 3.0 / (n * (n + 2.0)), 1e-14, "E[x^4] = 3/(n(n+2))");
  ilab_test_z((x4 / dT - m4) / sqrt((m8 - m4 * m4) / dT), 4, "Haar: E[Q_11^4] = 3/(n(n+2))");
  /* KS of Q_11 (one entry a matrix: independent) against its exact cdf */
  gsl_sort(q11, 1, T);
  double D = 0;
  for (size_t t = 0; t < T; t++) {
    double F = ilab_dist_cdf(&law, q11[t]);
    D = fmax(D, fmax(F - (double)t / dT, (double)(t + 1) / dT - F));
  }
  ilab_test(ilab_moments_ks_p(D, T) > 1e-4, "Haar: Q_11 follows sqrt(Beta(1/2, 7/2)) with a fair sign (KS D = %g, p = %g)",
            D, ilab_moments_ks_p(D, T));
  double z_raw = tr_raw / sqrt(dT);
  ilab_test(z_raw < -4, "QR without the sign correction fails the diagonal test (z = %.1f)", z_raw);
  free(q11);
}

/* Non-square draws: the first k columns of a Haar O(m) matrix (or the
 * transpose).  Flipping the sign of row i leaves the law alone and negates
 * Q_ii only, so E[Q_ii] = 0 and E[Q_ii Q_jj] = 0 (i != j): the sum of the
 * k diagonal entries has variance k/m (E[Q_ii^2] = 1/m), and over T draws
 * z = sum/sqrt(T k/m), |z| <= 4.  Both orientations. */
static void test_haar_rect(gsl_rng *r)
{
  enum { M = 12, K = 5, T = 1500 };
  double q[M * K];
  gsl_rng_set(r, 99);
  for (int o = 0; o < 2; o++) {
    double sum = 0;
    for (size_t t = 0; t < T; t++) {
      if (o == 0) ilab_linalg_haar(r, M, K, q); else ilab_linalg_haar(r, K, M, q);
      for (size_t j = 0; j < K; j++) sum += o == 0 ? q[j * K + j] : q[j * M + j];
    }
    ilab_test_z(sum / sqrt((double)T * K / M), 4, "Haar %s: the diagonal's mean is 0 (T = %d)",
                o == 0 ? "12 x 5" : "5 x 12", T);
  }
}

/* Singular values of U diag(s) V^T, U and V orthogonal, are s, to 1e-12
 * relative (dgesdd is backward stable: errors of order eps |A|). */
static void test_svd(gsl_rng *r)
{
  enum { M = 12, N = 7 };
  double u[M * N], v[N * N], a[M * N], s[N], want[N] = {9, 5, 3, 2.5, 1, 0.5, 0.25};
  ilab_linalg_haar(r, M, N, u);
  ilab_linalg_haar(r, N, N, v);
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < N; j++) {
      double t = 0;
      for (size_t k = 0; k < N; k++) t += u[i * N + k] * want[k] * v[j * N + k];
      a[i * N + j] = t;
    }
  ilab_test_int(ilab_linalg_singular_values(a, M, N, s), ILAB_OK, "svd runs");
  for (size_t k = 0; k < N; k++) ilab_test_rel(s[k], want[k], 1e-12, "singular value %zu", k);
  a[3] = NAN;
  ilab_test_int(ilab_linalg_singular_values(a, M, N, s), ILAB_EMATH, "svd of a NaN matrix is refused");
  ilab_error_clear();
}

/* The unit matrices: identity has ones on its diagonal; iid families draw the
 * same numbers as ilab_dist_sample_unit on the same stream. */
static void test_unit(gsl_rng *r)
{
  ilab_dist d;
  double u[12], w[12];
  ilab_dist_identity(&d, 2.0, 4);
  ilab_linalg_unit_matrix(r, &d, 3, 4, u);
  int ok = 1;
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 4; j++) ok &= u[i * 4 + j] == (i == j);
  ilab_test(ok, "identity unit matrix 3 x 4");
  ilab_dist_normal(&d, 3.0);
  gsl_rng_set(r, 7);
  ilab_linalg_unit_matrix(r, &d, 3, 4, u);
  gsl_rng_set(r, 7);
  ilab_dist_sample_unit(r, &d, w, 12);
  ilab_test(!memcmp(u, w, sizeof u), "normal unit matrix = iid unit draws");
}

/* The entry laws: moments against integrals of the pdf, the cdf against the
 * integral of the pdf (quadrature to 1e-10), and the schemes' variances. */
static double pdf_pow(double x, void *p)
{
  const ilab_dist *d = ((const void **)p)[0];
  int k = *(const int *)((const void **)p)[1];
  return pow(x, k) * ilab_dist_pdf(d, x);
}

static void test_laws(void)
{
  gsl_integration_workspace *iw = gsl_integration_workspace_alloc(1000);
  double dims[] = {4, 5, 30};
  for (size_t i = 0; i < 3; i++) {
    ilab_dist d;
    ilab_dist_haar(&d, 1.5, dims[i]);
    for (int k = 2; k <= 8; k += 2) {
      const void *p[2] = {&d, &k};
      gsl_function F = {pdf_pow, p};
      double res, err;
      gsl_integration_qags(&F, -1.5, 1.5, 0, 1e-12, 1000, iw, &res, &err);
      ilab_test_rel(ilab_dist_raw_moment(&d, k), res, 1e-10, "Haar n = %g: E[x^%d] against the pdf", dims[i], k);
    }
    int k0 = 0;
    const void *p[2] = {&d, &k0};
    gsl_function F = {pdf_pow, p};
    double res, err;
    gsl_integration_qags(&F, -1.5, 0.4, 0, 1e-12, 1000, iw, &res, &err);
    ilab_test_rel(ilab_dist_cdf(&d, 0.4), res, 1e-10, "Haar n = %g: cdf(0.4) against the pdf", dims[i]);
  }
  gsl_integration_workspace_free(iw);
  ilab_dist d;
  ilab_dist_identity(&d, 2.0, 5);
  ilab_test_rel(ilab_dist_raw_moment(&d, 2), 4.0 / 5, 1e-15, "identity: E[x^2] = gain^2/n");
  ilab_test_rel(ilab_dist_central_moment(&d, 2), 4.0 / 5 - 0.16, 1e-14, "identity: variance");
  ilab_scheme s;
  ilab_test_int(ilab_scheme_parse("orthogonal:gain=2", &s), ILAB_OK, "orthogonal:gain=2 parses");
  ilab_test_rel(ilab_scheme_variance(&s, 300, 100), 4.0 / 300, 1e-15, "orthogonal: Var = gain^2/max(fans)");
  ilab_test_int(ilab_scheme_parse("identity:gain=0.5", &s), ILAB_OK, "identity:gain=0.5 parses");
  ilab_test_rel(ilab_scheme_variance(&s, 100, 400), 0.25 / 400, 1e-15, "identity: mean square gain^2/max(fans)");
  ilab_test_int(ilab_scheme_parse("orthogonal:std=1", &s), ILAB_EPARSE, "orthogonal takes no std");
  ilab_error_clear();
}

int main(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  test_shapes(r);
  test_haar(r);
  test_haar_rect(r);
  test_svd(r);
  test_unit(r);
  test_laws();
  gsl_rng_free(r);
  return ilab_test_summary();
}
