/* Tests of the scheme module: parsing, exact variances, pinned draws, and a
 * variance z-test for every preset. */
#include "test.h"
#include "ilab.h"
#include "scheme.h"
#include "sweep.h"

#include <math.h>
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

  /* gain= on every scheme, so an error can be planted anywhere */
  ilab_test_rel(var_of("torch_linear:gain=1.02", 300, 100), 1.0404 / 900, tol, "torch_linear takes gain=");
  ilab_test_rel(var_of("darknet_connected:gain=0.98", 300, 100), 0.9604 * 2 / 900, tol, "darknet takes gain=");
  ilab_test_rel(var_of("tf1_truncated:gain=1.02", 300, 100), 1.0404 * 0.773741303550 / 300, 1e-11,
                "tf1_truncated takes gain=");
  ilab_test_rel(var_of("tf1_contrib:gain=0.98", 300, 100), 0.9604 * 1.3 * 0.773741303550 * 2 / 300, 1e-11,
                "tf1_contrib takes gain=");
  ilab_test_rel(var_of("normal:std=0.01,gain=1.02", 3, 4), 1.0404e-4, tol, "normal:std takes gain=");
  ilab_test_rel(var_of("uniform:limit=0.3,gain=1.02", 3, 4), 1.0404 * 0.03, tol, "uniform:limit takes gain=");
  ilab_test_rel(var_of("truncated_normal:std=0.5,gain=1.02", 3, 1), 1.0404 * 0.773741303550 * 0.25, 1e-11,
                "truncated_normal takes gain=");
  ilab_test_rel(var_of("zeros:gain=1.02", 3, 4), 0, 0, "zeros takes gain=");
  {
    ilab_scheme g;
    ilab_scheme_parse("tf1_contrib:gain=0.98,factor=1", &g);
    ilab_test_rel(ilab_scheme_target_variance(&g, 300, 100), 0.9604 * 1.3 * 0.773741303550 / 300, 1e-11,
                  "target variance: gain and factor");
    ilab_test(isnan(ilab_scheme_target_variance(&g, 0, 100)), "target variance: NaN for a fan of 0");
  }

  ilab_scheme s;
  ilab_scheme_parse("constant:value=0.5,gain=1.02", &s);
  ilab_dist dc;
  ilab_scheme_resolve(&s, 3, 4, &dc);
  ilab_test_rel(ilab_dist_raw_moment(&dc, 1), 0.51, tol, "constant: gain multiplies the value");
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
      "zeros:value=1", "constant", "he_normal:correct=yes", "torch_linear:mode=fan_out", "darknet_connected:scale=2", "he_normal,mode=fan_in",
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

/* torch's trunc_normal_ cuts at absolute bounds: with std=0.02 at +-100 sd,
 * so its variance is 0.02^2 (the mass beyond is ~1e-2173, relative 1e-12
 * leaves room for the quadrature of the moments only); with its defaults
 * (std=1, a=-2, b=2) it is initlab's truncated_normal:std=1.  Bounds may be
 * negative, and a >= b does not resolve. */
static void test_torch_trunc_normal(void)
{
  ilab_scheme s, t;
  ilab_test_int(ilab_scheme_parse("torch_trunc_normal:std=0.02,a=-2,b=2", &s), ILAB_OK, "parse torch_trunc_normal");
  ilab_test_rel(ilab_scheme_variance(&s, 10, 10), 0.0004, 1e-12, "torch_trunc_normal:std=0.02 variance");
  ilab_test_int(ilab_scheme_parse("torch_trunc_normal", &s), ILAB_OK, "parse torch_trunc_normal defaults");
  ilab_scheme_parse("truncated_normal:std=1", &t);
  ilab_test_rel(ilab_scheme_variance(&s, 10, 10), ilab_scheme_variance(&t, 10, 10), 1e-12,
                "torch_trunc_normal defaults = truncated_normal:std=1");
  ilab_scheme_parse("torch_trunc_normal:std=1,a=0,b=1", &s);
  ilab_dist d;
  ilab_test_int(ilab_scheme_resolve(&s, 3, 3, &d), ILAB_OK, "torch_trunc_normal one-sided resolves");
  ilab_test_rel(d.a, 0, 0, "lower bound 0 sd");
  /* N(0,1) on [0, 1] and N(0, 0.25) on [-2, 2], by scipy.stats.truncnorm(...).var() */
  ilab_test_rel(ilab_dist_central_moment(&d, 2), 0.07965182484851141, 1e-10, "N(0,1) on [0, 1]: variance");
  ilab_test_rel(ilab_scheme_target_variance(&s, 3, 3), 0.07965182484851141, 1e-10, "N(0,1) on [0, 1]: target");
  ilab_scheme_parse("torch_trunc_normal:std=0.5", &s);
  ilab_test_rel(ilab_scheme_target_variance(&s, 3, 3), 0.24973232259311845, 1e-10, "N(0,0.25) on [-2, 2]: target");
  ilab_test_rel(ilab_scheme_variance(&s, 3, 3), 0.24973232259311845, 1e-10, "N(0,0.25) on [-2, 2]: variance");
  /* gain scales the whole law, bounds included */
  ilab_scheme_parse("torch_trunc_normal:std=0.5,gain=1.1", &s);
  ilab_test_rel(ilab_scheme_variance(&s, 3, 3), 1.21 * 0.24973232259311845, 1e-10, "gain 1.1: variance x 1.21");
  ilab_test_rel(ilab_scheme_target_variance(&s, 3, 3), 1.21 * 0.24973232259311845, 1e-10, "gain 1.1: target x 1.21");
  ilab_scheme_parse("torch_trunc_normal:a=1,b=-1", &s);
  ilab_test_int(ilab_scheme_resolve(&s, 3, 3, &d), ILAB_EINVAL, "torch_trunc_normal a > b fails");
}

/* Each preset's target, written out by hand from its paper or framework (never
 * from ilab_scheme_variance), against both the variance the scheme reports and
 * the variance of the law it resolves to (the law the weights are drawn from).
 * Fans (300, 100): fan_in 300, fan_out 100, fan_avg 200.  T = 0.773741303550,
 * the variance of N(0,1) cut at +-2 (reference.md, 12 digits: rel tol 1e-11);
 * the rest are closed forms to 1e-12.  Deleting the division by 0.8796 of a
 * corrected truncated normal, or the sqrt(3) of a variance-scaled uniform's
 * limit, moves a resolved variance by x0.7737 or x1/3 and fails here. */
static void test_targets(void)
{
  const double T = 0.773741303550;
  static const struct { const char *spec; double var; int kind; double scale; } t[] = {
    /* LeCun et al. 1998: Var = 1/fan_in; a uniform's limit is sqrt(3 Var) */
    {"lecun_normal", 1.0 / 300, ILAB_DIST_NORMAL, 0},
    {"lecun_uniform", 1.0 / 300, ILAB_DIST_UNIFORM, 0.1 /* sqrt(3/300) */},
    /* Glorot & Bengio 2010 eq. 16: 2/(fan_in + fan_out), limit sqrt(6/(in+out)) */
    {"glorot_normal", 2.0 / 400, ILAB_DIST_NORMAL, 0},
    {"glorot_uniform", 2.0 / 400, ILAB_DIST_UNIFORM, 0.12247448713915890 /* sqrt(6/400) */},
    {"xavier_normal", 2.0 / 400, ILAB_DIST_NORMAL, 0},
    {"xavier_uniform", 2.0 / 400, ILAB_DIST_UNIFORM, 0.12247448713915890},
    /* He et al. 2015 eq. 10: 2/fan_in (eq. 14 with fan_out), limit sqrt(6/fan_in) */
    {"he_normal", 2.0 / 300, ILAB_DIST_NORMAL, 0},
    {"he_uniform", 2.0 / 300, ILAB_DIST_UNIFORM, 0.14142135623730950 /* sqrt(6/300) */},
    {"kaiming_normal:mode=fan_out", 2.0 / 100, ILAB_DIST_NORMAL, 0},
    {"kaiming_uniform", 2.0 / 300, ILAB_DIST_UNIFORM, 0.14142135623730950},
    /* Keras: a variance-scaling truncated normal's parent sd is sqrt(Var)/0.8796 */
    {"he_normal:dist=truncated_normal", 2.0 / 300, ILAB_DIST_TRUNCNORM,
     0.081649658092772603 /* sqrt(2/300) */ / 0.87962566103423978},
    {"variance_scaling", 1.0 / 300, ILAB_DIST_TRUNCNORM, 0.057735026918962576 / 0.87962566103423978},
    {"variance_scaling:scale=3,mode=fan_avg,dist=uniform", 3.0 / 200, ILAB_DIST_UNIFORM, 0.21213203435596426 /* sqrt(9/200) */},
    {"he_normal:dist=truncated_normal,correct=0", T * 2 / 300, ILAB_DIST_TRUNCNORM, 0.081649658092772603},
    /* fixed laws: N(0, std^2); U(-limit, limit) has limit^2/3; a truncated
     * normal with the parent's std keeps 0.7737 std^2 */
    {"normal:std=0.01", 1e-4, ILAB_DIST_NORMAL, 0.01},
    {"uniform:limit=0.05", 0.0025 / 3, ILAB_DIST_UNIFORM, 0.05},
    {"truncated_normal:std=0.05", T * 0.0025, ILAB_DIST_TRUNCNORM, 0.05},
    {"truncated_normal:std=0.05,correct=1", 0.0025, ILAB_DIST_TRUNCNORM, 0.05 / 0.87962566103423978},
    /* PyTorch nn.Linear: U(+-1/sqrt(fan_in)), Var = 1/(3 fan_in) */
    {"torch_linear", 1.0 / 900, ILAB_DIST_UNIFORM, 0.057735026918962576 /* 1/sqrt(300) */},
    /* TF1 core: truncated normal with sd sqrt(scale/n), uncorrected */
    {"tf1_truncated", T / 300, ILAB_DIST_TRUNCNORM, 0.057735026918962576},
    /* tf.contrib: sd sqrt(1.3 * 2/fan_in), uncorrected: 1.0059 * 2/fan_in */
    {"tf1_contrib", 1.3 * T * 2 / 300, ILAB_DIST_TRUNCNORM, 0.093094933625126279 /* sqrt(2.6/300) */},
    /* darknet: sqrt(2/fan_in) U(-1, 1), Var = 2/(3 fan_in) */
    {"darknet_connected", 2.0 / 900, ILAB_DIST_UNIFORM, 0.081649658092772603},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    ilab_scheme s;
    ilab_dist d;
    ilab_test_int(ilab_scheme_parse(t[i].spec, &s), ILAB_OK, "%s parses", t[i].spec);
    ilab_test_int(ilab_scheme_resolve(&s, 300, 100, &d), ILAB_OK, "%s resolves", t[i].spec);
    double tol = t[i].kind == ILAB_DIST_TRUNCNORM ? 1e-11 : 1e-12;
    ilab_test_rel(ilab_scheme_variance(&s, 300, 100), t[i].var, tol, "%s: reported variance against its formula",
                  t[i].spec);
    ilab_test_rel(ilab_dist_central_moment(&d, 2), t[i].var, tol, "%s: drawn law's variance against its formula",
                  t[i].spec);
    ilab_test_rel(ilab_scheme_target_variance(&s, 300, 100), t[i].var, tol, "%s: target variance against its formula",
                  t[i].spec);
    ilab_test_int((int)d.kind, t[i].kind, "%s: law", t[i].spec);
    if (t[i].scale > 0)
      ilab_test_rel(d.scale, t[i].scale, 1e-14, "%s: limit or parent sd", t[i].spec);
    if (t[i].kind == ILAB_DIST_TRUNCNORM) {
      /* N(0,1) cut at +-c: E[X^4] = 3 - 2(c^3 + 3c) phi(c)/Z, Z = 2 Phi(c) - 1;
       * at c = 2 the kurtosis E[X^4]/Var^2 is 2.3655 (reference.md) */
      double phi2 = exp(-2.0) / 2.5066282746310002 /* sqrt(2 pi) */, Z = erf(2 / sqrt(2.0));
      double k = (3 - 2 * 14 * phi2 / Z) / (T * T);
      ilab_test_abs(k, 2.3655, 0.5e-4, "kurtosis of the +-2 cut normal is 2.3655");
      ilab_test_rel(ilab_dist_central_moment(&d, 4) / (t[i].var * t[i].var), k, 1e-10, "%s: kurtosis", t[i].spec);
    }
  }
}

/* lsuv: the base's fields, its gain times gain=, the paper's defaults. */
static void test_lsuv_parse(void)
{
  ilab_scheme s, o;
  ilab_test(ilab_scheme_parse("lsuv", &s) == ILAB_OK && s.lsuv && s.family == ILAB_FAMILY_ORTHOGONAL &&
            s.lsuv_tol == 0.1 && s.lsuv_iters == 10 && s.gain == 1 && !strcmp(s.spec, "lsuv"),
            "lsuv: orthogonal base, tol 0.1, 10 iterations (Mishkin & Matas 2016)");
  ilab_test(ilab_scheme_parse("lsuv:base=he_normal,tol=0.05,iters=3,gain=1.02", &s) == ILAB_OK &&
            ilab_scheme_parse("he_normal:gain=1.02", &o) == ILAB_OK && s.lsuv && s.lsuv_tol == 0.05 &&
            s.lsuv_iters == 3 && ilab_scheme_variance(&s, 100, 50) == ilab_scheme_variance(&o, 100, 50),
            "lsuv:base=he_normal,gain=1.02 draws he_normal:gain=1.02");
  static const char *const bad[] = {"lsuv:", "lsuvx", "lsuv:base=lsuv", "lsuv:base=he_normal:gain=2",
                                    "lsuv:base=nosuch", "lsuv:tol=0", "lsuv:iters=1.5", "lsuv:iters=-1",
                                    "lsuv:foo=1", "lsuv:tol=0.1,tol=0.2", "lsuv:gain=-1", "lsuv:base=normal"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ilab_test(ilab_scheme_parse(bad[i], &s) == ILAB_EPARSE && ilab_error_reason()[0],
              "'%s' is refused (%s)", bad[i], ilab_error_reason());
}

/* Parameters whose law's scale over- or underflows double: refused naming
 * the parameter; the bounds themselves, and 0, accepted. */
static void test_numeric_edges(void)
{
  static const struct { const char *spec, *word; } bad[] = {
      {"he_normal:gain=1e308", "gain=1e+308"},  {"normal:std=1e-320", "std=1e-320 underflows"},
      {"normal:std=1e-300", "std=1e-300"},      {"variance_scaling:scale=1e-310", "scale=1e-310"},
      {"uniform:limit=1e200", "limit=1e+200"}, {"constant:value=-1e40", "value=-1e+40"},
      {"lsuv:gain=1e300", "gain=1e+300"},      {"torch_trunc_normal:a=-1e200", "a=-1e+200"},
      {"tf1_contrib:factor=1e80", "factor=1e+80"},
      /* each parameter in bounds, their product not */
      {"variance_scaling:scale=1e-60,gain=1e-10", "scale of 1e-40 at fan 1"},
      {"normal:std=1e30,gain=1e30", "scale of 1e+60 at fan 1"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ilab_scheme s;
    ilab_error_clear();
    int st = ilab_scheme_parse(bad[i].spec, &s);
    ilab_test(st == ILAB_EPARSE && strstr(ilab_error_reason(), bad[i].word), "'%s' is refused naming '%s' (%s)",
              bad[i].spec, bad[i].word, ilab_error_reason());
  }
  static const char *const good[] = {"normal:std=1e-34", "normal:std=1e37", "he_normal:gain=1e-30",
                                     "normal:std=0", "zeros", "he_normal:gain=0", "variance_scaling:scale=1e74"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    ilab_scheme s;
    ilab_test(ilab_scheme_parse(good[i], &s) == ILAB_OK, "'%s' at the bounds parses (%s)", good[i], ilab_error_reason());
  }
  /* resolve checks the scale for the fans: 1e-34 at fan 1 is 1e-38 at 10^8, 1e-39 at 10^10 */
  ilab_scheme s;
  ilab_dist d;
  ilab_scheme_parse("variance_scaling:scale=1e-68", &s);
  ilab_test(ilab_scheme_resolve(&s, 100000000, 1, &d) == ILAB_OK, "scale 1e-68 at fan 10^8 resolves");
  ilab_test(ilab_scheme_resolve(&s, 10000000000, 1, &d) == ILAB_EINVAL && strstr(ilab_error_reason(), "outside"),
            "scale 1e-68 at fan 10^10 is refused (%s)", ilab_error_reason());
}

int main(void)
{
  test_numeric_edges();
  test_torch_trunc_normal();
  test_variances();
  test_targets();
  test_parse_errors();
  test_lsuv_parse();
  test_pinned();
  test_variance_z();
  return ilab_test_summary();
}
