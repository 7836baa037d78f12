/* The Jacobian's singular values layer by layer, and their free-probability
 * prediction. */
#include "spectrum.h"
#include "dist.h"
#include "ilab.h"
#include "linalg.h"
#include "platform.h"
#include "stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_cdf.h>

ilab_spectrum *ilab_spectrum_alloc(size_t n)
{
  if (n == 0) {
    ilab_error(ILAB_EINVAL, "spectrum of width 0");
    return NULL;
  }
  ilab_spectrum *s = calloc(1, sizeof *s);
  if (s) {
    s->n = n;
    s->J = malloc(n * n * sizeof *s->J);
    s->T = malloc(n * n * sizeof *s->T);
    s->x = malloc(n * sizeof *s->x);
    s->h = malloc(n * sizeof *s->h);
    s->sv = malloc(n * sizeof *s->sv);
  }
  if (!s || !s->J || !s->T || !s->x || !s->h || !s->sv) {
    ilab_spectrum_free(s);
    ilab_error(ILAB_ENOMEM, "out of memory for a %zu x %zu Jacobian", n, n);
    return NULL;
  }
  return s;
}

void ilab_spectrum_free(ilab_spectrum *s)
{
  if (!s) return;
  free(s->J);
  free(s->T);
  free(s->x);
  free(s->h);
  free(s->sv);
  free(s);
}

void ilab_spectrum_begin(ilab_spectrum *s, const double *x0)
{
  size_t n = s->n;
  memset(s->J, 0, n * n * sizeof *s->J);
  for (size_t i = 0; i < n; i++) s->J[i * n + i] = 1.0;
  memcpy(s->x, x0, n * sizeof *s->x);
}

int ilab_spectrum_layer(ilab_spectrum *s, const ilab_act *a, const double *unit, double scale,
                        const double *b)
{
  const size_t n = s->n;
  const int in = (int)n;
  /* h = scale unit^T x + b;  T = scale unit^T J */
  if (b) memcpy(s->h, b, n * sizeof *s->h);
  cblas_dgemv(CblasRowMajor, CblasTrans, in, in, scale, unit, in, s->x, 1, b ? 1.0 : 0.0, s->h, 1);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, in, in, scale, unit, in, s->J, in, 0.0,
              s->T, in);
  int finite = 1;
  for (size_t i = 0; i < n; i++) {
    const double d = ilab_act_dphi(a, s->h[i]);
    for (size_t j = 0; j < n; j++) {
      const double v = d * s->T[i * n + j];
      s->J[i * n + j] = v;
      finite &= isfinite(v);
    }
    s->x[i] = ilab_act_phi(a, s->h[i]);
  }
  if (!finite) ILAB_ERROR(ILAB_EMATH, "the Jacobian overflowed");
  return ilab_linalg_singular_values(s->J, n, n, s->sv);
}

int ilab_spectrum_predict(ilab_theory_workspace *w, const ilab_act *a, double sigma_w2,
                          double sigma_b2, double s1, ilab_spectrum_theory *t)
{
  ilab_theory_fixed fp;
  int st = ilab_theory_fixed_point(w, a, sigma_w2, sigma_b2, 1.0, &fp);
  if (st) return st;
  t->sigma_w2 = sigma_w2;
  t->q_star = fp.q_star;
  t->s1 = s1;
  double e2, e4, err, q = fp.q_star;
  /* phi' of a positively homogeneous phi does not depend on the scale of h:
   * any q gives its moments, even when q_l grows without bound */
  int homogeneous = a->kind == ILAB_ACT_LINEAR || a->kind == ILAB_ACT_RELU || a->kind == ILAB_ACT_LEAKY_RELU;
  if (!isfinite(q) && homogeneous) q = 1.0;
  if (!isfinite(q)) {
    t->mu1 = t->mu2 = NAN;
    return ILAB_OK;
  }
  if ((st = ilab_theory_expect(w, a, ILAB_THEORY_DPHI_SQ, q, &e2, &err))) return st;
  if ((st = ilab_theory_expect(w, a, ILAB_THEORY_DPHI_4, q, &e4, &err))) return st;
  t->mu1 = sigma_w2 * e2;
  t->mu2 = sigma_w2 * sigma_w2 * e4;
  return ILAB_OK;
}

double ilab_spectrum_mean_theory(const ilab_spectrum_theory *t, size_t l)
{
  return isnan(t->s1) ? NAN : pow(t->mu1, (double)l);
}

double ilab_spectrum_var_theory(const ilab_spectrum_theory *t, size_t l)
{
  return pow(t->mu1, 2.0 * (double)l) * (double)l * (t->mu2 / (t->mu1 * t->mu1) - 1 - t->s1);
}

double ilab_spectrum_s1(const ilab_scheme *s)
{
  if (s->constant || s->family == ILAB_FAMILY_IDENTITY) return NAN;
  return s->family == ILAB_FAMILY_ORTHOGONAL ? 0.0 : -1.0;
}

int ilab_spectrum_run(ilab_spectrum_job *job)
{
  const size_t n = job->width, L = job->depth;
  if (!n || !L || !job->trials) ILAB_ERROR(ILAB_EINVAL, "spectrum: depth, width and trials must be positive");
  ilab_dist d;
  int st = ilab_scheme_resolve(&job->scheme, n, n, &d);
  if (st) return st;
  double sigma_w2 = (double)n * ilab_scheme_variance(&job->scheme, n, n);
  ilab_theory_workspace *tw = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  if (!tw) return ILAB_ENOMEM;
  st = ilab_spectrum_predict(tw, &job->act, sigma_w2, job->sigma_b2, ilab_spectrum_s1(&job->scheme), &job->theory);
  ilab_theory_workspace_free(tw);
  if (st) return st;
  double q = job->theory.q_star;
  if (!(q > 0) || !isfinite(q)) q = 1.0;

  ilab_spectrum *s = ilab_spectrum_alloc(n);
  gsl_rng *r = gsl_rng_alloc(job->rng_type);
  double *u = malloc(n * n * sizeof *u), *b = malloc(n * sizeof *b), *x0 = malloc(n * sizeof *x0);
  if (!s || !r || !u || !b || !x0) {
    st = ilab_error(ILAB_ENOMEM, "out of memory for a spectrum of width %zu", n);
    goto done;
  }
  const double scale = d.kind == ILAB_DIST_CONSTANT ? d.value : d.scale;
  const unsigned long family = ilab_dist_family(&d);
  ilab_dist unit_normal, bias;
  ilab_dist_normal(&unit_normal, 1.0);
  ilab_dist_normal(&bias, sqrt(job->sigma_b2));
  for (size_t t = 0; t < job->trials && !st; t++) {
    gsl_rng_set(r, ilab_stream_seed(job->seed, t, 0, ILAB_STREAM_INPUT));
    ilab_dist_sample(r, &unit_normal, x0, n);
    for (size_t i = 0; i < n; i++) x0[i] = ilab_act_phi(&job->act, sqrt(q) * x0[i]);
    ilab_spectrum_begin(s, x0);
    int alive = 1;
    for (size_t l = 1; l <= L; l++) {
      if (job->stop && *job->stop) { st = ilab_error(ILAB_EINTR, "interrupted"); break; }
      ilab_spectrum_row *row = &job->rows[t * L + l - 1];
      double *vals = job->values ? job->values + (t * L + l - 1) * n : NULL;
      *row = (ilab_spectrum_row){NAN, NAN, NAN, NAN, 0};
      if (vals) for (size_t i = 0; i < n; i++) vals[i] = NAN;
      if (!alive) continue;
      if (family == 0) {
        for (size_t i = 0; i < n * n; i++) u[i] = 1.0;
      } else {
        gsl_rng_set(r, ilab_stream_seed(job->seed, t, l, family));
        if ((st = ilab_linalg_unit_matrix(r, &d, n, n, u))) break;
      }
      if (job->sigma_b2 > 0) {
        gsl_rng_set(r, ilab_stream_seed(job->seed, t, l, ILAB_STREAM_BIAS));
        ilab_dist_sample(r, &bias, b, n);
      }
      int ls = ilab_spectrum_layer(s, &job->act, u, scale, job->sigma_b2 > 0 ? b : NULL);
      if (ls == ILAB_ENOMEM) { st = ls; break; }
      if (ls) { /* overflow: a result; later layers stay NaN */
        ilab_error_clear();
        alive = 0;
        continue;
      }
      double m = 0, v = 0;
      for (size_t i = 0; i < n; i++) m += s->sv[i] * s->sv[i];
      m /= (double)n;
      for (size_t i = 0; i < n; i++) {
        double e = s->sv[i] * s->sv[i] - m;
        v += e * e;
      }
      *row = (ilab_spectrum_row){m, v / (double)n, s->sv[n - 1], s->sv[0], 1};
      if (vals) memcpy(vals, s->sv, n * sizeof *vals);
    }
  }
done:
  ilab_spectrum_free(s);
  gsl_rng_free(r);
  free(u);
  free(b);
  free(x0);
  return st;
}

typedef struct {
  ilab_spectrum_job *jobs;
  size_t n, next;
  int status;
  pthread_mutex_t lock;
} pool;

static void *worker(void *arg)
{
  pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    size_t i = p->next++;
    int stop = p->status != 0;
    pthread_mutex_unlock(&p->lock);
    if (i >= p->n || stop) break;
    int st = ilab_spectrum_run(&p->jobs[i]);
    if (st) {
      pthread_mutex_lock(&p->lock);
      if (!p->status) p->status = st;
      pthread_mutex_unlock(&p->lock);
    }
  }
  return NULL;
}

int ilab_spectrum_run_all(ilab_spectrum_job *jobs, size_t n, int threads)
{
  pthread_t th[ILAB_MAX_THREADS];
  pool p = {jobs, n, 0, ILAB_OK, PTHREAD_MUTEX_INITIALIZER};
  if (threads < 1) threads = 1;
  if (threads > ILAB_MAX_THREADS) threads = ILAB_MAX_THREADS;
  if ((size_t)threads > n) threads = n ? (int)n : 1;
  ilab_blas_set_threads(1);
  int started = 0;
  for (int i = 1; i < threads; i++) {
    if (pthread_create(&th[i], NULL, worker, &p) != 0) break;
    started = i;
  }
  worker(&p);
  for (int i = 1; i <= started; i++) pthread_join(th[i], NULL);
  return p.status;
}

/* mean over the trials of field f (0: sq_mean, 1: sq_var) of layer l, over
 * the values that are not NaN, and its 95% t-interval */
static void interval(const ilab_spectrum_job *job, size_t l, int f, double *m, double *lo, double *hi)
{
  double s = 0, s2 = 0, c = 0;
  for (size_t t = 0; t < job->trials; t++) {
    const ilab_spectrum_row *r = &job->rows[t * job->depth + l - 1];
    double v = f ? r->sq_var : r->sq_mean;
    if (!isnan(v)) { s += v; c++; }
  }
  *m = c > 0 ? s / c : NAN;
  for (size_t t = 0; t < job->trials; t++) {
    const ilab_spectrum_row *r = &job->rows[t * job->depth + l - 1];
    double v = f ? r->sq_var : r->sq_mean;
    if (!isnan(v)) s2 += (v - *m) * (v - *m);
  }
  double half = c > 1 ? gsl_cdf_tdist_Pinv(0.975, c - 1) * sqrt(s2 / (c - 1) / c) : NAN;
  *lo = *m - half;
  *hi = *m + half;
}

void ilab_spectrum_summarize(const ilab_spectrum_job *job, size_t l, ilab_spectrum_summary *out)
{
  interval(job, l, 0, &out->sq_mean, &out->sq_mean_lo, &out->sq_mean_hi);
  interval(job, l, 1, &out->sq_var, &out->sq_var_lo, &out->sq_var_hi);
  out->sv_min = INFINITY;
  out->sv_max = -INFINITY;
  out->finite = 0;
  for (size_t t = 0; t < job->trials; t++) {
    const ilab_spectrum_row *r = &job->rows[t * job->depth + l - 1];
    if (!r->finite) continue;
    out->finite++;
    out->sv_min = fmin(out->sv_min, r->sv_min);
    out->sv_max = fmax(out->sv_max, r->sv_max);
  }
  if (!out->finite) out->sv_min = out->sv_max = NAN;
}
