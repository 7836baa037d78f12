/* Claims: their grammar, the named quantities they read, and their verdicts
 * (see claims.h). */
#include "claims.h"
#include "ilab.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>

static double ratio(const ilab_summary_row *r, int q) { return r->mean[q] / r->theory[q]; }

static double h_var(const ilab_summary_row *r) { return r->mean[ILAB_SUMMARY_H_VAR]; }
static double x_sq(const ilab_summary_row *r) { return r->mean[ILAB_SUMMARY_X_SQ]; }
static double gx_var(const ilab_summary_row *r) { return r->mean[ILAB_SUMMARY_GX_VAR]; }
static double gw_var(const ilab_summary_row *r) { return r->mean[ILAB_SUMMARY_GW_VAR]; }
static double h_var_theory(const ilab_summary_row *r) { return r->theory[ILAB_SUMMARY_H_VAR]; }
static double x_sq_theory(const ilab_summary_row *r) { return r->theory[ILAB_SUMMARY_X_SQ]; }
static double gx_var_theory(const ilab_summary_row *r) { return r->theory[ILAB_SUMMARY_GX_VAR]; }
static double gw_var_theory(const ilab_summary_row *r) { return r->theory[ILAB_SUMMARY_GW_VAR]; }
static double h_var_ratio(const ilab_summary_row *r) { return ratio(r, ILAB_SUMMARY_H_VAR); }
static double x_sq_ratio(const ilab_summary_row *r) { return ratio(r, ILAB_SUMMARY_X_SQ); }
static double gx_var_ratio(const ilab_summary_row *r) { return ratio(r, ILAB_SUMMARY_GX_VAR); }
static double gw_var_ratio(const ilab_summary_row *r) { return ratio(r, ILAB_SUMMARY_GW_VAR); }
static double nonfinite(const ilab_summary_row *r) { return (double)r->nonfinite; }
static double x_mean(const ilab_summary_row *r) { return r->x_mean; }
static double h_under(const ilab_summary_row *r) { return r->h_under; }
static double g_under(const ilab_summary_row *r) { return r->g_under; }
static double h_over(const ilab_summary_row *r) { return r->h_over; }
static double g_over(const ilab_summary_row *r) { return r->g_over; }
static double lsuv_scale(const ilab_summary_row *r) { return r->lsuv_scale; }
static double lsuv_iters(const ilab_summary_row *r) { return r->lsuv_iters; }
static double sq_mean(const ilab_summary_row *r) { return r->sq_mean; }
static double sq_var(const ilab_summary_row *r) { return r->sq_var; }
static double sq_mean_theory(const ilab_summary_row *r) { return r->sq_mean_theory; }
static double sq_var_theory(const ilab_summary_row *r) { return r->sq_var_theory; }
static double sq_var_ratio(const ilab_summary_row *r) { return r->sq_var / r->sq_var_theory; }

/* The logarithms' spread over trials beside one input's theory (summary.h). */
#define LN_QTY(NAME, Q)                                                                             \
  static double NAME##_mean(const ilab_summary_row *r) { return r->ln[Q].mean; }                   \
  static double NAME##_var(const ilab_summary_row *r) { return r->ln[Q].var; }                     \
  static double NAME##_mean_theory(const ilab_summary_row *r) { return r->ln[Q].mean_theory; }     \
  static double NAME##_var_theory(const ilab_summary_row *r) { return r->ln[Q].var_theory; }       \
  static double NAME##_var_ratio(const ilab_summary_row *r) { return r->ln[Q].var / r->ln[Q].var_theory; } \
  static double NAME##_mean_z(const ilab_summary_row *r) { return r->ln[Q].mean_z; }               \
  static double NAME##_var_z(const ilab_summary_row *r) { return r->ln[Q].var_z; }
LN_QTY(ln_x_sq, ILAB_SUMMARY_LN_X_SQ)
LN_QTY(ln_h_var, ILAB_SUMMARY_LN_H_VAR)
#define LN_ENTRIES(NAME)                                                                            \
  {#NAME "_mean", NAME##_mean}, {#NAME "_var", NAME##_var}, {#NAME "_mean_theory", NAME##_mean_theory}, \
  {#NAME "_var_theory", NAME##_var_theory}, {#NAME "_var_ratio", NAME##_var_ratio},                 \
  {#NAME "_mean_z", NAME##_mean_z}, {#NAME "_var_z", NAME##_var_z}

const ilab_claim_quantity ilab_claim_quantities[] = {
    {"h_var", h_var},
    {"x_sq", x_sq},
    {"gx_var", gx_var},
    {"gw_var", gw_var},
    {"h_var_theory", h_var_theory},
    {"x_sq_theory", x_sq_theory},
    {"gx_var_theory", gx_var_theory},
    {"gw_var_theory", gw_var_theory},
    {"h_var_ratio", h_var_ratio},
    {"x_sq_ratio", x_sq_ratio},
    {"gx_var_ratio", gx_var_ratio},
    {"gw_var_ratio", gw_var_ratio},
    {"nonfinite", nonfinite},
    {"x_mean", x_mean},
    {"h_under", h_under},
    {"g_under", g_under},
    {"h_over", h_over},
    {"g_over", g_over},
    {"lsuv_scale", lsuv_scale},
    {"lsuv_iters", lsuv_iters},
    {"sq_mean", sq_mean},
    {"sq_var", sq_var},
    {"sq_mean_theory", sq_mean_theory},
    {"sq_var_theory", sq_var_theory},
    {"sq_var_ratio", sq_var_ratio},
    LN_ENTRIES(ln_x_sq),
    LN_ENTRIES(ln_h_var),
    {NULL, NULL}};

const ilab_claim_quantity *ilab_claim_quantity_find(const char *name, size_t len)
{
  for (const ilab_claim_quantity *q = ilab_claim_quantities; q->name; q++)
    if (strlen(q->name) == len && !strncmp(name, q->name, len)) return q;
  return NULL;
}

size_t ilab_claim_cell(const ilab_claim *cl, size_t n_schemes)
{
  assert(cl->scheme < n_schemes);
  return cl->act * n_schemes + cl->scheme;
}

/* Parses QTY[A] or QTY[A..B] at *p; advances *p.  range says which is wanted. */
static int parse_ref(const ilab_claim_context *c, const ilab_claim *cl, char **p, int range,
                     const ilab_claim_quantity **qty, size_t *a, size_t *b)
{
  char *s = *p + strspn(*p, " \t"), *br = strchr(s, '[');
  if (!br) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected QUANTITY[LAYER] at '%s'", c->path, cl->line, s);
  size_t n = (size_t)(br - s);
  *qty = ilab_claim_quantity_find(s, n);
  if (!*qty)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: unknown quantity '%.*s' (a column of summary.tsv: h_var, x_sq, "
               "gx_var, gw_var, each also _theory or _ratio, or nonfinite; x_mean; h_under, g_under, h_over, g_over; lsuv_scale, lsuv_iters; with 'spectrum = yes' "
               "sq_mean, sq_var, sq_mean_theory, sq_var_theory, sq_var_ratio; ln_x_sq, ln_h_var with _mean, _var, "
               "_mean_theory, _var_theory, _var_ratio, _mean_z, _var_z)", c->path, cl->line, (int)n, s);
  char *end;
  errno = 0;
  unsigned long x = strtoul(br + 1, &end, 10), y = x;
  if (end == br + 1 || br[1] == '-') ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected a layer number after '['", c->path, cl->line);
  if (range) {
    if (strncmp(end, "..", 2)) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: 'all' and 'rate' take a layer range [A..B]", c->path, cl->line);
    char *e2;
    y = strtoul(end + 2, &e2, 10);
    if (e2 == end + 2 || end[2] == '-') ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected a layer number after '..'", c->path, cl->line);
    end = e2;
  }
  if (*end != ']') ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected ']' after the layer", c->path, cl->line);
  if (x < 1 || y > c->depth || x > y || (range && x == y))
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: layers must lie in 1..%zu%s", c->path, cl->line, c->depth,
               range ? " with A < B" : "");
  *a = x;
  *b = y;
  *p = end + 1;
  return ILAB_OK;
}

static int parse_bound(const ilab_claim_context *c, const ilab_claim *cl, const char *s, char **end, double *v)
{
  s += strspn(s, " \t");
  errno = 0;
  *v = strtod(s, end);
  if (*end == s || isnan(*v)) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected a number at '%s'", c->path, cl->line, s);
  return ILAB_OK;
}

int ilab_claim_parse(const ilab_claim_context *c, ilab_claim *cl)
{
  char buf[sizeof cl->text], *p = buf;
  int st;
  cl->text[sizeof cl->text - 1] = '\0';
  strcpy(buf, cl->text);
  cl->qty = cl->qty2 = NULL;
  cl->noise = 0;
  cl->center = cl->alpha = NAN;
  char *act = strtok(p, " \t"), *scheme = act ? strtok(NULL, " \t") : NULL;
  if (!scheme)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected 'ACT SCHEME QUANTITY[LAYER] in [LO, HI]'", c->path, cl->line);
  /* The rest starts past the blank strtok overwrote, if it did: a claim that
   * stops at its scheme has no blank there, and buf ends at its NUL. */
  p = scheme + strlen(scheme);
  if (cl->text[p - buf]) p++;
  size_t i;
  for (i = 0; i < c->n_acts; i++) if (!strcmp(act, c->act_names[i]) || !strcmp(act, c->act_kinds[i])) break;
  if (i == c->n_acts) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: '%s' is not one of the experiment's activations", c->path, cl->line, act);
  cl->act = i;
  for (i = 0; i < c->n_schemes; i++) if (!strcmp(scheme, c->schemes[i])) break;
  if (i == c->n_schemes) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: '%s' is not one of the experiment's schemes", c->path, cl->line, scheme);
  cl->scheme = i;
  p += strspn(p, " \t");
  /* width=N, depth=N, sigma_b2=V, input=SPEC and batch=N pick a point where
   * the experiment sweeps several values */
  cl->width = cl->depth = cl->input = cl->batch = 0;
  cl->sigma_b2 = 0;
  cl->has_sigma_b2 = 0;
  for (;;) {
    static const char *const sel[] = {"width=", "depth=", "sigma_b2=", "input=", "batch=", NULL};
    int d;
    for (d = 0; sel[d]; d++) if (!strncmp(p, sel[d], strlen(sel[d]))) break;
    if (!sel[d]) break;
    const char *v = p + strlen(sel[d]);
    size_t vl = strcspn(v, " \t");
    char *end = (char *)v + vl;
    int given = d == 0 ? cl->width != 0 : d == 1 ? cl->depth != 0 : d == 2 ? cl->has_sigma_b2 : d == 3 ? cl->input != 0 : cl->batch != 0;
    if (given) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: %.*s given twice", c->path, cl->line, (int)strlen(sel[d]) - 1, sel[d]);
    if (d == 3) {
      for (i = 0; i < c->n_inputs; i++) if (strlen(c->inputs[i]) == vl && !strncmp(v, c->inputs[i], vl)) break;
      if (i == c->n_inputs) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: input %.*s is not one of the experiment's", c->path, cl->line, (int)vl, v);
      cl->input = i + 1;
    } else if (d == 2) {
      char *e;
      errno = 0;
      double x = strtod(v, &e);
      if (e == v || e != end) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected a number after 'sigma_b2='", c->path, cl->line);
      for (i = 0; i < c->n_sigma_b2s; i++) if (c->sigma_b2s[i] == x) break;
      if (i == c->n_sigma_b2s) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: sigma_b2 %.*s is not one of the experiment's", c->path, cl->line, (int)vl, v);
      cl->sigma_b2 = x;
      cl->has_sigma_b2 = 1;
    } else {
      size_t n = d == 0 ? c->n_widths : d == 1 ? c->n_depths : c->n_batches;
      const size_t *list = d == 0 ? c->widths : d == 1 ? c->depths : c->batches;
      char *e;
      errno = 0;
      unsigned long x = strtoul(v, &e, 10);
      if (e == v || *v == '-' || e != end) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected a number after '%s'", c->path, cl->line, sel[d]);
      for (i = 0; i < n; i++) if (list[i] == x) break;
      if (i == n) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: %.*s %lu is not one of the experiment's", c->path, cl->line, (int)strlen(sel[d]) - 1, sel[d], x);
      *(d == 0 ? &cl->width : d == 1 ? &cl->depth : &cl->batch) = x;
    }
    p = end + strspn(end, " \t");
  }
  if (c->n_widths > 1 && !cl->width)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the experiment sweeps %zu widths; name one with width=N after the scheme", c->path, cl->line, c->n_widths);
  if (c->n_depths > 1 && !cl->depth)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the experiment sweeps %zu depths; name one with depth=N after the scheme", c->path, cl->line, c->n_depths);
  if (c->n_sigma_b2s > 1 && !cl->has_sigma_b2)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the experiment sweeps %zu values of sigma_b2; name one with sigma_b2=V after the scheme", c->path, cl->line, c->n_sigma_b2s);
  if (c->n_inputs > 1 && !cl->input)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the experiment sweeps %zu input laws; name one with input=SPEC after the scheme", c->path, cl->line, c->n_inputs);
  if (c->n_batches > 1 && !cl->batch)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the experiment sweeps %zu batches; name one with batch=N after the scheme", c->path, cl->line, c->n_batches);
  ilab_claim_context shape = *c; /* layers are checked against the claim's depth */
  if (cl->depth) shape.depth = cl->depth;
  c = &shape;
  cl->kind = ILAB_CLAIM_AT;
  if (!strncmp(p, "all ", 4)) { cl->kind = ILAB_CLAIM_ALL; p += 4; }
  else if (!strncmp(p, "rate ", 5)) { cl->kind = ILAB_CLAIM_RATE; p += 5; }
  int range = cl->kind != ILAB_CLAIM_AT;
  if ((st = parse_ref(c, cl, &p, range, &cl->qty, &cl->a, &cl->b))) return st;
  p += strspn(p, " \t");
  if (*p == '/' && !range) {
    size_t a2, b2;
    p++;
    if ((st = parse_ref(c, cl, &p, 0, &cl->qty2, &a2, &b2))) return st;
    cl->kind = ILAB_CLAIM_RATIO;
    cl->b = a2;
    p += strspn(p, " \t");
  }
  char *end;
  if (!strncmp(p, "in", 2)) {
    p += 2;
    p += strspn(p, " \t");
    if (*p != '[') ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected '[LO, HI]' after 'in'", c->path, cl->line);
    if ((st = parse_bound(c, cl, p + 1, &end, &cl->lo))) return st;
    p = end + strspn(end, " \t");
    if (*p != ',') ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected ',' between LO and HI", c->path, cl->line);
    if ((st = parse_bound(c, cl, p + 1, &end, &cl->hi))) return st;
    p = end + strspn(end, " \t");
    if (*p != ']') ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected ']' after HI", c->path, cl->line);
    p++;
    /* 'at ALPHA': the interval's false-alarm probability, as the file's own
     * noise model derives it (a z-score interval, a theory +- k sd) */
    p += strspn(p, " \t");
    if (!strncmp(p, "at", 2) && p[2] && strchr(" \t", p[2])) {
      if ((st = parse_bound(c, cl, p + 2, &end, &cl->alpha))) return st;
      if (!(cl->alpha > 0 && cl->alpha < 0.5))
        ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the false-alarm probability must lie in (0, 0.5), not %g", c->path, cl->line, cl->alpha);
      p = end;
    }
  } else if (*p == '~') {
    if (cl->kind == ILAB_CLAIM_ALL)
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: 'all' has no noise model; write a rate or one layer with '~'", c->path, cl->line);
    /* cl->qty is set: parse_ref returned ILAB_OK above */
    if (!strcmp(cl->qty->name, "nonfinite") || (cl->qty2 && !strcmp(cl->qty2->name, "nonfinite"))) /* NOLINT(clang-analyzer-core.NullDereference) */
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: '~' takes logarithms; nonfinite counts take 'in [LO, HI]' or '< X'", c->path, cl->line);
    p++;
    p += strspn(p, " \t");
    cl->noise = 1;
    if (!strncmp(p, "theory", 6) && p[6] && strchr(" \t", p[6])) {
      p += 6;
    } else {
      if ((st = parse_bound(c, cl, p, &end, &cl->center))) return st;
      if (!(cl->center > 0) || isinf(cl->center))
        ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the centre must be 'theory' or a finite number > 0, not '%.*s'",
                   c->path, cl->line, (int)(end - p), p);
      p = end;
    }
    p += strspn(p, " \t");
    if (strncmp(p, "at", 2) || !p[2] || !strchr(" \t", p[2]))
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected 'at ALPHA' (a false-alarm probability) after the centre", c->path, cl->line);
    if ((st = parse_bound(c, cl, p + 2, &end, &cl->alpha))) return st;
    if (!(cl->alpha > 0 && cl->alpha < 0.5))
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the false-alarm probability must lie in (0, 0.5), not %g", c->path, cl->line, cl->alpha);
    if (c->trials < 3)
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: '~' measures the noise from the trials' spread and needs trials >= 3 (trials = %zu)",
                 c->path, cl->line, c->trials);
    p = end;
    cl->lo = -INFINITY;
    cl->hi = INFINITY;
  } else if (*p == '<' || *p == '>') {
    double v;
    char op = *p;
    if ((st = parse_bound(c, cl, p + 1, &end, &v))) return st;
    cl->lo = op == '<' ? -INFINITY : v;
    cl->hi = op == '<' ? v : INFINITY;
    p = end;
  } else {
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: expected 'in [LO, HI]', '< X' or '> X' at '%s' (or '~ CENTER at ALPHA')", c->path, cl->line, p);
  }
  p += strspn(p, " \t");
  if (*p) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: unexpected '%s' at the end", c->path, cl->line, p);
  if (!(cl->lo <= cl->hi)) ILAB_ERROR(ILAB_EPARSE, "%s:%d: claim: the interval [%g, %g] is empty", c->path, cl->line, cl->lo, cl->hi);
  return ILAB_OK;
}

/* The value of quantity q at layer l. */
static double at(const ilab_summary_row *rows, const ilab_claim_quantity *q, size_t l)
{
  return q->value(&rows[l - 1]);
}

void ilab_claim_eval(const ilab_claim *cl, const ilab_summary_row *rows, size_t depth,
                     ilab_claim_result *res)
{
  double lo = INFINITY, hi = -INFINITY;
  int ok = 1;
  res->measured_min = res->measured_max = NAN;
  res->lo = cl->lo;
  res->hi = cl->hi;
  res->sd = res->sens = res->detects = NAN;
  res->alpha = cl->alpha; /* 'in [LO, HI] at ALPHA', else NaN */
  if (!rows) { res->verdict = ILAB_CLAIM_SKIPPED; return; }
  assert(cl->qty && cl->a >= 1 && cl->a <= depth && cl->b >= 1 && cl->b <= depth);
  (void)depth; /* read only by the assertion */
  switch (cl->kind) {
  case ILAB_CLAIM_AT: lo = hi = at(rows, cl->qty, cl->a); break;
  case ILAB_CLAIM_RATIO:
    assert(cl->qty2);
    lo = hi = at(rows, cl->qty, cl->a) / at(rows, cl->qty2, cl->b);
    break;
  case ILAB_CLAIM_RATE:
    lo = hi = pow(at(rows, cl->qty, cl->b) / at(rows, cl->qty, cl->a), 1.0 / (double)(cl->b - cl->a));
    break;
  case ILAB_CLAIM_ALL:
    for (size_t l = cl->a; l <= cl->b; l++) {
      double v = at(rows, cl->qty, l);
      if (!(v >= cl->lo && v <= cl->hi)) ok = 0;
      if (v < lo || isnan(v)) lo = v;
      if (v > hi || isnan(v)) hi = v;
    }
    break;
  }
  /* NaN (an overflowed cell) satisfies no interval */
  if (!(lo >= cl->lo && lo <= cl->hi && hi >= cl->lo && hi <= cl->hi)) ok = 0;
  res->measured_min = lo;
  res->measured_max = hi;
  res->verdict = ok ? ILAB_CLAIM_PASS : ILAB_CLAIM_FAIL;
}

/* The variance over the trials of ln Q[l]. */
static double log_var(const ilab_claim_quantity *q, size_t l, const ilab_summary_row *trial_rows, size_t trials,
                      size_t depth)
{
  double sum = 0, ss = 0;
  for (size_t t = 0; t < trials; t++) sum += log(at(trial_rows + t * depth, q, l));
  double mean = sum / (double)trials;
  for (size_t t = 0; t < trials; t++) {
    double d = log(at(trial_rows + t * depth, q, l)) - mean;
    ss += d * d;
  }
  return ss / (double)(trials - 1);
}

/* EXPR of a claim other than 'all' on one set of rows. */
static double expr(const ilab_claim *cl, const ilab_summary_row *rows)
{
  switch (cl->kind) {
  case ILAB_CLAIM_RATIO: return at(rows, cl->qty, cl->a) / at(rows, cl->qty2, cl->b);
  case ILAB_CLAIM_RATE:
    return pow(at(rows, cl->qty, cl->b) / at(rows, cl->qty, cl->a), 1.0 / (double)(cl->b - cl->a));
  default: return at(rows, cl->qty, cl->a);
  }
}

void ilab_claim_eval_trials(const ilab_claim *cl, const ilab_summary_row *trial_rows, size_t trials,
                            const ilab_summary_row *const pred[3], double h, size_t depth,
                            ilab_claim_result *res)
{
  res->measured_min = res->measured_max = res->lo = res->hi = NAN;
  res->alpha = cl->alpha;
  res->sd = res->sens = res->detects = NAN;
  if (!trial_rows) { res->verdict = ILAB_CLAIM_SKIPPED; return; }
  assert(cl->noise && cl->kind != ILAB_CLAIM_ALL && trials >= 2 && h > 0);
  double sum = 0, ss = 0, T = (double)trials;
  for (size_t t = 0; t < trials; t++) sum += log(expr(cl, trial_rows + t * depth)); /* NaN for a value < 0 */
  double mean = sum / T;
  for (size_t t = 0; t < trials; t++) {
    double d = log(expr(cl, trial_rows + t * depth)) - mean;
    ss += d * d;
  }
  double var = ss / (T - 1);
  res->sd = sqrt(var);
  res->measured_min = res->measured_max = exp(mean);
  /* Mean field predicts the mean of each quantity, E[Q_l], not E[ln Q_l];
   * for a log-normal Q, E[ln Q] = ln E[Q] - v/2 with v = Var(ln Q), here
   * measured over the trials.  ln EXPR = sum of c_i ln Q_i, so its centre
   * is ln CENTER - sum of c_i v_i / 2: the noisier end of a ratio or rate
   * sets the sign (the far layer going forward, the near one going back). */
  double shift;
  if (cl->kind == ILAB_CLAIM_AT) {
    shift = log_var(cl->qty, cl->a, trial_rows, trials, depth);
  } else if (cl->kind == ILAB_CLAIM_RATIO) {
    shift = log_var(cl->qty, cl->a, trial_rows, trials, depth) - log_var(cl->qty2, cl->b, trial_rows, trials, depth);
  } else {
    shift = (log_var(cl->qty, cl->b, trial_rows, trials, depth) - log_var(cl->qty, cl->a, trial_rows, trials, depth)) /
            (double)(cl->b - cl->a);
  }
  int theory = isnan(cl->center);
  double center = theory ? expr(cl, pred[0]) : cl->center;
  /* d ln EXPR / d ln Var(W): 0 for a 'theory' centre, which moves with the
   * prediction, and for a _ratio, whose prediction is 1 at any Var(W) */
  res->sens = theory ? 0 : (log(expr(cl, pred[2])) - log(expr(cl, pred[1]))) / (2 * h);
  double mu = log(center) - shift / 2;
  double w = gsl_cdf_tdist_Qinv(cl->alpha / 2, T - 1) * res->sd / sqrt(T);
  res->lo = exp(mu - w);
  res->hi = exp(mu + w);
  res->detects = res->sens != 0 ? expm1(w / fabs(res->sens)) : INFINITY;
  res->verdict = fabs(mean - mu) <= w ? ILAB_CLAIM_PASS : ILAB_CLAIM_FAIL; /* NaN fails */
}

void ilab_claim_pred_rows(const ilab_theory_layer *theory, size_t depth, ilab_summary_row *rows)
{
  for (size_t l = 0; l < depth; l++) {
    const ilab_theory_layer *th = &theory[l];
    ilab_summary_row *r = &rows[l];
    memset(r, 0, sizeof *r);
    r->trials = 1;
    r->theory[ILAB_SUMMARY_H_VAR] = th->h_var;
    r->theory[ILAB_SUMMARY_X_SQ] = th->x_sq;
    r->theory[ILAB_SUMMARY_GX_VAR] = th->gx_var;
    r->theory[ILAB_SUMMARY_GW_VAR] = th->gw_var;
    for (int q = 0; q < ILAB_SUMMARY_N; q++) r->mean[q] = r->lo[q] = r->hi[q] = r->theory[q];
    r->x_mean = r->lsuv_scale = r->lsuv_iters = NAN; /* no prediction */
    r->sq_mean = r->sq_var = r->sq_mean_theory = r->sq_var_theory = NAN; /* report.c fills them */
  }
}
