/* Tests of the rates module: the rate formula, its range over trials, the
 * row of a swept cell against the sweep's own numbers, chi_1's theory at
 * known answers, and the table written from a sweep. */
#include "test.h"
#include "config.h"
#include "ilab.h"
#include "rates.h"
#include "sweep.h"
#include "table.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

static int run(ilab_config *c, ilab_sweep *s)
{
  memset(s, 0, sizeof *s);
  s->seed = c->seed;
  s->rng_type = gsl_rng_mt19937;
  s->threads = 1;
  return ilab_sweep_alloc(s, c) || ilab_sweep_run(s);
}

int main(void)
{
  /* the formula: (v_b/v_a)^(1/(b-a)), exact where the root is */
  ilab_test_rel(ilab_rates_rate(1, 8, 2, 5), 2, 1e-15, "(8/1)^(1/3) = 2");
  ilab_test_rel(ilab_rates_rate(16, 1, 1, 3), 0.25, 1e-15, "(1/16)^(1/2) = 1/4");
  ilab_test(isnan(ilab_rates_rate(1, 8, 5, 5)) && isnan(ilab_rates_rate(1, 8, 5, 2)), "b <= a gives NaN");
  ilab_test(isnan(ilab_rates_rate(NAN, 8, 1, 2)), "NaN gives NaN");

  /* over trials: the rate of the means, the range of the per-trial rates */
  double va[3] = {1, 2, 1}, vb[3] = {8, 54, 1};
  ilab_rate r;
  ilab_rates_of_trials(va, vb, 3, 0, 3, &r);
  ilab_test_rel(r.rate, cbrt(63.0 / 4.0), 1e-15, "rate of the means (63/3 over 4/3)^(1/3)");
  ilab_test_rel(r.min, 1, 1e-15, "smallest trial rate (1/1)^(1/3)");
  ilab_test_rel(r.max, 3, 1e-15, "largest trial rate (54/2)^(1/3)");
  va[1] = NAN;
  ilab_rates_of_trials(va, vb, 3, 0, 3, &r);
  ilab_test(isnan(r.min) && isnan(r.max) && isnan(r.rate), "a NaN trial makes the range NaN");

  /* A swept cell: the row against the sweep's numbers, and chi_1's theory at
   * known answers.  relu + he_normal, sigma_b2 = 0: sigma_w2 = 2 and
   * chi_1 = 2 E[relu'(h)^2] = 2 * 1/2 = 1 exactly.  linear + lecun_normal:
   * chi_1 = sigma_w2 = 1. */
  static const char *const text =
      "# rates\nactivations = relu linear\nschemes = he_normal lecun_normal\n"
      "depth = 5\nwidth = 30\nbatch = 8\ntrials = 3\nseed = 7\nrates = 2..5\n";
  ilab_config c;
  ilab_test(ilab_config_parse("r.cfg", text, strlen(text), &c) == ILAB_OK, "config with rates parses");
  ilab_test_int((long)c.rates_a, 2, "rates = 2..5: A");
  ilab_test_int((long)c.rates_b, 5, "rates = 2..5: B");
  ilab_sweep s;
  ilab_test(run(&c, &s) == 0, "sweep runs");
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  ilab_rates_row row;
  ilab_test(ilab_rates_cell(w, &s, 0, 2, 5, &row) == ILAB_OK, "relu he_normal row");
  double ga = 0, gb = 0, ha = 0, hb = 0, gmin = INFINITY, gmax = -INFINITY;
  for (size_t t = 0; t < c.trials; t++) {
    const ilab_layer_stats *x = ilab_sweep_at(&s, 0, t, 2), *y = ilab_sweep_at(&s, 0, t, 5);
    ga += x->gx_var; gb += y->gx_var; ha += x->h_var; hb += y->h_var;
    double g = pow(y->gx_var / x->gx_var, 1.0 / 3);
    if (g < gmin) gmin = g;
    if (g > gmax) gmax = g;
  }
  ilab_test_rel(row.gx.rate, pow(gb / ga, 1.0 / 3), 1e-14, "gx_var rate from the sweep's means");
  ilab_test_rel(row.h.rate, pow(hb / ha, 1.0 / 3), 1e-14, "h_var rate from the sweep's means");
  ilab_test_rel(row.chi1_measured, pow(ga / gb, 1.0 / 3), 1e-14, "chi1_measured = 1/gx rate");
  ilab_test_rel(row.chi1_min, 1 / gmax, 1e-14, "chi1_trial_min = 1/(largest gx rate)");
  ilab_test_rel(row.chi1_max, 1 / gmin, 1e-14, "chi1_trial_max = 1/(smallest gx rate)");
  ilab_test_int((long)row.fan_in, 30, "fan_in");
  ilab_test_rel(row.sigma_w2, 2, 1e-15, "he_normal: sigma_w2 = 2");
  ilab_test_rel(row.chi1_theory, 1, 1e-12, "relu at sigma_w2 = 2: chi1_theory = 1");
  ilab_test(ilab_rates_cell(w, &s, 1 * c.n_schemes + 1, 2, 5, &row) == ILAB_OK, "linear lecun_normal row");
  ilab_test_rel(row.chi1_theory, 1, 1e-12, "linear at sigma_w2 = 1: chi1_theory = 1");
  ilab_test(ilab_rates_cell(w, &s, 0, 3, 3, &row) == ILAB_EINVAL, "an empty range is refused");
  ilab_test(ilab_rates_cell(w, &s, 0, 2, 6, &row) == ILAB_EINVAL, "a range beyond the depth is refused");

  /* the table: a header and one row per cell, each row of 19 cells */
  char path[] = "/tmp/test_rates_XXXXXX";
  int fd = mkstemp(path);
  ilab_test(fd >= 0, "temporary file");
  if (fd >= 0) close(fd);
  ilab_table t;
  ilab_test(ilab_table_open(&t, path) == ILAB_OK, "table opens");
  ilab_test(ilab_rates_write(&t, &s) == ILAB_OK, "rates table written");
  ilab_test(ilab_table_commit(&t) == ILAB_OK, "rates table committed");
  FILE *f = fopen(path, "r");
  char line[4096];
  int rows = 0, header = 0, bad = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    int tabs = 0;
    for (char *p = line; *p; p++) tabs += *p == '\t';
    if (tabs != 18) bad++;
    if (!header++) { ilab_test(!strncmp(line, "act\tscheme\tfan_in\t", 18), "header names the columns"); continue; }
    rows++;
  }
  if (f) fclose(f);
  remove(path);
  ilab_test_int(rows, 4, "one row per cell");
  ilab_test_int(bad, 0, "every line has 19 columns");
  ilab_theory_workspace_free(w);
  ilab_sweep_free(&s);
  ilab_config_free(&c);

  /* non-square layers: lecun_normal keeps sigma_w2 = 1 in every layer,
   * glorot_normal's 2 n_{l-1}/(n_{l-1} + n_l) changes, and then mean field's
   * fixed point has no one sigma_w2 to use */
  static const char *const text2 =
      "activations = tanh\nschemes = lecun_normal glorot_normal\nwidths = 20 40 10 30\nbatch = 8\nseed = 1\n";
  ilab_test(ilab_config_parse("r2.cfg", text2, strlen(text2), &c) == ILAB_OK, "widths config parses");
  ilab_test_int((long)c.rates_a, 1, "rates default A = 1");
  ilab_test_int((long)c.rates_b, 3, "rates default B = depth");
  ilab_test(run(&c, &s) == 0, "widths sweep runs");
  w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  ilab_test(ilab_rates_cell(w, &s, 0, 1, 3, &row) == ILAB_OK, "widths row");
  ilab_test_rel(row.sigma_w2, 1, 1e-15, "lecun_normal: sigma_w2 = 1 at layer 3");
  ilab_test(!isnan(row.chi1_measured), "chi1_measured is measured");
  ilab_test_rel(row.chi1_theory, 1, 1e-12, "tanh at sigma_w2 = 1, no bias: q* = 0 and chi1_theory = tanh'(0)^2 = 1");
  ilab_test(ilab_rates_cell(w, &s, 1, 1, 3, &row) == ILAB_OK, "glorot row");
  ilab_test_rel(row.sigma_w2, 2.0 * 10 / 40, 1e-15, "glorot_normal: sigma_w2 = 2 n_2/(n_2 + n_3) at layer 3");
  ilab_test(isnan(row.chi1_theory), "glorot_normal through changing widths: chi1_theory is NaN");
  ilab_test(!isnan(row.chi1_measured), "... but chi1_measured is measured");
  ilab_theory_workspace_free(w);
  ilab_sweep_free(&s);
  ilab_config_free(&c);

  /* bad ranges in the experiment file */
  static const char *const bad_ranges[] = {"rates = 3..3\n", "rates = 4..2\n", "rates = 2..9\n",
                                           "rates = 2-5\n", "rates = 0..3\n", "rates = 2..\n"};
  for (size_t i = 0; i < sizeof bad_ranges / sizeof bad_ranges[0]; i++) {
    char buf[256];
    snprintf(buf, sizeof buf, "activations = tanh\nschemes = lecun_normal\ndepth = 5\nwidth = 4\nbatch = 2\n%s",
             bad_ranges[i]);
    ilab_test(ilab_config_parse("bad.cfg", buf, strlen(buf), &c) == ILAB_EPARSE, "refused: %.*s",
              (int)strlen(bad_ranges[i]) - 1, bad_ranges[i]);
  }
  return ilab_test_summary();
}
