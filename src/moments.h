/* Streaming, mergeable moment accumulators and their checks against GSL. */
#ifndef ILAB_MOMENTS_H
#define ILAB_MOMENTS_H

#include <stddef.h>
#include <stdint.h>

/* Count, mean and central sums M2 = sum (x - mean)^2, M3, M4 of the values
 * seen so far.  Merging uses the pairwise update of Chan, Golub and LeVeque
 * (1979) extended to M3, M4 by Pebay (2008), so a buffer can be split into
 * cache-sized blocks, each block summed in two passes while it is in cache,
 * and the blocks merged: one pass over memory with the accuracy of the
 * two-pass algorithm. */
typedef struct {
  double n, mean, m2, m3, m4;
  double shift; /* mean is stored relative to this value (the first one seen),
                   so that data with a mean far from zero keep their digits */
} ilab_moments;

void ilab_moments_init(ilab_moments *m);

/* Adds x[0..n-1] (all four central sums). */
void ilab_moments_add(ilab_moments *m, const double *x, size_t n);

/* Merges b into a. */
void ilab_moments_merge(ilab_moments *a, const ilab_moments *b);

double ilab_moments_mean(const ilab_moments *m);
/* Sample variance M2/(n-1), as gsl_stats_variance; NaN for n < 2. */
double ilab_moments_variance(const ilab_moments *m);
/* Skewness and excess kurtosis with GSL's conventions (gsl_stats_skew,
 * gsl_stats_kurtosis): (1/n) sum ((x-mean)/s)^k with s the sample sd. */
double ilab_moments_skew(const ilab_moments *m);
double ilab_moments_kurtosis(const ilab_moments *m);

/* Largest relative difference between the accumulator over x[0..n-1] and
 * gsl_stats_mean, gsl_stats_variance (and, if all4, gsl_stats_skew and
 * gsl_stats_kurtosis) on the same buffer.  Each difference is relative to
 * max(|GSL's value|, floor): the floor is the sd for the mean (a mean near 0
 * is judged on the scale of the data) and 1 for skewness and kurtosis. */
double ilab_moments_rel_diff(const ilab_moments *m, const double *x, size_t n, int all4);


/* ---- checks of a sample against an exact law ------------------------------ */

/* An exact law, as the checks need it: its mean, its central moments mu[k],
 * k = 0..8 (mu[2] is the variance; the 8th is needed for the standard error
 * of the sample kurtosis), and its cdf. */
typedef struct {
  double mean;
  double mu[9];
  /* u[i] = F(x[i]) for i < n: a batch, so that the law's constants are
   * looked at once per block, not once per draw */
  void (*cdf_n)(const double *x, double *u, size_t n, const void *arg);
  const void *arg;
} ilab_moments_law;

typedef struct {
  size_t n;
  /* the sample's mean, variance (n-1), skewness and excess kurtosis from the
   * streaming accumulator, in GSL's conventions, and from gsl_stats_* */
  double mean, var, skew, kurt;
  double gsl_mean, gsl_var, gsl_skew, gsl_kurt;
  size_t gsl_n;              /* GSL's values are over the first gsl_n draws */
  double gsl_rel_diff;       /* largest relative disagreement with the
                                accumulator over those same gsl_n draws */
  /* z = (estimate - exact) / asymptotic standard error, for mean, variance,
   * skewness m3/m2^1.5 and excess kurtosis m4/m2^2 - 3 (population forms;
   * standard errors by the delta method from the central moments up to the
   * 8th: Cramer 1946, sec. 27.7) */
  double z[4];
  double ks_d, ks_p;         /* Kolmogorov-Smirnov distance and p-value */
  double chi2, chi2_p;       /* binned chi^2 on equiprobable bins of F(x) */
  size_t chi2_bins;
  double p_min;              /* the smallest of the six p-values */
  int pass;                  /* p_min >= the level asked for */
} ilab_moments_check_result;

/* The cross-check against gsl_stats_* runs on the first ILAB_MOMENTS_GSL_MAX
 * draws: GSL's running-mean loops divide once per value in a dependency
 * chain (about 5 ns a value each, 20 ns for the four), which was half the
 * cost of a check at n = 1e6; whether the accumulator agrees with GSL does
 * not depend on n (the unit tests compare them on whole buffers). */
#define ILAB_MOMENTS_GSL_MAX ((size_t)1 << 16)

/* Checks x[0..n-1] (n >= 100) against the law: moments with z-scores, KS and
 * chi^2.  Each of the six tests is two-sided at level alpha (the caller
 * divides a family-wise level among them, Bonferroni).  x is not changed.
 * KS and chi^2 work on u = F(x) rounded down to a multiple of 2^-32 (32-bit
 * keys, counted rather than sorted), which moves D by less than 2.4e-10.
 * ILAB_EINVAL for n < 100, n >= 2^32, or a law with zero variance;
 * ILAB_ENOMEM. */
int ilab_moments_check(const ilab_moments_law *law, const double *x, size_t n, double alpha,
                       ilab_moments_check_result *r);

/* The same with a caller's workspace of 2n 32-bit words, reused across
 * calls so that millions of draws do not fault fresh pages in every time. */
int ilab_moments_check_w(const ilab_moments_law *law, const double *x, size_t n, double alpha,
                         uint32_t *w, ilab_moments_check_result *r);

/* Asymptotic standard errors of the sample mean, variance, skewness and
 * excess kurtosis for n draws of a law with these central moments (the delta
 * method: correct to leading order in 1/sqrt(n), not exact); se[4]. */
void ilab_moments_se(const double *mu, size_t n, double *se);

/* The Kolmogorov distribution's tail: P(sqrt(n) D > lambda) with Stephens'
 * (1970) small-sample correction lambda = (sqrt n + 0.12 + 0.11/sqrt n) D. */
double ilab_moments_ks_p(double d, size_t n);

#endif
