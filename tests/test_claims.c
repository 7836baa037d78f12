/* Tests of claims: the grammar and its errors, the table of named
 * quantities, and the verdict of each kind of claim on summary rows written
 * out by hand (NaN never passes; a claim on a cell that was not run is
 * skipped).  Every expected value is computed here from the rows, exactly. */
#include "claims.h"
#include "ilab.h"
#include "test.h"

#include <math.h>
#include <string.h>

static const char *const acts[] = {"relu", "leaky_relu:slope=0.2"};
static const char *const kinds[] = {"relu", "leaky_relu"};
static const char *const schemes[] = {"he_normal", "glorot_uniform"};
static const ilab_claim_context ctx = {"x.cfg", 2, acts, kinds, 2, schemes, 5, 4, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL};

static int parse(const char *text, ilab_claim *cl)
{
  memset(cl, 0, sizeof *cl);
  cl->line = 7;
  snprintf(cl->text, sizeof cl->text, "%s", text);
  ilab_error_clear();
  return ilab_claim_parse(&ctx, cl);
}

static void parse_error(const char *text, const char *reason)
{
  ilab_claim cl;
  int st = parse(text, &cl);
  ilab_test_int(st, ILAB_EPARSE, "'%s' is rejected", text);
  ilab_test(strstr(ilab_error_reason(), reason) != NULL && !strncmp(ilab_error_reason(), "x.cfg:7: claim: ", 16),
            "'%s': reason '%s' names the file, the line and '%s'", text, ilab_error_reason(), reason);
}

/* Shapes: width=N and depth=N pick one where the experiment sweeps several,
 * and the layers are checked against the claim's own depth. */
static void test_parse_shape(void)
{
  static const size_t widths[] = {16, 64}, depths[] = {3, 8};
  ilab_claim_context c2 = ctx;
  c2.depth = 8;
  c2.n_widths = 2;
  c2.widths = widths;
  c2.n_depths = 2;
  c2.depths = depths;
  ilab_claim cl;
  memset(&cl, 0, sizeof cl);
  cl.line = 9;
  strcpy(cl.text, "relu he_normal width=64 depth=3 ln_x_sq_var_z[3] in [-4, 4]");
  ilab_test_int(ilab_claim_parse(&c2, &cl), ILAB_OK, "width= and depth= parse");
  ilab_test(cl.width == 64 && cl.depth == 3 && cl.a == 3 && !strcmp(cl.qty->name, "ln_x_sq_var_z"), "shape: fields");
  static const struct { const char *text, *reason; } bad[] = {
      {"relu he_normal depth=3 h_var[1] < 1", "sweeps 2 widths; name one with width=N"},
      {"relu he_normal width=16 h_var[1] < 1", "sweeps 2 depths; name one with depth=N"},
      {"relu he_normal width=32 depth=3 h_var[1] < 1", "width 32 is not one of the experiment's"},
      {"relu he_normal width=16 depth=3 h_var[4] < 1", "layers must lie in 1..3"},
      {"relu he_normal width=16 width=64 depth=3 h_var[1] < 1", "width given twice"},
      {"relu he_normal width=1x depth=3 h_var[1] < 1", "expected a number after 'width='"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    strcpy(cl.text, bad[i].text);
    int st = ilab_claim_parse(&c2, &cl);
    ilab_test(st == ILAB_EPARSE && strstr(ilab_error_reason(), bad[i].reason), "'%s' is rejected: %s", bad[i].text,
              ilab_error_reason());
  }
  /* 'in [LO, HI] at ALPHA': the interval's stated false-alarm probability */
  strcpy(cl.text, "relu he_normal width=64 depth=8 ln_x_sq_mean[8] in [-1, 1] at 6.3e-05");
  ilab_test_int(ilab_claim_parse(&c2, &cl), ILAB_OK, "'in [LO, HI] at ALPHA' parses");
  ilab_test(cl.alpha == 6.3e-05 && !cl.noise && cl.lo == -1 && cl.hi == 1, "at ALPHA: fields");
  {
    ilab_summary_row rows[8];
    memset(rows, 0, sizeof rows);
    ilab_claim_result res;
    ilab_claim_eval(&cl, rows, 8, &res);
    ilab_test(res.verdict == ILAB_CLAIM_PASS && res.alpha == 6.3e-05, "at ALPHA: the verdict carries it");
  }
  strcpy(cl.text, "relu he_normal width=64 depth=8 h_var[1] in [0, 1] at 0.7");
  ilab_test(ilab_claim_parse(&c2, &cl) == ILAB_EPARSE && strstr(ilab_error_reason(), "must lie in (0, 0.5)"),
            "at 0.7 is refused: %s", ilab_error_reason());
  /* one width: width= may still name it */
  strcpy(cl.text, "relu he_normal width=7 h_var[1] < 1");
  ilab_test_int(ilab_claim_parse(&ctx, &cl), ILAB_EPARSE, "width= naming a width of a one-shape experiment that is not its own");
}

static void test_parse(void)
{
  ilab_claim cl;
  ilab_test_int(parse("relu he_normal h_var[2] in [1, 3]", &cl), ILAB_OK, "AT parses");
  ilab_test(cl.kind == ILAB_CLAIM_AT && cl.act == 0 && cl.scheme == 0 && cl.a == 2 && cl.lo == 1 && cl.hi == 3 &&
            cl.qty && !strcmp(cl.qty->name, "h_var") && !cl.qty2, "AT: fields");
  ilab_test_int(parse("leaky_relu glorot_uniform gx_var[1] / gw_var_ratio[5] < 2.5", &cl), ILAB_OK, "RATIO parses");
  ilab_test(cl.kind == ILAB_CLAIM_RATIO && cl.act == 1 && cl.scheme == 1 && cl.a == 1 && cl.b == 5 &&
            !strcmp(cl.qty->name, "gx_var") && !strcmp(cl.qty2->name, "gw_var_ratio") &&
            cl.lo == -INFINITY && cl.hi == 2.5, "RATIO: fields, the activation named by its kind, '< X'");
  ilab_test_int(parse("leaky_relu:slope=0.2 he_normal all x_sq_theory[1..5] > 0", &cl), ILAB_OK, "ALL parses");
  ilab_test(cl.kind == ILAB_CLAIM_ALL && cl.act == 1 && cl.a == 1 && cl.b == 5 && cl.lo == 0 && cl.hi == INFINITY,
            "ALL: fields, the activation named canonically, '> X'");
  ilab_test_int(parse("relu glorot_uniform rate nonfinite[2..4] in [-1e3,1e3]", &cl), ILAB_OK, "RATE parses");
  ilab_test(cl.kind == ILAB_CLAIM_RATE && cl.scheme == 1 && cl.a == 2 && cl.b == 4 && cl.lo == -1e3 && cl.hi == 1e3,
            "RATE: fields");

  parse_error("relu", "expected 'ACT SCHEME QUANTITY[LAYER] in [LO, HI]'");
  parse_error("relu he_normal", "expected QUANTITY[LAYER] at ''");
  parse_error("tanh he_normal h_var[1] < 1", "'tanh' is not one of the experiment's activations");
  parse_error("relu lecun_normal h_var[1] < 1", "'lecun_normal' is not one of the experiment's schemes");
  parse_error("relu he_normal h_vr[1] < 1", "unknown quantity 'h_vr'");
  parse_error("relu he_normal h_var[0] < 1", "layers must lie in 1..5");
  parse_error("relu he_normal h_var[6] < 1", "layers must lie in 1..5");
  parse_error("relu he_normal h_var[-1] < 1", "expected a layer number after '['");
  parse_error("relu he_normal all h_var[2] < 1", "'all' and 'rate' take a layer range [A..B]");
  parse_error("relu he_normal rate h_var[3..3] < 1", "layers must lie in 1..5 with A < B");
  parse_error("relu he_normal all h_var[4..2] < 1", "layers must lie in 1..5 with A < B");
  parse_error("relu he_normal h_var[1 < 1", "expected ']' after the layer");
  parse_error("relu he_normal h_var[1] in 1, 2", "expected '[LO, HI]' after 'in'");
  parse_error("relu he_normal h_var[1] in [1 2]", "expected ',' between LO and HI");
  parse_error("relu he_normal h_var[1] in [1, nan]", "expected a number at 'nan]'");
  parse_error("relu he_normal h_var[1] in [1, 2", "expected ']' after HI");
  parse_error("relu he_normal h_var[1] in [2, 1]", "the interval [2, 1] is empty");
  parse_error("relu he_normal h_var[1] == 1", "expected 'in [LO, HI]', '< X' or '> X' at '== 1'");
  parse_error("relu he_normal h_var[1] < 1 and more", "unexpected 'and more' at the end");
}

static void test_quantities(void)
{
  ilab_summary_row r;
  memset(&r, 0, sizeof r);
  for (int q = 0; q < ILAB_SUMMARY_N; q++) {
    r.mean[q] = 10.0 * (q + 1);
    r.theory[q] = 4.0 * (q + 1);
  }
  r.nonfinite = 17;
  for (int q = 0; q < ILAB_SUMMARY_LN_N; q++)
    r.ln[q] = (ilab_summary_ln){100, -1.5 - q, 3.0 + q, -1.25 - q, 2.0 + q, 0.5, 0.75 + q, 1.5 + q};
  r.x_mean = -0.5;
  r.sq_mean = 1.5;
  r.sq_var = 6;
  r.sq_mean_theory = 1.25;
  r.sq_var_theory = 4;
  r.lsuv_scale = 1.375;
  r.lsuv_iters = 3;
  r.h_under = 0.125;
  r.g_under = 0.625;
  r.h_over = 7;
  r.g_over = 9;
  static const struct { const char *name; double value; } want[] = {
      {"h_var", 10}, {"x_sq", 20}, {"gx_var", 30}, {"gw_var", 40},
      {"h_var_theory", 4}, {"x_sq_theory", 8}, {"gx_var_theory", 12}, {"gw_var_theory", 16},
      {"h_var_ratio", 2.5}, {"x_sq_ratio", 2.5}, {"gx_var_ratio", 2.5}, {"gw_var_ratio", 2.5},
      {"nonfinite", 17}, {"x_mean", -0.5}, {"sq_mean", 1.5}, {"sq_var", 6},
      {"sq_mean_theory", 1.25}, {"sq_var_theory", 4}, {"sq_var_ratio", 1.5},
      {"ln_x_sq_mean", -1.5}, {"ln_x_sq_var", 3}, {"ln_x_sq_mean_theory", -1.25},
      {"ln_x_sq_var_theory", 2}, {"ln_x_sq_var_ratio", 1.5}, {"ln_x_sq_mean_z", 0.75},
      {"ln_x_sq_var_z", 1.5},
      {"ln_h_var_mean", -2.5}, {"ln_h_var_var", 4}, {"ln_h_var_mean_theory", -2.25},
      {"ln_h_var_var_theory", 3}, {"ln_h_var_var_ratio", 4.0 / 3}, {"ln_h_var_mean_z", 1.75},
      {"ln_h_var_var_z", 2.5},
      {"lsuv_scale", 1.375}, {"lsuv_iters", 3},
      {"h_under", 0.125}, {"g_under", 0.625}, {"h_over", 7}, {"g_over", 9}};
  size_t n = 0;
  for (const ilab_claim_quantity *q = ilab_claim_quantities; q->name; q++) n++;
  ilab_test_int((long)n, (long)(sizeof want / sizeof want[0]), "the table names every summary quantity");
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const ilab_claim_quantity *q = ilab_claim_quantity_find(want[i].name, strlen(want[i].name));
    ilab_test(q != NULL, "%s is in the table", want[i].name);
    if (q) ilab_test_rel(q->value(&r), want[i].value, 0, "%s reads its own field", want[i].name);
  }
  ilab_test(ilab_claim_quantity_find("h_var_", 6) == NULL, "a prefix is not a name");
  ilab_test(ilab_claim_quantity_find("h_v", 3) == NULL, "a truncated name is not a name");
}

/* Five layers whose h_var is 2^l (l = 1..5) and gx_var 1, theory 1 everywhere. */
static void rows_pow2(ilab_summary_row *rows)
{
  memset(rows, 0, 5 * sizeof *rows);
  for (int l = 1; l <= 5; l++) {
    for (int q = 0; q < ILAB_SUMMARY_N; q++) rows[l - 1].mean[q] = rows[l - 1].theory[q] = 1;
    rows[l - 1].mean[ILAB_SUMMARY_H_VAR] = ldexp(1, l);
    rows[l - 1].trials = 3;
  }
}

static ilab_claim_verdict judge(const char *text, const ilab_summary_row *rows, double *mn, double *mx)
{
  ilab_claim cl;
  ilab_claim_result res = {.verdict = ILAB_CLAIM_SKIPPED};
  if (parse(text, &cl)) { ilab_test(0, "'%s' parses: %s", text, ilab_error_reason()); return ILAB_CLAIM_SKIPPED; }
  ilab_claim_eval(&cl, rows, 5, &res);
  if (mn) *mn = res.measured_min;
  if (mx) *mx = res.measured_max;
  return res.verdict;
}

static void test_eval(void)
{
  ilab_summary_row rows[5];
  double mn, mx;
  rows_pow2(rows);
  ilab_test_int(judge("relu he_normal h_var[3] in [8, 8]", rows, &mn, &mx), ILAB_CLAIM_PASS, "AT: 2^3 in [8, 8]");
  ilab_test(mn == 8 && mx == 8, "AT: measured 8 (%g, %g)", mn, mx);
  ilab_test_int(judge("relu he_normal h_var[3] < 7.999", rows, NULL, NULL), ILAB_CLAIM_FAIL, "AT: 8 < 7.999 fails");
  ilab_test_int(judge("relu he_normal h_var[5] / h_var[2] in [8, 8]", rows, &mn, NULL), ILAB_CLAIM_PASS, "RATIO: 32/4 = 8");
  ilab_test(mn == 8, "RATIO: measured %g", mn);
  ilab_test_int(judge("relu he_normal h_var[5] / gx_var[2] > 33", rows, NULL, NULL), ILAB_CLAIM_FAIL,
                "RATIO across quantities: 32/1 > 33 fails");
  ilab_test_int(judge("relu he_normal rate h_var[1..5] in [2, 2]", rows, &mn, NULL), ILAB_CLAIM_PASS,
                "RATE: (32/2)^(1/4) = 2");
  ilab_test(mn == 2, "RATE: measured %.17g", mn);
  ilab_test_int(judge("relu he_normal all h_var[2..4] in [4, 16]", rows, &mn, &mx), ILAB_CLAIM_PASS,
                "ALL: 4, 8, 16 in [4, 16]");
  ilab_test(mn == 4 && mx == 16, "ALL: min 4 and max 16 (%g, %g)", mn, mx);
  ilab_test_int(judge("relu he_normal all h_var[2..5] in [4, 16]", rows, NULL, NULL), ILAB_CLAIM_FAIL,
                "ALL: 32 at layer 5 fails");
  ilab_test_int(judge("relu he_normal all h_var_ratio[1..5] > 2", rows, NULL, NULL), ILAB_CLAIM_PASS,
                "ALL on a ratio: 2^l / 1 >= 2");
  rows[3].nonfinite = 2;
  ilab_test_int(judge("relu he_normal all nonfinite[1..3] < 0", rows, NULL, NULL), ILAB_CLAIM_PASS, "nonfinite 0 up to layer 3");
  ilab_test_int(judge("relu he_normal all nonfinite[1..4] < 0", rows, NULL, NULL), ILAB_CLAIM_FAIL, "nonfinite 2 at layer 4");

  /* NaN, an overflowed cell, satisfies no interval, not even an infinite one */
  rows[2].mean[ILAB_SUMMARY_H_VAR] = NAN;
  ilab_test_int(judge("relu he_normal h_var[3] in [-inf, inf]", rows, &mn, NULL), ILAB_CLAIM_FAIL, "AT: NaN fails");
  ilab_test(isnan(mn), "AT: NaN is reported");
  ilab_test_int(judge("relu he_normal h_var[3] / h_var[1] > -inf", rows, NULL, NULL), ILAB_CLAIM_FAIL, "RATIO: NaN fails");
  ilab_test_int(judge("relu he_normal rate h_var[1..3] < inf", rows, NULL, NULL), ILAB_CLAIM_FAIL, "RATE: NaN fails");
  ilab_test_int(judge("relu he_normal all h_var[1..5] > -inf", rows, &mn, &mx), ILAB_CLAIM_FAIL,
                "ALL: one NaN layer among finite ones fails");
  ilab_test(isnan(mn) || isnan(mx), "ALL: the NaN is reported (%g, %g)", mn, mx);
  rows_pow2(rows);
  rows[4].theory[ILAB_SUMMARY_H_VAR] = NAN;
  ilab_test_int(judge("relu he_normal h_var_ratio[5] > 0", rows, NULL, NULL), ILAB_CLAIM_FAIL,
                "a ratio to a NaN prediction fails");

  /* a cell that was not run */
  ilab_test_int(judge("relu he_normal h_var[3] in [-inf, inf]", NULL, &mn, &mx), ILAB_CLAIM_SKIPPED,
                "a claim on a cell that was not run is skipped");
  ilab_claim cl;
  parse("leaky_relu glorot_uniform h_var[1] < 1", &cl);
  ilab_test_int((long)ilab_claim_cell(&cl, 2), 3, "cell = act * n_schemes + scheme");
}

/* '~ CENTER at ALPHA': the grammar, and a t test worked out by hand.  Four
 * trials whose h_var at layer l is 2^l e^(d_t l/3), d = (-0.01, 0.01, -0.02,
 * 0.02): at layer 3, ln EXPR = ln 8 + d_t, mean ln 8, s^2 = 0.001/3; the
 * prediction at Var(W) e^x is 2^l e^(x l), as for ReLU or linear layers, so
 * d ln h_var[3] / d ln Var(W) = 3. */
static void test_noise(void)
{
  ilab_claim cl;
  ilab_test_int(parse("relu he_normal rate h_var[1..5] ~ 1.5 at 1e-3", &cl), ILAB_OK, "'~' parses");
  ilab_test(cl.noise && cl.kind == ILAB_CLAIM_RATE && cl.center == 1.5 && cl.alpha == 1e-3, "'~': fields");
  ilab_test_int(parse("relu he_normal h_var[5] / h_var[1] ~ theory at 0.01", &cl), ILAB_OK, "'~ theory' parses");
  ilab_test(cl.noise && isnan(cl.center) && cl.alpha == 0.01 && cl.kind == ILAB_CLAIM_RATIO, "'~ theory': fields");
  parse_error("relu he_normal all h_var[1..5] ~ 1 at 0.01", "'all' has no noise model");
  parse_error("relu he_normal h_var[1] ~ 0 at 0.01", "the centre must be");
  parse_error("relu he_normal h_var[1] ~ -2 at 0.01", "the centre must be");
  parse_error("relu he_normal h_var[1] ~ 1 at 0.5", "false-alarm probability must lie in (0, 0.5)");
  parse_error("relu he_normal h_var[1] ~ 1 at 0", "false-alarm probability must lie in (0, 0.5)");
  parse_error("relu he_normal h_var[1] ~ 1", "expected 'at ALPHA'");
  parse_error("relu he_normal h_var[1] ~ 1 at 0.01 x", "unexpected 'x'");
  parse_error("relu he_normal nonfinite[1] ~ 1 at 0.01", "'~' takes logarithms");
  ilab_claim_context two = ctx;
  two.trials = 2;
  memset(&cl, 0, sizeof cl);
  cl.line = 7;
  strcpy(cl.text, "relu he_normal h_var[1] ~ 1 at 0.01");
  ilab_test_int(ilab_claim_parse(&two, &cl), ILAB_EPARSE, "'~' with 2 trials is refused");

  enum { T = 4, D = 5 };
  static const double d[T] = {-0.01, 0.01, -0.02, 0.02};
  ilab_summary_row rows[T * D], pr[3][D];
  const ilab_summary_row *const pred[3] = {pr[0], pr[1], pr[2]};
  const double h = 0.01, x[3] = {0, -h, h};
  for (int t = 0; t < T; t++) {
    rows_pow2(rows + t * D);
    for (int l = 1; l <= D; l++) rows[t * D + l - 1].mean[ILAB_SUMMARY_H_VAR] *= exp(d[t] * l / 3);
  }
  for (int k = 0; k < 3; k++) {
    ilab_theory_layer th[D];
    for (int l = 1; l <= D; l++) th[l - 1] = (ilab_theory_layer){.h_var = ldexp(1, l) * exp(x[k] * l), .x_sq = 1, .gx_var = 1, .gw_var = 1};
    ilab_claim_pred_rows(th, D, pr[k]);
  }
  ilab_claim_result res;
  const double s = sqrt(0.001 / 3), tq = 5.84090929975643 /* t(0.995, 3), scipy.stats.t.ppf */;
  const double w = tq * s / 2, mu = log(8.0) - s * s / 2;
  parse("relu he_normal h_var[3] ~ 8 at 0.01", &cl);
  ilab_claim_eval_trials(&cl, rows, T, pred, h, D, &res);
  ilab_test_int(res.verdict, ILAB_CLAIM_PASS, "'~': ln 8 is within the t interval");
  ilab_test_rel(res.measured_min, 8, 1e-14, "'~': measured = exp(mean ln)");
  ilab_test_rel(res.sd, s, 1e-12, "'~': s, the trials' sd of ln EXPR");
  /* GSL's t quantile agrees with scipy's to about 2e-9 relative */
  ilab_test_rel(res.lo, exp(mu - w), 1e-8, "'~': lo = exp(ln 8 - s^2/2 - t s/sqrt(T))");
  ilab_test_rel(res.hi, exp(mu + w), 1e-8, "'~': hi = exp(ln 8 - s^2/2 + t s/sqrt(T))");
  ilab_test_rel(res.sens, 3, 1e-10, "'~': d ln h_var[3] / d ln Var(W) = 3");
  ilab_test_rel(res.detects, expm1(w / 3), 1e-8, "'~': detects exp(w/3) - 1");
  ilab_test(res.alpha == 0.01, "'~': alpha reported");
  /* A variance error the claim should catch: 2 % on the sd, 4.04 % on
   * Var(W), is a factor 1.0404^3 at layer 3: the same trials so scaled fail. */
  for (int t = 0; t < T; t++) rows[t * D + 2].mean[ILAB_SUMMARY_H_VAR] *= pow(1.0404, 3);
  ilab_claim_eval_trials(&cl, rows, T, pred, h, D, &res);
  ilab_test_int(res.verdict, ILAB_CLAIM_FAIL, "'~': a planted gain of 1.02 fails");
  parse("relu he_normal h_var[3] ~ theory at 0.01", &cl);
  ilab_claim_eval_trials(&cl, rows, T, pred, h, D, &res);
  ilab_test(res.sens == 0 && isinf(res.detects), "'~ theory': blind to a variance error (sens 0, detects inf)");
  parse("relu he_normal rate h_var[1..3] ~ 2 at 0.01", &cl);
  for (int t = 0; t < T; t++) rows[t * D + 2].mean[ILAB_SUMMARY_H_VAR] /= pow(1.0404, 3);
  ilab_claim_eval_trials(&cl, rows, T, pred, h, D, &res);
  ilab_test_rel(res.sens, 1, 1e-10, "'~' rate: d ln rate / d ln Var(W) = 1");
  ilab_test_int(res.verdict, ILAB_CLAIM_PASS, "'~' rate: (8 e^(d 2/3) / 2 e^(d/3))^(1/2) about 2");
  /* the noise at the near end of a rate, as for gradients read downward:
   * h_var[1] = 2 e^(d_t), h_var[3] = 8, rate = 2 e^(-d_t/2); the centre moves
   * up, mu = ln 2 + v_1/4 with v_1 = 0.001/3 the variance of ln h_var[1] */
  for (int t = 0; t < T; t++) {
    rows_pow2(rows + t * D);
    rows[t * D].mean[ILAB_SUMMARY_H_VAR] *= exp(d[t]);
  }
  ilab_claim_eval_trials(&cl, rows, T, pred, h, D, &res);
  double v1 = 0.001 / 3, w2 = tq * sqrt(v1 / 4) / 2;
  ilab_test_rel(res.sd, sqrt(v1 / 4), 1e-12, "'~' rate: s = sd(ln h_var[1])/2");
  ilab_test_rel(res.lo, exp(log(2.0) + v1 / 4 - w2), 1e-8, "'~' rate: the noisy near end raises the centre (lo)");
  ilab_test_rel(res.hi, exp(log(2.0) + v1 / 4 + w2), 1e-8, "'~' rate: the noisy near end raises the centre (hi)");
  rows[1 * D + 2].mean[ILAB_SUMMARY_H_VAR] = -1;
  ilab_claim_eval_trials(&cl, rows, T, pred, h, D, &res);
  ilab_test_int(res.verdict, ILAB_CLAIM_FAIL, "'~': a value <= 0 in a trial fails");
  ilab_claim_eval_trials(&cl, NULL, T, pred, h, D, &res);
  ilab_test_int(res.verdict, ILAB_CLAIM_SKIPPED, "'~': a cell not run is skipped");
}

/* sigma_b2=V, input=SPEC and batch=N pick a point where the experiment
 * sweeps several; a number is matched by value. */
static void test_parse_point(void)
{
  static const double sb[] = {0, 0.05, 0.25};
  static const char *const inputs[] = {"normal:std=1", "normal:std=2"};
  static const size_t batches[] = {2, 8};
  ilab_claim_context c2 = ctx;
  c2.n_sigma_b2s = 3;
  c2.sigma_b2s = sb;
  c2.n_inputs = 2;
  c2.inputs = inputs;
  c2.n_batches = 2;
  c2.batches = batches;
  ilab_claim cl;
  memset(&cl, 0, sizeof cl);
  cl.line = 4;
  strcpy(cl.text, "relu he_normal batch=8 sigma_b2=5e-2 input=normal:std=2 h_var[2] ~ theory at 1e-3");
  ilab_test_int(ilab_claim_parse(&c2, &cl), ILAB_OK, "sigma_b2=, input= and batch= parse: %s", ilab_error_reason());
  ilab_test(cl.has_sigma_b2 && cl.sigma_b2 == 0.05 && cl.input == 2 && cl.batch == 8 && cl.a == 2,
            "point: sigma_b2 0.05 by value, input index + 1, batch");
  static const struct { const char *text, *reason; } bad[] = {
      {"relu he_normal input=normal:std=1 batch=2 h_var[1] < 1", "sweeps 3 values of sigma_b2; name one with sigma_b2=V"},
      {"relu he_normal sigma_b2=0 batch=2 h_var[1] < 1", "sweeps 2 input laws; name one with input=SPEC"},
      {"relu he_normal sigma_b2=0 input=normal:std=1 h_var[1] < 1", "sweeps 2 batches; name one with batch=N"},
      {"relu he_normal sigma_b2=0.1 input=normal:std=1 batch=2 h_var[1] < 1", "sigma_b2 0.1 is not one of the experiment's"},
      {"relu he_normal sigma_b2=0 input=uniform:limit=1 batch=2 h_var[1] < 1", "input uniform:limit=1 is not one of the experiment's"},
      {"relu he_normal sigma_b2=0 input=normal:std=1 batch=4 h_var[1] < 1", "batch 4 is not one of the experiment's"},
      {"relu he_normal sigma_b2=0 sigma_b2=0 input=normal:std=1 batch=2 h_var[1] < 1", "sigma_b2 given twice"},
      {"relu he_normal sigma_b2=x input=normal:std=1 batch=2 h_var[1] < 1", "expected a number after 'sigma_b2='"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    strcpy(cl.text, bad[i].text);
    int st = ilab_claim_parse(&c2, &cl);
    ilab_test(st == ILAB_EPARSE && strstr(ilab_error_reason(), bad[i].reason), "'%s' is rejected: %s", bad[i].text,
              ilab_error_reason());
  }
}

int main(void)
{
  test_parse();
  test_parse_shape();
  test_parse_point();
  test_quantities();
  test_eval();
  test_noise();
  return ilab_test_summary();
}
