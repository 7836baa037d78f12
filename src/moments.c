/* Streaming moment accumulators (count, mean, M2, M3, M4) and the GSL cross-check. */
#include "moments.h"

#include "ilab.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
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

/* ---- checks of a sample against an exact law ------------------------------ */

void ilab_moments_se(const double *mu, size_t n, double *se)
{
  /* n Cov(m_a, m_b) -> mu_{a+b} - mu_a mu_b - a mu_{a-1} mu_{b+1}
   *                    - b mu_{a+1} mu_{b-1} + a b mu_2 mu_{a-1} mu_{b-1}
   * (Cramer 1946, 27.7.6), with mu_1 = 0; then the delta method. */
  double m2 = mu[2], m3 = mu[3], m4 = mu[4], m5 = mu[5], m6 = mu[6], m8 = mu[8];
  double v22 = m4 - m2 * m2;
  double v33 = m6 - m3 * m3 - 6 * m2 * m4 + 9 * m2 * m2 * m2;
  double v23 = m5 - 4 * m2 * m3;
  double v44 = m8 - m4 * m4 - 8 * m3 * m5 + 16 * m2 * m3 * m3;
  double v24 = m6 - m2 * m4 - 4 * m3 * m3;
  /* g1 = m3 / m2^1.5 */
  double a = pow(m2, -1.5), b = -1.5 * m3 * pow(m2, -2.5);
  double vg1 = a * a * v33 + b * b * v22 + 2 * a * b * v23;
  /* g2 = m4 / m2^2 - 3 */
  double c = 1 / (m2 * m2), d = -2 * m4 / (m2 * m2 * m2);
  double vg2 = c * c * v44 + d * d * v22 + 2 * c * d * v24;
  double dn = (double)n;
  se[0] = sqrt(m2 / dn);
  se[1] = sqrt(v22 / dn);
  se[2] = sqrt(fmax(vg1, 0) / dn);
  se[3] = sqrt(fmax(vg2, 0) / dn);
}

double ilab_moments_ks_p(double d, size_t n)
{
  double sn = sqrt((double)n), lambda = (sn + 0.12 + 0.11 / sn) * d;
  if (lambda < 0.2) return 1.0; /* the series converges slowly here; the tail is 1 to 1e-8 */
  double sum = 0, sign = 1;
  for (int k = 1; k <= 100; k++) {
    double t = exp(-2.0 * k * k * lambda * lambda);
    sum += sign * t;
    sign = -sign;
    if (t < 1e-17 * sum) break;
  }
  double p = 2 * sum;
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* Two-sided p-value of a z-score. */
static double p_of_z(double z) { return isfinite(z) ? 2 * gsl_cdf_ugaussian_Q(fabs(z)) : 0; }

static int cmp_u32(const void *pa, const void *pb)
{
  uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
  return (a > b) - (a < b);
}

/* The Kolmogorov-Smirnov distance D = max_j max(j/n - u_(j), u_(j) - (j-1)/n)
 * of n values u = (key + 0.5)/2^32, without sorting them all.  The keys are
 * counted into 2^16 buckets by their top 16 bits; a bucket holding the ranks
 * C+1 .. C+c of values in [lo, hi] bounds its terms by
 *   (C+c)/n - hi <= max j/n - u_(j) <= (C+c)/n - lo,
 *   lo - C/n <= max u_(j) - (j-1)/n <= hi - C/n,
 * and only the buckets whose upper bound beats the best lower bound (those
 * within 2^-16 of the maximum) have their keys gathered and sorted.
 * tmp has room for n keys.  Returns NaN if memory runs out. */
#define KS_BUCKETS ((size_t)1 << 16)

/* start[b + 1] holds the count of keys in bucket b (start[0] = 0) when
 * called; it is turned into starting offsets. */
static double ks_distance(const uint32_t *key, size_t n, uint32_t *tmp, size_t *start)
{
  enum { B = KS_BUCKETS };
  size_t *fill = malloc(B * sizeof *fill);
  unsigned char *cand = calloc(B, 1);
  if (!fill || !cand) { free(fill); free(cand); return NAN; }
  for (size_t b = 0; b < B; b++) start[b + 1] += start[b];
  const double dn = (double)n, two32 = 4294967296.0;
  double best = 0;
  for (size_t b = 0; b < B; b++) {
    size_t c = start[b + 1] - start[b];
    if (!c) continue;
    double lo = ((double)(b << 16) + 0.5) / two32, hi = ((double)(b << 16) + 65535.5) / two32;
    double l1 = (double)start[b + 1] / dn - hi, l2 = lo - (double)start[b] / dn;
    if (l1 > best) best = l1;
    if (l2 > best) best = l2;
  }
  size_t m = 0;
  for (size_t b = 0; b < B; b++) {
    size_t c = start[b + 1] - start[b];
    if (!c) continue;
    double lo = ((double)(b << 16) + 0.5) / two32, hi = ((double)(b << 16) + 65535.5) / two32;
    if ((double)start[b + 1] / dn - lo > best || hi - (double)start[b] / dn > best) {
      cand[b] = 1;
      fill[b] = m;
      m += c;
    }
  }
  for (size_t i = 0; i < n; i++) {
    size_t b = key[i] >> 16;
    if (cand[b]) tmp[fill[b]++] = key[i];
  }
  double d = best;
  for (size_t b = 0, off = 0; b < B; b++) {
    if (!cand[b]) continue;
    size_t c = start[b + 1] - start[b];
    uint32_t *v = tmp + off;
    qsort(v, c, sizeof *v, cmp_u32);
    for (size_t j = 0; j < c; j++) {
      double u = ((double)v[j] + 0.5) / two32, rank = (double)(start[b] + j);
      if ((rank + 1) / dn - u > d) d = (rank + 1) / dn - u;
      if (u - rank / dn > d) d = u - rank / dn;
    }
    off += c;
  }
  free(fill);
  free(cand);
  return d;
}

int ilab_moments_check(const ilab_moments_law *law, const double *x, size_t n, double alpha,
                       ilab_moments_check_result *r)
{
  memset(r, 0, sizeof *r);
  uint32_t *w = malloc(2 * n * sizeof *w);
  if (!w) ILAB_ERROR(ILAB_ENOMEM, "out of memory for %zu keys", n);
  int st = ilab_moments_check_w(law, x, n, alpha, w, r);
  free(w);
  return st;
}

int ilab_moments_check_w(const ilab_moments_law *law, const double *x, size_t n, double alpha,
                         uint32_t *w, ilab_moments_check_result *r)
{
  memset(r, 0, sizeof *r);
  r->n = n;
  if (n < 100) ILAB_ERROR(ILAB_EINVAL, "a check needs at least 100 draws, not %zu", n);
  if (n >= ((size_t)1 << 32)) ILAB_ERROR(ILAB_EINVAL, "a check takes fewer than 2^32 draws");
  if (!(law->mu[2] > 0)) ILAB_ERROR(ILAB_EINVAL, "the law has no variance to check");
  uint32_t *key = w, *tmp = w + n;

  /* the cross-check against GSL, on the first gsl_n draws */
  size_t gn = n < ILAB_MOMENTS_GSL_MAX ? n : ILAB_MOMENTS_GSL_MAX;
  ilab_moments m;
  ilab_moments_init(&m);
  ilab_moments_add(&m, x, gn);
  r->gsl_n = gn;
  r->gsl_mean = gsl_stats_mean(x, 1, gn);
  r->gsl_var = gsl_stats_variance_m(x, 1, gn, r->gsl_mean);
  double sd = sqrt(r->gsl_var);
  r->gsl_skew = gsl_stats_skew_m_sd(x, 1, gn, r->gsl_mean, sd);
  r->gsl_kurt = gsl_stats_kurtosis_m_sd(x, 1, gn, r->gsl_mean, sd);
  r->gsl_rel_diff = ilab_moments_rel_diff(&m, x, gn, 1);
  /* ... then the rest, merged */
  if (gn < n) {
    ilab_moments rest;
    ilab_moments_init(&rest);
    ilab_moments_add(&rest, x + gn, n - gn);
    ilab_moments_merge(&m, &rest);
  }
  r->mean = ilab_moments_mean(&m);
  r->var = ilab_moments_variance(&m);
  r->skew = ilab_moments_skew(&m);
  r->kurt = ilab_moments_kurtosis(&m);

  /* z-scores with the population forms and their asymptotic standard errors */
  double se[4], dn = (double)n, m2 = m.m2 / dn;
  ilab_moments_se(law->mu, n, se);
  double mu2 = law->mu[2];
  r->z[0] = (r->mean - law->mean) / se[0];
  r->z[1] = (r->var - mu2) / se[1];
  r->z[2] = (m.m3 / dn / pow(m2, 1.5) - law->mu[3] / pow(mu2, 1.5)) / se[2];
  r->z[3] = (m.m4 / dn / (m2 * m2) - law->mu[4] / (mu2 * mu2)) / se[3];

  /* KS and chi^2 on u = F(x): the probability integral transform makes k
   * bins of u equiprobable whatever the law. */
  const double two32 = 4294967296.0;
  size_t k = (size_t)(2 * pow(dn, 0.4)); /* Moore's (1986) 2 n^(2/5) equiprobable bins */
  if (k > 1000) k = 1000;
  if (k < 5) k = 5;
  size_t *bins = calloc(k, sizeof *bins), *start = calloc(KS_BUCKETS + 1, sizeof *start);
  if (!bins || !start) { free(bins); free(start); ILAB_ERROR(ILAB_ENOMEM, "out of memory"); }
  /* one pass: the keys, the chi^2 bins and the KS buckets' counts */
  double ub[512];
  for (size_t i0 = 0; i0 < n; i0 += 512) {
    size_t nb = n - i0 < 512 ? n - i0 : 512;
    law->cdf_n(x + i0, ub, nb, law->arg);
    for (size_t i = 0; i < nb; i++) {
      double u = ub[i] * two32;
      uint32_t kv = u >= two32 - 1 ? 0xffffffffu : u > 0 ? (uint32_t)u : 0; /* NaN -> 0 */
      key[i0 + i] = kv;
      bins[(size_t)(((uint64_t)kv * k) >> 32)]++;
      start[(kv >> 16) + 1]++;
    }
  }
  double dmax = ks_distance(key, n, tmp, start);
  free(start);
  if (isnan(dmax)) { free(bins); ILAB_ERROR(ILAB_ENOMEM, "out of memory"); }
  r->ks_d = dmax;
  r->ks_p = ilab_moments_ks_p(dmax, n);
  double e = dn / (double)k, chi2 = 0;
  for (size_t b = 0; b < k; b++) chi2 += ((double)bins[b] - e) * ((double)bins[b] - e) / e;
  free(bins);
  r->chi2 = chi2;
  r->chi2_bins = k;
  r->chi2_p = gsl_cdf_chisq_Q(chi2, (double)(k - 1));
  const double p[6] = {p_of_z(r->z[0]), p_of_z(r->z[1]), p_of_z(r->z[2]), p_of_z(r->z[3]), r->ks_p, r->chi2_p};
  r->p_min = 1;
  for (int i = 0; i < 6; i++) if (!(p[i] >= r->p_min)) r->p_min = p[i];
  r->pass = r->p_min >= alpha;
  return ILAB_OK;
}
