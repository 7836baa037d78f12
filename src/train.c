/* Training runs over mlp: the teacher task, the optimizers, the standard and
 * muP parametrizations, and the loop that records loss and statistics. */
#include "train.h"
#include "dist.h"
#include "ilab.h"
#include "linalg.h"
#include "platform.h"
#include "range.h"
#include "stream.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>

/* ---- the spec ---------------------------------------------------------------- */

void ilab_train_spec_init(ilab_train_spec *t)
{
  memset(t, 0, sizeof *t);
  t->opt = ILAB_TRAIN_SGD;
  t->lr = 0.01;
  t->steps = 100;
  t->beta1 = 0.9;
  t->beta2 = 0.999;
  t->eps = 1e-8;
  t->t_depth = 2;
  t->t_width = 64;
  t->t_out = 1;
  ilab_act_parse("tanh", &t->t_act);
  t->readout = 1;
  t->base_width = 64;
  t->out_mult = 1;
}

static int num(const char *key, const char *name, const char *v, double lo, double hi, int open_lo,
               double *out)
{
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (end == v || *end)
    ILAB_ERROR(ILAB_EPARSE, "%s: %s: '%s' is not a number", key, name, v);
  if (!isfinite(x) || errno == ERANGE || (open_lo ? x <= lo : x < lo) || x > hi)
    ILAB_ERROR(ILAB_EPARSE, "%s: %s = %s is out of range %s%g, %g]", key, name, v, open_lo ? "(" : "[", lo, hi);
  *out = x;
  return ILAB_OK;
}

static int whole(const char *key, const char *name, const char *v, size_t lo, size_t hi, size_t *out)
{
  char *end;
  errno = 0;
  if (*v == '-' || *v == '+') ILAB_ERROR(ILAB_EPARSE, "%s: %s: '%s' is not a whole number", key, name, v);
  unsigned long long x = strtoull(v, &end, 10);
  if (end == v || *end) ILAB_ERROR(ILAB_EPARSE, "%s: %s: '%s' is not a whole number", key, name, v);
  if (errno == ERANGE || x < lo || x > hi)
    ILAB_ERROR(ILAB_EPARSE, "%s: %s = %s is out of range [%zu, %zu]", key, name, v, lo, hi);
  *out = (size_t)x;
  return ILAB_OK;
}

/* Splits "NAME:k=v,k=v" into its name and options; calls opt() for each. */
typedef int (*opt_fn)(ilab_train_spec *t, const char *key, const char *k, const char *v, unsigned *seen);

static int parse_opts(ilab_train_spec *t, const char *key, const char *value, char *name, size_t nsz,
                      opt_fn fn, unsigned *seen)
{
  char buf[512];
  if (strlen(value) >= sizeof buf) ILAB_ERROR(ILAB_EPARSE, "%s: value longer than %zu characters", key, sizeof buf - 1);
  strcpy(buf, value);
  char *colon = strchr(buf, ':');
  if (colon) *colon = '\0';
  if (strlen(buf) >= nsz) ILAB_ERROR(ILAB_EPARSE, "%s: unknown kind '%s'", key, buf);
  strcpy(name, buf);
  if (!colon) return ILAB_OK;
  for (char *p = colon + 1; p;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    char *eq = strchr(p, '=');
    if (!eq || eq == p || !eq[1])
      ILAB_ERROR(ILAB_EPARSE, "%s: expected key=value after '%s:', found '%s'", key, name, p);
    *eq = '\0';
    int st = fn(t, key, p, eq + 1, seen);
    if (st) return st;
    p = comma ? comma + 1 : NULL;
  }
  return ILAB_OK;
}

enum { SEEN_LR = 1, SEEN_STEPS = 2 };

static int train_opt(ilab_train_spec *t, const char *key, const char *k, const char *v, unsigned *seen)
{
  int adam = t->opt == ILAB_TRAIN_ADAM;
  if (!strcmp(k, "lr")) { *seen |= SEEN_LR; return num(key, k, v, 0, 1e6, 1, &t->lr); }
  if (!strcmp(k, "steps")) { *seen |= SEEN_STEPS; return whole(key, k, v, 0, ILAB_TRAIN_MAX_STEPS, &t->steps); }
  if (!strcmp(k, "lr_over_depth")) {
    if (strcmp(v, "yes") && strcmp(v, "no")) ILAB_ERROR(ILAB_EPARSE, "%s: lr_over_depth is yes or no, not '%s'", key, v);
    t->lr_over_depth = !strcmp(v, "yes");
    return ILAB_OK;
  }
  if (!adam && !strcmp(k, "momentum")) return num(key, k, v, 0, 1, 0, &t->momentum) ? ILAB_EPARSE :
    (t->momentum < 1 ? ILAB_OK : ilab_error(ILAB_EPARSE, "%s: momentum must be below 1", key));
  if (adam && !strcmp(k, "beta1")) return num(key, k, v, 0, 1, 0, &t->beta1) ? ILAB_EPARSE :
    (t->beta1 < 1 ? ILAB_OK : ilab_error(ILAB_EPARSE, "%s: beta1 must be below 1", key));
  if (adam && !strcmp(k, "beta2")) return num(key, k, v, 0, 1, 0, &t->beta2) ? ILAB_EPARSE :
    (t->beta2 < 1 ? ILAB_OK : ilab_error(ILAB_EPARSE, "%s: beta2 must be below 1", key));
  if (adam && !strcmp(k, "eps")) return num(key, k, v, 0, 1, 1, &t->eps);
  ILAB_ERROR(ILAB_EPARSE, "%s: unknown option '%s' (%s takes lr, steps, lr_over_depth, %s)", key, k, adam ? "adam" : "sgd",
             adam ? "beta1, beta2, eps" : "momentum");
}

static int task_opt(ilab_train_spec *t, const char *key, const char *k, const char *v, unsigned *seen)
{
  (void)seen;
  if (!strcmp(k, "depth")) return whole(key, k, v, 0, 1000, &t->t_depth);
  if (!strcmp(k, "width")) return whole(key, k, v, 1, 1000000, &t->t_width);
  if (!strcmp(k, "out")) return whole(key, k, v, 1, 1000000, &t->t_out);
  if (!strcmp(k, "act")) {
    if (ilab_act_parse(v, &t->t_act)) ILAB_ERROR(ILAB_EPARSE, "%s: act: %s", key, ilab_error_reason());
    return ILAB_OK;
  }
  if (!strcmp(k, "readout")) {
    if (strcmp(v, "yes") && strcmp(v, "no")) ILAB_ERROR(ILAB_EPARSE, "%s: readout is yes or no, not '%s'", key, v);
    t->readout = !strcmp(v, "yes");
    return ILAB_OK;
  }
  ILAB_ERROR(ILAB_EPARSE, "%s: unknown option '%s' (teacher takes depth, width, act, out, readout)", key, k);
}

static int param_opt(ilab_train_spec *t, const char *key, const char *k, const char *v, unsigned *seen)
{
  (void)seen;
  if (!t->mup) ILAB_ERROR(ILAB_EPARSE, "%s: standard takes no options, found '%s'", key, k);
  if (!strcmp(k, "base_width")) return num(key, k, v, 0, 1e7, 1, &t->base_width);
  if (!strcmp(k, "out_mult")) return num(key, k, v, 0, 1e6, 1, &t->out_mult);
  ILAB_ERROR(ILAB_EPARSE, "%s: unknown option '%s' (mup takes base_width, out_mult)", key, k);
}

int ilab_train_spec_parse(ilab_train_spec *t, const char *key, const char *value)
{
  char name[32];
  unsigned seen = 0;
  if (!strcmp(key, "train")) {
    if (!strncmp(value, "sgd", 3) && (value[3] == ':' || !value[3])) t->opt = ILAB_TRAIN_SGD;
    else if (!strncmp(value, "adam", 4) && (value[4] == ':' || !value[4])) t->opt = ILAB_TRAIN_ADAM;
    else ILAB_ERROR(ILAB_EPARSE, "train: expected sgd:lr=ETA,steps=N[,momentum=MU] or adam:lr=ETA,steps=N[,beta1=,beta2=,eps=], found '%s'", value);
    int st = parse_opts(t, key, value, name, sizeof name, train_opt, &seen);
    if (st) return st;
    if ((seen & (SEEN_LR | SEEN_STEPS)) != (SEEN_LR | SEEN_STEPS))
      ILAB_ERROR(ILAB_EPARSE, "train: %s needs both lr= and steps= (e.g. '%s:lr=0.01,steps=300')", name, name);
    return ILAB_OK;
  }
  if (!strcmp(key, "task")) {
    int st = parse_opts(t, key, value, name, sizeof name, task_opt, &seen);
    if (st) return st;
    if (strcmp(name, "teacher")) ILAB_ERROR(ILAB_EPARSE, "task: unknown task '%s' (expected teacher:depth=D,width=W,act=A,out=K)", name);
    return ILAB_OK;
  }
  if (!strcmp(key, "parametrization")) {
    char buf[32];
    size_t n = strcspn(value, ":");
    snprintf(buf, sizeof buf, "%.*s", (int)(n < 31 ? n : 31), value);
    if (!strcmp(buf, "standard")) t->mup = 0;
    else if (!strcmp(buf, "mup")) t->mup = 1;
    else ILAB_ERROR(ILAB_EPARSE, "parametrization: expected standard or mup[:base_width=N,out_mult=A], found '%s'", value);
    return parse_opts(t, key, value, name, sizeof name, param_opt, &seen);
  }
  if (!strcmp(key, "data")) {
    if (!strcmp(value, "fresh")) t->fixed_data = 0;
    else if (!strcmp(value, "fixed")) t->fixed_data = 1;
    else ILAB_ERROR(ILAB_EPARSE, "data: expected fresh (a new batch each step) or fixed (one batch), found '%s'", value);
    return ILAB_OK;
  }
  if (!strcmp(key, "record")) {
    /* steps, each a whole number or a range LO:HI:STEP / LO:HI:xF (range.h) */
    char *buf = malloc(strlen(value) + 1);
    if (!buf) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
    strcpy(buf, value);
    t->n_record = 0;
    int st = ILAB_OK;
    char *save = NULL;
    for (char *w = strtok_r(buf, " \t", &save); w && !st; w = strtok_r(NULL, " \t", &save)) {
      ilab_range r;
      if (ilab_range_parse(w, &r)) {
        char why[256];
        snprintf(why, sizeof why, "%s", ilab_error_reason());
        st = ilab_error(ILAB_EPARSE, "record: %s", why);
        break;
      }
      for (size_t i = 0; i < r.n && !st; i++) {
        double v = ilab_range_at(&r, i);
        if (!(v >= 0 && v <= ILAB_TRAIN_MAX_STEPS && v == floor(v)))
          st = ilab_error(ILAB_EPARSE, "record: '%s' gives %.17g, not a step in [0, %d]", w, v, ILAB_TRAIN_MAX_STEPS);
        else if (t->n_record == ILAB_TRAIN_MAX_RECORD)
          st = ilab_error(ILAB_EPARSE, "record: more than %d steps", ILAB_TRAIN_MAX_RECORD);
        else if (t->n_record && (size_t)v <= t->record[t->n_record - 1])
          st = ilab_error(ILAB_EPARSE, "record: steps must increase, but %zu follows %zu", (size_t)v,
                          t->record[t->n_record - 1]);
        else
          t->record[t->n_record++] = (size_t)v;
      }
    }
    free(buf);
    if (st) return st;
    if (!t->n_record) ILAB_ERROR(ILAB_EPARSE, "record: no steps");
    return ILAB_OK;
  }
  ILAB_ERROR(ILAB_EPARSE, "unknown training key '%s'", key);
}

int ilab_train_spec_check(const ilab_train_spec *t, size_t L, const size_t *widths)
{
  for (size_t i = 0; i < t->n_record; i++)
    if (t->record[i] > t->steps)
      ILAB_ERROR(ILAB_EPARSE, "record: step %zu is beyond the last step %zu of 'train'", t->record[i], t->steps);
  if (!t->readout && widths[L] != t->t_out)
    ILAB_ERROR(ILAB_EPARSE, "task: readout=no compares X_L with the teacher's output, so n_L = %zu must equal out = %zu",
               widths[L], t->t_out);
  if (!t->readout && t->mup)
    ILAB_ERROR(ILAB_EPARSE, "task: readout=no has no read-out layer for parametrization = mup to scale");
  return ILAB_OK;
}

void ilab_train_scales(const ilab_train_spec *t, size_t L, const size_t *widths, size_t l, int bias,
                       double *var_mult, double *lr_mult)
{
  *var_mult = *lr_mult = 1;
  if (!t->mup) return;
  int adam = t->opt == ILAB_TRAIN_ADAM;
  if (bias || l == 1) {
    /* input weights and all biases: a finite fan_in, an infinite fan_out */
    *lr_mult = adam ? 1 : (double)widths[l] / t->base_width;
  } else if (l <= L) {
    /* hidden weights: both fans infinite */
    *lr_mult = adam ? t->base_width / (double)widths[l - 1] : 1;
  } else {
    /* the read-out: infinite fan_in n_L, finite fan_out */
    double m = (double)widths[L] / t->base_width;
    *var_mult = 1 / m;
    *lr_mult = 1 / m;
  }
}

/* ---- the trainer -------------------------------------------------------------- */

#define STREAM_TEACHER 0x54454143UL /* "TEAC": the teacher's weights */
#define STREAM_READOUT 0x52454144UL /* "READ": the read-out V */
#define STREAM_BATCH 0x42415443UL   /* "BATC": the batch of step s >= 1 */

struct ilab_trainer {
  ilab_train_job job;
  ilab_train_spec spec;
  size_t L, B, K, n;
  ilab_mlp *net, *teacher;
  double *theta;         /* stored parameters: W_l / s_l, b_l, V / s_V */
  double *grad;          /* dL/d(effective parameter) */
  double *m1, *m2;       /* momentum or Adam's first moment; Adam's second */
  double *seg_scale;     /* per parameter segment: s (effective = s * stored) */
  double *seg_lr;        /* per segment: lr_mult */
  size_t *seg_off;       /* segment k holds [seg_off[k], seg_off[k+1]) */
  size_t n_seg;
  size_t *w_seg, *b_seg; /* segment of W_l and b_l ((size_t)-1: none) */
  size_t v_seg;
  double *t_unit, *t_read, t_read_scale; /* teacher: W_l units (one block), read-out */
  double *t_scale;
  double *y, *target, *e, *gl; /* B x K: output, targets, (y - t)/K; B x n_L: dl/dX_L */
  ilab_layer_stats *scratch;
  size_t updates;
  gsl_rng *r;
  ilab_dist in;
};

void ilab_trainer_free(ilab_trainer *tr)
{
  if (!tr) return;
  ilab_mlp_free(tr->net);
  ilab_mlp_free(tr->teacher);
  free(tr->theta); free(tr->grad); free(tr->m1); free(tr->m2);
  free(tr->seg_scale); free(tr->seg_lr); free(tr->seg_off); free(tr->w_seg); free(tr->b_seg);
  free(tr->t_unit); free(tr->t_read); free(tr->t_scale);
  free(tr->y); free(tr->target); free(tr->e); free(tr->gl); free(tr->scratch);
  gsl_rng_free(tr->r);
  free(tr);
}

size_t ilab_trainer_n_params(const ilab_trainer *tr) { return tr->n; }
const double *ilab_trainer_grad(const ilab_trainer *tr) { return tr->grad; }
const double *ilab_trainer_x(const ilab_trainer *tr, size_t l) { return ilab_mlp_x(tr->net, l); }
const double *ilab_trainer_y(const ilab_trainer *tr) { return tr->y; }
const double *ilab_trainer_target(const ilab_trainer *tr) { return tr->target; }

int ilab_trainer_alloc(ilab_trainer **out, const ilab_train_job *job)
{
  *out = NULL;
  const ilab_train_spec *t = job->spec;
  size_t L = job->L, B = job->batch, K = t->t_out;
  const size_t *w = job->widths;
  if (job->scheme->lsuv) ILAB_ERROR(ILAB_EINVAL, "training does not support '%s' (lsuv's scales come from a batch)", job->scheme->spec);
  ilab_trainer *tr = calloc(1, sizeof *tr);
  if (!tr) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  tr->job = *job;
  tr->spec = *t;
  tr->job.spec = &tr->spec;
  tr->L = L;
  tr->B = B;
  tr->K = K;
  int bias = job->sigma_b2 > 0;
  tr->n_seg = L * (bias ? 2 : 1) + (t->readout ? 1 : 0);
  tr->seg_scale = calloc(tr->n_seg, sizeof *tr->seg_scale);
  tr->seg_lr = calloc(tr->n_seg, sizeof *tr->seg_lr);
  tr->seg_off = calloc(tr->n_seg + 1, sizeof *tr->seg_off);
  tr->w_seg = calloc(L + 1, sizeof *tr->w_seg);
  tr->b_seg = calloc(L + 1, sizeof *tr->b_seg);
  tr->scratch = calloc(L, sizeof *tr->scratch);
  tr->r = gsl_rng_alloc(job->rng_type);
  int st = ilab_mlp_alloc(&tr->net, L, w, B, &job->act);
  if (st || !tr->seg_scale || !tr->seg_lr || !tr->seg_off || !tr->w_seg || !tr->b_seg || !tr->scratch || !tr->r) {
    ilab_trainer_free(tr);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for a training run");
  }
  /* the segments' layout */
  size_t k = 0, off = 0;
  for (size_t l = 1; l <= L; l++) {
    tr->w_seg[l] = k;
    tr->seg_off[k++] = off;
    off += w[l - 1] * w[l];
    tr->b_seg[l] = (size_t)-1;
    if (bias) {
      tr->b_seg[l] = k;
      tr->seg_off[k++] = off;
      off += w[l];
    }
  }
  tr->v_seg = (size_t)-1;
  if (t->readout) {
    tr->v_seg = k;
    tr->seg_off[k++] = off;
    off += w[L] * K;
  }
  tr->seg_off[k] = off;
  tr->n = off;
  tr->theta = malloc((off ? off : 1) * sizeof *tr->theta);
  tr->grad = calloc(off ? off : 1, sizeof *tr->grad);
  tr->m1 = calloc(off ? off : 1, sizeof *tr->m1);
  tr->m2 = t->opt == ILAB_TRAIN_ADAM ? calloc(off ? off : 1, sizeof *tr->m2) : NULL;
  tr->y = malloc(B * K * sizeof *tr->y);
  tr->target = malloc(B * K * sizeof *tr->target);
  tr->e = malloc(B * K * sizeof *tr->e);
  tr->gl = malloc(B * w[L] * sizeof *tr->gl);
  if (!tr->theta || !tr->grad || !tr->m1 || (t->opt == ILAB_TRAIN_ADAM && !tr->m2) || !tr->y || !tr->target || !tr->e || !tr->gl) {
    ilab_trainer_free(tr);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for %zu parameters", off);
  }
  /* the weights: the sweep's scale * unit, the unit from the stream of
   * (seed, trial, layer, family) (sweep.c's draw_unit) */
  for (size_t l = 1; l <= L; l++) {
    ilab_dist d;
    if ((st = ilab_scheme_resolve(job->scheme, w[l - 1], w[l], &d))) { ilab_trainer_free(tr); return st; }
    double *u = tr->theta + tr->seg_off[tr->w_seg[l]];
    size_t nw = w[l - 1] * w[l];
    unsigned long fam = ilab_dist_family(&d);
    double s = d.kind == ILAB_DIST_CONSTANT ? d.value : d.scale;
    if (fam == 0) {
      for (size_t i = 0; i < nw; i++) u[i] = 1.0;
    } else {
      gsl_rng_set(tr->r, ilab_stream_seed(job->seed, job->trial, l, fam));
      if ((st = ilab_linalg_unit_matrix(tr->r, &d, w[l - 1], w[l], u))) { ilab_trainer_free(tr); return st; }
    }
    if (s == 0) { /* a zero matrix: stored as zeros with scale 1, so updates can move it */
      memset(u, 0, nw * sizeof *u);
      s = 1;
    }
    double vm, lm;
    ilab_train_scales(t, L, w, l, 0, &vm, &lm);
    tr->seg_scale[tr->w_seg[l]] = s * sqrt(vm);
    tr->seg_lr[tr->w_seg[l]] = lm;
    if (bias) {
      ilab_dist b;
      ilab_dist_normal(&b, sqrt(job->sigma_b2));
      gsl_rng_set(tr->r, ilab_stream_seed(job->seed, job->trial, l, ILAB_STREAM_BIAS));
      ilab_dist_sample(tr->r, &b, tr->theta + tr->seg_off[tr->b_seg[l]], w[l]);
      ilab_train_scales(t, L, w, l, 1, &vm, &lm);
      tr->seg_scale[tr->b_seg[l]] = 1;
      tr->seg_lr[tr->b_seg[l]] = lm;
    }
  }
  if (t->readout) {
    double vm, lm;
    ilab_train_scales(t, L, w, L + 1, 0, &vm, &lm);
    ilab_dist unit;
    ilab_dist_normal(&unit, 1.0);
    gsl_rng_set(tr->r, ilab_stream_seed(job->seed, job->trial, L + 1, STREAM_READOUT));
    ilab_dist_sample(tr->r, &unit, tr->theta + tr->seg_off[tr->v_seg], w[L] * K);
    /* V ~ N(0, var_mult / n_L) */
    tr->seg_scale[tr->v_seg] = sqrt(vm / (double)w[L]);
    tr->seg_lr[tr->v_seg] = lm;
  }
  for (size_t l = 1; l <= L; l++)
    ilab_mlp_set_layer(tr->net, l, tr->theta + tr->seg_off[tr->w_seg[l]], tr->seg_scale[tr->w_seg[l]],
                       bias ? tr->theta + tr->seg_off[tr->b_seg[l]] : NULL);
  /* the teacher: widths n_0, W, ..., W; Var(W_l) = gain^2 / fan_in, its
   * read-out Var = 1 / fan_in, each from its own stream */
  size_t D = t->t_depth, tw[1001], tn = 0;
  tw[0] = w[0];
  for (size_t l = 1; l <= D; l++) tw[l] = t->t_width;
  for (size_t l = 1; l <= D; l++) tn += tw[l - 1] * tw[l];
  tr->t_unit = malloc((tn ? tn : 1) * sizeof *tr->t_unit);
  tr->t_read = malloc(tw[D] * K * sizeof *tr->t_read);
  tr->t_scale = calloc(D + 1, sizeof *tr->t_scale);
  if (!tr->t_unit || !tr->t_read || !tr->t_scale || (D && ilab_mlp_alloc(&tr->teacher, D, tw, B, &t->t_act))) {
    ilab_trainer_free(tr);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for the teacher");
  }
  ilab_dist unit;
  ilab_dist_normal(&unit, 1.0);
  double gain = ilab_act_gain(&t->t_act);
  if (!isfinite(gain)) gain = 1;
  for (size_t l = 1, o = 0; l <= D; o += tw[l - 1] * tw[l], l++) {
    gsl_rng_set(tr->r, ilab_stream_seed(job->seed, job->trial, l, STREAM_TEACHER));
    ilab_dist_sample(tr->r, &unit, tr->t_unit + o, tw[l - 1] * tw[l]);
    tr->t_scale[l] = gain / sqrt((double)tw[l - 1]);
    ilab_mlp_set_layer(tr->teacher, l, tr->t_unit + o, tr->t_scale[l], NULL);
  }
  gsl_rng_set(tr->r, ilab_stream_seed(job->seed, job->trial, D + 1, STREAM_TEACHER));
  ilab_dist_sample(tr->r, &unit, tr->t_read, tw[D] * K);
  tr->t_read_scale = 1 / sqrt((double)tw[D]);
  if ((st = ilab_scheme_resolve(job->input, w[0], w[1], &tr->in))) { ilab_trainer_free(tr); return st; }
  *out = tr;
  return ILAB_OK;
}

/* The batch of step s: step 0's is the sweep's input (so that step 0's
 * statistics are those of layers.tsv), later ones come from their own
 * streams, or step 0's again with fixed data; then the teacher's targets. */
static void batch(ilab_trainer *tr, size_t s)
{
  const ilab_train_job *j = &tr->job;
  size_t B = tr->B, n0 = j->widths[0], K = tr->K, D = tr->spec.t_depth;
  double *x = ilab_mlp_input(tr->net);
  if (s == 0 || tr->spec.fixed_data)
    gsl_rng_set(tr->r, ilab_stream_seed(j->seed, j->trial, 0, ILAB_STREAM_INPUT));
  else
    gsl_rng_set(tr->r, ilab_stream_seed(j->seed, j->trial, s, STREAM_BATCH));
  ilab_dist_sample(tr->r, &tr->in, x, B * n0);
  const double *top = x;
  size_t ntop = n0;
  if (D) {
    ilab_layer_stats st;
    memcpy(ilab_mlp_input(tr->teacher), x, B * n0 * sizeof *x);
    for (size_t l = 1; l <= D; l++) ilab_mlp_forward_layer(tr->teacher, l, &st);
    top = ilab_mlp_x(tr->teacher, D);
    ntop = tr->spec.t_width;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)K, (int)ntop, tr->t_read_scale, top,
              (int)ntop, tr->t_read, (int)K, 0.0, tr->target, (int)K);
}

int ilab_trainer_eval(ilab_trainer *tr, size_t s, int grad, double *loss, double *gnorm, ilab_layer_stats *stats)
{
  size_t L = tr->L, B = tr->B, K = tr->K, nL = tr->job.widths[L];
  ilab_layer_stats *st = stats ? stats : tr->scratch;
  batch(tr, s);
  for (size_t l = 1; l <= L; l++) ilab_mlp_forward_layer(tr->net, l, &st[l - 1]);
  const double *xL = ilab_mlp_x(tr->net, L);
  double a = tr->spec.out_mult;
  if (tr->spec.readout) {
    const double *V = tr->theta + tr->seg_off[tr->v_seg];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)K, (int)nL, a * tr->seg_scale[tr->v_seg],
                xL, (int)nL, V, (int)K, 0.0, tr->y, (int)K);
  } else {
    memcpy(tr->y, xL, B * K * sizeof *tr->y);
  }
  double sum = 0;
  for (size_t i = 0; i < B * K; i++) {
    double e = tr->y[i] - tr->target[i];
    sum += e * e;
  }
  *loss = sum / (2.0 * (double)B * (double)K);
  if (!grad) return ILAB_OK;
  /* E = (y - t) / K, the per-example dl/dy (mlp's dW averages over the batch) */
  for (size_t i = 0; i < B * K; i++) tr->e[i] = (tr->y[i] - tr->target[i]) / (double)K;
  if (tr->spec.readout) {
    const double *V = tr->theta + tr->seg_off[tr->v_seg];
    double sv = tr->seg_scale[tr->v_seg];
    double *dV = tr->grad + tr->seg_off[tr->v_seg];
    /* dL/dV = a X_L^T E / B */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nL, (int)K, (int)B, a / (double)B, xL, (int)nL,
                tr->e, (int)K, 0.0, dV, (int)K);
    /* dl/dX_L = a E V^T, V = sv * stored */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)nL, (int)K, a * sv, tr->e, (int)K, V, (int)K,
                0.0, tr->gl, (int)nL);
  } else {
    memcpy(tr->gl, tr->e, B * K * sizeof *tr->gl);
  }
  ilab_mlp_backward_begin(tr->net, tr->gl);
  for (size_t l = L; l >= 1; l--) {
    ilab_mlp_backward_layer(tr->net, l, &st[l - 1]);
    memcpy(tr->grad + tr->seg_off[tr->w_seg[l]], ilab_mlp_grad_w(tr->net), tr->job.widths[l - 1] * tr->job.widths[l] * sizeof(double));
    if (tr->b_seg[l] != (size_t)-1) {
      /* db_l = sum_b dH_l / B */
      size_t n = tr->job.widths[l];
      double *db = tr->grad + tr->seg_off[tr->b_seg[l]];
      const double *dh = ilab_mlp_grad_h(tr->net);
      memset(db, 0, n * sizeof *db);
      for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < n; i++) db[i] += dh[b * n + i];
      for (size_t i = 0; i < n; i++) db[i] /= (double)B;
    }
  }
  if (gnorm) {
    double g2 = 0;
    for (size_t i = 0; i < tr->n; i++) g2 += tr->grad[i] * tr->grad[i];
    *gnorm = sqrt(g2);
  }
  return ILAB_OK;
}

void ilab_trainer_update(ilab_trainer *tr)
{
  const ilab_train_spec *t = &tr->spec;
  tr->updates++;
  double c1 = 1, c2 = 1;
  if (t->opt == ILAB_TRAIN_ADAM) {
    c1 = 1 - pow(t->beta1, (double)tr->updates);
    c2 = 1 - pow(t->beta2, (double)tr->updates);
  }
  for (size_t k = 0; k < tr->n_seg; k++) {
    /* effective = s * stored: a change d of the effective parameter is d / s of the stored one */
    double eta = t->lr * tr->seg_lr[k], inv_s = 1 / tr->seg_scale[k];
    if (t->lr_over_depth) eta /= (double)(tr->L + (t->readout ? 1 : 0));
    double *th = tr->theta, *g = tr->grad, *m1 = tr->m1, *m2 = tr->m2;
    size_t a = tr->seg_off[k], b = tr->seg_off[k + 1];
    if (t->opt == ILAB_TRAIN_SGD) {
      double mu = t->momentum;
      for (size_t i = a; i < b; i++) {
        m1[i] = mu * m1[i] + g[i];
        th[i] -= eta * m1[i] * inv_s;
      }
    } else {
      /* Kingma & Ba 2015, Algorithm 1 */
      double b1 = t->beta1, b2 = t->beta2, eps = t->eps;
      for (size_t i = a; i < b; i++) {
        m1[i] = b1 * m1[i] + (1 - b1) * g[i];
        m2[i] = b2 * m2[i] + (1 - b2) * g[i] * g[i];
        th[i] -= eta * (m1[i] / c1) / (sqrt(m2[i] / c2) + eps) * inv_s;
      }
    }
  }
}

void ilab_trainer_move(ilab_trainer *tr, const double *dir, double t)
{
  for (size_t k = 0; k < tr->n_seg; k++)
    for (size_t i = tr->seg_off[k]; i < tr->seg_off[k + 1]; i++) tr->theta[i] += t * dir[i] / tr->seg_scale[k];
}

/* ---- results and the whole run ---------------------------------------------- */

int ilab_train_result_alloc(ilab_train_result *r, const ilab_train_spec *t, size_t L)
{
  memset(r, 0, sizeof *r);
  size_t nr = t->n_record ? t->n_record : 1;
  r->loss = malloc((t->steps + 1) * sizeof *r->loss);
  r->grad_norm = malloc((t->steps + 1) * sizeof *r->grad_norm);
  r->stats = calloc(nr * L, sizeof *r->stats);
  r->x_abs = calloc(nr * (L + 1), sizeof *r->x_abs);
  r->y_mean = calloc(nr, sizeof *r->y_mean);
  r->y_var = calloc(nr, sizeof *r->y_var);
  if (!r->loss || !r->grad_norm || !r->stats || !r->x_abs || !r->y_mean || !r->y_var) {
    ilab_train_result_free(r);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for the training results");
  }
  return ILAB_OK;
}

void ilab_train_result_free(ilab_train_result *r)
{
  free(r->loss); free(r->grad_norm); free(r->stats); free(r->x_abs); free(r->y_mean); free(r->y_var);
  memset(r, 0, sizeof *r);
}

static double mean_abs(const double *v, size_t n)
{
  double s = 0;
  for (size_t i = 0; i < n; i++) s += fabs(v[i]);
  return s / (double)n;
}

int ilab_train_run(const ilab_train_job *job, ilab_train_result *res, const volatile sig_atomic_t *stop)
{
  const ilab_train_spec *t = job->spec;
  ilab_trainer *tr;
  int st = ilab_trainer_alloc(&tr, job);
  if (st) return st;
  size_t L = job->L, ri = 0;
  for (size_t s = 0; s <= t->steps; s++) {
    if (stop && *stop) { ilab_trainer_free(tr); ILAB_ERROR(ILAB_EINTR, "interrupted"); }
    int rec = ri < t->n_record && t->record[ri] == s;
    ilab_trainer_eval(tr, s, 1, &res->loss[s], &res->grad_norm[s], rec ? res->stats + ri * L : NULL);
    if (rec) {
      for (size_t l = 1; l <= L; l++)
        res->x_abs[ri * (L + 1) + l - 1] = mean_abs(ilab_trainer_x(tr, l), job->batch * job->widths[l]);
      size_t ny = job->batch * t->t_out;
      const double *y = ilab_trainer_y(tr);
      double m = 0, v = 0;
      for (size_t i = 0; i < ny; i++) m += y[i];
      m /= (double)ny;
      for (size_t i = 0; i < ny; i++) v += (y[i] - m) * (y[i] - m);
      res->x_abs[ri * (L + 1) + L] = mean_abs(y, ny);
      res->y_mean[ri] = m;
      res->y_var[ri] = ny > 1 ? v / (double)(ny - 1) : NAN;
      ri++;
    }
    if (s < t->steps) ilab_trainer_update(tr);
  }
  ilab_trainer_free(tr);
  return ILAB_OK;
}

/* ---- an experiment's training runs ---------------------------------------- */

int ilab_train_spec_from_config(const ilab_config *c, ilab_train_spec *t, int *on)
{
  static const char *const names[5] = {"train", "task", "parametrization", "record", "data"};
  ilab_train_spec_init(t);
  *on = c->train_line[0] != 0;
  if (!*on) return ILAB_OK;
  for (int i = 0; i < 5; i++) {
    if (!c->train_line[i]) continue;
    if (ilab_train_spec_parse(t, names[i], c->train_val[i])) {
      char why[512];
      snprintf(why, sizeof why, "%s", ilab_error_reason());
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s", c->path, c->train_line[i], why);
    }
  }
  if (!c->train_line[3]) {
    /* record the untrained network and the trained one */
    t->n_record = 0;
    t->record[t->n_record++] = 0;
    if (t->steps) t->record[t->n_record++] = t->steps;
  }
  size_t nsh = ilab_config_n_points(c), nshapes = c->n_widths ? c->n_widths * (c->n_depths ? c->n_depths : 1) : 1;
  if (nsh != nshapes)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: the training runs take one sigma_b2, input and batch; lists of them are not supported",
               c->path, c->train_line[0]);
  for (size_t k = 0; k < nsh; k++) {
    ilab_config v;
    int st = ilab_config_point(c, k, &v);
    if (st) return st;
    st = ilab_train_spec_check(t, v.depth, v.widths);
    ilab_config_point_free(&v);
    if (st) {
      char why[512];
      snprintf(why, sizeof why, "%s", ilab_error_reason());
      int line = !strncmp(why, "record", 6) ? c->train_line[3] : c->train_line[1] ? c->train_line[1] : c->train_line[0];
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s", c->path, line, why);
    }
  }
  for (size_t i = 0; i < c->n_schemes; i++)
    if (c->schemes[i].lsuv)
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: train does not support the scheme '%s' (lsuv's scales come from a batch)",
                 c->path, c->train_line[0], c->schemes[i].spec);
  return ILAB_OK;
}

typedef struct {
  ilab_train_sweep *ts;
  pthread_mutex_t lock;
  size_t next, n_jobs;
  int status;
  char reason[512];
} sweep_ctx;

static void *train_worker(void *arg)
{
  sweep_ctx *x = arg;
  ilab_train_sweep *ts = x->ts;
  const ilab_config *c = ts->cfg;
  for (;;) {
    pthread_mutex_lock(&x->lock);
    size_t j = x->next++;
    int bad = x->status;
    pthread_mutex_unlock(&x->lock);
    if (j >= x->n_jobs || bad) break;
    size_t cell = j / c->trials, trial = j % c->trials;
    if (ts->run_cell && !ts->run_cell[cell]) continue;
    ilab_train_job job = {ts->spec, c->acts[cell / c->n_schemes], &c->schemes[cell % c->n_schemes], c->depth,
                          c->batch, c->widths, &c->input, c->sigma_b2, ts->seed, ts->rng_type, trial};
    int st = ilab_train_run(&job, &ts->res[j], ts->stop);
    pthread_mutex_lock(&x->lock);
    if (st && !x->status) {
      x->status = st;
      snprintf(x->reason, sizeof x->reason, "%s", ilab_error_reason());
    }
    ts->done++;
    pthread_mutex_unlock(&x->lock);
  }
  return NULL;
}

size_t ilab_train_bytes(const ilab_config *c, const ilab_train_spec *t, int threads)
{
  double np = 0, net = 0;
  for (size_t l = 1; l <= c->depth; l++) np += (double)c->widths[l - 1] * (double)c->widths[l] + (double)c->widths[l];
  np += (double)c->widths[c->depth] * (double)t->t_out;
  for (size_t i = 0; i < c->n_acts; i++) {
    double b = (double)ilab_mlp_bytes(c->depth, c->widths, c->batch, &c->acts[i]);
    if (b > net) net = b;
  }
  double teacher = (double)c->batch * (double)t->t_width * (double)(t->t_depth + 4) + (double)t->t_width * (double)t->t_width * (double)t->t_depth;
  double per = np * (t->opt == ILAB_TRAIN_ADAM ? 4 : 3) * sizeof(double) + net + teacher * sizeof(double);
  size_t runs = c->n_acts * c->n_schemes * c->trials;
  double inflight = (double)((size_t)threads < runs ? (size_t)threads : runs);
  double b = inflight * per;
  return b >= (double)SIZE_MAX ? SIZE_MAX : (size_t)b;
}

int ilab_train_sweep_run(ilab_train_sweep *ts)
{
  const ilab_config *c = ts->cfg;
  size_t cells = c->n_acts * c->n_schemes, n = cells * c->trials;
  ts->res = calloc(n, sizeof *ts->res);
  if (!ts->res) ILAB_ERROR(ILAB_ENOMEM, "out of memory for the training results");
  size_t selected = 0;
  for (size_t j = 0; j < n; j++) {
    if (ts->run_cell && !ts->run_cell[j / c->trials]) continue;
    int st = ilab_train_result_alloc(&ts->res[j], ts->spec, c->depth);
    if (st) return st;
    selected++;
  }
  int threads = ts->threads < 1 ? 1 : ts->threads > ILAB_MAX_THREADS ? ILAB_MAX_THREADS : ts->threads;
  int workers = (size_t)threads < selected ? threads : selected ? (int)selected : 1;
  ilab_blas_set_threads(threads / workers);
  sweep_ctx x;
  memset(&x, 0, sizeof x);
  x.ts = ts;
  x.n_jobs = n;
  pthread_mutex_init(&x.lock, NULL);
  pthread_t th[ILAB_MAX_THREADS];
  int started = 0;
  for (int i = 1; i < workers; i++) {
    if (pthread_create(&th[i], NULL, train_worker, &x) != 0) break;
    started = i;
  }
  train_worker(&x);
  for (int i = 1; i <= started; i++) pthread_join(th[i], NULL);
  pthread_mutex_destroy(&x.lock);
  if (x.status) return ilab_error(x.status, "%s", x.reason);
  return ILAB_OK;
}

void ilab_train_sweep_free(ilab_train_sweep *ts)
{
  if (!ts->res) return;
  size_t n = ts->cfg->n_acts * ts->cfg->n_schemes * ts->cfg->trials;
  for (size_t j = 0; j < n; j++) ilab_train_result_free(&ts->res[j]);
  free(ts->res);
  ts->res = NULL;
}

static void describe(ilab_table *t, const ilab_train_spec *s, const ilab_config *c)
{
  char act[64];
  ilab_act_name(&s->t_act, act, sizeof act);
  if (s->opt == ILAB_TRAIN_SGD)
    ilab_table_comment(t, "train: sgd, lr %.17g%s, momentum %.17g, %zu steps", s->lr,
                       s->lr_over_depth ? " / (weight matrices)" : "", s->momentum, s->steps);
  else
    ilab_table_comment(t, "train: adam, lr %.17g, beta1 %.17g, beta2 %.17g, eps %.17g, %zu steps", s->lr, s->beta1,
                       s->beta2, s->eps, s->steps);
  ilab_table_comment(t, "task: teacher of depth %zu, width %zu, act %s, %zu outputs; loss L = sum (y - t)^2 / (2 B K) "
                        "over a batch of B = %zu, %s data; %s",
                     s->t_depth, s->t_width, act, s->t_out, c->batch, s->fixed_data ? "fixed" : "fresh",
                     s->readout ? "y = out_mult X_L V" : "y = X_L");
  if (s->mup)
    ilab_table_comment(t, "parametrization: mup (Yang et al. 2022, Table 3), base width %.17g, out_mult %.17g",
                       s->base_width, s->out_mult);
  else
    ilab_table_comment(t, "parametrization: standard");
}

int ilab_train_write(const char *dir, const ilab_train_sweep *ts, size_t n_shapes, const unsigned char *run,
                     const ilab_provenance *pv, const volatile sig_atomic_t *stop)
{
  ilab_table t[2];
  char path[4200];
  const ilab_train_spec *s = NULL;
  for (size_t k = 0; k < n_shapes && !s; k++) if (run[k]) s = ts[k].spec;
  if (!s) ILAB_ERROR(ILAB_EINVAL, "no training run");
  snprintf(path, sizeof path, "%s/train.tsv", dir);
  if (ilab_table_open(&t[0], path)) return ILAB_EIO;
  snprintf(path, sizeof path, "%s/train_layers.tsv", dir);
  if (ilab_table_open(&t[1], path)) { ilab_table_abort(&t[0]); return ILAB_EIO; }
  const ilab_config *c0 = ts[0].cfg;
  for (int i = 0; i < 2; i++) {
    ilab_provenance p = *pv;
    p.what = i ? "per-layer statistics at the recorded steps of each training run"
               : "loss and gradient norm at every step of each training run";
    ilab_table_provenance(&t[i], &p);
    if (c0->question[0]) ilab_table_comment(&t[i], "question: %s", c0->question);
    describe(&t[i], s, c0);
    ilab_table_comment_block(&t[i], "experiment: ", c0->text);
  }
  ilab_table_header(&t[0], "act scheme width depth trial step loss grad_norm");
  ilab_table_header(&t[1], "act scheme width depth trial step layer fan_in fan_out h_mean h_var x_mean x_var x_sq "
                           "x_abs gx_var gh_var gw_var zero_frac sat_frac nonfinite g_nonfinite");
  for (size_t k = 0; k < n_shapes; k++) {
    if (!run[k]) continue;
    const ilab_config *c = ts[k].cfg;
    size_t L = c->depth, width = c->n_widths ? c->width_list[0] : 0;
    for (size_t cell = 0; cell < c->n_acts * c->n_schemes; cell++) {
      if (ts[k].run_cell && !ts[k].run_cell[cell]) continue;
      const char *an = c->act_names[cell / c->n_schemes], *sn = c->schemes[cell % c->n_schemes].spec;
      for (size_t tr = 0; tr < c->trials; tr++) {
        const ilab_train_result *r = &ts[k].res[cell * c->trials + tr];
        for (size_t st = 0; st <= s->steps; st++) {
          ilab_table_str(&t[0], an); ilab_table_str(&t[0], sn);
          ilab_table_int(&t[0], (long long)width); ilab_table_int(&t[0], (long long)L);
          ilab_table_int(&t[0], (long long)tr); ilab_table_int(&t[0], (long long)st);
          ilab_table_num(&t[0], r->loss[st]); ilab_table_num(&t[0], r->grad_norm[st]);
          ilab_table_end_row(&t[0]);
        }
        for (size_t ri = 0; ri < s->n_record; ri++)
          for (size_t l = 1; l <= L + 1; l++) {
            ilab_table *u = &t[1];
            ilab_table_str(u, an); ilab_table_str(u, sn);
            ilab_table_int(u, (long long)width); ilab_table_int(u, (long long)L);
            ilab_table_int(u, (long long)tr); ilab_table_int(u, (long long)s->record[ri]);
            ilab_table_int(u, (long long)l);
            ilab_table_int(u, (long long)c->widths[l - 1]);
            ilab_table_int(u, (long long)(l <= L ? c->widths[l] : s->t_out));
            double xa = r->x_abs[ri * (L + 1) + l - 1];
            if (l <= L) {
              const ilab_layer_stats *q = &r->stats[ri * L + l - 1];
              double v[] = {q->h_mean, q->h_var, q->x_mean, q->x_var, q->x_sq, xa, q->gx_var, q->gh_var,
                            q->gw_var, q->zero_frac, q->sat_frac};
              for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) ilab_table_num(u, v[i]);
              ilab_table_int(u, q->nonfinite); ilab_table_int(u, q->g_nonfinite);
            } else {
              /* the output y: H and X are y itself */
              double m = r->y_mean[ri], var = r->y_var[ri];
              double v[] = {m, var, m, var, var * (double)(c->batch * s->t_out - 1) / (double)(c->batch * s->t_out) + m * m,
                            xa, NAN, NAN, NAN, NAN, NAN};
              for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) ilab_table_num(u, v[i]);
              ilab_table_int(u, 0); ilab_table_int(u, 0);
            }
            ilab_table_end_row(u);
          }
      }
    }
  }
  return ilab_table_commit_all(t, 2, stop);
}

/* ---- claims on training runs ------------------------------------------------ */

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>

static int recorded(const ilab_train_spec *t, size_t s, size_t *ri)
{
  for (size_t i = 0; i < t->n_record; i++)
    if (t->record[i] == s) { *ri = i; return 1; }
  return 0;
}

/* Reads "loss[S]" into *s; 0 on success. */
static int loss_step(const char *w, size_t *s)
{
  char digits[32];
  size_t n = strlen(w);
  if (strncmp(w, "loss[", 5) || n < 7 || n - 6 >= sizeof digits || w[n - 1] != ']') return -1;
  memcpy(digits, w + 5, n - 6);
  digits[n - 6] = '\0';
  char *end;
  errno = 0;
  if (!(digits[0] >= '0' && digits[0] <= '9')) return -1;
  unsigned long long v = strtoull(digits, &end, 10);
  if (*end || errno == ERANGE || v > ILAB_TRAIN_MAX_STEPS) return -1;
  *s = (size_t)v;
  return 0;
}

int ilab_train_claim_parse(const ilab_config *c, const ilab_train_spec *t, const char *text, ilab_train_claim *cl)
{
  char buf[256], *w[32];
  int n = 0;
  memset(cl, 0, sizeof *cl);
  snprintf(cl->text, sizeof cl->text, "%s", text);
  snprintf(buf, sizeof buf, "%s", text);
  char *save = NULL;
  for (char *p = strtok_r(buf, " \t", &save); p && n < 32; p = strtok_r(NULL, " \t", &save)) w[n++] = p;
  static const char *const form =
      "expected 'ACT SCHEME [width=W] [depth=D] loss[S] / loss[S0] OP at ALPHA' or "
      "'ACT SCHEME [depth=D] slope x_abs[LAYER] step S OP at ALPHA', OP one of '< C', '> C', 'in [LO, HI]'";
  if (n < 6) ILAB_ERROR(ILAB_EPARSE, "train_claim: %s", form);
  int i = 0;
  size_t a;
  for (a = 0; a < c->n_acts; a++) {
    ilab_act x;
    if (!strcmp(w[0], c->act_names[a])) break;
    if (!ilab_act_parse(w[0], &x)) {
      char canon[64];
      ilab_act_name(&x, canon, sizeof canon);
      if (!strcmp(canon, c->act_names[a])) break;
    }
  }
  if (a == c->n_acts) ILAB_ERROR(ILAB_EPARSE, "train_claim: '%s' is not one of the file's activations", w[0]);
  cl->act = a;
  for (a = 0; a < c->n_schemes; a++) if (!strcmp(w[1], c->schemes[a].spec)) break;
  if (a == c->n_schemes) ILAB_ERROR(ILAB_EPARSE, "train_claim: '%s' is not one of the file's schemes", w[1]);
  cl->scheme = a;
  i = 2;
  for (; i < n && (!strncmp(w[i], "width=", 6) || !strncmp(w[i], "depth=", 6)); i++) {
    size_t v;
    int st = whole("train_claim", w[i][0] == 'w' ? "width" : "depth", w[i] + 6, 1, ILAB_MAX_WIDTH, &v);
    if (st) return st;
    int found = 0;
    size_t nsh = ilab_config_n_points(c);
    for (size_t k = 0; k < nsh; k++) {
      size_t sw, sd;
      ilab_config_shape_of(c, k, &sw, &sd);
      found |= w[i][0] == 'w' ? sw == v : sd == v;
    }
    if (!found) ILAB_ERROR(ILAB_EPARSE, "train_claim: %s names no shape of the file", w[i]);
    *(w[i][0] == 'w' ? &cl->width : &cl->depth) = v;
  }
  if (i < n && !strcmp(w[i], "slope")) {
    cl->slope = 1;
    if (cl->width) ILAB_ERROR(ILAB_EPARSE, "train_claim: a slope in ln width runs over every width; name no width=");
    if (c->n_widths < 3) ILAB_ERROR(ILAB_EPARSE, "train_claim: a slope in ln width needs a 'width' list of 3 or more");
    i++;
    char lay[32];
    if (i >= n || sscanf(w[i], "x_abs[%31[^]]]", lay) != 1)
      ILAB_ERROR(ILAB_EPARSE, "train_claim: expected x_abs[LAYER] after 'slope', found '%s'", i < n ? w[i] : "");
    if (!strcmp(lay, "out")) cl->layer = 0;
    else {
      int st = whole("train_claim", "layer", lay, 1, ILAB_MAX_DEPTH, &cl->layer);
      if (st) return st;
      size_t dmin = c->depth;
      for (size_t k = 0; k < c->n_depths; k++) if (c->depth_list[k] < dmin) dmin = c->depth_list[k];
      if (cl->layer > dmin) ILAB_ERROR(ILAB_EPARSE, "train_claim: layer %zu is beyond the depth %zu ('out' names y)", cl->layer, dmin);
    }
    i++;
    if (i + 1 >= n || strcmp(w[i], "step")) ILAB_ERROR(ILAB_EPARSE, "train_claim: expected 'step S' after x_abs[...]");
    int st = whole("train_claim", "step", w[i + 1], 0, ILAB_TRAIN_MAX_STEPS, &cl->step);
    if (st) return st;
    size_t ri;
    if (!recorded(t, cl->step, &ri)) ILAB_ERROR(ILAB_EPARSE, "train_claim: step %zu is not in 'record'", cl->step);
    i += 2;
  } else {
    if (i + 2 >= n || loss_step(w[i], &cl->s1) || strcmp(w[i + 1], "/") || loss_step(w[i + 2], &cl->s0))
      ILAB_ERROR(ILAB_EPARSE, "train_claim: %s", form);
    if (cl->s1 > t->steps || cl->s0 > t->steps)
      ILAB_ERROR(ILAB_EPARSE, "train_claim: step %zu is beyond the last step %zu", cl->s1 > cl->s0 ? cl->s1 : cl->s0, t->steps);
    size_t matched = 0, nsh = ilab_config_n_points(c);
    for (size_t k = 0; k < nsh; k++) {
      size_t sw, sd;
      ilab_config_shape_of(c, k, &sw, &sd);
      matched += (!cl->width || sw == cl->width) && (!cl->depth || sd == cl->depth);
    }
    if (matched != 1) ILAB_ERROR(ILAB_EPARSE, "train_claim: a loss ratio needs one shape; name it with width= and depth=");
    i += 3;
  }
  /* OP */
  char *end;
  if (i + 3 < n && (!strcmp(w[i], "<") || !strcmp(w[i], ">"))) {
    cl->op = w[i][0];
    double v = strtod(w[i + 1], &end);
    if (end == w[i + 1] || *end || !isfinite(v)) ILAB_ERROR(ILAB_EPARSE, "train_claim: '%s' is not a number", w[i + 1]);
    if (cl->op == '<') { cl->hi = v; cl->lo = -INFINITY; } else { cl->lo = v; cl->hi = INFINITY; }
    i += 2;
  } else if (i + 4 < n && !strcmp(w[i], "in")) {
    cl->op = 'i';
    cl->lo = w[i + 1][0] == '[' ? strtod(w[i + 1] + 1, &end) : NAN;
    if (w[i + 1][0] != '[' || end == w[i + 1] + 1 || strcmp(end, ",") || !isfinite(cl->lo))
      ILAB_ERROR(ILAB_EPARSE, "train_claim: expected 'in [LO, HI]'");
    cl->hi = strtod(w[i + 2], &end);
    if (end == w[i + 2] || strcmp(end, "]") || !(cl->lo < cl->hi)) ILAB_ERROR(ILAB_EPARSE, "train_claim: expected 'in [LO, HI]' with LO < HI");
    i += 3;
  } else {
    ILAB_ERROR(ILAB_EPARSE, "train_claim: %s", form);
  }
  if (!cl->slope && ((cl->op != '>' && !(cl->hi > 0)) || (cl->op != '<' && !(cl->lo > 0))))
    ILAB_ERROR(ILAB_EPARSE, "train_claim: a loss ratio's bounds are positive numbers");
  if (i + 2 != n || strcmp(w[i], "at")) ILAB_ERROR(ILAB_EPARSE, "train_claim: expected 'at ALPHA' at the end");
  double al = strtod(w[i + 1], &end);
  if (end == w[i + 1] || *end || !(al > 0 && al < 0.5))
    ILAB_ERROR(ILAB_EPARSE, "train_claim: ALPHA, the false-alarm probability, is a number in (0, 0.5), not '%s'", w[i + 1]);
  cl->alpha = al;
  return ILAB_OK;
}

int ilab_train_claims_from_config(const ilab_config *c, const ilab_train_spec *t, ilab_train_claim *cl)
{
  for (size_t i = 0; i < c->n_train_claims; i++) {
    if (ilab_train_claim_parse(c, t, c->train_claim_text[i], &cl[i])) {
      char why[512];
      snprintf(why, sizeof why, "%s", ilab_error_reason());
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s", c->path, c->train_claim_line[i], why);
    }
    cl[i].line = c->train_claim_line[i];
  }
  return ILAB_OK;
}

/* The claim's estimate, its standard error, degrees of freedom and spread
 * (the trials' sd of ln ratio, or the residual sd of the fit); 0 if nothing
 * ran. */
static int claim_estimate(const ilab_train_sweep *ts, size_t nsh, const unsigned char *run, const ilab_train_claim *cl,
                          double *est, double *se, double *df, double *sd)
{
  size_t cap = 0, n = 0;
  int diverged = 0;
  for (size_t k = 0; k < nsh; k++) if (run[k]) cap += ts[k].cfg->trials;
  double *x = malloc((cap ? cap : 1) * sizeof *x), *y = malloc((cap ? cap : 1) * sizeof *y);
  if (!x || !y) { free(x); free(y); return -1; }
  for (size_t k = 0; k < nsh; k++) {
    if (!run[k]) continue;
    const ilab_config *c = ts[k].cfg;
    size_t cell = cl->act * c->n_schemes + cl->scheme, width = c->n_widths ? c->width_list[0] : 0, L = c->depth;
    if (ts[k].run_cell && !ts[k].run_cell[cell]) continue;
    if ((cl->width && width != cl->width) || (cl->depth && L != cl->depth)) continue;
    for (size_t tr = 0; tr < c->trials; tr++) {
      const ilab_train_result *r = &ts[k].res[cell * c->trials + tr];
      if (cl->slope) {
        size_t ri = 0;
        recorded(ts[k].spec, cl->step, &ri);
        x[n] = log((double)width);
        y[n] = log(r->x_abs[ri * (L + 1) + (cl->layer ? cl->layer - 1 : L)]);
      } else {
        /* a run that diverged (its loss inf, or NaN once inf has met inf)
         * has an infinite ratio */
        double q = r->loss[cl->s1] / r->loss[cl->s0];
        y[n] = isnan(q) ? INFINITY : log(q);
        if (y[n] == INFINITY) diverged = 1;
      }
      n++;
    }
  }
  int ok = n >= 3;
  if (ok && diverged) {
    /* the mean of ln ratio is +inf, and so are both its bounds */
    *est = *se = *sd = INFINITY;
    *df = (double)n - 1;
  } else if (ok && cl->slope) {
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_fit_linear(x, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    *est = c1;
    *se = sqrt(cov11);
    *df = (double)n - 2;
    *sd = sqrt(sumsq / *df);
  } else if (ok) {
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++) m += y[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) v += (y[i] - m) * (y[i] - m);
    *sd = sqrt(v / (double)(n - 1));
    *est = m;
    *se = *sd / sqrt((double)n);
    *df = (double)n - 1;
  }
  free(x);
  free(y);
  return ok;
}

int ilab_train_claims_write(const char *dir, const ilab_train_sweep *ts, size_t n_shapes, const unsigned char *run,
                            const ilab_train_claim *cl, size_t n, const ilab_provenance *pv, int *failed)
{
  *failed = 0;
  if (!n) return ILAB_OK;
  ilab_table t;
  char path[4200];
  snprintf(path, sizeof path, "%s/train_claims.tsv", dir);
  if (ilab_table_open(&t, path)) return ILAB_EIO;
  ilab_provenance p = *pv;
  p.what = "claims on the training runs (train_claim lines), checked against train.tsv and train_layers.tsv";
  ilab_table_provenance(&t, &p);
  ilab_table_comment(&t, "loss[S] / loss[S0]: measured = exp(mean over the T trials of ln ratio), trial_sd = the sd of ln ratio;");
  ilab_table_comment(&t, "slope x_abs[LAYER] step S: the least-squares slope of ln mean|X| against ln width over every (width, trial),");
  ilab_table_comment(&t, "trial_sd = the residual sd; [lo, hi] = the one-sided (1 - alpha) bounds estimate -+ t(1 - alpha, df) se");
  ilab_table_comment(&t, "(exp of them for a ratio); a claim fails when [lo, hi] lies wholly outside what it states;");
  ilab_table_comment(&t, "a trial whose loss is not finite (a diverged run) has an infinite ratio, and makes measured, lo and hi inf");
  ilab_table_header(&t, "experiment line claim measured_min measured_max lo hi verdict alpha trial_sd sens detects");
  const ilab_config *c0 = ts[0].cfg;
  const char *base = strrchr(c0->path, '/');
  base = base ? base + 1 : c0->path;
  char name[256];
  snprintf(name, sizeof name, "%s", base);
  char *dot = strrchr(name, '.');
  if (dot && !strcmp(dot, ".cfg")) *dot = '\0';
  for (size_t i = 0; i < n; i++) {
    double est = NAN, se = NAN, df = NAN, sd = NAN;
    int ok = claim_estimate(ts, n_shapes, run, &cl[i], &est, &se, &df, &sd);
    if (ok < 0) { ilab_table_abort(&t); ILAB_ERROR(ILAB_ENOMEM, "out of memory"); }
    double lo = NAN, hi = NAN;
    const char *verdict = "skipped";
    if (ok) {
      double tq = gsl_cdf_tdist_Pinv(1 - cl[i].alpha, df);
      lo = est == INFINITY ? INFINITY : est - tq * se;
      hi = est == INFINITY ? INFINITY : est + tq * se;
      double clo = cl[i].lo, chi = cl[i].hi;
      if (!cl[i].slope) { /* the ratio's bounds on the log scale; '<' has lo = -inf, '>' hi = inf */
        clo = cl[i].lo > 0 ? log(cl[i].lo) : -INFINITY;
        chi = log(cl[i].hi);
      }
      /* the claim fails when its bounds lie wholly beyond what it states; NaN fails */
      int fail = !(lo <= chi) || !(hi >= clo);
      verdict = fail ? "FAIL" : "pass";
      *failed += fail;
      if (!cl[i].slope) { est = exp(est); lo = exp(lo); hi = exp(hi); }
    }
    ilab_table_str(&t, name);
    ilab_table_int(&t, cl[i].line);
    ilab_table_str(&t, cl[i].text);
    ilab_table_num(&t, est);
    ilab_table_num(&t, est);
    ilab_table_num(&t, lo);
    ilab_table_num(&t, hi);
    ilab_table_str(&t, verdict);
    ilab_table_num(&t, cl[i].alpha);
    ilab_table_num(&t, sd);
    ilab_table_num(&t, NAN);
    ilab_table_num(&t, NAN);
    ilab_table_end_row(&t);
  }
  return ilab_table_commit(&t);
}
