/* Judging stored weights against schemes: fans from shapes, exact and
 * rounded laws, the checks of moments.c, and the best-fitting candidate. */
#include "audit.h"
#include "ilab.h"
#include "moments.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

const char *const ilab_audit_candidates[] = {
    /* fan-dependent: the presets as torch.nn.init draws them ... */
    "lecun_normal", "lecun_uniform", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "he_normal:mode=fan_out", "he_uniform:mode=fan_out",
    /* ... as Keras draws its *_normal (a corrected truncated normal) ... */
    "lecun_normal:dist=truncated_normal", "glorot_normal:dist=truncated_normal",
    "he_normal:dist=truncated_normal",
    /* ... and the framework defaults */
    "torch_linear", "tf1_truncated", "tf1_contrib", "darknet_connected",
    /* fixed laws: BERT/GPT-style N(0, 0.02^2) (torch's trunc_normal_(std=0.02)
     * cuts at +-2 = 100 sd, the same law to double precision), TF's
     * truncated_normal(0.02), N(0, 1) (nn.Embedding, randn), torch's
     * trunc_normal_() with its defaults, ... */
    "normal:std=0.02", "normal:std=0.01", "truncated_normal:std=0.02", "normal:std=1",
    "truncated_normal:std=1",
    /* Keras's RandomNormal, RandomUniform and TruncatedNormal defaults */
    "normal:std=0.05", "uniform:limit=0.05", "truncated_normal:std=0.05"};
const size_t ilab_audit_ncandidates = sizeof ilab_audit_candidates / sizeof ilab_audit_candidates[0];
/* the first NFAN candidates need fans */
#define NFAN 15

int ilab_audit_fans(const size_t *shape, int ndim, ilab_layout layout, size_t *fan_in, size_t *fan_out,
                    char *rule, size_t rule_size)
{
  size_t rf = 1;
  *fan_in = *fan_out = 0;
  if (layout == ILAB_LAYOUT_TORCH) {
    if (ndim < 2) {
      snprintf(rule, rule_size, "torch:none(<2 axes)");
      ILAB_ERROR(ILAB_EINVAL, "torch defines no fans for a tensor with fewer than 2 axes");
    }
    for (int k = 2; k < ndim; k++) rf *= shape[k];
    *fan_in = shape[1] * rf;
    *fan_out = shape[0] * rf;
    snprintf(rule, rule_size, ndim == 2 ? "torch:linear(out,in)" : "torch:conv(out,in/g,k..)");
  } else {
    if (ndim == 0) {
      *fan_in = *fan_out = 1;
      snprintf(rule, rule_size, "keras:scalar");
    } else if (ndim == 1) {
      *fan_in = *fan_out = shape[0];
      snprintf(rule, rule_size, "keras:vector(n)");
    } else {
      for (int k = 0; k < ndim - 2; k++) rf *= shape[k];
      *fan_in = shape[ndim - 2] * rf;
      *fan_out = shape[ndim - 1] * rf;
      snprintf(rule, rule_size, ndim == 2 ? "keras:dense(in,out)" : "keras:conv(k..,in,out)");
    }
  }
  if (*fan_in == 0 || *fan_out == 0) ILAB_ERROR(ILAB_EINVAL, "a fan is 0");
  return ILAB_OK;
}

int ilab_audit_transposed_name(const char *name)
{
  char low[256];
  size_t i = 0;
  for (; name[i] && i + 1 < sizeof low; i++) low[i] = (char)tolower((unsigned char)name[i]);
  low[i] = '\0';
  return strstr(low, "transpose") || strstr(low, "deconv") || strstr(low, "convt");
}

int ilab_audit_constant(const double *x, size_t n, double *value)
{
  if (n == 0) return 0;
  for (size_t i = 1; i < n; i++)
    if (!(x[i] == x[0])) return 0;
  *value = x[0];
  return x[0] == x[0];
}

/* ---- rounded laws ---------------------------------------------------------- */

/* The sorted grid of a 16-bit format: index j in [0, G) holds the j-th value
 * from -inf to +inf (NaNs left out, the two zeros one point).  With P the
 * pattern of +inf (0x7c00 for binary16, 0x7f80 for bfloat16), G = 2P + 1 and
 * a positive pattern p <= P sits at P + p, a negative one 0x8000|p at P - p. */
struct ilab_audit_workspace {
  uint32_t *keys;
  size_t cap;
  double *grid[2], *bound[2]; /* per format: G values, G + 1 cell bounds */
  double *fb;                 /* F at the bounds, for the law being judged */
  gsl_rng *r;
  unsigned long seed;
  /* the last check's key and result */
  int cached;
  uint64_t c_hash;
  size_t c_n;
  ilab_dtype c_dtype;
  double c_per_test;
  ilab_dist c_d;
  ilab_audit_result c_r;
};

typedef struct {
  ilab_dtype dtype;
  unsigned top; /* P */
  const double *fb;
  gsl_rng *r;
  const ilab_dist *d;
} rounded_law;

static unsigned top_of(ilab_dtype d) { return d == ILAB_DTYPE_F16 ? 0x7c00u : 0x7f80u; }

static double pattern_value(ilab_dtype d, unsigned p)
{
  return d == ILAB_DTYPE_F16 ? ilab_half_to_double(p) : ilab_bf16_to_double(p);
}

static int grid_init(ilab_audit_workspace *w, ilab_dtype d)
{
  int f = d == ILAB_DTYPE_BF16;
  if (w->grid[f]) return ILAB_OK;
  unsigned P = top_of(d);
  size_t G = 2 * (size_t)P + 1;
  double *g = malloc(G * sizeof *g), *b = malloc((G + 1) * sizeof *b);
  if (!g || !b) { free(g); free(b); ILAB_ERROR(ILAB_ENOMEM, "out of memory"); }
  for (unsigned p = 0; p <= P; p++) {
    g[P + p] = pattern_value(d, p);
    g[P - p] = -g[P + p];
  }
  /* cell i is [b[i], b[i+1]): midpoints between neighbours; the cells of
   * +-inf start half an ulp beyond the largest finite value, where rounding
   * overflows */
  b[0] = -INFINITY;
  b[G] = INFINITY;
  for (size_t i = 1; i < G; i++) {
    if (isinf(g[i])) b[i] = g[i - 1] + 0.5 * (g[i - 1] - g[i - 2]);
    else if (isinf(g[i - 1])) b[i] = g[i] - 0.5 * (g[i + 1] - g[i]);
    else b[i] = 0.5 * (g[i - 1] + g[i]);
  }
  w->grid[f] = g;
  w->bound[f] = b;
  return ILAB_OK;
}

static void rounded_cdf_n(const double *x, double *u, size_t n, const void *arg)
{
  const rounded_law *L = arg;
  for (size_t i = 0; i < n; i++) {
    unsigned p = L->dtype == ILAB_DTYPE_F16 ? ilab_double_to_half(x[i]) : ilab_double_to_bf16(x[i]);
    unsigned mag = p & 0x7fffu;
    if (mag > L->top) { u[i] = NAN; continue; }
    size_t j = p & 0x8000u ? L->top - mag : L->top + mag;
    double lo = L->fb[j], hi = L->fb[j + 1];
    u[i] = lo + gsl_rng_uniform(L->r) * (hi - lo);
  }
}

/* The rounded law of d on dtype's grid: F at the cell bounds into w->fb, the
 * cell probabilities' moments into law. */
static int rounded_law_init(ilab_audit_workspace *w, ilab_dtype dt, const ilab_dist *d, rounded_law *L,
                            ilab_moments_law *law)
{
  int st = grid_init(w, dt);
  if (st) return st;
  int f = dt == ILAB_DTYPE_BF16;
  unsigned P = top_of(dt);
  size_t G = 2 * (size_t)P + 1;
  const double *g = w->grid[f], *b = w->bound[f];
  ilab_dist_cdf_n(d, b, w->fb, G + 1);
  w->fb[0] = 0;
  w->fb[G] = 1;
  /* Cell probabilities.  The bounds are symmetric, b[G - i] = -b[i], and so
   * is nearly every scheme's law: on the right half F(b[i+1]) - F(b[i]) is taken as
   * F(-b[i]) - F(-b[i+1]) = fb[G - i] - fb[G - i - 1], which keeps the upper
   * tail's digits instead of subtracting numbers near 1. */
  double mean = 0;
  double *pr = malloc(G * sizeof *pr);
  if (!pr) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  /* (torch_trunc_normal with a != -b is the one law that is not symmetric) */
  int symmetric = d->kind != ILAB_DIST_TRUNCNORM || d->a == -d->b;
  for (size_t i = 0; i < G; i++) {
    pr[i] = symmetric && b[i] >= 0 ? w->fb[G - i] - w->fb[G - i - 1] : w->fb[i + 1] - w->fb[i];
    if (pr[i] < 0) pr[i] = 0;
  }
  for (size_t i = 0; i < G; i++) if (pr[i] > 0) mean += pr[i] * g[i];
  law->mean = mean;
  for (int k = 0; k <= 8; k++) law->mu[k] = 0;
  for (size_t i = 0; i < G; i++) {
    if (!(pr[i] > 0)) continue;
    double dv = g[i] - mean, pw = pr[i];
    for (int k = 0; k <= 8; k++, pw *= dv) law->mu[k] += pw;
  }
  free(pr);
  L->dtype = dt;
  L->top = P;
  L->fb = w->fb;
  L->r = w->r;
  L->d = d;
  law->cdf_n = rounded_cdf_n;
  law->arg = L;
  return ILAB_OK;
}

ilab_audit_workspace *ilab_audit_workspace_alloc(unsigned long seed)
{
  ilab_audit_workspace *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->fb = malloc((2 * (size_t)0x7f80u + 2) * sizeof *w->fb); /* the larger grid's bounds */
  w->r = gsl_rng_alloc(gsl_rng_mt19937);
  if (!w->fb || !w->r) { ilab_audit_workspace_free(w); return NULL; }
  w->seed = seed;
  return w;
}

void ilab_audit_workspace_free(ilab_audit_workspace *w)
{
  if (!w) return;
  free(w->keys);
  for (int f = 0; f < 2; f++) { free(w->grid[f]); free(w->bound[f]); }
  free(w->fb);
  if (w->r) gsl_rng_free(w->r);
  free(w);
}

/* ---- judging --------------------------------------------------------------- */

static void nan_result(ilab_audit_result *r)
{
  memset(r, 0, sizeof *r);
  r->mean = r->var = r->var_expected = r->var_ratio = r->ratio_lo = r->ratio_hi = NAN;
  for (int k = 0; k < 4; k++) r->z[k] = NAN;
  r->ks_p = r->chi2_p = r->p = r->detectable = NAN;
}

static int needs_fans(const ilab_scheme *s) { return s->scaling; }

/* The law of s for these fans, exact or rounded to dtype's grid. */
static int make_law(ilab_audit_workspace *w, const ilab_scheme *s, size_t fan_in, size_t fan_out,
                    ilab_dtype dt, ilab_dist *d, rounded_law *L, ilab_moments_law *law)
{
  int st = ilab_scheme_resolve(s, fan_in, fan_out, d);
  if (st) return st;
  if (dt == ILAB_DTYPE_F16 || dt == ILAB_DTYPE_BF16) return rounded_law_init(w, dt, d, L, law);
  ilab_scheme_law(d, law);
  return ILAB_OK;
}

static size_t count_nonfinite(const double *x, size_t n)
{
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += !isfinite(x[i]);
  return c;
}

static double round_to(ilab_dtype dt, double v)
{
  switch (dt) {
  case ILAB_DTYPE_F16: return ilab_half_to_double(ilab_double_to_half(v));
  case ILAB_DTYPE_BF16: return ilab_bf16_to_double(ilab_double_to_bf16(v));
  case ILAB_DTYPE_F32: return (double)(float)v;
  default: return v;
  }
}

/* The sample's mean and variance, for the rows that are not checked. */
static void sample_moments(const double *x, size_t n, ilab_audit_result *r)
{
  if (n == 0) return;
  ilab_moments m;
  ilab_moments_init(&m);
  ilab_moments_add(&m, x, n);
  r->mean = ilab_moments_mean(&m);
  r->var = ilab_moments_variance(&m);
}

/* One pass: non-finite values, whether all are equal, and a hash of the
 * bits (FNV-1a over the words), which keys the cache of the last check. */
static size_t scan(const double *x, size_t n, int *constant, uint64_t *hash)
{
  size_t bad = 0;
  int same = 1;
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, &x[i], sizeof u);
    h = (h ^ u) * 0x100000001b3u;
    bad += !isfinite(x[i]);
    same &= x[i] == x[0];
  }
  *constant = same && n > 0;
  *hash = h;
  return bad;
}

int ilab_audit_judge(ilab_audit_workspace *w, const double *x, size_t n, ilab_dtype dtype,
                     const ilab_scheme *s, int have_fans, size_t fan_in, size_t fan_out, double per_test,
                     ilab_audit_result *r)
{
  nan_result(r);
  if (!have_fans && needs_fans(s)) {
    sample_moments(x, n, r);
    snprintf(r->note, sizeof r->note, "%s needs fans, and this tensor's shape gives none", s->spec);
    return ILAB_OK;
  }
  if (s->constant) { /* every value must be the constant, as stored */
    sample_moments(x, n, r);
    double v = round_to(dtype, s->param);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) bad += !(x[i] == v);
    r->judged = 1;
    r->var_expected = 0;
    r->pass = bad == 0;
    r->p = r->pass ? 1 : 0;
    if (bad) snprintf(r->note, sizeof r->note, "%zu of %zu values differ from %.17g", bad, n, v);
    return ILAB_OK;
  }
  if (n < 100) {
    sample_moments(x, n, r);
    snprintf(r->note, sizeof r->note, "%zu values: a check needs at least 100", n);
    return ILAB_OK;
  }
  ilab_dist d;
  rounded_law L;
  ilab_moments_law law;
  if (!have_fans) fan_in = fan_out = 1; /* a fixed law ignores them */
  int st = ilab_scheme_resolve(s, fan_in, fan_out, &d);
  if (st) return st;
  int constant;
  uint64_t hash;
  size_t bad = scan(x, n, &constant, &hash);
  /* the same values against the same law at the same level: the last result
   * (best checks the scheme --expect has just checked) */
  if (w->cached && w->c_hash == hash && w->c_n == n && w->c_dtype == dtype && w->c_per_test == per_test &&
      w->c_d.kind == d.kind && w->c_d.scale == d.scale && w->c_d.a == d.a && w->c_d.b == d.b) {
    *r = w->c_r;
    return ILAB_OK;
  }
  if ((st = make_law(w, s, fan_in, fan_out, dtype, &d, &L, &law))) return st;
  r->var_expected = law.mu[2];
  double se[4];
  ilab_moments_se(law.mu, n, se);
  double zc = gsl_cdf_ugaussian_Qinv(per_test / 2), z90 = gsl_cdf_ugaussian_Qinv(0.1);
  r->detectable = (zc + z90) * se[1] / law.mu[2];
  r->judged = 1;
  if (bad) {
    sample_moments(x, n, r);
    r->pass = 0;
    r->p = 0;
    snprintf(r->note, sizeof r->note, "%zu non-finite values", bad);
    return ILAB_OK;
  }
  if (constant) {
    sample_moments(x, n, r);
    r->pass = 0;
    r->p = 0;
    r->var_ratio = 0;
    snprintf(r->note, sizeof r->note, "every value is %.17g", x[0]);
    return ILAB_OK;
  }
  if (n > w->cap) {
    uint32_t *k = realloc(w->keys, 2 * n * sizeof *k);
    if (!k) ILAB_ERROR(ILAB_ENOMEM, "out of memory for the keys of %zu values", n);
    w->keys = k;
    w->cap = n;
  }
  gsl_rng_set(w->r, w->seed);
  ilab_moments_check_result cr;
  if ((st = ilab_moments_check_w(&law, x, n, per_test, w->keys, &cr))) return st;
  r->mean = cr.mean;
  r->var = cr.var;
  for (int k = 0; k < 4; k++) r->z[k] = cr.z[k];
  r->ks_p = cr.ks_p;
  r->chi2_p = cr.chi2_p;
  r->p = isnan(cr.p_min) ? 0 : fmin(1, 6 * cr.p_min);
  r->pass = cr.pass;
  r->var_ratio = cr.var / law.mu[2];
  double half = 1.959963984540054 /* z_0.975 */ * cr.var * sqrt((cr.kurt + 2) / (double)n);
  r->ratio_lo = (cr.var - half) / law.mu[2];
  r->ratio_hi = (cr.var + half) / law.mu[2];
  w->cached = 1;
  w->c_hash = hash;
  w->c_n = n;
  w->c_dtype = dtype;
  w->c_per_test = per_test;
  w->c_d = d;
  w->c_r = *r;
  return ILAB_OK;
}

typedef struct {
  size_t i;
  double p_var;
} screen;

static int by_p_var(const void *a, const void *b)
{
  const screen *x = a, *y = b;
  if (x->p_var != y->p_var) return x->p_var > y->p_var ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

int ilab_audit_best(ilab_audit_workspace *w, const double *x, size_t n, ilab_dtype dtype, int have_fans,
                    size_t fan_in, size_t fan_out, double per_test, char *best, size_t size, double *p,
                    char *alike, size_t alike_size)
{
  double c;
  *p = NAN;
  if (alike_size) alike[0] = '\0';
  if (n >= 1 && ilab_audit_constant(x, n, &c)) {
    if (c == 0) snprintf(best, size, "zeros");
    else if (c == 1) snprintf(best, size, "ones");
    else snprintf(best, size, "constant:value=%.17g", c);
    *p = 1;
    return ILAB_OK;
  }
  if (n < 100) { snprintf(best, size, "-"); return ILAB_OK; }
  snprintf(best, size, "none");
  if (count_nonfinite(x, n)) { *p = 0; return ILAB_OK; }
  ilab_moments m;
  ilab_moments_init(&m);
  ilab_moments_add(&m, x, n);
  double var = ilab_moments_variance(&m);
  screen sc[64] = {{0, 0}};
  size_t ns = 0;
  for (size_t i = have_fans ? 0 : NFAN; i < ilab_audit_ncandidates && ns < 64; i++) {
    ilab_scheme s;
    ilab_dist d;
    rounded_law L;
    ilab_moments_law law;
    memset(&law, 0, sizeof law);
    if (ilab_scheme_parse(ilab_audit_candidates[i], &s)) continue;
    int st = make_law(w, &s, have_fans ? fan_in : 1, have_fans ? fan_out : 1, dtype, &d, &L, &law);
    if (st == ILAB_ENOMEM) return st;
    if (st) continue;
    double se[4];
    ilab_moments_se(law.mu, n, se);
    double z = (var - law.mu[2]) / se[1];
    sc[ns].i = i;
    sc[ns].p_var = isfinite(z) ? 2 * gsl_cdf_ugaussian_Q(fabs(z)) : 0;
    ns++;
  }
  qsort(sc, ns, sizeof *sc, by_p_var);
  /* Every candidate that can pass is checked in full: those that pass, with
   * their p and their law. */
  const double thr = 6 * per_test;
  size_t fi = have_fans ? fan_in : 1, fo = have_fans ? fan_out : 1;
  struct { size_t i; double p, var, det; ilab_dist d; } ok[64];
  size_t nok = 0, top = SIZE_MAX;
  double bp = -1;
  for (size_t k = 0; k < ns; k++) {
    double bound = fmin(1, 6 * sc[k].p_var);
    if (bound < thr && bound <= bp) break; /* can neither pass nor beat the best so far */
    ilab_scheme s;
    ilab_scheme_parse(ilab_audit_candidates[sc[k].i], &s);
    ilab_audit_result r;
    int st = ilab_audit_judge(w, x, n, dtype, &s, have_fans, fan_in, fan_out, per_test, &r);
    if (st) return st;
    if (r.p > bp) bp = r.p;
    if (r.p >= thr && ilab_scheme_resolve(&s, fi, fo, &ok[nok].d) == ILAB_OK) {
      ok[nok].i = sc[k].i;
      ok[nok].p = r.p;
      ok[nok].var = r.var_expected;
      ok[nok].det = r.detectable;
      if (top == SIZE_MAX || r.p > ok[top].p) top = nok;
      nok++;
    }
  }
  *p = bp < 0 ? 0 : bp;
  if (top == SIZE_MAX) return ILAB_OK; /* "none" */
  /* Among the candidates that pass and that this n cannot tell from the one
   * with the largest p (the same kind of law and truncation, variances closer
   * than the error detected with 90% power), the first in the list is named:
   * the list puts the common initializers first, and p-values of two laws
   * this close differ by chance alone (he_normal:dist=truncated_normal and
   * tf1_contrib, 0.59% apart, need n ~ 1.5e6 to be told apart). */
  size_t pick = top;
  for (size_t j = 0; j < nok; j++) {
    const ilab_dist *a = &ok[j].d, *b = &ok[top].d;
    int same = a->kind == b->kind && fabs(ok[j].var / ok[top].var - 1) < ok[top].det &&
               (a->kind != ILAB_DIST_TRUNCNORM || (fabs(a->a - b->a) < 1e-9 && fabs(a->b - b->b) < 1e-9));
    if (same && ok[j].i < ok[pick].i) pick = j;
  }
  snprintf(best, size, "%s", ilab_audit_candidates[ok[pick].i]);
  *p = ok[pick].p;
  /* the others that pass, in the list's order */
  size_t len = 0;
  for (size_t i = 0; i < ilab_audit_ncandidates; i++)
    for (size_t j = 0; j < nok; j++) {
      if (ok[j].i != i || j == pick) continue;
      int w2 = snprintf(alike + len, alike_size - len, "%s%s", len ? "," : "", ilab_audit_candidates[i]);
      if (w2 < 0 || (size_t)w2 >= alike_size - len) return ILAB_OK;
      len += (size_t)w2;
    }
  return ILAB_OK;
}
