/* The floating-point formats a network can run in (double, single, half,
 * bfloat16): their names, ranges, and round-to-nearest-even rounding. */
#ifndef ILAB_FP_H
#define ILAB_FP_H

#include <stddef.h>

/* A network's precision.  SINGLE runs every operation in binary32; HALF and
 * BF16 store weights, activations and gradients in binary16 or bfloat16,
 * rounded after each operation, with products accumulated in binary32 (the
 * mixed precision of accelerators). */
typedef enum {
  ILAB_PREC_DOUBLE = 0,
  ILAB_PREC_SINGLE,
  ILAB_PREC_HALF,
  ILAB_PREC_BF16
} ilab_precision;

/* "double", "single", "half", "bfloat16". */
const char *ilab_fp_name(ilab_precision p);

/* Parses a name ("float64" = "double", "float32" = "single", "float16" =
 * "half", "bf16" = "bfloat16" also accepted); ILAB_EINVAL if it names none. */
int ilab_fp_parse(const char *name, ilab_precision *p);

/* The smallest positive normal number of the storage format: 2^-1022,
 * 2^-126, 2^-14 (binary16), 2^-126 (bfloat16).  An entry below it in
 * magnitude is zero or subnormal: it has lost relative precision. */
double ilab_fp_tiny(ilab_precision p);

/* The largest finite number: DBL_MAX, FLT_MAX, 65504, (2 - 2^-7) 2^127. */
double ilab_fp_max(ilab_precision p);

/* The magnitude from which rounding to the format gives +-inf: half an ulp
 * above the largest finite (ties go to the even inf): 65520 for binary16,
 * (2 - 2^-8) 2^127 for bfloat16, (2 - 2^-24) 2^127 for binary32; DBL_MAX. */
double ilab_fp_overflow(ilab_precision p);

/* x rounded to the storage format, to nearest with ties to even, with the
 * format's subnormals (binary16 down to 2^-24, bfloat16 down to 2^-133) and
 * overflow to +-inf; NaN stays NaN.  Exact: one rounding from the double. */
double ilab_fp_round(ilab_precision p, double x);

/* The same from a binary32 value (the result of a binary32 product or
 * sum), as a binary32 value; DOUBLE and SINGLE return x. */
float ilab_fp_round_f(ilab_precision p, float x);

/* y[i] = ilab_fp_round(p, scale * x[i]) as binary32 (exact: every value
 * of the formats is one); scale 1 allowed. */
void ilab_fp_round_dn(ilab_precision p, const double *x, double scale, float *y, size_t n);

/* y[i] = ilab_fp_round_f(p, x[i]) (x == y allowed). */
void ilab_fp_round_fn(ilab_precision p, const float *x, float *y, size_t n);

#endif
