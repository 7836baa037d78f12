/* The few dense factorizations initlab needs (QR, singular values), through
 * LAPACKE over OpenBLAS, and the matrix ensembles built on them. */
#ifndef ILAB_LINALG_H
#define ILAB_LINALG_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "dist.h"

/* QR of the row-major m x n matrix a, m >= n >= 1, by Householder reflections
 * (LAPACK's dgeqrf, then dorgqr): a = Q R.  On return a holds Q (m x n,
 * Q^T Q = I_n) and r_diag[0..n-1] the diagonal of R, whose signs LAPACK
 * leaves as its reflections make them (R_jj = -sign(a_jj) |...|), so that Q
 * of a Gaussian matrix is not Haar-distributed without a correction.
 * ILAB_EINVAL for m < n or n = 0, ILAB_ENOMEM, ILAB_EMATH if LAPACK fails. */
int ilab_linalg_qr(double *a, size_t m, size_t n, double *r_diag);

/* A Haar-distributed m x n matrix q (row-major): orthonormal columns
 * (q^T q = I_n) if m >= n, orthonormal rows (q q^T = I_m) otherwise, as
 * PyTorch's orthogonal_ makes them.  Draws a max(m,n) x min(m,n) matrix A of
 * iid N(0, 1) from r (row by row), factors A = QR and multiplies column j of
 * Q by the sign of R_jj (Mezzadri 2007, "How to generate random matrices
 * from the classical compact groups", Notices AMS 54: the factorization with
 * R_jj > 0 is unique, which makes Q Haar); q = Q, or Q^T if m < n.
 * ILAB_EINVAL for a zero size, ILAB_ENOMEM, ILAB_EMATH. */
int ilab_linalg_haar(const gsl_rng *r, size_t m, size_t n, double *q);

/* The singular values of the row-major m x n matrix a (not changed) in
 * decreasing order into s[0..min(m,n)-1], by LAPACK's dgesdd without vectors.
 * ILAB_EINVAL for a zero size, ILAB_ENOMEM, ILAB_EMATH if it does not
 * converge or a is not finite. */
int ilab_linalg_singular_values(const double *a, size_t m, size_t n, double *s);

/* The unit matrix of d's family for a layer with these fans, rows x cols
 * row-major (rows = fan_in, cols = fan_out, as the network multiplies
 * H = X W): Haar (ilab_linalg_haar), identity (ones on the diagonal), or
 * rows*cols iid unit draws (ilab_dist_sample_unit).  The weights are d's
 * scale times it.  Errors as ilab_linalg_haar. */
int ilab_linalg_unit_matrix(const gsl_rng *r, const ilab_dist *d, size_t rows, size_t cols,
                            double *u);

#endif
