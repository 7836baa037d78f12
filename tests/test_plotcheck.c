/* Tests of the check figure's commands (plotcheck.c): the histogram is a
 * density over Freedman-Diaconis bins, the laws' curves are their exact
 * densities, and what cannot be drawn is refused. */
#include "dist.h"
#include "ilab.h"
#include "plot.h"
#include "test.h"

#include <string.h>

/* The rows of datablock name in the commands text: x[i], y[i]; their count. */
static size_t block(const char *text, const char *name, double *x, double *y, size_t max)
{
  char head[64];
  snprintf(head, sizeof head, "%s << EOD\n", name);
  const char *p = strstr(text, head);
  if (!p) return 0;
  p += strlen(head);
  size_t n = 0;
  while (strncmp(p, "EOD", 3) && n < max) {
    char *end;
    x[n] = strtod(p, &end);
    y[n] = strtod(end, &end);
    n++;
    p = strchr(end, '\n') + 1;
  }
  return n;
}

static char *commands(const ilab_plot_check_figure *f, int *st)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *gp = open_memstream(&buf, &len);
  *st = ilab_plot_check_write(gp, f);
  fclose(gp);
  return buf;
}

int main(void)
{
  /* 10000 evenly spaced values on [-1, 1): IQR 1, h_FD = 2 / 10000^(1/3),
   * ceil(2 / h_FD) = ceil(21.54) = 22 bins, each holding ~454.5 values */
  enum { N = 10000 };
  static double x[N], bx[300], by[300], cx[1000], cy[1000];
  for (int i = 0; i < N; i++) x[i] = -1 + 2.0 * i / N;
  ilab_dist e, b;
  ilab_dist_normal(&e, 0.5);
  ilab_dist_uniform(&b, 1);
  ilab_plot_check_figure f = {"plots", "out", "t", "s", x, N, &e, "normal:std=0.5", &b, "uniform:limit=1"};
  int st;
  char *t = commands(&f, &st);
  ilab_test(st == ILAB_OK, "commands written");
  size_t k = block(t, "$hist", bx, by, 300);
  ilab_test(k == 22, "Freedman-Diaconis bins: %zu (want 22)", k);
  double mass = 0, h = k > 1 ? bx[1] - bx[0] : 0;
  for (size_t i = 0; i < k; i++) mass += by[i] * h;
  ilab_test_rel(mass, 1, 1e-9, "the histogram is a density: sum density h = 1");
  ilab_test_rel(by[k / 2], 0.5, 0.05, "the density of U(-1, 1) is 1/2 in the middle bin");
  size_t m = block(t, "$expect", cx, cy, 1000);
  ilab_test(m == 801, "the expected law on 801 points (%zu)", m);
  ilab_test(cx[0] <= -2 && cx[m - 1] >= 2, "x range reaches 4 sd of N(0, 0.25): [%g, %g]", cx[0], cx[m - 1]);
  ilab_test_rel(cy[400], 1 / (0.5 * sqrt(2 * 3.14159265358979323846)), 1e-12, "expected curve: the normal pdf at 0");
  m = block(t, "$best", cx, cy, 1000);
  ilab_test(m == 801 && cy[400] == 0.5 && cy[0] == 0, "best curve: the uniform pdf, 0 beyond its support");
  ilab_test(strstr(t, "hasexp = 1\nhasbest = 1\n") != NULL, "both curves announced");
  free(t);

  /* no laws: no curves */
  f.expect = f.best = NULL;
  t = commands(&f, &st);
  ilab_test(st == ILAB_OK && strstr(t, "hasexp = 0\nhasbest = 0\n") && !strstr(t, "$expect <<") && !strstr(t, "$best <<"),
            "no law, no curve");
  free(t);

  /* a point mass (zeros) as a vertical segment at its value */
  ilab_dist z;
  ilab_dist_constant(&z, 0);
  f.best = &z;
  f.best_name = "zeros";
  t = commands(&f, &st);
  m = block(t, "$best", cx, cy, 1000);
  ilab_test(st == ILAB_OK && m == 2 && cx[0] == 0 && cx[1] == 0 && cy[0] == 0 && cy[1] > 0, "a point mass: a segment at 0");
  free(t);

  /* a constant tensor, NaNs left out, nothing finite refused */
  double c[200];
  for (int i = 0; i < 200; i++) c[i] = i % 2 ? NAN : 0.25;
  f.x = c;
  f.n = 200;
  t = commands(&f, &st);
  k = block(t, "$hist", bx, by, 300);
  ilab_test(st == ILAB_OK && k == 1 && fabs(by[0] * (2 * 0.25e-3) - 1) < 1e-9, "a constant tensor: one bar of mass 1");
  free(t);
  for (int i = 0; i < 200; i++) c[i] = NAN;
  t = commands(&f, &st);
  ilab_test(st == ILAB_EINVAL, "no finite value: ILAB_EINVAL");
  free(t);
  return ilab_test_summary();
}
