/* The per-layer summary of a cell over its trials (see summary.h). */
#include "summary.h"
#include "ilab.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>

void ilab_summary_mean_ci(const double *v, size_t n, double *mean, double *lo, double *hi)
{
  assert(n >= 1);
  double s = 0;
  for (size_t i = 0; i < n; i++) s += v[i];
  *mean = s / (double)n;
  if (n < 2 || !isfinite(*mean)) { *lo = *hi = n < 2 ? NAN : *mean; return; }
  double m2 = 0;
  for (size_t i = 0; i < n; i++) m2 += (v[i] - *mean) * (v[i] - *mean);
  /* t_{0.975, n-1}: the two-sided 95% quantile of Student's t */
  double half = gsl_cdf_tdist_Qinv(0.025, (double)(n - 1)) * sqrt(m2 / (double)(n - 1) / (double)n);
  *lo = *mean - half;
  *hi = *mean + half;
}

static double measured(const ilab_layer_stats *r, int q)
{
  switch (q) {
  case ILAB_SUMMARY_H_VAR: return r->h_var;
  case ILAB_SUMMARY_X_SQ: return r->x_sq;
  case ILAB_SUMMARY_GX_VAR: return r->gx_var;
  default: return r->gw_var;
  }
}

int ilab_summary_cell(const ilab_layer_stats *stats, size_t trials, size_t depth,
                      const ilab_theory_layer *theory, ilab_summary_row *rows)
{
  assert(trials >= 1);
  double *v = malloc(trials * sizeof *v);
  if (!v) return ilab_error(ILAB_ENOMEM, "out of memory");
  for (size_t l = 1; l <= depth; l++) {
    ilab_summary_row *row = &rows[l - 1];
    const ilab_theory_layer *th = &theory[l - 1];
    row->trials = trials;
    row->nonfinite = 0;
    for (size_t tr = 0; tr < trials; tr++) row->nonfinite += stats[tr * depth + l - 1].nonfinite;
    row->h_under = row->g_under = 0;
    row->h_over = row->g_over = 0;
    for (size_t tr = 0; tr < trials; tr++) {
      const ilab_layer_stats *t = &stats[tr * depth + l - 1];
      row->h_under += t->h_under / (double)trials;
      row->g_under += t->g_under / (double)trials;
      row->h_over += (double)t->h_over;
      row->g_over += (double)t->g_over;
    }
    for (int q = 0; q < ILAB_SUMMARY_N; q++) {
      for (size_t tr = 0; tr < trials; tr++) v[tr] = measured(&stats[tr * depth + l - 1], q);
      ilab_summary_mean_ci(v, trials, &row->mean[q], &row->lo[q], &row->hi[q]);
    }
    row->theory[ILAB_SUMMARY_H_VAR] = th->h_var;
    row->theory[ILAB_SUMMARY_X_SQ] = th->x_sq;
    row->theory[ILAB_SUMMARY_GX_VAR] = th->gx_var;
    row->theory[ILAB_SUMMARY_GW_VAR] = th->gw_var;
    row->x_mean = 0;
    for (size_t tr = 0; tr < trials; tr++) row->x_mean += stats[tr * depth + l - 1].x_mean;
    row->x_mean /= (double)trials;
    row->lsuv_scale = row->lsuv_iters = 0;
    for (size_t tr = 0; tr < trials; tr++) {
      row->lsuv_scale += stats[tr * depth + l - 1].lsuv_scale;
      row->lsuv_iters += stats[tr * depth + l - 1].lsuv_iters;
    }
    row->lsuv_scale /= (double)trials;
    row->lsuv_iters /= (double)trials;
    row->sq_mean = row->sq_var = row->sq_mean_theory = row->sq_var_theory = NAN;
  }
  free(v);
  return ILAB_OK;
}

int ilab_summary_cell_ln(const ilab_layer_stats *stats, size_t trials, size_t depth,
                         const ilab_finite_layer *finite, size_t batch, ilab_summary_row *rows)
{
  double *v = malloc(trials * sizeof *v);
  if (!v) return ilab_error(ILAB_ENOMEM, "out of memory");
  for (size_t l = 1; l <= depth; l++)
    for (int q = 0; q < ILAB_SUMMARY_LN_N; q++) {
      ilab_summary_ln *o = &rows[l - 1].ln[q];
      size_t n = 0;
      for (size_t tr = 0; tr < trials; tr++) {
        const ilab_layer_stats *r = &stats[tr * depth + l - 1];
        double x = q == ILAB_SUMMARY_LN_X_SQ ? r->x_sq : r->h_var;
        if (x > 0 && isfinite(x)) v[n++] = log(x);
      }
      double m = 0, m2 = 0;
      for (size_t i = 0; i < n; i++) m += v[i];
      m = n ? m / (double)n : NAN;
      for (size_t i = 0; i < n; i++) m2 += (v[i] - m) * (v[i] - m);
      o->n = n;
      o->mean = m;
      o->var = n > 1 ? m2 / (double)(n - 1) : NAN;
      o->mean_theory = o->var_theory = NAN;
      double k4 = NAN;
      if (finite) {
        const ilab_finite_layer *f = &finite[l - 1];
        o->var_theory = q == ILAB_SUMMARY_LN_X_SQ ? f->ln_var : f->lnh_var;
        k4 = q == ILAB_SUMMARY_LN_X_SQ ? f->ln_k4 : f->lnh_k4;
        if (batch == 1) o->mean_theory = q == ILAB_SUMMARY_LN_X_SQ ? f->ln_mean : f->lnh_mean;
      }
      /* the sampling noise of a mean and of a variance over n trials, from
       * the theory's variance and fourth cumulant k4 (mu4 = k4 + 3 var^2):
       * Var(s^2) = mu4/n - var^2 (n - 3)/(n (n - 1)) */
      double nd = (double)n, vt = o->var_theory, mu4 = k4 + 3 * vt * vt;
      o->var_se = sqrt(mu4 / nd - vt * vt * (nd - 3) / (nd * (nd - 1)));
      o->mean_z = (o->mean - o->mean_theory) / sqrt(vt / nd);
      o->var_z = batch == 1 ? (o->var - vt) / o->var_se : NAN;
    }
  free(v);
  return ILAB_OK;
}

void ilab_summary_extremes(const ilab_layer_stats *stats, size_t trials, size_t depth,
                           size_t *over, size_t *under)
{
  *over = *under = 0;
  for (size_t l = 1; l <= depth; l++)
    for (size_t tr = 0; tr < trials; tr++) {
      const ilab_layer_stats *r = &stats[tr * depth + l - 1];
      if (!*over && (r->nonfinite || isinf(r->h_var))) *over = l;
      if (!*under && r->h_var == 0 && r->h_mean == 0) *under = l;
    }
}
