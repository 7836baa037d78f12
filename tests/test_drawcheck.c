/* Tests of the moment table's checks: each row draws the stream that
 * 'initlab sample' prints (its gsl_stats_mean equals that of draws made here
 * from the stream, exactly), rows of a correct sampler pass at a stated
 * level, a constant row counts the draws that differ, and the result does
 * not depend on the thread count or on the generator being mt19937. */
#include "drawcheck.h"
#include "ilab.h"
#include "stream.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_statistics_double.h>

enum { N = 20000, ROWS = 4 };

static const char *const specs[ROWS] = {"he_normal", "glorot_uniform", "he_normal:dist=truncated_normal",
                                        "constant:value=0.5"};

static void setup(ilab_drawcheck_row *rows)
{
  memset(rows, 0, ROWS * sizeof *rows);
  for (int i = 0; i < ROWS; i++) {
    ilab_scheme_parse(specs[i], &rows[i].s);
    ilab_scheme_resolve(&rows[i].s, 64, 32, &rows[i].d);
  }
}

static void check(const gsl_rng_type *type, int threads)
{
  ilab_drawcheck_row rows[ROWS];
  setup(rows);
  /* Bonferroni over 6 tests a row at a family-wise 1e-3: a correct sampler
   * fails with probability at most 1e-3 (the seed is fixed, so never here) */
  double per_test = 1e-3 / (6.0 * (ROWS - 1));
  int st = ilab_drawcheck_rows(rows, ROWS, N, type, 42, per_test, threads);
  ilab_test_int(st, ILAB_OK, "%s, %d threads: the rows are checked", type->name, threads);
  double *x = malloc(N * sizeof *x);
  for (int i = 0; i < ROWS - 1; i++) {
    ilab_test(rows[i].status == ILAB_OK && rows[i].res.pass, "%s, %s: a correct sampler passes (p_min %g)",
              type->name, specs[i], rows[i].res.p_min);
    gsl_rng *r = ilab_stream_alloc(type, 42, 0, 1, ilab_dist_family(&rows[i].d));
    ilab_dist_sample(r, &rows[i].d, x, N);
    gsl_rng_free(r);
    ilab_test(rows[i].res.gsl_mean == gsl_stats_mean(x, 1, N), "%s, %s: the row drew the stream of (seed, 0, 1, family)",
              type->name, specs[i]);
  }
  ilab_test(rows[ROWS - 1].bad == 0, "a constant draws its value every time");
  free(x);
}

int main(void)
{
  check(gsl_rng_mt19937, 1);
  check(gsl_rng_mt19937, 3);
  check(gsl_rng_taus2, 2);
  return ilab_test_summary();
}
