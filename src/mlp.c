/* The forward and backward passes of a deep MLP, with their statistics taken
 * block by block beside act.c's phi and phi'. */
#include "mlp.h"
#include "fp.h"
#include "ilab.h"
#include "platform.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_statistics_double.h>

/* Block length of the statistics: long enough to amortize a merge, short
 * enough that a block's sums stay accurate. */
#define BLOCK 512

/* ---- streaming (count, mean, M2) over finite entries ---------------------- */

/* Each buffer is summarized block by block in the same pass that computes it:
 * a block of k entries gives sum d and sum d^2 of d = v - shift, with the
 * shift the mean of the buffer's first block, so that the sums carry the
 * spread and not the offset ("shifted data", Chan, Golub & LeVeque 1983: the
 * error of M2 = sum d^2 - (sum d)^2/k is that of the two-pass algorithm times
 * 1 + (mean - shift)^2/var, which the first block's mean keeps near 1).
 * Blocks are merged by Chan et al.'s pairwise update.  A block whose sums are
 * not finite (an inf or NaN entry, or an overflow) is summed again by
 * Welford's update over its finite entries. */
typedef struct {
  double n, mean, m2; /* mean relative to shift */
  double shift;
  long long bad;      /* non-finite entries skipped */
} acc;

static void acc_merge(acc *a, double n, double mean, double m2)
{
  if (n == 0) return;
  if (a->n == 0) { a->n = n; a->mean = mean; a->m2 = m2; return; }
  double nt = a->n + n, d = mean - a->mean;
  a->m2 += m2 + d * d * a->n * n / nt;
  a->mean += d * n / nt;
  a->n = nt;
}

/* Sets the shift to the mean of the finite entries of v[0..k-1] (0 if none). */
static void acc_start(acc *a, const double *v, size_t k)
{
  double s = 0;
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    if (isfinite(v[i])) { s += v[i]; m++; }
  a->n = a->mean = a->m2 = 0;
  a->bad = 0;
  a->shift = m && isfinite(s) ? s / (double)m : 0;
}

/* The sums below run in two vectors of two lanes each (entry j in lane j
 * mod 4, the tail added last): gcc's vector extension, which any x86-64 runs
 * (SSE2) and whose lanes, fixed here, give the same bits whatever the vector
 * unit; a scalar loop's one chain of additions waits on each one's latency. */
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));

/* p[0..3] as two vectors */
static inline void load4(const double *p, v2d *a, v2d *b)
{
  __builtin_memcpy(a, p, 16);
  __builtin_memcpy(b, p + 2, 16);
}

/* The shifted sums of the finite entries of v[0..k-1] alone, and their
 * number m: an inf or NaN entry adds 0. */
static void finite_sums(const double *v, size_t k, double sh, double *s1, double *s2, size_t *m)
{
  v2d a1 = {0, 0}, a2 = {0, 0}, c1 = {0, 0}, c2 = {0, 0}, vs = {sh, sh}, inf = {INFINITY, INFINITY};
  v2i abs_mask = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL}, mc = {0, 0};
  size_t j = 0;
  for (; j + 4 <= k; j += 4) {
    v2d v0, v1;
    load4(v + j, &v0, &v1);
    v2i f0 = (v2d)((v2i)v0 & abs_mask) < inf, f1 = (v2d)((v2i)v1 & abs_mask) < inf; /* NaN: false */
    v2d e0 = (v2d)((v2i)(v0 - vs) & f0), e1 = (v2d)((v2i)(v1 - vs) & f1);
    a1 += e0; a2 += e0 * e0; c1 += e1; c2 += e1 * e1;
    mc += f0 + f1;
  }
  double t1 = (a1[0] + a1[1]) + (c1[0] + c1[1]), t2 = (a2[0] + a2[1]) + (c2[0] + c2[1]);
  size_t n = (size_t)-(mc[0] + mc[1]);
  for (; j < k; j++) {
    if (!isfinite(v[j])) continue;
    double d = v[j] - sh;
    t1 += d;
    t2 += d * d;
    n++;
  }
  *s1 = t1;
  *s2 = t2;
  *m = n;
}

/* Adds a block from its shifted sums s1 = sum d, s2 = sum d^2; falls back to
 * Welford over the finite entries of v when the sums are not finite. */
static void acc_add(acc *a, const double *v, size_t k, double s1, double s2)
{
  if (isfinite(s1) && isfinite(s2)) {
    double m2 = s2 - s1 * s1 / (double)k;
    acc_merge(a, (double)k, s1 / (double)k, m2 > 0 ? m2 : 0);
    return;
  }
  /* the shifted sums over the finite entries, if those are finite (an
   * overflowed network: inf entries among values that square finely) */
  double t1, t2;
  size_t m;
  finite_sums(v, k, a->shift, &t1, &t2, &m);
  if (isfinite(t1) && isfinite(t2)) {
    a->bad += (long long)(k - m);
    if (m == 0) return;
    double q = t2 - t1 * t1 / (double)m;
    acc_merge(a, (double)m, t1 / (double)m, q > 0 ? q : 0);
    return;
  }
  double n = 0, mean = 0, m2 = 0;
  for (size_t i = 0; i < k; i++) {
    if (!isfinite(v[i])) { a->bad++; continue; }
    double y = v[i] - a->shift;
    n += 1;
    double d = y - mean;
    mean += d / n;
    m2 += d * (y - mean);
  }
  acc_merge(a, n, mean, m2);
}

/* The shifted sums s1 = sum (v - sh), s2 = sum (v - sh)^2 of v[0..k-1]. */
static void shifted_sums(const double *v, size_t k, double sh, double *s1, double *s2)
{
  v2d a1 = {0, 0}, a2 = {0, 0}, c1 = {0, 0}, c2 = {0, 0}, vs = {sh, sh};
  size_t j = 0;
  for (; j + 4 <= k; j += 4) {
    v2d v0, v1;
    load4(v + j, &v0, &v1);
    v2d e0 = v0 - vs, e1 = v1 - vs;
    a1 += e0; a2 += e0 * e0; c1 += e1; c2 += e1 * e1;
  }
  double t1 = (a1[0] + a1[1]) + (c1[0] + c1[1]), t2 = (a2[0] + a2[1]) + (c2[0] + c2[1]);
  for (; j < k; j++) {
    double d = v[j] - sh;
    t1 += d;
    t2 += d * d;
  }
  *s1 = t1;
  *s2 = t2;
}

/* sum u[j] v[j] over j < k, in the lanes of shifted_sums. */
static double dot(const double *u, const double *v, size_t k)
{
  v2d a = {0, 0}, c = {0, 0};
  size_t j = 0;
  for (; j + 4 <= k; j += 4) {
    v2d u0, u1, v0, v1;
    load4(u + j, &u0, &u1);
    load4(v + j, &v0, &v1);
    a += u0 * v0;
    c += u1 * v1;
  }
  double t = (a[0] + a[1]) + (c[0] + c[1]);
  for (; j < k; j++) t += u[j] * v[j];
  return t;
}

/* Moments of a whole buffer in one pass. */
static void acc_buffer(acc *a, const double *v, size_t n)
{
  acc_start(a, v, n < BLOCK ? n : BLOCK);
  double sh = a->shift;
  for (size_t i = 0; i < n; i += BLOCK) {
    size_t k = n - i < BLOCK ? n - i : BLOCK;
    const double *b = v + i;
    double s1, s2;
    shifted_sums(b, k, sh, &s1, &s2);
    acc_add(a, b, k, s1, s2);
  }
}

static double acc_var(const acc *a) { return a->n > 1 ? a->m2 / (a->n - 1) : NAN; }
static double acc_mean(const acc *a) { return a->n > 0 ? a->shift + a->mean : NAN; }

/* Compares a mean and variance with gsl_stats_mean and gsl_stats_variance on
 * the same buffer (when every entry is finite) and keeps the largest relative
 * difference; the mean's is taken relative to max(|mean|, sd), the scale on
 * which a mean near zero is judged. */
static void cross_check(ilab_mlp *net, const acc *a, const double *v, size_t n)
{
  if (!net->cross_check || a->bad || n < 2) return;
  double m = gsl_stats_mean(v, 1, n), var = gsl_stats_variance_m(v, 1, n, m);
  if (!isfinite(var)) return;
  double sd = sqrt(var), dm = fabs(acc_mean(a) - m), dv = fabs(acc_var(a) - var);
  double rm = dm == 0 ? 0 : dm / fmax(fabs(m), sd), rv = dv == 0 ? 0 : dv / var;
  if (rm > net->check_max) net->check_max = rm;
  if (rv > net->check_max) net->check_max = rv;
}

/* ---- allocation ------------------------------------------------------------ */

static size_t add_ok(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }
static size_t mul_ok(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

/* Element counts of each buffer; SIZE_MAX on overflow. */
static void sizes(size_t L, const size_t *w, size_t B, size_t *nx, size_t *nh, size_t *nmax,
                  size_t *nw)
{
  *nx = *nh = *nmax = *nw = 0;
  for (size_t l = 0; l <= L; l++) {
    *nx = add_ok(*nx, mul_ok(B, w[l]));
    if (l) *nh = add_ok(*nh, mul_ok(B, w[l]));
    if (w[l] > *nmax) *nmax = w[l];
    if (l && mul_ok(w[l - 1], w[l]) > *nw) *nw = mul_ok(w[l - 1], w[l]);
  }
  *nmax = mul_ok(*nmax, B);
}

size_t ilab_mlp_bytes(size_t L, const size_t *widths, size_t batch, const ilab_act *act)
{
  size_t nx, nh, nmax, nw;
  sizes(L, widths, batch, &nx, &nh, &nmax, &nw);
  /* X_0..X_L, H (every layer's, or one), the gradients g, g2, dh, and dW */
  size_t n = add_ok(nx, add_ok(ilab_act_needs_h(act) ? nh : nmax, add_ok(mul_ok(3, nmax), nw)));
  return mul_ok(n, sizeof(double));
}

static void free_reduced(ilab_mlp *net);

void ilab_mlp_free(ilab_mlp *net)
{
  if (!net) return;
  free(net->widths); free(net->unit); free(net->scale); free(net->bias);
  free(net->x); free(net->h); free(net->x_off);
  free(net->g); free(net->g2); free(net->dh); free(net->dw);
  free_reduced(net);
  free(net);
}

int ilab_mlp_alloc(ilab_mlp **out, size_t L, const size_t *widths, size_t batch, const ilab_act *act)
{
  *out = NULL;
  if (ilab_mlp_bytes(L, widths, batch, act) == SIZE_MAX)
    ILAB_ERROR(ILAB_ENOMEM, "network too large to address");
  size_t nx, nh, nmax, nw;
  sizes(L, widths, batch, &nx, &nh, &nmax, &nw);
  ilab_mlp *net = calloc(1, sizeof *net);
  if (!net) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  net->L = L;
  net->batch = batch;
  net->act = *act;
  net->keep_h = ilab_act_needs_h(act);
  net->keep_dw = 1;
  net->loss_scale = 1;
  net->widths = malloc((L + 1) * sizeof *net->widths);
  net->unit = calloc(L + 1, sizeof *net->unit);
  net->scale = calloc(L + 1, sizeof *net->scale);
  net->bias = calloc(L + 1, sizeof *net->bias);
  net->x_off = malloc((L + 1) * sizeof *net->x_off);
  net->x = malloc(nx * sizeof(double));
  net->h = malloc((net->keep_h ? nh : nmax) * sizeof(double));
  net->g = malloc(nmax * sizeof(double));
  net->g2 = malloc(nmax * sizeof(double));
  net->dh = malloc(nmax * sizeof(double));
  net->dw = malloc(nw * sizeof(double));
  if (!net->widths || !net->unit || !net->scale || !net->bias || !net->x_off ||
      !net->x || !net->h || !net->g || !net->g2 || !net->dh || !net->dw) {
    ilab_mlp_free(net);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory allocating a network of %zu layers", L);
  }
  memcpy(net->widths, widths, (L + 1) * sizeof *widths);
  size_t ox = 0;
  for (size_t l = 0; l <= L; l++) {
    net->x_off[l] = ox;
    ox += batch * widths[l];
  }
  *out = net;
  return ILAB_OK;
}

void ilab_mlp_set_layer(ilab_mlp *net, size_t l, const double *unit, double scale, const double *b)
{
  assert(l >= 1 && l <= net->L);
  net->unit[l] = unit;
  net->scale[l] = scale;
  net->bias[l] = b;
}

void ilab_mlp_weights_changed(ilab_mlp *net)
{
  if (net->wf_ok) memset(net->wf_ok, 0, net->L + 1);
}

/* d[i] = f[i], binary32 widened to double (exact). */
static void widen(const float *f, double *d, size_t k)
{
  for (size_t i = 0; i < k; i++) d[i] = f[i];
}

/* In reduced precision the passes keep X_1..X_L, H, dL/dX and dL/dH in
 * binary32 only; these copy the one asked for into its double buffer (the
 * buffers are the struct's, not the struct: a const network may fill them). */
double *ilab_mlp_input(ilab_mlp *net) { return net->x; }
const double *ilab_mlp_x(const ilab_mlp *net, size_t l)
{
  assert(l <= net->L);
  if (net->prec != ILAB_PREC_DOUBLE && l > 0)
    widen(net->xf + net->x_off[l], net->x + net->x_off[l], net->batch * net->widths[l]);
  return net->x + net->x_off[l];
}
const double *ilab_mlp_h(const ilab_mlp *net)
{
  if (net->prec != ILAB_PREC_DOUBLE && net->h_last) {
    double *h = net->h + (net->keep_h ? (size_t)(net->hf_last - net->hf) : 0);
    widen(net->hf_last, h, net->batch * net->widths[net->l_last]);
    return h;
  }
  return net->h_last ? net->h_last : net->h;
}
const double *ilab_mlp_grad_x(const ilab_mlp *net)
{
  if (net->prec != ILAB_PREC_DOUBLE && net->g_n) widen(net->gf, net->g, net->g_n);
  return net->g;
}
const double *ilab_mlp_grad_w(const ilab_mlp *net)
{
  return net->prec == ILAB_PREC_DOUBLE && net->dw_formed ? net->dw : NULL;
}
const double *ilab_mlp_grad_h(const ilab_mlp *net)
{
  if (net->prec != ILAB_PREC_DOUBLE && net->dh_n) widen(net->dhf, net->dh, net->dh_n);
  return net->dh;
}

/* Adds the time since *t0 to net->time[k] and restarts the clock. */
static void lap(ilab_mlp *net, int k, double *t0)
{
  if (!net->timing) return;
  double t = ilab_clock_now();
  net->time[k] += t - *t0;
  *t0 = t;
}

/* Counts of the entries below tiny in magnitude (zero or subnormal in the
 * network's format) and of those that are +-inf. */
typedef struct { long long under, over; } range_count;

/* The passes in single, half and bfloat16, at the end of this file. */
static void forward_reduced(ilab_mlp *net, size_t l, ilab_layer_stats *st);
static void backward_reduced(ilab_mlp *net, size_t l, ilab_layer_stats *st);

/* ---- forward ---------------------------------------------------------------- */

/* The sums of a pair of blocks u, v (h and x = phi(h) forward, g and dh
 * backward): their shifted sums, the range counts of u, and the zeros of v
 * and its saturated entries. */
typedef struct {
  double u1, u2, v1, v2;
  long long zeros, sat;
  range_count rc;
} pair_sums;

/* What counts as saturated: nothing, |x| >= 0.99 (tanh, hardtanh), or x
 * within 0.01 of 0 or 1 (sigmoid). */
enum { SAT_NONE, SAT_SYM, SAT_UNIT };

/* One pass over u[0..k-1] and v[0..k-1] for all of pair_sums, in the lanes
 * of shifted_sums; inlined with sat a constant at each call. */
static inline __attribute__((always_inline)) void pair_lanes(const double *u, const double *v, size_t k, double shu,
                                                             double shv, double tiny, int sat, pair_sums *o)
{
  v2d a1 = {0, 0}, a2 = {0, 0}, b1 = {0, 0}, b2 = {0, 0}, c1 = {0, 0}, c2 = {0, 0}, d1 = {0, 0}, d2 = {0, 0};
  v2d vu = {shu, shu}, vv = {shv, shv}, zero = {0, 0}, vt = {tiny, tiny}, inf = {INFINITY, INFINITY};
  v2d lo = {0.01, 0.01}, hi = {0.99, 0.99};
  v2i abs_mask = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
  v2i zc = {0, 0}, sc = {0, 0}, uc = {0, 0}, oc = {0, 0}; /* minus the counts: a true comparison is -1 */
  size_t j = 0;
  for (; j + 4 <= k; j += 4) {
    v2d u0, u1, v0, v1;
    load4(u + j, &u0, &u1);
    load4(v + j, &v0, &v1);
    v2d e0 = u0 - vu, e1 = u1 - vu, f0 = v0 - vv, f1 = v1 - vv;
    a1 += e0; a2 += e0 * e0; c1 += e1; c2 += e1 * e1;
    b1 += f0; b2 += f0 * f0; d1 += f1; d2 += f1 * f1;
    zc += (v0 == zero) + (v1 == zero);
    if (sat == SAT_SYM) {
      v2d y0 = (v2d)((v2i)v0 & abs_mask), y1 = (v2d)((v2i)v1 & abs_mask);
      sc += (y0 >= hi) + (y1 >= hi);
    } else if (sat == SAT_UNIT) {
      sc += ((v0 <= lo) | (v0 >= hi)) + ((v1 <= lo) | (v1 >= hi));
    }
    v2d m0 = (v2d)((v2i)u0 & abs_mask), m1 = (v2d)((v2i)u1 & abs_mask);
    uc += (m0 < vt) + (m1 < vt);
    oc += (m0 == inf) + (m1 == inf);
  }
  double s1 = (a1[0] + a1[1]) + (c1[0] + c1[1]), s2 = (a2[0] + a2[1]) + (c2[0] + c2[1]);
  double t1 = (b1[0] + b1[1]) + (d1[0] + d1[1]), t2 = (b2[0] + b2[1]) + (d2[0] + d2[1]);
  long long zz = -(zc[0] + zc[1]), ss = -(sc[0] + sc[1]), nu = -(uc[0] + uc[1]), no = -(oc[0] + oc[1]);
  for (; j < k; j++) {
    double du = u[j] - shu, dv = v[j] - shv, vj = v[j], a = fabs(u[j]);
    s1 += du; s2 += du * du; t1 += dv; t2 += dv * dv;
    zz += vj == 0;
    if (sat == SAT_SYM) ss += fabs(vj) >= 0.99;
    else if (sat == SAT_UNIT) ss += vj <= 0.01 || vj >= 0.99;
    nu += a < tiny;
    no += isinf(a);
  }
  o->u1 = s1; o->u2 = s2; o->v1 = t1; o->v2 = t2;
  o->zeros = zz; o->sat = ss;
  o->rc.under = nu; o->rc.over = no;
}

typedef struct {
  acc h, x;
  long long zeros, sat;
  range_count rc;
} fwd_stats;

/* The statistics of one block of h and x = phi(h): shifted sums, zeros,
 * saturated entries and the range counts of h in the format (below tiny). */
static void forward_stats(const ilab_act *a, const double *h, const double *x, size_t k, double tiny, fwd_stats *f)
{
  double shh = f->h.shift, shx = f->x.shift;
  pair_sums o;
  switch (a->kind) {
  case ILAB_ACT_TANH:
  case ILAB_ACT_HARDTANH: pair_lanes(h, x, k, shh, shx, tiny, SAT_SYM, &o); break;
  case ILAB_ACT_SIGMOID: pair_lanes(h, x, k, shh, shx, tiny, SAT_UNIT, &o); break;
  default: pair_lanes(h, x, k, shh, shx, tiny, SAT_NONE, &o); break;
  }
  acc_add(&f->h, h, k, o.u1, o.u2);
  acc_add(&f->x, x, k, o.v1, o.v2);
  f->zeros += o.zeros;
  f->sat += o.sat;
  f->rc.under += o.rc.under;
  f->rc.over += o.rc.over;
}
static void forward_block(const ilab_act *a, const double *h, double *x, size_t k, double tiny, fwd_stats *f)
{
  ilab_act_phi_n(a, h, x, k);
  forward_stats(a, h, x, k, tiny, f);
}

/* A forward layer's row from its accumulated sums: means, variances, E[x^2],
 * the fractions, and the range counts of H_l in the network's format. */
static void forward_finish(ilab_mlp *net, const fwd_stats *f, const double *h, const double *x, size_t n,
                           ilab_layer_stats *st)
{
  cross_check(net, &f->h, h, n);
  cross_check(net, &f->x, x, n);
  st->h_mean = acc_mean(&f->h);
  st->h_var = acc_var(&f->h);
  st->x_mean = acc_mean(&f->x);
  st->x_var = acc_var(&f->x);
  /* E[x^2] = M2/n + mean^2, over the finite entries */
  st->x_sq = f->x.n > 0 ? f->x.m2 / f->x.n + st->x_mean * st->x_mean : NAN;
  st->zero_frac = (double)f->zeros / (double)n;
  st->sat_frac = (double)f->sat / (double)n;
  st->nonfinite = f->h.bad;
  st->h_under = n ? (double)f->rc.under / (double)n : NAN;
  st->h_over = f->rc.over;
}

void ilab_mlp_forward_layer(ilab_mlp *net, size_t l, ilab_layer_stats *st)
{
  assert(l >= 1 && l <= net->L); /* layer 0 is the input; widths[l] would be read past n_L */
  if (net->prec != ILAB_PREC_DOUBLE) { forward_reduced(net, l, st); return; }
  size_t B = net->batch, nin = net->widths[l - 1], nout = net->widths[l], n = B * nout;
  const double *x0 = net->x + net->x_off[l - 1];
  /* H_l in its own slot when phi' needs it later, in the shared one otherwise */
  double *h = net->keep_h ? net->h + (net->x_off[l] - net->x_off[1]) : net->h;
  double *x = net->x + net->x_off[l];
  double beta = 0, t0 = net->timing ? ilab_clock_now() : 0;
  net->h_last = h;
  if (net->bias[l]) {
    for (size_t i = 0; i < B; i++) memcpy(h + i * nout, net->bias[l], nout * sizeof *h);
    beta = 1;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)nout, (int)nin,
              net->scale[l], x0, (int)nin, net->unit[l], (int)nout, beta, h, (int)nout);
  net->flops += 2.0 * (double)B * (double)nin * (double)nout;
  lap(net, 0, &t0);
  /* shifts: the means of the first block of h and of phi(h) */
  fwd_stats f;
  size_t k0 = n < BLOCK ? n : BLOCK;
  double tiny = ilab_fp_tiny(net->prec);
  memset(&f, 0, sizeof f);
  forward_block(&net->act, h, x, k0, tiny, &f);
  acc_start(&f.h, h, k0);
  acc_start(&f.x, x, k0);
  memset(&f.rc, 0, sizeof f.rc);
  f.zeros = f.sat = 0;
  for (size_t i = 0; i < n; i += BLOCK) {
    size_t k = n - i < BLOCK ? n - i : BLOCK;
    forward_block(&net->act, h + i, x + i, k, tiny, &f);
  }
  forward_finish(net, &f, h, x, n, st);
  lap(net, 1, &t0);
}

/* ---- backward --------------------------------------------------------------- */

void ilab_mlp_backward_begin(ilab_mlp *net, const double *G)
{
  size_t n = net->batch * net->widths[net->L];
  memcpy(net->g, G, n * sizeof *G);
  if (net->loss_scale != 1)
    for (size_t i = 0; i < n; i++) net->g[i] *= net->loss_scale;
  if (net->prec != ILAB_PREC_DOUBLE) {
    for (size_t i = 0; i < n; i++) {
      net->g[i] = ilab_fp_round(net->prec, net->g[i]);
      net->gf[i] = (float)net->g[i];
    }
    net->g_n = n;
  }
}

/* The shifted sums of a block of g and of dh, and the range counts of g,
 * in one pass (the zeros of dh are counted too, and dropped). */
static void backward_stats(const double *g, const double *dh, size_t k, double tiny, acc *ag, acc *adh,
                           range_count *r)
{
  pair_sums o;
  pair_lanes(g, dh, k, ag->shift, adh->shift, tiny, SAT_NONE, &o);
  acc_add(ag, g, k, o.u1, o.u2);
  acc_add(adh, dh, k, o.v1, o.v2);
  r->under += o.rc.under;
  r->over += o.rc.over;
}

/* One block: dh = g * phi'(h), by act.c from X or, for the activations that
 * need it, from the kept H; then its statistics. */
static void backward_block(const ilab_act *a, const double *g, const double *xh, int from_h,
                           double *dh, size_t k, double tiny, acc *ag, acc *adh, range_count *r)
{
  if (from_h) ilab_act_grad_from_h(a, g, xh, dh, k);
  else ilab_act_grad_from_x(a, g, xh, dh, k);
  backward_stats(g, dh, k, tiny, ag, adh, r);
}

/* The backward fields of st from the accumulators, gradient variances
 * divided back by loss_scale^2, and the range of dL/dX_l (as stored, scaled). */
static void backward_finish(ilab_mlp *net, ilab_layer_stats *st, const acc *ag, const acc *adh,
                            const acc *adw, size_t n, const range_count *rc)
{
  double s2 = net->loss_scale * net->loss_scale;
  st->gx_var = acc_var(ag);
  st->gh_var = acc_var(adh);
  st->gw_var = acc_var(adw);
  if (s2 != 1) { st->gx_var /= s2; st->gh_var /= s2; st->gw_var /= s2; }
  st->g_nonfinite = ag->bad;
  st->g_under = n ? (double)rc->under / (double)n : NAN;
  st->g_over = rc->over;
}

/* The moments of dW = X^T dH / B (X: B x nin, dH: B x nout) without forming
 * it: sum_ij dW_ij = (X 1) . (dH 1) / B, and sum_ij dW_ij^2 = <X X^T, dH dH^T>
 * / B^2, the Frobenius product of the batch's Gram matrices (dsyrk, upper
 * triangles, in ws).  B^2 (nin + nout) flops against the product's 2 B nin
 * nout, and B^2 entries summed in place of nin nout.  Returns 0, leaving *a,
 * where that is not exact to rounding or ws (nin nout doubles) cannot hold
 * the two B x B matrices, the row sums and a row of ones: an inf or NaN
 * entry (the product then counts them), or Gram diagonals, or their
 * product, outside [2^-900, 2^900] (squares that underflow or overflow),
 * or a mean whose square dwarfs the spread. */
static int gram_var(const double *x, const double *dh, size_t B, size_t nin, size_t nout, double *ws, acc *a,
                    double *flops)
{
  size_t nmax = nin > nout ? nin : nout, N = nin * nout;
  if (B < 2 || 2 * B * B + 2 * B + nmax > N) return 0;
  double *gx = ws, *gh = ws + B * B, *r = gh + B * B, *s = r + B, *ones = s + B;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)B, (int)nin, 1.0, x, (int)nin, 0.0, gx, (int)B);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)B, (int)nout, 1.0, dh, (int)nout, 0.0, gh, (int)B);
  *flops += (double)(B + 1) * (double)B * (double)(nin + nout);
  double mx = 0, mh = 0;
  for (size_t b = 0; b < B; b++) {
    double u = gx[b * B + b], v = gh[b * B + b];
    if (!(u <= 0x1p900) || !(v <= 0x1p900)) return 0; /* NaN fails too */
    mx = u > mx ? u : mx;
    mh = v > mh ? v : mh;
  }
  /* a zero diagonal may be squares that underflowed: the product decides */
  if (mx < 0x1p-900 || mh < 0x1p-900 || mx * mh > 0x1p900 || mx * mh < 0x1p-900) return 0;
  for (size_t j = 0; j < nmax; j++) ones[j] = 1;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)B, (int)nin, 1.0, x, (int)nin, ones, 1, 0.0, r, 1);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)B, (int)nout, 1.0, dh, (int)nout, ones, 1, 0.0, s, 1);
  *flops += 2.0 * (double)B * (double)(nin + nout);
  double s1 = 0, diag = 0, off = 0;
  for (size_t b = 0; b < B; b++) {
    s1 += r[b] * s[b];
    diag += gx[b * B + b] * gh[b * B + b];
    off += dot(gx + b * B + b + 1, gh + b * B + b + 1, B - b - 1); /* the row right of the diagonal */
  }
  double bb = (double)B, s2 = (diag + 2 * off) / (bb * bb);
  s1 /= bb;
  /* sum dW^2 - (sum dW)^2 / N loses the digits by which the mean's square
   * exceeds the spread: past a factor 1e6 (1e-10 of the variance lost), or
   * with no spread at all, the product and its shifted sums decide */
  double m2 = s2 - s1 * s1 / (double)N;
  if (!(m2 > 1e-6 * (s1 * s1 / (double)N))) return 0;
  memset(a, 0, sizeof *a);
  a->n = (double)N;
  a->mean = s1 / (double)N;
  a->m2 = m2;
  return 1;
}

void ilab_mlp_backward_layer(ilab_mlp *net, size_t l, ilab_layer_stats *st)
{
  assert(l >= 1 && l <= net->L);
  if (net->prec != ILAB_PREC_DOUBLE) { backward_reduced(net, l, st); return; }
  size_t B = net->batch, nin = net->widths[l - 1], nout = net->widths[l], n = B * nout;
  const double *x0 = net->x + net->x_off[l - 1];
  /* H is kept when phi' needs it, or for another activation's sake (a sweep's
   * worker runs all of them): phi' from X wherever X determines it */
  int from_h = net->keep_h && ilab_act_needs_h(&net->act);
  const double *x = from_h ? net->h + (net->x_off[l] - net->x_off[1]) : net->x + net->x_off[l];
  acc ag, adh, adw;
  size_t k0 = n < BLOCK ? n : BLOCK;
  double t0 = net->timing ? ilab_clock_now() : 0;
  memset(&ag, 0, sizeof ag); /* the first block only finds the shifts; its sums are dropped */
  memset(&adh, 0, sizeof adh);
  range_count rc = {0, 0};
  double tiny = ilab_fp_tiny(net->prec);
  backward_block(&net->act, net->g, x, from_h, net->dh, k0, tiny, &ag, &adh, &rc); /* dh of the first block */
  acc_start(&ag, net->g, k0);
  acc_start(&adh, net->dh, k0);
  rc.under = rc.over = 0;
  for (size_t i = 0; i < n; i += BLOCK) {
    size_t k = n - i < BLOCK ? n - i : BLOCK;
    backward_block(&net->act, net->g + i, x + i, from_h, net->dh + i, k, tiny, &ag, &adh, &rc);
  }
  cross_check(net, &ag, net->g, n);
  cross_check(net, &adh, net->dh, n);
  lap(net, 3, &t0);
  /* dW = X_{l-1}^T dH / B: the batch-mean gradient, or only its variance
   * (formed all the same under the cross-check, which then compares the two) */
  int gram = !net->keep_dw && gram_var(x0, net->dh, B, nin, nout, net->dw, &adw, &net->flops);
  lap(net, 2, &t0);
  net->dw_formed = !gram || net->cross_check;
  if (net->dw_formed) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nin, (int)nout, (int)B,
                1.0 / (double)B, x0, (int)nin, net->dh, (int)nout, 0.0, net->dw, (int)nout);
    net->flops += 2.0 * (double)B * (double)nin * (double)nout;
    lap(net, 2, &t0);
    if (!gram) acc_buffer(&adw, net->dw, nin * nout);
    cross_check(net, &adw, net->dw, nin * nout);
  }
  lap(net, 3, &t0);
  backward_finish(net, st, &ag, &adh, &adw, n, &rc);
  if (l > 1) {
    /* dL/dX_{l-1} = dH W^T = scale * dH U^T */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)nin, (int)nout,
                net->scale[l], net->dh, (int)nout, net->unit[l], (int)nout, 0.0, net->g2, (int)nin);
    net->flops += 2.0 * (double)B * (double)nin * (double)nout;
    double *t = net->g; net->g = net->g2; net->g2 = t;
    lap(net, 2, &t0);
  }
}

/* ---- reduced precision: single, half, bfloat16 ------------------------------ */

/* The double buffers (x, h, g, dh, dw) hold values of the network's format,
 * so that the statistics and the double pass share their code; xf, wf, dhf
 * are the binary32 operands of sgemm and of the product's output, rounded to
 * the format after each product (Micikevicius et al. 2018, "Mixed precision
 * training": binary16 storage, binary32 accumulation). */

/* Entries of W_1..W_L together. */
static size_t weights_total(size_t L, const size_t *w)
{
  size_t n = 0;
  for (size_t l = 1; l <= L; l++) n = add_ok(n, mul_ok(w[l - 1], w[l]));
  return n;
}

size_t ilab_mlp_precision_bytes(size_t L, const size_t *widths, size_t batch, const ilab_act *act, ilab_precision p)
{
  if (p == ILAB_PREC_DOUBLE) return 0;
  size_t nx, nh, nmax, nw;
  sizes(L, widths, batch, &nx, &nh, &nmax, &nw);
  /* xf, wf, hf, dhf, gf, g2f, of */
  size_t f = add_ok(add_ok(nx, weights_total(L, widths)), ilab_act_needs_h(act) ? nh : nmax);
  f = add_ok(f, add_ok(mul_ok(3, nmax), nw > nmax ? nw : nmax));
  return add_ok(mul_ok(f, sizeof(float)),
                mul_ok(L + 1, sizeof(size_t) + 1 + 2 * sizeof(float) + sizeof(double *) + sizeof(double)));
}

/* Frees the binary32 buffers and returns to double. */
static void free_reduced(ilab_mlp *net)
{
  free(net->xf); free(net->wf); free(net->dhf); free(net->of); free(net->wf_off); free(net->wf_ok);
  free(net->xf_max); free(net->wf_max); free(net->hf); free(net->gf); free(net->g2f);
  free(net->wf_unit); free(net->wf_scale);
  net->wf_unit = NULL;
  net->wf_scale = NULL;
  net->xf = net->wf = net->dhf = net->of = net->xf_max = net->wf_max = net->hf = net->gf = net->g2f = NULL;
  net->wf_off = NULL;
  net->wf_ok = NULL;
  net->prec = ILAB_PREC_DOUBLE;
}

int ilab_mlp_set_precision(ilab_mlp *net, ilab_precision p, double loss_scale)
{
  if (!(loss_scale > 0) || !isfinite(loss_scale))
    ILAB_ERROR(ILAB_EINVAL, "loss scale must be finite and > 0, not %g", loss_scale);
  net->loss_scale = loss_scale;
  net->prec = p;
  net->h_last = NULL;
  net->hf_last = NULL;
  net->g_n = net->dh_n = 0;
  if (net->wf_ok) memset(net->wf_ok, 0, net->L + 1);
  if (p == ILAB_PREC_DOUBLE || net->xf) return ILAB_OK;
  size_t nx, nh, nmax, nw;
  if (ilab_mlp_precision_bytes(net->L, net->widths, net->batch, &net->act, p) == SIZE_MAX)
    ILAB_ERROR(ILAB_ENOMEM, "network too large to address");
  sizes(net->L, net->widths, net->batch, &nx, &nh, &nmax, &nw);
  net->xf = malloc(nx * sizeof(float));
  net->wf = malloc(weights_total(net->L, net->widths) * sizeof(float));
  net->hf = malloc((net->keep_h ? nh : nmax) * sizeof(float));
  net->dhf = malloc(nmax * sizeof(float));
  net->gf = malloc(nmax * sizeof(float));
  net->g2f = malloc(nmax * sizeof(float));
  net->of = malloc((nw > nmax ? nw : nmax) * sizeof(float));
  net->wf_off = malloc((net->L + 1) * sizeof *net->wf_off);
  net->wf_ok = calloc(net->L + 1, 1);
  net->xf_max = calloc(net->L + 1, sizeof(float));
  net->wf_max = calloc(net->L + 1, sizeof(float));
  net->wf_unit = calloc(net->L + 1, sizeof *net->wf_unit);
  net->wf_scale = calloc(net->L + 1, sizeof *net->wf_scale);
  if (!net->xf || !net->wf || !net->hf || !net->dhf || !net->gf || !net->g2f || !net->of || !net->wf_off ||
      !net->wf_ok || !net->xf_max || !net->wf_max || !net->wf_unit || !net->wf_scale) {
    free_reduced(net);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for a network's binary32 buffers");
  }
  for (size_t l = 1, off = 0; l <= net->L; off += net->widths[l - 1] * net->widths[l], l++) net->wf_off[l] = off;
  return ILAB_OK;
}

/* The largest |v[i]| of binary32 entries, from their bit patterns: with the
 * sign cleared, the order of the patterns is that of the magnitudes (NaN's
 * above inf's), and an integer maximum is a reduction the compiler
 * vectorizes, which a float one is not without -ffast-math.  The patterns
 * are then below 2^31, so a signed comparison, which SSE2 has, orders them. */
static float max_abs_f(const float *v, size_t n)
{
  int32_t m = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t u;
    memcpy(&u, v + i, sizeof u);
    u &= 0x7fffffff;
    m = u > m ? u : m;
  }
  float r;
  memcpy(&r, &m, sizeof r);
  return r;
}

/* W_l = scale * unit rounded to the format, into its slot of wf, with its
 * largest magnitude, unless the slot holds it already: rounded from the same
 * unit and scale (a cell of another activation, the backward pass after the
 * forward one) since ilab_mlp_weights_changed.  LSUV and a new cell change
 * the scale, a new scheme the unit.  Block by block, so that the maximum
 * reads what the rounding has just written while it is in the cache. */
static float *weights_reduced(ilab_mlp *net, size_t l)
{
  float *w = net->wf + net->wf_off[l];
  size_t nw = net->widths[l - 1] * net->widths[l];
  if (!net->wf_ok[l] || net->wf_unit[l] != net->unit[l] || net->wf_scale[l] != net->scale[l]) {
    net->wf_unit[l] = net->unit[l];
    net->wf_scale[l] = net->scale[l];
    float m = 0;
    for (size_t i = 0; i < nw; i += BLOCK) {
      size_t k = nw - i < BLOCK ? nw - i : BLOCK;
      ilab_fp_round_dn(net->prec, net->unit[l] + i, net->scale[l], w + i, k);
      float mb = max_abs_f(w + i, k);
      if (!(mb <= m)) m = mb; /* NaN's pattern is the largest: it stays */
    }
    net->wf_max[l] = m;
  }
  net->wf_ok[l] = 1;
  return w;
}

/* Rounds v (double) to the format in place and copies it to vf (binary32);
 * returns the largest magnitude. */
static float round_copy(ilab_precision p, double *v, float *vf, size_t n)
{
  if (p == ILAB_PREC_SINGLE) {
    /* the conversion rounds to nearest even; one loop the compiler
     * vectorizes, with the maximum of max_abs_f */
    int32_t m = 0;
    for (size_t i = 0; i < n; i++) {
      float f = (float)v[i];
      vf[i] = f;
      v[i] = f;
      int32_t u;
      memcpy(&u, &f, sizeof u);
      u &= 0x7fffffff;
      m = u > m ? u : m;
    }
    float r;
    memcpy(&r, &m, sizeof r);
    return r;
  }
  for (size_t i = 0; i < n; i++) {
    v[i] = ilab_fp_round(p, v[i]);
    vf[i] = (float)v[i];
  }
  return max_abs_f(vf, n);
}

/* The larger of two max_abs_f results, NaN's pattern counting as largest. */
static float max_f(float a, float b) { return max_abs_f((const float[2]){a, b}, 2); }

/* Scales n binary32 entries by 2^e in place: exact while no entry leaves
 * the finite range (sgemm_ranged keeps them below 2^101). */
static void scale_pow2_f(float *v, size_t n, int e)
{
  double f = ldexp(1.0, e); /* 2^e itself may be beyond binary32's range */
  for (size_t i = 0; i < n; i++) v[i] = (float)((double)v[i] * f);
}

/* C = alpha op(A) op(B) + (bias ? each row of C = bias : 0), the product of a
 * reduced-precision pass, in binary32 (sgemm), with a wide exponent range.
 *
 * Operands whose largest magnitudes amax, bmax multiply to below 2^-64 are
 * the vanishing cells of a sweep (normal:std=0.01 in a ReLU net): their
 * products are subnormal binary32 numbers, and an x86 core takes a microcode
 * assist, a hundred cycles and more, for each operation that reads or makes
 * one, which made such a cell 15 times slower than a healthy one.  So they
 * are multiplied first by powers of two 2^ka, 2^kb (exact: no entry leaves
 * the range), the product is taken at the scale where its terms are normal,
 * and each result is then brought back, 2^-(ka+kb) C' (+ bias), in double
 * and rounded once to binary32, subnormals and zero included.  The operands
 * are restored exactly.  What is stored is what binary32 stores; the
 * partial sums keep their 24 bits instead of a subnormal's fewer, the
 * accumulator of an FMA unit with a wider exponent.  The decision depends on
 * the values alone, so it is the same for any thread count. */
static void sgemm_ranged(ilab_mlp *net, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, size_t m, size_t n, size_t k,
                         float alpha, float *A, size_t lda, size_t na, float amax, float *B, size_t ldb,
                         size_t nb, float bmax, const double *bias, float *C)
{
  int ka = 0, kb = 0;
  if (amax > 0 && bmax > 0 && isfinite(amax) && isfinite(bmax)) {
    int ea = ilogbf(amax), eb = ilogbf(bmax);
    if (ea + eb < -64) {
      int e = -(ea + eb);        /* the products' scale brought to about 1 */
      ka = e < 100 - ea ? e : 100 - ea;
      kb = e - ka;               /* B takes the rest: eb + kb = -100 + ... <= 100 */
    }
  }
  net->flops += 2.0 * (double)m * (double)n * (double)k;
  if (ka == 0 && kb == 0) {
    float beta = 0;
    if (bias) {
      for (size_t j = 0; j < n; j++) C[j] = (float)ilab_fp_round(net->prec, bias[j]);
      for (size_t i = 1; i < m; i++) memcpy(C + i * n, C, n * sizeof *C);
      beta = 1;
    }
    cblas_sgemm(CblasRowMajor, ta, tb, (int)m, (int)n, (int)k, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)n);
    return;
  }
  if (ka) scale_pow2_f(A, na, ka);
  if (kb) scale_pow2_f(B, nb, kb);
  cblas_sgemm(CblasRowMajor, ta, tb, (int)m, (int)n, (int)k, alpha, A, (int)lda, B, (int)ldb, 0.0f, C, (int)n);
  if (ka) scale_pow2_f(A, na, -ka);
  if (kb) scale_pow2_f(B, nb, -kb);
  double down = ldexp(1.0, -(ka + kb));
  for (size_t i = 0; i < m; i++) {
    float *c = C + i * n;
    if (bias)
      for (size_t j = 0; j < n; j++) c[j] = (float)((double)c[j] * down + (double)(float)ilab_fp_round(net->prec, bias[j]));
    else
      for (size_t j = 0; j < n; j++) c[j] = (float)((double)c[j] * down);
  }
}

/* The forward pass in the network's format.  The product goes straight
 * into H_l's binary32 slot; then each block of BLOCK entries goes through
 * every step in the cache: H_l rounded to the format, widened, phi in double
 * on the stored H, X_l rounded once to the format into xf, the statistics
 * and range counts from the double copies of the block.  The double buffers
 * are filled only for the cross-check (and by the accessors, on demand). */
static void forward_reduced(ilab_mlp *net, size_t l, ilab_layer_stats *st)
{
  size_t B = net->batch, nin = net->widths[l - 1], nout = net->widths[l], n = B * nout;
  ilab_precision p = net->prec;
  size_t ho = net->keep_h ? net->x_off[l] - net->x_off[1] : 0;
  float *hf = net->hf + ho, *xf = net->xf + net->x_off[l];
  double *h = net->h + ho, *x = net->x + net->x_off[l];
  double t0 = net->timing ? ilab_clock_now() : 0;
  if (l == 1) net->xf_max[0] = round_copy(p, net->x, net->xf, B * nin); /* X_0 in the format */
  float *w = weights_reduced(net, l);
  sgemm_ranged(net, CblasNoTrans, CblasNoTrans, B, nout, nin, 1.0f, net->xf + net->x_off[l - 1], nin, B * nin,
               net->xf_max[l - 1], w, nout, nin * nout, net->wf_max[l], net->bias[l], hf);
  lap(net, 0, &t0);
  fwd_stats f;
  memset(&f, 0, sizeof f);
  double tiny = ilab_fp_tiny(p), th[BLOCK], tx[BLOCK];
  float xmax = 0;
  for (size_t i = 0; i < n; i += BLOCK) {
    size_t k = n - i < BLOCK ? n - i : BLOCK;
    ilab_fp_round_fn(p, hf + i, hf + i, k);
    widen(hf + i, th, k);
    ilab_act_phi_n(&net->act, th, tx, k);
    xmax = max_f(xmax, round_copy(p, tx, xf + i, k));
    if (i == 0) {
      acc_start(&f.h, th, k); /* shifts: the means of the first block */
      acc_start(&f.x, tx, k);
    }
    forward_stats(&net->act, th, tx, k, tiny, &f);
  }
  net->xf_max[l] = xmax;
  net->hf_last = hf;
  net->h_last = h;
  net->l_last = l;
  if (net->cross_check) {
    widen(hf, h, n);
    widen(xf, x, n);
  }
  forward_finish(net, &f, h, x, n, st);
  lap(net, 1, &t0);
}

/* The backward pass in the network's format, block by block as forward:
 * dH = G phi'(H) in double on stored values, rounded once to the format,
 * with the statistics of G and dH and the range counts of G; then dW and
 * dL/dX_{l-1}, products accumulated in binary32 and rounded. */
static void backward_reduced(ilab_mlp *net, size_t l, ilab_layer_stats *st)
{
  size_t B = net->batch, nin = net->widths[l - 1], nout = net->widths[l], n = B * nout, nw = nin * nout;
  ilab_precision p = net->prec;
  float *x0f = net->xf + net->x_off[l - 1];
  /* phi' from X wherever X determines it, as the double pass reads it */
  int from_h = net->keep_h && ilab_act_needs_h(&net->act);
  const float *xhf = from_h ? net->hf + (net->x_off[l] - net->x_off[1]) : net->xf + net->x_off[l];
  double t0 = net->timing ? ilab_clock_now() : 0;
  acc ag, adh, adw; /* started by the first block (zero for an empty layer) */
  memset(&ag, 0, sizeof ag);
  memset(&adh, 0, sizeof adh);
  memset(&adw, 0, sizeof adw);
  range_count rc = {0, 0};
  double tiny = ilab_fp_tiny(p), tg[BLOCK], tq[BLOCK], td[BLOCK], s1, s2;
  float dh_max = 0;
  for (size_t i = 0; i < n; i += BLOCK) {
    size_t k = n - i < BLOCK ? n - i : BLOCK;
    widen(net->gf + i, tg, k);
    widen(xhf + i, tq, k);
    if (from_h) ilab_act_grad_from_h(&net->act, tg, tq, td, k);
    else ilab_act_grad_from_x(&net->act, tg, tq, td, k);
    dh_max = max_f(dh_max, round_copy(p, td, net->dhf + i, k));
    if (i == 0) {
      acc_start(&ag, tg, k);
      acc_start(&adh, td, k);
    }
    backward_stats(tg, td, k, tiny, &ag, &adh, &rc);
  }
  net->dh_n = n;
  if (net->cross_check) {
    widen(net->gf, net->g, n);
    widen(net->dhf, net->dh, n);
    cross_check(net, &ag, net->g, n);
    cross_check(net, &adh, net->dh, n);
  }
  lap(net, 3, &t0);
  /* dW = X_{l-1}^T dH / B, summarized block by block from binary32 */
  sgemm_ranged(net, CblasTrans, CblasNoTrans, nin, nout, B, 1.0f / (float)B, x0f, nin, B * nin,
               net->xf_max[l - 1], net->dhf, nout, n, dh_max, NULL, net->of);
  lap(net, 2, &t0);
  for (size_t i = 0; i < nw; i += BLOCK) {
    size_t k = nw - i < BLOCK ? nw - i : BLOCK;
    ilab_fp_round_fn(p, net->of + i, net->of + i, k);
    widen(net->of + i, tg, k);
    if (i == 0) acc_start(&adw, tg, k);
    shifted_sums(tg, k, adw.shift, &s1, &s2);
    acc_add(&adw, tg, k, s1, s2);
  }
  if (net->cross_check) {
    widen(net->of, net->dw, nw);
    cross_check(net, &adw, net->dw, nw);
  }
  lap(net, 3, &t0);
  backward_finish(net, st, &ag, &adh, &adw, n, &rc);
  if (l > 1) {
    /* dL/dX_{l-1} = dH W_l^T */
    float *w = weights_reduced(net, l);
    sgemm_ranged(net, CblasNoTrans, CblasTrans, B, nin, nout, 1.0f, net->dhf, nout, n, dh_max, w, nout, nw,
                 net->wf_max[l], NULL, net->g2f);
    ilab_fp_round_fn(p, net->g2f, net->g2f, B * nin);
    float *t = net->gf; net->gf = net->g2f; net->g2f = t;
    net->g_n = B * nin;
    lap(net, 2, &t0);
  }
}
