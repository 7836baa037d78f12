/* Tests of the audit module: fans from shapes, constants, the rounded laws
 * of float16 and bfloat16, judging and naming the best scheme. */
#include "test.h"
#include "audit.h"
#include "ilab.h"
#include "tensorio.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static void test_fans(void)
{
  size_t fi, fo;
  char rule[64];
  const size_t lin[] = {80, 120}, conv[] = {32, 16, 3, 3}, kconv[] = {3, 3, 16, 32}, vec[] = {7}, zero[] = {0, 5};
  ilab_test_int(ilab_audit_fans(lin, 2, ILAB_LAYOUT_TORCH, &fi, &fo, rule, sizeof rule), ILAB_OK, "torch linear");
  ilab_test(fi == 120 && fo == 80 && !strcmp(rule, "torch:linear(out,in)"), "torch (80, 120): fans %zu %zu, %s", fi, fo, rule);
  ilab_audit_fans(conv, 4, ILAB_LAYOUT_TORCH, &fi, &fo, rule, sizeof rule);
  ilab_test(fi == 144 && fo == 288, "torch conv (32, 16, 3, 3): fan_in 16x9, fan_out 32x9 (got %zu %zu)", fi, fo);
  ilab_audit_fans(lin, 2, ILAB_LAYOUT_KERAS, &fi, &fo, rule, sizeof rule);
  ilab_test(fi == 80 && fo == 120 && !strcmp(rule, "keras:dense(in,out)"), "keras (80, 120): fans %zu %zu", fi, fo);
  ilab_audit_fans(kconv, 4, ILAB_LAYOUT_KERAS, &fi, &fo, rule, sizeof rule);
  ilab_test(fi == 144 && fo == 288, "keras conv (3, 3, 16, 32): fan_in 9x16, fan_out 9x32 (got %zu %zu)", fi, fo);
  ilab_audit_fans(vec, 1, ILAB_LAYOUT_KERAS, &fi, &fo, rule, sizeof rule);
  ilab_test(fi == 7 && fo == 7, "keras vector: fan_in = fan_out = n");
  ilab_test_int(ilab_audit_fans(vec, 1, ILAB_LAYOUT_TORCH, &fi, &fo, rule, sizeof rule), ILAB_EINVAL, "torch vector: no fans");
  ilab_test_int(ilab_audit_fans(zero, 2, ILAB_LAYOUT_TORCH, &fi, &fo, rule, sizeof rule), ILAB_EINVAL, "a zero axis: no fans");
  ilab_test(ilab_audit_transposed_name("up.ConvTranspose2d.weight") && ilab_audit_transposed_name("deconv1") &&
            !ilab_audit_transposed_name("conv1.weight"), "transposed-convolution names");
  double v, x[3] = {0.5, 0.5, 0.5};
  ilab_test(ilab_audit_constant(x, 3, &v) && v == 0.5, "a constant is found");
  x[2] = 0.25;
  ilab_test(!ilab_audit_constant(x, 3, &v), "a non-constant is not");
}

/* Draws of a scheme for fans (120, 80), rounded to dtype. */
static void draw(const char *spec, size_t fi, size_t fo, double gain, ilab_dtype dt, double *x, size_t n,
                 unsigned long seed)
{
  ilab_scheme s;
  ilab_dist d;
  ilab_scheme_parse(spec, &s);
  ilab_scheme_resolve(&s, fi, fo, &d);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  ilab_dist_sample(r, &d, x, n);
  gsl_rng_free(r);
  for (size_t i = 0; i < n; i++) {
    x[i] *= gain;
    if (dt == ILAB_DTYPE_F16) x[i] = ilab_half_to_double(ilab_double_to_half(x[i]));
    if (dt == ILAB_DTYPE_BF16) x[i] = ilab_bf16_to_double(ilab_double_to_bf16(x[i]));
    if (dt == ILAB_DTYPE_F32) x[i] = (double)(float)x[i];
  }
}

static ilab_audit_result judge(ilab_audit_workspace *w, const double *x, size_t n, ilab_dtype dt, const char *spec,
                               size_t fi, size_t fo)
{
  ilab_scheme s;
  ilab_audit_result r;
  ilab_scheme_parse(spec, &s);
  int st = ilab_audit_judge(w, x, n, dt, &s, 1, fi, fo, 1e-3 / 6, &r);
  ilab_test_int(st, ILAB_OK, "judge %s", spec);
  return r;
}

/* Judging at the level of one tensor, 1e-3 over six tests (|z| > 3.76 for a
 * moment).  n = 20000 draws: a variance 10% high (gain 1.05) is a z of
 * 0.1025 / sqrt(2/20000) = 10 for a normal law, far beyond 3.76. */
static void test_judge(ilab_audit_workspace *w)
{
  const size_t n = 20000;
  double *x = malloc(n * sizeof *x);
  draw("he_normal", 120, 80, 1, ILAB_DTYPE_F32, x, n, 1);
  ilab_audit_result r = judge(w, x, n, ILAB_DTYPE_F32, "he_normal", 120, 80);
  ilab_test(r.judged && r.pass, "he_normal draws pass he_normal (p %g)", r.p);
  ilab_test_rel(r.var_expected, 2.0 / 120, 1e-15, "expected variance 2/fan_in");
  ilab_test(r.ratio_lo < 1 && 1 < r.ratio_hi, "var_ratio interval (%g, %g) holds 1", r.ratio_lo, r.ratio_hi);
  ilab_test(r.detectable > 0.02 && r.detectable < 0.2, "detectable variance error %g at n 20000", r.detectable);
  draw("he_normal", 120, 80, 1.05, ILAB_DTYPE_F32, x, n, 2);
  r = judge(w, x, n, ILAB_DTYPE_F32, "he_normal", 120, 80);
  ilab_test(r.judged && !r.pass && r.z[1] > 6, "gain 1.05 fails he_normal (z_var %g)", r.z[1]);
  /* the same draws against their own law with gain 1.05 pass */
  r = judge(w, x, n, ILAB_DTYPE_F32, "he_normal:gain=1.05", 120, 80);
  ilab_test(r.pass, "gain 1.05 passes he_normal:gain=1.05 (p %g)", r.p);
  /* fewer than 100 values: not judged; a constant: its value as stored */
  r = judge(w, x, 99, ILAB_DTYPE_F32, "he_normal", 120, 80);
  ilab_test(!r.judged && strstr(r.note, "at least 100"), "99 values are not judged");
  for (size_t i = 0; i < 200; i++) x[i] = ilab_half_to_double(ilab_double_to_half(0.1));
  r = judge(w, x, 200, ILAB_DTYPE_F16, "constant:value=0.1", 1, 1);
  ilab_test(r.judged && r.pass, "float16 0.1s pass constant:value=0.1");
  r = judge(w, x, 200, ILAB_DTYPE_F64, "constant:value=0.1", 1, 1);
  ilab_test(r.judged && !r.pass, "the same values as float64 do not");
  r = judge(w, x, 200, ILAB_DTYPE_F16, "he_normal", 120, 80);
  ilab_test(r.judged && !r.pass, "a constant fails a random law");
  free(x);
}

/* bfloat16 keeps 8 significant bits: N(0, 1) rounded to it has cells of
 * probability up to 0.4 x 2^-8, larger than a chi^2 bin's 1/263 at n =
 * 200000 (2 n^0.4 bins).  Against the continuous law the bins see the grid
 * and chi^2 fails by far; against the rounded law (randomized transform)
 * the same values pass.  float16 (11 bits) with N(0, 0.02^2) likewise at
 * n = 200000 passes the rounded law. */
static void test_rounded(ilab_audit_workspace *w)
{
  const size_t n = 200000;
  double *x = malloc(n * sizeof *x);
  draw("normal:std=1", 1, 1, 1, ILAB_DTYPE_BF16, x, n, 3);
  ilab_audit_result r = judge(w, x, n, ILAB_DTYPE_BF16, "normal:std=1", 1, 1);
  ilab_test(r.pass, "bfloat16 N(0,1) passes the rounded law (p %g, chi2 p %g)", r.p, r.chi2_p);
  double p1 = r.p;
  r = judge(w, x, n, ILAB_DTYPE_BF16, "normal:std=1", 1, 1);
  ilab_test(r.p == p1, "the randomized transform is the same for the same seed");
  r = judge(w, x, n, ILAB_DTYPE_F64, "normal:std=1", 1, 1);
  ilab_test(!r.pass && r.chi2_p < 1e-10, "bfloat16 N(0,1) fails the continuous law (chi2 p %g)", r.chi2_p);
  /* the rounded law's variance, computed independently with NumPy and SciPy
   * (every positive bfloat16 g, cells between midpoints, norm.sf at the
   * bounds, 2 sum p g^2): 0.9999971657584148.  Below 1: at each power of two
   * the grid step halves, and the cells just under it are pulled in. */
  r = judge(w, x, n, ILAB_DTYPE_BF16, "normal:std=1", 1, 1);
  ilab_test_rel(r.var_expected, 0.9999971657584148, 1e-12, "bfloat16 N(0,1): variance of the rounded law");
  draw("normal:std=0.02", 1, 1, 1, ILAB_DTYPE_F16, x, n, 4);
  r = judge(w, x, n, ILAB_DTYPE_F16, "normal:std=0.02", 1, 1);
  ilab_test(r.pass, "float16 N(0,0.02^2) passes the rounded law (p %g)", r.p);
  ilab_test_rel(r.var_expected, 4e-4, 1e-5, "float16 N(0,0.02^2) variance");
  draw("he_uniform", 120, 80, 1, ILAB_DTYPE_F16, x, n, 5);
  r = judge(w, x, n, ILAB_DTYPE_F16, "he_uniform", 120, 80);
  ilab_test(r.pass, "float16 he_uniform passes the rounded law (p %g)", r.p);
  /* a law that is not symmetric: N(0,1) on [0, 1] in float16 */
  draw("torch_trunc_normal:std=1,a=0,b=1", 1, 1, 1, ILAB_DTYPE_F16, x, n, 6);
  r = judge(w, x, n, ILAB_DTYPE_F16, "torch_trunc_normal:std=1,a=0,b=1", 1, 1);
  ilab_test(r.pass, "float16 N(0,1) on [0, 1] passes the rounded law (p %g)", r.p);
  ilab_test_rel(r.var_expected, 0.07965182484851141, 1e-4, "its variance near the unrounded one");
  free(x);
}

/* best at n = 20000 with per-test level 1e-3/6: the scheme that drew the
 * values, or the constants' names, or none. */
static void test_best(ilab_audit_workspace *w)
{
  const size_t n = 20000;
  double *x = malloc(n * sizeof *x), p;
  char best[160], alike[256];
  static const char *const specs[] = {"glorot_uniform", "he_normal", "torch_linear", "lecun_normal:dist=truncated_normal",
                                      "he_normal:mode=fan_out", "normal:std=0.02"};
  for (size_t k = 0; k < sizeof specs / sizeof *specs; k++) {
    draw(specs[k], 300, 100, 1, ILAB_DTYPE_F32, x, n, 10 + k);
    ilab_test_int(ilab_audit_best(w, x, n, ILAB_DTYPE_F32, 1, 300, 100, 1e-3 / 6, best, sizeof best, &p, alike,
                                  sizeof alike), ILAB_OK, "best of %s", specs[k]);
    ilab_test(!strcmp(best, specs[k]), "best of %s draws: %s (p %g)", specs[k], best, p);
  }
  draw("normal:std=5", 300, 100, 1, ILAB_DTYPE_F32, x, n, 20);
  ilab_audit_best(w, x, n, ILAB_DTYPE_F32, 1, 300, 100, 1e-3 / 6, best, sizeof best, &p, alike, sizeof alike);
  ilab_test(!strcmp(best, "none"), "N(0, 25) fits nothing: %s", best);
  draw("lecun_normal", 100, 100, 1, ILAB_DTYPE_F32, x, n, 21);
  ilab_audit_best(w, x, n, ILAB_DTYPE_F32, 1, 100, 100, 1e-3 / 6, best, sizeof best, &p, alike, sizeof alike);
  ilab_test(!strcmp(best, "lecun_normal") && strstr(alike, "glorot_normal"), "square fans: lecun_normal, alike %s", alike);
  for (size_t i = 0; i < n; i++) x[i] = 1;
  ilab_audit_best(w, x, n, ILAB_DTYPE_F32, 1, 300, 100, 1e-3 / 6, best, sizeof best, &p, alike, sizeof alike);
  ilab_test(!strcmp(best, "ones"), "ones: %s", best);
  for (size_t i = 0; i < n; i++) x[i] = 0;
  ilab_audit_best(w, x, n, ILAB_DTYPE_F32, 1, 300, 100, 1e-3 / 6, best, sizeof best, &p, alike, sizeof alike);
  ilab_test(!strcmp(best, "zeros"), "zeros: %s", best);
  for (size_t i = 0; i < n; i++) x[i] = 0.125;
  ilab_audit_best(w, x, n, ILAB_DTYPE_F32, 1, 300, 100, 1e-3 / 6, best, sizeof best, &p, alike, sizeof alike);
  ilab_test(!strcmp(best, "constant:value=0.125"), "constant: %s", best);
  /* without fans, only fixed laws */
  draw("he_normal", 300, 100, 1, ILAB_DTYPE_F32, x, n, 22);
  ilab_audit_best(w, x, n, ILAB_DTYPE_F32, 0, 0, 0, 1e-3 / 6, best, sizeof best, &p, alike, sizeof alike);
  ilab_test(!strcmp(best, "none"), "he_normal without fans: %s", best);
  free(x);
}

int main(void)
{
  ilab_audit_workspace *w = ilab_audit_workspace_alloc(42);
  ilab_test(w != NULL, "workspace");
  if (!w) return ilab_test_summary();
  test_fans();
  test_judge(w);
  test_rounded(w);
  test_best(w);
  ilab_audit_workspace_free(w);
  return ilab_test_summary();
}
