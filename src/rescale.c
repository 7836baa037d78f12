/* Factors m 2^e, the extent of a buffer, the range test and the scaled
 * statistics behind the exact rescaling of homogeneous networks. */
#include "rescale.h"

#include <math.h>

int ilab_rescale_homogeneous(const ilab_act *a)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR:
  case ILAB_ACT_RELU:
  case ILAB_ACT_LEAKY_RELU: return 1;
  default: return 0;
  }
}

ilab_rescale_factor ilab_rescale_one(void) { return (ilab_rescale_factor){0.5, 1}; }

static ilab_rescale_factor normalize(double m, long e)
{
  int k;
  double f = frexp(m, &k);
  return (ilab_rescale_factor){f, e + k};
}

ilab_rescale_factor ilab_rescale_mul(ilab_rescale_factor f, double x)
{
  int k;
  double mx = frexp(x, &k);
  return normalize(f.m * mx, f.e + k);
}

ilab_rescale_factor ilab_rescale_mul2(ilab_rescale_factor f, ilab_rescale_factor g)
{
  return normalize(f.m * g.m, f.e + g.e);
}

/* ldexp's exponent is an int: beyond +-4000 every double is inf or 0 anyway */
static int clamp_exp(long e) { return e > 4000 ? 4000 : e < -4000 ? -4000 : (int)e; }

double ilab_rescale_apply(ilab_rescale_factor f, double v) { return ldexp(f.m * v, clamp_exp(f.e)); }

double ilab_rescale_apply2(ilab_rescale_factor f, double v)
{
  return ldexp(f.m * f.m * v, clamp_exp(2 * f.e));
}

void ilab_rescale_buffer(ilab_rescale_factor f, const double *v, double *out, size_t n)
{
  if (f.e >= -1021 && f.e <= 1023) {
    /* m 2^e is then a normal double, exactly: one rounding, as in f v */
    double c = ldexp(f.m, (int)f.e);
    for (size_t i = 0; i < n; i++) out[i] = v[i] * c;
    return;
  }
  for (size_t i = 0; i < n; i++) out[i] = ldexp(f.m * v[i], clamp_exp(f.e));
}

void ilab_rescale_extent_of(const double *v, size_t n, ilab_rescale_extent *x)
{
  /* four lanes, which gcc -O2 turns into vector max, min and sums (two
   * doubles wide by default, four with -mavx2): the result is the same at
   * any width, the lanes being fixed by the source */
  double mx[4] = {0, 0, 0, 0}, mn[4] = {INFINITY, INFINITY, INFINITY, INFINITY}, s[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int q = 0; q < 4; q++) {
      double a = fabs(v[i + q]);
      mx[q] = a > mx[q] ? a : mx[q];
      mn[q] = a > 0 && a < mn[q] ? a : mn[q];
      s[q] += a * a;
    }
  for (; i < n; i++) {
    double a = fabs(v[i]);
    mx[0] = a > mx[0] ? a : mx[0];
    mn[0] = a > 0 && a < mn[0] ? a : mn[0];
    s[0] += a * a;
  }
  double sum = (s[0] + s[1]) + (s[2] + s[3]);
  /* a NaN escapes the comparisons but not the sum; the sum of squares of
   * finite entries overflows only beyond 2^500, where the range test fails
   * anyway */
  x->max = fmax(fmax(mx[0], mx[1]), fmax(mx[2], mx[3]));
  x->min_nz = fmin(fmin(mn[0], mn[1]), fmin(mn[2], mn[3]));
  x->mean_sq = n ? sum / (double)n : 0;
  x->nonfinite = !isfinite(sum);
}

/* 2^480 and 2^-478 bound the magnitudes: (2^480)^2 2^60 < 2^1024, and
 * (2^-478)^2 = 2^-956 is far above the smallest normal 2^-1022. */
#define EXP_HI 480
#define EXP_LO (-478)

/* The exponent E of f v = p 2^E with p in [0.5, 1), for v > 0 finite. */
static long exponent_of(ilab_rescale_factor f, double v)
{
  int ev, k;
  double mv = frexp(v, &ev);
  frexp(f.m * mv, &k);
  return f.e + ev + k;
}

int ilab_rescale_in_range(ilab_rescale_factor f, const ilab_rescale_extent *x)
{
  if (x->nonfinite) return 0;
  if (x->max == 0) return 1; /* all zeros: zeros at any scale */
  /* f max < 2^480 iff its E <= 480; f min_nz >= 2^-478 iff its E >= -477 */
  return exponent_of(f, x->max) <= EXP_HI && exponent_of(f, x->min_nz) >= EXP_LO + 1;
}

double ilab_rescale_pow2(size_t n, double q)
{
  double nq = (double)n * q;
  if (!(nq > 0) || !isfinite(nq)) return 1;
  double k = round(0.5 * log2(nq));
  if (k > 1000) k = 1000;
  if (k < -1000) k = -1000;
  return ldexp(1.0, -(int)k);
}

void ilab_rescale_stats(const ilab_layer_stats *ref, ilab_rescale_factor c, ilab_rescale_factor d,
                        ilab_rescale_factor w, ilab_layer_stats *out)
{
  out->h_mean = ilab_rescale_apply(c, ref->h_mean);
  out->h_var = ilab_rescale_apply2(c, ref->h_var);
  out->x_mean = ilab_rescale_apply(c, ref->x_mean);
  out->x_var = ilab_rescale_apply2(c, ref->x_var);
  out->x_sq = ilab_rescale_apply2(c, ref->x_sq);
  out->gx_var = ilab_rescale_apply2(d, ref->gx_var);
  out->gh_var = ilab_rescale_apply2(d, ref->gh_var);
  out->gw_var = ilab_rescale_apply2(w, ref->gw_var);
  out->zero_frac = ref->zero_frac;
  out->sat_frac = ref->sat_frac;
  out->nonfinite = ref->nonfinite;
  out->g_nonfinite = ref->g_nonfinite;
  /* in range, an entry is below the smallest normal double iff it is 0 */
  out->h_under = ref->h_under;
  out->h_over = ref->h_over;
  out->g_under = ref->g_under;
  out->g_over = ref->g_over;
}
