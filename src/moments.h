/* Streaming, mergeable moment accumulators and their checks against GSL. */
#ifndef ILAB_MOMENTS_H
#define ILAB_MOMENTS_H

#include <stddef.h>

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

/* Merges a block summarized by its count, mean and M2 only (M3, M4 not kept). */
void ilab_moments_merge2(ilab_moments *a, double n, double mean, double m2);

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

#endif
