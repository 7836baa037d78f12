/* QR, Haar-distributed orthogonal matrices and singular values, through LAPACKE. */
#include "linalg.h"
#include "ilab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include <gsl/gsl_randist.h>

int ilab_linalg_qr(double *a, size_t m, size_t n, double *r_diag)
{
  if (n == 0 || m < n) ILAB_ERROR(ILAB_EINVAL, "QR of a %zu x %zu matrix: need m >= n >= 1", m, n);
  double *tau = malloc(n * sizeof *tau);
  if (!tau) ILAB_ERROR(ILAB_ENOMEM, "out of memory for a QR of %zu x %zu", m, n);
  lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, a, (lapack_int)n, tau);
  if (info == 0) {
    for (size_t j = 0; j < n; j++) r_diag[j] = a[j * n + j];
    info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)n, a,
                          (lapack_int)n, tau);
  }
  free(tau);
  if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
    ILAB_ERROR(ILAB_ENOMEM, "out of memory in LAPACK's QR of %zu x %zu", m, n);
  if (info != 0) ILAB_ERROR(ILAB_EMATH, "LAPACK's QR of %zu x %zu failed (info %d)", m, n, (int)info);
  return ILAB_OK;
}

int ilab_linalg_haar(const gsl_rng *r, size_t m, size_t n, double *q)
{
  if (m == 0 || n == 0) ILAB_ERROR(ILAB_EINVAL, "orthogonal matrix of %zu x %zu", m, n);
  size_t big = m >= n ? m : n, small = m >= n ? n : m;
  double *a = m >= n ? q : malloc(big * small * sizeof *a);
  double *d = malloc(small * sizeof *d);
  if (!a || !d) {
    if (a != q) free(a);
    free(d);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for an orthogonal %zu x %zu matrix", m, n);
  }
  for (size_t i = 0; i < big * small; i++) a[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
  int st = ilab_linalg_qr(a, big, small, d);
  if (!st) {
    /* Mezzadri's correction: Q diag(sign R_jj).  R_jj = 0 has probability 0. */
    for (size_t i = 0; i < big; i++)
      for (size_t j = 0; j < small; j++)
        if (d[j] < 0) a[i * small + j] = -a[i * small + j];
    if (m < n) /* q = Q^T, m x n */
      for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) q[i * n + j] = a[j * small + i];
  }
  if (a != q) free(a);
  free(d);
  return st;
}

int ilab_linalg_singular_values(const double *a, size_t m, size_t n, double *s)
{
  if (m == 0 || n == 0) ILAB_ERROR(ILAB_EINVAL, "singular values of a %zu x %zu matrix", m, n);
  for (size_t i = 0; i < m * n; i++)
    if (!isfinite(a[i]))
      ILAB_ERROR(ILAB_EMATH, "singular values of a %zu x %zu matrix with an entry %g", m, n, a[i]);
  double *c = malloc(m * n * sizeof *c);
  if (!c) ILAB_ERROR(ILAB_ENOMEM, "out of memory for the SVD of %zu x %zu", m, n);
  memcpy(c, a, m * n * sizeof *c);
  /* A row-major m x n matrix is its n x m transpose in column-major order,
   * with the same singular values: no transposed copy inside LAPACKE. */
  double dummy = 0;
  lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (lapack_int)n, (lapack_int)m, c,
                                   (lapack_int)n, s, &dummy, 1, &dummy, 1);
  free(c);
  if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
    ILAB_ERROR(ILAB_ENOMEM, "out of memory in LAPACK's SVD of %zu x %zu", m, n);
  if (info != 0) ILAB_ERROR(ILAB_EMATH, "LAPACK's SVD of %zu x %zu failed (info %d)", m, n, (int)info);
  return ILAB_OK;
}

int ilab_linalg_unit_matrix(const gsl_rng *r, const ilab_dist *d, size_t rows, size_t cols,
                            double *u)
{
  switch (d->kind) {
  case ILAB_DIST_HAAR: return ilab_linalg_haar(r, rows, cols, u);
  case ILAB_DIST_IDENTITY:
    for (size_t i = 0; i < rows; i++)
      for (size_t j = 0; j < cols; j++) u[i * cols + j] = i == j ? 1.0 : 0.0;
    return ILAB_OK;
  default:
    ilab_dist_sample_unit(r, d, u, rows * cols);
    return ILAB_OK;
  }
}
