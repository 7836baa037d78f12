/* The tables of a run (see report.h): one writer per table, each from the
 * sweep's results and the summary and claims modules. */
#include "report.h"
#include "claims.h"
#include "config.h"
#include "ilab.h"
#include "rates.h"
#include "summary.h"
#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Cell (act * n_schemes + scheme) of shape k, or NULL if it was not run. */
static const ilab_sweep *selected(const ilab_report_runs *r, size_t cell, size_t k)
{
  const ilab_sweep *s = &r->sw[k];
  if (!r->run[k] || (s->run_cell && !s->run_cell[cell])) return NULL;
  return s;
}

/* The last columns of every row: the point's width (0 for a 'widths' list),
 * depth, sigma_b2, input law and batch (POINT_COLS names them); rates.tsv
 * has sigma_b2 among its own columns and leaves it out here. */
#define POINT_COLS " width depth sigma_b2 input batch"
static void point_cols(ilab_table *t, const ilab_report_runs *r, size_t k, int with_sigma_b2)
{
  ilab_point pt;
  ilab_config_point_of(r->cfg, k, &pt);
  ilab_table_int(t, (long long)pt.width);
  ilab_table_int(t, (long long)pt.depth);
  if (with_sigma_b2) ilab_table_num(t, pt.sigma_b2);
  ilab_table_str(t, r->cfg->n_inputs ? r->cfg->input_list[pt.input].spec : r->cfg->input.spec);
  ilab_table_int(t, (long long)pt.batch);
}
static void shape_cols(ilab_table *t, const ilab_report_runs *r, size_t k) { point_cols(t, r, k, 1); }

static size_t n_cells(const ilab_report_runs *r) { return r->cfg->n_acts * r->cfg->n_schemes; }

/* Writes layers.tsv into an open temporary *t, left for the caller to commit
 * or abort; *t is empty on failure. */
static int write_layers(const char *dir, const ilab_report_runs *rs, const prov *p, ilab_table *t)
{
  int st = open_result(t, dir, "layers.tsv", p, "per-layer statistics, one row per (act, scheme, width, depth, trial, layer)");
  if (st) return st;
  ilab_table_header(t, "act scheme trial layer fan_in fan_out w_var h_mean h_var x_mean x_var "
                       "x_sq gx_var gh_var gw_var zero_frac sat_frac nonfinite g_nonfinite lsuv_scale lsuv_iters" POINT_COLS);
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
          const double v[] = {r->h_mean, r->h_var, r->x_mean, r->x_var, r->x_sq, r->gx_var,
                              r->gh_var, r->gw_var, r->zero_frac, r->sat_frac};
          for (size_t q = 0; q < sizeof v / sizeof v[0]; q++) ilab_table_num(t, v[q]);
          ilab_table_int(t, r->nonfinite);
          ilab_table_int(t, r->g_nonfinite);
          ilab_table_num(t, r->lsuv_scale);
          ilab_table_num(t, r->lsuv_iters);
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
static int write_summary(const char *dir, const ilab_report_runs *rs, const prov *p, ilab_table *t)
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
      size_t over, under;
      ilab_point pt;
      ilab_config_point_of(cfg, k, &pt);
      ilab_summary_extremes(cell_stats(s, cell), c->trials, c->depth, &over, &under);
      const char *a = c->act_names[cell / c->n_schemes], *sc = c->schemes[cell % c->n_schemes].spec;
      char shape[256] = "";
      if (rs->n > 1)
        snprintf(shape, sizeof shape, " width %zu depth %zu sigma_b2 %.17g input %s batch %zu", pt.width, pt.depth,
                 pt.sigma_b2, cfg->input_list[pt.input].spec, pt.batch);
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
                       "ln_h_var_var_z dead_theory" POINT_COLS);
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
static size_t claim_shape(const ilab_report_runs *rs, const ilab_claim *cl)
{
  for (size_t k = 0; k < rs->n; k++) {
    ilab_point p;
    ilab_config_point_of(rs->cfg, k, &p);
    if ((!cl->width || cl->width == p.width) && (!cl->depth || cl->depth == p.depth) &&
        (!cl->has_sigma_b2 || cl->sigma_b2 == p.sigma_b2) && (!cl->input || cl->input == p.input + 1) &&
        (!cl->batch || cl->batch == p.batch))
      return k;
  }
  return 0; /* not reached: the claim's parser checked each against the lists */
}

/* Evaluates every claim into claims.tsv (claim, measured min and max, the
 * interval, verdict, and for a claim with a noise model its false-alarm
 * probability, the trials' spread, its sensitivity to Var(W) and the
 * smallest variance error it detects), each against the sweep of the shape
 * it names; counts the failures. */
static int write_claims(const char *dir, const ilab_report_runs *rs, const prov *p, ilab_table *t, int *failed)
{
  const ilab_config *c = rs->cfg;
  const size_t Lmax = c->depth, nthmax = c->n_acts * c->n_schemes * Lmax;
  const double h = 0.01; /* the theory at Var(W) e^-h and e^h gives each claim's sensitivity */
  int st = open_result(t, dir, "claims.tsv", p, "claims of the experiment file, checked against summary.tsv");
  if (st) return st;
  ilab_table_comment(t, "measured_min = measured_max but for 'all' claims, which hold when every layer lies in [lo, hi]");
  ilab_table_comment(t, "'~ CENTER at ALPHA' claims: measured = exp(mean over the T trials of ln EXPR), s = its sd over the trials,");
  ilab_table_comment(t, "[lo, hi] = exp(ln CENTER - sum c_i v_i/2 -+ t(1 - ALPHA/2, T - 1) s/sqrt(T)), ln EXPR = sum c_i ln Q_i, v_i = Var(ln Q_i) over the trials;");
  ilab_table_comment(t, "alpha = the false-alarm probability; sens = d ln EXPR / d ln Var(W) by mean field; detects = the smallest");
  ilab_table_comment(t, "relative error in Var(W) that moves the prediction out of [lo, hi] (inf: the claim cannot see one)");
  ilab_table_header(t, "experiment line claim measured_min measured_max lo hi verdict alpha trial_sd sens detects" POINT_COLS);
  const char *base = strrchr(c->path, '/');
  base = base ? base + 1 : c->path;
  ilab_summary_row *rows = malloc((c->trials + 3) * Lmax * sizeof *rows);
  ilab_theory_layer *th = calloc(2 * nthmax, sizeof *th);
  if (!rows || !th) {
    free(rows);
    free(th);
    ilab_table_abort(t);
    return ilab_error(ILAB_ENOMEM, "out of memory");
  }
  *failed = 0;
  for (size_t i = 0; i < c->n_claims; i++) {
    const ilab_claim *cl = &c->claims[i];
    size_t cell = ilab_claim_cell(cl, c->n_schemes), k = claim_shape(rs, cl);
    const ilab_sweep *s = selected(rs, cell, k);
    int run = s != NULL;
    /* a claim whose cell was not run is skipped; the experiment's largest
     * sizes stand in for its shape's */
    const ilab_config *sc = run ? s->cfg : c;
    const size_t L = sc->depth, T = sc->trials, nth = c->n_acts * c->n_schemes * L;
    ilab_summary_row *pr = rows + T * L; /* the predictions at e^0, e^-h, e^h */
    const ilab_summary_row *const pred[3] = {pr, pr + L, pr + 2 * L};
    ilab_claim_result res;
    if (cl->noise) {
      if (run && ((st = ilab_sweep_theory_scaled(s, exp(-h), th)) ||
                               (st = ilab_sweep_theory_scaled(s, exp(h), th + nth)))) {
        free(rows);
        free(th);
        ilab_table_abort(t);
        return st;
      }
      /* each trial summarized alone */
      for (size_t tr = 0; run && !st && tr < T; tr++) {
        st = ilab_summary_cell(ilab_sweep_at(s, cell, tr, 1), 1, L, &s->theory[cell * L], rows + tr * L);
        if (!st)
          st = ilab_summary_cell_ln(ilab_sweep_at(s, cell, tr, 1), 1, L, &s->finite[cell * L], s->cfg->batch,
                                    rows + tr * L);
      }
      if (run) {
        ilab_claim_pred_rows(&s->theory[cell * L], L, pr);
        ilab_claim_pred_rows(&th[cell * L], L, pr + L);
        ilab_claim_pred_rows(&th[nth + cell * L], L, pr + 2 * L);
        if (!st && s->spectra && s->spectra[cell].rows) st = spectrum_trial_rows(s, cell, h, rows, pr);
      }
      if (!st) ilab_claim_eval_trials(cl, run ? rows : NULL, T, pred, h, L, &res);
    } else {
      if (run) st = cell_rows(s, cell, rows);
      if (run && !st && s->spectra && s->spectra[cell].rows) /* spectrum.tsv's columns, for sq_* claims */
        for (size_t l = 1; l <= L; l++) {
          const ilab_spectrum_job *j = &s->spectra[cell];
          ilab_spectrum_summary m;
          ilab_spectrum_summarize(j, l, &m);
          rows[l - 1].sq_mean = m.sq_mean;
          rows[l - 1].sq_var = m.sq_var;
          rows[l - 1].sq_mean_theory = ilab_spectrum_mean_theory(&j->theory, l);
          rows[l - 1].sq_var_theory = ilab_spectrum_var_theory(&j->theory, l);
        }
      if (!st) ilab_claim_eval(cl, run ? rows : NULL, L, &res);
    }
    if (st) {
      free(rows);
      free(th);
      ilab_table_abort(t);
      return st;
    }
    if (res.verdict == ILAB_CLAIM_SKIPPED) continue; /* not run: nothing to judge */
    *failed += res.verdict == ILAB_CLAIM_FAIL;
    ilab_table_str(t, base);
    ilab_table_int(t, cl->line);
    ilab_table_str(t, cl->text);
    ilab_table_num(t, res.measured_min);
    ilab_table_num(t, res.measured_max);
    ilab_table_num(t, res.lo);
    ilab_table_num(t, res.hi);
    ilab_table_str(t, res.verdict == ILAB_CLAIM_PASS ? "pass" : "FAIL");
    ilab_table_num(t, res.alpha);
    ilab_table_num(t, res.sd);
    ilab_table_num(t, res.sens);
    ilab_table_num(t, res.detects);
    shape_cols(t, rs, k);
    ilab_table_end_row(t);
  }
  free(rows);
  free(th);
  return ILAB_OK;
}

/* Writes spectrum.tsv: per (act, scheme, layer) the summary over trials of
 * the Jacobian's squared singular values beside the theory. */
static int write_spectrum(const char *dir, const ilab_sweep *s, const prov *p, ilab_table *t)
{
  const ilab_config *c = s->cfg;
  int st = open_result(t, dir, "spectrum.tsv", p,
                       "squared singular values of the input-output Jacobian J_l, per layer, over trials");
  if (st) return st;
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

/* Writes spectrum_values.tsv: every singular value at the spectrum_layers. */
static int write_spectrum_values(const char *dir, const ilab_sweep *s, const prov *p, ilab_table *t)
{
  const ilab_config *c = s->cfg;
  int st = open_result(t, dir, "spectrum_values.tsv", p, "every singular value of J_l at the spectrum_layers");
  if (st) return st;
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

/* Writes hist.tsv: one row per bin of each histogram of H_l ("h"), X_l ("x")
 * and dL/dX_l ("gx"), counts summed over trials, with the density
 * count / (all values x bin width) so that curves of different layers and
 * ranges compare, and the counts that fell outside [lo, hi]. */
static int write_hist(const char *dir, const ilab_report_runs *rs, const prov *p, ilab_table *t)
{
  static const char *const qname[3] = {"h", "x", "gx"};
  int st = open_result(t, dir, "hist.tsv", p, "per-layer histograms summed over trials: h = H_l, x = X_l, gx = dL/dX_l");
  if (st) return st;
  ilab_table_comment(t, "bins span mean +- 5 sd of trial 0's values (cut to phi's range); below and above count the rest");
  ilab_table_header(t, "act scheme layer quantity bin lo hi center count density below above" POINT_COLS);
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
static int write_lnhist(const char *dir, const ilab_report_runs *rs, const prov *p, ilab_table *t)
{
  int st = open_result(t, dir, "lnhist.tsv", p, "histograms over trials of ln x_sq at the last layer, one row per (act, scheme, width, depth, bin)");
  if (st) return st;
  ilab_table_comment(t, "density = count / (n x bin width); lognormal_density: N(ln_x_sq_mean_theory, ln_x_sq_var_theory) "
                        "at the bin's center; fit_density: N(mean, var) of the trials' own ln x_sq");
  ilab_table_header(t, "act scheme layer bin lo hi center count n density lognormal_density fit_density "
                       "mean var mean_theory var_theory" POINT_COLS);
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

/* Writes rates.tsv: one row per (act, scheme, point) run, each over its
 * point's layers rates_a..rates_b (rates.h), ending with the point. */
static int write_rates(const char *dir, const ilab_report_runs *rs, const prov *p, ilab_table *t)
{
  int st = open_result(t, dir, "rates.tsv", p, "per-layer rates of each cell, one row per (act, scheme, width, depth, sigma_b2, input, batch)");
  if (st) return st;
  const ilab_sweep *any = NULL;
  for (size_t k = 0; k < rs->n && !any; k++) if (rs->run[k]) any = &rs->sw[k];
  ilab_rates_header(t, any->cfg->rates_a, any->cfg->rates_b, " width depth input batch");
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  if (!w) { ilab_table_abort(t); return ilab_error(ILAB_ENOMEM, "out of memory for the theory"); }
  for (size_t cell = 0; cell < n_cells(rs) && !st; cell++)
    for (size_t k = 0; k < rs->n && !st; k++) {
      const ilab_sweep *s = selected(rs, cell, k);
      /* a point of one layer has no rate */
      if (!s || s->cfg->rates_b <= s->cfg->rates_a) continue;
      if ((st = ilab_rates_put_row(t, w, s, cell))) break;
      point_cols(t, rs, k, 0);
      ilab_table_end_row(t);
    }
  ilab_theory_workspace_free(w);
  if (st) ilab_table_abort(t);
  return st;
}

int ilab_report_write(const char *dir, const ilab_report_runs *runs, const ilab_report_command *cmd,
                      volatile sig_atomic_t *stop, int *failed_claims)
{
  const ilab_config *cfg = runs->cfg;
  const ilab_sweep *any = NULL;
  for (size_t k = 0; k < runs->n && !any; k++) if (runs->run[k]) any = &runs->sw[k];
  if (!any) ILAB_ERROR(ILAB_EINVAL, "no shape of %s was run", cfg->path);
  prov p = {cfg, cmd->argc, cmd->argv, runs->seed, any->rng_type->name};
  ilab_table tabs[7];
  size_t ntab = 0;
  int st;
  memset(tabs, 0, sizeof tabs);
  *failed_claims = 0;
  /* spectra: one shape only (the parser refuses spectrum with width or depth lists) */
  if ((cfg->layers_table && (st = write_layers(dir, runs, &p, &tabs[ntab++]))) ||
      (st = write_summary(dir, runs, &p, &tabs[ntab++])) ||
      (cfg->n_claims && (st = write_claims(dir, runs, &p, &tabs[ntab++], failed_claims))) ||
      (cfg->n_hist && (st = write_hist(dir, runs, &p, &tabs[ntab++]))) ||
      (cfg->ln_hist_bins && (st = write_lnhist(dir, runs, &p, &tabs[ntab++]))) ||
      (any->spectra && (st = write_spectrum(dir, any, &p, &tabs[ntab++]))) ||
      (any->spectra && cfg->n_spec && (st = write_spectrum_values(dir, any, &p, &tabs[ntab++]))) ||
      (st = write_rates(dir, runs, &p, &tabs[ntab++]))) {
    for (size_t i = 0; i < ntab; i++) ilab_table_abort(&tabs[i]);
    return st;
  }
  return ilab_table_commit_all(tabs, ntab, stop);
}
