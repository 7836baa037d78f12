/* Tests of the moment table's checks: each row draws its own stream, keyed by
 * its spec (its gsl_stats_mean equals that of draws made here from the
 * stream, exactly, and two rows of one family draw different numbers), rows of a correct sampler pass at a stated
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
    gsl_rng *r = ilab_stream_alloc(type, 42, 0, 0, ilab_drawcheck_key(&rows[i].s));
    ilab_dist_sample(r, &rows[i].d, x, N);
    gsl_rng_free(r);
    ilab_test(rows[i].res.gsl_mean == gsl_stats_mean(x, 1, N), "%s, %s: the row drew the stream of (seed, 0, 0, its key)",
              type->name, specs[i]);
  }
  /* he_normal and its truncated form share no draws; neither do two specs of
   * one family (lecun_normal, he_normal: the z-scores would be equal if they did) */
  ilab_test(rows[0].res.z[1] != rows[2].res.z[1], "rows draw independent numbers");
  ilab_scheme a, b;
  ilab_scheme_parse("lecun_normal", &a);
  ilab_scheme_parse("he_normal", &b);
  ilab_test(ilab_drawcheck_key(&a) != ilab_drawcheck_key(&b), "lecun_normal and he_normal have streams of their own");
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
