/* The input-output Jacobian of a deep network, built up layer by layer, its
 * singular values, and what free probability predicts for them (Pennington,
 * Schoenholz & Ganguli 2017, "Resurrecting the sigmoid in deep learning
 * through dynamical isometry"; 2018, "The emergence of spectral universality
 * in deep networks"). */
#ifndef ILAB_SPECTRUM_H
#define ILAB_SPECTRUM_H

#include <signal.h>
#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "act.h"
#include "scheme.h"
#include "theory.h"

/* One network of constant width n at one input, stepped a layer at a time:
 * with x_0 given and J_0 = I, layer l computes h_l = W_l x_{l-1} + b_l,
 * D_l = diag phi'(h_l), J_l = D_l W_l J_{l-1} = dx_l/dx_0, x_l = phi(h_l),
 * and the singular values of J_l. */
typedef struct {
  size_t n;
  double *J, *T;  /* n x n row-major: J_l and scratch */
  double *x, *h;  /* x_{l-1} (then x_l) and h_l */
  double *sv;     /* the n singular values of J_l, decreasing */
} ilab_spectrum;

/* NULL (with a reason recorded) when out of memory or n = 0. */
ilab_spectrum *ilab_spectrum_alloc(size_t n);
void ilab_spectrum_free(ilab_spectrum *s); /* NULL is a no-op */

/* J_0 = I, x_0 = x0[0..n-1]. */
void ilab_spectrum_begin(ilab_spectrum *s, const double *x0);

/* One layer with W_l = scale * unit^T, where unit is n x n row-major in the
 * networks' layout (H = X unit, see mlp.h), bias b (NULL: none).  Fills
 * s->sv.  ILAB_EMATH if J_l is no longer finite (an exploding network: the
 * caller records it) or the SVD fails, ILAB_ENOMEM. */
int ilab_spectrum_layer(ilab_spectrum *s, const ilab_act *a, const double *unit, double scale,
                        const double *b);

/* The free-probability prediction for J_l at the fixed point q* of the
 * variance map, with sigma_w2 = n Var(W):
 *   mu_k = E_z[(sigma_w2 phi'(sqrt(q*) z)^2)^k],
 *   mean of the squared singular values  m_l = mu_1^l  (= chi_1^l),
 *   their variance  v_l = mu_1^(2l) l (mu_2/mu_1^2 - 1 - s_1),
 * because S-transforms multiply over free factors, and a factor's S(z) =
 * (1 - v z + ...)/m_1 adds its normalized variance v to the product's:
 * D_l^2 brings mu_2/mu_1^2 - 1 and W_l W_l^T (normalized) brings -s_1, with
 * s_1 = -1 for iid weights (Marchenko-Pastur, S(z) = 1/(1 + z)) and 0 for
 * orthogonal ones.  ReLU at sigma_w2 = 2: v_l = 2l Gaussian, l orthogonal;
 * linear Gaussian at 1: l (Fuss-Catalan).  Exact as n -> infinity. */
typedef struct {
  double sigma_w2;
  double q_star;   /* the fixed point reached from q = 1 (theory.h) */
  double mu1, mu2;
  double s1;       /* NaN: no prediction (identity or constant weights, which
                      are not free of the D_l) */
} ilab_spectrum_theory;

/* ILAB_EINVAL, ILAB_EMATH as ilab_theory_fixed_point. */
int ilab_spectrum_predict(ilab_theory_workspace *w, const ilab_act *a, double sigma_w2,
                          double sigma_b2, double s1, ilab_spectrum_theory *t);
double ilab_spectrum_mean_theory(const ilab_spectrum_theory *t, size_t l);
double ilab_spectrum_var_theory(const ilab_spectrum_theory *t, size_t l);

/* s_1 of a scheme's weights: -1 iid, 0 orthogonal, NaN otherwise. */
double ilab_spectrum_s1(const ilab_scheme *s);

/* Runs trials of one network (act, scheme, depth L, width n, sigma_b2) on the
 * keyed streams the sweep uses (sweep.h): layer l of trial t is the network
 * 'initlab run' builds for a constant width n and the same seed, and the
 * input is x_0 = phi(sqrt(q*) z), z ~ N(0, I) from the input stream, so
 * every h_l has variance q* (on the fixed point; q = 1 where q* is 0 or
 * infinite).  Per (trial, layer), rows of res[(t * L + l - 1)]. */
typedef struct {
  double sq_mean, sq_var; /* mean and variance (over the n values) of sv^2 */
  double sv_min, sv_max;
  int finite;             /* 0 when J_l overflowed: the other fields are NaN */
} ilab_spectrum_row;

typedef struct {
  ilab_act act;
  ilab_scheme scheme;
  size_t depth, width, trials;
  double sigma_b2;
  unsigned long seed;
  const gsl_rng_type *rng_type;
  volatile sig_atomic_t *stop; /* may be NULL */
  ilab_spectrum_row *rows;     /* out: trials * depth rows, allocated by the caller */
  double *values;              /* out, optional: trials * depth * width singular values */
  ilab_spectrum_theory theory; /* out */
} ilab_spectrum_job;

/* ILAB_EINVAL for a scheme that does not resolve or a zero size, ILAB_ENOMEM,
 * ILAB_EINTR if *stop was set.  A network whose Jacobian overflows is a
 * result (rows with finite = 0), not an error. */
int ilab_spectrum_run(ilab_spectrum_job *job);

/* Runs n jobs on up to threads workers, one job at a time each with a
 * single-threaded BLAS, so that the numbers do not depend on threads.
 * Returns the first error met (the other jobs' results are then partial). */
int ilab_spectrum_run_all(ilab_spectrum_job *jobs, size_t n, int threads);

/* Layer l of a job, over its trials: the means of sq_mean and sq_var over the
 * trials where they are not NaN (an overflow to inf stays inf), each with a
 * 95% t-interval (NaN for fewer than two trials), the extreme singular
 * values, and how many trials kept J_l finite. */
typedef struct {
  double sq_mean, sq_mean_lo, sq_mean_hi;
  double sq_var, sq_var_lo, sq_var_hi;
  double sv_min, sv_max;
  size_t finite;
} ilab_spectrum_summary;

void ilab_spectrum_summarize(const ilab_spectrum_job *job, size_t l, ilab_spectrum_summary *out);

#endif
