/* Tests of the plot module: tables read back (header, rows, provenance, a
 * ragged row refused with its line), the log-log slope against known
 * answers, the figures detected from the tables present, and the gnuplot
 * commands written for them (datablocks, selection, the script loaded). */
#include "ilab.h"
#include "plot.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ilab_test_plot.XXXXXX";

static void put(const char *name, const char *text)
{
  char p[256];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (f) { fputs(text, f); fclose(f); }
}

static void rm(const char *name)
{
  char p[256];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  unlink(p);
}

/* The commands of the figure of kind k from table (NULL on failure, st set),
 * in a malloc'd string. */
static char *commands(ilab_plot_kind k, const char *table, const ilab_plot_options *o, int *st)
{
  char *buf = NULL;
  size_t len = 0;
  ilab_plot_figure fig = {.kind = k};
  snprintf(fig.table, sizeof fig.table, "%s", table);
  snprintf(fig.name, sizeof fig.name, "fig");
  FILE *f = open_memstream(&buf, &len);
  *st = ilab_plot_write(f, dir, &fig, "out/fig", o);
  fclose(f);
  if (*st) { free(buf); return NULL; }
  return buf;
}

static size_t count(const char *s, const char *what)
{
  size_t n = 0;
  for (const char *p = s; (p = strstr(p, what)); p++) n++;
  return n;
}

static const char *SUMMARY =
    "# initlab 0.1.0: per-layer means\n"
    "# seed: 5  generator: mt19937\n"
    "# question: Does it work? It should.\n"
    "act\tscheme\tlayer\tfan_in\tfan_out\ttrials\th_var\th_var_lo\th_var_hi\th_var_theory\th_var_ratio\n"
    "relu\the_normal\t1\t8\t8\t3\t2\t1.5\t2.5\t2\t1\n"
    "relu\the_normal\t2\t8\t8\t3\t1.8\t-1\t2.6\t2\t0.9\n"
    "relu\tglorot_normal\t1\t8\t8\t3\t1\t0.5\t1.5\t1\t1\n"
    "relu\tglorot_normal\t2\t8\t8\t3\t0.001\t0.0001\t0.002\t0.001\t1\n"
    "tanh\the_normal\t1\t8\t8\t3\t1\t0.5\t1.5\t1\t1\n"
    "tanh\the_normal\t2\t8\t8\t3\t0.75\t0.5\t1.5\t1\tinf\n";

int main(void)
{
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  ilab_plot_table *t = NULL;
  char p[256];

  /* reading */
  put("summary.tsv", SUMMARY);
  snprintf(p, sizeof p, "%s/summary.tsv", dir);
  ilab_test_int(ilab_plot_table_read(p, &t), ILAB_OK, "a summary table is read");
  if (t) {
    ilab_test_int((long)ilab_plot_table_nrows(t), 6, "six data rows");
    ilab_test_int(ilab_plot_table_col(t, "layer"), 2, "'layer' is column 2");
    ilab_test_int(ilab_plot_table_col(t, "nosuch"), -1, "an absent column is -1");
    ilab_test(!strcmp(ilab_plot_table_cell(t, 2, 1), "glorot_normal"), "a cell's text");
    ilab_test_rel(ilab_plot_table_num(t, 3, 6), 0.001, 0, "a cell's number");
    ilab_test(isinf(ilab_plot_table_num(t, 5, 10)), "inf reads as inf");
    ilab_test(!strcmp(ilab_plot_table_meta(t, "question"), "Does it work? It should."), "the question line");
    ilab_test(!strncmp(ilab_plot_table_meta(t, "seed"), "5 ", 2), "the seed line");
    ilab_test(ilab_plot_table_meta(t, "nosuch") == NULL, "an absent provenance key is NULL");
  }
  ilab_plot_table_free(t);
  put("bad.tsv", "# x\na\tb\tc\n1\t2\t3\n1\t2\n");
  snprintf(p, sizeof p, "%s/bad.tsv", dir);
  ilab_test_int(ilab_plot_table_read(p, &t), ILAB_EPARSE, "a ragged row is refused");
  ilab_test(strstr(ilab_error_reason(), "bad.tsv:4:") != NULL, "naming its line (%s)", ilab_error_reason());
  put("empty.tsv", "# only provenance\n");
  snprintf(p, sizeof p, "%s/empty.tsv", dir);
  ilab_test_int(ilab_plot_table_read(p, &t), ILAB_EPARSE, "a table without header is refused");
  snprintf(p, sizeof p, "%s/absent.tsv", dir);
  ilab_test_int(ilab_plot_table_read(p, &t), ILAB_EIO, "an absent file is an I/O error");

  /* slope of ln y on ln x: exact for a power law, NaN without two widths */
  {
    double x[4] = {16, 64, 256, 1024}, y[4], y2[4] = {1, 1, 1, 1};
    for (int i = 0; i < 4; i++) y[i] = 3.0 / x[i];
    ilab_test_rel(ilab_plot_loglog_slope(x, y, 4), -1, 1e-12, "slope of 3/n is -1");
    for (int i = 0; i < 4; i++) y[i] = 0.5 * pow(x[i], 0.5);
    ilab_test_rel(ilab_plot_loglog_slope(x, y, 4), 0.5, 1e-12, "slope of sqrt(n)/2 is 1/2");
    ilab_test_abs(ilab_plot_loglog_slope(x, y2, 4), 0, 1e-15, "a constant has slope 0");
    y[1] = -1; y[2] = NAN; /* points that a log axis cannot hold are left out */
    for (int i = 0; i < 4; i += 3) y[i] = 2 * x[i] * x[i];
    ilab_test_rel(ilab_plot_loglog_slope(x, y, 4), 2, 1e-12, "non-positive and NaN points left out");
    ilab_test(isnan(ilab_plot_loglog_slope(x, y, 1)), "one point has no slope");
    double xs[3] = {8, 8, 8};
    ilab_test(isnan(ilab_plot_loglog_slope(xs, y2, 3)), "a single width has no slope");
  }

  ilab_plot_options o = {.plotdir = "/x/plots", .format = "png"};
  int st;
  char *s;
  /* detection: bad.tsv and empty.tsv are not tables of a figure, passed over */
  ilab_plot_figure figs[ILAB_PLOT_MAX_FIGURES];
  size_t nfig = 0;
  ilab_test_int(ilab_plot_detect(dir, figs, ILAB_PLOT_MAX_FIGURES, &nfig), ILAB_OK, "detect");
  ilab_test(nfig == 1 && figs[0].kind == ILAB_PLOT_VARIANCE && !strcmp(figs[0].name, "variance") &&
                !strcmp(figs[0].table, "summary.tsv"), "summary.tsv alone: the variance figure only (%zu)", nfig);
  put("claims.tsv", "experiment\tline\tclaim\tmeasured_min\tmeasured_max\tlo\thi\tverdict\n"
                    "x.cfg\t3\trelu he_normal rate h_var[1..2] in [0.8, 1.2]\t0.95\t0.95\t0.8\t1.2\tpass\n"
                    "x.cfg\t4\ttanh he_normal all h_var[1..2] in [0.95, 2]\t0.9\t1\t0.95\t2\tfail\n");
  /* another per-layer table with a theory column brings its own figure */
  put("spectrum.tsv", "act\tscheme\tlayer\tsq_mean\tsq_mean_theory\tsv_max\n"
                      "relu\the_normal\t1\t1.5\t1\t3\nrelu\the_normal\t2\t2\t1\t4\n");
  put("notes.tsv", "a\tb\n1\t2\n");
  ilab_plot_detect(dir, figs, ILAB_PLOT_MAX_FIGURES, &nfig);
  ilab_test(nfig == 3 && figs[1].kind == ILAB_PLOT_CLAIMS && figs[2].kind == ILAB_PLOT_LAYERS &&
                !strcmp(figs[2].name, "spectrum"), "claims, then spectrum.tsv's figure; notes.tsv none (%zu)", nfig);
  s = commands(ILAB_PLOT_LAYERS, "spectrum.tsv", &o, &st);
  ilab_test(s && strstr(s, "nq = 1\n") && strstr(s, "qlabel[1] = \"sq_mean\""), "its quantity: the column beside a theory");
  /* no ratio column: measured / theory computed, 1.5 / 1 and 2 / 1 */
  ilab_test(s && strstr(s, "1\t1.5\tNaN\tNaN\t1\t1.5\t") && strstr(s, "2\t2\tNaN\tNaN\t1\t2\t"),
            "measured / theory where the table has no ratio column");
  ilab_test(s && strstr(s, "load plotdir.\"/fig_variance.gp\""), "drawn by the variance figure's script");
  free(s);
  rm("spectrum.tsv");
  rm("notes.tsv");
  /* a table of training, rows along 'step': its loss columns, no theory */
  put("train.tsv", "act\tscheme\tstep\ttrain_loss\ttrain_loss_lo\ttrain_loss_hi\tgrad_norm\ttest_acc\n"
                   "relu\the_normal\t0\t1\t0.5\t1.5\t3\t0.1\nrelu\the_normal\t10\t0.5\t0.25\t0.75\t2\t0.5\n");
  ilab_plot_detect(dir, figs, ILAB_PLOT_MAX_FIGURES, &nfig);
  ilab_test(nfig == 3 && figs[2].kind == ILAB_PLOT_LAYERS && !strcmp(figs[2].name, "train"),
            "train.tsv brings its own figure");
  s = commands(ILAB_PLOT_LAYERS, "train.tsv", &o, &st);
  ilab_test(s && strstr(s, "nq = 2\n") && strstr(s, "qlabel[1] = \"train_loss\"") &&
                strstr(s, "qlabel[2] = \"test_acc\""), "its loss and accuracy columns, not grad_norm");
  ilab_test(s && strstr(s, "xlabel = \"step\"") && strstr(s, "hastheory = 0") && strstr(s, "hasband = 1"),
            "along step, bands from its bounds, no theory");
  free(s);
  rm("train.tsv");

  /* the variance figure's commands */
  s = commands(ILAB_PLOT_VARIANCE, "summary.tsv", &o, &st);
  ilab_test(s != NULL, "variance commands written (%s)", s ? "" : ilab_error_reason());
  if (s) {
    ilab_test(strstr(s, "title = \"Does it work?\"\n") != NULL, "the title is the question's first sentence");
    ilab_test(strstr(s, "subtitle = \"2 layers of width 8.  Measured: mean of 3 trials") != NULL,
              "depth, width and trials from the table");
    ilab_test(strstr(s, "np = 2\n") != NULL, "a panel per activation");
    ilab_test(strstr(s, "nc = 3\n") != NULL, "a curve per cell");
    ilab_test_int((long)count(s, "<< EOD\n"), 3, "a datablock per curve");
    /* He's two rows: layer 1 mean 2 lo 1.5 hi 2.5 theory 2 ratio 1; a lower
     * edge below zero is drawn at the log axis's floor (min 0.001 / 30) */
    ilab_test(strstr(s, "$c1 << EOD\n1\t2\t1.5\t2.5\t2\t1\tNaN") != NULL, "He's first row");
    ilab_test(strstr(s, "logy[1] = 1") != NULL, "values over three decades: log axis");
    ilab_test(strstr(s, "\n2\t1.8\t3.3333333333333335e-05\t") != NULL, "a negative lower edge drawn at the floor");
    ilab_test(strstr(s, "\n2\t0.75\t0.5\t1.5\t1\tNaN\t") != NULL, "inf written as NaN");
    ilab_test(strstr(s, "load plotdir.\"/fig_variance.gp\"\n") != NULL, "the figure's script is loaded");
    ilab_test(strstr(s, "plotdir = \"/x/plots\"") != NULL && strstr(s, "outfile = \"out/fig\"") != NULL,
              "plotdir and outfile set");
  }
  free(s);

  /* selection */
  o.nonly = 1;
  o.only_key[0] = "act";
  o.only_value[0] = "tanh";
  s = commands(ILAB_PLOT_VARIANCE, "summary.tsv", &o, &st);
  ilab_test(s && strstr(s, "np = 1\n") && strstr(s, "nc = 1\n"), "--only act=tanh: one panel, one curve");
  free(s);
  o.nonly = 2;
  o.only_key[1] = "act";
  o.only_value[1] = "relu";
  s = commands(ILAB_PLOT_VARIANCE, "summary.tsv", &o, &st);
  ilab_test(s && strstr(s, "np = 2\n"), "two values of one key are alternatives");
  free(s);
  o.only_key[1] = "scheme";
  o.only_value[1] = "glorot_normal";
  s = commands(ILAB_PLOT_VARIANCE, "summary.tsv", &o, &st);
  ilab_test(s == NULL && st == ILAB_EINVAL, "two keys must both match: tanh has no glorot_normal");
  o.nonly = 1;
  o.only_key[0] = "width";
  s = commands(ILAB_PLOT_VARIANCE, "summary.tsv", &o, &st);
  ilab_test(s == NULL && st == ILAB_EINVAL && strstr(ilab_error_reason(), "no column 'width'"),
            "a key the table lacks is an error");
  o.only_key[0] = "act";
  s = commands(ILAB_PLOT_CLAIMS, "claims.tsv", &o, &st);
  ilab_test(s && strstr(s, "n = 1\n") && strstr(s, "cpass[1] = 0"), "claims selected by the claim's activation");
  ilab_test(s && strstr(s, "ctext[1] = \"tanh he_normal all h_var[1..2]\""), "the claim's text without its interval");
  /* 'all' claim: 0.9 .. 1 on [0.95, 2]: (0.9 - 0.95)/1.05 .. (1 - 0.95)/1.05 */
  ilab_test(s && strstr(s, "1\t-0.047619047619047"), "the measured range on the interval's scale");
  free(s);
  o.nonly = 0;

  /* a width column of several values brings the width figure */
  rm("summary.tsv");
  put("summary.tsv", "act\tscheme\twidth\tlayer\th_var\th_var_theory\th_var_ratio\n"
                     "relu\the_normal\t16\t1\t2\t2\t1.5\n"
                     "relu\the_normal\t16\t2\t2\t2\t1.5\n"
                     "relu\the_normal\t64\t1\t2\t2\t1.125\n"
                     "relu\the_normal\t64\t2\t2\t2\t1.125\n");
  ilab_plot_detect(dir, figs, ILAB_PLOT_MAX_FIGURES, &nfig);
  ilab_test(nfig == 3 && figs[0].kind == ILAB_PLOT_VARIANCE && figs[1].kind == ILAB_PLOT_WIDTH,
            "several widths: the width figure after the variance figure");
  s = commands(ILAB_PLOT_WIDTH, "summary.tsv", &o, &st);
  /* drift 0.5 at n = 16, 0.125 at n = 64: slope -1 */
  ilab_test(s && strstr(s, "(slope -1.00)"), "the drift's slope against width in the legend");
  free(s);

  /* summary.tsv's further quantities beside their theory: their own figure */
  rm("summary.tsv");
  put("summary.tsv", "act\tscheme\tlayer\th_var\th_var_theory\tln_x_sq_var\tln_x_sq_var_theory\n"
                     "relu\the_normal\t1\t2\t2\t0.25\t0.125\n");
  ilab_plot_detect(dir, figs, ILAB_PLOT_MAX_FIGURES, &nfig);
  ilab_test(nfig >= 2 && figs[1].kind == ILAB_PLOT_LAYERS && !strcmp(figs[1].name, "quantities"),
            "summary.tsv's further quantities: their own figure");
  s = commands(ILAB_PLOT_LAYERS, "summary.tsv", &o, &st);
  ilab_test(s && strstr(s, "nq = 1\n") && strstr(s, "qlabel[1] = \"ln_x_sq_var\""), "only the further one");
  ilab_test(s && strstr(s, "1\t0.25\tNaN\tNaN\t0.125\t2\t"), "its ratio to theory, 0.25 / 0.125");
  free(s);

  /* a sigma_b2 key of several values brings the phase diagram: chi_1 from
   * layers a = max(1, L/5) = 1 to L = 5, (16 / 1)^(1/4) = 2 measured and
   * (1 / 16)^(1/4) = 1/2 in theory, at sigma_w2 = fan_in w_var = 1.5 */
  rm("summary.tsv");
  {
    char tab[2048];
    size_t l = (size_t)snprintf(tab, sizeof tab, "act\tscheme\tsigma_b2\tlayer\tfan_in\tw_var\tgx_var\tgx_var_theory\n");
    for (int sb = 0; sb < 2; sb++)
      for (int layer = 1; layer <= 5; layer++)
        l += (size_t)snprintf(tab + l, sizeof tab - l, "tanh\ts\t%s\t%d\t6\t0.25\t%g\t%g\n", sb ? "0.5" : "0",
                              layer, pow(2, 5 - layer), pow(2, layer - 5));
    put("summary.tsv", tab);
  }
  ilab_plot_detect(dir, figs, ILAB_PLOT_MAX_FIGURES, &nfig);
  ilab_test(nfig >= 2 && figs[1].kind == ILAB_PLOT_PHASE && !strcmp(figs[1].name, "phase"),
            "several sigma_b2: the phase diagram");
  s = commands(ILAB_PLOT_PHASE, "summary.tsv", &o, &st);
  ilab_test(s && strstr(s, "$ph1 << EOD\n1.5\t0\t0.69314718055994529\t-0.69314718055994529\t2\t0.5\n1.5\t0.5\t"),
            "chi_1 = 2 measured, 1/2 in theory, at (1.5, 0)");
  ilab_test(s && strstr(s, "dy[1] = 0.25\n"), "cells as wide as half the gap between sigma_b2 values");
  free(s);

  rm("summary.tsv");
  rm("claims.tsv");
  rm("bad.tsv");
  rm("empty.tsv");
  ilab_plot_detect(dir, figs, ILAB_PLOT_MAX_FIGURES, &nfig);
  ilab_test(nfig == 0, "an empty folder: no figure");
  rmdir(dir);
  return ilab_test_summary();
}
