/* Streaming moment accumulators (count, mean, M2, M3, M4) and the GSL cross-check. */
#include "moments.h"

#include <math.h>
#include <gsl/gsl_statistics_double.h>

void ilab_moments_init(ilab_moments *m) { m->n = m->mean = m->m2 = m->m3 = m->m4 = m->shift = 0; }

void ilab_moments_merge(ilab_moments *a, const ilab_moments *b)
{
  if (b->n == 0) return;
  if (a->n == 0) { *a = *b; return; }
  double na = a->n, nb = b->n, n = na + nb;
  double d = (b->mean + (b->shift - a->shift)) - a->mean, dn = d / n;
  double m2 = a->m2 + b->m2 + d * dn * na * nb;
  double m3 = a->m3 + b->m3 + d * dn * dn * na * nb * (na - nb)
              + 3 * dn * (na * b->m2 - nb * a->m2);
  double m4 = a->m4 + b->m4 + d * dn * dn * dn * na * nb * (na * na - na * nb + nb * nb)
              + 6 * dn * dn * (na * na * b->m2 + nb * nb * a->m2)
              + 4 * dn * (na * b->m3 - nb * a->m3);
  a->mean += dn * nb;
  a->m2 = m2; a->m3 = m3; a->m4 = m4; a->n = n;
}

void ilab_moments_merge2(ilab_moments *a, double n, double mean, double m2)
{
  ilab_moments b = {n, 0, m2, 0, 0, mean};
  ilab_moments_merge(a, &b);
}

/* Block length: small enough that a block stays in L1 between its two passes. */
#define BLOCK 1024

void ilab_moments_add(ilab_moments *m, const double *x, size_t n)
{
  for (size_t i = 0; i < n; i += BLOCK) {
    size_t k = n - i < BLOCK ? n - i : BLOCK;
    const double *b = x + i;
    /* Deviations are taken from the accumulator's shift (its first value),
     * so a large common offset does not swamp them; the second pass adds the
     * corrected two-pass term -(sum d)^2/k (Chan, Golub & LeVeque 1983). */
    if (m->n == 0 && i == 0) m->shift = b[0];
    double s = 0, sh = m->shift;
    for (size_t j = 0; j < k; j++) s += b[j] - sh;
    double mean = s / (double)k, m2 = 0, m3 = 0, m4 = 0, c = 0;
    for (size_t j = 0; j < k; j++) {
      double d = (b[j] - sh) - mean, d2 = d * d;
      c += d; m2 += d2; m3 += d2 * d; m4 += d2 * d2;
    }
    m2 -= c * c / (double)k;
    ilab_moments blk = {(double)k, mean, m2, m3, m4, sh};
    ilab_moments_merge(m, &blk);
  }
}

double ilab_moments_mean(const ilab_moments *m) { return m->n > 0 ? m->shift + m->mean : NAN; }

double ilab_moments_variance(const ilab_moments *m) { return m->n > 1 ? m->m2 / (m->n - 1) : NAN; }

double ilab_moments_skew(const ilab_moments *m)
{
  double s2 = ilab_moments_variance(m);
  return m->m3 / m->n / (s2 * sqrt(s2));
}

double ilab_moments_kurtosis(const ilab_moments *m)
{
  double s2 = ilab_moments_variance(m);
  return m->m4 / m->n / (s2 * s2) - 3.0;
}

static double rel(double a, double b, double scale)
{
  double den = fabs(b) > scale ? fabs(b) : scale;
  if (a == b) return 0;
  return den > 0 ? fabs(a - b) / den : INFINITY;
}

double ilab_moments_rel_diff(const ilab_moments *m, const double *x, size_t n, int all4)
{
  double mean = gsl_stats_mean(x, 1, n);
  double var = gsl_stats_variance_m(x, 1, n, mean);
  double sd = sqrt(var), worst = 0, r;
  r = rel(ilab_moments_mean(m), mean, sd); if (r > worst) worst = r;
  r = rel(ilab_moments_variance(m), var, 0); if (r > worst) worst = r;
  if (all4) {
    /* Skewness and excess kurtosis are O(1) or ~0: compare them on a floor of 1. */
    r = rel(ilab_moments_skew(m), gsl_stats_skew_m_sd(x, 1, n, mean, sd), 1); if (r > worst) worst = r;
    r = rel(ilab_moments_kurtosis(m), gsl_stats_kurtosis_m_sd(x, 1, n, mean, sd), 1); if (r > worst) worst = r;
  }
  return worst;
}
