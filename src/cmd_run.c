/* initlab run: read an experiment file, run its sweep, write layers.tsv and
 * summary.tsv under the output folder. */
#include "claims.h"
#include "cmd.h"
#include "config.h"
#include "ilab.h"
#include "platform.h"
#include "summary.h"
#include "sweep.h"
#include "table.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const cmd = "run";

#define TWO_PI 6.283185307179586476925286766559 /* the normal density's 2 pi */

static void help(void)
{
  printf(
      "Usage: initlab run EXPERIMENT.cfg [options]\n\n"
      "Builds the networks an experiment file names (activation x scheme x trial),\n"
      "draws their weights, runs a forward pass on random inputs and a backward\n"
      "pass from a random output gradient, and writes per-layer statistics.\n\n"
      "Options:\n"
      "  -o, --output DIR     folder for the tables [results/NAME, NAME the file's stem]\n"
      "  -s, --seed S         seed; overrides the file's 'seed' [file, else GSL_RNG_SEED, else 42]\n"
      "  -j, --threads N      worker threads; the tables do not depend on N [all cores]\n"
      "      --only KEY=VAL   run only the cells with act=NAME, scheme=SPEC, width=N or\n"
      "                       depth=N; repeat to select more; rows equal those of the\n"
      "                       full run\n"
      "      --cross-check    recompute every mean and variance with gsl_stats_* and\n"
      "                       report the largest relative difference\n"
      "      --max-memory B   refuse a run needing more than B bytes (K, M, G suffixes)\n"
      "                       [3/4 of physical memory]\n"
      "  -q, --quiet          no progress on stderr\n"
      "  -h, --help           this help\n\n"
      "Experiment file: 'key = value' lines, '#' comments; the opening comment states\n"
      "the question.  Keys: activations (linear tanh relu leaky_relu[:slope=A] sigmoid\n"
      "selu), schemes (see 'initlab list'), depth and width (square layers; either may\n"
      "be a list, swept like activations and schemes: cells = act x scheme x width x\n"
      "depth) or widths (n_0 .. n_L), batch (1: statistics over units only), trials\n"
      "[1] (or one count per width), seed, sigma_b2 (bias variance) [0], input (law\n"
      "of the input entries, a scheme spec) [normal:std=1], histograms (layers) and\n"
      "hist_bins [100], layers_table (yes or no: write layers.tsv) [yes],\n"
      "ln_histogram (bins of lnhist.tsv) [none], claim (see the README).\n\n"
      "Output (tab-separated, '#' provenance lines, numbers %%.17g):\n"
      "  DIR/layers.tsv   one row per (act, scheme, trial, layer): fan_in fan_out w_var\n"
      "                   (target Var(W_l)), h_mean h_var (H_l = X_{l-1} W_l + b_l),\n"
      "                   x_mean x_var x_sq (X_l = phi(H_l), x_sq = E[X_l^2]), gx_var\n"
      "                   gh_var gw_var (Var of dL/dX_l, dL/dH_l, dL/dW_l with dW the\n"
      "                   batch mean), zero_frac, sat_frac, nonfinite (inf/NaN in H_l),\n"
      "                   g_nonfinite (inf/NaN in dL/dX_l).\n"
      "  DIR/summary.tsv  one row per (act, scheme, layer): the mean over trials of\n"
      "                   h_var x_sq gx_var gw_var with a 95%% t interval (_lo, _hi),\n"
      "                   the mean-field prediction of each (_theory, for the exact\n"
      "                   widths, Var(W_l), sigma_b2 and input) and measured/theory\n"
      "                   (_ratio).  See 'initlab theory --help' for the recursion.\n"
      "                   Also, over the trials whose value is > 0 (ln_trials), the\n"
      "                   mean and variance of ln x_sq (= ln M_l, M_l = |x_l|^2/n_l, at\n"
      "                   batch 1) and of ln h_var, one input's finite-width theory\n"
      "                   of each (_mean_theory at batch 1 only; _var_theory bounds the\n"
      "                   variance from above at batch > 1, where a batch mean\n"
      "                   fluctuates less), the variance's standard error over n\n"
      "                   trials from the theory's fourth cumulant (_var_se), z-scores\n"
      "                   (mean - theory)/sqrt(var_theory/n) and (var - var_theory)/\n"
      "                   var_se, and dead_theory,\n"
      "                   the probability that a relu network has died by layer l.\n"
      "  DIR/lnhist.tsv   with ln_histogram = BINS: per cell, the histogram of ln x_sq\n"
      "                   at the last layer over trials, beside the log-normal density\n"
      "                   from the theory and the normal fitted to the trials.\n"
      "Every row ends with the cell's width (0 for a 'widths' list) and depth.\n"
      "Moments skip non-finite entries; the counts say how many there were.\n"
      "Read with gnuplot ('set datafile separator tab') or pandas\n"
      "(read_csv(path, sep='\\t', comment='#')).\n\n"
      "Exit status: 0 success, 1 runtime failure, 2 usage or input error.\n");
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

/* Parses a byte count with an optional K, M, G or T suffix (powers of 1024). */
static int parse_bytes(const char *s, size_t *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  double mult = 1;
  if (end == s || !isfinite(v) || v <= 0 || errno) return -1;
  if (*end) {
    /* one of K, M, G, T (either case), optionally followed by B or iB;
     * strchr would find the terminator for a blank (' ' & ~0x20 is 0) */
    const char *u = "KMGT";
    char unit = (char)(*end & ~0x20);
    const char *p = unit ? strchr(u, unit) : NULL;
    if (!p || (end[1] && !(end[1] == 'B' && !end[2]) && !(end[1] == 'i' && end[2] == 'B' && !end[3]))) return -1;
    mult = pow(1024, (double)(p - u + 1));
  }
  if (v * mult >= 1.8e19) return -1;
  *out = (size_t)(v * mult);
  return 0;
}

static size_t default_max_memory(void)
{
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return (size_t)4 << 30;
  return (size_t)((double)pages * (double)size * 0.75);
}

static int make_dirs(const char *path)
{
  char buf[4096];
  if (!*path) { errno = ENOENT; return -1; }
  if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
      *p = '/';
    }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
  struct stat st;
  if (stat(buf, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
  return 0;
}

/* Whether --only act=v names the activation the tables call name: as written
 * there ("leaky_relu:slope=0.01") or as in the file ("leaky_relu"). */
static int same_act(const char *v, const char *name)
{
  ilab_act a;
  char canon[64];
  if (!strcmp(v, name)) return 1;
  if (ilab_act_parse(v, &a)) return 0;
  ilab_act_name(&a, canon, sizeof canon);
  return !strcmp(canon, name);
}

typedef struct {
  const ilab_config *cfg;
  int argc;
  char *const *argv;
  unsigned long seed;
  const char *rng;
} prov;

static void provenance(ilab_table *t, const prov *p, const char *what)
{
  ilab_provenance pv = {what, p->argc, p->argv, 1, p->seed, p->rng, "  (tables do not depend on --threads)"};
  ilab_table_provenance(t, &pv);
  if (p->cfg->question[0]) ilab_table_comment(t, "question: %s", p->cfg->question);
  if (ilab_config_n_shapes(p->cfg) > 1) {
    char buf[2048] = "";
    size_t n = 0;
    for (size_t i = 0; i < p->cfg->n_widths && n < sizeof buf; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%zu (%zu trials)", i ? ", " : "",
                            p->cfg->width_list[i], p->cfg->trials_list[i]);
    ilab_table_comment(t, "shapes: every width of %s with every depth listed; each shape draws from "
                          "streams keyed by (seed, width, depth)", buf);
  }
  ilab_table_comment(t, "experiment file %s:", p->cfg->path);
  ilab_table_comment_block(t, "| ", p->cfg->text);
}

/* Opens DIR/FILE's temporary beside it and writes the provenance header. */
static int open_result(ilab_table *t, const char *dir, const char *file, const prov *p, const char *what)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int st = ilab_table_open(t, path);
  if (st) return st;
  provenance(t, p, what);
  return ILAB_OK;
}

/* The sweeps of a run, one per shape (width x depth), each over the
 * experiment's activations and schemes; shape k was run when run[k] is set. */
typedef struct {
  const ilab_config *cfg; /* the whole experiment */
  size_t n;               /* shapes */
  ilab_config *view;      /* [k]: the experiment restricted to shape k */
  ilab_sweep *sw;         /* [k] */
  unsigned char *run;     /* [k] */
} runset;

/* Cell (act * n_schemes + scheme) of shape k, or NULL if it was not run. */
static const ilab_sweep *selected(const runset *r, size_t cell, size_t k)
{
  const ilab_sweep *s = &r->sw[k];
  if (!r->run[k] || (s->run_cell && !s->run_cell[cell])) return NULL;
  return s;
}

/* The last two columns of every row: the shape's width (0 for a 'widths'
 * list) and depth. */
static void shape_cols(ilab_table *t, const runset *r, size_t k)
{
  size_t w, d;
  ilab_config_shape_of(r->cfg, k, &w, &d);
  ilab_table_int(t, (long long)w);
  ilab_table_int(t, (long long)d);
}

static size_t n_cells(const runset *r) { return r->cfg->n_acts * r->cfg->n_schemes; }

/* Writes layers.tsv into an open temporary *t, left for the caller to commit
 * or abort; *t is empty on failure. */
static int write_layers(const char *dir, const runset *rs, const prov *p, ilab_table *t)
{
  int st = open_result(t, dir, "layers.tsv", p, "per-layer statistics, one row per (act, scheme, width, depth, trial, layer)");
  if (st) return st;
  ilab_table_header(t, "act scheme trial layer fan_in fan_out w_var h_mean h_var x_mean x_var "
                       "x_sq gx_var gh_var gw_var zero_frac sat_frac nonfinite g_nonfinite width depth");
  for (size_t cell = 0; cell < n_cells(rs); cell++)
    for (size_t k = 0; k < rs->n; k++) {
      const ilab_sweep *s = selected(rs, cell, k);
      if (!s) continue;
      const ilab_config *c = s->cfg;
      size_t ai = cell / c->n_schemes, si = cell % c->n_schemes;
      for (size_t tr = 0; tr < c->trials; tr++)
        for (size_t l = 1; l <= c->depth; l++) {
          const ilab_layer_stats *r = ilab_sweep_at(s, cell, tr, l);
          ilab_table_str(t, c->act_names[ai]);
          ilab_table_str(t, c->schemes[si].spec);
          ilab_table_int(t, (long long)tr);
          ilab_table_int(t, (long long)l);
          ilab_table_int(t, (long long)c->widths[l - 1]);
          ilab_table_int(t, (long long)c->widths[l]);
          ilab_table_num(t, s->w_var[si * c->depth + l - 1]);
          ilab_table_num(t, r->h_mean);
          ilab_table_num(t, r->h_var);
          ilab_table_num(t, r->x_mean);
          ilab_table_num(t, r->x_var);
          ilab_table_num(t, r->x_sq);
          ilab_table_num(t, r->gx_var);
          ilab_table_num(t, r->gh_var);
          ilab_table_num(t, r->gw_var);
          ilab_table_num(t, r->zero_frac);
          ilab_table_num(t, r->sat_frac);
          ilab_table_int(t, r->nonfinite);
          ilab_table_int(t, r->g_nonfinite);
          shape_cols(t, rs, k);
          ilab_table_end_row(t);
        }
    }
  return ILAB_OK;
}

/* The stats of a cell's trials, [trial][layer - 1], as ilab_summary_cell reads them. */
static const ilab_layer_stats *cell_stats(const ilab_sweep *s, size_t cell)
{
  return ilab_sweep_at(s, cell, 0, 1);
}

/* The summary rows of a cell of one shape: means over trials, and the logs'
 * spread beside one input's finite-width theory. */
static int cell_rows(const ilab_sweep *s, size_t cell, ilab_summary_row *rows)
{
  const ilab_config *c = s->cfg;
  int st = ilab_summary_cell(cell_stats(s, cell), c->trials, c->depth, &s->theory[cell * c->depth], rows);
  if (!st)
    st = ilab_summary_cell_ln(cell_stats(s, cell), c->trials, c->depth, &s->finite[cell * c->depth],
                              c->batch, rows);
  return st;
}

/* Writes summary.tsv into an open temporary *t, as write_layers. */
static int write_summary(const char *dir, const runset *rs, const prov *p, ilab_table *t)
{
  const ilab_config *cfg = rs->cfg;
  int st = open_result(t, dir, "summary.tsv", p, "per-layer means over trials with 95% t intervals, one row per (act, scheme, width, depth, layer)");
  if (st) return st;
  /* per cell, for a reader of the header: the first layer whose H overflowed
   * and the first whose H underflowed to exact zeros, in any trial */
  double abserr = 0;
  size_t failed = 0;
  for (size_t cell = 0; cell < n_cells(rs); cell++)
    for (size_t k = 0; k < rs->n; k++) {
      const ilab_sweep *s = selected(rs, cell, k);
      if (!s) continue;
      const ilab_config *c = s->cfg;
      size_t over, under, w, d;
      ilab_config_shape_of(cfg, k, &w, &d);
      ilab_summary_extremes(cell_stats(s, cell), c->trials, c->depth, &over, &under);
      const char *a = c->act_names[cell / c->n_schemes], *sc = c->schemes[cell % c->n_schemes].spec;
      char shape[64] = "";
      if (rs->n > 1) snprintf(shape, sizeof shape, " width %zu depth %zu", w, d);
      if (over) ilab_table_comment(t, "overflow: %s %s%s: H overflows first at layer %zu", a, sc, shape, over);
      if (under) ilab_table_comment(t, "underflow: %s %s%s: H is all zeros first at layer %zu", a, sc, shape, under);
    }
  for (size_t k = 0; k < rs->n; k++)
    if (rs->run[k]) {
      if (rs->sw[k].theory_abserr > abserr) abserr = rs->sw[k].theory_abserr;
      failed += rs->sw[k].theory_failed;
    }
  ilab_table_comment(t, "theory: mean-field recursion for these widths, Var(W_l), sigma_b2 and input; "
                        "largest quadrature error estimate %.3g%s", abserr,
                     failed ? " (some cells could not be predicted: nan)" : "");
  ilab_table_comment(t, "ln_*: over the trials whose value is > 0 (ln_trials of them), the mean, variance, and "
                        "one input's finite-width theory (initlab theory --help), nan where none exists, "
                        "with the theory's standard error of the variance over ln_trials trials (_var_se); "
                        "_mean_theory and the z-scores need batch = 1, _var_theory bounds the variance "
                        "from above at batch > 1");
  ilab_table_header(t, "act scheme layer fan_in fan_out w_var trials "
                       "h_var h_var_lo h_var_hi x_sq x_sq_lo x_sq_hi "
                       "gx_var gx_var_lo gx_var_hi gw_var gw_var_lo gw_var_hi nonfinite "
                       "h_var_theory x_sq_theory gx_var_theory gw_var_theory "
                       "h_var_ratio x_sq_ratio gx_var_ratio gw_var_ratio "
                       "ln_trials ln_x_sq_mean ln_x_sq_var ln_x_sq_mean_theory ln_x_sq_var_theory "
                       "ln_x_sq_var_se ln_x_sq_mean_z ln_x_sq_var_z ln_h_var_mean ln_h_var_var "
                       "ln_h_var_mean_theory ln_h_var_var_theory ln_h_var_var_se ln_h_var_mean_z "
                       "ln_h_var_var_z dead_theory width depth");
  ilab_summary_row *rows = malloc(cfg->depth * sizeof *rows);
  if (!rows) { ilab_table_abort(t); return ilab_error(ILAB_ENOMEM, "out of memory"); }
  for (size_t cell = 0; cell < n_cells(rs); cell++)
    for (size_t k = 0; k < rs->n; k++) {
      const ilab_sweep *s = selected(rs, cell, k);
      if (!s) continue;
      const ilab_config *c = s->cfg;
      size_t ai = cell / c->n_schemes, si = cell % c->n_schemes;
      if ((st = cell_rows(s, cell, rows))) {
        free(rows);
        ilab_table_abort(t);
        return st;
      }
      for (size_t l = 1; l <= c->depth; l++) {
        const ilab_summary_row *r = &rows[l - 1];
        ilab_table_str(t, c->act_names[ai]);
        ilab_table_str(t, c->schemes[si].spec);
        ilab_table_int(t, (long long)l);
        ilab_table_int(t, (long long)c->widths[l - 1]);
        ilab_table_int(t, (long long)c->widths[l]);
        ilab_table_num(t, s->w_var[si * c->depth + l - 1]);
        ilab_table_int(t, (long long)c->trials);
        for (int q = 0; q < ILAB_SUMMARY_N; q++) {
          ilab_table_num(t, r->mean[q]);
          ilab_table_num(t, r->lo[q]);
          ilab_table_num(t, r->hi[q]);
        }
        ilab_table_int(t, r->nonfinite);
        for (int q = 0; q < ILAB_SUMMARY_N; q++) ilab_table_num(t, r->theory[q]);
        for (int q = 0; q < ILAB_SUMMARY_N; q++) ilab_table_num(t, r->mean[q] / r->theory[q]);
        ilab_table_int(t, (long long)r->ln[ILAB_SUMMARY_LN_X_SQ].n);
        for (int q = 0; q < ILAB_SUMMARY_LN_N; q++) {
          const ilab_summary_ln *g = &r->ln[q];
          ilab_table_num(t, g->mean);
          ilab_table_num(t, g->var);
          ilab_table_num(t, g->mean_theory);
          ilab_table_num(t, g->var_theory);
          ilab_table_num(t, g->var_se);
          ilab_table_num(t, g->mean_z);
          ilab_table_num(t, g->var_z);
        }
        ilab_table_num(t, s->finite[cell * c->depth + l - 1].dead);
        shape_cols(t, rs, k);
        ilab_table_end_row(t);
      }
    }
  free(rows);
  return ILAB_OK;
}

/* The shape a claim is about: the one with its width= and depth=, or the
 * experiment's only width or depth. */
static size_t claim_shape(const runset *rs, const ilab_claim *cl)
{
  for (size_t k = 0; k < rs->n; k++) {
    size_t w, d;
    ilab_config_shape_of(rs->cfg, k, &w, &d);
    if ((!cl->width || cl->width == w) && (!cl->depth || cl->depth == d)) return k;
  }
  return 0; /* not reached: the claim's parser checked both against the lists */
}

/* Evaluates every claim into claims.tsv (claim, measured min and max, the
 * interval, verdict); counts the failures. */
static int write_claims(const char *dir, const runset *rs, const prov *p, ilab_table *t, int *failed)
{
  const ilab_config *c = rs->cfg;
  int st = open_result(t, dir, "claims.tsv", p, "claims of the experiment file, checked against summary.tsv");
  if (st) return st;
  ilab_table_comment(t, "measured_min = measured_max but for 'all' claims, which hold when every layer lies in [lo, hi]");
  ilab_table_header(t, "experiment line claim measured_min measured_max lo hi verdict");
  const char *base = strrchr(c->path, '/');
  base = base ? base + 1 : c->path;
  ilab_summary_row *rows = malloc(c->depth * sizeof *rows);
  if (!rows) { ilab_table_abort(t); return ilab_error(ILAB_ENOMEM, "out of memory"); }
  *failed = 0;
  for (size_t i = 0; i < c->n_claims; i++) {
    const ilab_claim *cl = &c->claims[i];
    size_t cell = ilab_claim_cell(cl, c->n_schemes), k = claim_shape(rs, cl);
    const ilab_sweep *s = selected(rs, cell, k);
    if (s && (st = cell_rows(s, cell, rows))) {
      free(rows);
      ilab_table_abort(t);
      return st;
    }
    ilab_claim_result res;
    ilab_claim_eval(cl, s ? rows : NULL, s ? s->cfg->depth : c->depth, &res);
    if (res.verdict == ILAB_CLAIM_SKIPPED) continue; /* not run: nothing to judge */
    *failed += res.verdict == ILAB_CLAIM_FAIL;
    ilab_table_str(t, base);
    ilab_table_int(t, cl->line);
    ilab_table_str(t, cl->text);
    ilab_table_num(t, res.measured_min);
    ilab_table_num(t, res.measured_max);
    ilab_table_num(t, cl->lo);
    ilab_table_num(t, cl->hi);
    ilab_table_str(t, res.verdict == ILAB_CLAIM_PASS ? "pass" : "FAIL");
    ilab_table_end_row(t);
  }
  free(rows);
  return ILAB_OK;
}

/* Writes hist.tsv: one row per bin of each histogram of H_l ("h"), X_l ("x")
 * and dL/dX_l ("gx"), counts summed over trials, with the density
 * count / (all values x bin width) so that curves of different layers and
 * ranges compare, and the counts that fell outside [lo, hi]. */
static int write_hist(const char *dir, const runset *rs, const prov *p, ilab_table *t)
{
  static const char *const qname[3] = {"h", "x", "gx"};
  int st = open_result(t, dir, "hist.tsv", p, "per-layer histograms summed over trials: h = H_l, x = X_l, gx = dL/dX_l");
  if (st) return st;
  ilab_table_comment(t, "bins span mean +- 5 sd of trial 0's values (cut to phi's range); below and above count the rest");
  ilab_table_header(t, "act scheme layer quantity bin lo hi center count density below above width depth");
  for (size_t cell = 0; cell < n_cells(rs); cell++)
    for (size_t sk = 0; sk < rs->n; sk++) {
      const ilab_sweep *s = selected(rs, cell, sk);
      if (!s) continue;
      const ilab_config *c = s->cfg;
      size_t bins = c->hist_bins;
      for (size_t i = 0; i < c->n_hist; i++)
        for (int q = 0; q < 3; q++) {
          size_t k = (cell * c->n_hist + i) * 3 + (size_t)q, l = c->hist_layers[i];
          const unsigned long long *h = ilab_sweep_hist(s, cell, i, q);
          double lo = s->hist_lo[k], w = (s->hist_hi[k] - lo) / (double)bins;
          double total = (double)c->trials * (double)c->batch * (double)c->widths[l];
          for (size_t b = 0; b < bins; b++) {
            ilab_table_str(t, c->act_names[cell / c->n_schemes]);
            ilab_table_str(t, c->schemes[cell % c->n_schemes].spec);
            ilab_table_int(t, (long long)l);
            ilab_table_str(t, qname[q]);
            ilab_table_int(t, (long long)b);
            ilab_table_num(t, lo + (double)b * w);
            ilab_table_num(t, lo + (double)(b + 1) * w);
            ilab_table_num(t, lo + ((double)b + 0.5) * w);
            ilab_table_int(t, (long long)h[b]);
            ilab_table_num(t, (double)h[b] / (total * w));
            ilab_table_int(t, (long long)h[bins]);
            ilab_table_int(t, (long long)h[bins + 1]);
            shape_cols(t, rs, sk);
            ilab_table_end_row(t);
          }
        }
    }
  return ILAB_OK;
}

/* Writes lnhist.tsv: for each cell of each shape, the histogram over trials
 * of ln x_sq at the last layer (ln M_L at batch 1; trials with x_sq = 0 left
 * out), in ln_histogram bins from the smallest to the largest value, beside
 * two normal densities of ln M_L: the log-normal approximation with one
 * input's exact E ln M_L and Var ln M_L (finite.h; nan where none exists or
 * batch > 1), and the normal fitted to the trials' own mean and variance. */
static int write_lnhist(const char *dir, const runset *rs, const prov *p, ilab_table *t)
{
  int st = open_result(t, dir, "lnhist.tsv", p, "histograms over trials of ln x_sq at the last layer, one row per (act, scheme, width, depth, bin)");
  if (st) return st;
  ilab_table_comment(t, "density = count / (n x bin width); lognormal_density: N(ln_x_sq_mean_theory, ln_x_sq_var_theory) "
                        "at the bin's center; fit_density: N(mean, var) of the trials' own ln x_sq");
  ilab_table_header(t, "act scheme layer bin lo hi center count n density lognormal_density fit_density "
                       "mean var mean_theory var_theory width depth");
  size_t bins = rs->cfg->ln_hist_bins;
  double *v = malloc(rs->cfg->trials * sizeof *v);
  if (!v) { ilab_table_abort(t); return ilab_error(ILAB_ENOMEM, "out of memory"); }
  for (size_t cell = 0; cell < n_cells(rs); cell++)
    for (size_t k = 0; k < rs->n; k++) {
      const ilab_sweep *s = selected(rs, cell, k);
      if (!s) continue;
      const ilab_config *c = s->cfg;
      size_t L = c->depth, n = 0;
      double lo = INFINITY, hi = -INFINITY, m = 0, var = 0;
      for (size_t tr = 0; tr < c->trials; tr++) {
        double x = ilab_sweep_at(s, cell, tr, L)->x_sq;
        if (!(x > 0 && isfinite(x))) continue;
        v[n] = log(x);
        lo = fmin(lo, v[n]);
        hi = fmax(hi, v[n]);
        m += v[n++];
      }
      m = n ? m / (double)n : NAN;
      for (size_t i = 0; i < n; i++) var += (v[i] - m) * (v[i] - m);
      var = n > 1 ? var / (double)(n - 1) : NAN;
      if (!n) lo = hi = 0;
      if (!(lo < hi)) { lo -= 0.5; hi += 0.5; }
      const ilab_finite_layer *f = &s->finite[cell * L + L - 1];
      double mt = c->batch == 1 ? f->ln_mean : NAN, vt = c->batch == 1 ? f->ln_var : NAN;
      double w = (hi - lo) / (double)bins;
      for (size_t b = 0; b < bins; b++) {
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++) {
          size_t j = (size_t)((v[i] - lo) / w);
          if (j >= bins) j = bins - 1; /* the largest value closes the last bin */
          cnt += j == b;
        }
        double x = lo + ((double)b + 0.5) * w;
        ilab_table_str(t, c->act_names[cell / c->n_schemes]);
        ilab_table_str(t, c->schemes[cell % c->n_schemes].spec);
        ilab_table_int(t, (long long)L);
        ilab_table_int(t, (long long)b);
        ilab_table_num(t, lo + (double)b * w);
        ilab_table_num(t, lo + (double)(b + 1) * w);
        ilab_table_num(t, x);
        ilab_table_int(t, (long long)cnt);
        ilab_table_int(t, (long long)n);
        ilab_table_num(t, n ? (double)cnt / ((double)n * w) : NAN);
        ilab_table_num(t, exp(-0.5 * (x - mt) * (x - mt) / vt) / sqrt(TWO_PI * vt));
        ilab_table_num(t, exp(-0.5 * (x - m) * (x - m) / var) / sqrt(TWO_PI * var));
        ilab_table_num(t, m);
        ilab_table_num(t, var);
        ilab_table_num(t, mt);
        ilab_table_num(t, vt);
        shape_cols(t, rs, k);
        ilab_table_end_row(t);
      }
    }
  free(v);
  return ILAB_OK;
}

/* Progress on stderr: cells done, elapsed, estimated time left. */
typedef struct {
  ilab_sweep *s;          /* the sweep running now, and the cells x trials */
  size_t base;            /* finished by the sweeps before it (under lock) */
  size_t total;
  volatile int finished;
  pthread_mutex_t lock;
  pthread_cond_t cond;
} progress;

static void *progress_loop(void *arg)
{
  progress *p = arg;
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int shown = 0;
  pthread_mutex_lock(&p->lock);
  while (!p->finished) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 500000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(&p->cond, &p->lock, &until);
    if (p->finished) break;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double el = (double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
    if (el < 2) continue; /* quiet for short runs */
    size_t done = p->base + p->s->done;
    double left = done ? el * (double)(p->total - done) / (double)done : NAN;
    fprintf(stderr, "\rinitlab run: %zu/%zu cells, %.0f s elapsed, ", done, p->total, el);
    if (isfinite(left)) fprintf(stderr, "~%.0f s left   ", left);
    else fprintf(stderr, "estimating...   ");
    shown = 1;
  }
  pthread_mutex_unlock(&p->lock);
  if (shown) fprintf(stderr, "\r%60s\r", "");
  return NULL;
}

static void free_runset(runset *rs)
{
  for (size_t k = 0; k < rs->n; k++) {
    if (rs->sw) ilab_sweep_free(&rs->sw[k]);
    if (rs->view) ilab_config_shape_free(&rs->view[k]);
  }
  free(rs->sw);
  free(rs->view);
  free(rs->run);
}

int ilab_cmd_run(int argc, char **argv)
{
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'}, {"seed", required_argument, NULL, 's'},
      {"threads", required_argument, NULL, 'j'}, {"only", required_argument, NULL, 1},
      {"cross-check", no_argument, NULL, 2}, {"max-memory", required_argument, NULL, 3},
      {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  const char *outdir = NULL;
  unsigned long seed = 0, threads = 0;
  int has_seed = 0, check = 0, quiet = 0, c;
  size_t max_memory = default_max_memory();
  const char *only[64];
  int n_only = 0;
  threads = (unsigned long)ilab_platform_cores();
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:s:j:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      if (!*optarg) return cmd_usage_error(cmd, "--output: the folder name is empty");
      outdir = optarg;
      break;
    case 's':
      if (cmd_parse_ulong(cmd, "--seed", optarg, 0, 0xffffffffUL, &seed)) return ILAB_EXIT_USAGE;
      has_seed = 1;
      break;
    case 'j':
      if (cmd_parse_ulong(cmd, "--threads", optarg, 1, ILAB_MAX_THREADS, &threads)) return ILAB_EXIT_USAGE;
      break;
    case 1:
      if (n_only == 64) return cmd_usage_error(cmd, "too many --only options");
      if (strncmp(optarg, "act=", 4) && strncmp(optarg, "scheme=", 7) && strncmp(optarg, "width=", 6)
          && strncmp(optarg, "depth=", 6))
        return cmd_usage_error(cmd, "--only takes act=NAME, scheme=SPEC, width=N or depth=N, not '%s'", optarg);
      only[n_only++] = optarg;
      break;
    case 2: check = 1; break;
    case 3:
      if (parse_bytes(optarg, &max_memory))
        return cmd_usage_error(cmd, "--max-memory: '%s' is not a positive size like 8G or 500M", optarg);
      break;
    case 'q': quiet = 1; break;
    case 'h': help(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (optind >= argc) return cmd_usage_error(cmd, "missing the experiment file");
  if (argc - optind > 1) return cmd_usage_error(cmd, "one experiment file at a time; unexpected '%s'", argv[optind + 1]);
  const char *file = argv[optind];

  ilab_config cfg;
  int st = ilab_config_read(file, &cfg);
  if (st) {
    cmd_error("%s", ilab_error_reason());
    return st == ILAB_EIO || st == ILAB_EPARSE ? ILAB_EXIT_USAGE : ILAB_EXIT_RUNTIME;
  }
  int status = ILAB_EXIT_RUNTIME;
  size_t nsh = ilab_config_n_shapes(&cfg);
  runset rs = {&cfg, nsh, calloc(nsh, sizeof(ilab_config)), calloc(nsh, sizeof(ilab_sweep)), calloc(nsh, 1)};
  unsigned char *sel = NULL;
  char dirbuf[4096];
  /* the seed: --seed, else the file's, else GSL_RNG_SEED, else 42 */
  unsigned long base_seed = has_seed ? seed : cfg.has_seed ? cfg.seed : cmd_default_seed();
  const gsl_rng_type *rng_type = gsl_rng_mt19937;
  if (!rs.view || !rs.sw || !rs.run) { cmd_error("out of memory"); goto out; }
  if ((status = cmd_rng_type(&rng_type))) goto out;
  status = ILAB_EXIT_RUNTIME;
  int any_act = 0, any_scheme = 0, any_width = 0, any_depth = 0;
  for (int i = 0; i < n_only; i++) {
    int kind = !strncmp(only[i], "act=", 4) ? 0 : !strncmp(only[i], "scheme=", 7) ? 1
             : !strncmp(only[i], "width=", 6) ? 2 : 3;
    const char *v = strchr(only[i], '=') + 1;
    int found = 0;
    if (kind == 0) any_act = 1; else if (kind == 1) any_scheme = 1; else if (kind == 2) any_width = 1; else any_depth = 1;
    if (kind < 2) {
      for (size_t k = 0; k < (kind == 0 ? cfg.n_acts : cfg.n_schemes); k++)
        found |= kind == 0 ? same_act(v, cfg.act_names[k]) : !strcmp(v, cfg.schemes[k].spec);
    } else {
      for (size_t k = 0; k < nsh; k++) {
        size_t w, d;
        char num[32];
        ilab_config_shape_of(&cfg, k, &w, &d);
        snprintf(num, sizeof num, "%zu", kind == 2 ? w : d);
        found |= w && !strcmp(v, num);
      }
    }
    if (!found) {
      static const char *const what[4] = {"activation", "scheme", "width (a 'width' list)", "depth (a 'depth' list)"};
      status = cmd_usage_error(cmd, "--only %s: %s has no such %s", only[i], file, what[kind]);
      goto out;
    }
  }
  if (any_act || any_scheme) {
    sel = calloc(cfg.n_acts * cfg.n_schemes, 1);
    if (!sel) { cmd_error("out of memory"); goto out; }
    for (size_t cell = 0; cell < cfg.n_acts * cfg.n_schemes; cell++) {
      int ok_act = !any_act, ok_scheme = !any_scheme;
      for (int i = 0; i < n_only; i++) {
        if (!strncmp(only[i], "act=", 4)) ok_act |= same_act(only[i] + 4, cfg.act_names[cell / cfg.n_schemes]);
        else if (!strncmp(only[i], "scheme=", 7)) ok_scheme |= !strcmp(only[i] + 7, cfg.schemes[cell % cfg.n_schemes].spec);
      }
      sel[cell] = (unsigned char)(ok_act && ok_scheme);
    }
  }
  /* the shapes, each a sweep of its own; with several, each draws from
   * streams keyed by its width and depth too, so that shapes are independent
   * and a shape's tables do not depend on which others run */
  size_t need = 0, total = 0, wmax = 0;
  for (size_t k = 0; k < nsh; k++) {
    size_t w, d;
    ilab_config_shape_of(&cfg, k, &w, &d);
    int ok_w = !any_width, ok_d = !any_depth;
    for (int i = 0; i < n_only; i++) {
      char num[32];
      if (!strncmp(only[i], "width=", 6)) { snprintf(num, sizeof num, "%zu", w); ok_w |= !strcmp(only[i] + 6, num); }
      if (!strncmp(only[i], "depth=", 6)) { snprintf(num, sizeof num, "%zu", d); ok_d |= !strcmp(only[i] + 6, num); }
    }
    if ((st = ilab_config_shape(&cfg, k, &rs.view[k]))) { cmd_error("%s", ilab_error_reason()); goto out; }
    rs.run[k] = (unsigned char)(ok_w && ok_d);
    ilab_sweep *sw = &rs.sw[k];
    sw->seed = nsh > 1 ? ilab_stream_seed(base_seed, w, d, ILAB_STREAM_SHAPE) : base_seed;
    sw->rng_type = rng_type;
    sw->threads = (int)threads;
    sw->cross_check = check;
    sw->stop = &stop_signal;
    if (!rs.run[k]) continue;
    /* before anything large is allocated (the result arrays alone can be huge) */
    size_t b = ilab_sweep_bytes(&rs.view[k], sw->threads);
    need = need > SIZE_MAX - b ? SIZE_MAX : need + b;
    for (size_t l = 0; l <= rs.view[k].depth; l++) if (rs.view[k].widths[l] > wmax) wmax = rs.view[k].widths[l];
    size_t cells = 0;
    for (size_t i = 0; i < cfg.n_acts * cfg.n_schemes; i++) cells += !sel || sel[i];
    total += cells * rs.view[k].trials;
  }
  if (need > max_memory) {
    cmd_error("%s: this run needs about %.3g GB of memory (%zu layers, widths up to %zu, batch %zu, %d threads), "
              "more than the limit of %.3g GB; lower width, depth, batch, trials or --threads, or raise --max-memory",
              file, (double)need / 1e9, cfg.depth, wmax, cfg.batch, (int)threads, (double)max_memory / 1e9);
    status = ILAB_EXIT_RUNTIME;
    goto out;
  }
  for (size_t k = 0; k < nsh; k++) {
    if (!rs.run[k]) continue;
    if ((st = ilab_sweep_alloc(&rs.sw[k], &rs.view[k]))) { cmd_error("%s", ilab_error_reason()); goto out; }
    rs.sw[k].run_cell = sel;
  }

  if (!outdir) {
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strcspn(base, ".");
    snprintf(dirbuf, sizeof dirbuf, "results/%.*s", (int)n, base);
    outdir = dirbuf;
  }
  if (make_dirs(outdir) != 0) {
    cmd_error("cannot create the output folder %s: %s", outdir, strerror(errno));
    goto out;
  }
  if (access(outdir, W_OK) != 0) {
    cmd_error("the output folder %s is not writable: %s", outdir, strerror(errno));
    goto out;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  progress pr = {NULL, 0, total, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
  for (size_t k = 0; k < nsh && !pr.s; k++) if (rs.run[k]) pr.s = &rs.sw[k];
  pthread_t pth;
  int show = !quiet && isatty(STDERR_FILENO) && pr.s;
  if (show && pthread_create(&pth, NULL, progress_loop, &pr) != 0) show = 0;
  st = ILAB_OK;
  for (size_t k = 0; k < nsh && !st; k++) {
    if (!rs.run[k]) continue;
    pthread_mutex_lock(&pr.lock);
    if (pr.s != &rs.sw[k]) pr.base += pr.s->done;
    pr.s = &rs.sw[k];
    pthread_mutex_unlock(&pr.lock);
    st = ilab_sweep_run(&rs.sw[k]);
  }
  if (show) {
    pthread_mutex_lock(&pr.lock);
    pr.finished = 1;
    pthread_cond_signal(&pr.cond);
    pthread_mutex_unlock(&pr.lock);
    pthread_join(pth, NULL);
  }
  size_t theory_failed = 0;
  double check_max = 0;
  for (size_t k = 0; k < nsh && !st; k++) {
    if (!rs.run[k]) continue;
    st = ilab_sweep_theory(&rs.sw[k]);
    theory_failed += rs.sw[k].theory_failed;
    if (rs.sw[k].check_max > check_max) check_max = rs.sw[k].check_max;
  }
  if (st) { cmd_error("%s", ilab_error_reason()); goto out; }
  if (theory_failed)
    fprintf(stderr, "initlab run: warning: the theory could not be computed for %zu cells (nan in summary.tsv)\n", theory_failed);

  prov p = {&cfg, argc, argv, base_seed, rng_type->name};
  ilab_table tabs[5];
  int ntab = 0, failed_claims = 0;
  memset(tabs, 0, sizeof tabs);
  if ((cfg.layers_table && (st = write_layers(outdir, &rs, &p, &tabs[ntab++]))) ||
      (st = write_summary(outdir, &rs, &p, &tabs[ntab++])) ||
      (cfg.n_claims && (st = write_claims(outdir, &rs, &p, &tabs[ntab++], &failed_claims))) ||
      (cfg.n_hist && (st = write_hist(outdir, &rs, &p, &tabs[ntab++]))) ||
      (cfg.ln_hist_bins && (st = write_lnhist(outdir, &rs, &p, &tabs[ntab++])))) {
    for (int i = 0; i < ntab; i++) ilab_table_abort(&tabs[i]);
    cmd_error("%s", ilab_error_reason());
    goto out;
  }
  /* All tables or none.  Their bytes reach the disk before any is renamed,
   * so a full disk is found while all can still be dropped; and a signal
   * that arrives while they are renamed into place waits until all are, so
   * an interruption cannot leave a new layers.tsv beside an old summary.tsv. */
  sigset_t hold, prev;
  sigemptyset(&hold);
  sigaddset(&hold, SIGINT);
  sigaddset(&hold, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &hold, &prev);
  const char *unwritten = NULL;
  errno = 0;
  for (int i = 0; i < ntab && !unwritten; i++)
    if (fflush(tabs[i].f) != 0 || ferror(tabs[i].f)) unwritten = tabs[i].path;
  if (unwritten) {
    st = ilab_error(ILAB_EIO, "writing %s failed: %s", unwritten, strerror(errno ? errno : EIO));
  } else if (stop_signal) {
    st = ilab_error(ILAB_EINTR, "interrupted by a signal");
  } else {
    for (int i = 0; i < ntab && !st; i++) st = ilab_table_commit(&tabs[i]);
  }
  for (int i = 0; i < ntab; i++) ilab_table_abort(&tabs[i]); /* no-op for a committed table */
  pthread_sigmask(SIG_SETMASK, &prev, NULL);
  if (st) {
    cmd_error("%s", ilab_error_reason());
    goto out;
  }
  if (!cfg.layers_table) {
    /* an older run's per-trial table would not match the new summary */
    char old[4200];
    snprintf(old, sizeof old, "%s/layers.tsv", outdir);
    if (unlink(old) != 0 && errno != ENOENT)
      fprintf(stderr, "initlab run: warning: cannot remove the older %s: %s\n", old, strerror(errno));
  }
  if (check)
    fprintf(stderr, "initlab run: cross-check: largest relative difference from gsl_stats_mean/variance: %.3g\n", check_max);
  if (!quiet)
    fprintf(stderr, "initlab run: wrote %s/%s%s%s%s\n", outdir, cfg.layers_table ? "layers.tsv, " : "",
            "summary.tsv", cfg.n_claims ? ", claims.tsv" : "", cfg.n_hist ? ", hist.tsv" : "");
  if (!quiet && cfg.ln_hist_bins) fprintf(stderr, "initlab run: wrote %s/lnhist.tsv\n", outdir);
  if (failed_claims) {
    fprintf(stderr, "initlab run: %d of %zu claims failed (see %s/claims.tsv)\n", failed_claims, cfg.n_claims, outdir);
    status = ILAB_EXIT_RUNTIME;
    goto out;
  }
  status = ILAB_EXIT_OK;
out:
  if (stop_signal) {
    if (status == ILAB_EXIT_OK)
      fprintf(stderr, "initlab run: interrupted after the tables were written\n");
    else
      fprintf(stderr, "initlab run: interrupted; earlier result files were left as they were\n");
    free_runset(&rs);
    free(sel);
    ilab_config_free(&cfg);
    signal(stop_signal, SIG_DFL);
    raise(stop_signal);
  }
  free_runset(&rs);
  free(sel);
  ilab_config_free(&cfg);
  return status;
}
