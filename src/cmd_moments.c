/* initlab moments: check that each scheme draws the law it claims: exact
 * against sample moments, z-scores, Kolmogorov-Smirnov and chi^2; and, with
 * --audit, what framework defaults draw against what their names promise. */
#include "audit.h"
#include "cmd.h"
#include "fp.h"
#include "stream.h"
#include "tensorio.h"
#include "drawcheck.h"
#include "ilab.h"
#include "linalg.h"
#include "moments.h"
#include "scheme.h"
#include "platform.h"
#include "table.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>

static const char *const cmd = "moments";

static void help(void)
{
  printf(
      "Usage: initlab moments [SCHEME ...] [options]\n\n"
      "Draws COUNT weights of each scheme for a layer with the given fans and checks\n"
      "them against the exact law the scheme claims: mean, variance, skewness and\n"
      "excess kurtosis (each from a streaming accumulator and from gsl_stats_*, with\n"
      "their largest relative disagreement), a z-score for each moment from its\n"
      "asymptotic standard error, the Kolmogorov-Smirnov distance and p-value against the exact\n"
      "cdf, and a chi^2 p-value on Moore's 2 n^(2/5) equiprobable bins.  Each row\n"
      "draws from its own stream (keyed by the seed and the row's spec), so rows are\n"
      "independent samples.  A row passes when each of its six p-values is above\n"
      "ALPHA / (6 x rows) (Bonferroni: the whole table is held to the family-wise\n"
      "level ALPHA) and the exact variance of the law it draws equals, to 1e-9, the\n"
      "target written a second time from the scheme's paper or framework\n"
      "(var_target: 1/fan_in, 2/(fan_in+fan_out), 2/fan_in, 0.7737 std^2, ...), so\n"
      "that a scheme resolved to the wrong law fails even if it samples that law\n"
      "well.  Without SCHEME, every preset is checked.\n"
      "A matrix scheme draws whole fan_in x fan_out matrices, as 'initlab run' does:\n"
      "orthogonal is checked against one entry's exact law, (x/gain)^2 ~ Beta(1/2,\n"
      "(n-1)/2) with n = max(fan_in, fan_out); identity must equal gain I exactly.\n\n"
      "Options:\n"
      "      --fan-in N     inputs of the layer [512]\n"
      "      --fan-out M    outputs of the layer [256]\n"
      "  -n, --count N      draws per scheme [1000000]\n"
      "  -s, --seed S       seed [GSL_RNG_SEED, else 42]; each row draws from its\n"
      "                     own stream of it, with GSL_RNG_TYPE's generator [mt19937]\n"
      "  -a, --alpha A      family-wise level of the table [0.001]\n"
      "      --audit        framework defaults: the variance each promises, the\n"
      "                     variance it draws (95%% interval), their ratio, and the\n"
      "                     ratio compounded over 50 layers (ratio^50)\n"
      "      --precision P  double, single, half or bfloat16 [double]: round each\n"
      "                     draw to the format, as 'initlab run --precision P' stores\n"
      "                     the weights, and judge the rounded draws against their\n"
      "                     exact law: for half and bfloat16 the cell probabilities\n"
      "                     of the format's grid (as 'initlab check' does), for\n"
      "                     single the unrounded law (binary32's rounding moves the\n"
      "                     variance by about 1e-15 relative, far below any test's\n"
      "                     resolution).  Columns: scheme fan_in fan_out n precision\n"
      "                     var_exact (of the rounded law) var var_ratio z_mean z_var\n"
      "                     z_skew z_kurt ks_p chi2_p p (min(1, 6 p_min)) detectable\n"
      "                     (relative variance error found with 90%% power) verdict.\n"
      "                     Matrix ensembles are checked in double only.\n"
      "  -h, --help         this help\n\n"
      "Output: tab-separated, '#' lines state n, the level and the smallest relative\n"
      "variance error the test detects at that n with 90%% power.\n"
      "Exit status: 0 every row passes, 1 a row fails (or a runtime failure),\n"
      "2 usage error.\n");
}



/* --precision: each row's draws (the stream the double table draws from)
 * rounded to the format and judged by audit.c against the exact law of the
 * rounded draws, at the same Bonferroni level per test. */
static int rounded_rows(const ilab_drawcheck_row *rows, size_t nrows, unsigned long count,
                        const gsl_rng_type *type, unsigned long seed, double alpha, ilab_precision prec,
                        int argc, char **argv)
{
  double per_test = alpha / (6.0 * (double)nrows);
  ilab_dtype dt = prec == ILAB_PREC_SINGLE ? ILAB_DTYPE_F32 : prec == ILAB_PREC_HALF ? ILAB_DTYPE_F16 : ILAB_DTYPE_BF16;
  double *x = malloc(count * sizeof *x);
  gsl_rng *r = gsl_rng_alloc(type);
  ilab_audit_workspace *w = ilab_audit_workspace_alloc(seed);
  if (!x || !r || !w) {
    free(x); gsl_rng_free(r); ilab_audit_workspace_free(w);
    cmd_error("out of memory for %lu draws", count);
    return ILAB_EXIT_RUNTIME;
  }
  ilab_provenance pv = {"moments of each scheme's rounded draws against the exact law of the rounded draws",
                        argc, argv, 1, seed, type->name, NULL};
  ilab_provenance_write(stdout, &pv);
  printf("# n = %lu draws per scheme, fans (%lu, %lu), each rounded to %s (%s)\n", count,
         (unsigned long)(nrows ? rows[0].fan_in : 0), (unsigned long)(nrows ? rows[0].fan_out : 0),
         ilab_fp_name(prec), ilab_dtype_name(dt));
  printf("# family-wise level %g over %zu rows x 6 tests: each test at %.3g\n", alpha, nrows, per_test);
  printf("scheme\tfan_in\tfan_out\tn\tprecision\tvar_exact\tvar\tvar_ratio\tz_mean\tz_var\tz_skew\tz_kurt\t"
         "ks_p\tchi2_p\tp\tdetectable\tverdict\n");
  int failed = 0;
  char b[32];
#define NUM(v) (ilab_table_format((v), b), fputs(b, stdout), putchar('\t'))
  for (size_t i = 0; i < nrows; i++) {
    const ilab_drawcheck_row *row = &rows[i];
    gsl_rng_set(r, ilab_stream_seed(seed, 0, 0, ilab_drawcheck_key(&row->s)));
    ilab_dist_sample(r, &row->d, x, count);
    for (size_t k = 0; k < count; k++) x[k] = ilab_fp_round(prec, x[k]);
    ilab_audit_result res;
    if (ilab_audit_judge(w, x, count, dt, &row->s, 1, row->fan_in, row->fan_out, per_test, &res)) {
      cmd_error("%s: %s", row->s.spec, ilab_error_reason());
      failed = 1;
      continue;
    }
    printf("%s\t%zu\t%zu\t%lu\t%s\t", row->s.spec, row->fan_in, row->fan_out, count, ilab_fp_name(prec));
    NUM(res.var_expected); NUM(res.var); NUM(res.var_ratio);
    for (int k = 0; k < 4; k++) NUM(res.z[k]);
    NUM(res.ks_p); NUM(res.chi2_p); NUM(res.p); NUM(res.detectable);
    int pass = res.judged ? res.pass : 0;
    printf("%s\n", pass ? "pass" : "FAIL");
    if (!res.judged) fprintf(stderr, "initlab moments: %s: not judged: %s\n", row->s.spec, res.note);
    failed |= !pass;
  }
#undef NUM
  free(x);
  gsl_rng_free(r);
  ilab_audit_workspace_free(w);
  if (failed) fprintf(stderr, "initlab moments: at least one scheme's rounded draws do not follow their law\n");
  return failed ? ILAB_EXIT_RUNTIME : ILAB_EXIT_OK;
}

int ilab_cmd_moments(int argc, char **argv)
{
  static const struct option opts[] = {
      {"fan-in", required_argument, NULL, 1}, {"fan-out", required_argument, NULL, 2},
      {"count", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
      {"alpha", required_argument, NULL, 'a'}, {"audit", no_argument, NULL, 3},
      {"help", no_argument, NULL, 'h'}, {"precision", required_argument, NULL, 4}, {NULL, 0, NULL, 0}};
  ilab_precision prec = ILAB_PREC_DOUBLE;
  unsigned long fan_in = 512, fan_out = 256, count = 1000000, seed = cmd_default_seed();
  double alpha = 1e-3;
  int audit = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "n:s:a:h", opts, NULL)) != -1) {
    switch (c) {
    case 1: if (cmd_parse_ulong(cmd, "--fan-in", optarg, 1, 100000000, &fan_in)) return ILAB_EXIT_USAGE; break;
    case 2: if (cmd_parse_ulong(cmd, "--fan-out", optarg, 1, 100000000, &fan_out)) return ILAB_EXIT_USAGE; break;
    case 'n': if (cmd_parse_ulong(cmd, "--count", optarg, 100, 1000000000, &count)) return ILAB_EXIT_USAGE; break;
    case 's': if (cmd_parse_ulong(cmd, "--seed", optarg, 0, 0xffffffffUL, &seed)) return ILAB_EXIT_USAGE; break;
    case 'a': if (cmd_parse_double(cmd, "--alpha", optarg, 1e-300, 0.5, &alpha)) return ILAB_EXIT_USAGE; break;
    case 3: audit = 1; break;
    case 4:
      if (ilab_fp_parse(optarg, &prec))
        return cmd_usage_error(cmd, "--precision: '%s' is not double, single, half or bfloat16", optarg);
      break;
    case 'h': help(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (audit && prec != ILAB_PREC_DOUBLE) return cmd_usage_error(cmd, "--audit checks double draws; drop --precision");
  const gsl_rng_type *type;
  int st = cmd_rng_type(&type);
  if (st) return st;
  size_t nrows = 0;
  ilab_drawcheck_row *rows = calloc((size_t)(argc - optind) + ilab_scheme_table_size + 1, sizeof *rows);
  if (!rows) { cmd_error("out of memory"); return ILAB_EXIT_RUNTIME; }
  if (optind < argc) {
    for (int i = optind; i < argc; i++, nrows++)
      if (ilab_scheme_parse(argv[i], &rows[nrows].s) ||
          (rows[nrows].s.lsuv && ilab_error(ILAB_EPARSE, "'%s': lsuv rescales each layer on a network's batch, so it has no law of its own (use it in an experiment file)", argv[i]))) {
        free(rows);
        return cmd_usage_error(cmd, "%s", ilab_error_reason());
      }
  } else {
    for (size_t i = 0; i < ilab_scheme_table_size; i++)
      if (audit ? ilab_scheme_table[i].audit : ilab_scheme_table[i].is_preset)
        ilab_scheme_parse(ilab_scheme_table[i].spec, &rows[nrows++].s);
  }
  for (size_t i = 0; i < nrows; i++) {
    if (ilab_scheme_resolve(&rows[i].s, fan_in, fan_out, &rows[i].d)) {
      free(rows);
      return cmd_usage_error(cmd, "%s", ilab_error_reason());
    }
    rows[i].fan_in = fan_in;
    rows[i].fan_out = fan_out;
  }

  if (prec != ILAB_PREC_DOUBLE) {
    /* the presets' matrix ensembles are left out; one named is an error */
    size_t kept = 0;
    for (size_t i = 0; i < nrows; i++) {
      if (rows[i].d.kind == ILAB_DIST_HAAR || rows[i].d.kind == ILAB_DIST_IDENTITY) {
        if (optind >= argc) continue;
        int u = cmd_usage_error(cmd, "--precision: '%s' is a matrix ensemble, checked in double only", rows[i].s.spec);
        free(rows);
        return u;
      }
      rows[kept++] = rows[i];
    }
    nrows = kept;
    st = rounded_rows(rows, nrows, count, type, seed, alpha, prec, argc, argv);
    free(rows);
    return cmd_close_stdout(st);
  }
  /* Bonferroni over six tests a row; the detectable relative variance
   * error at 90% power is (z_crit + z_0.9) sqrt((kurtosis - 1)/n) */
  double per_test = alpha / (6.0 * (double)nrows);
  double zc = gsl_cdf_ugaussian_Qinv(per_test / 2), z90 = gsl_cdf_ugaussian_Qinv(0.1);
  double dn = (double)count;
  ilab_provenance pv = {audit ? "what framework defaults draw against what their names promise"
                              : "moments of each scheme's draws against its exact law",
                        argc, argv, 1, seed, type->name, "  (the rows do not depend on the core count)"};
  ilab_provenance_write(stdout, &pv);
  printf("# n = %lu draws per scheme, fans (%lu, %lu)\n", count, fan_in, fan_out);
  printf("# family-wise level %g over %zu rows x 6 tests: each test at %.3g (|z| > %.3f)\n", alpha, nrows, per_test, zc);
  printf("# gsl_* columns: gsl_stats_* over the first %zu draws of each row, against the accumulator over the same draws\n",
         count < ILAB_MOMENTS_GSL_MAX ? (size_t)count : ILAB_MOMENTS_GSL_MAX);
  printf("# var_target: the variance written from each scheme's formula, apart from its resolution; "
         "a row fails when the drawn law's exact variance differs from it by more than 1e-9 relative\n");
  printf("# power: at this n a relative variance error of %.3g%% (normal law) or %.3g%% (uniform) "
         "is detected with probability 0.9\n",
         100 * (zc + z90) * sqrt(2 / dn), 100 * (zc + z90) * sqrt(0.8 / dn));
  for (size_t i = 0; i < nrows; i++)
    if (rows[i].d.kind == ILAB_DIST_HAAR) {
      printf("# orthogonal: whole matrices, checked against one entry's law (x/gain)^2 ~ Beta(1/2, (n-1)/2),\n"
             "# n = max(fan_in, fan_out); entries of one matrix are uncorrelated but not independent (each\n"
             "# column or row has norm gain), so the sample variance is exact up to the last partial matrix\n"
             "# and z_var is near 0 by construction; a wrong gain still moves it by many standard errors\n"
             "# identity: every draw must equal its entry of gain I (no test statistics)\n");
      break;
    }
  if (ilab_drawcheck_rows(rows, nrows, count, type, seed, per_test, ilab_platform_cores())) {
    free(rows);
    cmd_error("%s", ilab_error_reason());
    return ILAB_EXIT_RUNTIME;
  }
  int failed = 0;
  if (audit) {
    printf("scheme\tfan_in\tfan_out\tn\tpromised_var\texact_var\tvar\tvar_lo\tvar_hi\tratio\tratio_lo\t"
           "ratio_hi\texact_ratio\tratio_pow50\tz_var\tvar_target\tverdict\n");
  } else {
    printf("scheme\tfan_in\tfan_out\tn\tmean_exact\tvar_exact\tskew_exact\tkurt_exact\tmean\tvar\tskew\tkurt\t"
           "gsl_mean\tgsl_var\tgsl_skew\tgsl_kurt\tgsl_rel_diff\tz_mean\tz_var\tz_skew\tz_kurt\t"
           "ks_d\tks_p\tchi2\tchi2_bins\tchi2_p\tvar_target\tverdict\n");
  }
  char b[32];
#define NUM(v) (ilab_table_format((v), b), fputs(b, stdout), putchar('\t'))
  for (size_t i = 0; i < nrows; i++) {
    const ilab_moments_law law = rows[i].law;
    double target = ilab_scheme_target_variance(&rows[i].s, fan_in, fan_out);
    /* the law drawn against the target written apart from it: exact arithmetic
     * on both sides, so 1e-9 relative (the truncated normal's 12 digits) */
    int on_target = fabs(law.mu[2] - target) <= 1e-9 * target;
    printf("%s\t%lu\t%lu\t%lu\t", rows[i].s.spec, fan_in, fan_out, count);
    if (!(law.mu[2] > 0) || rows[i].d.kind == ILAB_DIST_IDENTITY) {
      size_t bad = rows[i].bad;
      if (audit) {
        NUM(ilab_scheme_promised_variance(&rows[i].s, fan_in, fan_out)); NUM(0); NUM(0);
        for (int k = 0; k < 8; k++) NUM(NAN);
      } else {
        NUM(law.mean); NUM(law.mu[2]); NUM(NAN); NUM(NAN);
        for (int k = 0; k < 18; k++) NUM(NAN);
        printf("%d\t", 0);
        NUM(NAN);
      }
      NUM(target);
      printf("%s\n", bad || !on_target ? "FAIL" : "pass");
      failed |= bad != 0 || !on_target;
      continue;
    }
    const ilab_moments_check_result res = rows[i].res;
    if (rows[i].status) {
      cmd_error("%s: %s", rows[i].s.spec, rows[i].reason);
      failed = 1;
      putchar('\n');
      continue;
    }
    failed |= !res.pass || !on_target;
    if (audit) {
      double promised = ilab_scheme_promised_variance(&rows[i].s, fan_in, fan_out);
      double se[4];
      ilab_moments_se(law.mu, count, se);
      double half = 1.959963984540054 * se[1]; /* 95% interval of the variance */
      double ratio = res.var / promised;
      NUM(promised); NUM(law.mu[2]); NUM(res.var); NUM(res.var - half); NUM(res.var + half);
      NUM(ratio); NUM((res.var - half) / promised); NUM((res.var + half) / promised);
      NUM(law.mu[2] / promised); NUM(pow(ratio, 50)); NUM(res.z[1]);
    } else {
      NUM(law.mean); NUM(law.mu[2]); NUM(law.mu[3] / pow(law.mu[2], 1.5)); NUM(law.mu[4] / (law.mu[2] * law.mu[2]) - 3);
      NUM(res.mean); NUM(res.var); NUM(res.skew); NUM(res.kurt);
      NUM(res.gsl_mean); NUM(res.gsl_var); NUM(res.gsl_skew); NUM(res.gsl_kurt); NUM(res.gsl_rel_diff);
      for (int k = 0; k < 4; k++) NUM(res.z[k]);
      NUM(res.ks_d); NUM(res.ks_p); NUM(res.chi2);
      printf("%zu\t", res.chi2_bins);
      NUM(res.chi2_p);
    }
    NUM(target);
    printf("%s\n", res.pass && on_target ? "pass" : "FAIL");
  }
#undef NUM
  free(rows);
  if (failed) fprintf(stderr, "initlab moments: at least one scheme does not draw the law it claims\n");
  return cmd_close_stdout(failed ? ILAB_EXIT_RUNTIME : ILAB_EXIT_OK);
}
