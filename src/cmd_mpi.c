/* The MPI driver of build/initlab-mpi, the one file that includes mpi.h:
 * rank 0 runs the command line as build/initlab does and, in 'initlab run',
 * schedules the cells over the other ranks, which compute them. */
#define _GNU_SOURCE /* sched_getaffinity: the cores mpirun bound a rank to */
#include "cmd_mpi.h"
#include "cmd.h"
#include "ilab.h"
#include "platform.h"

#include <mpi.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Message tags: rank 0 broadcasts the job; a worker sends results (or its
 * first request, or an error) with TAG_RESULT and gets work with TAG_WORK;
 * rank 0 sends TAG_DONE once it has written the tables. */
enum { TAG_RESULT = 1, TAG_WORK = 2, TAG_DONE = 3 };

/* The MPI job, set once by main; the command layer's only state. */
static int mpi_rank, mpi_size = 1;
static int job_sent;     /* rank 0 has broadcast the job header */
static int job_go;       /* ... of a run, whose workers wait for TAG_DONE at the end */
static int job_abort;    /* rank 0 met a failure: abort the job after cleaning up */

static volatile sig_atomic_t worker_stop;
static void on_worker_signal(int sig) { worker_stop = sig; }

int cmd_mpi_size(void) { return mpi_size; }

/* Waits for a request to complete, asleep between tests (Open MPI's blocking
 * calls poll without pause, taking a core from the ranks that compute on
 * the same host).  MPI_SUCCESS or MPI's error. */
static int wait_asleep(MPI_Request *rq, MPI_Status *status)
{
  long nap = 20000; /* ns, doubled up to 1 ms */
  for (;;) {
    int flag = 0, rc = MPI_Test(rq, &flag, status ? status : MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS || flag) return rc;
    struct timespec ts = {0, nap};
    nanosleep(&ts, NULL);
    if (nap < 1000000) nap *= 2;
  }
}

/* MPI_Recv from rank 0, waiting asleep. */
static int recv_asleep(void *buf, int n, int tag, MPI_Status *status)
{
  MPI_Request rq;
  int rc = MPI_Irecv(buf, n, MPI_BYTE, 0, tag, MPI_COMM_WORLD, &rq);
  return rc != MPI_SUCCESS ? rc : wait_asleep(&rq, status);
}

/* What every worker needs to rebuild the experiment; then the file's path
 * and its text, both with their NUL.  go = 0: no run, leave. */
typedef struct {
  int32_t go, threads, threads_given, cross_check;
  int32_t precision;       /* ... and what rank 0's command line put over the */
  int32_t no_rescale;      /* file's keys (--precision, --no-rescale, */
  double loss_scale;       /* --loss-scale) */
  uint64_t path_len, text_len;
  char rng[64];
} job_header;

/* Work for a worker: n cells (act * n_schemes + scheme, listed after this)
 * of shape k, with the shape's seed; k < 0: no more work. */
typedef struct {
  int64_t k, n;
  uint64_t seed;
} work_msg;

/* What opens every message a worker sends: the shape and the number of
 * cells done (k < 0 for the first request), its status and, if that is not
 * ILAB_OK, the reason; then each cell's parts (unit_parts) in the order the
 * cells were given. */
typedef struct {
  int32_t status;
  int32_t threads, bound; /* the first request: its threads, and the cores it
                             may run on (0: not known) */
  int64_t k, n;
  double check_max, theory_abserr;
  uint64_t theory_failed;
  char host[64];
  char reason[448];
} result_header;

/* The parts of one cell's result, in the order sent, for a shape view v:
 * stats, hist_lo, hist_hi, hist and, with 'spectrum = yes', theory, finite
 * and the spectrum rows, values and theory (otherwise the tables compute
 * the theory of each cell themselves). */
enum { P_STATS, P_LO, P_HI, P_HIST, P_THEORY, P_FINITE, P_SROWS, P_SVALUES, P_STHEORY, NPARTS };

static void unit_parts(const ilab_config *v, size_t bytes[NPARTS])
{
  size_t tl = v->trials * v->depth, nh = v->n_hist * 3;
  bytes[P_STATS] = tl * sizeof(ilab_layer_stats);
  bytes[P_LO] = bytes[P_HI] = nh * sizeof(double);
  bytes[P_HIST] = nh * (v->hist_bins + 2) * sizeof(unsigned long long);
  bytes[P_THEORY] = v->spectrum ? v->depth * sizeof(ilab_theory_layer) : 0;
  bytes[P_FINITE] = v->spectrum ? v->depth * sizeof(ilab_finite_layer) : 0;
  bytes[P_SROWS] = v->spectrum ? tl * sizeof(ilab_spectrum_row) : 0;
  bytes[P_SVALUES] = v->spectrum && v->n_spec ? tl * v->widths[0] * sizeof(double) : 0;
  bytes[P_STHEORY] = v->spectrum ? sizeof(ilab_spectrum_theory) : 0;
}

static size_t cell_bytes(const ilab_config *v)
{
  size_t b[NPARTS], n = 0;
  unit_parts(v, b);
  for (int i = 0; i < NPARTS; i++) n += b[i];
  return n;
}

/* Where each part of cell's result lives in sweep s (the cell's slice of
 * every array ilab_sweep_alloc, ilab_sweep_theory and ilab_sweep_spectra
 * fill); NULL for a part the experiment does not have. */
static void part_addrs(const ilab_sweep *s, size_t cell, void *addr[NPARTS])
{
  const ilab_config *v = s->cfg;
  size_t nh = v->n_hist * 3;
  addr[P_STATS] = s->stats + cell * v->trials * v->depth;
  addr[P_LO] = nh ? s->hist_lo + cell * nh : NULL;
  addr[P_HI] = nh ? s->hist_hi + cell * nh : NULL;
  addr[P_HIST] = nh ? s->hist + cell * nh * (v->hist_bins + 2) : NULL;
  addr[P_THEORY] = s->theory ? s->theory + cell * v->depth : NULL;
  addr[P_FINITE] = s->finite ? s->finite + cell * v->depth : NULL;
  ilab_spectrum_job *j = s->spectra ? &s->spectra[cell] : NULL;
  addr[P_SROWS] = j ? (void *)j->rows : NULL;
  addr[P_SVALUES] = j ? (void *)j->values : NULL;
  addr[P_STHEORY] = j ? (void *)&j->theory : NULL;
}

/* ---- a view of some cells --------------------------------------------- */

/* The index of x among list[0..*n-1], appended if new. */
static size_t index_of(size_t *list, size_t *n, size_t x)
{
  for (size_t i = 0; i < *n; i++) if (list[i] == x) return i;
  list[*n] = x;
  return (*n)++;
}

/* The most cells handed out at once. */
#define CHUNK_MAX 256

/* Makes *one a view of shape v with the activations and schemes of the n
 * cells alone (lists of its own, freed by view_free; the rest shared with
 * v), cell[i] being cell sc[i] of the view, and *run (n_acts x n_schemes of
 * the view, the caller frees) flags them.  The shape's first activation
 * stays first, as in run's own chunks of the shape.  Keyed streams make
 * each cell's numbers those of the whole run.  ILAB_ENOMEM, ILAB_EINVAL. */
static int cells_view(const ilab_config *v, const size_t *cell, size_t n, ilab_config *one, size_t *sc,
                      unsigned char **run)
{
  size_t acts[CHUNK_MAX + 1], schemes[CHUNK_MAX], na = 1, ns = 0;
  size_t ia[CHUNK_MAX], is[CHUNK_MAX];
  memcpy(one, v, sizeof *one);
  one->acts = NULL;
  one->act_names = NULL;
  one->schemes = NULL;
  *run = NULL;
  if (!v->n_schemes || !v->n_acts || n > CHUNK_MAX) ILAB_ERROR(ILAB_EINVAL, "no cells to view");
  acts[0] = 0;
  for (size_t i = 0; i < n; i++) {
    ia[i] = index_of(acts, &na, cell[i] / v->n_schemes);
    is[i] = index_of(schemes, &ns, cell[i] % v->n_schemes);
  }
  one->n_acts = na;
  one->n_schemes = ns;
  one->acts = malloc(na * sizeof *one->acts);
  one->act_names = malloc(na * sizeof *one->act_names);
  one->schemes = malloc((ns ? ns : 1) * sizeof *one->schemes);
  *run = calloc(na * ns + 1, 1);
  if (!one->acts || !one->act_names || !one->schemes || !*run) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  for (size_t i = 0; i < na; i++) {
    one->acts[i] = v->acts[acts[i]];
    memcpy(one->act_names[i], v->act_names[acts[i]], sizeof one->act_names[i]);
  }
  for (size_t i = 0; i < ns; i++) one->schemes[i] = v->schemes[schemes[i]];
  for (size_t i = 0; i < n; i++) {
    sc[i] = ia[i] * ns + is[i];
    (*run)[sc[i]] = 1;
  }
  return ILAB_OK;
}

/* Frees the lists cells_view gave *one. */
static void view_free(ilab_config *one)
{
  free(one->acts);
  free(one->act_names);
  free(one->schemes);
  one->acts = NULL;
  one->act_names = NULL;
  one->schemes = NULL;
}

/* ---- rank 0 ------------------------------------------------------------- */

/* A unit: cell of shape k, the family of its scheme's unit draws, its cost. */
typedef struct {
  size_t k, cell;
  unsigned long family;
  double cost;
} unit;

/* Costliest first; then by shape and family, so that cells drawing the same
 * unit matrices are neighbours and go out together; then in cell order, so
 * that the hand-out is the same on every run. */
static int by_cost(const void *a, const void *b)
{
  const unit *x = a, *y = b;
  if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
  if (x->k != y->k) return x->k < y->k ? -1 : 1;
  if (x->family != y->family) return x->family < y->family ? -1 : 1;
  return x->cell < y->cell ? -1 : x->cell > y->cell;
}

/* The flops of a cell of shape v with all its trials: a forward and a
 * backward pass, three products of batch x n_{l-1} x n_l per layer. */
static double cell_cost(const ilab_config *v)
{
  double f = 0;
  for (size_t l = 1; l <= v->depth; l++) f += (double)v->widths[l - 1] * (double)v->widths[l];
  return 6.0 * (double)v->batch * f * (double)v->trials;
}

/* The family of the unit matrices a cell's scheme scales (dist.h); a
 * scheme that does not resolve gets its own, and fails on its worker. */
static unsigned long cell_family(const ilab_config *v, size_t cell)
{
  ilab_dist d;
  if (ilab_scheme_resolve(&v->schemes[cell % v->n_schemes], v->widths[0], v->widths[1], &d))
    return ~0UL - cell % v->n_schemes;
  return ilab_dist_family(&d);
}

/* The arrays of s that ilab_sweep_theory and ilab_sweep_spectra would
 * allocate for a 'spectrum = yes' run, for the cells run_cell selects, with
 * each spectrum job described as ilab_sweep_spectra describes it. */
static int alloc_spectrum_parts(ilab_sweep *s)
{
  const ilab_config *v = s->cfg;
  free(s->theory);
  free(s->finite);
  s->theory = calloc(s->n_cells * v->depth, sizeof *s->theory);
  s->finite = calloc(s->n_cells * v->depth, sizeof *s->finite);
  s->spectra = calloc(s->n_cells, sizeof *s->spectra);
  if (!s->theory || !s->finite || !s->spectra) ILAB_ERROR(ILAB_ENOMEM, "out of memory for the spectra");
  s->theory_abserr = 0;
  s->theory_failed = 0;
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    if (s->run_cell && !s->run_cell[cell]) continue;
    ilab_spectrum_job *j = &s->spectra[cell];
    j->act = v->acts[cell / v->n_schemes];
    j->scheme = v->schemes[cell % v->n_schemes];
    j->depth = v->depth;
    j->width = v->widths[0];
    j->trials = v->trials;
    j->sigma_b2 = v->sigma_b2;
    j->seed = s->seed;
    j->rng_type = s->rng_type;
    j->stop = s->stop;
    j->rows = calloc(v->trials * v->depth, sizeof *j->rows);
    if (v->n_spec) j->values = malloc(v->trials * v->depth * v->widths[0] * sizeof *j->values);
    if (!j->rows || (v->n_spec && !j->values)) ILAB_ERROR(ILAB_ENOMEM, "out of memory for the spectra");
  }
  return ILAB_OK;
}

static int send_header(const job_header *h, const char *path, const char *text)
{
  job_sent = 1;
  /* non-blocking, to match the workers' MPI_Ibcast (which they wait on asleep) */
  MPI_Request rq;
  if (MPI_Ibcast((void *)h, sizeof *h, MPI_BYTE, 0, MPI_COMM_WORLD, &rq) != MPI_SUCCESS
      || MPI_Wait(&rq, MPI_STATUS_IGNORE) != MPI_SUCCESS)
    ILAB_ERROR(ILAB_EIO, "MPI: cannot send the experiment to the other ranks");
  if (!h->go) return ILAB_OK;
  if (MPI_Bcast((void *)path, (int)h->path_len + 1, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS
      || MPI_Bcast((void *)text, (int)h->text_len + 1, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
    ILAB_ERROR(ILAB_EIO, "MPI: cannot send the experiment to the other ranks");
  return ILAB_OK;
}

/* The cells handed out at once: guided self-scheduling (Polychronopoulos
 * and Kuck 1987), a share 1/(2 workers) of the cells left, so that early
 * hand-outs are large (cells drawing the same unit matrices share their
 * draws, as in one process) and the last ones single cells (no rank waits
 * long for another); only neighbours of one shape and one family. */
static size_t chunk(const unit *u, size_t next, size_t n, int workers)
{
  size_t g = (n - next + 2 * (size_t)workers - 1) / (2 * (size_t)workers), c = 1;
  if (g > CHUNK_MAX) g = CHUNK_MAX;
  while (c < g && next + c < n && u[next + c].k == u[next].k && u[next + c].family == u[next].family) c++;
  return c;
}

/* A worker's results for units[first .. first+n-1] (of shape view v, in
 * msg after its header) laid into a sweep of their cells and delivered. */
static int take_results(const cmd_mpi_work *w, const ilab_config *v, unsigned long seed, const unit *units, size_t n,
                        const char *msg)
{
  size_t cell[CHUNK_MAX], sc[CHUNK_MAX], u[CHUNK_MAX];
  for (size_t i = 0; i < n; i++) {
    cell[i] = units[i].cell;
    u[i] = units[i].cell * w->n_shapes + units[i].k;
  }
  ilab_config *one = malloc(sizeof *one);
  unsigned char *run = NULL;
  ilab_sweep s;
  memset(&s, 0, sizeof s);
  int st = one ? cells_view(v, cell, n, one, sc, &run) : ilab_error(ILAB_ENOMEM, "out of memory");
  if (!st) {
    s.seed = seed;
    s.rng_type = w->rng_type;
    s.stop = w->stop;
    st = ilab_sweep_alloc(&s, one);
    s.run_cell = run;
  }
  if (!st && one->spectrum) st = alloc_spectrum_parts(&s);
  if (!st) {
    size_t b[NPARTS];
    unit_parts(one, b);
    const char *p = msg + sizeof(result_header);
    for (size_t i = 0; i < n; i++) {
      void *addr[NPARTS];
      part_addrs(&s, sc[i], addr);
      for (int j = 0; j < NPARTS; j++) {
        if (b[j] && addr[j]) memcpy(addr[j], p, b[j]);
        p += b[j];
      }
    }
    st = w->deliver(w->ctx, &s, n, u, sc);
  }
  ilab_sweep_free(&s);
  free(run);
  if (one) view_free(one);
  free(one);
  return st;
}

int cmd_mpi_run(const cmd_mpi_work *w, double *check_max, double *theory_abserr, size_t *theory_failed)
{
  const ilab_config *cfg = w->cfg;
  size_t nsh = w->n_shapes, ncells = cfg->n_acts * cfg->n_schemes;
  int st = ILAB_OK;
  unit *units = NULL;
  size_t *given = NULL, *ngiven = NULL; /* per rank: its first unit and how many */
  char *buf = NULL, *out = NULL;
  ilab_config *views = NULL;
  size_t nunits = 0, cap = 0;
  cmd_progress *pr = NULL;
  volatile size_t done = 0;
  size_t total = 0;

  /* the job, for every worker; its first 'result' is a request for work */
  job_header h;
  memset(&h, 0, sizeof h);
  h.go = 1;
  h.threads = w->threads;
  h.threads_given = w->threads_given;
  h.cross_check = w->cross_check;
  h.no_rescale = w->no_rescale;
  h.precision = (int32_t)cfg->precision;
  h.loss_scale = cfg->loss_scale;
  h.path_len = strlen(cfg->path);
  h.text_len = strlen(cfg->text);
  snprintf(h.rng, sizeof h.rng, "%s", w->rng_type->name);
  if (h.text_len >= INT32_MAX || h.path_len >= INT32_MAX) {
    job_abort = 1;
    ILAB_ERROR(ILAB_EINVAL, "%s: the experiment file is too large to send to the other ranks", cfg->path);
  }
  if ((st = send_header(&h, cfg->path, cfg->text))) { job_abort = 1; return st; }
  job_go = 1;

  views = calloc(nsh, sizeof *views);
  units = malloc((ncells > 0 && nsh > 0 ? ncells * nsh : 1) * sizeof *units);
  given = calloc((size_t)mpi_size, sizeof *given);
  ngiven = calloc((size_t)mpi_size, sizeof *ngiven);
  out = malloc(sizeof(work_msg) + CHUNK_MAX * sizeof(int64_t));
  if (!views || !units || !given || !ngiven || !out) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto out; }
  for (size_t k = 0; k < nsh; k++) {
    int any = 0;
    for (size_t cell = 0; cell < ncells; cell++) any |= w->want[cell * nsh + k];
    if (!any) continue;
    if ((st = ilab_config_point(cfg, k, &views[k]))) goto out;
    if (sizeof(result_header) + CHUNK_MAX * cell_bytes(&views[k]) > INT32_MAX) {
      st = ilab_error(ILAB_EINVAL, "%s: results of %zu bytes a cell are too large for MPI messages",
                      cfg->path, cell_bytes(&views[k]));
      goto out;
    }
    for (size_t cell = 0; cell < ncells; cell++)
      if (w->want[cell * nsh + k]) {
        units[nunits++] = (unit){k, cell, cell_family(&views[k], cell), cell_cost(&views[k])};
        total += views[k].trials;
      }
  }
  qsort(units, nunits, sizeof *units, by_cost);
  if (!w->quiet) pr = cmd_progress_start("initlab run", &done, total);

  size_t next = 0;
  int active = mpi_size - 1, warned = 0;
  long nap = 50000; /* ns, doubled while nothing comes, up to 2 ms */
  while (active > 0) {
    int flag = 0;
    MPI_Status ms;
    if (w->stop && *w->stop) { st = ilab_error(ILAB_EINTR, "interrupted by a signal"); break; }
    if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &ms) != MPI_SUCCESS) {
      st = ilab_error(ILAB_EIO, "MPI: cannot probe for messages");
      break;
    }
    if (!flag) {
      /* rank 0 waits asleep, leaving the CPU to workers on its host */
      struct timespec ts = {0, nap};
      nanosleep(&ts, NULL);
      if (nap < 2000000) nap *= 2;
      continue;
    }
    nap = 50000;
    int n = 0, src = ms.MPI_SOURCE;
    MPI_Get_count(&ms, MPI_BYTE, &n);
    size_t want = n < (int)sizeof(result_header) ? sizeof(result_header) : (size_t)n;
    if (want > cap) {
      char *nb = realloc(buf, want);
      if (!nb) { st = ilab_error(ILAB_ENOMEM, "out of memory for a result of %d bytes", n); break; }
      buf = nb;
      cap = want;
    }
    memset(buf, 0, sizeof(result_header));
    if (MPI_Recv(buf, n, MPI_BYTE, src, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
      st = ilab_error(ILAB_EIO, "MPI: cannot receive from rank %d", src);
      break;
    }
    result_header rh;
    memcpy(&rh, buf, sizeof rh);
    rh.host[sizeof rh.host - 1] = rh.reason[sizeof rh.reason - 1] = 0;
    if (rh.status) {
      st = ilab_error(rh.status, "rank %d (%s): %s", src, rh.host, rh.reason);
      break;
    }
    if (ngiven[src]) {
      const unit *u = &units[given[src]];
      const ilab_config *v = &views[u->k];
      if (rh.k != (int64_t)u->k || rh.n != (int64_t)ngiven[src]
          || (size_t)n != sizeof rh + ngiven[src] * cell_bytes(v)) {
        st = ilab_error(ILAB_EIO, "rank %d (%s): sent results for other cells or of the wrong size "
                        "(another build of initlab-mpi on that host?)", src, rh.host);
        break;
      }
      if ((st = take_results(w, v, w->seed[u->k], u, ngiven[src], buf))) break;
      if (rh.check_max > *check_max) *check_max = rh.check_max;
      if (rh.theory_abserr > *theory_abserr) *theory_abserr = rh.theory_abserr;
      *theory_failed += rh.theory_failed;
      done += ngiven[src] * v->trials;
    } else if (rh.k >= 0) {
      st = ilab_error(ILAB_EIO, "rank %d (%s): sent results it was not asked for", src, rh.host);
      break;
    } else if (rh.bound > 0 && rh.threads > rh.bound && !warned) {
      fprintf(stderr, "initlab run: warning: rank %d (%s) runs %d threads on the %d core%s mpirun bound it to; "
              "'mpirun --bind-to none' (or --map-by ...:PE=%d) lets them spread\n",
              src, rh.host, (int)rh.threads, (int)rh.bound, rh.bound == 1 ? "" : "s", (int)rh.threads);
      warned = 1;
    }
    work_msg m = {-1, 0, 0};
    size_t c = 0;
    if (next < nunits) {
      c = chunk(units, next, nunits, mpi_size - 1);
      m = (work_msg){(int64_t)units[next].k, (int64_t)c, w->seed[units[next].k]};
      for (size_t i = 0; i < c; i++) {
        int64_t cell = (int64_t)units[next + i].cell;
        memcpy(out + sizeof m + i * sizeof cell, &cell, sizeof cell);
      }
      given[src] = next;
      next += c;
    } else {
      active--;
    }
    ngiven[src] = c;
    memcpy(out, &m, sizeof m);
    if (MPI_Send(out, (int)(sizeof m + c * sizeof(int64_t)), MPI_BYTE, src, TAG_WORK, MPI_COMM_WORLD) != MPI_SUCCESS) {
      st = ilab_error(ILAB_EIO, "MPI: cannot send work to rank %d", src);
      break;
    }
  }
out:
  cmd_progress_stop(pr);
  if (st) job_abort = 1;
  for (size_t k = 0; views && k < nsh; k++)
    if (views[k].widths) ilab_config_point_free(&views[k]);
  free(views);
  free(units);
  free(given);
  free(ngiven);
  free(buf);
  free(out);
  return st;
}

/* deliver for cmd_mpi_run_whole: each cell's parts copied into the sweep. */
static int into_whole(void *ctx, const ilab_sweep *s, size_t n, const size_t *u, const size_t *sc)
{
  ilab_sweep *whole = ctx;
  size_t b[NPARTS];
  unit_parts(s->cfg, b);
  for (size_t i = 0; i < n; i++) {
    void *from[NPARTS], *to[NPARTS];
    part_addrs(s, sc[i], from);
    part_addrs(whole, u[i], to); /* one shape: unit u is cell u */
    for (int j = 0; j < NPARTS; j++)
      if (b[j] && from[j] && to[j]) memcpy(to[j], from[j], b[j]);
    whole->done += s->cfg->trials;
  }
  return ILAB_OK;
}

int cmd_mpi_run_whole(const ilab_config *cfg, ilab_sweep *s, int threads_given, int quiet)
{
  int st = s->cfg->spectrum ? alloc_spectrum_parts(s) : ILAB_OK;
  if (!st && !s->theory) {
    s->theory = calloc(s->n_cells * s->cfg->depth, sizeof *s->theory);
    s->finite = calloc(s->n_cells * s->cfg->depth, sizeof *s->finite);
    if (!s->theory || !s->finite) st = ilab_error(ILAB_ENOMEM, "out of memory for the theory");
  }
  unsigned char *want = malloc(s->n_cells ? s->n_cells : 1);
  if (!want) st = ilab_error(ILAB_ENOMEM, "out of memory");
  if (st) {
    free(want);
    job_abort = 1;
    return st;
  }
  for (size_t cell = 0; cell < s->n_cells; cell++) want[cell] = !s->run_cell || s->run_cell[cell];
  cmd_mpi_work w = {cfg, 1, want, &s->seed, s->rng_type, s->threads, threads_given, s->cross_check,
                    quiet, s->stop, into_whole, s, s->no_rescale};
  s->check_max = s->theory_abserr = 0;
  s->theory_failed = 0;
  st = cmd_mpi_run(&w, &s->check_max, &s->theory_abserr, &s->theory_failed);
  free(want);
  return st;
}

/* ---- the other ranks ----------------------------------------------------- */

static void host_name(char *out, size_t n)
{
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  if (MPI_Get_processor_name(name, &len) != MPI_SUCCESS) len = 0;
  name[len] = 0;
  snprintf(out, n, "%s", len ? name : "?");
}

/* Sends a failure to rank 0, which then aborts the job. */
static void send_failure(int status, const char *reason)
{
  result_header h;
  memset(&h, 0, sizeof h);
  h.status = status ? status : ILAB_EIO;
  h.k = -1;
  host_name(h.host, sizeof h.host);
  snprintf(h.reason, sizeof h.reason, "%s", reason && *reason ? reason : ilab_strerror(status));
  MPI_Send(&h, sizeof h, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
}

/* The cores this process may run on: mpirun binds each rank to one core
 * by default when there are no more ranks than cores; 0 if not known. */
static int bound_cores(void)
{
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
}

/* Threads of this rank: the --threads of rank 0's command line, else this
 * host's cores shared among this job's ranks on it (Open MPI names their
 * number in OMPI_COMM_WORLD_LOCAL_SIZE), and no more than the cores it is
 * bound to. */
static int worker_threads(const job_header *h)
{
  if (h->threads_given) return h->threads;
  long local = 1;
  const char *e = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (e) {
    char *end;
    long v = strtol(e, &end, 10);
    if (end != e && *end == 0 && v > 0) local = v;
  }
  long t = ilab_platform_cores() / local, b = bound_cores();
  if (b > 0 && t > b) t = b;
  if (t < 1) t = 1;
  if (t > ILAB_MAX_THREADS) t = ILAB_MAX_THREADS;
  return (int)t;
}

/* Computes the n cells of shape v as 'initlab run --only' would, in one
 * sweep over the activations and schemes they name (only the cells asked
 * for run), on the shape's keyed streams, which make each cell's numbers
 * those of the whole run; packs them, in the order asked, after the header
 * into *buf. */
static int compute(const ilab_config *v, ilab_config *one, const work_msg *m, const int64_t *cells,
                   const job_header *jh, const gsl_rng_type *type, char **buf, size_t *len)
{
  size_t n = (size_t)m->n, cell[CHUNK_MAX], sc[CHUNK_MAX];
  for (size_t i = 0; i < n; i++) cell[i] = (size_t)cells[i];
  unsigned char *run = NULL;
  int st = cells_view(v, cell, n, one, sc, &run);
  if (st) {
    view_free(one);
    free(run);
    return st;
  }

  ilab_sweep s;
  memset(&s, 0, sizeof s);
  s.seed = (unsigned long)m->seed;
  s.rng_type = type;
  s.threads = worker_threads(jh);
  s.cross_check = jh->cross_check;
  s.no_rescale = jh->no_rescale;
  s.stop = &worker_stop;
  if ((st = ilab_sweep_alloc(&s, one))) {
    view_free(one);
    free(run);
    return st;
  }
  s.run_cell = run;
  st = ilab_sweep_run(&s);
  if (!st && one->spectrum && !(st = ilab_sweep_theory(&s))) st = ilab_sweep_spectra(&s);
  if (!st) {
    size_t cb = cell_bytes(one), need = sizeof(result_header) + n * cb;
    if (!*buf || need > *len) {
      char *nb = realloc(*buf, need);
      if (!nb) {
        ilab_sweep_free(&s);
        view_free(one);
        free(run);
        ILAB_ERROR(ILAB_ENOMEM, "out of memory for results of %zu bytes", need);
      }
      *buf = nb;
    }
    *len = need;
    result_header h;
    memset(&h, 0, sizeof h);
    h.k = m->k;
    h.n = m->n;
    h.check_max = s.check_max;
    h.theory_abserr = s.theory_abserr;
    h.theory_failed = s.theory_failed;
    memcpy(*buf, &h, sizeof h);
    size_t b[NPARTS];
    unit_parts(one, b);
    char *p = *buf + sizeof h;
    for (size_t i = 0; i < n; i++) {
      void *addr[NPARTS];
      part_addrs(&s, sc[i], addr);
      for (int j = 0; j < NPARTS; j++) {
        if (b[j] && addr[j]) memcpy(p, addr[j], b[j]);
        else if (b[j]) memset(p, 0, b[j]); /* not reached: the sweep has every part */
        p += b[j];
      }
    }
  }
  ilab_sweep_free(&s);
  view_free(one);
  free(run);
  return st;
}

static int worker(void)
{
  cmd_catch_signals(on_worker_signal);

  job_header h;
  MPI_Request rq;
  if (MPI_Ibcast(&h, sizeof h, MPI_BYTE, 0, MPI_COMM_WORLD, &rq) != MPI_SUCCESS || wait_asleep(&rq, NULL) != MPI_SUCCESS)
    return ILAB_EXIT_RUNTIME;
  if (!h.go) return ILAB_EXIT_OK;
  char *path = malloc(h.path_len + 1), *text = malloc(h.text_len + 1);
  int ok = path && text;
  /* every rank takes part in the broadcasts, whatever its memory */
  char dummy;
  MPI_Bcast(path ? path : &dummy, path ? (int)h.path_len + 1 : 0, MPI_BYTE, 0, MPI_COMM_WORLD);
  MPI_Bcast(text ? text : &dummy, text ? (int)h.text_len + 1 : 0, MPI_BYTE, 0, MPI_COMM_WORLD);

  ilab_config cfg;
  memset(&cfg, 0, sizeof cfg);
  int parsed = 0;
  size_t nsh = 0;
  ilab_config *views = NULL, *one = NULL;
  char *buf = NULL, *in = malloc(sizeof(work_msg) + CHUNK_MAX * sizeof(int64_t));
  size_t len = 0;
  const gsl_rng_type *type = NULL;
  int st = ILAB_OK;
  if (!ok || !in) { st = ilab_error(ILAB_ENOMEM, "out of memory for the experiment"); goto fail; }
  if ((st = ilab_config_parse(path, text, h.text_len, &cfg))) goto fail;
  parsed = 1;
  cfg.precision = (ilab_precision)h.precision;
  cfg.loss_scale = h.loss_scale;
  nsh = ilab_config_n_points(&cfg);
  views = calloc(nsh, sizeof *views);
  one = malloc(sizeof *one);
  if (!views || !one) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
  for (size_t k = 0; k < nsh; k++)
    if ((st = ilab_config_point(&cfg, k, &views[k]))) goto fail;
  h.rng[sizeof h.rng - 1] = 0;
  for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++)
    if (!strcmp((*t)->name, h.rng)) type = *t;
  if (!type) { st = ilab_error(ILAB_EINVAL, "GSL here has no generator '%s'", h.rng); goto fail; }

  /* the first request */
  result_header rh;
  memset(&rh, 0, sizeof rh);
  rh.k = -1;
  rh.threads = worker_threads(&h);
  rh.bound = bound_cores();
  host_name(rh.host, sizeof rh.host);
  MPI_Send(&rh, sizeof rh, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
  for (;;) {
    work_msg m;
    MPI_Status ms;
    int n = 0;
    if (recv_asleep(in, (int)(sizeof m + CHUNK_MAX * sizeof(int64_t)), TAG_WORK, &ms) != MPI_SUCCESS) {
      st = ILAB_EIO;
      break;
    }
    MPI_Get_count(&ms, MPI_BYTE, &n);
    memcpy(&m, in, sizeof m);
    if (m.k < 0) break;
    int64_t *cells = (int64_t *)(void *)(in + sizeof m);
    int bad = (size_t)m.k >= nsh || m.n < 1 || m.n > CHUNK_MAX
              || (size_t)n != sizeof m + (size_t)m.n * sizeof(int64_t);
    for (int64_t i = 0; !bad && i < m.n; i++)
      bad = cells[i] < 0 || (size_t)cells[i] >= views[m.k].n_acts * views[m.k].n_schemes;
    if (bad) { st = ilab_error(ILAB_EINVAL, "was sent cells the experiment does not have"); goto fail; }
    if ((st = compute(&views[m.k], one, &m, cells, &h, type, &buf, &len))) goto fail;
    if (MPI_Send(buf, (int)len, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD) != MPI_SUCCESS) {
      st = ILAB_EIO;
      break;
    }
  }
  if (!st) {
    /* asleep, not in MPI_Finalize's polling, while rank 0 writes the tables */
    char done;
    recv_asleep(&done, 1, TAG_DONE, NULL);
  }
  goto out;
fail:
  send_failure(st, ilab_error_reason());
  /* rank 0 aborts the job; wait for it here rather than leave early */
  for (;;) {
    if (recv_asleep(in ? in : &dummy, in ? (int)(sizeof(work_msg) + CHUNK_MAX * sizeof(int64_t)) : 0, TAG_WORK,
                    NULL) != MPI_SUCCESS)
      break;
  }
out:
  for (size_t k = 0; views && k < nsh; k++) ilab_config_point_free(&views[k]);
  free(views);
  free(one);
  free(buf);
  free(in);
  if (parsed) ilab_config_free(&cfg);
  free(path);
  free(text);
  return st ? ILAB_EXIT_RUNTIME : ILAB_EXIT_OK;
}

int main(int argc, char **argv)
{
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
    fprintf(stderr, "initlab: error: MPI_Init failed\n");
    return ILAB_EXIT_RUNTIME;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
  int status;
  if (mpi_rank == 0) {
    status = ilab_main(argc, argv);
    if (job_abort) {
      /* rank 0 has freed what it held and written nothing; the workers may
       * be in the middle of a cell */
      fflush(NULL);
      MPI_Abort(MPI_COMM_WORLD, ILAB_EXIT_RUNTIME);
    }
    if (job_go) {
      /* the tables are written (or could not be): the workers may leave */
      char done = 1;
      for (int r = 1; r < mpi_size; r++) MPI_Send(&done, 1, MPI_BYTE, r, TAG_DONE, MPI_COMM_WORLD);
    }
    if (!job_sent && mpi_size > 1) {
      /* not a run (--help, another command, an input error): nothing to do */
      job_header h;
      memset(&h, 0, sizeof h);
      send_header(&h, NULL, NULL);
    }
  } else {
    status = worker();
  }
  MPI_Finalize();
  return status;
}
