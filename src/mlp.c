/* The forward and backward passes of a deep MLP, with their statistics fused
 * into the passes that apply phi and phi'. */
#include "mlp.h"
#include "ilab.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_statistics_double.h>

/* ---- streaming (count, mean, M2) over finite entries ---------------------- */

typedef struct {
  double n, mean, m2; /* mean relative to shift, the first finite value seen, so
                         that data far from zero keep their digits */
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

/* Adds a block that is in cache: two passes over it (sum, then squared
 * deviations, with the corrected two-pass term -(sum d)^2/k of Chan, Golub &
 * LeVeque 1983), merged into the running (count, mean, M2) by Chan et al.'s
 * pairwise update.  A block with inf or NaN entries, or whose sums overflow,
 * goes through Welford's update over its finite entries instead. */
static void acc_block(acc *a, const double *v, size_t k)
{
  if (a->n == 0 && isfinite(v[0])) a->shift = v[0];
  double s = 0, sh = a->shift;
  for (size_t i = 0; i < k; i++) s += v[i] - sh;
  if (isfinite(s)) {
    double mean = s / (double)k, m2 = 0, c = 0;
    for (size_t i = 0; i < k; i++) {
      double d = (v[i] - sh) - mean;
      c += d;
      m2 += d * d;
    }
    m2 -= c * c / (double)k;
    if (isfinite(m2)) {
      acc_merge(a, (double)k, mean, m2);
      return;
    }
  }
  double n = 0, mean = 0, m2 = 0;
  for (size_t i = 0; i < k; i++) {
    if (!isfinite(v[i])) { a->bad++; continue; }
    if (a->n == 0 && n == 0) sh = a->shift = v[i];
    double y = v[i] - sh;
    n += 1;
    double d = y - mean;
    mean += d / n;
    m2 += d * (y - mean);
  }
  acc_merge(a, n, mean, m2);
}

static double acc_var(const acc *a) { return a->n > 1 ? a->m2 / (a->n - 1) : NAN; }
static double acc_mean(const acc *a) { return a->n > 0 ? a->shift + a->mean : NAN; }

/* Block length: two blocks of doubles (input and output) stay in L1. */
#define BLOCK 512

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

size_t ilab_mlp_bytes(size_t L, const size_t *widths, size_t batch)
{
  size_t nx, nh, nmax, nw;
  sizes(L, widths, batch, &nx, &nh, &nmax, &nw);
  size_t n = add_ok(add_ok(nx, nh), add_ok(mul_ok(3, nmax), nw));
  return mul_ok(n, sizeof(double));
}

void ilab_mlp_free(ilab_mlp *net)
{
  if (!net) return;
  free(net->widths); free(net->unit); free(net->scale); free(net->bias);
  free(net->x); free(net->h); free(net->x_off); free(net->h_off);
  free(net->g); free(net->g2); free(net->dh); free(net->dw);
  free(net);
}

int ilab_mlp_alloc(ilab_mlp **out, size_t L, const size_t *widths, size_t batch, const ilab_act *act)
{
  *out = NULL;
  if (ilab_mlp_bytes(L, widths, batch) == SIZE_MAX)
    ILAB_ERROR(ILAB_ENOMEM, "network too large to address");
  size_t nx, nh, nmax, nw;
  sizes(L, widths, batch, &nx, &nh, &nmax, &nw);
  ilab_mlp *net = calloc(1, sizeof *net);
  if (!net) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  net->L = L;
  net->batch = batch;
  net->act = *act;
  net->widths = malloc((L + 1) * sizeof *net->widths);
  net->unit = calloc(L + 1, sizeof *net->unit);
  net->scale = calloc(L + 1, sizeof *net->scale);
  net->bias = calloc(L + 1, sizeof *net->bias);
  net->x_off = malloc((L + 1) * sizeof *net->x_off);
  net->h_off = malloc((L + 1) * sizeof *net->h_off);
  net->x = malloc(nx * sizeof(double));
  net->h = malloc(nh * sizeof(double));
  net->g = malloc(nmax * sizeof(double));
  net->g2 = malloc(nmax * sizeof(double));
  net->dh = malloc(nmax * sizeof(double));
  net->dw = malloc(nw * sizeof(double));
  if (!net->widths || !net->unit || !net->scale || !net->bias || !net->x_off || !net->h_off ||
      !net->x || !net->h || !net->g || !net->g2 || !net->dh || !net->dw) {
    ilab_mlp_free(net);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory allocating a network of %zu layers", L);
  }
  memcpy(net->widths, widths, (L + 1) * sizeof *widths);
  size_t ox = 0, oh = 0;
  for (size_t l = 0; l <= L; l++) {
    net->x_off[l] = ox;
    ox += batch * widths[l];
    net->h_off[l] = oh; /* H_l at h_off[l], l >= 1 */
    if (l) oh += batch * widths[l];
  }
  *out = net;
  return ILAB_OK;
}

void ilab_mlp_set_layer(ilab_mlp *net, size_t l, const double *unit, double scale, const double *b)
{
  net->unit[l] = unit;
  net->scale[l] = scale;
  net->bias[l] = b;
}

double *ilab_mlp_input(ilab_mlp *net) { return net->x; }
const double *ilab_mlp_x(const ilab_mlp *net, size_t l) { return net->x + net->x_off[l]; }
const double *ilab_mlp_h(const ilab_mlp *net, size_t l) { return net->h + net->h_off[l]; }
const double *ilab_mlp_grad_x(const ilab_mlp *net) { return net->g; }
const double *ilab_mlp_grad_w(const ilab_mlp *net) { return net->dw; }

/* ---- forward ---------------------------------------------------------------- */

/* x = phi(h) over a block, counting zeros, saturated and non-finite entries. */
static void phi_block(const ilab_act *a, const double *h, double *x, size_t k, long long *zeros,
                      long long *sat, long long *bad)
{
  long long z = 0, s = 0, b = 0;
  switch (a->kind) {
  case ILAB_ACT_LINEAR:
    for (size_t i = 0; i < k; i++) { x[i] = h[i]; z += h[i] == 0; }
    break;
  case ILAB_ACT_RELU:
    for (size_t i = 0; i < k; i++) { x[i] = h[i] > 0 ? h[i] : 0.0; z += !(h[i] > 0); }
    break;
  case ILAB_ACT_TANH:
    /* saturated: |tanh h| >= 0.99, within 1% of the bounds -1, 1 */
    for (size_t i = 0; i < k; i++) { x[i] = tanh(h[i]); z += x[i] == 0; s += fabs(x[i]) >= 0.99; }
    break;
  case ILAB_ACT_SIGMOID:
    /* saturated: within 1% of the bounds 0, 1 */
    for (size_t i = 0; i < k; i++) {
      x[i] = 1.0 / (1.0 + exp(-h[i]));
      z += x[i] == 0;
      s += x[i] <= 0.01 || x[i] >= 0.99;
    }
    break;
  default:
    for (size_t i = 0; i < k; i++) { x[i] = ilab_act_phi(a, h[i]); z += x[i] == 0; }
  }
  for (size_t i = 0; i < k; i++) b += !isfinite(h[i]);
  if (a->kind == ILAB_ACT_RELU) /* NaN is not > 0 but relu(NaN) should stay NaN */
    for (size_t i = 0; b && i < k; i++) if (isnan(h[i])) { x[i] = h[i]; z--; }
  *zeros += z; *sat += s; *bad += b;
}

void ilab_mlp_forward_layer(ilab_mlp *net, size_t l, ilab_layer_stats *st)
{
  size_t B = net->batch, nin = net->widths[l - 1], nout = net->widths[l], n = B * nout;
  const double *x0 = net->x + net->x_off[l - 1];
  double *h = net->h + net->h_off[l], *x = net->x + net->x_off[l];
  double beta = 0;
  if (net->bias[l]) {
    for (size_t i = 0; i < B; i++) memcpy(h + i * nout, net->bias[l], nout * sizeof *h);
    beta = 1;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)nout, (int)nin,
              net->scale[l], x0, (int)nin, net->unit[l], (int)nout, beta, h, (int)nout);
  acc ah = {0, 0, 0, 0, 0}, ax = {0, 0, 0, 0, 0};
  long long zeros = 0, sat = 0, bad = 0;
  for (size_t i = 0; i < n; i += BLOCK) {
    size_t k = n - i < BLOCK ? n - i : BLOCK;
    phi_block(&net->act, h + i, x + i, k, &zeros, &sat, &bad);
    acc_block(&ah, h + i, k);
    acc_block(&ax, x + i, k);
  }
  cross_check(net, &ah, h, n);
  cross_check(net, &ax, x, n);
  st->h_mean = acc_mean(&ah);
  st->h_var = acc_var(&ah);
  st->x_mean = acc_mean(&ax);
  st->x_var = acc_var(&ax);
  /* E[x^2] = M2/n + mean^2, over the finite entries */
  st->x_sq = ax.n > 0 ? ax.m2 / ax.n + acc_mean(&ax) * acc_mean(&ax) : NAN;
  st->zero_frac = (double)zeros / (double)n;
  st->sat_frac = (double)sat / (double)n;
  st->nonfinite = bad;
}

/* ---- backward --------------------------------------------------------------- */

void ilab_mlp_backward_begin(ilab_mlp *net, const double *G)
{
  memcpy(net->g, G, net->batch * net->widths[net->L] * sizeof *G);
}

/* dh = g * phi'(h) over a block; x = phi(h) is at hand to save a tanh. */
static void dphi_block(const ilab_act *a, const double *g, const double *h, const double *x,
                       double *dh, size_t k)
{
  switch (a->kind) {
  case ILAB_ACT_LINEAR: memcpy(dh, g, k * sizeof *dh); break;
  case ILAB_ACT_RELU: for (size_t i = 0; i < k; i++) dh[i] = h[i] > 0 ? g[i] : 0.0; break;
  case ILAB_ACT_TANH: for (size_t i = 0; i < k; i++) dh[i] = g[i] * (1.0 - x[i] * x[i]); break;
  case ILAB_ACT_SIGMOID: for (size_t i = 0; i < k; i++) dh[i] = g[i] * x[i] * (1.0 - x[i]); break;
  default: for (size_t i = 0; i < k; i++) dh[i] = g[i] * ilab_act_dphi(a, h[i]);
  }
}

void ilab_mlp_backward_layer(ilab_mlp *net, size_t l, ilab_layer_stats *st)
{
  size_t B = net->batch, nin = net->widths[l - 1], nout = net->widths[l], n = B * nout;
  const double *h = net->h + net->h_off[l], *x = net->x + net->x_off[l];
  const double *x0 = net->x + net->x_off[l - 1];
  acc ag = {0, 0, 0, 0, 0}, adh = {0, 0, 0, 0, 0}, adw = {0, 0, 0, 0, 0};
  for (size_t i = 0; i < n; i += BLOCK) {
    size_t k = n - i < BLOCK ? n - i : BLOCK;
    dphi_block(&net->act, net->g + i, h + i, x + i, net->dh + i, k);
    acc_block(&ag, net->g + i, k);
    acc_block(&adh, net->dh + i, k);
  }
  cross_check(net, &ag, net->g, n);
  cross_check(net, &adh, net->dh, n);
  /* dW = X_{l-1}^T dH / B: the batch-mean gradient */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nin, (int)nout, (int)B,
              1.0 / (double)B, x0, (int)nin, net->dh, (int)nout, 0.0, net->dw, (int)nout);
  for (size_t i = 0; i < nin * nout; i += BLOCK) {
    size_t k = nin * nout - i < BLOCK ? nin * nout - i : BLOCK;
    acc_block(&adw, net->dw + i, k);
  }
  cross_check(net, &adw, net->dw, nin * nout);
  if (l > 1) {
    /* dL/dX_{l-1} = dH W^T = scale * dH U^T */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)nin, (int)nout,
                net->scale[l], net->dh, (int)nout, net->unit[l], (int)nout, 0.0, net->g2, (int)nin);
    double *t = net->g; net->g = net->g2; net->g2 = t;
  }
  st->gx_var = acc_var(&ag);
  st->gh_var = acc_var(&adh);
  st->gw_var = acc_var(&adw);
  st->g_nonfinite = ag.bad;
}
