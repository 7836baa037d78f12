/* The standard figures of a results folder: tables read back, figures chosen
 * from the tables and columns present, and gnuplot commands written with the
 * data inline as datablocks; the drawing itself lives in plots/fig_*.gp. */
#include "plot.h"
#include "ilab.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ilab_plot_table {
  char *buf;        /* the file's text, fields cut in place */
  char **meta;      /* provenance lines without their "# " */
  size_t nmeta;
  char **field;     /* nrows * ncols fields, row-major; the header first */
  int ncols;
  size_t nrows;     /* data rows, the header not counted */
};

/* ---------------------------------------------------------------- tables */

void ilab_plot_table_free(ilab_plot_table *t)
{
  if (!t) return;
  free(t->buf);
  free(t->meta);
  free(t->field);
  free(t);
}

static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap);
  while (b) {
    n += fread(b + n, 1, cap - n - 1, f);
    if (ferror(f)) { free(b); b = NULL; break; }
    if (feof(f)) break;
    if (n + 1 >= cap) {
      char *nb = realloc(b, cap * 2);
      if (!nb) { free(b); b = NULL; break; }
      b = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (b) { b[n] = '\0'; *len = n; }
  return b;
}

static int several_values(const ilab_plot_table *t, const char *key);

/* The figures take a per-layer table's key columns to be those before the
 * column its rows run along ('layer', ...).  run's tables write the point of
 * a cell (width, depth, sigma_b2, input, batch) at the end of each row, so that the
 * columns of one-shape tables keep their places: move those to just before
 * that column, in every row. */
static void keys_before_x(ilab_plot_table *t)
{
  static const char *const xs[] = {"layer", "step", "epoch", "iteration"};
  static const char *const keys[] = {"width", "depth", "sigma_b2", "input", "batch"};
  int x = -1;
  for (size_t i = 0; i < sizeof xs / sizeof *xs && x <= 0; i++) x = ilab_plot_table_col(t, xs[i]);
  if (x <= 0) return;
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
    int c = ilab_plot_table_col(t, keys[k]);
    if (c <= x) continue;
    for (size_t r = 0; r <= t->nrows; r++) {
      char **row = t->field + r * (size_t)t->ncols, *moved = row[c];
      memmove(row + x + 1, row + x, (size_t)(c - x) * sizeof *row);
      row[x] = moved;
    }
    x++;
  }
}

int ilab_plot_table_read(const char *path, ilab_plot_table **out)
{
  *out = NULL;
  size_t len = 0;
  errno = 0;
  char *buf = slurp(path, &len);
  if (!buf) {
    if (errno == ENOMEM || errno == 0) return ilab_error(ILAB_ENOMEM, "%s: out of memory", path);
    return ilab_error(ILAB_EIO, "%s: %s", path, strerror(errno));
  }
  ilab_plot_table *t = calloc(1, sizeof *t);
  size_t nlines = 1;
  for (size_t i = 0; i < len; i++) nlines += buf[i] == '\n';
  if (!t) { free(buf); return ilab_error(ILAB_ENOMEM, "%s: out of memory", path); }
  t->buf = buf;
  t->meta = malloc(nlines * sizeof *t->meta);
  if (!t->meta) { ilab_plot_table_free(t); return ilab_error(ILAB_ENOMEM, "%s: out of memory", path); }
  size_t cap = 0, nf = 0, lineno = 0;
  char *p = buf;
  while (*p) {
    char *line = p, *nl = strchr(p, '\n');
    lineno++;
    if (nl) { *nl = '\0'; p = nl + 1; } else p += strlen(p);
    size_t ll = strlen(line);
    if (ll && line[ll - 1] == '\r') line[--ll] = '\0';
    if (line[0] == '#') {
      line++;
      if (*line == ' ') line++;
      t->meta[t->nmeta++] = line;
      continue;
    }
    if (!ll) continue;
    int nc = 1;
    for (char *q = line; *q; q++) nc += *q == '\t';
    if (t->field == NULL) t->ncols = nc;
    else if (nc != t->ncols) {
      int st = ilab_error(ILAB_EPARSE, "%s:%zu: %d fields where the header has %d", path, lineno,
                          nc, t->ncols);
      ilab_plot_table_free(t);
      return st;
    }
    if (nf + (size_t)nc > cap) {
      cap = cap ? cap * 2 : 1024;
      while (cap < nf + (size_t)nc) cap *= 2;
      char **nfld = realloc(t->field, cap * sizeof *nfld);
      if (!nfld) { ilab_plot_table_free(t); return ilab_error(ILAB_ENOMEM, "%s: out of memory", path); }
      t->field = nfld;
    }
    for (int c = 0; c < nc; c++) {
      t->field[nf++] = line;
      char *tab = strchr(line, '\t');
      if (tab) { *tab = '\0'; line = tab + 1; }
    }
  }
  if (!t->field) {
    ilab_plot_table_free(t);
    return ilab_error(ILAB_EPARSE, "%s: no header row", path);
  }
  t->nrows = nf / (size_t)t->ncols - 1;
  keys_before_x(t);
  *out = t;
  return ILAB_OK;
}

size_t ilab_plot_table_nrows(const ilab_plot_table *t) { return t->nrows; }

int ilab_plot_table_col(const ilab_plot_table *t, const char *name)
{
  for (int c = 0; c < t->ncols; c++)
    if (!strcmp(t->field[c], name)) return c;
  return -1;
}

const char *ilab_plot_table_cell(const ilab_plot_table *t, size_t r, int c)
{
  return t->field[(r + 1) * (size_t)t->ncols + (size_t)c];
}

double ilab_plot_table_num(const ilab_plot_table *t, size_t r, int c)
{
  if (c < 0) return NAN;
  const char *s = ilab_plot_table_cell(t, r, c);
  char *end;
  double v = strtod(s, &end);
  return (end == s || *end) ? NAN : v;
}

const char *ilab_plot_table_meta(const ilab_plot_table *t, const char *key)
{
  size_t kl = strlen(key);
  for (size_t i = 0; i < t->nmeta; i++)
    if (!strncmp(t->meta[i], key, kl) && t->meta[i][kl] == ':')
      return t->meta[i] + kl + 1 + (t->meta[i][kl + 1] == ' ');
  return NULL;
}

double ilab_plot_loglog_slope(const double *x, const double *y, size_t n)
{
  double su = 0, sv = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (x[i] > 0 && y[i] > 0 && isfinite(x[i]) && isfinite(y[i])) { su += log(x[i]); sv += log(y[i]); m++; }
  if (m < 2) return NAN;
  double ub = su / (double)m, vb = sv / (double)m, sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; i++)
    if (x[i] > 0 && y[i] > 0 && isfinite(x[i]) && isfinite(y[i])) {
      double du = log(x[i]) - ub;
      sxy += du * (log(y[i]) - vb);
      sxx += du * du;
    }
  return sxx > 0 ? sxy / sxx : NAN;
}

/* ---------------------------------------------------------------- output helpers */

const char *ilab_plot_kind_name(ilab_plot_kind k)
{
  /* the per-layer figure of other tables is drawn by fig_variance.gp too */
  static const char *names[ILAB_PLOT_NKINDS] = {"variance", "hist", "claims", "width", "variance", "phase"};
  return (unsigned)k < ILAB_PLOT_NKINDS ? names[k] : "?";
}


/* s as a gnuplot double-quoted string. */
void ilab_plot_put_str(FILE *gp, const char *s)
{
  fputc('"', gp);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') { fputc('\\', gp); fputc(*s, gp); }
    else if (*s == '\n') fputs("\\n", gp);
    else if (*s == '\t') fputc(' ', gp);
    else fputc(*s, gp);
  }
  fputc('"', gp);
}

/* A subtitle: s, its line broken at the sentence break (".  ") nearest
 * its middle when it is longer than 140 characters. */
static void put_subtitle(FILE *gp, const char *s)
{
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", s);
  size_t n = strlen(buf), best = 0;
  if (n > 140 && !strchr(buf, '\n'))
    for (char *p = strstr(buf, ".  "); p; p = strstr(p + 1, ".  ")) {
      size_t at = (size_t)(p - buf) + 1, d = at > n / 2 ? at - n / 2 : n / 2 - at;
      size_t db = best > n / 2 ? best - n / 2 : n / 2 - best;
      if (!best || d < db) best = at;
    }
  if (best) {
    buf[best] = '\n';
    memmove(buf + best + 1, buf + best + 2, n - best - 1);
  }
  fputs("subtitle = ", gp);
  ilab_plot_put_str(gp, buf);
  fputc('\n', gp);
}

void ilab_plot_put_var_str(FILE *gp, const char *name, const char *s)
{
  fprintf(gp, "%s = ", name);
  ilab_plot_put_str(gp, s);
  fputc('\n', gp);
}

/* A number for a datablock: %.17g, NaN (gnuplot's missing value) for inf and nan. */
void ilab_plot_put_num(FILE *gp, double x, char end)
{
  if (isfinite(x)) fprintf(gp, "%.17g", x);
  else fputs("NaN", gp);
  fputc(end, gp);
}

static char *path_join(const char *dir, const char *name)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static int read_in(const char *dir, const char *name, ilab_plot_table **t)
{
  char *p = path_join(dir, name);
  if (!p) return ilab_error(ILAB_ENOMEM, "out of memory");
  int st = ilab_plot_table_read(p, t);
  free(p);
  return st;
}

static int exists_in(const char *dir, const char *name)
{
  char *p = path_join(dir, name);
  if (!p) return 0;
  FILE *f = fopen(p, "r");
  free(p);
  if (f) fclose(f);
  return f != NULL;
}

/* ---------------------------------------------------------------- filters and keys */

/* The claims table names its activation and scheme inside the claim text:
 * "act scheme ..."; word w (1 or 2) of it, copied into buf. */
static const char *claim_word(const char *claim, int w, char *buf, size_t n)
{
  const char *s = claim;
  for (int i = 1; i < w; i++) {
    s += strcspn(s, " ");
    s += strspn(s, " ");
  }
  size_t l = strcspn(s, " ");
  if (l >= n) l = n - 1;
  memcpy(buf, s, l);
  buf[l] = '\0';
  return buf;
}

/* The value of key in row r: its column's field, or for the claims table the
 * activation and scheme words of the claim.  NULL if the table has neither. */
static const char *row_key(const ilab_plot_table *t, size_t r, const char *key, char *buf, size_t n)
{
  int c = ilab_plot_table_col(t, key);
  if (c >= 0) return ilab_plot_table_cell(t, r, c);
  int cc = ilab_plot_table_col(t, "claim");
  if (cc >= 0 && !strcmp(key, "act")) return claim_word(ilab_plot_table_cell(t, r, cc), 1, buf, n);
  if (cc >= 0 && !strcmp(key, "scheme")) return claim_word(ilab_plot_table_cell(t, r, cc), 2, buf, n);
  return NULL;
}

/* Whether a field equals an --only value: as strings, or as numbers when
 * both are one (sigma_b2=0.05 names the 0.050000000000000003 of %.17g). */
static int same_value(const char *field, const char *v)
{
  if (!strcmp(field, v)) return 1;
  char *e1, *e2;
  double a = strtod(field, &e1), b = strtod(v, &e2);
  return e1 != field && !*e1 && e2 != v && !*e2 && a == b;
}

/* Marks keep[r] for the rows that pass the --only filters; returns how many
 * do, or fails with ILAB_EINVAL naming a key the table lacks. */
static int filter_rows(const ilab_plot_table *t, const char *path, const ilab_plot_options *o,
                       char *keep, size_t *nkept)
{
  char buf[256];
  /* the claims table names only activation and scheme: other keys pass */
  int lenient = ilab_plot_table_col(t, "claim") >= 0;
  for (size_t i = 0; i < o->nonly; i++)
    if (t->nrows && !lenient && !row_key(t, 0, o->only_key[i], buf, sizeof buf))
      return ilab_error(ILAB_EINVAL, "%s has no column '%s' to select with --only", path, o->only_key[i]);
  *nkept = 0;
  for (size_t r = 0; r < t->nrows; r++) {
    int ok = 1;
    for (size_t i = 0; i < o->nonly && ok; i++) {
      int seen = 0, match = 0;
      for (size_t j = 0; j < o->nonly; j++) {
        if (strcmp(o->only_key[j], o->only_key[i])) continue;
        const char *v = row_key(t, r, o->only_key[j], buf, sizeof buf);
        if (!v) continue;
        seen = 1;
        if (same_value(v, o->only_value[j])) match = 1;
      }
      ok = !seen || match;
    }
    keep[r] = (char)ok;
    *nkept += (size_t)ok;
  }
  if (*nkept == 0) {
    if (o->nonly)
      return ilab_error(ILAB_EINVAL, "%s: no row is left after --only %s=%s", path, o->only_key[0],
                        o->only_value[0]);
    return ilab_error(ILAB_EINVAL, "%s has no rows", path);
  }
  return ILAB_OK;
}

/* The column a table's rows run along: 'layer', or for tables of training
 * 'step', 'epoch' or 'iteration'; NULL if none follows a key column. */
static const char *xname_of(const ilab_plot_table *t)
{
  static const char *const xs[] = {"layer", "step", "epoch", "iteration"};
  for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
    if (ilab_plot_table_col(t, xs[i]) > 0) return xs[i];
  return NULL;
}

/* The key columns of a per-layer table: those before 'layer' (or the
 * column its rows run along). */
static int nkeys(const ilab_plot_table *t)
{
  const char *x = xname_of(t);
  return x ? ilab_plot_table_col(t, x) : 0;
}

/* Whether rows a and b agree on the key columns in [from, to). */
static int same_keys(const ilab_plot_table *t, size_t a, size_t b, int from, int to)
{
  for (int c = from; c < to; c++)
    if (strcmp(ilab_plot_table_cell(t, a, c), ilab_plot_table_cell(t, b, c))) return 0;
  return 1;
}

/* Groups of rows by the key columns [from, to): group[r] in 0..n-1 in order
 * of first appearance (-1 for rows not kept), first[g] a row of group g.
 * Returns the number of groups. */
static size_t group_rows(const ilab_plot_table *t, const char *keep, int from, int to, int *group,
                         size_t *first)
{
  size_t n = 0, last = 0;
  for (size_t r = 0; r < t->nrows; r++) {
    group[r] = -1;
    if (!keep[r]) continue;
    /* the rows of a cell are usually adjacent: try the last group first */
    size_t g = 0;
    if (n && same_keys(t, first[last], r, from, to)) g = last;
    else
      while (g < n && !same_keys(t, first[g], r, from, to)) g++;
    last = g;
    if (g == n) first[n++] = r;
    group[r] = (int)g;
  }
  return n;
}

/* The title: the first sentence of the experiment's question (up to and with
 * its first '?', or its first ". "), else fallback. */
static void put_title(FILE *gp, const ilab_plot_table *t, const char *fallback)
{
  const char *q = ilab_plot_table_meta(t, "question");
  char buf[512];
  if (!q || !*q) q = fallback;
  size_t n = strlen(q);
  const char *qm = strchr(q, '?'), *dot = strstr(q, ". ");
  if (qm && (size_t)(qm - q) + 1 < n) n = (size_t)(qm - q) + 1;
  else if (dot) n = (size_t)(dot - q) + 1;
  if (n >= sizeof buf) n = sizeof buf - 1;
  /* break the line near the middle if it is long */
  memcpy(buf, q, n);
  buf[n] = '\0';
  if (n > 90) {
    char *sp = strchr(buf + n / 2, ' ');
    if (sp) *sp = '\n';
  }
  ilab_plot_put_var_str(gp, "title", buf);
}

/* A short word for the seed provenance: its first token. */
static void seed_of(const ilab_plot_table *t, char *buf, size_t n)
{
  const char *s = ilab_plot_table_meta(t, "seed");
  buf[0] = '\0';
  if (!s) return;
  size_t l = strcspn(s, " \t");
  if (l >= n) l = n - 1;
  memcpy(buf, s, l);
  buf[l] = '\0';
}

/* The curve label: the key fields in [from, to) joined by ", ", the
 * activation, the scheme and the first bare, the others as name=value. */
static void curve_label(const ilab_plot_table *t, size_t r, int from, int to, char *buf, size_t n)
{
  size_t l = 0;
  buf[0] = '\0';
  for (int c = from; c < to && l + 1 < n; c++) {
    const char *v = ilab_plot_table_cell(t, r, c);
    const char *sep = c == from ? "" : ", ";
    if (!strcmp(t->field[c], "act") || !strcmp(t->field[c], "scheme") || c == from)
      l += (size_t)snprintf(buf + l, n - l, "%s%s", sep, v);
    else l += (size_t)snprintf(buf + l, n - l, "%s%s=%s", sep, t->field[c], v);
  }
}

/* ---------------------------------------------------------------- quantities against layer */

/* The columns of one quantity Q: Q, Q_lo, Q_hi, Q_theory, Q_ratio,
 * Q_theory_lo, Q_theory_hi; at most VQ_MAX quantities a figure. */
enum { VQ_MAX = 6, VQ_COLS = 7 };

static int col_suffix(const ilab_plot_table *t, const char *q, const char *suffix)
{
  char name[64];
  snprintf(name, sizeof name, "%s%s", q, suffix);
  return ilab_plot_table_col(t, name);
}

/* Measured / theory of row r for the quantity of columns qc: its ratio
 * column, else the quotient of its mean and theory columns. */
static double ratio_of(const ilab_plot_table *t, size_t r, const int *qc)
{
  if (qc[4] >= 0) return ilab_plot_table_num(t, r, qc[4]);
  if (qc[0] < 0 || qc[3] < 0) return NAN;
  return ilab_plot_table_num(t, r, qc[0]) / ilab_plot_table_num(t, r, qc[3]);
}

typedef struct { double lo, hi; } range;

static void range_add(range *r, double x)
{
  if (!(x > 0) || !isfinite(x)) return;
  if (x < r->lo) r->lo = x;
  if (x > r->hi) r->hi = x;
}

/* The per-layer figure of quantities qs[0..nq) of table t (labels for the
 * axis and the panel titles): the variance figure of summary.tsv, and of any
 * other per-layer table with theory columns. */
static int write_layers(FILE *gp, const ilab_plot_table *t, const char *path, const char *keep,
                        size_t nkept, int nq, const char *const *qs, const char *const *qlabel,
                        const char *const *qtitle, const char *fallback)
{
  const char *xname = xname_of(t);
  int summary = !strcmp(fallback, "Variance through depth");  /* summary.tsv's variances */
  int lc = xname ? ilab_plot_table_col(t, xname) : -1, nk = nkeys(t);
  if (lc < 0 || nk < 1) return ilab_error(ILAB_EPARSE, "%s: no 'layer' column after the keys", path);
  int *group = malloc(t->nrows * 2 * sizeof *group);
  size_t *first = malloc(t->nrows * 2 * sizeof *first);
  if (!group || !first) { free(group); free(first); return ilab_error(ILAB_ENOMEM, "out of memory"); }
  int *pgroup = group + t->nrows;
  size_t *pfirst = first + t->nrows;
  /* panels: the first key (the activation); curves: every key */
  size_t np = group_rows(t, keep, 0, 1, pgroup, pfirst);
  size_t nc = group_rows(t, keep, 0, nk, group, first);
  if (nc > ILAB_PLOT_MAX_CURVES) {
    free(group);
    free(first);
    return ilab_error(ILAB_EINVAL, "%s: %zu curves are more than one figure can show (%d): choose some "
                      "with --only KEY=VALUE", path, nc, ILAB_PLOT_MAX_CURVES);
  }

  int qc[VQ_MAX][VQ_COLS];
  int has[VQ_MAX], hasratio = 0, hasfw[VQ_MAX], hastheory = 0, hasband = 0;
  static const char *const suf[VQ_COLS] = {"", "_lo", "_hi", "_theory", "_ratio", "_theory_lo", "_theory_hi"};
  if (nq > VQ_MAX) nq = VQ_MAX;
  for (int q = 0; q < nq; q++) {
    for (int k = 0; k < VQ_COLS; k++) qc[q][k] = col_suffix(t, qs[q], suf[k]);
    has[q] = qc[q][0] >= 0;
    hasfw[q] = qc[q][5] >= 0 && qc[q][6] >= 0;
    /* measured / theory: its column, or the quotient of the two */
    hasratio |= has[q] && (qc[q][4] >= 0 || qc[q][3] >= 0);
    hastheory |= has[q] && qc[q][3] >= 0;
    hasband |= has[q] && qc[q][1] >= 0 && qc[q][2] >= 0;
  }
  /* ranges, per quantity, of what is drawn on a log axis */
  range rg[VQ_MAX], rr = {INFINITY, -INFINITY};
  for (int q = 0; q < nq; q++) rg[q] = (range){INFINITY, -INFINITY};
  double lmax = 0;
  int tc = ilab_plot_table_col(t, "trials");
  double tmin = INFINITY, tmax = -INFINITY;
  int fi = ilab_plot_table_col(t, "fan_in"), fo = ilab_plot_table_col(t, "fan_out");
  double wmin = INFINITY, wmax = -INFINITY;
  for (size_t r = 0; r < t->nrows; r++) {
    if (!keep[r]) continue;
    double l = ilab_plot_table_num(t, r, lc);
    if (l > lmax) lmax = l;
    double tr = ilab_plot_table_num(t, r, tc);
    if (tr < tmin) tmin = tr;
    if (tr > tmax) tmax = tr;
    double w = ilab_plot_table_num(t, r, fo);
    if (w < wmin) wmin = w;
    if (w > wmax) wmax = w;
    if (l == 1) {
      w = ilab_plot_table_num(t, r, fi);
      if (w < wmin) wmin = w;
      if (w > wmax) wmax = w;
    }
    for (int q = 0; q < nq; q++) {
      if (!has[q]) continue;
      range_add(&rg[q], ilab_plot_table_num(t, r, qc[q][0]));
      range_add(&rg[q], ilab_plot_table_num(t, r, qc[q][3]));
      range_add(&rr, ratio_of(t, r, qc[q]));
    }
  }

  put_title(gp, t, fallback);
  char sub[512], seed[64];
  size_t sl = 0;
  seed_of(t, seed, sizeof seed);
  if (strcmp(xname, "layer")) sl += (size_t)snprintf(sub + sl, sizeof sub - sl, "%ss up to %g", xname, lmax);
  else sl += (size_t)snprintf(sub + sl, sizeof sub - sl, "%g layers", lmax);
  int wcol = ilab_plot_table_col(t, "width");
  if (wcol >= 0 && wcol < nk && several_values(t, "width"))
    sl += (size_t)snprintf(sub + sl, sizeof sub - sl, " (widths as labelled)");
  else if (wmin == wmax && isfinite(wmin)) sl += (size_t)snprintf(sub + sl, sizeof sub - sl, " of width %g", wmin);
  else if (isfinite(wmin)) sl += (size_t)snprintf(sub + sl, sizeof sub - sl, " of widths %g to %g", wmin, wmax);
  if (isfinite(tmin)) {
    const char *band = summary ? "95% t interval" : "Q_lo to Q_hi";
    if (tmin == tmax) sl += (size_t)snprintf(sub + sl, sizeof sub - sl, ".  Measured: mean of %g trials (solid), %s shaded", tmin, band);
    else sl += (size_t)snprintf(sub + sl, sizeof sub - sl, ".  Measured: mean of %g to %g trials (solid), %s shaded", tmin, tmax, band);
  }
  if (seed[0]) sl += (size_t)snprintf(sub + sl, sizeof sub - sl, ", seed %s", seed);
  if (hastheory) snprintf(sub + sl, sizeof sub - sl, summary ? ".  Mean-field theory: dashed" : ".  Theory (Q_theory): dashed");
  put_subtitle(gp, sub);
  fprintf(gp, "np = %zu\narray pname[%zu]\n", np, np);
  for (size_t p = 0; p < np; p++) {
    fprintf(gp, "pname[%zu] = ", p + 1);
    ilab_plot_put_str(gp, ilab_plot_table_cell(t, pfirst[p], 0));
    fputc('\n', gp);
  }
  fprintf(gp, "nc = %zu\narray clabel[%zu]\narray cscheme[%zu]\narray cpanel[%zu]\n", nc, nc, nc, nc);
  char buf[512];
  size_t legw = 24;  /* the longest legend entry, in characters */
  int sc = ilab_plot_table_col(t, "scheme");
  for (size_t c = 0; c < nc; c++) {
    size_t r = first[c];
    curve_label(t, r, nk >= 2 ? 1 : 0, nk, buf, sizeof buf);
    if (strlen(buf) > legw) legw = strlen(buf);
    if (!buf[0]) snprintf(buf, sizeof buf, "%s", ilab_plot_table_cell(t, r, 0));
    fprintf(gp, "clabel[%zu] = ", c + 1);
    ilab_plot_put_str(gp, buf);
    fprintf(gp, "\ncscheme[%zu] = ", c + 1);
    ilab_plot_put_str(gp, sc >= 0 ? ilab_plot_table_cell(t, r, sc) : buf);
    fprintf(gp, "\ncpanel[%zu] = %d\n", c + 1, pgroup[r] + 1);
  }
  fprintf(gp, "legw = %zu\nhastheory = %d\nhasband = %d\n", legw, hastheory, hasband);
  ilab_plot_put_var_str(gp, "xlabel", strcmp(xname, "layer") ? xname : "layer l");
  /* summary.tsv's bounds are 95% t intervals; another table's are what its columns say */
  ilab_plot_put_var_str(gp, "bandlabel", summary ? "95% interval over trials" : "interval Q_lo to Q_hi");
  ilab_plot_put_var_str(gp, "theorylabel", summary ? "mean-field theory" : "theory (Q_theory)");
  fprintf(gp, "nq = %d\narray qlabel[%d]\narray qtitle[%d]\n", nq, nq, nq);
  for (int q = 0; q < nq; q++) {
    fprintf(gp, "qlabel[%d] = ", q + 1);
    ilab_plot_put_str(gp, qlabel[q]);
    fprintf(gp, "\nqtitle[%d] = ", q + 1);
    ilab_plot_put_str(gp, qtitle[q]);
    fputc('\n', gp);
  }
  fprintf(gp, "array has[%d]\narray logy[%d]\narray ylo[%d]\narray yhi[%d]\narray hasfw[%d]\n", nq,
          nq, nq, nq, nq);
  double floor_of[VQ_MAX];
  for (int q = 0; q < nq; q++) {
    int ok = has[q] && rg[q].lo <= rg[q].hi;
    /* log scale when the values span more than two decades */
    int lg = ok && rg[q].hi / rg[q].lo > 100;
    double lo = ok ? (lg ? rg[q].lo / 3 : 0) : 0, hi = ok ? (lg ? rg[q].hi * 3 : rg[q].hi * 1.15) : 1;
    floor_of[q] = lg ? lo / 10 : -INFINITY;
    fprintf(gp, "has[%d] = %d; logy[%d] = %d; hasfw[%d] = %d\nylo[%d] = ", q + 1, has[q], q + 1, lg,
            q + 1, hasfw[q], q + 1);
    ilab_plot_put_num(gp, lo, '\n');
    fprintf(gp, "yhi[%d] = ", q + 1);
    ilab_plot_put_num(gp, hi, '\n');
  }
  /* the ratio row spans at least [1/2, 2] */
  double rlo = rr.lo <= rr.hi ? fmin(0.5, rr.lo / 1.2) : 0.5, rhi = rr.lo <= rr.hi ? fmax(2, rr.hi * 1.2) : 2;
  fprintf(gp, "hasratio = %d\nrlo = %.6g\nrhi = %.6g\nnkept = %zu\n", hasratio, fmax(rlo, 1e-6),
          fmin(rhi, 1e6), nkept);
  /* one datablock per curve: layer, then per quantity mean lo hi theory ratio fw_lo fw_hi;
   * a lower edge below the log axis's floor is drawn at the floor */
  for (size_t c = 0; c < nc; c++) {
    fprintf(gp, "$c%zu << EOD\n", c + 1);
    for (size_t r = 0; r < t->nrows; r++) {
      if (group[r] != (int)c) continue;
      ilab_plot_put_num(gp, ilab_plot_table_num(t, r, lc), '\t');
      for (int q = 0; q < nq; q++)
        for (int k = 0; k < VQ_COLS; k++) {
          double v = k == 4 ? ratio_of(t, r, qc[q]) : ilab_plot_table_num(t, r, qc[q][k]);
          if ((k == 1 || k == 5) && !(v > floor_of[q]) && !isnan(v)) v = floor_of[q];
          ilab_plot_put_num(gp, v, q == nq - 1 && k == VQ_COLS - 1 ? '\n' : '\t');
        }
    }
    fputs("EOD\n", gp);
  }
  free(group);
  free(first);
  return ILAB_OK;
}

/* summary.tsv: the variances forward, backward and of the weight gradients. */
static int write_variance(FILE *gp, const ilab_plot_table *t, const char *path, const char *keep,
                          size_t nkept)
{
  static const char *const qs[3] = {"h_var", "gx_var", "gw_var"};
  static const char *const lab[3] = {"Var(H_l)", "Var(dL/dX_l)", "Var(dL/dW_l)"};
  static const char *const tit[3] = {"forward", "backward", "weight gradients"};
  return write_layers(gp, t, path, keep, nkept, 3, qs, lab, tit, "Variance through depth");
}

/* The quantities of another per-layer table: the columns Q beside a
 * Q_theory column, in table order; failing those, in a table of training
 * (rows along step, epoch or iteration), the columns that name a loss or an
 * accuracy, bounds (_lo, _hi) aside.  At most VQ_MAX.  Returns how many. */
static int is_standard(const char *q)
{
  return !strcmp(q, "h_var") || !strcmp(q, "gx_var") || !strcmp(q, "gw_var") || !strcmp(q, "x_sq");
}

/* As theory_quantities, leaving out those of the variance figure and E[X_l^2]
 * when summary is set: summary.tsv's further quantities, if any. */
static int theory_quantities_of(const ilab_plot_table *t, const char **qs, int summary)
{
  int n = 0;
  const char *x = xname_of(t);
  if (!x) return 0;
  for (int c = nkeys(t) + 1; c < t->ncols && n < VQ_MAX; c++)
    if (col_suffix(t, t->field[c], "_theory") >= 0 && !(summary && is_standard(t->field[c])))
      qs[n++] = t->field[c];
  if (summary) return n;
  if (n || !strcmp(x, "layer")) return n;
  for (int c = nkeys(t) + 1; c < t->ncols && n < VQ_MAX; c++) {
    const char *nm = t->field[c];
    size_t l = strlen(nm);
    if ((strstr(nm, "loss") || strstr(nm, "acc")) &&
        !(l > 3 && (!strcmp(nm + l - 3, "_lo") || !strcmp(nm + l - 3, "_hi"))))
      qs[n++] = nm;
  }
  return n;
}

static int theory_quantities(const ilab_plot_table *t, const char **qs)
{
  return theory_quantities_of(t, qs, 0);
}

/* Any other per-layer table with theory columns (spectrum.tsv, ...): each
 * such quantity against layer, beside its theory. */
static int write_other_layers(FILE *gp, const ilab_plot_table *t, const char *path, const char *keep,
                              size_t nkept, int summary)
{
  const char *qs[VQ_MAX];
  int nq = theory_quantities_of(t, qs, summary);
  if (!nq) return ilab_error(ILAB_EPARSE, "%s: no column Q beside a Q_theory column", path);
  return write_layers(gp, t, path, keep, nkept, nq, qs, qs, qs, "Quantities against layer");
}

/* ---------------------------------------------------------------- histograms */

static const char *hist_qname(const char *q)
{
  if (!strcmp(q, "h")) return "pre-activations H_l";
  if (!strcmp(q, "x")) return "activations X_l = φ(H_l)";
  if (!strcmp(q, "gx")) return "gradients dL/dX_l";
  if (!strcmp(q, "gh")) return "gradients dL/dH_l";
  return q;
}

static int write_hist(FILE *gp, const ilab_plot_table *t, const char *path, const char *keep,
                      size_t nkept, const ilab_plot_options *o)
{
  (void)o;
  (void)nkept;
  int lc = ilab_plot_table_col(t, "layer"), nk = nkeys(t);
  int qc = ilab_plot_table_col(t, "quantity"), cc = ilab_plot_table_col(t, "center"),
      dc = ilab_plot_table_col(t, "density");
  if (lc < 0 || nk < 1 || qc < 0 || cc < 0 || dc < 0)
    return ilab_error(ILAB_EPARSE, "%s: the columns layer, quantity, center and density are needed", path);
  int *cell = malloc(t->nrows * 3 * sizeof *cell);
  size_t *first = malloc(t->nrows * 3 * sizeof *first);
  if (!cell || !first) { free(cell); free(first); return ilab_error(ILAB_ENOMEM, "out of memory"); }
  int *qg = cell + t->nrows, *lg = cell + 2 * t->nrows;
  size_t *qfirst = first + t->nrows, *lfirst = first + 2 * t->nrows;
  size_t ncell = group_rows(t, keep, 0, nk, cell, first);
  size_t nq = group_rows(t, keep, qc, qc + 1, qg, qfirst);
  size_t nl = group_rows(t, keep, lc, lc + 1, lg, lfirst);
  if (ncell > ILAB_PLOT_MAX_PANEL_ROWS) {
    free(cell);
    free(first);
    return ilab_error(ILAB_EINVAL, "%s: histograms of %zu cells are more rows than one figure can show "
                      "(%d): choose some with --only KEY=VALUE", path, ncell, ILAB_PLOT_MAX_PANEL_ROWS);
  }

  put_title(gp, t, "Histograms per layer");
  char sub[512], seed[64], buf[512];
  seed_of(t, seed, sizeof seed);
  fprintf(gp, "ncell = %zu\nnq = %zu\nnl = %zu\narray cname[%zu]\narray qname[%zu]\narray lname[%zu]\n",
          ncell, nq, nl, ncell, nq, nl);
  for (size_t c = 0; c < ncell; c++) {
    curve_label(t, first[c], 0, nk, buf, sizeof buf);
    fprintf(gp, "cname[%zu] = ", c + 1);
    ilab_plot_put_str(gp, buf);
    fputc('\n', gp);
  }
  for (size_t q = 0; q < nq; q++) {
    fprintf(gp, "qname[%zu] = ", q + 1);
    ilab_plot_put_str(gp, hist_qname(ilab_plot_table_cell(t, qfirst[q], qc)));
    fputc('\n', gp);
  }
  for (size_t l = 0; l < nl; l++) {
    fprintf(gp, "lname[%zu] = ", l + 1);
    ilab_plot_put_str(gp, ilab_plot_table_cell(t, lfirst[l], lc));
    fputc('\n', gp);
  }
  /* the top of each panel: the largest density, but a single bin more than
   * four times the next (a point mass, such as ReLU's zeros) runs off the
   * top instead of flattening every other curve */
  fprintf(gp, "array ymax[%zu]\n", ncell * nq);
  int capped = 0;
  for (size_t c = 0; c < ncell; c++)
    for (size_t q = 0; q < nq; q++) {
      double top = 0;
      for (size_t l = 0; l < nl; l++) {
        double t1 = 0, t2 = 0;
        for (size_t r = 0; r < t->nrows; r++) {
          if (cell[r] != (int)c || qg[r] != (int)q || lg[r] != (int)l) continue;
          double d = ilab_plot_table_num(t, r, dc);
          if (!isfinite(d)) continue;
          if (d > t1) { t2 = t1; t1 = d; } else if (d > t2) t2 = d;
        }
        double cap = t1 > 4 * t2 ? 1.3 * t2 : 1.05 * t1;
        capped |= t1 > 4 * t2;
        if (cap > top) top = cap;
      }
      fprintf(gp, "ymax[%zu] = ", c * nq + q + 1);
      ilab_plot_put_num(gp, top > 0 ? top : NAN, '\n');
    }
  snprintf(sub, sizeof sub, "Density of each quantity, one curve per layer, all trials pooled%s%s%s",
           seed[0] ? ", seed " : "", seed,
           capped ? ".  A bin of more than four times the next (a point mass, such as ReLU's zeros) "
                    "runs off the top" : "");
  put_subtitle(gp, sub);
  /* one datablock per (cell, quantity, layer): center density; an empty
   * one holds a single missing point so that gnuplot draws nothing */
  for (size_t c = 0; c < ncell; c++)
    for (size_t q = 0; q < nq; q++)
      for (size_t l = 0; l < nl; l++) {
        fprintf(gp, "$h%zu_%zu_%zu << EOD\n", c + 1, q + 1, l + 1);
        int any = 0;
        for (size_t r = 0; r < t->nrows; r++) {
          if (cell[r] != (int)c || qg[r] != (int)q || lg[r] != (int)l) continue;
          ilab_plot_put_num(gp, ilab_plot_table_num(t, r, cc), '\t');
          ilab_plot_put_num(gp, ilab_plot_table_num(t, r, dc), '\n');
          any = 1;
        }
        if (!any) fputs("NaN\tNaN\n", gp);
        fputs("EOD\n", gp);
      }
  free(cell);
  free(first);
  return ILAB_OK;
}

/* ---------------------------------------------------------------- claims */

static int write_claims(FILE *gp, const ilab_plot_table *t, const char *path, const char *keep,
                        size_t nkept, const ilab_plot_options *o)
{
  (void)o;
  int cc = ilab_plot_table_col(t, "claim"), mn = ilab_plot_table_col(t, "measured_min"),
      mx = ilab_plot_table_col(t, "measured_max"), loc = ilab_plot_table_col(t, "lo"),
      hic = ilab_plot_table_col(t, "hi"), vc = ilab_plot_table_col(t, "verdict");
  if (cc < 0 || mn < 0 || mx < 0 || loc < 0 || hic < 0 || vc < 0)
    return ilab_error(ILAB_EPARSE, "%s: the columns claim, measured_min, measured_max, lo, hi and verdict are needed",
                      path);
  put_title(gp, t, "Claims");
  size_t npass = 0;
  for (size_t r = 0; r < t->nrows; r++)
    if (keep[r]) npass += !strcmp(ilab_plot_table_cell(t, r, vc), "pass");
  char sub[256];
  snprintf(sub, sizeof sub,
           "%zu of %zu claims hold.  Each interval [lo, hi] is drawn from 0 to 1; the measured value "
           "(a bar from the smallest to the largest layer for 'all' claims) is placed on that scale",
           npass, nkept);
  put_subtitle(gp, sub);
  fprintf(gp, "n = %zu\narray ctext[%zu]\narray cval[%zu]\narray cpass[%zu]\n", nkept, nkept, nkept, nkept);
  size_t i = 0;
  char buf[512];
  for (size_t r = 0; r < t->nrows; r++) {
    if (!keep[r]) continue;
    i++;
    /* the claim without its " in [lo, hi]", which the right-hand label gives */
    const char *text = ilab_plot_table_cell(t, r, cc);
    const char *in = strstr(text, " in [");
    size_t l = in ? (size_t)(in - text) : strlen(text);
    if (l >= sizeof buf) l = sizeof buf - 1;
    memcpy(buf, text, l);
    buf[l] = '\0';
    fprintf(gp, "ctext[%zu] = ", i);
    ilab_plot_put_str(gp, buf);
    double a = ilab_plot_table_num(t, r, mn), b = ilab_plot_table_num(t, r, mx);
    if (a == b || isnan(b)) snprintf(buf, sizeof buf, "%.4g  in [%.4g, %.4g]", a, ilab_plot_table_num(t, r, loc), ilab_plot_table_num(t, r, hic));
    else snprintf(buf, sizeof buf, "%.4g to %.4g  in [%.4g, %.4g]", a, b, ilab_plot_table_num(t, r, loc), ilab_plot_table_num(t, r, hic));
    fprintf(gp, "\ncval[%zu] = ", i);
    ilab_plot_put_str(gp, buf);
    fprintf(gp, "\ncpass[%zu] = %d\n", i, !strcmp(ilab_plot_table_cell(t, r, vc), "pass"));
  }
  /* row i: i, the measured min and max on the interval's scale (lo -> 0,
   * hi -> 1), clipped to [-0.75, 1.75] */
  fputs("$claims << EOD\n", gp);
  i = 0;
  for (size_t r = 0; r < t->nrows; r++) {
    if (!keep[r]) continue;
    double lo = ilab_plot_table_num(t, r, loc), hi = ilab_plot_table_num(t, r, hic);
    double a = ilab_plot_table_num(t, r, mn), b = ilab_plot_table_num(t, r, mx);
    double w = hi - lo;
    double ta = w > 0 ? (a - lo) / w : NAN, tb = w > 0 ? (b - lo) / w : NAN;
    if (isnan(a) && isinf(b)) ta = tb;
    ta = fmax(-0.75, fmin(1.75, ta));
    tb = fmax(-0.75, fmin(1.75, tb));
    fprintf(gp, "%zu\t", ++i);
    ilab_plot_put_num(gp, ta, '\t');
    ilab_plot_put_num(gp, isnan(b) ? ta : tb, '\t');
    fprintf(gp, "%d\n", !strcmp(ilab_plot_table_cell(t, r, vc), "pass"));
  }
  fputs("EOD\n", gp);
  return ILAB_OK;
}

/* ---------------------------------------------------------------- against width */

static int write_width(FILE *gp, const ilab_plot_table *t, const char *path, const char *keep,
                      size_t nkept, const ilab_plot_options *o)
{
  (void)o;
  (void)nkept;
  int lc = ilab_plot_table_col(t, "layer"), nk = nkeys(t), wc = ilab_plot_table_col(t, "width");
  if (lc < 0 || wc < 0 || wc >= nk) return ilab_error(ILAB_EPARSE, "%s: no 'width' key column", path);
  /* the quantities: the drift |measured / theory - 1| of Var(H_L) at the
   * last layer and of Var(dL/dX_1) at the first (where each has crossed the
   * whole network), and every variance of logs that has a theory column
   * (ln_x_sq_var, ln_h_var_var), at the last layer beside its theory */
  const char *qname[16];
  int qcol[16], qth[16], qdrift[16], qfirst[16];
  size_t nq = 0;
  int hr = ilab_plot_table_col(t, "h_var_ratio"), gr = ilab_plot_table_col(t, "gx_var_ratio");
  if (hr >= 0) {
    qname[nq] = "|Var(H_L) / theory - 1|, last layer";
    qcol[nq] = hr; qth[nq] = -1; qdrift[nq] = 1; qfirst[nq] = 0; nq++;
  }
  if (gr >= 0) {
    qname[nq] = "|Var(dL/dX_1) / theory - 1|, first layer";
    qcol[nq] = gr; qth[nq] = -1; qdrift[nq] = 1; qfirst[nq] = 1; nq++;
  }
  for (int c = 0; c < t->ncols && nq < 16; c++) {
    const char *nm = t->field[c];
    size_t l = strlen(nm);
    /* a variance of logs with its theory beside it (ln_x_sq_var, ...): the
     * spread that finite width predicts, positive, so log-log axes hold it */
    int pick = !strncmp(nm, "ln_", 3) && l > 4 && !strcmp(nm + l - 4, "_var") && col_suffix(t, nm, "_theory") >= 0;
    if (!pick) continue;
    qname[nq] = nm;
    qcol[nq] = c;
    qth[nq] = col_suffix(t, nm, "_theory");
    qdrift[nq] = qfirst[nq] = 0;
    nq++;
  }
  /* cells without width: the curves; their deepest layer per width */
  int *group = malloc(t->nrows * sizeof *group);
  size_t *first = malloc(t->nrows * sizeof *first);
  double *x = malloc(t->nrows * 2 * sizeof *x);
  size_t *deep = malloc(t->nrows * 2 * sizeof *deep);
  if (!group || !first || !x || !deep) {
    free(group); free(first); free(x); free(deep);
    return ilab_error(ILAB_ENOMEM, "out of memory");
  }
  double *y = x + t->nrows;
  size_t *shallow = deep + t->nrows;
  size_t nc = 0;
  for (size_t r = 0; r < t->nrows; r++) {
    group[r] = -1;
    if (!keep[r]) continue;
    size_t g = 0;
    for (; g < nc; g++) {
      int same = 1;
      for (int c = 0; c < nk && same; c++)
        if (c != wc && strcmp(ilab_plot_table_cell(t, first[g], c), ilab_plot_table_cell(t, r, c))) same = 0;
      if (same) break;
    }
    if (g == nc) first[nc++] = r;
    group[r] = (int)g;
  }
  if (nc > ILAB_PLOT_MAX_CURVES) {
    free(group); free(first); free(x); free(deep);
    return ilab_error(ILAB_EINVAL, "%s: %zu curves are more than one figure can show (%d): choose some "
                      "with --only KEY=VALUE", path, nc, ILAB_PLOT_MAX_CURVES);
  }
  put_title(gp, t, "Against width");
  ilab_plot_put_var_str(gp, "subtitle", "Against the width n, log-log: the drift of the measurement from mean-field theory (finite-width corrections\nshrink like 1/n: slope -1, until the noise over trials dominates).  In the legend, the least-squares slope of each curve");
  fprintf(gp, "nc = %zu\nnq = %zu\narray qname[%zu]\narray clabel[%zu]\narray cscheme[%zu]\n", nc, nq,
          nq ? nq : 1, nc * (nq ? nq : 1), nc);
  for (size_t q = 0; q < nq; q++) {
    fprintf(gp, "qname[%zu] = ", q + 1);
    ilab_plot_put_str(gp, qname[q]);
    fputc('\n', gp);
  }
  int sc = ilab_plot_table_col(t, "scheme");
  char lab[512];
  for (size_t g = 0; g < nc; g++) {
    /* the rows of the deepest layer of each width */
    size_t nw = 0;
    for (size_t r = 0; r < t->nrows; r++) {
      if (group[r] != (int)g) continue;
      size_t k = 0;
      for (; k < nw; k++)
        if (!strcmp(ilab_plot_table_cell(t, deep[k], wc), ilab_plot_table_cell(t, r, wc))) break;
      if (k == nw) { deep[nw] = shallow[nw] = r; nw++; }
      else if (ilab_plot_table_num(t, r, lc) > ilab_plot_table_num(t, deep[k], lc)) deep[k] = r;
      else if (ilab_plot_table_num(t, r, lc) < ilab_plot_table_num(t, shallow[k], lc)) shallow[k] = r;
    }
    /* in order of width, so that the lines run left to right */
    for (size_t i = 1; i < nw; i++)
      for (size_t k = i; k > 0 && ilab_plot_table_num(t, deep[k], wc) < ilab_plot_table_num(t, deep[k - 1], wc); k--) {
        size_t d = deep[k], sh = shallow[k];
        deep[k] = deep[k - 1]; deep[k - 1] = d;
        shallow[k] = shallow[k - 1]; shallow[k - 1] = sh;
      }
    size_t l = 0;
    lab[0] = '\0';
    for (int c = 0; c < nk && l + 1 < sizeof lab; c++)
      if (c != wc) l += (size_t)snprintf(lab + l, sizeof lab - l, "%s%s", l ? ", " : "", ilab_plot_table_cell(t, first[g], c));
    fprintf(gp, "cscheme[%zu] = ", g + 1);
    ilab_plot_put_str(gp, sc >= 0 ? ilab_plot_table_cell(t, first[g], sc) : lab);
    fputc('\n', gp);
    for (size_t q = 0; q < nq; q++) {
      for (size_t k = 0; k < nw; k++) {
        size_t r = qfirst[q] ? shallow[k] : deep[k];
        x[k] = ilab_plot_table_num(t, r, wc);
        y[k] = ilab_plot_table_num(t, r, qcol[q]);
        if (qdrift[q]) y[k] = fabs(y[k] - 1);
      }
      double s = ilab_plot_loglog_slope(x, y, nw);
      char full[600];
      snprintf(full, sizeof full, "%s  (slope %.2f)", lab, s);
      fprintf(gp, "clabel[%zu] = ", g * nq + q + 1);
      ilab_plot_put_str(gp, full);
      fputc('\n', gp);
      fprintf(gp, "$w%zu_%zu << EOD\n", g + 1, q + 1);
      for (size_t k = 0; k < nw; k++) {
        ilab_plot_put_num(gp, x[k], '\t');
        ilab_plot_put_num(gp, y[k], '\t');
        ilab_plot_put_num(gp, ilab_plot_table_num(t, qfirst[q] ? shallow[k] : deep[k], qth[q]), '\n');
      }
      fputs("EOD\n", gp);
    }
  }
  free(group); free(first); free(x); free(deep);
  return ILAB_OK;
}

/* ---------------------------------------------------------------- phase diagram */

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Half the smallest gap between the distinct finite values v[0..n) (sorted
 * in place), or a twentieth of the value (0.05 at 0) when there is one. */
static double half_gap(double *v, size_t n)
{
  qsort(v, n, sizeof *v, cmp_double);
  double g = INFINITY;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[i - 1] && v[i] - v[i - 1] < g) g = v[i] - v[i - 1];
  if (isfinite(g)) return g / 2;
  return n && v[0] != 0 ? fabs(v[0]) / 20 : 0.05;
}

/* summary.tsv with a sigma_b2 key column of several values: per cell, the
 * gradient's per-layer factor chi_1 = (Var(dL/dX_a) / Var(dL/dX_L))^(1/(L-a)),
 * a = max(1, L/5) (past the transient to the fixed point), measured and from
 * the theory columns, over the grid (sigma_w2, sigma_b2); sigma_w2 is the
 * table's column if it has one, else fan_in Var(W) of the last layer. */
static int write_phase(FILE *gp, const ilab_plot_table *t, const char *path, const char *keep)
{
  int lc = ilab_plot_table_col(t, "layer"), nk = nkeys(t), sbc = ilab_plot_table_col(t, "sigma_b2"),
      gxc = ilab_plot_table_col(t, "gx_var"), gtc = ilab_plot_table_col(t, "gx_var_theory"),
      swc = ilab_plot_table_col(t, "sigma_w2"), fic = ilab_plot_table_col(t, "fan_in"),
      wvc = ilab_plot_table_col(t, "w_var");
  if (lc < 0 || sbc < 0 || sbc >= nk || gxc < 0 || (swc < 0 && (fic < 0 || wvc < 0)))
    return ilab_error(ILAB_EPARSE, "%s: a phase diagram needs the key column sigma_b2 and the columns layer, "
                      "gx_var and sigma_w2 (or fan_in and w_var)", path);
  size_t n = t->nrows;
  int *cell = malloc(2 * n * sizeof *cell);
  size_t *first = malloc(2 * n * sizeof *first);
  double *v = malloc(6 * n * sizeof *v);
  if (!cell || !first || !v) {
    free(cell); free(first); free(v);
    return ilab_error(ILAB_ENOMEM, "out of memory");
  }
  int *pg = cell + n;
  size_t *pfirst = first + n;
  size_t np = group_rows(t, keep, 0, 1, pg, pfirst);
  size_t nc = group_rows(t, keep, 0, nk, cell, first);
  /* per cell: sigma_w2, sigma_b2, chi measured, chi theory, panel; the layer range */
  double *sw = v, *sb = v + n, *chm = v + 2 * n, *cht = v + 3 * n, *tmp = v + 4 * n;
  int *cpanel = malloc((nc ? nc : 1) * sizeof *cpanel);
  if (!cpanel) {
    free(cell); free(first); free(v);
    return ilab_error(ILAB_ENOMEM, "out of memory");
  }
  double la = INFINITY, lb = 0;
  for (size_t c = 0; c < nc; c++) {
    size_t ra = n, rb = n;
    double L = 0;
    for (size_t r = 0; r < n; r++)
      if (cell[r] == (int)c && ilab_plot_table_num(t, r, lc) > L) { L = ilab_plot_table_num(t, r, lc); rb = r; }
    double a = floor(L / 5) >= 1 ? floor(L / 5) : 1;
    for (size_t r = 0; r < n; r++)
      if (cell[r] == (int)c && ilab_plot_table_num(t, r, lc) == a) ra = r;
    cpanel[c] = pg[first[c]];
    sb[c] = ilab_plot_table_num(t, first[c], sbc);
    chm[c] = cht[c] = sw[c] = NAN;
    if (rb == n) continue;
    sw[c] = swc >= 0 ? ilab_plot_table_num(t, rb, swc)
                     : ilab_plot_table_num(t, rb, fic) * ilab_plot_table_num(t, rb, wvc);
    if (ra == n || a >= L) continue;
    chm[c] = pow(ilab_plot_table_num(t, ra, gxc) / ilab_plot_table_num(t, rb, gxc), 1 / (L - a));
    if (gtc >= 0)
      cht[c] = pow(ilab_plot_table_num(t, ra, gtc) / ilab_plot_table_num(t, rb, gtc), 1 / (L - a));
    if (a < la) la = a;
    if (L > lb) lb = L;
  }
  put_title(gp, t, "Order and chaos");
  char sub[512];
  snprintf(sub, sizeof sub,
           "The gradient's per-layer factor chi_1 = (Var(dL/dX_a) / Var(dL/dX_L))^(1/(L-a)), layers %g to %g, "
           "per cell.  Blue: ordered (chi_1 < 1, gradients vanish going down); red: chaotic (chi_1 > 1)",
           la, lb);
  put_subtitle(gp, sub);
  /* the colour range: |ln chi_1| up to its largest value, at least ln 1.1, at most ln 10 */
  double m = log(1.1);
  for (size_t c = 0; c < nc; c++) {
    if (isfinite(log(chm[c])) && fabs(log(chm[c])) > m) m = fabs(log(chm[c]));
    if (isfinite(log(cht[c])) && fabs(log(cht[c])) > m) m = fabs(log(cht[c]));
  }
  fprintf(gp, "cbmax = %.17g\nhastheory = %d\nnp = %zu\narray pname[%zu]\narray dx[%zu]\narray dy[%zu]\n",
          fmin(m, log(10.0)), gtc >= 0, np, np, np, np);
  for (size_t p = 0; p < np; p++) {
    fprintf(gp, "pname[%zu] = ", p + 1);
    ilab_plot_put_str(gp, ilab_plot_table_cell(t, pfirst[p], 0));
    size_t k = 0;
    for (size_t c = 0; c < nc; c++)
      if (cpanel[c] == (int)p && isfinite(sw[c])) tmp[k++] = sw[c];
    fprintf(gp, "\ndx[%zu] = %.17g\n", p + 1, half_gap(tmp, k));
    k = 0;
    for (size_t c = 0; c < nc; c++)
      if (cpanel[c] == (int)p && isfinite(sb[c])) tmp[k++] = sb[c];
    fprintf(gp, "dy[%zu] = %.17g\n", p + 1, half_gap(tmp, k));
  }
  /* a datablock per panel: sigma_w2 sigma_b2 ln(chi measured) ln(chi theory) chi measured */
  for (size_t p = 0; p < np; p++) {
    fprintf(gp, "$ph%zu << EOD\n", p + 1);
    int any = 0;
    for (size_t c = 0; c < nc; c++) {
      if (cpanel[c] != (int)p) continue;
      ilab_plot_put_num(gp, sw[c], '\t');
      ilab_plot_put_num(gp, sb[c], '\t');
      ilab_plot_put_num(gp, log(chm[c]), '\t');
      ilab_plot_put_num(gp, log(cht[c]), '\t');
      ilab_plot_put_num(gp, chm[c], '\t');
      ilab_plot_put_num(gp, cht[c], '\n');
      any = 1;
    }
    if (!any) fputs("NaN\tNaN\tNaN\tNaN\tNaN\tNaN\n", gp);
    fputs("EOD\n", gp);
  }
  free(cell); free(first); free(v); free(cpanel);
  return ILAB_OK;
}

/* ---------------------------------------------------------------- detection and dispatch */

/* Whether summary table t has a key column called key with several values. */
static int several_values(const ilab_plot_table *t, const char *key)
{
  int wc = ilab_plot_table_col(t, key);
  if (wc < 0 || wc >= nkeys(t) || t->nrows == 0) return 0;
  for (size_t r = 1; r < t->nrows; r++)
    if (strcmp(ilab_plot_table_cell(t, r, wc), ilab_plot_table_cell(t, 0, wc))) return 1;
  return 0;
}

static void add_figure(ilab_plot_figure *figs, size_t max, size_t *n, ilab_plot_kind k, const char *table,
                       const char *name)
{
  if (*n >= max) return;
  figs[*n].kind = k;
  snprintf(figs[*n].table, sizeof figs[*n].table, "%s", table);
  snprintf(figs[*n].name, sizeof figs[*n].name, "%s", name);
  (*n)++;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The other tables of dir (not summary, layers, hist, claims), sorted, in a
 * malloc'd array of malloc'd names; *n of them. */
static int other_tables(const char *dir, char ***names, size_t *n)
{
  *names = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return ilab_error(ILAB_EIO, "%s: %s", dir, strerror(errno));
  size_t cap = 0;
  struct dirent *e;
  int st = ILAB_OK;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l < 5 || l >= 60 || strcmp(e->d_name + l - 4, ".tsv") || e->d_name[0] == '.') continue;
    if (!strcmp(e->d_name, "summary.tsv") || !strcmp(e->d_name, "layers.tsv") ||
        !strcmp(e->d_name, "hist.tsv") || !strcmp(e->d_name, "claims.tsv"))
      continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 8;
      char **nn = realloc(*names, cap * sizeof *nn);
      if (!nn) { st = ilab_error(ILAB_ENOMEM, "out of memory"); break; }
      *names = nn;
    }
    if (!((*names)[*n] = strdup(e->d_name))) { st = ilab_error(ILAB_ENOMEM, "out of memory"); break; }
    (*n)++;
  }
  closedir(d);
  if (*n) qsort(*names, *n, sizeof **names, cmp_str);
  return st;
}

int ilab_plot_detect(const char *dir, ilab_plot_figure *figs, size_t max, size_t *n)
{
  *n = 0;
  if (exists_in(dir, "summary.tsv")) {
    ilab_plot_table *t;
    int st = read_in(dir, "summary.tsv", &t);
    if (st) return st;
    if (ilab_plot_table_col(t, "layer") > 0 && t->nrows > 0) {
      add_figure(figs, max, n, ILAB_PLOT_VARIANCE, "summary.tsv", "variance");
      const char *qs[VQ_MAX];
      if (theory_quantities_of(t, qs, 1) > 0)
        add_figure(figs, max, n, ILAB_PLOT_LAYERS, "summary.tsv", "quantities");
      if (several_values(t, "width")) add_figure(figs, max, n, ILAB_PLOT_WIDTH, "summary.tsv", "width");
      if (several_values(t, "sigma_b2") && ilab_plot_table_col(t, "gx_var") >= 0)
        add_figure(figs, max, n, ILAB_PLOT_PHASE, "summary.tsv", "phase");
    }
    ilab_plot_table_free(t);
  }
  if (exists_in(dir, "hist.tsv")) {
    ilab_plot_table *t;
    int st = read_in(dir, "hist.tsv", &t);
    if (st) return st;
    if (ilab_plot_table_col(t, "density") >= 0 && ilab_plot_table_col(t, "layer") > 0 && t->nrows > 0)
      add_figure(figs, max, n, ILAB_PLOT_HIST, "hist.tsv", "hist");
    ilab_plot_table_free(t);
  }
  if (exists_in(dir, "claims.tsv")) {
    ilab_plot_table *t;
    int st = read_in(dir, "claims.tsv", &t);
    if (st) return st;
    if (ilab_plot_table_col(t, "claim") >= 0 && t->nrows > 0)
      add_figure(figs, max, n, ILAB_PLOT_CLAIMS, "claims.tsv", "claims");
    ilab_plot_table_free(t);
  }
  /* any other per-layer table with theory columns: its quantities against layer */
  char **names;
  size_t nn;
  int st = other_tables(dir, &names, &nn);
  for (size_t i = 0; i < nn && !st; i++) {
    ilab_plot_table *t;
    if (read_in(dir, names[i], &t)) continue;  /* not a table of ours: not a figure */
    const char *qs[VQ_MAX];
    if (xname_of(t) && t->nrows > 0 && theory_quantities(t, qs) > 0) {
      char name[64];
      snprintf(name, sizeof name, "%.*s", (int)(strlen(names[i]) - 4), names[i]);
      add_figure(figs, max, n, ILAB_PLOT_LAYERS, names[i], name);
    }
    ilab_plot_table_free(t);
  }
  for (size_t i = 0; i < nn; i++) free(names[i]);
  free(names);
  ilab_error_clear();
  return st;
}

int ilab_plot_write(FILE *gp, const char *dir, const ilab_plot_figure *f, const char *outbase,
                    const ilab_plot_options *o)
{
  if ((unsigned)f->kind >= ILAB_PLOT_NKINDS) return ilab_error(ILAB_EINVAL, "no figure kind %d", (int)f->kind);
  char *path = path_join(dir, f->table);
  if (!path) return ilab_error(ILAB_ENOMEM, "out of memory");
  ilab_plot_table *t = NULL;
  int st = ilab_plot_table_read(path, &t);
  char *keep = NULL;
  size_t nkept = 0;
  if (!st) {
    keep = malloc(t->nrows + 1);
    if (!keep) st = ilab_error(ILAB_ENOMEM, "out of memory");
  }
  if (!st) st = filter_rows(t, path, o, keep, &nkept);
  if (!st) {
    fputs("# written by initlab plot\n", gp);
    ilab_plot_put_var_str(gp, "plotdir", o->plotdir);
    ilab_plot_put_var_str(gp, "formats", o->format);
    ilab_plot_put_var_str(gp, "outfile", outbase);
    ilab_plot_put_var_str(gp, "source", path);
    switch (f->kind) {
    case ILAB_PLOT_VARIANCE: st = write_variance(gp, t, path, keep, nkept); break;
    case ILAB_PLOT_HIST: st = write_hist(gp, t, path, keep, nkept, o); break;
    case ILAB_PLOT_CLAIMS: st = write_claims(gp, t, path, keep, nkept, o); break;
    case ILAB_PLOT_WIDTH: st = write_width(gp, t, path, keep, nkept, o); break;
    case ILAB_PLOT_LAYERS: st = write_other_layers(gp, t, path, keep, nkept, !strcmp(f->table, "summary.tsv")); break;
    case ILAB_PLOT_PHASE: st = write_phase(gp, t, path, keep); break;
    default: break;
    }
  }
  if (!st) fprintf(gp, "load plotdir.\"/fig_%s.gp\"\n", ilab_plot_kind_name(f->kind));
  if (!st && ferror(gp)) st = ilab_error(ILAB_EIO, "writing to gnuplot failed");
  free(keep);
  free(path);
  ilab_plot_table_free(t);
  return st;
}
