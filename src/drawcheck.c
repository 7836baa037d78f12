/* The moment table's checks, rows in parallel (see drawcheck.h). */
#include "drawcheck.h"
#include "ilab.h"
#include "linalg.h"
#include "platform.h"
#include "stream.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Rows are taken one at a time by each thread, with its own buffer and
 * generator; the caller prints them in order afterwards. */
typedef struct {
  ilab_drawcheck_row *rows;
  size_t *order;        /* rows by decreasing cost, so the last to finish is short */
  size_t nrows, next, count;
  const gsl_rng_type *type;
  unsigned long seed;
  double per_test;
  pthread_mutex_t lock;
  int oom;
} pool;

/* The key of a row's stream: FNV-1a over its canonical spec, so that every
 * row draws its own numbers (lecun_normal and he_normal are not the same
 * draws rescaled) and a row draws the same numbers wherever it stands. */
unsigned long ilab_drawcheck_key(const ilab_scheme *s)
{
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV offset basis */
  for (const unsigned char *c = (const unsigned char *)s->spec; *c; c++) h = (h ^ *c) * 0x100000001b3ULL;
  return (unsigned long)(h & 0xffffffffUL);
}

/* Fills x[0..n-1] with the row's draws: iid, or for a matrix ensemble whole
 * fan_in x fan_out matrices one after another (the last one cut short), as
 * the sweep draws its unit matrices.  Non-zero when out of memory. */
static int draw_row(const gsl_rng *r, const ilab_drawcheck_row *row, double *x, size_t n)
{
  if (row->d.kind != ILAB_DIST_HAAR && row->d.kind != ILAB_DIST_IDENTITY) {
    ilab_dist_sample(r, &row->d, x, n);
    return 0;
  }
  size_t size = row->fan_in * row->fan_out;
  double *u = size ? malloc(size * sizeof *u) : NULL;
  if (!u) return 1;
  for (size_t done = 0; done < n; done += size) {
    if (ilab_linalg_unit_matrix(r, &row->d, row->fan_in, row->fan_out, u)) { free(u); return 1; }
    size_t k = n - done < size ? n - done : size;
    for (size_t i = 0; i < k; i++) x[done + i] = row->d.scale * u[i];
  }
  free(u);
  return 0;
}

static void *check_rows(void *arg)
{
  pool *p = arg;
  double *x = malloc(p->count * sizeof *x);
  uint32_t *w = malloc(2 * p->count * sizeof *w);
  gsl_rng *r = gsl_rng_alloc(p->type);
  for (;;) {
    pthread_mutex_lock(&p->lock);
    size_t i = p->next++;
    if (!x || !w || !r) p->oom = 1;
    pthread_mutex_unlock(&p->lock);
    if (i >= p->nrows || !x || !w || !r) break;
    ilab_drawcheck_row *row = &p->rows[p->order[i]];
    gsl_rng_set(r, ilab_stream_seed(p->seed, 0, 0, ilab_drawcheck_key(&row->s)));
    if (draw_row(r, row, x, p->count)) {
      pthread_mutex_lock(&p->lock);
      p->oom = 1;
      pthread_mutex_unlock(&p->lock);
      break;
    }
    ilab_scheme_law(&row->d, &row->law);
    if (row->d.kind == ILAB_DIST_IDENTITY) { /* every draw must be its entry of gain I */
      for (size_t k = 0, size = row->fan_in * row->fan_out; k < p->count; k++) {
        size_t ri = k % size / row->fan_out, cj = k % size % row->fan_out;
        row->bad += x[k] != (ri == cj ? row->d.scale : 0.0);
      }
      continue;
    }
    if (!(row->law.mu[2] > 0)) { /* a constant: every draw must equal it */
      for (size_t k = 0; k < p->count; k++) row->bad += x[k] != row->law.mean;
      continue;
    }
    row->status = ilab_moments_check_w(&row->law, x, p->count, p->per_test, w, &row->res);
    if (row->status) snprintf(row->reason, sizeof row->reason, "%s", ilab_error_reason());
  }
  free(x);
  free(w);
  gsl_rng_free(r);
  return NULL;
}

int ilab_drawcheck_rows(ilab_drawcheck_row *rows, size_t nrows, size_t count,
                        const gsl_rng_type *type, unsigned long seed, double per_test, int threads)
{
  /* truncated normals cost most (their draws and cdf), uniforms least */
  size_t *order = malloc((nrows ? nrows : 1) * sizeof *order), o = 0;
  if (!order) return ilab_error(ILAB_ENOMEM, "out of memory");
  for (int kind = ILAB_DIST_IDENTITY; kind >= ILAB_DIST_CONSTANT; kind--)
    for (size_t i = 0; i < nrows; i++)
      if ((int)rows[i].d.kind == kind) order[o++] = i;
  pool pl = {rows, order, nrows, 0, count, type, seed, per_test, PTHREAD_MUTEX_INITIALIZER, 0};
  size_t nth = threads > 1 ? (size_t)threads : 1;
  if (nth > nrows) nth = nrows;
  if (nth > ILAB_MAX_THREADS) nth = ILAB_MAX_THREADS;
  pthread_t th[ILAB_MAX_THREADS];
  size_t started = 0;
  for (size_t i = 1; i < nth; i++, started++)
    if (pthread_create(&th[i], NULL, check_rows, &pl) != 0) break;
  check_rows(&pl);
  for (size_t i = 1; i <= started; i++) pthread_join(th[i], NULL);
  free(order);
  if (pl.oom)
    return ilab_error(ILAB_ENOMEM, "out of memory for %zu draws per thread (%.3g GB each)", count,
                      (double)count * 12 / 1e9);
  return ILAB_OK;
}
