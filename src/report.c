/* The tables of a run (see report.h): one writer per table, each from the
 * sweep's results and the summary and claims modules. */
#include "report.h"
#include "claims.h"
#include "config.h"
#include "ilab.h"
#include "rates.h"
#include "summary.h"
#include "table.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TWO_PI 6.283185307179586476925286766559 /* the normal density's 2 pi */

/* The provenance every table of the run opens with. */
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
  const ilab_config *c = p->cfg;
  if (c->n_sigma_b2s > 1 || c->n_inputs > 1 || c->n_batches > 1)
    ilab_table_comment(t, "points: every shape with every sigma_b2 (%zu), input law (%zu) and batch (%zu) "
                          "listed; the points of one shape draw from the same streams", c->n_sigma_b2s,
                       c->n_inputs, c->n_batches);
  if (c->n_widths * (c->n_depths ? c->n_depths : 1) > 1) {
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

/* A scratch file in dir, already unlinked, for rows whose table cannot be
 * written in order yet; NULL with a reason. */
static FILE *spill_open(const char *dir)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/.initlab-spill.XXXXXX", dir);
  int fd = mkstemp(path);
  if (fd < 0) {
    ilab_error(ILAB_EIO, "cannot create a scratch file in %s: %s", dir, strerror(errno));
    return NULL;
  }
  unlink(path);
  FILE *f = fdopen(fd, "w+");
  if (!f) {
    ilab_error(ILAB_EIO, "cannot open a scratch file in %s: %s", dir, strerror(errno));
    close(fd);
  }
  return f;
}

/* Appends the whole of spill f to table t. */
static int spill_copy(FILE *f, ilab_table *t)
{
  char buf[65536];
  if (fflush(f) != 0 || ferror(f) || fseek(f, 0, SEEK_SET) != 0)
    ILAB_ERROR(ILAB_EIO, "writing %s failed: %s (in the scratch file that holds its rows)", t->path, strerror(errno));
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) fwrite(buf, 1, n, t->f);
  if (ferror(f)) ILAB_ERROR(ILAB_EIO, "writing %s failed: cannot read back the scratch file that holds its rows", t->path);
  return ILAB_OK;
}

/* The tables being written: each unit's rows go out as it comes; the
 * summary's rows wait in a spill behind the comments that need every cell,
 * the claims' verdicts until the end. */
enum { T_LAYERS, T_SUMMARY, T_CLAIMS, T_HIST, T_LNHIST, T_SPECTRUM, T_VALUES, T_RATES, T_N };

struct ilab_report_stream {
  const ilab_config *cfg;
  char *dir;
  char *generator;
  prov p;
  size_t nsh;
  ilab_table t[T_N];
  int open[T_N];
  FILE *notes, *body;            /* the summary's overflow comments and rows */
  ilab_table notes_t, body_t;    /* ... as tables, for the row writers */
  int rates_rows;                /* rates.tsv has a layer range */
  ilab_theory_workspace *w;      /* for rates.tsv */
  double abserr;                 /* theory: largest quadrature error */
  size_t failed;                 /* ... cells that could not be predicted */
  ilab_claim_result *res;        /* [claim] */
  unsigned char *judged;         /* [claim]: its unit came by */
  size_t next;                   /* the smallest unit that may come next */
  size_t units;
};

static size_t n_cells(const ilab_config *c) { return c->n_acts * c->n_schemes; }

/* The last columns of every row: the point's width (0 for a 'widths' list),
 * depth, sigma_b2, input law and batch (POINT_COLS names them); rates.tsv
 * has sigma_b2 among its own columns and leaves it out here. */
#define POINT_COLS " width depth sigma_b2 input batch"
static void point_cols(ilab_table *t, const ilab_config *cfg, size_t k, int with_sigma_b2)
{
  ilab_point pt;
  ilab_config_point_of(cfg, k, &pt);
  ilab_table_int(t, (long long)pt.width);
  ilab_table_int(t, (long long)pt.depth);
  if (with_sigma_b2) ilab_table_num(t, pt.sigma_b2);
  ilab_table_str(t, cfg->n_inputs ? cfg->input_list[pt.input].spec : cfg->input.spec);
  ilab_table_int(t, (long long)pt.batch);
}
static void shape_cols(ilab_table *t, const ilab_config *cfg, size_t k) { point_cols(t, cfg, k, 1); }

/* The names of cell (of cfg): its activation and scheme. */
static const char *act_of(const ilab_config *cfg, size_t cell) { return cfg->act_names[cell / cfg->n_schemes]; }
static const char *scheme_of(const ilab_config *cfg, size_t cell) { return cfg->schemes[cell % cfg->n_schemes].spec; }

/* The range columns' predictions on prediction rows, for '~' claims and
 * their sensitivity: H_l ~ N(0, q_l) at mean field's q_l (exact given
 * X_{l-1} for Gaussian weights, by the central limit theorem otherwise), so
 * h_under = P(|H| < tiny) = erf(tiny / sqrt(2 q_l)) and h_over = B n_l
 * erfc(big / sqrt(2 q_l)), the expected count of one trial (big: where
 * rounding gives inf, ilab_fp_overflow); the same for the stored gradient
 * S dL/dX_l.  Valid above the format's floor, before rounding has changed
 * the signal upstream. */
static void range_pred_rows(const ilab_config *c, ilab_summary_row *r, size_t n)
{
  double tiny = ilab_fp_tiny(c->precision), big = ilab_fp_overflow(c->precision), S = c->loss_scale;
  size_t L = c->depth;
  for (size_t i = 0; i < n; i++) {
    double qh = r[i].theory[ILAB_SUMMARY_H_VAR], qg = S * S * r[i].theory[ILAB_SUMMARY_GX_VAR];
    double m = (double)c->batch * (double)c->widths[i % L + 1];
    r[i].h_under = erf(tiny / sqrt(2 * qh));
    r[i].g_under = erf(tiny / sqrt(2 * qg));
    r[i].h_over = m * erfc(big / sqrt(2 * qh));
    r[i].g_over = m * erfc(big / sqrt(2 * qg));
  }
}

/* layers.tsv's rows of one unit: cell of cfg, shape k, cell sc of s. */
static void layers_rows(ilab_table *t, const ilab_config *cfg, size_t cell, size_t k, const ilab_sweep *s, size_t sc)
{
  const ilab_config *c = s->cfg;
  size_t si = sc % c->n_schemes;
  for (size_t tr = 0; tr < c->trials; tr++)
    for (size_t l = 1; l <= c->depth; l++) {
      const ilab_layer_stats *r = ilab_sweep_at(s, sc, tr, l);
      ilab_table_str(t, act_of(cfg, cell));
      ilab_table_str(t, scheme_of(cfg, cell));
      ilab_table_int(t, (long long)tr);
      ilab_table_int(t, (long long)l);
      ilab_table_int(t, (long long)c->widths[l - 1]);
      ilab_table_int(t, (long long)c->widths[l]);
      ilab_table_num(t, s->w_var[si * c->depth + l - 1]);
      const double v[] = {r->h_mean, r->h_var, r->x_mean, r->x_var, r->x_sq, r->gx_var,
                          r->gh_var, r->gw_var, r->zero_frac, r->sat_frac};
      for (size_t q = 0; q < sizeof v / sizeof v[0]; q++) ilab_table_num(t, v[q]);
      ilab_table_int(t, r->nonfinite);
      ilab_table_int(t, r->g_nonfinite);
      ilab_table_num(t, r->lsuv_scale);
      ilab_table_num(t, r->lsuv_iters);
      ilab_table_num(t, r->h_under);
      ilab_table_int(t, r->h_over);
      ilab_table_num(t, r->g_under);
      ilab_table_int(t, r->g_over);
      shape_cols(t, cfg, k);
      ilab_table_end_row(t);
    }
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

/* summary.tsv's rows of one unit into the body spill, and its overflow and
 * underflow notes (the first layer whose H overflowed, and the first whose H
 * underflowed to exact zeros, in any trial) into the notes spill. */
static int summary_rows(ilab_report_stream *r, size_t cell, size_t k, const ilab_sweep *s, size_t sc)
{
  const ilab_config *c = s->cfg, *cfg = r->cfg;
  size_t over, under;
  ilab_point pt;
  ilab_config_point_of(cfg, k, &pt);
  ilab_summary_extremes(cell_stats(s, sc), c->trials, c->depth, &over, &under);
  const char *a = act_of(cfg, cell), *sch = scheme_of(cfg, cell);
  char shape[256] = "";
  if (r->nsh > 1)
    snprintf(shape, sizeof shape, " width %zu depth %zu sigma_b2 %.17g input %s batch %zu", pt.width, pt.depth,
             pt.sigma_b2, cfg->n_inputs ? cfg->input_list[pt.input].spec : cfg->input.spec, pt.batch);
  if (over) ilab_table_comment(&r->notes_t, "overflow: %s %s%s: H overflows first at layer %zu", a, sch, shape, over);
  if (under) ilab_table_comment(&r->notes_t, "underflow: %s %s%s: H is all zeros first at layer %zu", a, sch, shape, under);
  ilab_summary_row *rows = malloc(c->depth * sizeof *rows);
  if (!rows) return ilab_error(ILAB_ENOMEM, "out of memory");
  int st = cell_rows(s, sc, rows);
  if (st) {
    free(rows);
    return st;
  }
  ilab_table *t = &r->body_t;
  size_t si = sc % c->n_schemes;
  for (size_t l = 1; l <= c->depth; l++) {
    const ilab_summary_row *q = &rows[l - 1];
    ilab_table_str(t, a);
    ilab_table_str(t, sch);
    ilab_table_int(t, (long long)l);
    ilab_table_int(t, (long long)c->widths[l - 1]);
    ilab_table_int(t, (long long)c->widths[l]);
    ilab_table_num(t, s->w_var[si * c->depth + l - 1]);
    ilab_table_int(t, (long long)c->trials);
    for (int i = 0; i < ILAB_SUMMARY_N; i++) {
      ilab_table_num(t, q->mean[i]);
      ilab_table_num(t, q->lo[i]);
      ilab_table_num(t, q->hi[i]);
    }
    ilab_table_int(t, q->nonfinite);
    for (int i = 0; i < ILAB_SUMMARY_N; i++) ilab_table_num(t, q->theory[i]);
    for (int i = 0; i < ILAB_SUMMARY_N; i++) ilab_table_num(t, q->mean[i] / q->theory[i]);
    ilab_table_int(t, (long long)q->ln[ILAB_SUMMARY_LN_X_SQ].n);
    for (int i = 0; i < ILAB_SUMMARY_LN_N; i++) {
      const ilab_summary_ln *g = &q->ln[i];
      ilab_table_num(t, g->mean);
      ilab_table_num(t, g->var);
      ilab_table_num(t, g->mean_theory);
      ilab_table_num(t, g->var_theory);
      ilab_table_num(t, g->var_se);
      ilab_table_num(t, g->mean_z);
      ilab_table_num(t, g->var_z);
    }
    ilab_table_num(t, s->finite[sc * c->depth + l - 1].dead);
    ilab_table_num(t, q->h_under);
    ilab_table_num(t, q->h_over);
    ilab_table_num(t, q->g_under);
    ilab_table_num(t, q->g_over);
    shape_cols(t, cfg, k);
    ilab_table_end_row(t);
  }
  free(rows);
  return ILAB_OK;
}

/* The spectrum's quantities of one cell for '~' claims: each trial's own
 * sq_mean and sq_var into rows[trial * L + l - 1] (NaN where J_l overflowed),
 * and the free-probability predictions at Var(W) times 1, e^-h and e^h into
 * the three prediction blocks pr, pr + L, pr + 2L (as both the quantity and
 * its _theory, so that '~ theory' and a number's sensitivity read them). */
static int spectrum_trial_rows(const ilab_sweep *s, size_t cell, double h, ilab_summary_row *rows,
                               ilab_summary_row *pr)
{
  const ilab_config *c = s->cfg;
  const ilab_spectrum_job *j = &s->spectra[cell];
  size_t L = c->depth;
  for (size_t tr = 0; tr < c->trials; tr++)
    for (size_t l = 1; l <= L; l++) {
      const ilab_spectrum_row *r = &j->rows[tr * L + l - 1];
      ilab_summary_row *o = &rows[tr * L + l - 1];
      o->sq_mean = r->finite ? r->sq_mean : NAN;
      o->sq_var = r->finite ? r->sq_var : NAN;
      o->sq_mean_theory = ilab_spectrum_mean_theory(&j->theory, l);
      o->sq_var_theory = ilab_spectrum_var_theory(&j->theory, l);
    }
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  if (!w) return ilab_error(ILAB_ENOMEM, "out of memory for the theory");
  const double factor[3] = {1, exp(-h), exp(h)};
  for (int k = 0; k < 3; k++) {
    ilab_spectrum_theory t = j->theory;
    if (k && ilab_spectrum_predict(w, &j->act, j->theory.sigma_w2 * factor[k], j->sigma_b2, j->theory.s1, &t))
      t.mu1 = t.mu2 = t.s1 = NAN;
    for (size_t l = 1; l <= L; l++) {
      ilab_summary_row *o = &pr[k * L + l - 1];
      o->sq_mean = o->sq_mean_theory = ilab_spectrum_mean_theory(&t, l);
      o->sq_var = o->sq_var_theory = ilab_spectrum_var_theory(&t, l);
    }
  }
  ilab_theory_workspace_free(w);
  return ILAB_OK;
}

/* The point a claim is about: the one with its width=, depth=, sigma_b2=,
 * input= and batch=, or the experiment's only value of each. */
static size_t claim_shape(const ilab_config *cfg, const ilab_claim *cl)
{
  size_t np = ilab_config_n_points(cfg);
  for (size_t k = 0; k < np; k++) {
    ilab_point p;
    ilab_config_point_of(cfg, k, &p);
    if ((!cl->width || cl->width == p.width) && (!cl->depth || cl->depth == p.depth) &&
        (!cl->has_sigma_b2 || cl->sigma_b2 == p.sigma_b2) && (!cl->input || cl->input == p.input + 1) &&
        (!cl->batch || cl->batch == p.batch))
      return k;
  }
  return 0; /* not reached: the claim's parser checked each against the lists */
}

/* Evaluates claim cl against cell sc of s, which ran it: measured min and
 * max, the interval, verdict, and for a claim with a noise model its
 * false-alarm probability, the trials' spread, its sensitivity to Var(W)
 * and the smallest variance error it detects. */
static int claim_judge(const ilab_claim *cl, const ilab_sweep *s, size_t sc, ilab_claim_result *res)
{
  const ilab_config *c = s->cfg;
  const double h = 0.01; /* the theory at Var(W) e^-h and e^h gives each claim's sensitivity */
  const size_t L = c->depth, T = c->trials, nth = s->n_cells * L;
  ilab_summary_row *rows = malloc((T + 3) * L * sizeof *rows);
  ilab_theory_layer *th = calloc(2 * nth, sizeof *th);
  if (!rows || !th) {
    free(rows);
    free(th);
    return ilab_error(ILAB_ENOMEM, "out of memory");
  }
  ilab_summary_row *pr = rows + T * L; /* the predictions at e^0, e^-h, e^h */
  const ilab_summary_row *const pred[3] = {pr, pr + L, pr + 2 * L};
  int st = ILAB_OK;
  if (cl->noise) {
    if (!(st = ilab_sweep_theory_scaled(s, exp(-h), th)) && !(st = ilab_sweep_theory_scaled(s, exp(h), th + nth))) {
      /* each trial summarized alone */
      for (size_t tr = 0; !st && tr < T; tr++) {
        st = ilab_summary_cell(ilab_sweep_at(s, sc, tr, 1), 1, L, &s->theory[sc * L], rows + tr * L);
        if (!st)
          st = ilab_summary_cell_ln(ilab_sweep_at(s, sc, tr, 1), 1, L, &s->finite[sc * L], c->batch, rows + tr * L);
      }
      ilab_claim_pred_rows(&s->theory[sc * L], L, pr);
      ilab_claim_pred_rows(&th[sc * L], L, pr + L);
      ilab_claim_pred_rows(&th[nth + sc * L], L, pr + 2 * L);
      range_pred_rows(c, pr, 3 * L);
      if (!st && s->spectra && s->spectra[sc].rows) st = spectrum_trial_rows(s, sc, h, rows, pr);
      if (!st) ilab_claim_eval_trials(cl, rows, T, pred, h, L, res);
    }
  } else {
    st = cell_rows(s, sc, rows);
    if (!st && s->spectra && s->spectra[sc].rows) /* spectrum.tsv's columns, for sq_* claims */
      for (size_t l = 1; l <= L; l++) {
        const ilab_spectrum_job *j = &s->spectra[sc];
        ilab_spectrum_summary m;
        ilab_spectrum_summarize(j, l, &m);
        rows[l - 1].sq_mean = m.sq_mean;
        rows[l - 1].sq_var = m.sq_var;
        rows[l - 1].sq_mean_theory = ilab_spectrum_mean_theory(&j->theory, l);
        rows[l - 1].sq_var_theory = ilab_spectrum_var_theory(&j->theory, l);
      }
    if (!st) ilab_claim_eval(cl, rows, L, res);
  }
  free(rows);
  free(th);
  return st;
}

/* claims.tsv's rows: each judged claim in the file's order (claims of
 * cells not run are left out); counts the failures. */
static void claims_rows(ilab_report_stream *r, int *failed)
{
  const ilab_config *c = r->cfg;
  ilab_table *t = &r->t[T_CLAIMS];
  const char *base = strrchr(c->path, '/');
  base = base ? base + 1 : c->path;
  *failed = 0;
  for (size_t i = 0; i < c->n_claims; i++) {
    const ilab_claim_result *res = &r->res[i];
    if (!r->judged[i] || res->verdict == ILAB_CLAIM_SKIPPED) continue; /* not run: nothing to judge */
    *failed += res->verdict == ILAB_CLAIM_FAIL;
    ilab_table_str(t, base);
    ilab_table_int(t, c->claims[i].line);
    ilab_table_str(t, c->claims[i].text);
    ilab_table_num(t, res->measured_min);
    ilab_table_num(t, res->measured_max);
    ilab_table_num(t, res->lo);
    ilab_table_num(t, res->hi);
    ilab_table_str(t, res->verdict == ILAB_CLAIM_PASS ? "pass" : "FAIL");
    ilab_table_num(t, res->alpha);
    ilab_table_num(t, res->sd);
    ilab_table_num(t, res->sens);
    ilab_table_num(t, res->detects);
    shape_cols(t, c, claim_shape(c, &c->claims[i]));
    ilab_table_end_row(t);
  }
}

/* hist.tsv's rows of one unit: one row per bin of each histogram of H_l
 * ("h"), X_l ("x") and dL/dX_l ("gx"), counts summed over trials, with the
 * density count / (all values x bin width) so that curves of different
 * layers and ranges compare, and the counts that fell outside [lo, hi]. */
static void hist_rows(ilab_table *t, const ilab_config *cfg, size_t cell, size_t sk, const ilab_sweep *s, size_t sc)
{
  static const char *const qname[3] = {"h", "x", "gx"};
  const ilab_config *c = s->cfg;
  size_t bins = c->hist_bins;
  for (size_t i = 0; i < c->n_hist; i++)
    for (int q = 0; q < 3; q++) {
      size_t k = (sc * c->n_hist + i) * 3 + (size_t)q, l = c->hist_layers[i];
      const unsigned long long *h = ilab_sweep_hist(s, sc, i, q);
      double lo = s->hist_lo[k], w = (s->hist_hi[k] - lo) / (double)bins;
      double total = (double)c->trials * (double)c->batch * (double)c->widths[l];
      for (size_t b = 0; b < bins; b++) {
        ilab_table_str(t, act_of(cfg, cell));
        ilab_table_str(t, scheme_of(cfg, cell));
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
        shape_cols(t, cfg, sk);
        ilab_table_end_row(t);
      }
    }
}

/* lnhist.tsv's rows of one unit: the histogram over trials of ln x_sq at
 * the last layer (ln M_L at batch 1; trials with x_sq = 0 left out), in
 * ln_histogram bins from the smallest to the largest value, beside two
 * normal densities of ln M_L: the log-normal approximation with one input's
 * exact E ln M_L and Var ln M_L (finite.h; nan where none exists or batch >
 * 1), and the normal fitted to the trials' own mean and variance. */
static int lnhist_rows(ilab_table *t, const ilab_config *cfg, size_t cell, size_t k, const ilab_sweep *s, size_t sc)
{
  const ilab_config *c = s->cfg;
  size_t bins = cfg->ln_hist_bins, L = c->depth, n = 0;
  double *v = malloc((c->trials ? c->trials : 1) * sizeof *v);
  if (!v) return ilab_error(ILAB_ENOMEM, "out of memory");
  double lo = INFINITY, hi = -INFINITY, m = 0, var = 0;
  for (size_t tr = 0; tr < c->trials; tr++) {
    double x = ilab_sweep_at(s, sc, tr, L)->x_sq;
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
  const ilab_finite_layer *f = &s->finite[sc * L + L - 1];
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
    ilab_table_str(t, act_of(cfg, cell));
    ilab_table_str(t, scheme_of(cfg, cell));
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
    shape_cols(t, cfg, k);
    ilab_table_end_row(t);
  }
  free(v);
  return ILAB_OK;
}

/* Writes spectrum.tsv's rows (opened by ilab_report_stream_open): per (act, scheme, layer) the summary over trials of
 * the Jacobian's squared singular values beside the theory. */
static int write_spectrum(const ilab_sweep *s, ilab_table *t)
{
  const ilab_config *c = s->cfg;
  ilab_table_comment(t, "input on the fixed point q* of each cell; theory: mean chi_1^l, variance "
                        "mu_1^(2l) l (mu_2/mu_1^2 - 1 - s_1), s_1 = -1 iid, 0 orthogonal (see 'initlab spectrum --help')");
  ilab_table_header(t, "act scheme layer width trials sq_mean sq_mean_lo sq_mean_hi sq_var sq_var_lo sq_var_hi "
                       "sq_mean_theory sq_var_theory sq_var_ratio sv_min sv_max finite q_star chi1 mu2");
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    const ilab_spectrum_job *j = &s->spectra[cell];
    if (!j->rows) continue;
    for (size_t l = 1; l <= c->depth; l++) {
      ilab_spectrum_summary m;
      ilab_spectrum_summarize(j, l, &m);
      double vt = ilab_spectrum_var_theory(&j->theory, l);
      ilab_table_str(t, c->act_names[cell / c->n_schemes]);
      ilab_table_str(t, c->schemes[cell % c->n_schemes].spec);
      ilab_table_int(t, (long long)l);
      ilab_table_int(t, (long long)j->width);
      ilab_table_int(t, (long long)j->trials);
      ilab_table_num(t, m.sq_mean);
      ilab_table_num(t, m.sq_mean_lo);
      ilab_table_num(t, m.sq_mean_hi);
      ilab_table_num(t, m.sq_var);
      ilab_table_num(t, m.sq_var_lo);
      ilab_table_num(t, m.sq_var_hi);
      ilab_table_num(t, ilab_spectrum_mean_theory(&j->theory, l));
      ilab_table_num(t, vt);
      ilab_table_num(t, m.sq_var / vt);
      ilab_table_num(t, m.sv_min);
      ilab_table_num(t, m.sv_max);
      ilab_table_int(t, (long long)m.finite);
      ilab_table_num(t, j->theory.q_star);
      ilab_table_num(t, j->theory.mu1);
      ilab_table_num(t, j->theory.mu2);
      ilab_table_end_row(t);
    }
  }
  return ILAB_OK;
}

/* Writes spectrum_values.tsv's rows: every singular value at the spectrum_layers. */
static int write_spectrum_values(const ilab_sweep *s, ilab_table *t)
{
  const ilab_config *c = s->cfg;
  ilab_table_header(t, "act scheme trial layer k sv sq");
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    const ilab_spectrum_job *j = &s->spectra[cell];
    if (!j->rows || !j->values) continue;
    for (size_t tr = 0; tr < j->trials; tr++)
      for (size_t i = 0; i < c->n_spec; i++) {
        size_t l = c->spec_layers[i];
        const double *v = j->values + (tr * j->depth + l - 1) * j->width;
        for (size_t k = 0; k < j->width; k++) {
          ilab_table_str(t, c->act_names[cell / c->n_schemes]);
          ilab_table_str(t, c->schemes[cell % c->n_schemes].spec);
          ilab_table_int(t, (long long)tr);
          ilab_table_int(t, (long long)l);
          ilab_table_int(t, (long long)k);
          ilab_table_num(t, v[k]);
          ilab_table_num(t, v[k] * v[k]);
          ilab_table_end_row(t);
        }
      }
  }
  return ILAB_OK;
}


void ilab_report_stream_abort(ilab_report_stream *r)
{
  if (!r) return;
  for (int i = 0; i < T_N; i++)
    if (r->open[i]) ilab_table_abort(&r->t[i]);
  if (r->notes) fclose(r->notes);
  if (r->body) fclose(r->body);
  ilab_theory_workspace_free(r->w);
  free(r->res);
  free(r->judged);
  free(r->dir);
  free(r->generator);
  free(r);
}

/* Opens table i of r as DIR/FILE with its provenance. */
static int open_table(ilab_report_stream *r, int i, const char *file, const char *what)
{
  int st = open_result(&r->t[i], r->dir, file, &r->p, what);
  if (!st) r->open[i] = 1;
  return st;
}

int ilab_report_stream_open(ilab_report_stream **out, const char *dir, const ilab_config *cfg,
                            const ilab_report_command *cmd, unsigned long seed, const char *generator, int spectrum)
{
  *out = NULL;
  ilab_report_stream *r = calloc(1, sizeof *r);
  if (!r) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  r->cfg = cfg;
  r->nsh = ilab_config_n_points(cfg);
  r->units = n_cells(cfg) * r->nsh;
  r->dir = strdup(dir);
  r->generator = strdup(generator);
  r->res = calloc(cfg->n_claims ? cfg->n_claims : 1, sizeof *r->res);
  r->judged = calloc(cfg->n_claims ? cfg->n_claims : 1, 1);
  if (!r->dir || !r->generator || !r->res || !r->judged) {
    ilab_report_stream_abort(r);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  }
  r->p = (prov){cfg, cmd->argc, cmd->argv, seed, r->generator};
  int st = ILAB_OK;
  if (cfg->layers_table &&
      !(st = open_table(r, T_LAYERS, "layers.tsv", "per-layer statistics, one row per (act, scheme, width, depth, trial, layer)")))
    ilab_table_header(&r->t[T_LAYERS], "act scheme trial layer fan_in fan_out w_var h_mean h_var x_mean x_var x_sq "
                                       "gx_var gh_var gw_var zero_frac sat_frac nonfinite g_nonfinite lsuv_scale "
                                       "lsuv_iters h_under h_over g_under g_over" POINT_COLS);
  if (!st)
    st = open_table(r, T_SUMMARY, "summary.tsv",
                    "per-layer means over trials with 95% t intervals, one row per (act, scheme, width, depth, layer)");
  if (!st && !(r->notes = spill_open(dir))) st = ILAB_EIO;
  if (!st && !(r->body = spill_open(dir))) st = ILAB_EIO;
  r->notes_t.f = r->notes;
  r->body_t.f = r->body;
  if (!st && cfg->n_claims) {
    ilab_table *t = &r->t[T_CLAIMS];
    st = open_table(r, T_CLAIMS, "claims.tsv", "claims of the experiment file, checked against summary.tsv");
    if (!st) {
      ilab_table_comment(t, "measured_min = measured_max but for 'all' claims, which hold when every layer lies in [lo, hi]");
      ilab_table_comment(t, "'~ CENTER at ALPHA' claims: measured = exp(mean over the T trials of ln EXPR), s = its sd over the trials,");
      ilab_table_comment(t, "[lo, hi] = exp(ln CENTER - sum c_i v_i/2 -+ t(1 - ALPHA/2, T - 1) s/sqrt(T)), ln EXPR = sum c_i ln Q_i, v_i = Var(ln Q_i) over the trials;");
      ilab_table_comment(t, "alpha = the false-alarm probability; sens = d ln EXPR / d ln Var(W) by mean field; detects = the smallest");
      ilab_table_comment(t, "relative error in Var(W) that moves the prediction out of [lo, hi] (inf: the claim cannot see one)");
      ilab_table_header(t, "experiment line claim measured_min measured_max lo hi verdict alpha trial_sd sens detects" POINT_COLS);
    }
  }
  if (!st && cfg->n_hist) {
    ilab_table *t = &r->t[T_HIST];
    st = open_table(r, T_HIST, "hist.tsv", "per-layer histograms summed over trials: h = H_l, x = X_l, gx = dL/dX_l");
    if (!st) {
      ilab_table_comment(t, "bins span mean +- 5 sd of trial 0's values (cut to phi's range); below and above count the rest");
      ilab_table_header(t, "act scheme layer quantity bin lo hi center count density below above" POINT_COLS);
    }
  }
  if (!st && cfg->ln_hist_bins) {
    ilab_table *t = &r->t[T_LNHIST];
    st = open_table(r, T_LNHIST, "lnhist.tsv", "histograms over trials of ln x_sq at the last layer, one row per (act, scheme, width, depth, bin)");
    if (!st) {
      ilab_table_comment(t, "density = count / (n x bin width); lognormal_density: N(ln_x_sq_mean_theory, ln_x_sq_var_theory) "
                            "at the bin's center; fit_density: N(mean, var) of the trials' own ln x_sq");
      ilab_table_header(t, "act scheme layer bin lo hi center count n density lognormal_density fit_density "
                           "mean var mean_theory var_theory" POINT_COLS);
    }
  }
  /* spectra: one shape only (the parser refuses spectrum with width or depth lists) */
  if (!st && spectrum)
    st = open_table(r, T_SPECTRUM, "spectrum.tsv", "squared singular values of the input-output Jacobian J_l, per layer, over trials");
  if (!st && spectrum && cfg->n_spec)
    st = open_table(r, T_VALUES, "spectrum_values.tsv", "every singular value of J_l at the spectrum_layers");
  /* rates.tsv: a row per unit, over its point's layers rates_a..rates_b
   * (a shallower point's stop at its depth) */
  if (!st) {
    st = open_table(r, T_RATES, "rates.tsv", "per-layer rates of each cell, one row per (act, scheme, width, depth, sigma_b2, input, batch)");
    if (!st) r->rates_rows = ilab_rates_write_head(&r->t[T_RATES], cfg, " width depth input batch");
    if (!st && r->rates_rows && !(r->w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL)))
      st = ilab_error(ILAB_ENOMEM, "out of memory for the theory");
  }
  if (st) {
    ilab_report_stream_abort(r);
    return st;
  }
  *out = r;
  return ILAB_OK;
}

int ilab_report_stream_unit(ilab_report_stream *r, size_t cell, size_t k, const ilab_sweep *s, size_t sc)
{
  const ilab_config *cfg = r->cfg;
  size_t u = cell * r->nsh + k;
  if (cell >= n_cells(cfg) || k >= r->nsh || u < r->next || sc >= s->n_cells)
    ILAB_ERROR(ILAB_EINVAL, "report: cell %zu of shape %zu out of order", cell, k);
  r->next = u + 1;
  int st = ILAB_OK;
  if (r->open[T_LAYERS]) layers_rows(&r->t[T_LAYERS], cfg, cell, k, s, sc);
  if ((st = summary_rows(r, cell, k, s, sc))) return st;
  for (size_t i = 0; i < cfg->n_claims; i++) {
    const ilab_claim *cl = &cfg->claims[i];
    if (ilab_claim_cell(cl, cfg->n_schemes) != cell || claim_shape(cfg, cl) != k) continue;
    if ((st = claim_judge(cl, s, sc, &r->res[i]))) return st;
    r->judged[i] = 1;
  }
  if (r->open[T_HIST]) hist_rows(&r->t[T_HIST], cfg, cell, k, s, sc);
  if (r->open[T_LNHIST] && (st = lnhist_rows(&r->t[T_LNHIST], cfg, cell, k, s, sc))) return st;
  if (r->rates_rows && s->cfg->rates_b > s->cfg->rates_a) {
    if ((st = ilab_rates_write_row(&r->t[T_RATES], r->w, s, sc, act_of(cfg, cell), scheme_of(cfg, cell)))) return st;
    point_cols(&r->t[T_RATES], cfg, k, 0);
    ilab_table_end_row(&r->t[T_RATES]);
  }
  return ILAB_OK;
}

void ilab_report_stream_theory(ilab_report_stream *r, double abserr, size_t failed)
{
  if (abserr > r->abserr) r->abserr = abserr;
  r->failed += failed;
}

int ilab_report_stream_close(ilab_report_stream *r, const ilab_sweep *spectra, volatile sig_atomic_t *stop,
                             int *failed_claims)
{
  *failed_claims = 0;
  /* summary.tsv: provenance, the notes, the theory's comments, the header, the rows */
  ilab_table *t = &r->t[T_SUMMARY];
  int st = spill_copy(r->notes, t);
  if (!st) {
    ilab_table_comment(t, "precision: %s, loss scale %.17g; h_under, g_under: fraction of H_l, dL/dX_l "
                          "below the format's smallest normal %.17g (zero or subnormal); h_over, g_over: "
                          "+-inf entries summed over trials", ilab_fp_name(r->cfg->precision), r->cfg->loss_scale,
                       ilab_fp_tiny(r->cfg->precision));
    ilab_table_comment(t, "theory: mean-field recursion for these widths, Var(W_l), sigma_b2 and input; "
                          "largest quadrature error estimate %.3g%s", r->abserr,
                       r->failed ? " (some cells could not be predicted: nan)" : "");
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
                         "ln_h_var_var_z dead_theory h_under h_over g_under g_over" POINT_COLS);
    st = spill_copy(r->body, t);
  }
  if (!st && r->open[T_CLAIMS]) claims_rows(r, failed_claims);
  if (!st && r->open[T_SPECTRUM]) {
    if (!spectra) st = ilab_error(ILAB_EINVAL, "report: spectrum.tsv without spectra");
    else st = write_spectrum(spectra, &r->t[T_SPECTRUM]);
  }
  if (!st && r->open[T_VALUES]) {
    if (!spectra) st = ilab_error(ILAB_EINVAL, "report: spectrum_values.tsv without spectra");
    else st = write_spectrum_values(spectra, &r->t[T_VALUES]);
  }
  if (st) {
    ilab_report_stream_abort(r);
    return st;
  }
  ilab_table tabs[T_N];
  size_t n = 0;
  for (int i = 0; i < T_N; i++)
    if (r->open[i]) {
      tabs[n++] = r->t[i];
      r->open[i] = 0;
    }
  st = ilab_table_commit_all(tabs, n, stop);
  ilab_report_stream_abort(r); /* the rest: spills, workspace */
  return st;
}

int ilab_report_write(const char *dir, const ilab_report_runs *runs, const ilab_report_command *cmd,
                      volatile sig_atomic_t *stop, int *failed_claims)
{
  const ilab_config *cfg = runs->cfg;
  const ilab_sweep *any = NULL;
  *failed_claims = 0;
  for (size_t k = 0; k < runs->n && !any; k++) if (runs->run[k]) any = &runs->sw[k];
  if (!any) ILAB_ERROR(ILAB_EINVAL, "no shape of %s was run", cfg->path);
  ilab_report_stream *r;
  int st = ilab_report_stream_open(&r, dir, cfg, cmd, runs->seed, any->rng_type->name, any->spectra != NULL);
  if (st) return st;
  for (size_t k = 0; k < runs->n; k++)
    if (runs->run[k]) ilab_report_stream_theory(r, runs->sw[k].theory_abserr, runs->sw[k].theory_failed);
  for (size_t cell = 0; cell < n_cells(cfg) && !st; cell++)
    for (size_t k = 0; k < runs->n && !st; k++) {
      const ilab_sweep *s = &runs->sw[k];
      if (!runs->run[k] || (s->run_cell && !s->run_cell[cell])) continue;
      st = ilab_report_stream_unit(r, cell, k, s, cell);
    }
  if (st) {
    ilab_report_stream_abort(r);
    return st;
  }
  return ilab_report_stream_close(r, any->spectra ? any : NULL, stop, failed_claims);
}
