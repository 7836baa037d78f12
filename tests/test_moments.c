/* Tests of the streaming moment accumulators against GSL's statistics. */
#include "test.h"
#include "moments.h"

#include <stdlib.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>

/* The accumulator over a buffer, fed in uneven pieces and merged, against
 * gsl_stats_* on the same buffer.  Both are exact algorithms up to rounding;
 * 1e-10 relative leaves room for the different summation orders only
 * (for skewness, whose value is ~0 here, relative to 1). */
static void against_gsl(const char *name, const double *x, size_t n)
{
  ilab_moments a, b;
  ilab_moments_init(&a);
  ilab_moments_init(&b);
  size_t cut = n / 3 + (n > 100 ? 17 : 0);
  ilab_moments_add(&a, x, cut);
  ilab_moments_add(&b, x + cut, n - cut);
  ilab_moments_merge(&a, &b);
  double mean = gsl_stats_mean(x, 1, n);
  ilab_test_rel(ilab_moments_mean(&a), mean, 1e-10, "%s: mean vs gsl_stats_mean", name);
  ilab_test_rel(ilab_moments_variance(&a), gsl_stats_variance(x, 1, n), 1e-10, "%s: variance vs gsl", name);
  ilab_test_abs(ilab_moments_skew(&a), gsl_stats_skew(x, 1, n), 1e-10, "%s: skew vs gsl", name);
  ilab_test_rel(ilab_moments_kurtosis(&a), gsl_stats_kurtosis(x, 1, n), 1e-10, "%s: kurtosis vs gsl", name);
  ilab_test(ilab_moments_rel_diff(&a, x, n, 1) < 1e-10, "%s: rel_diff %.3g < 1e-10", name,
            ilab_moments_rel_diff(&a, x, n, 1));
}

int main(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  enum { N = 100003 };
  double *x = malloc(N * sizeof *x);
  for (size_t i = 0; i < N; i++) x[i] = gsl_ran_gaussian(r, 2.0);
  against_gsl("normal", x, N);
  /* A large mean over a small spread (11 orders of magnitude): the naive
   * sum of squares loses every digit here.  GSL's running mean itself
   * carries an error of an ulp of 1e8, 1e-5 of the sd, which moves its
   * skewness in the 6th digit, so the judge is a long double two-pass
   * computation: variance to 1e-9, skewness and kurtosis to 1e-7. */
  for (size_t i = 0; i < N; i++) x[i] = 1e8 + gsl_ran_gaussian(r, 1e-3);
  {
    long double s = 0, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < N; i++) s += x[i] - x[0]; /* exact differences, a small sum */
    long double mean = s / N;
    for (size_t i = 0; i < N; i++) {
      long double d = (x[i] - x[0]) - mean;
      m2 += d * d; m3 += d * d * d; m4 += d * d * d * d;
    }
    long double var = m2 / (N - 1), sd = sqrtl(var);
    ilab_moments a;
    ilab_moments_init(&a);
    ilab_moments_add(&a, x, N / 3);
    ilab_moments b;
    ilab_moments_init(&b);
    ilab_moments_add(&b, x + N / 3, N - N / 3);
    ilab_moments_merge(&a, &b);
    ilab_test_rel(ilab_moments_mean(&a), (double)(x[0] + mean), 1e-15, "offset 1e8: mean");
    ilab_test_rel(ilab_moments_variance(&a), (double)var, 1e-9, "offset 1e8: variance");
    ilab_test_abs(ilab_moments_skew(&a), (double)(m3 / N / (var * sd)), 1e-7, "offset 1e8: skewness");
    ilab_test_abs(ilab_moments_kurtosis(&a), (double)(m4 / N / (var * var) - 3), 1e-7, "offset 1e8: kurtosis");
  }
  for (size_t i = 0; i < N; i++) x[i] = gsl_ran_exponential(r, 1.0);
  against_gsl("exponential (skewed)", x, N);
  against_gsl("short buffer", x, 5);

  /* Known values: 1..10 has mean 5.5, sample variance 55/6. */
  double v[10];
  for (int i = 0; i < 10; i++) v[i] = i + 1;
  ilab_moments m;
  ilab_moments_init(&m);
  ilab_moments_add(&m, v, 10);
  ilab_test_rel(ilab_moments_mean(&m), 5.5, 1e-15, "mean of 1..10");
  ilab_test_rel(ilab_moments_variance(&m), 55.0 / 6, 1e-15, "variance of 1..10");
  ilab_test_abs(ilab_moments_skew(&m), 0, 1e-15, "skew of 1..10");
  ilab_moments_init(&m);
  ilab_test(isnan(ilab_moments_variance(&m)), "variance of nothing is NaN");

  /* merge2 (count, mean, M2 only) agrees with merge on mean and variance */
  ilab_moments a, b, c;
  ilab_moments_init(&a);
  ilab_moments_init(&b);
  ilab_moments_add(&a, v, 4);
  ilab_moments_add(&b, v + 4, 6);
  c = a;
  ilab_moments_merge(&a, &b);
  ilab_moments_merge2(&c, b.n, ilab_moments_mean(&b), b.m2);
  ilab_test_rel(ilab_moments_variance(&c), ilab_moments_variance(&a), 1e-15, "merge2 variance");
  ilab_test_rel(ilab_moments_mean(&c), ilab_moments_mean(&a), 1e-15, "merge2 mean");
  free(x);
  gsl_rng_free(r);
  return ilab_test_summary();
}
