/* Tests of the scheme module: parsing, exact variances, pinned draws, and a
 * variance z-test for every preset. */
#include "test.h"
#include "ilab.h"
#include "scheme.h"
#include "sweep.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

static double var_of(const char *spec, size_t fi, size_t fo)
{
  ilab_scheme s;
  if (ilab_scheme_parse(spec, &s)) return -1;
  return ilab_scheme_variance(&s, fi, fo);
}

static void test_variances(void)
{
  /* Exact target variances, relative tolerance 1e-12 (they are closed forms). */
  const double tol = 1e-12;
  ilab_test_rel(var_of("lecun_normal", 300, 100), 1.0 / 300, tol, "lecun_normal = 1/fan_in");
  ilab_test_rel(var_of("lecun_uniform", 300, 100), 1.0 / 300, tol, "lecun_uniform = 1/fan_in");
  ilab_test_rel(var_of("glorot_normal", 300, 100), 2.0 / 400, tol, "glorot_normal = 2/(in+out)");
  ilab_test_rel(var_of("glorot_uniform", 300, 100), 2.0 / 400, tol, "glorot_uniform = 2/(in+out)");
  ilab_test_rel(var_of("xavier_uniform", 300, 100), 2.0 / 400, tol, "xavier alias");
  ilab_test_rel(var_of("he_normal", 300, 100), 2.0 / 300, tol, "he_normal = 2/fan_in");
  ilab_test_rel(var_of("he_uniform", 300, 100), 2.0 / 300, tol, "he_uniform = 2/fan_in");
  ilab_test_rel(var_of("kaiming_normal:mode=fan_out", 300, 100), 2.0 / 100, tol, "he fan_out = 2/fan_out");
  ilab_test_rel(var_of("he_normal:dist=truncated_normal", 300, 100), 2.0 / 300, tol,
                "corrected truncated He keeps 2/fan_in");
  ilab_test_rel(var_of("he_normal:dist=truncated_normal,correct=0", 300, 100),
                0.773741303550 * 2.0 / 300, 1e-11, "uncorrected truncated He = 0.7737 * 2/fan_in");
  ilab_test_rel(var_of("variance_scaling:scale=3,mode=fan_avg,dist=uniform", 300, 100), 3.0 / 200, tol,
                "variance_scaling fan_avg uniform");
  ilab_test_rel(var_of("variance_scaling", 300, 100), 1.0 / 300, tol, "variance_scaling defaults");
  ilab_test_rel(var_of("lecun_normal:gain=2", 300, 100), 4.0 / 300, tol, "gain multiplies the sd");
  ilab_test_rel(var_of("normal:std=0.01", 300, 100), 1e-4, tol, "normal:std");
  ilab_test_rel(var_of("uniform:limit=0.3", 300, 100), 0.09 / 3, tol, "uniform:limit");
  ilab_test_rel(var_of("truncated_normal:std=0.5", 3, 1), 0.773741303550 * 0.25, 1e-11,
                "truncated_normal:std is the parent's");
  ilab_test_rel(var_of("truncated_normal:std=0.5,correct=1", 3, 1), 0.25, tol,
                "truncated_normal:correct=1");
  ilab_test_rel(var_of("torch_linear", 300, 100), 1.0 / 900, tol, "torch_linear = 1/(3 fan_in)");
  ilab_test_rel(var_of("tf1_truncated", 300, 100), 0.773741303550 / 300, 1e-11, "tf1_truncated");
  ilab_test_rel(var_of("tf1_contrib", 300, 100), 1.3 * 0.773741303550 * 2 / 300, 1e-11,
                "tf1_contrib = 1.0059 * 2/fan_in");
  ilab_test_rel(var_of("darknet_connected", 300, 100), 2.0 / 900, tol, "darknet = 2/(3 fan_in)");
  ilab_test_rel(var_of("zeros", 3, 4), 0, 0, "zeros");
  ilab_test_rel(var_of("constant:value=0.5", 3, 4), 0, 0, "constant has no variance");

  ilab_scheme s;
  ilab_scheme_parse("torch_linear", &s);
  ilab_test_rel(ilab_scheme_promised_variance(&s, 300, 100), 1.0 / 300, tol, "torch_linear promises LeCun");
  ilab_scheme_parse("tf1_contrib:factor=1", &s);
  ilab_test_rel(ilab_scheme_promised_variance(&s, 300, 100), 1.0 / 300, tol, "tf1_contrib promises factor/n");
}

static void test_parse_errors(void)
{
  static const char *const bad[] = {
      "", "nosuch", "he_normal:", "he_normal:mode", "he_normal:mode=", "he_normal:mode=fan_sideways",
      "he_normal:dist=cauchy", "he_normal:gain=-1", "he_normal:gain=nan", "he_normal:gain=inf",
      "he_normal:gain=1x", "he_normal:scale=2", "he_normal:mode=fan_in,mode=fan_out", "normal",
      "normal:std=-0.1", "uniform", "normal:limit=1", "truncated_normal:std=1,correct=2",
      "zeros:value=1", "constant", "he_normal:correct=yes", "torch_linear:gain=2", "he_normal,mode=fan_in",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ilab_scheme s;
    ilab_error_clear();
    int st = ilab_scheme_parse(bad[i], &s);
    ilab_test(st == ILAB_EPARSE && ilab_error_reason()[0], "'%s' is refused with a reason (%s)", bad[i],
              ilab_error_reason());
  }
  ilab_scheme s;
  ilab_test(ilab_scheme_parse("he_normal:dist=uniform,mode=fan_avg,gain=1.5", &s) == ILAB_OK,
            "keys combine");
  ilab_dist d;
  ilab_test(ilab_scheme_resolve(&s, 0, 10, &d) == ILAB_EINVAL, "fan 0 is refused");
  /* every spec listed by 'initlab list' parses */
  for (size_t i = 0; i < ilab_scheme_table_size; i++)
    ilab_test(ilab_scheme_parse(ilab_scheme_table[i].spec, &s) == ILAB_OK, "listed spec '%s' parses",
              ilab_scheme_table[i].spec);
}

/* The first draws of each scheme for seed 42 and fans (64, 32), in the stream
 * 'initlab run' uses for layer 1 of trial 0.  Known-answer values, as GSL's
 * rng tests pin theirs: a change of sampler, stream key or scaling shows here. */
static void test_pinned(void)
{
  static const struct { const char *spec; double x[3]; } pins[] = {
#include "pinned_draws.h"
  };
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
    ilab_scheme s;
    ilab_dist d;
    double x[3];
    ilab_scheme_parse(pins[i].spec, &s);
    ilab_scheme_resolve(&s, 64, 32, &d);
    gsl_rng_set(r, ilab_stream_seed(42, 0, 1, ilab_dist_family(&d)));
    ilab_dist_sample(r, &d, x, 3);
    for (int k = 0; k < 3; k++)
      ilab_test(x[k] == pins[i].x[k], "pinned draw %d of %s (observed %.17g vs %.17g)", k, pins[i].spec,
                x[k], pins[i].x[k]);
  }
  gsl_rng_free(r);
}

/* For every preset, n = 200000 draws at fans (400, 100): the sample variance
 * against the exact one, z = (s^2 - var)/sqrt((mu4 - var^2)/n), with mu4 the
 * exact fourth central moment.  |z| <= 4: a false alarm has probability
 * 6e-5 per check, and the seeds are fixed, so a failure means the sampler
 * or the variance is wrong.  At this n the check detects a variance error of
 * about 4*sqrt(2/n) = 1.3% for a normal law. */
static void test_variance_z(void)
{
  const size_t n = 200000, fi = 400, fo = 100;
  double *w = malloc(n * sizeof *w);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  for (size_t i = 0; i < ilab_scheme_table_size; i++) {
    ilab_scheme s;
    ilab_dist d;
    ilab_scheme_parse(ilab_scheme_table[i].spec, &s);
    ilab_scheme_resolve(&s, fi, fo, &d);
    double var = ilab_dist_central_moment(&d, 2), mu4 = ilab_dist_central_moment(&d, 4);
    if (var == 0) continue;
    gsl_rng_set(r, 1000 + i);
    ilab_dist_sample(r, &d, w, n);
    double mean = 0, m2 = 0;
    for (size_t k = 0; k < n; k++) mean += w[k];
    mean /= (double)n;
    for (size_t k = 0; k < n; k++) m2 += (w[k] - mean) * (w[k] - mean);
    double s2 = m2 / (double)(n - 1);
    ilab_test_z((s2 - var) / sqrt((mu4 - var * var) / (double)n), 4, "variance of %s", ilab_scheme_table[i].spec);
    ilab_test_z((mean - ilab_dist_raw_moment(&d, 1)) / sqrt(var / (double)n), 4, "mean of %s",
                ilab_scheme_table[i].spec);
  }
  gsl_rng_free(r);
  free(w);
}

int main(void)
{
  test_variances();
  test_parse_errors();
  test_pinned();
  test_variance_z();
  return ilab_test_summary();
}
