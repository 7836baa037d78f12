/* initlab theory: the mean-field predictions for one activation and one
 * (sigma_w2, sigma_b2): per-layer variances, or the fixed point, chi_1 and
 * the depth scales, or the critical sigma_w2. */
#include "cmd.h"
#include "dist.h"
#include "finite.h"
#include "ilab.h"
#include "table.h"
#include "theory.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMD "theory"
#define MAX_DEPTH 100000UL
#define ILAB_THEORY_MAX_WIDTH 1000000UL
/* Variances (sigma_w2, sigma_b2, q0) are 0 or in [MIN_VAR, MAX_VAR] (cmd.h). */
#define MAX_VAR CMD_VAR_MAX
#define MIN_VAR CMD_VAR_MIN

/* Whether the smallest non-zero value of r is below MIN_VAR (then says so). */
static int tiny(const cmd_range *r, const char *option, const char *arg)
{
  double v = cmd_range_at(r, 0);
  if (v == 0 && r->n > 1) v = cmd_range_at(r, 1);
  if (v == 0 || v >= MIN_VAR) return 0;
  cmd_usage_error(CMD, "option %s: %s gives %g, neither 0 nor in [%g, %g]", option, arg, v, MIN_VAR, MAX_VAR);
  return 1;
}

static void usage(void)
{
  printf(
      "Usage: initlab theory --act A --sigma-w2 V [--sigma-b2 B] [--depth L] [--q0 Q] [--batch B]\n"
      "                      [--width N [--weights W] [--input I]]\n"
      "       initlab theory --act A --sigma-w2 LO:HI:STEP [--sigma-b2 B|LO:HI:STEP] [--fixed-point]\n"
      "       initlab theory --act A --sigma-w2 V [--sigma-b2 B] [--q0 Q] --fixed-point\n"
      "       initlab theory --act A --sigma-b2 B [--q0 Q] --critical\n"
      "       initlab theory --act A --critical-line\n"
      "       initlab theory --act A --gain\n"
      "\n"
      "Mean-field predictions (exact as the width n grows) for an MLP of square layers,\n"
      "weights with Var(W) = sigma_w2/n, biases with variance sigma_b2, inputs with\n"
      "E[x_0^2] = q0, and an output gradient dL/dX_L of iid N(0,1) entries.  Below,\n"
      "z ~ N(0,1) and E[f(sqrt(q) z)] is computed by GSL quadrature to a relative\n"
      "error of 1e-12 (closed forms for linear, relu, leaky_relu).  The mean of an\n"
      "activation is not subtracted: Var(H_l) = sigma_w2 E[x_{l-1}^2] + sigma_b2 takes\n"
      "the second moment, so a non-zero E[x] (gelu, silu, elu, softplus, mish) feeds\n"
      "the next layer's variance.\n"
      "\n"
      "Options:\n"
      "  --act A        activation: linear, tanh, relu, leaky_relu[:slope=S] [S = 0.01], sigmoid,\n"
      "                 selu, gelu, gelu_tanh, silu (swish), elu[:alpha=A] [1], softplus[:beta=B] [1],\n"
      "                 mish, hardtanh ('initlab list' gives each formula)\n"
      "  --sigma-w2 V   n Var(W), the weight variance times the fan-in (not with --critical),\n"
      "                 or a range LO:HI:STEP or LO:HI:xF (geometric, F > 1): one row\n"
      "                 (per layer) for each value; 0 or in [1e-68, 1e74]\n"
      "  --sigma-b2 B   bias variance, or a range as for --sigma-w2 [0]\n"
      "  --depth L      number of layers, 1 to %lu [10]\n"
      "  --q0 Q         input second moment E[x_0^2] [1]\n"
      "  --batch B      examples the weight gradient is averaged over [1]\n"
      "  --width N      add one input's finite-width fluctuations for layers of N units\n"
      "                 (n_0 = n_1 = ... = N; one sigma_w2 and sigma_b2) [none: mean field only]\n"
      "  --weights W    the weights' law for --width: normal, uniform, truncated_normal\n"
      "                 (cut at +-2 sd); only its kurtosis matters [normal]\n"
      "  --input I      the input's entries for --width: normal, uniform, or fixed\n"
      "                 (one magnitude, so |x_0|^2/n_0 = q0 exactly) [normal]\n"
      "  --fixed-point  print the fixed point, chi1 and the depth scales instead\n"
      "  --critical     print the critical sigma_w2 for --sigma-b2 instead\n"
      "  --critical-line  print the critical line, one row per fixed point q* in 1e-3..1e3\n"
      "  --gain         print the activation's Gaussian moments and exact gains instead\n"
      "  -h, --help     print this help and exit\n"
      "\n"
      "",
      MAX_DEPTH);
  printf(
      "Columns, one row per layer l = 1..L:\n"
      "  h_var   q_l = Var(H_l) = sigma_w2 E[x_{l-1}^2] + sigma_b2, with E[x_0^2] = q0\n"
      "  x_sq    E[x_l^2] = E[phi(sqrt(q_l) z)^2]\n"
      "  gx_var  g_l = Var(dL/dX_l): g_L = 1, g_{l-1} = sigma_w2 E[phi'(sqrt(q_l) z)^2] g_l\n"
      "  gw_var  Var(dL/dW_l) per entry = E[x_{l-1}^2] g_l E[phi'(sqrt(q_l) z)^2] / B\n");
  /* ISO C caps a string literal at 4095 characters */
  fputs(
      "With --width, for ONE input, M_l = |x_l|^2/n_l over the draw of the weights\n"
      "(and of the input's entries), no bias, Y_l = M_l/M_{l-1}:\n"
      "  c             E[Y_l^2]/E[Y_l]^2 = 1 + c/N: c = E[phi(z)^4]/E[phi(z)^2]^2 - 1 for\n"
      "                Gaussian weights at any scale (2 linear, 5 relu, 6(1+a^4)/(1+a^2)^2 - 1\n"
      "                leaky); other weights add r (kappa - 3) K/N, kappa their kurtosis,\n"
      "                K that of x_{l-1}'s entries, r = 2(1+a^4)/(1+a^2)^2 (to order 1/N^2)\n"
      "  ratio         E[M_l^2]/E[M_l]^2 = (1 + (K_in - 1)/N) prod_{k<=l} (1 + c_k/N)\n"
      "  ln_x_sq_mean  E ln M_l, and ln_x_sq_var Var ln M_l, given M_l > 0: for Gaussian\n"
      "                weights exactly, from Y_l = (sigma_w2/N) chi^2_K, K ~ Bin(N, 1/2)\n"
      "                live relu units (K = N linear), E ln chi^2_K = psi(K/2) + ln 2,\n"
      "                Var = psi_1(K/2), layers adding (Hanin & Nica 2019); otherwise\n"
      "                Y_l given K as the gamma law with its exact mean and variance,\n"
      "                mixed over K (relu with uniform weights at N = 16, 4 layers:\n"
      "                Var ln M_4 7% low against 10^5 networks; right at N = 64)\n"
      "  ln_h_var_mean E ln s^2(h_l), and ln_h_var_var Var ln s^2(h_l), s^2 the sample\n"
      "                variance of h_l's N entries: (N-1) s^2 / (sigma_w2 M_{l-1}) ~ chi^2_{N-1}\n"
      "  dead          P(M_l = 0): a relu layer with no live unit, 1 - prod (1 - 2^-N)\n"
      "  exact         1 exact, 0 approximate as said above, -1 unknown (nan): tanh,\n"
      "                sigmoid and selu have no closed form (Y_l depends on M_{l-1}), nor\n"
      "                does a network with biases: estimate the spread from trials\n"
      "These hold for one input.  'initlab run' averages x^2 over a batch of B inputs\n"
      "pushed through the same weights: a mean of B terms with M_l's law, its\n"
      "variance is never larger than M_l's, so ln_x_sq_var bounds the variance of\n"
      "its log over trials from above, to first order (and equals it at batch = 1;\n"
      "relu, width 16, batch 8: 0.36 to 0.71 of the bound over 20 layers).  summary.tsv\n"
      "prints these columns beside the measured spread; at batch 1 a claim can test\n"
      "them with z-scores (ln_x_sq_mean_z, ln_x_sq_var_z, as experiments/\n"
      "fluctuation.cfg does), at batch > 1 only as a bound (ln_x_sq_var_ratio <= 1).\n"
      , stdout);
  printf(
      "With --fixed-point, V(q) = sigma_w2 E[phi(sqrt(q) z)^2] + sigma_b2 maps q_{l-1} to q_l:\n"
      "  q_star  lim q_l from q0, a fixed point of V (0 if 0 attracts, inf if q_l grows\n"
      "          without bound, q0 if every q is fixed)\n"
      "  chi1    sigma_w2 E[phi'(sqrt(q*) z)^2], the per-layer factor on gradient variance:\n"
      "          < 1 ordered (gradients vanish), > 1 chaotic (they explode), 1 critical\n"
      "  xi_q    -1/log|V'(q*)|, V'(q) = sigma_w2 E[phi'^2 + phi phi'']: layers over which q_l\n"
      "          settles (inf: slower than exponential; nan: no finite q*)\n"
      "  xi_c    -1/log chi1 for chi1 < 1: layers over which two inputs stay distinguishable\n"
      "          (inf at chi1 = 1; nan for chi1 > 1, where it needs c* < 1, not computed)\n"
      "With --critical: sigma_w2_crit, where chi1 = 1 at the fixed point q_star reached\n"
      "from q0 (nan if none: relu and linear are critical only at sigma_b2 = 0; gelu, silu,\n"
      "mish at small sigma_b2, where q* jumps from a stable value to inf as sigma_w2 grows).\n"
      "With --critical-line, for q* = 10^(k/4), k = -12..12, the point of the line whose\n"
      "fixed point is q*: sigma_w2 = 1/E[phi'(sqrt(q*) z)^2] (chi1 = 1), sigma_b2 =\n"
      "q* - sigma_w2 E[phi(sqrt(q*) z)^2] (< 0: unreachable), slope = V'(q*) (> 1: q* repels).\n"
      "With --gain, at q = 1 (z ~ N(0,1)); the weight sd is gain/sqrt(fan_in):\n"
      "  mean, second, var, dphi_sq   E[phi(z)], E[phi(z)^2], Var phi(z), E[phi'(z)^2]\n"
      "  pytorch        torch.nn.init.calculate_gain (nan: it has no entry)\n"
      "  gain_second    1/sqrt(E[phi(z)^2]): calculate_gain's convention, keeps E[x^2] = 1,\n"
      "                 so q = 1 is a fixed point of V without bias\n"
      "  gamma          1/sqrt(Var phi(z)): NFNets' gamma (Brock et al. 2021), keeps Var(x) = 1;\n"
      "                 right when each layer's mean is removed, too large otherwise\n"
      "  chi1_second    chi1 at that fixed point, E[phi'(z)^2]/E[phi(z)^2]\n"
      "  slope_second   V'(1) there (> 1: q = 1 repels and q_l drifts away, as for gelu)\n"
      "  gain_critical  sqrt(1/E[phi'(z)^2]): the sigma_w2 = gain^2 making chi1 = 1 at q* = 1,\n"
      "  sigma_b2_critical  with the bias variance 1 - E[phi(z)^2]/E[phi'(z)^2] that makes\n"
      "                 q* = 1 the fixed point (< 0: no bias does)\n"
      "  slope_critical V'(1) at that point (> 1: q* = 1 repels even there, as for gelu)\n"
      "A range LO:HI:STEP gives the values LO + i STEP up to HI (HI itself when it is\n"
      "within a millionth of a step, as 0.8:4.2:0.01 ends at 4.2); plain decimals are\n"
      "stepped exactly in decimal, so each value is the number as if typed.  With a\n"
      "range, the per-layer table gains leading columns sigma_w2 and sigma_b2, and\n"
      "--fixed-point and --critical give one row per value (sigma_b2 varying slowest).\n"
      "Numbers are %%.17g; inf and nan are written inf, -inf, nan.\n"
      "Exit status: 0 success, 1 the theory failed (quadrature or root finding),\n"
      "2 a usage error (a bad option, number or range).\n"
      "References: Poole et al. 2016, Exponential expressivity in deep neural networks\n"
      "through transient chaos; Schoenholz et al. 2017, Deep information propagation;\n"
      "Brock et al. 2021, High-performance large-scale image recognition without\n"
      "normalization (gamma); Hanin & Nica 2019, Products of many large random\n"
      "matrices and gradients in deep neural networks (--width).\n"
      "Exit status: 0 success, 1 a quadrature or root-finding failure, 2 a usage error.\n");
}

/* %.17g, but NaN always as "nan" (glibc may print "-nan"). */
static void put_num(double x, char end)
{
  if (isnan(x)) fputs("nan", stdout);
  else printf("%.17g", x);
  putchar(end);
}

/* The provenance lines and what the rows assume. */
static void put_provenance(int argc, char **argv, const char *what)
{
  ilab_provenance pv = {what, argc, argv, 0, 0, NULL, NULL};
  ilab_provenance_write(stdout, &pv);
  printf("# mean field, square layers, Var(W) = sigma_w2/n; quadrature relative tolerance %g\n",
         ILAB_THEORY_EPSREL);
}

enum { OPT_ACT = 256, OPT_SW2, OPT_SB2, OPT_DEPTH, OPT_Q0, OPT_BATCH, OPT_FIXED, OPT_CRIT, OPT_LINE, OPT_GAIN,
       OPT_WIDTH, OPT_WEIGHTS, OPT_INPUT };

/* The kurtosis E[u^4]/E[u^2]^2 of a named unit law, or 0 for an unknown name;
 * the truncated normal's from its exact moments. */
static double kurtosis_of(const char *name, int fixed_ok)
{
  ilab_dist d;
  if (!strcmp(name, "normal")) return ILAB_KURT_NORMAL;
  if (!strcmp(name, "uniform")) return ILAB_KURT_UNIFORM;
  if (fixed_ok && !strcmp(name, "fixed")) return ILAB_KURT_FIXED;
  if (!fixed_ok && !strcmp(name, "truncated_normal") && ilab_dist_truncnorm(&d, 1, -2, 2) == ILAB_OK) {
    double m2 = ilab_dist_raw_moment(&d, 2);
    return ilab_dist_raw_moment(&d, 4) / (m2 * m2);
  }
  return 0;
}


int ilab_cmd_theory(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"act", required_argument, NULL, OPT_ACT},
      {"sigma-w2", required_argument, NULL, OPT_SW2},
      {"sigma-b2", required_argument, NULL, OPT_SB2},
      {"depth", required_argument, NULL, OPT_DEPTH},
      {"q0", required_argument, NULL, OPT_Q0},
      {"batch", required_argument, NULL, OPT_BATCH},
      {"fixed-point", no_argument, NULL, OPT_FIXED},
      {"critical", no_argument, NULL, OPT_CRIT},
      {"critical-line", no_argument, NULL, OPT_LINE},
      {"gain", no_argument, NULL, OPT_GAIN},
      {"width", required_argument, NULL, OPT_WIDTH},
      {"weights", required_argument, NULL, OPT_WEIGHTS},
      {"input", required_argument, NULL, OPT_INPUT},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *act_spec = NULL;
  cmd_range sw2 = {0}, sb2 = {.n = 1};
  double q0 = 1;
  unsigned long depth = 10, batch = 1;
  int have_sw2 = 0, have_sb2 = 0, fixed = 0, critical = 0, line = 0, gain = 0, c;
  unsigned long width = 0;
  double w_kurt = ILAB_KURT_NORMAL, in_kurt = ILAB_KURT_NORMAL;
  int have_kurt = 0;

  /* '+': stop at the first non-option rather than permute argv, so the
   * provenance line shows the command as typed. */
  while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_ACT: act_spec = optarg; break;
    case OPT_SW2:
      if (cmd_parse_range(CMD, "--sigma-w2", optarg, 0, MAX_VAR, &sw2) || tiny(&sw2, "--sigma-w2", optarg)) return ILAB_EXIT_USAGE;
      have_sw2 = 1;
      break;
    case OPT_SB2:
      if (cmd_parse_range(CMD, "--sigma-b2", optarg, 0, MAX_VAR, &sb2) || tiny(&sb2, "--sigma-b2", optarg)) return ILAB_EXIT_USAGE;
      have_sb2 = 1;
      break;
    case OPT_DEPTH:
      if (cmd_parse_ulong(CMD, "--depth", optarg, 1, MAX_DEPTH, &depth)) return ILAB_EXIT_USAGE;
      break;
    case OPT_Q0:
      if (cmd_parse_variance(CMD, "--q0", optarg, &q0)) return ILAB_EXIT_USAGE;
      break;
    case OPT_BATCH:
      if (cmd_parse_ulong(CMD, "--batch", optarg, 1, 1000000000UL, &batch)) return ILAB_EXIT_USAGE;
      break;
    case OPT_FIXED: fixed = 1; break;
    case OPT_CRIT: critical = 1; break;
    case OPT_LINE: line = 1; break;
    case OPT_GAIN: gain = 1; break;
    case OPT_WIDTH:
      if (cmd_parse_ulong(CMD, "--width", optarg, 1, ILAB_THEORY_MAX_WIDTH, &width)) return ILAB_EXIT_USAGE;
      break;
    case OPT_WEIGHTS:
      if (!(w_kurt = kurtosis_of(optarg, 0)))
        return cmd_usage_error(CMD, "--weights: unknown law '%s' (expected normal, uniform or truncated_normal)", optarg);
      have_kurt = 1;
      break;
    case OPT_INPUT:
      if (!(in_kurt = kurtosis_of(optarg, 1)))
        return cmd_usage_error(CMD, "--input: unknown law '%s' (expected normal, uniform or fixed)", optarg);
      have_kurt = 1;
      break;
    case 'h': usage(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(CMD);
    }
  }
  if (optind < argc) return cmd_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
  if (!act_spec) return cmd_usage_error(CMD, "--act is required");
  ilab_act a;
  if (ilab_act_parse(act_spec, &a) != ILAB_OK)
    return cmd_usage_error(CMD, "%s", ilab_error_reason());
  if (fixed + critical + line + gain > 1)
    return cmd_usage_error(CMD, "--fixed-point, --critical, --critical-line and --gain exclude each other");
  if (critical && !have_sb2) return cmd_usage_error(CMD, "--critical needs --sigma-b2");
  if ((line || gain) && (have_sw2 || have_sb2))
    return cmd_usage_error(CMD, "%s takes no --sigma-w2 or --sigma-b2: it finds them", line ? "--critical-line" : "--gain");
  if (!critical && !line && !gain && !have_sw2) return cmd_usage_error(CMD, "--sigma-w2 is required");
  if (critical && have_sw2) return cmd_usage_error(CMD, "--critical finds sigma_w2 itself: drop --sigma-w2");
  /* a range adds the varied values as columns of one table */
  int ranged = sw2.n > 1 || sb2.n > 1;
  if ((fixed || critical || line || gain || ranged) && width)
    return cmd_usage_error(CMD, "--width is for the per-layer table of one sigma_w2 and sigma_b2");
  if (have_kurt && !width) return cmd_usage_error(CMD, "--weights and --input need --width");
  if ((double)sw2.n * (double)sb2.n * (critical || fixed ? 1.0 : (double)depth) > 1e7)
    return cmd_usage_error(CMD, "%zu x %zu values%s: more than 10^7 rows", sw2.n, sb2.n,
                           critical || fixed ? "" : " x --depth layers");

  char name[64];
  ilab_act_name(&a, name, sizeof name);
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  if (!w) {
    cmd_error("%s", ilab_error_reason());
    return ILAB_EXIT_RUNTIME;
  }
  int st = ILAB_OK;
  if (fixed) {
    put_provenance(argc, argv, "the fixed point q*, chi_1 and the depth scales");
    printf("act\tsigma_w2\tsigma_b2\tq_star\tchi1\txi_q\txi_c\n");
    for (size_t j = 0; j < sb2.n && !st; j++)
      for (size_t i = 0; i < sw2.n && !st; i++) {
        double vw = cmd_range_at(&sw2, i), vb = cmd_range_at(&sb2, j);
        ilab_theory_fixed fp;
        if ((st = ilab_theory_fixed_point(w, &a, vw, vb, q0, &fp)) != ILAB_OK) break;
        printf("%s\t", name);
        put_num(vw, '\t'); put_num(vb, '\t'); put_num(fp.q_star, '\t');
        put_num(fp.chi1, '\t'); put_num(fp.xi_q, '\t'); put_num(fp.xi_c, '\n');
      }
  } else if (gain) {
    ilab_theory_gains g;
    if ((st = ilab_theory_gain(w, &a, &g)) == ILAB_OK) {
      put_provenance(argc, argv, "Gaussian moments at q = 1 and exact gains");
      printf("act\tmean\tsecond\tvar\tdphi_sq\tpytorch\tgain_second\tgamma\tchi1_second\t"
             "slope_second\tgain_critical\tsigma_b2_critical\tslope_critical\n%s\t", name);
      put_num(g.mean, '\t'); put_num(g.second, '\t'); put_num(g.var, '\t'); put_num(g.dphi_sq, '\t');
      put_num(ilab_act_gain(&a), '\t'); put_num(g.second_moment, '\t'); put_num(g.gamma, '\t');
      put_num(g.chi1_second, '\t'); put_num(g.slope_second, '\t'); put_num(g.critical, '\t');
      put_num(g.critical_sigma_b2, '\t'); put_num(g.critical_slope, '\n');
    }
  } else if (line) {
    double q[25], s[25], b[25], sl[25];
    for (int k = 0; k < 25 && st == ILAB_OK; k++) {
      q[k] = pow(10, (k - 12) / 4.0);
      st = ilab_theory_critical_at(w, &a, q[k], &s[k], &b[k], &sl[k]);
    }
    if (st == ILAB_OK) {
      put_provenance(argc, argv, "the critical line, by its fixed point q*");
      printf("act\tq_star\tsigma_w2\tsigma_b2\tslope\n");
      for (int k = 0; k < 25; k++) {
        printf("%s\t", name);
        put_num(q[k], '\t'); put_num(s[k], '\t'); put_num(b[k], '\t'); put_num(sl[k], '\n');
      }
    }
  } else if (critical) {
    put_provenance(argc, argv, "the critical sigma_w2, where chi_1 = 1");
    printf("act\tsigma_b2\tsigma_w2_crit\tq_star\n");
    for (size_t j = 0; j < sb2.n && !st; j++) {
      double vb = cmd_range_at(&sb2, j), sc, q;
      if ((st = ilab_theory_critical(w, &a, vb, q0, &sc, &q)) != ILAB_OK) break;
      printf("%s\t", name);
      put_num(vb, '\t'); put_num(sc, '\t'); put_num(q, '\n');
    }
  } else {
    /* Square layers of width n with Var(W) = sigma_w2/n: n enters only as
     * n Var(W) = sigma_w2, so n = 1 stands for every n. */
    size_t *widths = malloc((depth + 1) * sizeof *widths);
    double *var = malloc(depth * sizeof *var);
    ilab_theory_layer *out = malloc(depth * sizeof *out);
    double *kurt = malloc(depth * sizeof *kurt);
    ilab_finite_layer *fin = malloc(depth * sizeof *fin);
    double errmax = 0;
    if (!widths || !var || !out || !kurt || !fin) {
      free(widths); free(var); free(out); free(kurt); free(fin);
      ilab_theory_workspace_free(w);
      cmd_error("out of memory for %lu layers", depth);
      return ILAB_EXIT_RUNTIME;
    }
    size_t n = width ? width : 1; /* --width: the finite-width columns need n itself */
    for (size_t l = 0; l <= depth; l++) widths[l] = n;
    for (size_t l = 0; l < depth; l++) kurt[l] = w_kurt;
    int headed = 0;
    for (size_t j = 0; j < sb2.n && !st; j++)
      for (size_t i = 0; i < sw2.n && !st; i++) {
        double vw = cmd_range_at(&sw2, i), vb = cmd_range_at(&sb2, j), err = 0;
        for (size_t l = 0; l < depth; l++) var[l] = vw / (double)n;
        if ((st = ilab_theory_network(w, &a, depth, widths, var, vb, q0, batch, out, &err)) != ILAB_OK) break;
        if (width && (st = ilab_finite_network(&a, depth, widths, var, kurt, vb, q0, in_kurt, fin)) != ILAB_OK) break;
        if (err > errmax) errmax = err;
        if (!headed++) {
          put_provenance(argc, argv, "per-layer mean-field predictions");
          if (!ranged) printf("# largest quadrature error estimate %g\n", errmax);
          if (width)
            printf("# finite width %lu, one input: weight kurtosis %.17g, input kurtosis %.17g\n",
                   width, w_kurt, in_kurt);
          printf("%slayer\th_var\tx_sq\tgx_var\tgw_var%s\n", ranged ? "sigma_w2\tsigma_b2\t" : "",
                 width ? "\tc\tratio\tln_x_sq_mean\tln_x_sq_var\tln_h_var_mean\tln_h_var_var\tdead\texact" : "");
        }
        for (size_t l = 0; l < depth; l++) {
          if (ranged) { put_num(vw, '\t'); put_num(vb, '\t'); }
          printf("%zu\t", l + 1);
          put_num(out[l].h_var, '\t'); put_num(out[l].x_sq, '\t');
          put_num(out[l].gx_var, '\t'); put_num(out[l].gw_var, width ? '\t' : '\n');
          if (width) {
            const ilab_finite_layer *f = &fin[l];
            put_num(f->c, '\t'); put_num(f->ratio, '\t'); put_num(f->ln_mean, '\t');
            put_num(f->ln_var, '\t'); put_num(f->lnh_mean, '\t'); put_num(f->lnh_var, '\t');
            put_num(f->dead, '\t');
            printf("%d\n", f->exact);
          }
        }
      }
    free(widths); free(var); free(out); free(kurt); free(fin);
  }
  ilab_theory_workspace_free(w);
  if (st != ILAB_OK) {
    cmd_error("%s", ilab_error_reason());
    return cmd_close_stdout(ILAB_EXIT_RUNTIME);
  }
  return cmd_close_stdout(ILAB_EXIT_OK);
}
