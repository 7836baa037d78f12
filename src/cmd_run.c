/* initlab run: read an experiment file, run its sweep, write layers.tsv and
 * summary.tsv under the output folder. */
#include "cmd.h"
#include "config.h"
#include "ilab.h"
#include "rates.h"
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
#include <gsl/gsl_cdf.h>

static const char *const cmd = "run";

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
      "      --only KEY=VAL   run only the cells with act=NAME or scheme=SPEC; repeat to\n"
      "                       select more; rows equal those of the full run\n"
      "      --cross-check    recompute every mean and variance with gsl_stats_* and\n"
      "                       report the largest relative difference\n"
      "      --max-memory B   refuse a run needing more than B bytes (K, M, G suffixes)\n"
      "                       [3/4 of physical memory]\n"
      "  -q, --quiet          no progress on stderr\n"
      "  -h, --help           this help\n\n"
      "Experiment file: 'key = value' lines, '#' comments; the opening comment states\n"
      "the question.  Keys: activations (linear tanh relu leaky_relu[:slope=A] sigmoid\n"
      "selu), schemes (see 'initlab list'), depth and width (square layers) or widths\n"
      "(n_0 .. n_L), batch, trials [1], seed, sigma_b2 (bias variance) [0], input (law\n"
      "of the input entries, a scheme spec) [normal:std=1], rates = A..B (layers of\n"
      "rates.tsv) [1..depth].\n\n"
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
      "  DIR/rates.tsv    one row per (act, scheme): over the layers A..B of the key\n"
      "                   'rates = A..B' [1..depth], the per-layer rates\n"
      "                   (v[B]/v[A])^(1/(B-A)) of h_var and gx_var from the means over\n"
      "                   trials (_min, _max over the trials), chi1_measured =\n"
      "                   1/gx_var_rate and chi1_theory at sigma_w2 = fan_in w_var\n"
      "                   and sigma_b2.\n"
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
  const char *cmdline;
  unsigned long seed;
  const char *rng;
} prov;

static void provenance(ilab_table *t, const prov *p, const char *what)
{
  ilab_table_comment(t, "initlab %s: %s", ILAB_VERSION, what);
  ilab_table_comment(t, "command: %s", p->cmdline);
  ilab_table_comment(t, "seed: %lu  generator: %s  (tables do not depend on --threads)", p->seed, p->rng);
  if (p->cfg->question[0]) ilab_table_comment(t, "question: %s", p->cfg->question);
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

/* Writes layers.tsv into an open temporary *t, left for the caller to commit
 * or abort; *t is empty on failure. */
static int write_layers(const char *dir, const ilab_sweep *s, const prov *p, ilab_table *t)
{
  const ilab_config *c = s->cfg;
  int st = open_result(t, dir, "layers.tsv", p, "per-layer statistics, one row per (act, scheme, trial, layer)");
  if (st) return st;
  ilab_table_header(t, "act scheme trial layer fan_in fan_out w_var h_mean h_var x_mean x_var "
                       "x_sq gx_var gh_var gw_var zero_frac sat_frac nonfinite g_nonfinite");
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    if (s->run_cell && !s->run_cell[cell]) continue;
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
        ilab_table_end_row(t);
      }
  }
  return ILAB_OK;
}

/* Mean over trials and a 95% Student-t interval; NaN bounds for one trial. */
static void mean_ci(const double *v, size_t n, double *mean, double *lo, double *hi)
{
  double s = 0;
  for (size_t i = 0; i < n; i++) s += v[i];
  *mean = s / (double)n;
  if (n < 2 || !isfinite(*mean)) { *lo = *hi = n < 2 ? NAN : *mean; return; }
  double m2 = 0;
  for (size_t i = 0; i < n; i++) m2 += (v[i] - *mean) * (v[i] - *mean);
  double half = gsl_cdf_tdist_Qinv(0.025, (double)(n - 1)) * sqrt(m2 / (double)(n - 1) / (double)n);
  *lo = *mean - half;
  *hi = *mean + half;
}

/* Writes summary.tsv into an open temporary *t, as write_layers. */
static int write_summary(const char *dir, const ilab_sweep *s, const prov *p, ilab_table *t)
{
  const ilab_config *c = s->cfg;
  int st = open_result(t, dir, "summary.tsv", p, "per-layer means over trials with 95% t intervals, one row per (act, scheme, layer)");
  if (st) return st;
  /* per cell, for a reader of the header: the first layer whose H overflowed
   * (an inf or NaN entry, or a variance beyond the largest double) and the
   * first whose H underflowed to exact zeros, in any trial */
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    if (s->run_cell && !s->run_cell[cell]) continue;
    size_t over = 0, under = 0;
    for (size_t l = 1; l <= c->depth; l++)
      for (size_t tr = 0; tr < c->trials; tr++) {
        const ilab_layer_stats *r = ilab_sweep_at(s, cell, tr, l);
        if (!over && (r->nonfinite || isinf(r->h_var))) over = l;
        if (!under && r->h_var == 0 && r->h_mean == 0) under = l;
      }
    const char *a = c->act_names[cell / c->n_schemes], *sc = c->schemes[cell % c->n_schemes].spec;
    if (over) ilab_table_comment(t, "overflow: %s %s: H overflows first at layer %zu", a, sc, over);
    if (under) ilab_table_comment(t, "underflow: %s %s: H is all zeros first at layer %zu", a, sc, under);
  }

  ilab_table_comment(t, "theory: mean-field recursion for these widths, Var(W_l), sigma_b2 and input; "
                        "largest quadrature error estimate %.3g%s", s->theory_abserr,
                     s->theory_failed ? " (some cells could not be predicted: nan)" : "");
  ilab_table_header(t, "act scheme layer fan_in fan_out w_var trials "
                       "h_var h_var_lo h_var_hi x_sq x_sq_lo x_sq_hi "
                       "gx_var gx_var_lo gx_var_hi gw_var gw_var_lo gw_var_hi nonfinite "
                       "h_var_theory x_sq_theory gx_var_theory gw_var_theory "
                       "h_var_ratio x_sq_ratio gx_var_ratio gw_var_ratio");
  double *v = malloc(c->trials * sizeof *v);
  if (!v) { ilab_table_abort(t); return ilab_error(ILAB_ENOMEM, "out of memory"); }
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    if (s->run_cell && !s->run_cell[cell]) continue;
    size_t ai = cell / c->n_schemes, si = cell % c->n_schemes;
    for (size_t l = 1; l <= c->depth; l++) {
      ilab_table_str(t, c->act_names[ai]);
      ilab_table_str(t, c->schemes[si].spec);
      ilab_table_int(t, (long long)l);
      ilab_table_int(t, (long long)c->widths[l - 1]);
      ilab_table_int(t, (long long)c->widths[l]);
      ilab_table_num(t, s->w_var[si * c->depth + l - 1]);
      ilab_table_int(t, (long long)c->trials);
      double meas[4];
      for (int q = 0; q < 4; q++) {
        long long bad = 0;
        for (size_t tr = 0; tr < c->trials; tr++) {
          const ilab_layer_stats *r = ilab_sweep_at(s, cell, tr, l);
          v[tr] = q == 0 ? r->h_var : q == 1 ? r->x_sq : q == 2 ? r->gx_var : r->gw_var;
          bad += r->nonfinite;
        }
        double m, lo, hi;
        mean_ci(v, c->trials, &m, &lo, &hi);
        meas[q] = m;
        ilab_table_num(t, m);
        ilab_table_num(t, lo);
        ilab_table_num(t, hi);
        if (q == 3) ilab_table_int(t, bad);
      }
      const ilab_theory_layer *th = &s->theory[cell * c->depth + l - 1];
      double pred[4] = {th->h_var, th->x_sq, th->gx_var, th->gw_var};
      for (int q = 0; q < 4; q++) ilab_table_num(t, pred[q]);
      for (int q = 0; q < 4; q++) ilab_table_num(t, meas[q] / pred[q]);
      ilab_table_end_row(t);
    }
  }
  free(v);
  return ILAB_OK;
}

/* The mean over trials of summary quantity q (ilab_claim_quantities) at
 * layer l of a cell, as summary.tsv has it. */
static double summary_value(const ilab_sweep *s, size_t cell, size_t l, int q)
{
  const ilab_config *c = s->cfg;
  if (q == 12) { /* nonfinite: a count over trials */
    double n = 0;
    for (size_t tr = 0; tr < c->trials; tr++) n += (double)ilab_sweep_at(s, cell, tr, l)->nonfinite;
    return n;
  }
  int base = q % 4;
  double m = 0;
  for (size_t tr = 0; tr < c->trials; tr++) {
    const ilab_layer_stats *r = ilab_sweep_at(s, cell, tr, l);
    m += base == 0 ? r->h_var : base == 1 ? r->x_sq : base == 2 ? r->gx_var : r->gw_var;
  }
  m /= (double)c->trials;
  const ilab_theory_layer *th = &s->theory[cell * c->depth + l - 1];
  double pred = base == 0 ? th->h_var : base == 1 ? th->x_sq : base == 2 ? th->gx_var : th->gw_var;
  return q < 4 ? m : q < 8 ? pred : m / pred;
}

/* Evaluates every claim into claims.tsv (claim, measured min and max, the
 * interval, verdict); counts the failures. */
static int write_claims(const char *dir, const ilab_sweep *s, const prov *p, ilab_table *t, int *failed)
{
  const ilab_config *c = s->cfg;
  int st = open_result(t, dir, "claims.tsv", p, "claims of the experiment file, checked against summary.tsv");
  if (st) return st;
  ilab_table_comment(t, "measured_min = measured_max but for 'all' claims, which hold when every layer lies in [lo, hi]");
  ilab_table_header(t, "experiment line claim measured_min measured_max lo hi verdict");
  const char *base = strrchr(c->path, '/');
  base = base ? base + 1 : c->path;
  *failed = 0;
  for (size_t i = 0; i < c->n_claims; i++) {
    const ilab_claim *cl = &c->claims[i];
    size_t cell = cl->act * c->n_schemes + cl->scheme;
    double lo = INFINITY, hi = -INFINITY;
    int ok = 1;
    if (s->run_cell && !s->run_cell[cell]) continue; /* not run: nothing to judge */
    switch (cl->kind) {
    case ILAB_CLAIM_AT: lo = hi = summary_value(s, cell, cl->a, cl->qty); break;
    case ILAB_CLAIM_RATIO:
      lo = hi = summary_value(s, cell, cl->a, cl->qty) / summary_value(s, cell, cl->b, cl->qty2);
      break;
    case ILAB_CLAIM_RATE:
      lo = hi = pow(summary_value(s, cell, cl->b, cl->qty) / summary_value(s, cell, cl->a, cl->qty),
                    1.0 / (double)(cl->b - cl->a));
      break;
    case ILAB_CLAIM_ALL:
      for (size_t l = cl->a; l <= cl->b; l++) {
        double v = summary_value(s, cell, l, cl->qty);
        if (!(v >= cl->lo && v <= cl->hi)) ok = 0;
        if (v < lo || isnan(v)) lo = v;
        if (v > hi || isnan(v)) hi = v;
      }
      break;
    }
    /* NaN (an overflowed cell) satisfies no interval */
    if (!(lo >= cl->lo && lo <= cl->hi && hi >= cl->lo && hi <= cl->hi)) ok = 0;
    *failed += !ok;
    ilab_table_str(t, base);
    ilab_table_int(t, cl->line);
    ilab_table_str(t, cl->text);
    ilab_table_num(t, lo);
    ilab_table_num(t, hi);
    ilab_table_num(t, cl->lo);
    ilab_table_num(t, cl->hi);
    ilab_table_str(t, ok ? "pass" : "FAIL");
    ilab_table_end_row(t);
  }
  return ILAB_OK;
}

/* Writes hist.tsv: one row per bin of each histogram of H_l ("h"), X_l ("x")
 * and dL/dX_l ("gx"), counts summed over trials, with the density
 * count / (all values x bin width) so that curves of different layers and
 * ranges compare, and the counts that fell outside [lo, hi]. */
static int write_hist(const char *dir, const ilab_sweep *s, const prov *p, ilab_table *t)
{
  const ilab_config *c = s->cfg;
  static const char *const qname[3] = {"h", "x", "gx"};
  int st = open_result(t, dir, "hist.tsv", p, "per-layer histograms summed over trials: h = H_l, x = X_l, gx = dL/dX_l");
  if (st) return st;
  ilab_table_comment(t, "bins span mean +- 5 sd of trial 0's values (cut to phi's range); below and above count the rest");
  ilab_table_header(t, "act scheme layer quantity bin lo hi center count density below above");
  size_t bins = c->hist_bins;
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    if (s->run_cell && !s->run_cell[cell]) continue;
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
          ilab_table_end_row(t);
        }
      }
  }
  return ILAB_OK;
}

/* Progress on stderr: cells done, elapsed, estimated time left. */
typedef struct {
  ilab_sweep *s;
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
    size_t done = p->s->done;
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
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  /* all cores, up to the 64 that --threads and the sweep allow */
  threads = ncpu > 64 ? 64 : ncpu > 0 ? (unsigned long)ncpu : 1;
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
      if (cmd_parse_ulong(cmd, "--threads", optarg, 1, 64, &threads)) return ILAB_EXIT_USAGE;
      break;
    case 1:
      if (n_only == 64) return cmd_usage_error(cmd, "too many --only options");
      if (strncmp(optarg, "act=", 4) && strncmp(optarg, "scheme=", 7))
        return cmd_usage_error(cmd, "--only takes act=NAME or scheme=SPEC, not '%s'", optarg);
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
  ilab_sweep sw;
  memset(&sw, 0, sizeof sw);
  unsigned char *sel = NULL;
  char dirbuf[4096];
  char cmdline[4096] = "initlab";

  /* the seed: --seed, else the file's, else GSL_RNG_SEED, else 42 */
  sw.seed = has_seed ? seed : cfg.has_seed ? cfg.seed : cmd_default_seed();
  const char *tname = getenv("GSL_RNG_TYPE");
  sw.rng_type = gsl_rng_mt19937;
  if (tname && *tname) {
    const gsl_rng_type **t;
    for (t = gsl_rng_types_setup(); *t; t++) if (!strcmp((*t)->name, tname)) break;
    if (!*t) { cmd_error("GSL_RNG_TYPE=%s is not a GSL generator", tname); status = ILAB_EXIT_USAGE; goto out; }
    sw.rng_type = *t;
  }
  sw.threads = (int)threads;
  sw.cross_check = check;
  sw.stop = &stop_signal;
  if (n_only) {
    sel = calloc(cfg.n_acts * cfg.n_schemes, 1);
    if (!sel) { cmd_error("out of memory"); goto out; }
    int any_act = 0, any_scheme = 0;
    for (int i = 0; i < n_only; i++) {
      int is_act = !strncmp(only[i], "act=", 4);
      const char *v = only[i] + (is_act ? 4 : 7);
      int found = 0;
      if (is_act) any_act = 1; else any_scheme = 1;
      for (size_t k = 0; k < (is_act ? cfg.n_acts : cfg.n_schemes); k++)
        found |= is_act ? same_act(v, cfg.act_names[k]) : !strcmp(v, cfg.schemes[k].spec);
      if (!found) {
        status = cmd_usage_error(cmd, "--only %s: %s has no such %s", only[i], file, is_act ? "activation" : "scheme");
        goto out;
      }
    }
    for (size_t cell = 0; cell < cfg.n_acts * cfg.n_schemes; cell++) {
      int ok_act = !any_act, ok_scheme = !any_scheme;
      for (int i = 0; i < n_only; i++) {
        if (!strncmp(only[i], "act=", 4)) ok_act |= same_act(only[i] + 4, cfg.act_names[cell / cfg.n_schemes]);
        else ok_scheme |= !strcmp(only[i] + 7, cfg.schemes[cell % cfg.n_schemes].spec);
      }
      sel[cell] = (unsigned char)(ok_act && ok_scheme);
    }
  }

  /* before anything large is allocated (the result arrays alone can be huge) */
  size_t need = ilab_sweep_bytes(&cfg, sw.threads);
  size_t wmax = 0;
  for (size_t l = 0; l <= cfg.depth; l++) if (cfg.widths[l] > wmax) wmax = cfg.widths[l];
  if (need > max_memory) {
    cmd_error("%s: this run needs about %.3g GB of memory (%zu layers, widths up to %zu, batch %zu, %d threads), "
              "more than the limit of %.3g GB; lower width, depth, batch, trials or --threads, or raise --max-memory",
              file, (double)need / 1e9, cfg.depth, wmax, cfg.batch, sw.threads, (double)max_memory / 1e9);
    status = ILAB_EXIT_RUNTIME;
    goto out;
  }

  if ((st = ilab_sweep_alloc(&sw, &cfg))) { cmd_error("%s", ilab_error_reason()); goto out; }
  sw.run_cell = sel;

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
  for (int i = 0; i < argc; i++) {
    size_t l = strlen(cmdline);
    snprintf(cmdline + l, sizeof cmdline - l, " %s", argv[i]);
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  progress pr = {&sw, 0, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
  for (size_t i = 0; i < sw.n_cells; i++) pr.total += !sel || sel[i];
  pr.total *= cfg.trials;
  pthread_t pth;
  int show = !quiet && isatty(STDERR_FILENO);
  if (show && pthread_create(&pth, NULL, progress_loop, &pr) != 0) show = 0;
  st = ilab_sweep_run(&sw);
  if (show) {
    pthread_mutex_lock(&pr.lock);
    pr.finished = 1;
    pthread_cond_signal(&pr.cond);
    pthread_mutex_unlock(&pr.lock);
    pthread_join(pth, NULL);
  }
  if (st || (st = ilab_sweep_theory(&sw))) { cmd_error("%s", ilab_error_reason()); goto out; }
  if (sw.theory_failed)
    fprintf(stderr, "initlab run: warning: the theory could not be computed for %zu cells (nan in summary.tsv)\n", sw.theory_failed);

  prov p = {&cfg, cmdline, sw.seed, sw.rng_type->name};
  ilab_table tabs[5];
  int ntab = 2, failed_claims = 0;
  memset(tabs, 0, sizeof tabs);
  if ((st = write_layers(outdir, &sw, &p, &tabs[0])) || (st = write_summary(outdir, &sw, &p, &tabs[1])) ||
      (cfg.n_claims && (st = write_claims(outdir, &sw, &p, &tabs[ntab++], &failed_claims))) ||
      (cfg.n_hist && (st = write_hist(outdir, &sw, &p, &tabs[ntab++]))) ||
      (st = open_result(&tabs[ntab++], outdir, "rates.tsv", &p, "per-layer rates of each cell, one row per (act, scheme)")) ||
      (st = ilab_rates_write(&tabs[ntab - 1], &sw))) {
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
  if (check)
    fprintf(stderr, "initlab run: cross-check: largest relative difference from gsl_stats_mean/variance: %.3g\n", sw.check_max);
  if (!quiet)
    fprintf(stderr, "initlab run: wrote %s/layers.tsv, summary.tsv%s%s, rates.tsv\n", outdir,
            cfg.n_claims ? ", claims.tsv" : "", cfg.n_hist ? ", hist.tsv" : "");
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
    ilab_sweep_free(&sw);
    free(sel);
    ilab_config_free(&cfg);
    signal(stop_signal, SIG_DFL);
    raise(stop_signal);
  }
  ilab_sweep_free(&sw);
  free(sel);
  ilab_config_free(&cfg);
  return status;
}
