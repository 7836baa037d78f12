/* Per-layer rates of variances over a range of layers, measured and
 * predicted, for rates.tsv. */
#include "rates.h"
#include "ilab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

double ilab_rates_rate(double va, double vb, size_t a, size_t b)
{
  if (b <= a) return NAN;
  return pow(vb / va, 1.0 / (double)(b - a));
}

void ilab_rates_of_trials(const double *va, const double *vb, size_t trials, size_t a,
                          size_t b, ilab_rate *r)
{
  double sa = 0, sb = 0;
  r->min = INFINITY;
  r->max = -INFINITY;
  for (size_t t = 0; t < trials; t++) {
    double x = ilab_rates_rate(va[t], vb[t], a, b);
    sa += va[t];
    sb += vb[t];
    if (isnan(x) || isnan(r->min)) { r->min = r->max = NAN; continue; }
    if (x < r->min) r->min = x;
    if (x > r->max) r->max = x;
  }
  /* the means, as summary.tsv and the claims have them */
  r->rate = ilab_rates_rate(sa / (double)trials, sb / (double)trials, a, b);
}

int ilab_rates_cell(ilab_theory_workspace *w, const ilab_sweep *s, size_t cell, size_t a,
                    size_t b, ilab_rates_row *row)
{
  const ilab_config *c = s->cfg;
  if (!(a >= 1 && a < b && b <= c->depth))
    ILAB_ERROR(ILAB_EINVAL, "rates: the layer range %zu..%zu is not within 1..%zu with A < B", a, b, c->depth);
  if (cell >= s->n_cells) ILAB_ERROR(ILAB_EINVAL, "rates: no cell %zu", cell);
  double *v = malloc(4 * c->trials * sizeof *v);
  if (!v) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  double *ha = v, *hb = v + c->trials, *ga = v + 2 * c->trials, *gb = v + 3 * c->trials;
  for (size_t t = 0; t < c->trials; t++) {
    ha[t] = ilab_sweep_at(s, cell, t, a)->h_var;
    hb[t] = ilab_sweep_at(s, cell, t, b)->h_var;
    ga[t] = ilab_sweep_at(s, cell, t, a)->gx_var;
    gb[t] = ilab_sweep_at(s, cell, t, b)->gx_var;
  }
  ilab_rates_of_trials(ha, hb, c->trials, a, b, &row->h);
  ilab_rates_of_trials(ga, gb, c->trials, a, b, &row->gx);
  free(v);
  row->chi1_measured = 1 / row->gx.rate;
  row->chi1_min = 1 / row->gx.max;
  row->chi1_max = 1 / row->gx.min;

  size_t si = cell % c->n_schemes, ai = cell / c->n_schemes;
  const double *wv = s->w_var + si * c->depth;
  row->fan_in = c->widths[b - 1];
  row->w_var = wv[b - 1];
  row->sigma_w2 = (double)row->fan_in * row->w_var;
  row->chi1_theory = NAN;
  /* Mean field's fixed point needs one sigma_w2 for every layer the rate
   * spans (layers a+1..b carry the gradient from b down to a). */
  for (size_t l = a + 1; l <= b; l++)
    if ((double)c->widths[l - 1] * wv[l - 1] != row->sigma_w2) return ILAB_OK;
  ilab_dist in;
  if (ilab_scheme_resolve(&c->input, c->widths[0], c->widths[1], &in)) return ILAB_OK;
  ilab_theory_fixed fp;
  if (ilab_theory_fixed_point(w, &c->acts[ai], row->sigma_w2, c->sigma_b2,
                              ilab_dist_raw_moment(&in, 2), &fp) == ILAB_OK)
    row->chi1_theory = fp.chi1;
  ilab_error_clear();
  return ILAB_OK;
}

int ilab_rates_write_head(ilab_table *t, const ilab_config *c, const char *extra)
{
  char header[1024];
  snprintf(header, sizeof header, "%s%s",
           "act scheme fan_in w_var sigma_w2 sigma_b2 layer_a layer_b trials "
           "h_var_rate h_var_rate_min h_var_rate_max gx_var_rate gx_var_rate_min gx_var_rate_max "
           "chi1_measured chi1_trial_min chi1_trial_max chi1_theory", extra ? extra : "");
  size_t a = c->rates_a, b = c->rates_b;
  if (b <= a) {
    ilab_table_comment(t, "a network of one layer has no rate to measure");
    ilab_table_header(t, header);
    return 0;
  }
  ilab_table_comment(t, "rates over layers %zu..%zu (layer_a..layer_b of each row): X_rate = (X[%zu] / X[%zu])^(1/%zu) "
                        "from the means over trials; _min, _max over the trials", a, b, b, a, b - a);
  ilab_table_comment(t, "chi1_measured = 1/gx_var_rate (the per-layer factor on Var(dL/dX_l) going down); "
                        "chi1_theory = sigma_w2 E[phi'(sqrt(q*) z)^2] at the fixed point, sigma_w2 = fan_in w_var "
                        "of layer %zu (nan where layers %zu..%zu differ in it)", b, a + 1, b);
  ilab_table_header(t, header);
  return 1;
}

int ilab_rates_write_row(ilab_table *t, ilab_theory_workspace *w, const ilab_sweep *s, size_t cell,
                         const char *act, const char *scheme)
{
  const ilab_config *c = s->cfg;
  size_t a = c->rates_a, b = c->rates_b;
  ilab_rates_row r;
  int st = ilab_rates_cell(w, s, cell, a, b, &r);
  if (st) return st;
  ilab_table_str(t, act);
  ilab_table_str(t, scheme);
  ilab_table_int(t, (long long)r.fan_in);
  ilab_table_num(t, r.w_var);
  ilab_table_num(t, r.sigma_w2);
  ilab_table_num(t, c->sigma_b2);
  ilab_table_int(t, (long long)a);
  ilab_table_int(t, (long long)b);
  ilab_table_int(t, (long long)c->trials);
  double x[] = {r.h.rate, r.h.min, r.h.max, r.gx.rate, r.gx.min, r.gx.max,
                r.chi1_measured, r.chi1_min, r.chi1_max, r.chi1_theory};
  for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) ilab_table_num(t, x[i]);
  return ILAB_OK;
}

int ilab_rates_write(ilab_table *t, const ilab_sweep *s)
{
  const ilab_config *c = s->cfg;
  if (!ilab_rates_write_head(t, c, NULL)) return ILAB_OK;
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  if (!w) return ILAB_ENOMEM;
  int st = ILAB_OK;
  for (size_t cell = 0; cell < s->n_cells && !st; cell++) {
    if (s->run_cell && !s->run_cell[cell]) continue;
    st = ilab_rates_write_row(t, w, s, cell, c->act_names[cell / c->n_schemes], c->schemes[cell % c->n_schemes].spec);
    if (!st) ilab_table_end_row(t);
  }
  ilab_theory_workspace_free(w);
  return st;
}
