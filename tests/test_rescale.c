/* Tests of the rescaling arithmetic: factors beyond a double's range, the
 * range test at its bounds, the powers of two and the scaled statistics
 * (the sweep's comparison with the direct computation is in test_sweep.c). */
#include "test.h"
#include "rescale.h"

#include <float.h>
#include <string.h>

int main(void)
{
  ilab_act a;
  memset(&a, 0, sizeof a);
  ilab_act_kind yes[] = {ILAB_ACT_LINEAR, ILAB_ACT_RELU, ILAB_ACT_LEAKY_RELU};
  ilab_act_kind no[] = {ILAB_ACT_TANH, ILAB_ACT_HARDTANH, ILAB_ACT_ELU, ILAB_ACT_SELU, ILAB_ACT_GELU, ILAB_ACT_SOFTPLUS};
  for (size_t i = 0; i < 3; i++) { a.kind = yes[i]; ilab_test(ilab_rescale_homogeneous(&a), "kind %d is homogeneous", (int)yes[i]); }
  for (size_t i = 0; i < 6; i++) { a.kind = no[i]; ilab_test(!ilab_rescale_homogeneous(&a), "kind %d is not", (int)no[i]); }

  /* 0.1^400 = 1e-400, below the smallest double, kept as m 2^e: times
   * 1e300 twice it is 1e200, to rounding (400 multiplications: 1e-13) */
  ilab_rescale_factor f = ilab_rescale_one();
  for (int i = 0; i < 400; i++) f = ilab_rescale_mul(f, 0.1);
  ilab_test(f.m >= 0.5 && f.m < 1, "the mantissa stays in [0.5, 1) (%.17g)", f.m);
  ilab_test_int(f.e, -1328, "0.1^400 = m 2^e with e = floor(log2(1e-400)) + 1");
  ilab_test(ilab_rescale_apply(f, 1.0) == 0, "1e-400 as a double: 0");
  ilab_test_rel(ilab_rescale_apply(ilab_rescale_mul(ilab_rescale_mul(f, 1e300), 1e300), 1.0), 1e200, 1e-13,
                "1e-400 x 1e300 x 1e300 = 1e200");
  ilab_test_rel(ilab_rescale_apply2(ilab_rescale_mul(f, 1e250), 1.0), 1e-300, 1e-13, "(1e-150)^2 = 1e-300");
  ilab_rescale_factor g = ilab_rescale_mul2(f, f);
  ilab_test_int(g.e, -2657, "(1e-400)^2 = m 2^e with e = floor(log2(1e-800)) + 1");
  double v[4] = {1, -2, 0, 3}, out[4];
  ilab_rescale_buffer(ilab_rescale_mul(ilab_rescale_one(), 3.0), v, out, 4);
  ilab_test(out[0] == 3 && out[1] == -6 && out[2] == 0 && out[3] == 9, "a buffer times 3");
  ilab_rescale_buffer(ilab_rescale_mul(f, 1e300), v, out, 4); /* 1e-100 by two multiplications */
  ilab_test_rel(out[3], 3e-100, 1e-13, "a buffer times 1e-100 (a factor beyond the exponent range of one double)");

  /* extent: max, smallest non-zero, mean square, non-finite */
  ilab_rescale_extent x;
  double w[5] = {0.5, -4, 0, 1e-3, 2};
  ilab_rescale_extent_of(w, 5, &x);
  ilab_test(x.max == 4 && x.min_nz == 1e-3 && !x.nonfinite, "extent: max |v| 4, smallest non-zero 1e-3");
  ilab_test_rel(x.mean_sq, (0.25 + 16 + 1e-6 + 4) / 5, 1e-15, "extent: mean square");
  /* the largest and the smallest non-zero magnitude at every position of
   * 11 entries (each lane of the vector loop, and its tail), beside zeros */
  for (int p = 0; p < 11; p++) {
    double u[11];
    for (int i = 0; i < 11; i++) u[i] = i % 3 ? 1.0 : 0.0;
    u[p] = -8;
    u[(p + 5) % 11] = 1e-5;
    ilab_rescale_extent_of(u, 11, &x);
    ilab_test(x.max == 8 && x.min_nz == 1e-5, "extent: max 8 at %d, smallest non-zero 1e-5 at %d (got %g, %g)", p,
              (p + 5) % 11, x.max, x.min_nz);
  }
  w[2] = NAN;
  ilab_rescale_extent_of(w, 5, &x);
  ilab_test(x.nonfinite && !ilab_rescale_in_range(ilab_rescale_one(), &x), "a NaN: not finite, out of range");
  w[2] = -INFINITY;
  ilab_rescale_extent_of(w, 5, &x);
  ilab_test(x.nonfinite, "an inf: not finite");

  /* the range [2^-478, 2^480] of f |v|, at its bounds */
  ilab_rescale_extent e = {1, 1, 1, 0};
  ilab_rescale_factor one = ilab_rescale_one();
  ilab_test(ilab_rescale_in_range(ilab_rescale_mul(one, 0x1p479), &e), "2^479 in range");
  ilab_test(ilab_rescale_in_range(ilab_rescale_mul(one, 0x1.fffffffffffffp479), &e), "the largest double below 2^480 in range");
  ilab_test(!ilab_rescale_in_range(ilab_rescale_mul(one, 0x1p480), &e), "2^480 out of range");
  ilab_test(ilab_rescale_in_range(ilab_rescale_mul(one, 0x1p-478), &e), "2^-478 in range");
  ilab_test(!ilab_rescale_in_range(ilab_rescale_mul(one, 0x1p-479), &e), "2^-479 out of range");
  ilab_test(!ilab_rescale_in_range(ilab_rescale_mul(one, 0x1.fffffffffffffp-479), &e), "the largest double below 2^-478 out of range");
  e.max = 3;
  ilab_test(!ilab_rescale_in_range(ilab_rescale_mul(one, 0x1p479), &e), "3 x 2^479 out of range");
  e.min_nz = 0x1p-100;
  ilab_test(!ilab_rescale_in_range(ilab_rescale_mul(one, 0x1p-400), &e), "the smallest non-zero entry decides below");
  ilab_rescale_extent zeros = {0, INFINITY, 0, 0};
  ilab_test(ilab_rescale_in_range(f, &zeros), "all zeros: in range at any scale");

  /* powers of two: sqrt(n q) = 2^k gives 2^-k, exactly */
  ilab_test(ilab_rescale_pow2(512, 0.5) == 1.0 / 16, "n = 512, q = 1/2: 1/16");
  ilab_test(ilab_rescale_pow2(4, 1e40) == ldexp(1, -(int)round(0.5 * log2(4e40))), "n = 4, q = 1e40");
  ilab_test(ilab_rescale_pow2(10, 0) == 1 && ilab_rescale_pow2(10, NAN) == 1 && ilab_rescale_pow2(10, INFINITY) == 1,
            "q = 0, NaN, inf: 1");

  /* statistics: means by c, variances by c^2, dL/dW by w^2, counts kept */
  ilab_layer_stats r = {.h_mean = 0.5, .h_var = 2, .x_mean = 0.25, .x_var = 1, .x_sq = 1.0625, .gx_var = 3, .gh_var = 1.5,
                        .gw_var = 7, .zero_frac = 0.5, .sat_frac = 0, .nonfinite = 0, .g_nonfinite = 0,
                        .lsuv_scale = NAN, .lsuv_iters = NAN},
                    o;
  memset(&o, 0, sizeof o);
  ilab_rescale_factor c = ilab_rescale_mul(one, 4), d = ilab_rescale_mul(one, 0.5), ww = ilab_rescale_mul(one, 3);
  ilab_rescale_stats(&r, c, d, ww, &o);
  ilab_test(o.h_mean == 2 && o.h_var == 32 && o.x_mean == 1 && o.x_var == 16 && o.x_sq == 17 && o.gx_var == 0.75 &&
                o.gh_var == 0.375 && o.gw_var == 63 && o.zero_frac == 0.5,
            "stats: c = 4, d = 1/2, w = 3");
  return ilab_test_summary();
}
