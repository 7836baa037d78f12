/* The figure of 'initlab check --plot': a weight tensor's histogram against
 * the exact densities of the expected and the best-fitting law. */
#include "dist.h"
#include "ilab.h"
#include "plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The quantile of sorted y[0..n-1] at p, linear between order statistics. */
static double quantile(const double *y, size_t n, double p)
{
  double h = p * (double)(n - 1);
  size_t i = (size_t)floor(h);
  if (i + 1 >= n) return y[n - 1];
  return y[i] + (h - (double)i) * (y[i + 1] - y[i]);
}

/* The standard deviation of a law, or NaN. */
static double law_sd(const ilab_dist *d)
{
  double v = ilab_dist_central_moment(d, 2);
  return isfinite(v) && v > 0 ? sqrt(v) : NAN;
}

/* Datablock name: the law's density on the grid, or its point mass as a
 * vertical segment from 0 to top at its value. */
static void put_law(FILE *gp, const char *block, const ilab_dist *d, double lo, double hi, double top)
{
  fprintf(gp, "%s << EOD\n", block);
  int point = d->kind == ILAB_DIST_CONSTANT || !(law_sd(d) > 0);
  if (point) {
    double v = d->kind == ILAB_DIST_CONSTANT ? d->value : 0;
    ilab_plot_put_num(gp, v, '\t'); ilab_plot_put_num(gp, 0, '\n');
    ilab_plot_put_num(gp, v, '\t'); ilab_plot_put_num(gp, top, '\n');
  } else {
    const int m = 800;
    for (int i = 0; i <= m; i++) {
      double x = lo + (hi - lo) * i / m;
      ilab_plot_put_num(gp, x, '\t');
      ilab_plot_put_num(gp, ilab_dist_pdf(d, x), '\n');
    }
  }
  fputs("EOD\n", gp);
}

int ilab_plot_check_write(FILE *gp, const ilab_plot_check_figure *f)
{
  size_t n = 0;
  double *y = malloc((f->n ? f->n : 1) * sizeof *y);
  if (!y) return ilab_error(ILAB_ENOMEM, "out of memory for the histogram of %zu values", f->n);
  for (size_t i = 0; i < f->n; i++)
    if (isfinite(f->x[i])) y[n++] = f->x[i];
  if (!n) {
    free(y);
    return ilab_error(ILAB_EINVAL, "no finite value to draw");
  }
  qsort(y, n, sizeof *y, cmp_double);
  double mn = y[0], mx = y[n - 1];
  double iqr = quantile(y, n, 0.75) - quantile(y, n, 0.25);
  size_t k;
  if (mx > mn && iqr > 0) {
    double h = 2 * iqr / cbrt((double)n);
    double kk = ceil((mx - mn) / h);
    k = kk < 10 ? 10 : kk > 200 ? 200 : (size_t)kk;
  } else {
    double kk = ceil(sqrt((double)n));
    k = kk < 10 ? 10 : kk > 200 ? 200 : (size_t)kk;
  }
  if (!(mx > mn)) { /* a constant tensor: one bin around its value */
    double w = mn != 0 ? fabs(mn) * 1e-3 : 1e-3;
    mn -= w;
    mx += w;
    k = 1;
  }
  double h = (mx - mn) / (double)k;
  size_t *count = calloc(k, sizeof *count);
  if (!count) {
    free(y);
    return ilab_error(ILAB_ENOMEM, "out of memory for %zu bins", k);
  }
  for (size_t i = 0; i < n; i++) {
    size_t b = (size_t)((y[i] - mn) / h);
    count[b >= k ? k - 1 : b]++;
  }
  free(y);
  double top = 0;
  for (size_t b = 0; b < k; b++) {
    double dens = (double)count[b] / ((double)n * h);
    if (dens > top) top = dens;
  }
  /* the x range: the data's, widened to +-4 sd of each law */
  double lo = mn, hi = mx;
  const ilab_dist *laws[2] = {f->expect, f->best};
  for (int j = 0; j < 2; j++) {
    if (!laws[j]) continue;
    double sd = law_sd(laws[j]);
    if (isfinite(sd) && sd > 0) {
      if (-4 * sd < lo) lo = -4 * sd;
      if (4 * sd > hi) hi = 4 * sd;
    }
  }
  /* the y range: the tallest bar or finite density, with room for the key */
  double ymax = top;
  for (int j = 0; j < 2; j++)
    if (laws[j] && law_sd(laws[j]) > 0 && laws[j]->kind != ILAB_DIST_CONSTANT)
      for (int i = 0; i <= 800; i++) {
        double v = ilab_dist_pdf(laws[j], lo + (hi - lo) * i / 800);
        if (isfinite(v) && v > ymax) ymax = v;
      }
  ilab_plot_put_var_str(gp, "plotdir", f->plotdir);
  ilab_plot_put_var_str(gp, "formats", "png");
  ilab_plot_put_var_str(gp, "outfile", f->outbase);
  ilab_plot_put_var_str(gp, "title", f->title);
  ilab_plot_put_var_str(gp, "subtitle", f->subtitle);
  char lab[512];
  snprintf(lab, sizeof lab, "tensor, %zu values in %zu bin%s", n, k, k == 1 ? "" : "s");
  ilab_plot_put_var_str(gp, "histname", lab);
  snprintf(lab, sizeof lab, "expected: %s", f->expect_name ? f->expect_name : "");
  ilab_plot_put_var_str(gp, "expname", lab);
  snprintf(lab, sizeof lab, "best fit: %s", f->best_name ? f->best_name : "");
  ilab_plot_put_var_str(gp, "bestname", lab);
  fprintf(gp, "hasexp = %d\nhasbest = %d\nbinw = ", f->expect != NULL, f->best != NULL);
  ilab_plot_put_num(gp, h, '\n');
  fputs("ytop = ", gp);
  ilab_plot_put_num(gp, 1.35 * ymax, '\n');
  fputs("xlo = ", gp);
  ilab_plot_put_num(gp, lo, '\n');
  fputs("xhi = ", gp);
  ilab_plot_put_num(gp, hi, '\n');
  fputs("$hist << EOD\n", gp);
  for (size_t b = 0; b < k; b++) {
    ilab_plot_put_num(gp, mn + ((double)b + 0.5) * h, '\t');
    ilab_plot_put_num(gp, (double)count[b] / ((double)n * h), '\n');
  }
  fputs("EOD\n", gp);
  free(count);
  if (f->expect) put_law(gp, "$expect", f->expect, lo, hi, top);
  if (f->best) put_law(gp, "$best", f->best, lo, hi, top);
  fputs("load plotdir.\"/fig_check.gp\"\n", gp);
  return ferror(gp) ? ilab_error(ILAB_EIO, "writing the figure's commands failed") : ILAB_OK;
}
