/* initlab spectrum: the singular values of a deep network's input-output
 * Jacobian, layer by layer, beside the free-probability prediction. */
#include "cmd.h"
#include "ilab.h"
#include "spectrum.h"
#include "table.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const cmd = "spectrum";

static void help(void)
{
  printf(
      "Usage: initlab spectrum --act A --scheme S --depth L --width N [--sigma-b2 V]\n"
      "                        [--trials T] [--seed S] [--values]\n\n"
      "Builds, per trial, a network of L square layers of width N (weights from\n"
      "SCHEME, biases N(0, V)) on the keyed streams 'initlab run' uses, pushes one\n"
      "input on the fixed point q* of the variance map through it, x_0 = phi(sqrt(q*) z),\n"
      "and forms the input-output Jacobian layer by layer,\n"
      "  J_l = dx_l/dx_0 = D_l W_l J_{l-1},  D_l = diag phi'(h_l),  J_0 = I,\n"
      "with the singular values of every J_l (LAPACK's dgesdd).\n\n"
      "Options:\n"
      "      --act A        activation (see 'initlab list'; required)\n"
      "      --scheme S     weight scheme, e.g. orthogonal:gain=1.05 or he_normal (required)\n"
      "      --depth L      layers, 1 to 10000 (required)\n"
      "      --width N      width of every layer, 1 to 4096 (required)\n"
      "      --sigma-b2 V   bias variance, 0 or in [1e-68, 1e74] [0]\n"
      "      --trials T     independent networks, 1 to 100000 [5]\n"
      "  -s, --seed S       seed [GSL_RNG_SEED, else 42]; generator mt19937, or GSL_RNG_TYPE\n"
      "      --values       print every singular value instead of the summary:\n"
      "                     columns trial layer k sv sq (sq = sv^2), for histograms\n"
      "  -h, --help         this help\n\n"
      "Output: tab-separated, '#' provenance lines, one row per layer l:\n"
      "  sq_mean, sq_var  mean and variance of the N squared singular values of J_l,\n"
      "                   averaged over trials, each with a 95%% t-interval over the\n"
      "                   trials (_lo, _hi; nan for one trial)\n"
      "  sq_mean_theory   chi_1^l, chi_1 = mu_1 = sigma_w2 E[phi'(sqrt(q*) z)^2]\n"
      "  sq_var_theory    mu_1^(2l) l (mu_2/mu_1^2 - 1 - s_1), mu_2 = E[(sigma_w2 phi'^2)^2],\n"
      "                   s_1 = -1 for iid weights, 0 for orthogonal: at chi_1 = 1, ReLU\n"
      "                   gives 2l (Gaussian) and l (orthogonal), linear Gaussian l\n"
      "                   (Fuss-Catalan); nan for identity and constant weights\n"
      "                   (Pennington, Schoenholz & Ganguli 2017, 2018; exact as N grows)\n"
      "  sv_min, sv_max   the extreme singular values over all trials\n"
      "  finite           trials whose J_l stayed finite (an exploding network is a\n"
      "                   result: its later layers are left out)\n"
      "sigma_w2 = N Var(W); q* is reached from q = 1 (q = 1 is used where q* is 0 or inf).\n\n"
      "Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

int ilab_cmd_spectrum(int argc, char **argv)
{
  static const struct option opts[] = {
      {"act", required_argument, NULL, 1}, {"scheme", required_argument, NULL, 2},
      {"depth", required_argument, NULL, 3}, {"width", required_argument, NULL, 4},
      {"sigma-b2", required_argument, NULL, 5}, {"trials", required_argument, NULL, 6},
      {"values", no_argument, NULL, 7}, {"seed", required_argument, NULL, 's'},
      {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  ilab_spectrum_job job;
  memset(&job, 0, sizeof job);
  const char *act = NULL, *scheme = NULL;
  unsigned long depth = 0, width = 0, trials = 5, seed = cmd_default_seed();
  double sb2 = 0;
  int values = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
    switch (c) {
    case 1: act = optarg; break;
    case 2: scheme = optarg; break;
    case 3: if (cmd_parse_ulong(cmd, "--depth", optarg, 1, 10000, &depth)) return ILAB_EXIT_USAGE; break;
    case 4: if (cmd_parse_ulong(cmd, "--width", optarg, 1, 4096, &width)) return ILAB_EXIT_USAGE; break;
    case 5: if (cmd_parse_variance(cmd, "--sigma-b2", optarg, &sb2)) return ILAB_EXIT_USAGE; break;
    case 6: if (cmd_parse_ulong(cmd, "--trials", optarg, 1, 100000, &trials)) return ILAB_EXIT_USAGE; break;
    case 7: values = 1; break;
    case 's': if (cmd_parse_ulong(cmd, "--seed", optarg, 0, 0xffffffffUL, &seed)) return ILAB_EXIT_USAGE; break;
    case 'h': help(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (optind < argc) return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
  if (!act || !scheme || !depth || !width)
    return cmd_usage_error(cmd, "--act, --scheme, --depth and --width are required");
  if (ilab_act_parse(act, &job.act)) return cmd_usage_error(cmd, "--act: %s", ilab_error_reason());
  if (ilab_scheme_parse(scheme, &job.scheme)) return cmd_usage_error(cmd, "--scheme: %s", ilab_error_reason());
  if (job.scheme.lsuv) return cmd_usage_error(cmd, "--scheme: lsuv is not supported by spectrum (its scales come from a batch the spectrum does not run)");
  if (values && (double)trials * (double)depth * (double)width > 1e8)
    return cmd_usage_error(cmd, "--values keeps trials x depth x width = %.3g values; at most 1e8", (double)trials * depth * width);
  job.depth = depth;
  job.width = width;
  job.trials = trials;
  job.sigma_b2 = sb2;
  job.seed = seed;
  job.rng_type = gsl_rng_mt19937;
  const char *tname = getenv("GSL_RNG_TYPE");
  if (tname && *tname) {
    const gsl_rng_type **t;
    for (t = gsl_rng_types_setup(); *t; t++) if (!strcmp((*t)->name, tname)) break;
    if (!*t) { cmd_error("GSL_RNG_TYPE=%s is not a GSL generator", tname); return ILAB_EXIT_USAGE; }
    job.rng_type = *t;
  }
  job.rows = calloc(trials * depth, sizeof *job.rows);
  if (values) job.values = malloc(trials * depth * width * sizeof *job.values);
  if (!job.rows || (values && !job.values)) {
    free(job.rows);
    free(job.values);
    cmd_error("out of memory");
    return ILAB_EXIT_RUNTIME;
  }
  /* single-threaded BLAS, as in run: the same numbers on any machine */
  int st = ilab_spectrum_run_all(&job, 1, 1);
  if (st) {
    free(job.rows);
    free(job.values);
    cmd_error("%s", ilab_error_reason());
    return st == ILAB_EINVAL ? ILAB_EXIT_USAGE : ILAB_EXIT_RUNTIME;
  }
  const ilab_spectrum_theory *th = &job.theory;
  char b[32];
#define NUM(v) (ilab_table_format((v), b), fputs(b, stdout))
  printf("# initlab %s: squared singular values of the input-output Jacobian, layer by layer\n", ILAB_VERSION);
  printf("# command: initlab spectrum --act %s --scheme %s --depth %lu --width %lu --sigma-b2 %.17g --trials %lu --seed %lu%s\n",
         act, scheme, depth, width, sb2, trials, seed, values ? " --values" : "");
  printf("# seed: %lu  generator: %s\n", seed, job.rng_type->name);
  printf("# theory: sigma_w2 = "); NUM(th->sigma_w2);
  printf("  q* = "); NUM(th->q_star);
  printf("  mu_1 = chi_1 = "); NUM(th->mu1);
  printf("  mu_2 = "); NUM(th->mu2);
  printf("  s_1 = "); NUM(th->s1);
  printf("\n");
  if (values) {
    printf("trial\tlayer\tk\tsv\tsq\n");
    for (size_t t = 0; t < trials; t++)
      for (size_t l = 1; l <= depth; l++)
        for (size_t k = 0; k < width; k++) {
          double sv = job.values[(t * depth + l - 1) * width + k];
          printf("%zu\t%zu\t%zu\t", t, l, k);
          NUM(sv); putchar('\t'); NUM(sv * sv); putchar('\n');
        }
  } else {
    printf("layer\ttrials\tsq_mean\tsq_mean_lo\tsq_mean_hi\tsq_var\tsq_var_lo\tsq_var_hi\t"
           "sq_mean_theory\tsq_var_theory\tsv_min\tsv_max\tfinite\n");
    for (size_t l = 1; l <= depth; l++) {
      ilab_spectrum_summary m;
      ilab_spectrum_summarize(&job, l, &m);
      printf("%zu\t%lu\t", l, trials);
      NUM(m.sq_mean); putchar('\t'); NUM(m.sq_mean_lo); putchar('\t'); NUM(m.sq_mean_hi); putchar('\t');
      NUM(m.sq_var); putchar('\t'); NUM(m.sq_var_lo); putchar('\t'); NUM(m.sq_var_hi); putchar('\t');
      NUM(ilab_spectrum_mean_theory(th, l)); putchar('\t'); NUM(ilab_spectrum_var_theory(th, l)); putchar('\t');
      NUM(m.sv_min); putchar('\t'); NUM(m.sv_max); printf("\t%zu\n", m.finite);
    }
  }
#undef NUM
  free(job.rows);
  free(job.values);
  return cmd_close_stdout(ILAB_EXIT_OK);
}
