/* Tests of the per-cell summary: the mean and its 95% Student-t interval
 * against values worked by hand, the rows of a cell read from the sweep's
 * [trial][layer] layout, and the first overflowed and underflowed layers. */
#include "ilab.h"
#include "summary.h"
#include "test.h"

#include <math.h>
#include <gsl/gsl_math.h>
#include <string.h>

/* t_{0.975, 2} in closed form. */
static double t2(void) { return (2 * 0.975 - 1) / sqrt(2 * 0.975 * 0.025); }

static void test_mean_ci(void)
{
  double m, lo, hi;
  /* 1, 2, 3: mean 2, s = 1, half-width t s / sqrt(3) with t = t_{0.975, 2},
   * which has the closed form (2p - 1) / sqrt(2 p (1 - p)) at 2 degrees of
   * freedom (p = 0.975: 4.3026527297...) */
  const double v[3] = {1, 2, 3};
  ilab_summary_mean_ci(v, 3, &m, &lo, &hi);
  double half = t2() / sqrt(3.0);
  ilab_test_rel(m, 2, 0, "mean of 1, 2, 3");
  ilab_test_rel(lo, 2 - half, 1e-12, "t interval, low end, 2 degrees of freedom");
  ilab_test_rel(hi, 2 + half, 1e-12, "t interval, high end, 2 degrees of freedom");
  /* two values 0 and 2: s = sqrt(2), and at 1 degree of freedom (Cauchy)
   * t_{0.975, 1} = tan(pi (p - 1/2)) = 12.7062047361... */
  const double w[2] = {0, 2};
  ilab_summary_mean_ci(w, 2, &m, &lo, &hi);
  ilab_test_rel(hi - m, tan(M_PI * 0.475) * sqrt(2.0) / sqrt(2.0), 1e-12, "t interval, 1 degree of freedom");
  ilab_test_rel(m - lo, hi - m, 1e-15, "the interval is symmetric");
  /* one trial: no interval */
  ilab_summary_mean_ci(v + 1, 1, &m, &lo, &hi);
  ilab_test(m == 2 && isnan(lo) && isnan(hi), "one trial: the mean and NaN bounds (%g, %g, %g)", m, lo, hi);
  /* a non-finite mean: the bounds equal it */
  const double x[3] = {1, INFINITY, 3};
  ilab_summary_mean_ci(x, 3, &m, &lo, &hi);
  ilab_test(isinf(m) && lo == m && hi == m, "an infinite mean is its own interval");
  const double y[2] = {1, NAN};
  ilab_summary_mean_ci(y, 2, &m, &lo, &hi);
  ilab_test(isnan(m) && isnan(lo) && isnan(hi), "a NaN mean gives NaN bounds");
  /* identical values: a zero-width interval */
  const double z[4] = {5, 5, 5, 5};
  ilab_summary_mean_ci(z, 4, &m, &lo, &hi);
  ilab_test(m == 5 && lo == 5 && hi == 5, "identical trials: zero width");
}

#define TRIALS 3
#define DEPTH 4

static void test_cell(void)
{
  ilab_layer_stats st[TRIALS * DEPTH];
  ilab_theory_layer th[DEPTH];
  ilab_summary_row rows[DEPTH];
  memset(st, 0, sizeof st);
  memset(th, 0, sizeof th);
  /* trial t, layer l: h_var = l + t, x_sq = 10 l, gx_var = 100 l + t, gw_var = l t, nonfinite = t */
  for (int t = 0; t < TRIALS; t++)
    for (int l = 1; l <= DEPTH; l++) {
      ilab_layer_stats *r = &st[t * DEPTH + l - 1];
      r->h_var = l + t;
      r->x_sq = 10.0 * l;
      r->gx_var = 100.0 * l + t;
      r->gw_var = (double)(l * t);
      r->nonfinite = t;
    }
  for (int l = 1; l <= DEPTH; l++) {
    th[l - 1].h_var = 0.5 * l;
    th[l - 1].x_sq = 2;
    th[l - 1].gx_var = 3;
    th[l - 1].gw_var = 4;
  }
  ilab_test_int(ilab_summary_cell(st, TRIALS, DEPTH, th, rows), ILAB_OK, "a cell summarizes");
  double half = t2() / sqrt(3.0); /* s = 1 for {a, a+1, a+2} */
  for (int l = 1; l <= DEPTH; l++) {
    const ilab_summary_row *r = &rows[l - 1];
    ilab_test_int((long)r->trials, TRIALS, "layer %d: trials", l);
    ilab_test_rel(r->mean[ILAB_SUMMARY_H_VAR], l + 1, 1e-15, "layer %d: h_var is the mean over trials", l);
    ilab_test_rel(r->hi[ILAB_SUMMARY_H_VAR] - r->mean[ILAB_SUMMARY_H_VAR], half, 1e-12, "layer %d: h_var interval", l);
    ilab_test(r->mean[ILAB_SUMMARY_X_SQ] == 10.0 * l && r->lo[ILAB_SUMMARY_X_SQ] == 10.0 * l,
              "layer %d: x_sq, equal over trials, has a zero-width interval", l);
    ilab_test_rel(r->mean[ILAB_SUMMARY_GX_VAR], 100.0 * l + 1, 1e-15, "layer %d: gx_var", l);
    ilab_test_rel(r->mean[ILAB_SUMMARY_GW_VAR], (double)l, 1e-15, "layer %d: gw_var (0 + l + 2l) / 3", l);
    ilab_test_int((long)r->nonfinite, 0 + 1 + 2, "layer %d: nonfinite summed over trials", l);
    ilab_test(r->theory[ILAB_SUMMARY_H_VAR] == 0.5 * l && r->theory[ILAB_SUMMARY_X_SQ] == 2 &&
              r->theory[ILAB_SUMMARY_GX_VAR] == 3 && r->theory[ILAB_SUMMARY_GW_VAR] == 4,
              "layer %d: the predictions are carried", l);
  }
}

static void test_extremes(void)
{
  ilab_layer_stats st[TRIALS * DEPTH];
  size_t over, under;
  memset(st, 0, sizeof st);
  for (int i = 0; i < TRIALS * DEPTH; i++) st[i].h_var = st[i].h_mean = 1;
  ilab_summary_extremes(st, TRIALS, DEPTH, &over, &under);
  ilab_test(over == 0 && under == 0, "a healthy cell neither overflows nor underflows");
  st[2 * DEPTH + 3 - 1].nonfinite = 5;         /* trial 2, layer 3: inf or NaN entries */
  st[1 * DEPTH + 4 - 1].h_var = INFINITY;      /* trial 1, layer 4: a variance beyond the largest double */
  ilab_summary_extremes(st, TRIALS, DEPTH, &over, &under);
  ilab_test_int((long)over, 3, "overflow: the first layer of any trial with a non-finite entry");
  st[0 * DEPTH + 2 - 1].h_var = INFINITY;      /* trial 0, layer 2 */
  ilab_summary_extremes(st, TRIALS, DEPTH, &over, &under);
  ilab_test_int((long)over, 2, "overflow: an infinite variance counts too");
  st[1 * DEPTH + 2 - 1].h_var = 0;             /* variance 0 but mean 1: not all zeros */
  ilab_summary_extremes(st, TRIALS, DEPTH, &over, &under);
  ilab_test_int((long)under, 0, "underflow needs mean and variance 0");
  st[1 * DEPTH + 4 - 1].h_var = 0;
  st[1 * DEPTH + 4 - 1].h_mean = 0;            /* trial 1, layer 4: all exact zeros */
  st[2 * DEPTH + 4 - 1].h_var = 0;
  st[2 * DEPTH + 4 - 1].h_mean = 0;
  ilab_summary_extremes(st, TRIALS, DEPTH, &over, &under);
  ilab_test_int((long)under, 4, "underflow: the first layer of any trial whose H is all zeros");
}

/* The logs over trials: x_sq = e^1, e^2, e^3, 0 (a dead network, left out)
 * and h_var = e^0 in every trial, against a theory with mean 2, variance 2
 * and fourth cumulant 6 at batch 1; at batch 4 the mean's theory and the
 * variance's z are NaN. */
static void test_cell_ln(void)
{
  enum { T = 4, L = 1 };
  ilab_layer_stats st[T];
  memset(st, 0, sizeof st);
  for (int t = 0; t < T; t++) {
    st[t].x_sq = t < 3 ? exp(t + 1.0) : 0;
    st[t].h_var = 1;
  }
  ilab_finite_layer f = {.c = 5, .ratio = 1.5, .ln_mean = 2, .ln_var = 2, .ln_k4 = 6,
                         .lnh_mean = 0.5, .lnh_var = 0.25, .lnh_k4 = 0, .dead = 1e-3, .exact = 1};
  ilab_summary_row row;
  ilab_test_int(ilab_summary_cell_ln(st, T, L, &f, 1, &row), ILAB_OK, "ln summary at batch 1");
  const ilab_summary_ln *x = &row.ln[ILAB_SUMMARY_LN_X_SQ], *h = &row.ln[ILAB_SUMMARY_LN_H_VAR];
  ilab_test(x->n == 3 && h->n == 4, "the dead trial is left out of ln x_sq only");
  ilab_test_rel(x->mean, 2, 1e-15, "mean of ln x_sq = (1 + 2 + 3)/3");
  ilab_test_rel(x->var, 1, 1e-15, "variance of ln x_sq = ((-1)^2 + 0 + 1^2)/2");
  ilab_test_rel(x->mean_theory, 2, 0, "E ln M from the theory");
  ilab_test_rel(x->var_theory, 2, 0, "Var ln M from the theory");
  /* mu4 = 6 + 3 * 4 = 18; Var(s^2) = 18/3 - 4 * 0 / (3 * 2) = 6 */
  ilab_test_rel(x->var_se, sqrt(6.0), 1e-15, "the variance's standard error from k4");
  ilab_test_rel(x->mean_z, 0, 0, "mean z = 0");
  ilab_test_rel(x->var_z, (1 - 2) / sqrt(6.0), 1e-15, "variance z = (1 - 2)/sqrt(6)");
  ilab_test_rel(h->mean, 0, 0, "ln h_var = 0");
  ilab_test_rel(h->mean_z, (0 - 0.5) / sqrt(0.25 / 4), 1e-15, "mean z of ln h_var = -0.5/0.25");
  ilab_test_int(ilab_summary_cell_ln(st, T, L, &f, 4, &row), ILAB_OK, "ln summary at batch 4");
  ilab_test(isnan(x->mean_theory) && isnan(x->mean_z) && isnan(x->var_z) && x->var_theory == 2,
            "batch 4: no mean theory and no z; the variance's bound stays");
  ilab_test_int(ilab_summary_cell_ln(st, T, L, NULL, 1, &row), ILAB_OK, "ln summary without theory");
  ilab_test(isnan(x->var_theory) && x->var == 1, "no theory: NaN beside the measured spread");
}

int main(void)
{
  test_mean_ci();
  test_cell();
  test_extremes();
  test_cell_ln();
  return ilab_test_summary();
}
