/* Rounding to binary32, binary16 and bfloat16 in software, bit-exact and
 * portable: C11 does not promise a _Float16 type, and gcc's on x86-64 rounds
 * through a library call without F16C. */
#include "fp.h"
#include "ilab.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

const char *ilab_fp_name(ilab_precision p)
{
  switch (p) {
  case ILAB_PREC_DOUBLE: return "double";
  case ILAB_PREC_SINGLE: return "single";
  case ILAB_PREC_HALF: return "half";
  case ILAB_PREC_BF16: return "bfloat16";
  }
  return "?";
}

int ilab_fp_parse(const char *name, ilab_precision *p)
{
  static const struct { const char *name; ilab_precision p; } t[] = {
      {"double", ILAB_PREC_DOUBLE}, {"float64", ILAB_PREC_DOUBLE}, {"single", ILAB_PREC_SINGLE},
      {"float32", ILAB_PREC_SINGLE}, {"half", ILAB_PREC_HALF},     {"float16", ILAB_PREC_HALF},
      {"bfloat16", ILAB_PREC_BF16},  {"bf16", ILAB_PREC_BF16}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (!strcmp(name, t[i].name)) { *p = t[i].p; return ILAB_OK; }
  ILAB_ERROR(ILAB_EINVAL, "unknown precision '%s' (expected double, single, half or bfloat16)", name);
}

double ilab_fp_tiny(ilab_precision p)
{
  switch (p) {
  case ILAB_PREC_DOUBLE: return DBL_MIN;
  case ILAB_PREC_SINGLE: return FLT_MIN;
  case ILAB_PREC_HALF: return 0x1p-14;
  case ILAB_PREC_BF16: return FLT_MIN;
  }
  return DBL_MIN;
}

double ilab_fp_max(ilab_precision p)
{
  switch (p) {
  case ILAB_PREC_DOUBLE: return DBL_MAX;
  case ILAB_PREC_SINGLE: return FLT_MAX;
  case ILAB_PREC_HALF: return 65504.0;
  case ILAB_PREC_BF16: return 0x1.fep127;
  }
  return DBL_MAX;
}

double ilab_fp_overflow(ilab_precision p)
{
  switch (p) {
  case ILAB_PREC_DOUBLE: return DBL_MAX;
  case ILAB_PREC_SINGLE: return 0x1.ffffffp127;
  case ILAB_PREC_HALF: return 65520.0;
  case ILAB_PREC_BF16: return 0x1.ffp127;
  }
  return DBL_MAX;
}

/* Rounds a double to nb significant bits (nb < 53) with ties to even by
 * integer arithmetic on its pattern: adding half an ulp of the target less one,
 * plus the last kept bit, carries exactly when round-to-nearest-even goes up
 * (a carry out of the significand steps the exponent, as it should).  For a
 * normal double only. */
static double round_bits(double a, int nb)
{
  uint64_t u;
  memcpy(&u, &a, sizeof u);
  int drop = 53 - nb;
  uint64_t half = ((uint64_t)1 << (drop - 1)) - 1, keep = (u >> drop) & 1;
  u += half + keep;
  u &= ~(((uint64_t)1 << drop) - 1);
  memcpy(&a, &u, sizeof a);
  return a;
}

double ilab_fp_round(ilab_precision p, double x)
{
  if (p == ILAB_PREC_DOUBLE || isnan(x)) return x;
  if (p == ILAB_PREC_SINGLE) return (double)(float)x; /* the conversion rounds to nearest even */
  double a = fabs(x), r;
  /* the subnormal grid: spacing 2^-24 (binary16) or 2^-133 (bfloat16); adding
   * M = 2^28 (2^-81), whose double ulp is that spacing, rounds a to it with
   * ties to even, and subtracting M again is exact */
  double tiny = p == ILAB_PREC_HALF ? 0x1p-14 : 0x1p-126, M = p == ILAB_PREC_HALF ? 0x1p28 : 0x1p-81;
  int nb = p == ILAB_PREC_HALF ? 11 : 8; /* significant bits */
  if (a < tiny) {
    volatile double s = a + M; /* volatile: no reassociation, no excess precision */
    r = s - M;
  } else if (isinf(a)) {
    r = a;
  } else {
    r = round_bits(a, nb);
    if (r > ilab_fp_max(p)) r = INFINITY;
  }
  return copysign(r, x);
}

float ilab_fp_round_f(ilab_precision p, float x)
{
  if (p == ILAB_PREC_DOUBLE || p == ILAB_PREC_SINGLE) return x;
  /* every binary32 is a double, so one rounding from it is the same */
  return (float)ilab_fp_round(p, (double)x);
}

void ilab_fp_round_dn(ilab_precision p, const double *x, double scale, float *y, size_t n)
{
  /* binary32: the conversion itself rounds to nearest even; a plain loop the
   * compiler vectorizes */
  if (p == ILAB_PREC_SINGLE || p == ILAB_PREC_DOUBLE) {
    for (size_t i = 0; i < n; i++) y[i] = (float)(scale * x[i]);
    return;
  }
  for (size_t i = 0; i < n; i++) y[i] = (float)ilab_fp_round(p, scale * x[i]);
}

void ilab_fp_round_fn(ilab_precision p, const float *x, float *y, size_t n)
{
  if (p == ILAB_PREC_DOUBLE || p == ILAB_PREC_SINGLE) {
    if (x != y) memcpy(y, x, n * sizeof *y);
    return;
  }
  if (p == ILAB_PREC_BF16) {
    /* bfloat16 is binary32 cut to 8 significant bits with the same exponent
     * range, subnormals included: ties to even on the pattern alone */
    for (size_t i = 0; i < n; i++) {
      uint32_t u;
      memcpy(&u, &x[i], sizeof u);
      if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x7fffffu)) { y[i] = x[i]; continue; } /* NaN */
      u += 0x7fffu + ((u >> 16) & 1);
      u &= 0xffff0000u;
      memcpy(&y[i], &u, sizeof u);
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    float a = fabsf(x[i]), r;
    if (a < 0x1p-14f) {
      /* binary16's subnormal grid 2^-24 is binary32's ulp at 0.5 */
      volatile float s = a + 0.5f;
      r = s - 0.5f;
    } else if (!(a <= FLT_MAX)) {
      y[i] = x[i]; /* inf, NaN */
      continue;
    } else {
      uint32_t u;
      memcpy(&u, &a, sizeof u);
      u += 0xfffu + ((u >> 13) & 1);
      u &= ~0x1fffu;
      memcpy(&r, &u, sizeof r);
      if (r > 65504.0f) r = INFINITY;
    }
    y[i] = copysignf(r, x[i]);
  }
}
