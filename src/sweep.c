/* The sweep: per trial, draw the unit matrices, the input and the output
 * gradient once, then push every cell through its network. */
#include "sweep.h"
#include "dist.h"
#include "linalg.h"
#include "ilab.h"
#include "platform.h"
#include "rescale.h"
#include "stream.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Families of unit matrices used by the sweep's schemes, per layer. */
typedef struct {
  size_t n_fam;
  unsigned long fam[8];     /* distinct family ids; 0: a matrix of ones */
  ilab_dist proto[8];       /* a dist of each family, to draw unit values */
} families;

static int scheme_family(const ilab_config *c, size_t si, size_t l, ilab_dist *d)
{
  return ilab_scheme_resolve(&c->schemes[si], c->widths[l - 1], c->widths[l], d);
}

static size_t total_w(const ilab_config *c)
{
  size_t n = 0;
  for (size_t l = 1; l <= c->depth; l++) n += c->widths[l - 1] * c->widths[l];
  return n;
}

static size_t count_families(const ilab_config *c, families *f)
{
  f->n_fam = 0;
  for (size_t si = 0; si < c->n_schemes; si++) {
    ilab_dist d;
    if (scheme_family(c, si, 1, &d)) continue;
    unsigned long id = ilab_dist_family(&d);
    size_t k;
    for (k = 0; k < f->n_fam; k++) if (f->fam[k] == id) break;
    if (k == f->n_fam && f->n_fam < 8) { f->fam[f->n_fam] = id; f->proto[f->n_fam++] = d; }
  }
  return f->n_fam;
}

/* The largest network among the experiment's activations: those whose phi'
 * needs H keep every layer's. */
static size_t max_net_bytes(const ilab_config *c)
{
  size_t m = 0;
  for (size_t i = 0; i < c->n_acts; i++) {
    size_t b = ilab_mlp_bytes(c->depth, c->widths, c->batch, &c->acts[i]);
    /* precision: the network's binary32 copies */
    size_t pb = ilab_mlp_precision_bytes(c->depth, c->widths, c->batch, &c->acts[i], c->precision);
    b = b > SIZE_MAX - pb ? SIZE_MAX : b + pb;
    if (b > m) m = b;
  }
  return m;
}

size_t ilab_sweep_bytes(const ilab_config *c, int threads)
{
  families f;
  size_t nf = count_families(c, &f);
  double b = (double)nf * (double)total_w(c);
  b += (double)c->batch * (double)(c->widths[0] + c->widths[c->depth]);
  for (size_t l = 1; l <= c->depth; l++) b += c->sigma_b2 > 0 ? (double)c->widths[l] : 0;
  b *= sizeof(double);
  size_t cells = c->n_acts * c->n_schemes;
  size_t inflight = (size_t)threads < cells ? (size_t)threads : cells;
  b += (double)inflight * (double)max_net_bytes(c);
  /* a group of rescaled cells (run_group): a scaled copy of one layer for
   * the histograms */
  size_t wmax = 0;
  for (size_t l = 0; l <= c->depth; l++) if (c->widths[l] > wmax) wmax = c->widths[l];
  if (c->n_hist) b += (double)inflight * (double)c->batch * (double)wmax * sizeof(double);
  b += (double)cells * c->trials * c->depth * sizeof(ilab_layer_stats);
  return b >= (double)SIZE_MAX ? SIZE_MAX : (size_t)b;
}

int ilab_sweep_alloc(ilab_sweep *s, const ilab_config *c)
{
  s->cfg = c;
  s->n_cells = c->n_acts * c->n_schemes;
  s->stats = calloc(s->n_cells * c->trials * c->depth, sizeof *s->stats);
  s->w_var = calloc(c->n_schemes * c->depth, sizeof *s->w_var);
  s->w_promised = calloc(c->n_schemes * c->depth, sizeof *s->w_promised);
  size_t nh = s->n_cells * c->n_hist * 3;
  if (nh) {
    s->hist_lo = calloc(nh, sizeof *s->hist_lo);
    s->hist_hi = calloc(nh, sizeof *s->hist_hi);
    s->hist = calloc(nh * (c->hist_bins + 2), sizeof *s->hist);
  }
  if (!s->stats || !s->w_var || !s->w_promised || (nh && (!s->hist_lo || !s->hist_hi || !s->hist))) {
    ilab_sweep_free(s);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for the result tables");
  }
  for (size_t si = 0; si < c->n_schemes; si++)
    for (size_t l = 1; l <= c->depth; l++) {
      s->w_var[si * c->depth + l - 1] = ilab_scheme_variance(&c->schemes[si], c->widths[l - 1], c->widths[l]);
      s->w_promised[si * c->depth + l - 1] = ilab_scheme_promised_variance(&c->schemes[si], c->widths[l - 1], c->widths[l]);
    }
  return ILAB_OK;
}

void ilab_sweep_free(ilab_sweep *s)
{
  free(s->stats);
  free(s->w_var);
  free(s->w_promised);
  free(s->theory);
  free(s->finite);
  s->finite = NULL;
  free(s->hist_lo);
  free(s->hist_hi);
  free(s->hist);
  s->hist_lo = s->hist_hi = NULL;
  s->hist = NULL;
  s->theory = NULL;
  s->stats = NULL;
  s->w_var = s->w_promised = NULL;
  for (size_t i = 0; s->spectra && i < s->n_cells; i++) {
    free(s->spectra[i].rows);
    free(s->spectra[i].values);
  }
  free(s->spectra);
  s->spectra = NULL;
}

int ilab_sweep_spectra(ilab_sweep *s)
{
  const ilab_config *c = s->cfg;
  s->spectra = calloc(s->n_cells, sizeof *s->spectra);
  ilab_spectrum_job *run = malloc((s->n_cells ? s->n_cells : 1) * sizeof *run);
  if (!s->spectra || !run) {
    free(run);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for the spectra");
  }
  size_t k = 0;
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    if (s->run_cell && !s->run_cell[cell]) continue;
    ilab_spectrum_job *j = &s->spectra[cell];
    j->act = c->acts[cell / c->n_schemes];
    j->scheme = c->schemes[cell % c->n_schemes];
    j->depth = c->depth;
    j->width = c->widths[0];
    j->trials = c->trials;
    j->sigma_b2 = c->sigma_b2;
    j->seed = s->seed;
    j->rng_type = s->rng_type;
    j->stop = s->stop;
    j->rows = calloc(c->trials * c->depth, sizeof *j->rows);
    if (c->n_spec) j->values = malloc(c->trials * c->depth * c->widths[0] * sizeof *j->values);
    if (!j->rows || (c->n_spec && !j->values)) {
      free(run);
      ILAB_ERROR(ILAB_ENOMEM, "out of memory for the spectra");
    }
    run[k++] = *j;
  }
  int st = ilab_spectrum_run_all(run, k, s->threads);
  k = 0;
  for (size_t cell = 0; cell < s->n_cells; cell++)
    if (s->spectra[cell].rows) s->spectra[cell].theory = run[k++].theory;
  free(run);
  return st;
}

/* The theory of every cell with each Var(W_l) times factor, into theory;
 * the largest quadrature error and the failed cells go to *abserr, *failed. */
static int theory_fill(const ilab_sweep *s, double factor, ilab_theory_layer *theory, double *abserr,
                       size_t *failed)
{
  const ilab_config *c = s->cfg;
  size_t L = c->depth;
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  double *v = malloc(L * sizeof *v);
  if (!w || !v) {
    ilab_theory_workspace_free(w);
    free(v);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for the theory");
  }
  ilab_dist in;
  double q0 = NAN;
  if (!ilab_scheme_resolve(&c->input, c->widths[0], c->widths[1], &in)) q0 = ilab_dist_raw_moment(&in, 2);
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    ilab_theory_layer *out = theory + cell * L;
    if (s->run_cell && !s->run_cell[cell]) continue;
    double err = 0;
    size_t ai = cell / c->n_schemes, si = cell % c->n_schemes;
    if (c->schemes[si].lsuv) {
      /* LSUV's Var(W_l) comes from the batch, not from the scheme: no
       * prediction (what it guarantees, Var(H_l) = 1 within tol, is claimed
       * as a number) */
      for (size_t l = 0; l < L; l++)
        out[l] = (ilab_theory_layer){NAN, NAN, NAN, NAN, NAN, NAN, NAN};
      continue;
    }
    for (size_t l = 0; l < L; l++) v[l] = factor * s->w_var[si * L + l];
    if (ilab_theory_network(w, &c->acts[ai], L, c->widths, v, c->sigma_b2, q0,
                            c->batch, out, &err)) {
      for (size_t l = 0; l < L; l++)
        out[l] = (ilab_theory_layer){NAN, NAN, NAN, NAN, NAN, NAN, NAN};
      (*failed)++;
    } else if (err > *abserr) {
      *abserr = err;
    }
  }
  ilab_theory_workspace_free(w);
  free(v);
  return ILAB_OK;
}

/* Fills s->finite: one input's finite-width predictions for every cell, from
 * its widths, Var(W_l), the kurtosis of its weights and of the input's
 * entries (finite.h); NaN where none exists. */
static int finite_fill(ilab_sweep *s)
{
  const ilab_config *c = s->cfg;
  size_t L = c->depth;
  free(s->finite);
  s->finite = calloc(s->n_cells * L, sizeof *s->finite);
  double *kurt = malloc(c->n_schemes * L * sizeof *kurt);
  if (!s->finite || !kurt) {
    free(kurt);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for the theory");
  }
  ilab_dist in;
  double q0 = NAN, in_kurt = NAN;
  if (!ilab_scheme_resolve(&c->input, c->widths[0], c->widths[1], &in)) {
    q0 = ilab_dist_raw_moment(&in, 2);
    ilab_dist unit = in;
    if (unit.kind != ILAB_DIST_CONSTANT) unit.scale = 1;
    double u2 = ilab_dist_raw_moment(&unit, 2);
    in_kurt = ilab_dist_raw_moment(&unit, 4) / (u2 * u2);
  }
  /* the weights' kurtosis E[w^4]/E[w^2]^2 per scheme and layer; NaN for a
   * constant law, which finite.h has no closed form for */
  for (size_t si = 0; si < c->n_schemes; si++)
    for (size_t l = 1; l <= L; l++) {
      ilab_dist d;
      double k = NAN;
      if (!scheme_family(c, si, l, &d) && d.kind != ILAB_DIST_CONSTANT && d.scale > 0) {
        d.scale = 1; /* the unit law: exactly 3 for a normal, free of the scale's rounding */
        double m2 = ilab_dist_raw_moment(&d, 2);
        k = ilab_dist_raw_moment(&d, 4) / (m2 * m2);
      }
      kurt[si * L + l - 1] = k;
    }
  for (size_t cell = 0; cell < s->n_cells; cell++) {
    if (s->run_cell && !s->run_cell[cell]) continue;
    size_t ai = cell / c->n_schemes, si = cell % c->n_schemes;
    ilab_finite_layer *fin = s->finite + cell * L;
    if (!(in_kurt >= 1)
        || ilab_finite_network(&c->acts[ai], L, c->widths, s->w_var + si * L, kurt + si * L,
                               c->sigma_b2, q0, in_kurt, fin))
      for (size_t l = 0; l < L; l++)
        fin[l] = (ilab_finite_layer){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, -1};
  }
  free(kurt);
  return ILAB_OK;
}

int ilab_sweep_theory(ilab_sweep *s)
{
  free(s->theory);
  s->theory = calloc(s->n_cells * s->cfg->depth, sizeof *s->theory);
  if (!s->theory) ILAB_ERROR(ILAB_ENOMEM, "out of memory for the theory");
  s->theory_abserr = 0;
  s->theory_failed = 0;
  int st = theory_fill(s, 1, s->theory, &s->theory_abserr, &s->theory_failed);
  return st ? st : finite_fill(s);
}

int ilab_sweep_theory_scaled(const ilab_sweep *s, double factor, ilab_theory_layer *theory)
{
  double abserr = 0;
  size_t failed = 0;
  return theory_fill(s, factor, theory, &abserr, &failed);
}

/* ---- one trial ------------------------------------------------------------- */

/* A job of a trial: a group, the n cells of activation ai whose schemes
 * share family fam, computed from one reference pass (rescale.h); or (n ==
 * 0) seq cells computed one after another on their own.  In reduced
 * precision a sequence is one scheme's cells across the activations: they
 * have the same weights, which the network then rounds to the format once. */
typedef struct {
  size_t ai, fam, n;
  size_t *cells;      /* the group's cells, or the sequence's */
  size_t seq;
} job;

typedef struct {
  ilab_sweep *s;
  size_t trial;
  families fam;
  job *jobs;          /* the same for every trial */
  size_t n_jobs;
  size_t *cells;      /* the jobs' cells */
  double ***unit;     /* [family][layer-1] */
  double **bias;      /* [layer-1], already scaled by sigma_b */
  double *x0, *g;     /* input and output gradient, shared by every cell */
  size_t next;        /* next job, under lock */
  int threads;        /* --threads */
  int blas_threads;   /* each job's BLAS threads while every worker has one */
  int workers, idle;  /* of the phase, under lock */
  pthread_mutex_t lock;
  int status;
  ilab_mlp **nets;    /* one per worker, reused across cells */
} trial_ctx;

static size_t take(trial_ctx *t)
{
  pthread_mutex_lock(&t->lock);
  size_t j = t->next++;
  pthread_mutex_unlock(&t->lock);
  return j;
}

static void fail(trial_ctx *t, int st)
{
  pthread_mutex_lock(&t->lock);
  if (!t->status) t->status = st;
  pthread_mutex_unlock(&t->lock);
}

/* Draws unit matrix (family k, layer l) from its own keyed stream: whole
 * matrices for the orthogonal and identity families, iid draws otherwise. */
static int draw_unit(trial_ctx *t, size_t k, size_t l, gsl_rng *r)
{
  const ilab_config *c = t->s->cfg;
  size_t n = c->widths[l - 1] * c->widths[l];
  double *u = t->unit[k][l - 1];
  if (t->fam.fam[k] == 0) {
    for (size_t i = 0; i < n; i++) u[i] = 1.0;
    return ILAB_OK;
  }
  gsl_rng_set(r, ilab_stream_seed(t->s->seed, t->trial, l, t->fam.fam[k]));
  return ilab_linalg_unit_matrix(r, &t->fam.proto[k], c->widths[l - 1], c->widths[l], u);
}

/* Adds buffer v[0..n-1] to histogram (cell, i, q), or to the bins + 2 counts
 * at dest if not NULL; in trial 0 first sets its range to mean +- 5 sd of
 * the finite entries, cut to [lo_cap, hi_cap]. */
static void histogram(ilab_sweep *s, size_t trial, size_t cell, size_t i, int q, const double *v,
                      size_t n, double lo_cap, double hi_cap, unsigned long long *dest)
{
  size_t k = (cell * s->cfg->n_hist + i) * 3 + (size_t)q, bins = s->cfg->hist_bins;
  if (trial == 0) {
    double m = 0, m2 = 0, cnt = 0;
    for (size_t j = 0; j < n; j++)
      if (isfinite(v[j])) { cnt++; double d = v[j] - m; m += d / cnt; m2 += d * (v[j] - m); }
    double sd = cnt > 1 ? sqrt(m2 / (cnt - 1)) : 0;
    if (!(sd > 0) || !isfinite(sd)) sd = fabs(m) > 0 ? fabs(m) : 1;
    s->hist_lo[k] = fmax(m - 5 * sd, lo_cap);
    s->hist_hi[k] = fmin(m + 5 * sd, hi_cap);
    if (!(s->hist_lo[k] < s->hist_hi[k])) { s->hist_lo[k] = m - 1; s->hist_hi[k] = m + 1; }
  }
  double lo = s->hist_lo[k], w = (s->hist_hi[k] - lo) / (double)bins;
  unsigned long long *h = dest ? dest : s->hist + k * (bins + 2);
  for (size_t j = 0; j < n; j++) {
    double b = (v[j] - lo) / w;
    if (b < 0) h[bins]++;
    else if (b < (double)bins) h[(size_t)b]++;
    else h[bins + 1]++; /* above, or NaN */
  }
}

/* The index of layer l among the histogram layers, or -1. */
static long hist_index(const ilab_config *c, size_t l)
{
  for (size_t i = 0; i < c->n_hist; i++) if (c->hist_layers[i] == l) return (long)i;
  return -1;
}

/* The histograms of H_l and X_l = phi(H_l), the latter cut to phi's range;
 * into dest[0..] and dest[bins + 2..] if dest is not NULL. */
static void hist_forward(ilab_sweep *s, size_t trial, size_t cell, size_t hi, const ilab_act *a,
                         const double *h, const double *x, size_t n, unsigned long long *dest)
{
  double lo = -INFINITY, up = INFINITY;
  ilab_act_bounds(a, &lo, &up);
  if (a->kind == ILAB_ACT_RELU) lo = 0;
  histogram(s, trial, cell, hi, 0, h, n, -INFINITY, INFINITY, dest);
  histogram(s, trial, cell, hi, 1, x, n, lo, up, dest ? dest + s->cfg->hist_bins + 2 : NULL);
}

static int run_cell(trial_ctx *t, size_t cell, ilab_mlp *net)
{
  ilab_sweep *s = t->s;
  const ilab_config *c = s->cfg;
  size_t ai = cell / c->n_schemes, si = cell % c->n_schemes;
  net->act = c->acts[ai];
  for (size_t l = 1; l <= c->depth; l++) {
    ilab_dist d;
    int st = scheme_family(c, si, l, &d);
    if (st) return st;
    unsigned long id = ilab_dist_family(&d);
    size_t k;
    for (k = 0; k < t->fam.n_fam; k++) if (t->fam.fam[k] == id) break;
    if (k == t->fam.n_fam) ILAB_ERROR(ILAB_EINVAL, "scheme '%s' changes family with depth", c->schemes[si].spec);
    double scale = d.kind == ILAB_DIST_CONSTANT ? d.value : d.scale;
    ilab_mlp_set_layer(net, l, t->unit[k][l - 1], scale, t->bias ? t->bias[l - 1] : NULL);
  }
  memcpy(ilab_mlp_input(net), t->x0, c->batch * c->widths[0] * sizeof(double));
  const ilab_scheme *sc = &c->schemes[si];
  for (size_t l = 1; l <= c->depth; l++) {
    if (s->stop && *s->stop) return ILAB_EINTR;
    ilab_layer_stats *st = ilab_sweep_at(s, cell, t->trial, l);
    ilab_mlp_forward_layer(net, l, st);
    st->lsuv_scale = st->lsuv_iters = NAN;
    if (sc->lsuv) {
      /* Mishkin & Matas (2016), Algorithm 1: while |Var(H_l) - 1| >= tol and
       * fewer than iters rescalings, W_l /= sqrt(Var(H_l)) and run the layer
       * again on the same batch.  Without a bias one rescaling is exact; a
       * bias makes it a fixed-point iteration.  A layer whose variance is 0
       * or not finite cannot be rescaled and is left as it is. */
      double ratio = 1;
      int it = 0;
      while (it < sc->lsuv_iters && fabs(st->h_var - 1) >= sc->lsuv_tol && st->h_var > 0 && isfinite(st->h_var)) {
        double r = 1 / sqrt(st->h_var);
        ratio *= r;
        net->scale[l] *= r;
        ilab_mlp_forward_layer(net, l, st);
        it++;
      }
      st->lsuv_scale = ratio;
      st->lsuv_iters = it;
    }
    long hi = hist_index(c, l);
    if (hi >= 0)
      hist_forward(s, t->trial, cell, (size_t)hi, &net->act, ilab_mlp_h(net), ilab_mlp_x(net, l),
                   c->batch * c->widths[l], NULL);
  }
  ilab_mlp_backward_begin(net, t->g);
  for (size_t l = c->depth; l >= 1; l--) {
    if (s->stop && *s->stop) return ILAB_EINTR;
    long hi = hist_index(c, l);
    if (hi >= 0)
      histogram(s, t->trial, cell, (size_t)hi, 2, ilab_mlp_grad_x(net), c->batch * c->widths[l], -INFINITY, INFINITY,
                NULL);
    ilab_mlp_backward_layer(net, l, ilab_sweep_at(s, cell, t->trial, l));
  }
  return ILAB_OK;
}

/* The scale of scheme si's layer l: sigma or limit, or a constant's value. */
static double layer_scale(const ilab_dist *d) { return d->kind == ILAB_DIST_CONSTANT ? d->value : d->scale; }

/* Whether cell can come from its family's reference pass (rescale.h): double
 * precision, a positively homogeneous activation, no bias, and a scheme of one family at
 * every layer with positive finite scales; its family index goes to *fam. */
static int rescalable(const ilab_sweep *s, const families *f, size_t cell, size_t *fam)
{
  const ilab_config *c = s->cfg;
  size_t ai = cell / c->n_schemes, si = cell % c->n_schemes;
  /* double only: rounding to single, half or bfloat16 after each operation
   * does not commute with the scales */
  if (s->no_rescale || c->sigma_b2 > 0 || c->precision != ILAB_PREC_DOUBLE || !ilab_rescale_homogeneous(&c->acts[ai]))
    return 0;
  for (size_t l = 1; l <= c->depth; l++) {
    ilab_dist d;
    if (scheme_family(c, si, l, &d)) return 0;
    unsigned long id = ilab_dist_family(&d);
    size_t k;
    for (k = 0; k < f->n_fam; k++) if (f->fam[k] == id) break;
    if (k == f->n_fam || (l > 1 && k != *fam)) return 0;
    *fam = k;
    double sc = layer_scale(&d);
    if (!(sc > 0) || !isfinite(sc)) return 0;
  }
  return 1;
}

/* A group job: one pass of the family's unit matrices at powers of two r_l
 * (forward) and r'_l (backward) that keep it near unit scale, and from it
 * every cell of the group: C_l = C_{l-1} s_l / r_l, D_{l-1} = D_l s_l / r'_l
 * (rescale.h).  Cells found out of range are then run on their own. */
static int run_group(trial_ctx *t, const job *j, ilab_mlp *net)
{
  ilab_sweep *s = t->s;
  const ilab_config *c = s->cfg;
  size_t L = c->depth, B = c->batch, n = j->n, nh = c->n_hist, nb = c->hist_bins + 2, wmax = 0;
  for (size_t l = 0; l <= L; l++) if (c->widths[l] > wmax) wmax = c->widths[l];
  size_t hper = nh * 3 * nb; /* histogram counts per cell */
  ilab_layer_stats *ref = calloc(L, sizeof *ref);
  double *scale = malloc(n * L * sizeof *scale), *lsuv = malloc(n * L * 2 * sizeof *lsuv);
  ilab_rescale_factor *cf = malloc(n * (L + 1) * sizeof *cf), *df = malloc(n * (L + 1) * sizeof *df);
  unsigned char *ok = malloc(n);
  unsigned long long *hc = calloc(n * hper + 1, sizeof *hc);
  double *buf = nh ? malloc(B * wmax * sizeof *buf) : NULL;
  int st = ILAB_OK;
  if (!ref || !scale || !lsuv || !cf || !df || !ok || !hc || (nh && !buf)) {
    st = ilab_error(ILAB_ENOMEM, "out of memory for a group of %zu cells", n);
    goto out;
  }
  net->act = c->acts[j->ai];
  net->keep_dw = 1; /* its extent decides which cells stay in range */
  for (size_t l = 1; l <= L; l++) ilab_mlp_set_layer(net, l, t->unit[j->fam][l - 1], 1.0, NULL);
  for (size_t i = 0; i < n; i++) {
    size_t si = j->cells[i] % c->n_schemes;
    ok[i] = 1;
    cf[i * (L + 1)] = ilab_rescale_one();
    for (size_t l = 1; l <= L; l++) {
      ilab_dist d;
      if ((st = scheme_family(c, si, l, &d))) goto out;
      scale[i * L + l - 1] = layer_scale(&d);
      lsuv[(i * L + l - 1) * 2] = lsuv[(i * L + l - 1) * 2 + 1] = NAN;
    }
  }
  memcpy(ilab_mlp_input(net), t->x0, B * c->widths[0] * sizeof(double));
  ilab_rescale_extent e1, e2;
  ilab_rescale_extent_of(t->x0, B * c->widths[0], &e1);
  double q = e1.mean_sq; /* E[X_{l-1}^2] of the reference */
  for (size_t l = 1; l <= L; l++) {
    if (s->stop && *s->stop) { st = ILAB_EINTR; goto out; }
    size_t m = B * c->widths[l];
    double r = ilab_rescale_pow2(c->widths[l - 1], q);
    net->scale[l] = r;
    ilab_mlp_forward_layer(net, l, &ref[l - 1]);
    q = ref[l - 1].x_sq;
    ilab_rescale_extent_of(ilab_mlp_h(net), m, &e1);
    ilab_rescale_extent_of(ilab_mlp_x(net, l), m, &e2);
    long hi = hist_index(c, l);
    for (size_t i = 0; i < n; i++) {
      if (!ok[i]) continue;
      const ilab_scheme *sc = &c->schemes[j->cells[i] % c->n_schemes];
      double *sl = &scale[i * L + l - 1];
      ilab_rescale_factor C = ilab_rescale_mul(cf[i * (L + 1) + l - 1], *sl / r);
      if (sc->lsuv) {
        /* the loop of run_cell on Var(H_l) = C^2 Var(H_l of the reference):
         * each rescaling multiplies s_l, so C, by 1/sqrt(Var(H_l)) */
        double v = ilab_rescale_apply2(C, ref[l - 1].h_var), ratio = 1;
        int it = 0;
        while (it < sc->lsuv_iters && fabs(v - 1) >= sc->lsuv_tol && v > 0 && isfinite(v)) {
          double rr = 1 / sqrt(v);
          ratio *= rr;
          *sl *= rr;
          C = ilab_rescale_mul(cf[i * (L + 1) + l - 1], *sl / r);
          v = ilab_rescale_apply2(C, ref[l - 1].h_var);
          it++;
        }
        lsuv[(i * L + l - 1) * 2] = ratio;
        lsuv[(i * L + l - 1) * 2 + 1] = it;
      }
      cf[i * (L + 1) + l] = C;
      if (!ilab_rescale_in_range(C, &e1) || !ilab_rescale_in_range(C, &e2)) { ok[i] = 0; continue; }
      if (hi >= 0) {
        /* the scaled copies of H_l and X_l, binned as the cell's own */
        unsigned long long *dest = hc + i * hper + (size_t)hi * 3 * nb;
        double *xs = buf;
        ilab_rescale_buffer(C, ilab_mlp_h(net), buf, m);
        histogram(s, t->trial, j->cells[i], (size_t)hi, 0, buf, m, -INFINITY, INFINITY, dest);
        ilab_rescale_buffer(C, ilab_mlp_x(net, l), xs, m);
        double lo = -INFINITY, up = INFINITY;
        ilab_act_bounds(&net->act, &lo, &up);
        if (net->act.kind == ILAB_ACT_RELU) lo = 0;
        histogram(s, t->trial, j->cells[i], (size_t)hi, 1, xs, m, lo, up, dest + nb);
      }
    }
  }
  ilab_mlp_backward_begin(net, t->g);
  for (size_t i = 0; i < n; i++) df[i * (L + 1) + L] = ilab_rescale_one();
  for (size_t l = L; l >= 1; l--) {
    if (s->stop && *s->stop) { st = ILAB_EINTR; goto out; }
    size_t m = B * c->widths[l];
    long hi = hist_index(c, l);
    ilab_rescale_extent_of(ilab_mlp_grad_x(net), m, &e1);
    for (size_t i = 0; i < n; i++) {
      if (!ok[i]) continue;
      ilab_rescale_factor D = df[i * (L + 1) + l];
      if (!ilab_rescale_in_range(D, &e1)) { ok[i] = 0; continue; }
      if (hi >= 0) {
        ilab_rescale_buffer(D, ilab_mlp_grad_x(net), buf, m);
        histogram(s, t->trial, j->cells[i], (size_t)hi, 2, buf, m, -INFINITY, INFINITY,
                  hc + i * hper + ((size_t)hi * 3 + 2) * nb);
      }
    }
    double r = ilab_rescale_pow2(c->widths[l], e1.mean_sq);
    net->scale[l] = r; /* dL/dX_{l-1} = r dH_l U_l^T */
    ilab_mlp_backward_layer(net, l, &ref[l - 1]);
    ilab_rescale_extent_of(net->dh, m, &e1);
    ilab_rescale_extent_of(ilab_mlp_grad_w(net), c->widths[l - 1] * c->widths[l], &e2);
    for (size_t i = 0; i < n; i++) {
      if (!ok[i]) continue;
      ilab_rescale_factor D = df[i * (L + 1) + l];
      if (!ilab_rescale_in_range(D, &e1) ||
          !ilab_rescale_in_range(ilab_rescale_mul2(cf[i * (L + 1) + l - 1], D), &e2)) {
        ok[i] = 0;
        continue;
      }
      df[i * (L + 1) + l - 1] = ilab_rescale_mul(D, scale[i * L + l - 1] / r);
    }
  }
  net->keep_dw = 0;
  /* every cell: its statistics and histograms from the reference, or, out
   * of range, its own pass */
  for (size_t i = 0; i < n; i++) {
    size_t cell = j->cells[i];
    if (ok[i]) {
      for (size_t l = 1; l <= L; l++) {
        ilab_layer_stats *o = ilab_sweep_at(s, cell, t->trial, l);
        ilab_rescale_factor C = cf[i * (L + 1) + l], D = df[i * (L + 1) + l];
        ilab_rescale_stats(&ref[l - 1], C, D, ilab_rescale_mul2(cf[i * (L + 1) + l - 1], D), o);
        o->lsuv_scale = lsuv[(i * L + l - 1) * 2];
        o->lsuv_iters = lsuv[(i * L + l - 1) * 2 + 1];
      }
      for (size_t k = 0; k < nh; k++)
        for (int qq = 0; qq < 3; qq++) {
          unsigned long long *to = ilab_sweep_hist(s, cell, k, qq), *from = hc + i * hper + ((size_t)k * 3 + (size_t)qq) * nb;
          for (size_t b = 0; b < nb; b++) to[b] += from[b];
        }
    } else if ((st = run_cell(t, cell, net))) {
      goto out;
    }
    pthread_mutex_lock(&t->lock);
    s->done++;
    s->rescaled += ok[i];
    pthread_mutex_unlock(&t->lock);
  }
out:
  net->keep_dw = 0;
  free(ref); free(scale); free(lsuv); free(cf); free(df); free(ok); free(hc); free(buf);
  return st;
}

typedef struct { trial_ctx *t; int id; int phase; } worker_arg;

static void *worker(void *arg)
{
  worker_arg *w = arg;
  trial_ctx *t = w->t;
  const ilab_config *c = t->s->cfg;
  if (w->phase == 0) {
    /* draw: jobs are (family, layer) pairs */
    gsl_rng *r = gsl_rng_alloc(t->s->rng_type);
    if (!r) { fail(t, ilab_error(ILAB_ENOMEM, "out of memory for a generator")); return NULL; }
    size_t njobs = t->fam.n_fam * c->depth;
    for (size_t j; (j = take(t)) < njobs && !t->status;) {
      int st = draw_unit(t, j / c->depth, j % c->depth + 1, r);
      if (st) { fail(t, st); break; }
    }
    gsl_rng_free(r);
  } else {
    for (size_t k; (k = take(t)) < t->n_jobs && !t->status;) {
      const job *jb = &t->jobs[k];
      ilab_mlp *net = t->nets[w->id];
      int st = ILAB_OK;
      if (jb->n) {
        st = run_group(t, jb, net);
      } else {
        ilab_mlp_weights_changed(net); /* this trial's draws, not the last job's */
        for (size_t i = 0; i < jb->seq && !st; i++) {
          st = run_cell(t, jb->cells[i], net);
          if (st) break;
          pthread_mutex_lock(&t->lock);
          t->s->done++;
          pthread_mutex_unlock(&t->lock);
        }
      }
      if (st) { fail(t, st); break; }
      pthread_mutex_lock(&t->lock);
      if (net->check_max > t->s->check_max) t->s->check_max = net->check_max;
      pthread_mutex_unlock(&t->lock);
    }
    /* No job left: the workers still in one take this one's thread inside
     * their products, so that the last jobs do not run on one core while
     * the others idle.  A product's bits do not depend on its threads
     * (OpenBLAS splits the rows and columns of C, not the sum). */
    pthread_mutex_lock(&t->lock);
    int busy = t->workers - ++t->idle;
    if (busy > 0 && t->threads / busy > t->blas_threads) ilab_blas_set_threads(t->threads / busy);
    pthread_mutex_unlock(&t->lock);
  }
  return NULL;
}

/* Runs one phase on nthreads workers (the calling thread is one of them). */
static int run_phase(trial_ctx *t, int phase, int nthreads)
{
  pthread_t th[ILAB_MAX_THREADS];
  worker_arg args[ILAB_MAX_THREADS];
  if (nthreads > ILAB_MAX_THREADS) nthreads = ILAB_MAX_THREADS;
  t->next = 0;
  t->workers = nthreads;
  t->idle = 0;
  ilab_blas_set_threads(t->blas_threads); /* as the last phase's end may have left it */
  int started = 0;
  for (int i = 1; i < nthreads; i++) {
    args[i] = (worker_arg){t, i, phase};
    if (pthread_create(&th[i], NULL, worker, &args[i]) != 0) {
      pthread_mutex_lock(&t->lock);
      t->workers -= nthreads - i; /* fewer workers: this thread does their share */
      pthread_mutex_unlock(&t->lock);
      break;
    }
    started = i;
  }
  args[0] = (worker_arg){t, 0, phase};
  worker(&args[0]);
  for (int i = 1; i <= started; i++) pthread_join(th[i], NULL);
  return t->status;
}

static void draw_vector(trial_ctx *t, gsl_rng *r, size_t layer, unsigned long tag,
                        const ilab_dist *d, double *x, size_t n)
{
  gsl_rng_set(r, ilab_stream_seed(t->s->seed, t->trial, layer, tag));
  ilab_dist_sample(r, d, x, n);
}

int ilab_sweep_run(ilab_sweep *s)
{
  const ilab_config *c = s->cfg;
  int nthreads = s->threads < 1 ? 1 : s->threads;
  trial_ctx t;
  memset(&t, 0, sizeof t);
  t.s = s;
  pthread_mutex_init(&t.lock, NULL);
  int st = ILAB_OK;
  gsl_rng *r = gsl_rng_alloc(s->rng_type);
  count_families(c, &t.fam);
  size_t nw = total_w(c);
  t.unit = calloc(t.fam.n_fam, sizeof *t.unit);
  t.nets = calloc((size_t)nthreads, sizeof *t.nets);
  t.x0 = malloc(c->batch * c->widths[0] * sizeof(double));
  t.g = malloc(c->batch * c->widths[c->depth] * sizeof(double));
  if (!r || !t.unit || !t.nets || !t.x0 || !t.g) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto done; }
  for (size_t k = 0; k < t.fam.n_fam; k++) {
    t.unit[k] = calloc(c->depth, sizeof(double *));
    double *block = malloc(nw * sizeof(double));
    if (!t.unit[k] || !block) { free(block); st = ilab_error(ILAB_ENOMEM, "out of memory for %zu weights", nw); goto done; }
    t.unit[k][0] = block;
    for (size_t l = 1, off = 0; l <= c->depth; off += c->widths[l - 1] * c->widths[l], l++)
      t.unit[k][l - 1] = block + off;
  }
  if (c->sigma_b2 > 0) {
    t.bias = calloc(c->depth, sizeof *t.bias);
    if (!t.bias) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto done; }
    for (size_t l = 1; l <= c->depth; l++)
      if (!(t.bias[l - 1] = malloc(c->widths[l] * sizeof(double)))) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto done; }
  }
  /* every worker runs every activation: its buffers are those of one that
   * keeps H, if any does (ilab_sweep_bytes counted the largest) */
  const ilab_act *alloc_act = &c->acts[0];
  for (size_t a = 0; a < c->n_acts; a++)
    if (ilab_act_needs_h(&c->acts[a])) { alloc_act = &c->acts[a]; break; }
  for (int i = 0; i < nthreads; i++)
  {
    if ((st = ilab_mlp_alloc(&t.nets[i], c->depth, c->widths, c->batch, alloc_act))) goto done;
    /* precision: the format every network computes in, and the loss scale */
    if ((st = ilab_mlp_set_precision(t.nets[i], c->precision, c->loss_scale))) goto done;
    t.nets[i]->cross_check = s->cross_check;
    t.nets[i]->timing = s->timing;
    t.nets[i]->keep_dw = 0; /* a cell needs Var(dW) only; a group's reference pass keeps it */
  }

  /* The jobs: a group per (activation, family) of rescalable cells, first,
   * then every other selected cell on its own */
  t.jobs = calloc(s->n_cells + 1, sizeof *t.jobs);
  t.cells = malloc((s->n_cells + 1) * sizeof *t.cells);
  if (!t.jobs || !t.cells) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto done; }
  size_t used = 0;
  for (size_t ai = 0; ai < c->n_acts; ai++)
    for (size_t k = 0; k < t.fam.n_fam; k++) {
      size_t first = used;
      for (size_t si = 0; si < c->n_schemes; si++) {
        size_t cell = ai * c->n_schemes + si, fam = 0;
        if ((!s->run_cell || s->run_cell[cell]) && rescalable(s, &t.fam, cell, &fam) && fam == k)
          t.cells[used++] = cell;
      }
      if (used > first) t.jobs[t.n_jobs++] = (job){ai, k, used - first, &t.cells[first], 0};
    }
  if (c->precision == ILAB_PREC_DOUBLE) {
    for (size_t cell = 0; cell < s->n_cells; cell++) {
      size_t fam = 0;
      if ((s->run_cell && !s->run_cell[cell]) || rescalable(s, &t.fam, cell, &fam)) continue;
      t.cells[used] = cell;
      t.jobs[t.n_jobs++] = (job){cell / c->n_schemes, 0, 0, &t.cells[used++], 1};
    }
  } else {
    for (size_t si = 0; si < c->n_schemes; si++) {
      size_t first = used;
      for (size_t ai = 0; ai < c->n_acts; ai++) {
        size_t cell = ai * c->n_schemes + si;
        if (!s->run_cell || s->run_cell[cell]) t.cells[used++] = cell;
      }
      if (used > first) t.jobs[t.n_jobs++] = (job){0, 0, 0, &t.cells[first], used - first};
    }
  }
  /* Cells run in parallel, each with a single-threaded BLAS; a lone cell
   * gets every thread inside its products instead. */
  size_t selected = t.n_jobs;
  int cell_threads = (size_t)nthreads < selected ? nthreads : (int)selected;
  if (cell_threads < 1) cell_threads = 1;
  t.threads = nthreads;
  t.blas_threads = nthreads / cell_threads;

  ilab_dist in, unit_normal;
  ilab_dist_normal(&unit_normal, 1.0);
  for (size_t trial = 0; trial < c->trials && !st; trial++) {
    t.trial = trial;
    double t0 = ilab_clock_now();
    if ((st = ilab_scheme_resolve(&c->input, c->widths[0], c->widths[1], &in))) break;
    draw_vector(&t, r, 0, ILAB_STREAM_INPUT, &in, t.x0, c->batch * c->widths[0]);
    draw_vector(&t, r, c->depth + 1, ILAB_STREAM_GRAD, &unit_normal, t.g, c->batch * c->widths[c->depth]);
    if (t.bias) {
      ilab_dist b;
      ilab_dist_normal(&b, sqrt(c->sigma_b2));
      for (size_t l = 1; l <= c->depth; l++)
        draw_vector(&t, r, l, ILAB_STREAM_BIAS, &b, t.bias[l - 1], c->widths[l]);
    }
    double t1 = ilab_clock_now();
    if ((st = run_phase(&t, 0, nthreads))) break;
    /* the input, gradient and biases are drawn on one thread; the unit
     * matrices keep every thread busy */
    s->time[0] += (t1 - t0) + (ilab_clock_now() - t1) * nthreads;
    if (s->stop && *s->stop) { st = ilab_error(ILAB_EINTR, "interrupted"); break; }
    if ((st = run_phase(&t, 1, cell_threads))) break;
  }
  ilab_blas_set_threads(t.blas_threads);
  if (st == ILAB_EINTR) ilab_error(ILAB_EINTR, "interrupted by a signal");
done:
  gsl_rng_free(r);
  for (size_t k = 0; t.unit && k < t.fam.n_fam; k++) {
    if (t.unit[k]) free(t.unit[k][0]);
    free(t.unit[k]);
  }
  free(t.unit);
  for (size_t l = 0; t.bias && l < c->depth; l++) free(t.bias[l]);
  free(t.bias);
  for (int i = 0; t.nets && i < nthreads; i++) {
    if (t.nets[i]) for (int k = 0; k < 4; k++) s->time[k + 1] += t.nets[i]->time[k];
    if (t.nets[i]) s->flops += t.nets[i]->flops;
    ilab_mlp_free(t.nets[i]);
  }
  free(t.nets);
  free(t.jobs);
  free(t.cells);
  free(t.x0);
  free(t.g);
  pthread_mutex_destroy(&t.lock);
  return st;
}
