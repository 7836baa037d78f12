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

/* Sorts m keys by their low `bits` bits, LSD radix in passes of up to 11
 * bits, between src and dst; returns where the sorted keys are. */
static uint32_t *lsd(uint32_t *src, uint32_t *dst, size_t m, int bits)
{
  for (int shift = 0; shift < bits; shift += 11) {
    int width = bits - shift < 11 ? bits - shift : 11;
    uint32_t mask = (1u << width) - 1;
    size_t c[2048];
    memset(c, 0, ((size_t)1 << width) * sizeof *c);
    for (size_t i = 0; i < m; i++) c[(src[i] >> shift) & mask]++;
    size_t sum = 0;
    for (size_t j = 0; j < ((size_t)1 << width); j++) { size_t t = c[j]; c[j] = sum; sum += t; }
    for (size_t i = 0; i < m; i++) dst[c[(src[i] >> shift) & mask]++] = src[i];
    uint32_t *t = src; src = dst; dst = t;
  }
  return src;
}

/* Sorts 32-bit keys that are close to uniform on [0, 2^32), as u = F(x) is.
 * Up to 2^22 keys (16 MiB with the scratch, within the last-level cache)
 * three 11-bit LSD passes do it; beyond, one pass first scatters the keys by
 * their top 11 bits into 2048 buckets that then fit in cache for two LSD
 * passes over their low 21 bits.  tmp holds n keys; the result is left in k. */
static void radix32(uint32_t *k, uint32_t *tmp, size_t n)
{
  if (n <= ((size_t)1 << 22)) {
    uint32_t *out = lsd(k, tmp, n, 32);
    if (out != k) memcpy(k, out, n * sizeof *k);
    return;
  }
  enum { TOP = 2048 };
  size_t start[TOP + 1], pos[TOP];
  memset(start, 0, sizeof start);
  for (size_t i = 0; i < n; i++) start[(k[i] >> 21) + 1]++;
  for (int b = 0; b < TOP; b++) start[b + 1] += start[b];
  memcpy(pos, start, sizeof pos);
  for (size_t i = 0; i < n; i++) tmp[pos[k[i] >> 21]++] = k[i];
  for (int b = 0; b < TOP; b++) {
    size_t m = start[b + 1] - start[b];
    uint32_t *out = lsd(tmp + start[b], k + start[b], m, 21);
    if (out != k + start[b]) memcpy(k + start[b], out, m * sizeof *k);
  }
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

  /* z-scores with the population forms, whose standard errors are exact to O(1/n) */
  double se[4], dn = (double)n, m2 = m.m2 / dn;
  ilab_moments_se(law->mu, n, se);
  double mu2 = law->mu[2];
  r->z[0] = (r->mean - law->mean) / se[0];
  r->z[1] = (r->var - mu2) / se[1];
  r->z[2] = (m.m3 / dn / pow(m2, 1.5) - law->mu[3] / pow(mu2, 1.5)) / se[2];
  r->z[3] = (m.m4 / dn / (m2 * m2) - law->mu[4] / (mu2 * mu2)) / se[3];

  /* KS and chi^2 on u = F(x): the probability integral transform makes k
   * bins of u equiprobable whatever the law, and sorting u sorts x. */
  const double two32 = 4294967296.0;
  for (size_t i = 0; i < n; i++) {
    double u = law->cdf(x[i], law->arg) * two32;
    key[i] = u >= two32 - 1 ? 0xffffffffu : u > 0 ? (uint32_t)u : 0; /* NaN -> 0 */
  }
  radix32(key, tmp, n);
  const uint32_t *u32 = key;
  size_t k = (size_t)(2 * pow(dn, 0.4)); /* Mann & Wald (1942)'s rule, about 2 n^(2/5) */
  if (k > 1000) k = 1000;
  if (k < 5) k = 5;
  size_t *bins = calloc(k, sizeof *bins);
  if (!bins) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  double dmax = 0;
  for (size_t i = 0; i < n; i++) {
    double u = ((double)u32[i] + 0.5) / two32;
    double lo = u - (double)i / dn, hi = (double)(i + 1) / dn - u;
    if (lo > dmax) dmax = lo;
    if (hi > dmax) dmax = hi;
    bins[(size_t)(((uint64_t)u32[i] * k) >> 32)]++;
  }
  r->ks_d = dmax;
  r->ks_p = ilab_moments_ks_p(dmax, n);
  double e = dn / (double)k, chi2 = 0;
  for (size_t b = 0; b < k; b++) chi2 += ((double)bins[b] - e) * ((double)bins[b] - e) / e;
  free(bins);
  r->chi2 = chi2;
  r->chi2_bins = k;
  r->chi2_p = gsl_cdf_chisq_Q(chi2, (double)(k - 1));
  double p[6] = {p_of_z(r->z[0]), p_of_z(r->z[1]), p_of_z(r->z[2]), p_of_z(r->z[3]), r->ks_p, r->chi2_p};
  r->p_min = 1;
  for (int i = 0; i < 6; i++) if (!(p[i] >= r->p_min)) r->p_min = p[i];
  r->pass = r->p_min >= alpha;
  return ILAB_OK;
}
