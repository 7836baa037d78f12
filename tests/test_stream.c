/* Tests of the keyed streams: the hash against splitmix64's published first
 * output, the seeds pinned (every table depends on them), the generator
 * chosen by name, and that a run's first layer draws exactly the stream
 * that 'initlab sample' and 'initlab moments' draw, under two generators. */
#include "config.h"
#include "dist.h"
#include "ilab.h"
#include "scheme.h"
#include "stream.h"
#include "sweep.h"
#include "test.h"

#include <math.h>
#include <string.h>
#include <gsl/gsl_statistics_double.h>

static void test_hash(void)
{
  /* splitmix64 seeded with 0 outputs mix(0x9e3779b97f4a7c15) first:
   * 0xe220a8397b1dcdaf (Vigna's reference splitmix64.c) */
  ilab_test(ilab_stream_mix64(0x9e3779b97f4a7c15ULL) == 0xe220a8397b1dcdafULL, "mix64: splitmix64's first output");
  ilab_test(ilab_stream_mix64(0) == 0, "mix64(0) = 0 (a bijection fixing 0)");
  /* pinned (values of the hash as sweep.c first wrote it): changing it
   * changes every table ever written */
  ilab_test(ilab_stream_seed(42, 0, 1, 1) == 3111795982UL, "seed (42, 0, 1, normal) pinned");
  ilab_test(ilab_stream_seed(0, 0, 0, 0) == 1467414040UL, "seed (0, 0, 0, 0) pinned");
  ilab_test(ilab_stream_seed(7, 3, 50, ILAB_STREAM_INPUT) == 3412330566UL, "seed (7, 3, 50, INPUT) pinned");
  unsigned long s0 = ilab_stream_seed(42, 0, 1, 1);
  ilab_test(s0 <= 0xffffffffUL, "the seed fits 32 bits");
  ilab_test(s0 != ilab_stream_seed(43, 0, 1, 1) && s0 != ilab_stream_seed(42, 1, 1, 1) &&
            s0 != ilab_stream_seed(42, 0, 2, 1) && s0 != ilab_stream_seed(42, 0, 1, 2),
            "each key changes the seed");
  ilab_test(ilab_stream_seed(0, 0, 0, 0) != 0, "seed 0 does not start at mix(0)");
}

static void test_type(void)
{
  const gsl_rng_type *t = NULL;
  ilab_test_int(ilab_stream_type(NULL, &t), ILAB_OK, "no name");
  ilab_test(t == gsl_rng_mt19937, "no name: mt19937");
  ilab_test_int(ilab_stream_type("", &t), ILAB_OK, "empty name");
  ilab_test(t == gsl_rng_mt19937, "empty name: mt19937");
  ilab_test_int(ilab_stream_type("taus2", &t), ILAB_OK, "taus2");
  ilab_test(t == gsl_rng_taus2, "taus2 is GSL's taus2");
  ilab_error_clear();
  ilab_test_int(ilab_stream_type("nosuch", &t), ILAB_EINVAL, "an unknown name is refused");
  ilab_test(strstr(ilab_error_reason(), "GSL_RNG_TYPE=nosuch") != NULL, "the reason names it: %s", ilab_error_reason());
  gsl_rng *a = ilab_stream_alloc(gsl_rng_taus2, 7, 2, 3, 4), *b = gsl_rng_alloc(gsl_rng_taus2);
  gsl_rng_set(b, ilab_stream_seed(7, 2, 3, 4));
  int same = 1;
  for (int i = 0; i < 10; i++) same &= gsl_rng_get(a) == gsl_rng_get(b);
  ilab_test(same, "ilab_stream_alloc sets the stream of its key");
  gsl_rng_free(a);
  gsl_rng_free(b);
}

/* A one-layer linear network of widths 3 -> 4, batch 5, no bias: H = X W
 * with X from the input stream (seed, 0, 0, INPUT) and W = sigma U, U from
 * (seed, 0, 1, family), drawn here as 'initlab sample' draws them. */
static double predicted_h_var(const gsl_rng_type *type, unsigned long seed, const char *scheme)
{
  enum { N0 = 3, N1 = 4, B = 5 };
  ilab_scheme s, in;
  ilab_dist d, din;
  ilab_scheme_parse(scheme, &s);
  ilab_scheme_resolve(&s, N0, N1, &d);
  ilab_scheme_parse("normal:std=1", &in);
  ilab_scheme_resolve(&in, N0, N1, &din);
  double x[B * N0], w[N0 * N1], h[B * N1];
  gsl_rng *r = ilab_stream_alloc(type, seed, 0, 0, ILAB_STREAM_INPUT);
  ilab_dist_sample(r, &din, x, B * N0);
  gsl_rng_free(r);
  r = ilab_stream_alloc(type, seed, 0, 1, ilab_dist_family(&d));
  ilab_dist_sample(r, &d, w, N0 * N1);
  gsl_rng_free(r);
  for (int b = 0; b < B; b++)
    for (int j = 0; j < N1; j++) {
      double acc = 0;
      for (int i = 0; i < N0; i++) acc += x[b * N0 + i] * w[i * N1 + j];
      h[b * N1 + j] = acc;
    }
  return gsl_stats_variance(h, 1, B * N1);
}

static double run_h_var(const gsl_rng_type *type, unsigned long seed, const char *scheme)
{
  char text[256];
  snprintf(text, sizeof text, "activations = linear\nschemes = %s\nwidths = 3 4\nbatch = 5\n", scheme);
  ilab_config c;
  ilab_sweep s;
  memset(&s, 0, sizeof s);
  double v = NAN;
  if (ilab_config_parse("t.cfg", text, strlen(text), &c)) return NAN;
  s.seed = seed;
  s.rng_type = type;
  s.threads = 1;
  if (!ilab_sweep_alloc(&s, &c) && !ilab_sweep_run(&s)) v = ilab_sweep_at(&s, 0, 0, 1)->h_var;
  ilab_sweep_free(&s);
  ilab_config_free(&c);
  return v;
}

static void test_run_draws(void)
{
  static const char *const schemes[] = {"he_normal", "glorot_uniform", "he_normal:dist=truncated_normal"};
  for (int k = 0; k < 3; k++) {
    double mt = run_h_var(gsl_rng_mt19937, 11, schemes[k]), ta = run_h_var(gsl_rng_taus2, 11, schemes[k]);
    /* the sweep's dgemm may sum in another order: 1e-12 relative */
    ilab_test_rel(mt, predicted_h_var(gsl_rng_mt19937, 11, schemes[k]), 1e-12,
                  "%s, mt19937: layer 1 of a run draws the streams of its keys", schemes[k]);
    ilab_test_rel(ta, predicted_h_var(gsl_rng_taus2, 11, schemes[k]), 1e-12,
                  "%s, taus2: layer 1 of a run draws the streams of its keys", schemes[k]);
    ilab_test(mt != ta, "%s: the generator changes the draws (%g vs %g)", schemes[k], mt, ta);
  }
}

int main(void)
{
  test_hash();
  test_type();
  test_run_draws();
  return ilab_test_summary();
}
