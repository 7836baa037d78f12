/* Tests of fp.c: rounding to binary16 and bfloat16 bit for bit against NumPy
 * and PyTorch (tests/fp_fixture.h), against tensorio.c's independent pattern
 * conversions, and the names and ranges of the formats. */
#include "fp.h"
#include "ilab.h"
#include "tensorio.h"
#include "test.h"

#include <float.h>
#include <stdint.h>
#include <string.h>

#include "fp_fixture.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Equal as values, with the sign of zero: -0 and +0 differ. */
static int same(double a, double b)
{
  return (a == b && signbit(a) == signbit(b)) || (isnan(a) && isnan(b));
}

static void fixtures(void)
{
  size_t bad = 0, badf = 0, first = SIZE_MAX;
  for (size_t i = 0; i < N_OF(fp_half_from_double); i++) {
    double x = fp_half_from_double[i][0], want = fp_half_from_double[i][1];
    if (!same(ilab_fp_round(ILAB_PREC_HALF, x), want)) { bad++; if (first == SIZE_MAX) first = i; }
  }
  ilab_test(bad == 0, "binary16 from float64: %zu of %zu differ from NumPy (first: row %zu)", bad,
            N_OF(fp_half_from_double), first);
  bad = 0;
  for (size_t i = 0; i < N_OF(fp_half_from_float); i++) {
    float x = (float)fp_half_from_float[i][0], y;
    double want = fp_half_from_float[i][1];
    ilab_fp_round_fn(ILAB_PREC_HALF, &x, &y, 1);
    bad += !same(y, want);
    badf += !same(ilab_fp_round_f(ILAB_PREC_HALF, x), want);
  }
  ilab_test(bad == 0 && badf == 0, "binary16 from float32: %zu (vector) and %zu (scalar) of %zu differ from NumPy",
            bad, badf, N_OF(fp_half_from_float));
  bad = badf = 0;
  size_t badd = 0;
  for (size_t i = 0; i < N_OF(fp_bf16_from_float); i++) {
    float x = (float)fp_bf16_from_float[i][0], y;
    double want = fp_bf16_from_float[i][1];
    ilab_fp_round_fn(ILAB_PREC_BF16, &x, &y, 1);
    bad += !same(y, want);
    badf += !same(ilab_fp_round_f(ILAB_PREC_BF16, x), want);
    badd += !same(ilab_fp_round(ILAB_PREC_BF16, (double)x), want);
  }
  ilab_test(bad == 0 && badf == 0 && badd == 0,
            "bfloat16 from float32: %zu (vector), %zu (scalar), %zu (from double) of %zu differ from PyTorch", bad,
            badf, badd, N_OF(fp_bf16_from_float));
  /* the fixtures hold ties, subnormals and overflows, or they test little */
  size_t sub = 0, inf = 0;
  for (size_t i = 0; i < N_OF(fp_half_from_double); i++) {
    double y = fabs(fp_half_from_double[i][1]);
    sub += y > 0 && y < 0x1p-14;
    inf += isinf(y);
  }
  ilab_test(sub >= 50 && inf >= 10, "the binary16 fixture has subnormal (%zu) and infinite (%zu) results", sub, inf);
}

/* Doubles that are not binary32 values: the bfloat16 rounding from double
 * against tensorio.c's pattern conversion (frexp and nearbyint, another
 * algorithm); binary16 likewise, over the whole range. */
static void against_tensorio(void)
{
  uint64_t s = 88172645463325252ull; /* xorshift64 (Marsaglia 2003) */
  size_t badh = 0, badb = 0, n = 200000;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    double m = (double)(s >> 11) * 0x1p-53; /* [0, 1) */
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    double xh = ldexp(1 + m, (int)(s % 50) - 30) * (s & 1 ? -1 : 1);
    double xb = ldexp(1 + m, (int)(s % 280) - 150) * (s & 1 ? -1 : 1);
    badh += !same(ilab_fp_round(ILAB_PREC_HALF, xh), ilab_half_to_double(ilab_double_to_half(xh)));
    badb += !same(ilab_fp_round(ILAB_PREC_BF16, xb), ilab_bf16_to_double(ilab_double_to_bf16(xb)));
  }
  ilab_test(badh == 0 && badb == 0, "from double: %zu (binary16) and %zu (bfloat16) of %zu differ from tensorio.c",
            badh, badb, n);
}

static void edges(void)
{
  ilab_test(same(ilab_fp_round(ILAB_PREC_HALF, 0x1p-25), 0), "2^-25 ties to the even 0 in binary16");
  ilab_test(same(ilab_fp_round(ILAB_PREC_HALF, -0x1p-25), -0.0), "-2^-25 rounds to -0");
  ilab_test(same(ilab_fp_round(ILAB_PREC_HALF, 3 * 0x1p-25), 0x1p-23), "3 2^-25 ties up to 2^-23");
  ilab_test(same(ilab_fp_round(ILAB_PREC_HALF, 65519.99), 65504), "65519.99 stays 65504");
  ilab_test(isinf(ilab_fp_round(ILAB_PREC_HALF, 65520)), "65520 overflows binary16");
  ilab_test(isnan(ilab_fp_round(ILAB_PREC_BF16, NAN)) && isnan(ilab_fp_round(ILAB_PREC_HALF, NAN)), "NaN stays NaN");
  ilab_test(same(ilab_fp_round(ILAB_PREC_BF16, 0x1p-134), 0), "2^-134 ties to 0 in bfloat16");
  ilab_test(isinf(ilab_fp_round(ILAB_PREC_BF16, 1e39)), "1e39 overflows bfloat16");
  ilab_test(same(ilab_fp_round(ILAB_PREC_SINGLE, 1 + 0x1p-24), 1), "binary32: 1 + 2^-24 ties to 1");
  ilab_test(same(ilab_fp_round(ILAB_PREC_DOUBLE, 1 + 0x1p-52), 1 + 0x1p-52), "double is left as it is");
  ilab_test(ilab_fp_tiny(ILAB_PREC_HALF) == 0x1p-14 && ilab_fp_tiny(ILAB_PREC_BF16) == FLT_MIN &&
                ilab_fp_max(ILAB_PREC_HALF) == 65504 && ilab_fp_max(ILAB_PREC_BF16) == 0x1.fep127,
            "the formats' ranges");
  for (int k = 1; k <= 3; k++) {
    ilab_precision q = (ilab_precision)k;
    double o = ilab_fp_overflow(q);
    ilab_test(isinf(ilab_fp_round(q, o)) && ilab_fp_round(q, nextafter(o, 0)) == ilab_fp_max(q),
              "%s: inf from %.17g, the largest finite just below", ilab_fp_name(q), o);
  }
  ilab_precision p = ILAB_PREC_DOUBLE;
  ilab_test(ilab_fp_parse("float16", &p) == ILAB_OK && p == ILAB_PREC_HALF, "float16 names half");
  ilab_test(ilab_fp_parse("bf16", &p) == ILAB_OK && p == ILAB_PREC_BF16, "bf16 names bfloat16");
  ilab_test(ilab_fp_parse("quad", &p) == ILAB_EINVAL && strstr(ilab_error_reason(), "quad"), "an unknown name is refused");
  ilab_test(!strcmp(ilab_fp_name(ILAB_PREC_SINGLE), "single"), "names");
}

int main(void)
{
  fixtures();
  against_tensorio();
  edges();
  return ilab_test_summary();
}
