/* Experiment files: "key = value" lines, '#' comments, space-separated lists. */
#include "config.h"
#include "ilab.h"
#include "range.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = {"activations", "schemes", "depth", "width", "widths",
                                   "batch", "trials", "seed", "sigma_b2", "input", "claim",
                                   "histograms", "hist_bins", "spectrum", "spectrum_layers", "rates",
                                   "layers_table", "ln_histogram", "precision", "loss_scale", NULL};

/* Largest experiment file accepted: they are a few lines long. */
#define MAX_FILE (1 << 20)

void ilab_config_free(ilab_config *c)
{
  free(c->path);
  free(c->text);
  free(c->question);
  free(c->widths);
  free(c->acts);
  free(c->act_names);
  free(c->schemes);
  free(c->width_list);
  free(c->trials_list);
  free(c->depth_list);
  free(c->hist_layers);
  free(c->spec_layers);
  free(c->sigma_b2_list);
  free(c->input_list);
  free(c->batch_list);
  memset(c, 0, sizeof *c);
}

int ilab_config_read(const char *path, ilab_config *c)
{
  memset(c, 0, sizeof *c);
  FILE *f = fopen(path, "rb");
  if (!f) ILAB_ERROR(ILAB_EIO, "%s: cannot open: %s", path, strerror(errno));
  char *buf = malloc(MAX_FILE + 1);
  if (!buf) { fclose(f); ILAB_ERROR(ILAB_ENOMEM, "%s: out of memory", path); }
  size_t n = fread(buf, 1, MAX_FILE + 1, f);
  int err = ferror(f);
  fclose(f);
  if (err) { free(buf); ILAB_ERROR(ILAB_EIO, "%s: read error (is it a directory?)", path); }
  if (n > MAX_FILE) { free(buf); ILAB_ERROR(ILAB_EPARSE, "%s: larger than %d bytes; not an experiment file", path, MAX_FILE); }
  int st = ilab_config_parse(path, buf, n, c);
  free(buf);
  return st;
}

static int parse_size(const char *path, int line, const char *key, const char *v, size_t lo,
                      size_t hi, size_t *out)
{
  char *end;
  errno = 0;
  if (*v == '-' || *v == '+')
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: '%s' is not a whole number >= %zu", path, line, key, v, lo);
  unsigned long long x = strtoull(v, &end, 10);
  if (end == v || *end != '\0')
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: '%s' is not a whole number", path, line, key, v);
  if (errno == ERANGE || x < lo || x > hi)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: %s is out of range [%zu, %zu]", path, line, key, v, lo, hi);
  *out = (size_t)x;
  return ILAB_OK;
}

/* Prefixes the reason recorded by a lower module with the file and line. */
static int at_line(int st, const char *path, int line, const char *what, const char *sep)
{
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s", ilab_error_reason());
  return ilab_error(st, "%s:%d: %s%s%s", path, line, what, sep, tmp);
}

/* Parses every claim, now that the lists and the depth they refer to are known. */
static int parse_claims(ilab_config *c)
{
  const char **acts = malloc(c->n_acts * sizeof *acts), **kinds = malloc(c->n_acts * sizeof *kinds),
             **schemes = malloc(c->n_schemes * sizeof *schemes);
  int st = ILAB_OK;
  if (!acts || !kinds || !schemes) st = ilab_error(ILAB_ENOMEM, "out of memory");
  for (size_t i = 0; !st && i < c->n_acts; i++) {
    acts[i] = c->act_names[i];
    kinds[i] = ilab_act_names[c->acts[i].kind];
  }
  for (size_t i = 0; !st && i < c->n_schemes; i++) schemes[i] = c->schemes[i].spec;
  const char **inputs = malloc((c->n_inputs ? c->n_inputs : 1) * sizeof *inputs);
  if (!st && !inputs) st = ilab_error(ILAB_ENOMEM, "out of memory");
  for (size_t i = 0; !st && i < c->n_inputs; i++) inputs[i] = c->input_list[i].spec;
  ilab_claim_context ctx = {c->path, c->n_acts, acts, kinds, c->n_schemes, schemes, c->depth, c->trials,
                            c->n_widths, c->width_list, c->n_depths, c->depth_list,
                            c->n_sigma_b2s, c->sigma_b2_list, c->n_inputs, inputs, c->n_batches, c->batch_list};
  for (size_t i = 0; !st && i < c->n_claims; i++) st = ilab_claim_parse(&ctx, &c->claims[i]);
  free(acts);
  free(kinds);
  free(schemes);
  free(inputs);
  return st;
}

/* Whether --only act=v names the activation the tables call name: as written
 * there ("leaky_relu:slope=0.01") or as in the file ("leaky_relu"). */
static int same_act(const char *v, const char *name)
{
  ilab_act a;
  char canon[64];
  if (!strcmp(v, name)) return 1;
  if (ilab_act_parse(v, &a)) return 0;
  ilab_act_name(&a, canon, sizeof canon);
  return !strcmp(canon, name);
}


/* The keys of the points' dimensions in --only entries, in ilab_point's order. */
static const char *const point_keys[] = {"width=", "depth=", "sigma_b2=", "input=", "batch=", NULL};

/* The dimension an entry KEY=VALUE selects on (point_keys' index), or -1. */
static int point_key(const char *entry)
{
  for (int i = 0; point_keys[i]; i++)
    if (!strncmp(entry, point_keys[i], strlen(point_keys[i]))) return i;
  return -1;
}

int ilab_config_is_point_key(const char *entry) { return point_key(entry) >= 0; }

/* Whether the value v of an entry names the whole number x. */
static int names_size(const char *v, size_t x)
{
  char num[32];
  snprintf(num, sizeof num, "%zu", x);
  return !strcmp(v, num);
}

/* Whether entry (of dimension dim, value v) names point p's coordinate.  A
 * width or depth needs a 'width' list; a sigma_b2 is named by its value. */
static int names_point(const ilab_config *c, int dim, const char *v, const ilab_point *p)
{
  char *end;
  switch (dim) {
  case 0: return p->width && names_size(v, p->width);
  case 1: return p->width && names_size(v, p->depth);
  case 2: {
    errno = 0;
    double x = strtod(v, &end);
    return end != v && !*end && x == p->sigma_b2;
  }
  case 3: return !strcmp(v, c->input_list[p->input].spec);
  default: return names_size(v, p->batch);
  }
}

int ilab_config_select_points(const ilab_config *c, const char *const *only, size_t n, unsigned char *run)
{
  static const char *const what[] = {"width (a 'width' list)", "depth (a 'depth' list)", "sigma_b2",
                                     "input law (as written in its 'input' list)", "batch"};
  size_t np = ilab_config_n_points(c);
  int used[5] = {0};
  for (size_t i = 0; i < n; i++) {
    int dim = point_key(only[i]), found = 0;
    if (dim < 0) continue;
    used[dim] = 1;
    const char *v = only[i] + strlen(point_keys[dim]);
    for (size_t k = 0; k < np && !found; k++) {
      ilab_point p;
      ilab_config_point_of(c, k, &p);
      found = names_point(c, dim, v, &p);
    }
    if (!found) ILAB_ERROR(ILAB_EINVAL, "%s: %s has no such %s", only[i], c->path, what[dim]);
  }
  for (size_t k = 0; k < np; k++) {
    ilab_point p;
    ilab_config_point_of(c, k, &p);
    int ok = 1;
    for (int dim = 0; dim < 5 && ok; dim++) {
      if (!used[dim]) continue;
      int any = 0;
      for (size_t i = 0; i < n && !any; i++)
        if (point_key(only[i]) == dim) any = names_point(c, dim, only[i] + strlen(point_keys[dim]), &p);
      ok = any;
    }
    run[k] = (unsigned char)ok;
  }
  return ILAB_OK;
}

int ilab_config_select(const ilab_config *c, const char *const *only, size_t n, unsigned char *sel)
{
  int any_act = 0, any_scheme = 0;
  for (size_t i = 0; i < n; i++) {
    int is_act = !strncmp(only[i], "act=", 4);
    if (point_key(only[i]) >= 0) continue; /* ilab_config_select_points' */
    if (!is_act && strncmp(only[i], "scheme=", 7))
      ILAB_ERROR(ILAB_EINVAL, "%s: expected act=NAME, scheme=SPEC, width=N, depth=N, sigma_b2=V, input=SPEC or batch=N", only[i]);
    const char *v = only[i] + (is_act ? 4 : 7);
    int found = 0;
    if (is_act) any_act = 1; else any_scheme = 1;
    for (size_t k = 0; k < (is_act ? c->n_acts : c->n_schemes); k++)
      found |= is_act ? same_act(v, c->act_names[k]) : !strcmp(v, c->schemes[k].spec);
    if (!found) ILAB_ERROR(ILAB_EINVAL, "%s: %s has no such %s", only[i], c->path, is_act ? "activation" : "scheme");
  }
  for (size_t cell = 0; cell < c->n_acts * c->n_schemes; cell++) {
    int ok_act = !any_act, ok_scheme = !any_scheme;
    for (size_t i = 0; i < n; i++) {
      if (!strncmp(only[i], "act=", 4)) ok_act |= same_act(only[i] + 4, c->act_names[cell / c->n_schemes]);
      else if (point_key(only[i]) < 0) ok_scheme |= !strcmp(only[i] + 7, c->schemes[cell % c->n_schemes].spec);
    }
    sel[cell] = (unsigned char)(ok_act && ok_scheme);
  }
  return ILAB_OK;
}

/* Makes room for need elements of size elem in *p (capacity *cap), doubling,
 * so that n appends cost O(n). */
static int grow(void *p, size_t *cap, size_t need, size_t elem)
{
  void **pp = p;
  if (need <= *cap) return ILAB_OK;
  size_t nc = *cap ? *cap : 8;
  while (nc < need) nc *= 2;
  void *q = realloc(*pp, nc * elem);
  if (!q) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  *pp = q;
  *cap = nc;
  return ILAB_OK;
}

/* Splits s in place at blanks into *words (grown as needed); returns the
 * count, or -1 if out of memory. */
static long split(char *s, char ***words, size_t *cap)
{
  size_t n = 0;
  for (char *t = strtok(s, " \t"); t; t = strtok(NULL, " \t")) {
    if (grow(words, cap, n + 1, sizeof **words)) return -1;
    (*words)[n++] = t;
  }
  return (long)n;
}

/* The whole numbers of a list whose words are numbers or ranges (range.h),
 * each in [lo, hi], appended to *out (n values, capacity *cap). */
static int expand_sizes(const char *path, int line, const char *key, char **words, size_t nw, size_t lo,
                        size_t hi, size_t **out, size_t *n, size_t *cap)
{
  for (size_t w = 0; w < nw; w++) {
    if (!ilab_range_is(words[w])) {
      int st;
      if (*n == ILAB_MAX_ENTRIES)
        ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: more than %d entries", path, line, key, ILAB_MAX_ENTRIES);
      if ((st = grow(out, cap, *n + 1, sizeof **out))) return st;
      if ((st = parse_size(path, line, key, words[w], lo, hi, &(*out)[*n]))) return st;
      (*n)++;
      continue;
    }
    ilab_range r;
    if (ilab_range_parse(words[w], &r)) return at_line(ILAB_EPARSE, path, line, key, ": ");
    if (*n + r.n > ILAB_MAX_ENTRIES)
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: more than %d entries", path, line, key, ILAB_MAX_ENTRIES);
    int st;
    if ((st = grow(out, cap, *n + r.n, sizeof **out))) return st;
    for (size_t i = 0; i < r.n; i++) {
      double v = ilab_range_at(&r, i);
      if (v != floor(v))
        ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: the range %s gives %.17g, not a whole number", path, line, key, words[w], v);
      if (v < (double)lo || v > (double)hi)
        ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: the range %s gives %.17g, out of range [%zu, %zu]", path, line, key, words[w], v, lo, hi);
      (*out)[(*n)++] = (size_t)v;
    }
  }
  return ILAB_OK;
}

/* Calls emit on each spec that w expands to: every {ITEMS} in w, ITEMS
 * comma-separated numbers or ranges, is replaced by each of its values in
 * turn, written as the shortest decimal that reads back as the value (so
 * normal:std={0.5:2:0.5} gives normal:std=0.5 ... normal:std=2); several
 * braces give every combination, the first varying slowest. */
typedef int (*emit_fn)(void *ctx, const char *spec);

static int expand_spec(const char *path, int line, const char *key, const char *whole, const char *w,
                       emit_fn emit, void *ctx)
{
  const char *open = strchr(w, '{'), *close = strchr(w, '}');
  if (!open && !close) return emit(ctx, w);
  if (!open || !close || close < open)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: '%s' has a '%c' without its '%c'", path, line, key, whole,
               !open || close < open ? '}' : '{', !open || close < open ? '{' : '}');
  size_t il = (size_t)(close - open - 1);
  if (memchr(open + 1, '{', il))
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: '%s': braces do not nest", path, line, key, whole);
  if (il == 0) ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: '%s': {} expands to nothing", path, line, key, whole);
  char *items = malloc(il + 1), *next = malloc(strlen(w) + 32);
  if (!items || !next) {
    free(items);
    free(next);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  }
  memcpy(items, open + 1, il);
  items[il] = '\0';
  int st = ILAB_OK;
  for (char *it = items, *comma; it && !st; it = comma ? comma + 1 : NULL) {
    comma = strchr(it, ',');
    if (comma) *comma = '\0';
    ilab_range r;
    if (!*it) { st = ilab_error(ILAB_EPARSE, "%s:%d: %s: '%s': an empty item between braces", path, line, key, whole); break; }
    if (ilab_range_parse(it, &r)) { st = at_line(ILAB_EPARSE, path, line, key, ": "); break; }
    for (size_t i = 0; i < r.n && !st; i++) {
      char num[32];
      ilab_range_format(ilab_range_at(&r, i), num, sizeof num);
      sprintf(next, "%.*s%s%s", (int)(open - w), w, num, close + 1);
      st = expand_spec(path, line, key, whole, next, emit, ctx);
    }
  }
  free(items);
  free(next);
  return st;
}

struct list_ctx {
  ilab_config *c;
  size_t cap;
  const char *path;
  int line;
};

static int emit_act(void *p, const char *spec)
{
  struct list_ctx *x = p;
  ilab_config *c = x->c;
  int st;
  if (c->n_acts == ILAB_MAX_SPECS)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: activations: more than %d entries", x->path, x->line, ILAB_MAX_SPECS);
  size_t cap = x->cap;
  if ((st = grow(&c->acts, &cap, c->n_acts + 1, sizeof *c->acts)) ||
      (st = grow(&c->act_names, &x->cap, c->n_acts + 1, sizeof *c->act_names)))
    return st;
  if ((st = ilab_act_parse(spec, &c->acts[c->n_acts]))) return at_line(st, x->path, x->line, "", "");
  ilab_act_name(&c->acts[c->n_acts], c->act_names[c->n_acts], sizeof c->act_names[0]);
  c->n_acts++;
  return ILAB_OK;
}

static int emit_scheme(void *p, const char *spec)
{
  struct list_ctx *x = p;
  ilab_config *c = x->c;
  int st;
  if (c->n_schemes == ILAB_MAX_SPECS)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: schemes: more than %d entries", x->path, x->line, ILAB_MAX_SPECS);
  if ((st = grow(&c->schemes, &x->cap, c->n_schemes + 1, sizeof *c->schemes))) return st;
  if ((st = ilab_scheme_parse(spec, &c->schemes[c->n_schemes]))) return at_line(st, x->path, x->line, "", "");
  c->n_schemes++;
  return ILAB_OK;
}

static int emit_input(void *p, const char *spec)
{
  struct list_ctx *x = p;
  ilab_config *c = x->c;
  int st;
  if (c->n_inputs == ILAB_MAX_SPECS)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: input: more than %d entries", x->path, x->line, ILAB_MAX_SPECS);
  if ((st = grow(&c->input_list, &x->cap, c->n_inputs + 1, sizeof *c->input_list))) return st;
  ilab_scheme *in = &c->input_list[c->n_inputs];
  if ((st = ilab_scheme_parse(spec, in))) return at_line(st, x->path, x->line, "input", ": ");
  if (in->family == ILAB_FAMILY_ORTHOGONAL || in->family == ILAB_FAMILY_IDENTITY)
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: input: '%s' is a matrix ensemble, not a law for input entries", x->path, x->line, spec);
  c->n_inputs++;
  return ILAB_OK;
}

/* The numbers of a list whose words are numbers or ranges (range.h), each a
 * variance: finite and >= 0, appended to *out (n values, capacity *cap). */
static int expand_doubles(const char *path, int line, const char *key, char **words, size_t nw, double **out,
                          size_t *n, size_t *cap)
{
  for (size_t w = 0; w < nw; w++) {
    ilab_range r;
    int st;
    if (ilab_range_is(words[w])) {
      if (ilab_range_parse(words[w], &r)) return at_line(ILAB_EPARSE, path, line, key, ": ");
    } else {
      char *e;
      errno = 0;
      double v = strtod(words[w], &e);
      if (e == words[w] || *e) ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: '%s' is not a number", path, line, key, words[w]);
      if (!isfinite(v) || errno == ERANGE || v < 0)
        ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s must be a finite number >= 0, not '%s'", path, line, key, words[w]);
      r = (ilab_range){v, v, 1, 0, 1, 0, 0, 0};
    }
    if (*n + r.n > ILAB_MAX_ENTRIES)
      ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: more than %d entries", path, line, key, ILAB_MAX_ENTRIES);
    if ((st = grow(out, cap, *n + r.n, sizeof **out))) return st;
    for (size_t i = 0; i < r.n; i++) {
      double v = r.n == 1 && !ilab_range_is(words[w]) ? r.lo : ilab_range_at(&r, i);
      if (!isfinite(v) || v < 0)
        ILAB_ERROR(ILAB_EPARSE, "%s:%d: %s: the range %s gives %.17g, not a finite number >= 0", path, line, key, words[w], v);
      (*out)[(*n)++] = v;
    }
  }
  return ILAB_OK;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Whether a number is listed twice among n; *dup is then that number. */
static int twice_double(const double *x, size_t n, double *dup, int *nomem)
{
  double *v = malloc((n ? n : 1) * sizeof *v);
  int found = 0;
  *nomem = !v;
  if (!v) return 0;
  memcpy(v, x, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_double);
  for (size_t i = 1; i < n && !found; i++) if (v[i - 1] == v[i]) { found = 1; *dup = v[i]; }
  free(v);
  return found;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }
static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* The first name listed twice among n (stride bytes apart), or NULL: sorted,
 * in O(n log n), so that a list of thousands is checked at once. */
static const char *twice_str(const char *base, size_t n, size_t stride, int *nomem)
{
  const char **v = malloc((n ? n : 1) * sizeof *v), *dup = NULL;
  *nomem = !v;
  if (!v) return NULL;
  for (size_t i = 0; i < n; i++) v[i] = base + i * stride;
  qsort(v, n, sizeof *v, cmp_str);
  for (size_t i = 1; i < n && !dup; i++) if (!strcmp(v[i - 1], v[i])) dup = v[i];
  free(v);
  return dup;
}

/* Whether a value is listed twice among n; *dup is then that value. */
static int twice_size(const size_t *x, size_t n, size_t *dup, int *nomem)
{
  size_t *v = malloc((n ? n : 1) * sizeof *v);
  int found = 0;
  *nomem = !v;
  if (!v) return 0;
  memcpy(v, x, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_size);
  for (size_t i = 1; i < n && !found; i++) if (v[i - 1] == v[i]) { found = 1; *dup = v[i]; }
  free(v);
  return found;
}

int ilab_config_parse(const char *path, const char *text, size_t len, ilab_config *c)
{
  memset(c, 0, sizeof *c);
  int st = ILAB_OK;
  char **words = NULL, *line = NULL, *lg = NULL;
  size_t words_cap = 0, line_cap = 0, lg_cap = 0, lg_len = 0, qlen = 0;
  int line_of[24] = {0}; /* line where each key was set (keys[] order), 0 if not */
  size_t nwidths = 0, *widths = NULL, ntrials = 0, *trials = NULL, wcap = 0, tcap = 0, cap = 0;
  c->path = strdup(path);
  c->text = malloc(len + 1);
  c->question = calloc(1, 1);
  if (!c->path || !c->text || !c->question) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
  memcpy(c->text, text, len);
  c->text[len] = '\0';
  if (len == 0) { st = ilab_error(ILAB_EPARSE, "%s: empty file; expected 'key = value' lines", path); goto fail; }
  const char *nul = memchr(text, '\0', len);
  if (nul) {
    /* name the line, as for every other error in the file */
    int nl = 1;
    for (const char *q = text; q < nul; q++) nl += *q == '\n';
    st = ilab_error(ILAB_EPARSE, "%s:%d: NUL byte; not a text file", path, nl);
    goto fail;
  }
  c->trials = 1;
  c->batch = 0;
  c->layers_table = 1;
  c->precision = ILAB_PREC_DOUBLE;
  c->loss_scale = 1;

  /* phys counts the lines of the file; lineno is the line where the current
   * key began, which names it in messages when '\' continued it. */
  int phys = 0, lineno = 0, in_header = 1, cont = 0;
  const char *p = text, *endp = text + len;
  while (p < endp || cont) {
    if (p >= endp) { st = ilab_error(ILAB_EPARSE, "%s:%d: the line ends in '\\' but the file ends there; expected a continuation line", path, phys); goto fail; }
    const char *nl = memchr(p, '\n', (size_t)(endp - p));
    size_t ll = nl ? (size_t)(nl - p) : (size_t)(endp - p);
    phys++;
    if ((st = grow(&line, &line_cap, ll + 1, 1))) goto fail;
    memcpy(line, p, ll);
    line[ll] = '\0';
    p += ll + (nl ? 1 : 0);
    if (ll && line[ll - 1] == '\r') line[--ll] = '\0';
    for (size_t i = 0; i < ll; i++)
      if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
        st = ilab_error(ILAB_EPARSE, "%s:%d: control character (byte 0x%02x); not a text file", path, phys, (unsigned char)line[i]);
        goto fail;
      }
    char *hash = strchr(line, '#');
    if (hash) {
      if (in_header && !cont && hash == line + strspn(line, " \t")) {
        /* the opening comment block states the question the experiment answers */
        const char *q = hash + 1 + strspn(hash + 1, " \t");
        size_t add = strlen(q);
        while (add && (q[add - 1] == ' ' || q[add - 1] == '\t')) add--;
        char *nq = realloc(c->question, qlen + add + 2);
        if (!nq) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
        c->question = nq;
        if (qlen && add) c->question[qlen++] = ' ';
        memcpy(c->question + qlen, q, add);
        qlen += add;
        c->question[qlen] = '\0';
      }
      *hash = '\0';
    }
    char *s = line + strspn(line, " \t");
    size_t sl = strlen(s);
    while (sl && (s[sl - 1] == ' ' || s[sl - 1] == '\t')) s[--sl] = '\0';
    if (!cont) {
      if (!*s) {
        if (!hash && c->question[0]) in_header = 0;
        continue;
      }
      in_header = 0;
      lineno = phys;
      lg_len = 0;
    }
    /* a line ending in '\' (before any comment) continues on the next line */
    cont = sl && s[sl - 1] == '\\';
    if (cont) s[--sl] = '\0';
    if ((st = grow(&lg, &lg_cap, lg_len + sl + 2, 1))) goto fail;
    if (lg_len) lg[lg_len++] = ' ';
    memcpy(lg + lg_len, s, sl);
    lg_len += sl;
    lg[lg_len] = '\0';
    if (cont) continue;
    s = lg;
    char *eq = strchr(s, '=');
    if (!eq) { st = ilab_error(ILAB_EPARSE, "%s:%d: expected 'key = value', found '%.200s'", path, lineno, s); goto fail; }
    *eq = '\0';
    char *key = s, *val = eq + 1;
    size_t kl = strlen(key);
    while (kl && (key[kl - 1] == ' ' || key[kl - 1] == '\t')) key[--kl] = '\0';
    val += strspn(val, " \t");
    int k;
    for (k = 0; keys[k]; k++) if (!strcmp(key, keys[k])) break;
    if (!keys[k]) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: unknown key '%.100s' (expected one of: activations, schemes, depth, width, widths, batch, trials, seed, sigma_b2, input, claim, histograms, hist_bins, spectrum, spectrum_layers, rates, layers_table, ln_histogram, precision, loss_scale)", path, lineno, key);
      goto fail;
    }
    if (line_of[k] && strcmp(key, "claim")) { st = ilab_error(ILAB_EPARSE, "%s:%d: key '%s' already set on line %d", path, lineno, key, line_of[k]); goto fail; }
    line_of[k] = lineno;
    if (!*val) { st = ilab_error(ILAB_EPARSE, "%s:%d: key '%s' has no value", path, lineno, key); goto fail; }
    if (!strcmp(key, "claim")) {
      /* parsed once every other key is known */
      if (c->n_claims == ILAB_MAX_CLAIMS) { st = ilab_error(ILAB_EPARSE, "%s:%d: more than %d claims", path, lineno, ILAB_MAX_CLAIMS); goto fail; }
      if (strlen(val) >= sizeof c->claims[0].text) { st = ilab_error(ILAB_EPARSE, "%s:%d: claim longer than %zu characters", path, lineno, sizeof c->claims[0].text - 1); goto fail; }
      ilab_claim *cl = &c->claims[c->n_claims++];
      cl->line = lineno;
      strcpy(cl->text, val);
      for (char *q = cl->text; *q; q++) if (*q == '\t') *q = ' '; /* keeps claims.tsv tab-separated */
      continue;
    }
    long nwl = split(val, &words, &words_cap);
    if (nwl < 0) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
    size_t nw = (size_t)nwl;
    int list = !strcmp(key, "activations") || !strcmp(key, "schemes") || !strcmp(key, "widths") ||
               !strcmp(key, "histograms") || !strcmp(key, "width") || !strcmp(key, "depth") ||
               !strcmp(key, "trials") || !strcmp(key, "spectrum_layers") || !strcmp(key, "sigma_b2") ||
               !strcmp(key, "input") || !strcmp(key, "batch");
    if (!list && nw != 1) { st = ilab_error(ILAB_EPARSE, "%s:%d: %s takes one value, found %zu", path, lineno, key, nw); goto fail; }
    int nomem = 0;

    if (!strcmp(key, "activations") || !strcmp(key, "schemes")) {
      int act = key[0] == 'a';
      struct list_ctx x = {c, 0, path, lineno};
      for (size_t i = 0; i < nw; i++)
        if ((st = expand_spec(path, lineno, key, words[i], words[i], act ? emit_act : emit_scheme, &x))) goto fail;
      const char *dup = act ? twice_str(c->act_names[0], c->n_acts, sizeof c->act_names[0], &nomem)
                            : twice_str(c->schemes[0].spec, c->n_schemes, sizeof c->schemes[0], &nomem);
      if (nomem) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
      if (dup) { st = ilab_error(ILAB_EPARSE, "%s:%d: %s '%s' listed twice", path, lineno, act ? "activation" : "scheme", dup); goto fail; }
    } else if (!strcmp(key, "widths")) {
      if ((st = expand_sizes(path, lineno, "widths", words, nw, 1, ILAB_MAX_WIDTH, &widths, &nwidths, &wcap))) goto fail;
      if (nwidths < 2) { st = ilab_error(ILAB_EPARSE, "%s:%d: widths lists n_0 .. n_L: at least two numbers", path, lineno); goto fail; }
    } else if (!strcmp(key, "histograms")) {
      cap = 0;
      if ((st = expand_sizes(path, lineno, "histograms", words, nw, 1, ILAB_MAX_DEPTH, &c->hist_layers, &c->n_hist, &cap))) goto fail;
    } else if (!strcmp(key, "spectrum_layers")) {
      cap = 0;
      if ((st = expand_sizes(path, lineno, "spectrum_layers", words, nw, 1, ILAB_MAX_DEPTH, &c->spec_layers, &c->n_spec, &cap))) goto fail;
    } else if (!strcmp(key, "spectrum")) {
      if (!strcmp(val, "yes")) c->spectrum = 1;
      else if (!strcmp(val, "no")) c->spectrum = 0;
      else { st = ilab_error(ILAB_EPARSE, "%s:%d: spectrum must be yes or no, not '%s'", path, lineno, val); goto fail; }
    } else if (!strcmp(key, "hist_bins")) {
      if ((st = parse_size(path, lineno, key, val, 2, 100000, &c->hist_bins))) goto fail;
    } else if (!strcmp(key, "width") || !strcmp(key, "depth")) {
      int w = key[0] == 'w';
      size_t *n = w ? &c->n_widths : &c->n_depths, dup;
      cap = 0;
      if ((st = expand_sizes(path, lineno, key, words, nw, 1, w ? ILAB_MAX_WIDTH : ILAB_MAX_DEPTH,
                             w ? &c->width_list : &c->depth_list, n, &cap))) goto fail;
      if (twice_size(w ? c->width_list : c->depth_list, *n, &dup, &nomem)) { st = ilab_error(ILAB_EPARSE, "%s:%d: %s %zu listed twice", path, lineno, key, dup); goto fail; }
      if (nomem) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
    } else if (!strcmp(key, "rates")) {

      /* A..B, checked against the depth once it is known */
      char *dots = strstr(val, "..");
      if (!dots) { st = ilab_error(ILAB_EPARSE, "%s:%d: rates: expected a layer range A..B, found '%s'", path, lineno, val); goto fail; }
      *dots = '\0';
      if ((st = parse_size(path, lineno, "rates", val, 1, ILAB_MAX_DEPTH, &c->rates_a)) ||
          (st = parse_size(path, lineno, "rates", dots + 2, 1, ILAB_MAX_DEPTH, &c->rates_b))) goto fail;
      if (c->rates_a >= c->rates_b) { st = ilab_error(ILAB_EPARSE, "%s:%d: rates: the range A..B needs A < B, found %zu..%zu", path, lineno, c->rates_a, c->rates_b); goto fail; }
    } else if (!strcmp(key, "batch")) {
      /* a list is a swept dimension; c->batch is the largest */
      size_t dup;
      cap = 0;
      if ((st = expand_sizes(path, lineno, key, words, nw, 1, ILAB_MAX_BATCH, &c->batch_list, &c->n_batches, &cap))) goto fail;
      if (twice_size(c->batch_list, c->n_batches, &dup, &nomem)) { st = ilab_error(ILAB_EPARSE, "%s:%d: batch %zu listed twice", path, lineno, dup); goto fail; }
      if (nomem) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
      for (size_t i = 0; i < c->n_batches; i++) if (c->batch_list[i] > c->batch) c->batch = c->batch_list[i];
    } else if (!strcmp(key, "trials")) {
      if ((st = expand_sizes(path, lineno, key, words, nw, 1, ILAB_MAX_TRIALS, &trials, &ntrials, &tcap))) goto fail;
    } else if (!strcmp(key, "layers_table")) {
      if (strcmp(val, "yes") && strcmp(val, "no")) { st = ilab_error(ILAB_EPARSE, "%s:%d: layers_table: expected yes or no, not '%s'", path, lineno, val); goto fail; }
      c->layers_table = !strcmp(val, "yes");
    } else if (!strcmp(key, "ln_histogram")) {
      if ((st = parse_size(path, lineno, key, val, 2, 100000, &c->ln_hist_bins))) goto fail;
    } else if (!strcmp(key, "seed")) {
      size_t sd;
      if ((st = parse_size(path, lineno, key, val, 0, (size_t)-1, &sd))) goto fail;
      c->seed = (unsigned long)sd;
      c->has_seed = 1;
    } else if (!strcmp(key, "precision")) {
      if (ilab_fp_parse(val, &c->precision)) {
        st = ilab_error(ILAB_EPARSE, "%s:%d: precision: '%s' is not double, single, half or bfloat16", path, lineno, val);
        goto fail;
      }
    } else if (!strcmp(key, "loss_scale")) {
      char *e;
      errno = 0;
      double v = strtod(val, &e);
      if (e == val || *e) { st = ilab_error(ILAB_EPARSE, "%s:%d: loss_scale: '%s' is not a number", path, lineno, val); goto fail; }
      if (!isfinite(v) || errno == ERANGE || !(v > 0)) { st = ilab_error(ILAB_EPARSE, "%s:%d: loss_scale must be a finite number > 0, not '%s'", path, lineno, val); goto fail; }
      c->loss_scale = v;
    } else if (!strcmp(key, "sigma_b2")) {
      /* a list (numbers or ranges) is a swept dimension; c->sigma_b2 is the largest */
      cap = 0;
      if ((st = expand_doubles(path, lineno, key, words, nw, &c->sigma_b2_list, &c->n_sigma_b2s, &cap))) goto fail;
      double dup;
      if (twice_double(c->sigma_b2_list, c->n_sigma_b2s, &dup, &nomem)) {
        char num[32];
        ilab_range_format(dup, num, sizeof num);
        st = ilab_error(ILAB_EPARSE, "%s:%d: sigma_b2 %s listed twice", path, lineno, num);
        goto fail;
      }
      if (nomem) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
      for (size_t i = 0; i < c->n_sigma_b2s; i++) if (c->sigma_b2_list[i] > c->sigma_b2) c->sigma_b2 = c->sigma_b2_list[i];
    } else if (!strcmp(key, "input")) {
      /* a list of laws (braces expand as in schemes) is a swept dimension;
       * c->input is the first */
      struct list_ctx x = {c, 0, path, lineno};
      for (size_t i = 0; i < nw; i++)
        if ((st = expand_spec(path, lineno, key, words[i], words[i], emit_input, &x))) goto fail;
      const char *dup = twice_str(c->input_list[0].spec, c->n_inputs, sizeof c->input_list[0], &nomem);
      if (nomem) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
      if (dup) { st = ilab_error(ILAB_EPARSE, "%s:%d: input '%s' listed twice", path, lineno, dup); goto fail; }
      c->input = c->input_list[0];
      c->has_input = 1;
    }
  }

  /* required keys and consistency */
  if (!c->n_acts) { st = ilab_error(ILAB_EPARSE, "%s: missing 'activations = ...' (e.g. 'activations = linear tanh relu')", path); goto fail; }
  if (!c->n_schemes) { st = ilab_error(ILAB_EPARSE, "%s: missing 'schemes = ...' (e.g. 'schemes = lecun_normal he_normal')", path); goto fail; }
  if (!c->batch) { st = ilab_error(ILAB_EPARSE, "%s: missing 'batch = N' (examples per pass; 1 makes the statistics run over units only)", path); goto fail; }
  for (size_t i = 0; i < c->n_depths; i++) if (c->depth_list[i] > c->depth) c->depth = c->depth_list[i];
  if (nwidths) {
    if (c->n_widths) { st = ilab_error(ILAB_EPARSE, "%s:%d: give either 'width' (square layers) or 'widths', not both", path, line_of[3] > line_of[4] ? line_of[3] : line_of[4]); goto fail; }
    if (c->n_depths > 1 || (c->depth && c->depth != nwidths - 1)) {
      if (c->n_depths > 1) st = ilab_error(ILAB_EPARSE, "%s:%d: depth lists several values, but widths (n_0 .. n_L) fixes one, L = %zu", path, line_of[2], nwidths - 1);
      else st = ilab_error(ILAB_EPARSE, "%s:%d: depth = %zu but widths lists %zu layers (n_0 .. n_L gives L = %zu)", path, line_of[2], c->depth, nwidths - 1, nwidths - 1);
      goto fail;
    }
    c->depth = nwidths - 1;
    c->widths = widths;
    widths = NULL;
    if (ntrials > 1) { st = ilab_error(ILAB_EPARSE, "%s:%d: trials: one count per width needs a 'width' list; with 'widths' give one", path, line_of[6]); goto fail; }
    c->trials = ntrials ? trials[0] : 1;
    if (!(c->trials_list = malloc(sizeof *c->trials_list))) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
    c->trials_list[0] = c->trials;
  } else {
    if (!c->n_widths) { st = ilab_error(ILAB_EPARSE, "%s: missing 'width = N' (or a list 'width = N1 N2 ...', or 'widths = n_0 n_1 ... n_L')", path); goto fail; }
    if (!c->depth) { st = ilab_error(ILAB_EPARSE, "%s: missing 'depth = L' (number of layers, or a list)", path); goto fail; }
    if (ntrials > 1 && ntrials != c->n_widths) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: trials lists %zu counts for %zu widths (give one count, or one per width)", path, line_of[6], ntrials, c->n_widths);
      goto fail;
    }
    c->trials = 0;
    if (!(c->trials_list = malloc(c->n_widths * sizeof *c->trials_list))) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
    for (size_t i = 0; i < c->n_widths; i++) {
      c->trials_list[i] = ntrials > 1 ? trials[i] : ntrials ? trials[0] : 1;
      if (c->trials_list[i] > c->trials) c->trials = c->trials_list[i];
    }
    c->widths = malloc((c->depth + 1) * sizeof *c->widths);
    if (!c->widths) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
    for (size_t l = 0; l <= c->depth; l++) c->widths[l] = c->width_list[0];
  }
  size_t min_depth = c->depth;
  for (size_t i = 0; i < c->n_depths; i++) if (c->depth_list[i] < min_depth) min_depth = c->depth_list[i];
  if (!c->has_input) ilab_scheme_parse("normal:std=1", &c->input);
  /* one value given, or the default: a list of one */
  if ((!c->n_inputs && !(c->input_list = malloc(sizeof *c->input_list))) ||
      (!c->n_sigma_b2s && !(c->sigma_b2_list = malloc(sizeof *c->sigma_b2_list))) ||
      (!c->n_batches && !(c->batch_list = malloc(sizeof *c->batch_list)))) {
    st = ilab_error(ILAB_ENOMEM, "out of memory");
    goto fail;
  }
  if (!c->n_inputs) { c->input_list[0] = c->input; c->n_inputs = 1; }
  if (!c->n_sigma_b2s) { c->sigma_b2_list[0] = 0; c->n_sigma_b2s = 1; } /* no bias */
  if (!c->n_batches) { c->batch_list[0] = c->batch; c->n_batches = 1; }
  if (!c->hist_bins) c->hist_bins = 100;
  for (size_t i = 0; i < c->n_hist; i++)
    if (c->hist_layers[i] > min_depth) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: histograms: layer %zu is beyond the depth %zu", path,
                      line_of[11], c->hist_layers[i], min_depth);
      goto fail;
    }
  if (c->spectrum && ilab_config_n_points(c) > 1) {
    st = ilab_error(ILAB_EPARSE, "%s:%d: spectrum = yes takes one width, depth, sigma_b2, input and batch, not lists", path, line_of[13]);
    goto fail;
  }
  if (c->rates_b > c->depth) {
    st = ilab_error(ILAB_EPARSE, "%s:%d: rates: layer %zu is beyond the depth %zu", path, line_of[15],
                    c->rates_b, c->depth);
    goto fail;
  }
  if (!c->rates_b) { c->rates_a = 1; c->rates_b = c->depth; }
  if (c->spectrum)
    for (size_t l = 1; l <= c->depth; l++)
      if (c->widths[l] != c->widths[0]) {
        st = ilab_error(ILAB_EPARSE, "%s:%d: spectrum = yes needs square layers (one width), but n_%zu = %zu and n_0 = %zu",
                        path, line_of[13], l, c->widths[l], c->widths[0]);
        goto fail;
      }
  for (size_t i = 0; c->spectrum && i < c->n_schemes; i++)
    if (c->schemes[i].lsuv) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: spectrum = yes does not support '%s' (lsuv's scales come from the batch)",
                      path, line_of[13], c->schemes[i].spec);
      goto fail;
    }
  if (c->n_spec && !c->spectrum) {
    st = ilab_error(ILAB_EPARSE, "%s:%d: spectrum_layers needs 'spectrum = yes'", path, line_of[14]);
    goto fail;
  }
  for (size_t i = 0; i < c->n_spec; i++)
    if (c->spec_layers[i] > c->depth) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: spectrum_layers: layer %zu is beyond the depth %zu", path,
                      line_of[14], c->spec_layers[i], c->depth);
      goto fail;
    }
  if ((st = parse_claims(c))) goto fail;
  for (size_t i = 0; i < c->n_claims; i++) {
    const ilab_claim *cl = &c->claims[i];
    int sq = !strncmp(cl->qty->name, "sq_", 3) || (cl->qty2 && !strncmp(cl->qty2->name, "sq_", 3));
    if (sq && !c->spectrum) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: claim: the sq_* quantities need 'spectrum = yes'", path, cl->line);
      goto fail;
    }
  }
  free(trials);
  free(words);
  free(line);
  free(lg);
  return ILAB_OK;
fail:
  free(widths);
  free(trials);
  free(words);
  free(line);
  free(lg);
  ilab_config_free(c);
  return st;
}

/* The number of shapes (width x depth): n_widths * n_depths, or 1 for a
 * 'widths' list. */
static size_t n_shapes(const ilab_config *c)
{
  return c->n_widths ? c->n_widths * (c->n_depths ? c->n_depths : 1) : 1;
}

size_t ilab_config_n_cells(const ilab_config *c)
{
  const size_t f[3] = {c->n_acts, c->n_schemes, ilab_config_n_points(c)};
  size_t n = 1;
  for (int i = 0; i < 3; i++) {
    if (f[i] && n > SIZE_MAX / f[i]) return SIZE_MAX;
    n *= f[i];
  }
  return n;
}

size_t ilab_config_n_points(const ilab_config *c)
{
  return n_shapes(c) * (c->n_sigma_b2s ? c->n_sigma_b2s : 1) * (c->n_inputs ? c->n_inputs : 1) *
         (c->n_batches ? c->n_batches : 1);
}

void ilab_config_point_of(const ilab_config *c, size_t k, ilab_point *p)
{
  size_t nb = c->n_batches ? c->n_batches : 1, ni = c->n_inputs ? c->n_inputs : 1,
         ns = c->n_sigma_b2s ? c->n_sigma_b2s : 1, nd = c->n_depths ? c->n_depths : 1;
  p->batch = c->n_batches ? c->batch_list[k % nb] : c->batch;
  k /= nb;
  p->input = k % ni;
  k /= ni;
  p->sigma_b2 = c->n_sigma_b2s ? c->sigma_b2_list[k % ns] : c->sigma_b2;
  k /= ns;
  p->shape = k;
  p->width = c->n_widths ? c->width_list[k / nd] : 0;
  p->depth = c->n_widths && c->n_depths ? c->depth_list[k % nd] : c->depth;
}

void ilab_config_shape_of(const ilab_config *c, size_t k, size_t *width, size_t *depth)
{
  ilab_point p;
  ilab_config_point_of(c, k, &p);
  *width = p.width;
  *depth = p.depth;
}

int ilab_config_point(const ilab_config *c, size_t k, ilab_config *v)
{
  if (k >= ilab_config_n_points(c)) ILAB_ERROR(ILAB_EINVAL, "point %zu of %zu", k, ilab_config_n_points(c));
  ilab_point p;
  size_t nd = c->n_depths ? c->n_depths : 1;
  ilab_config_point_of(c, k, &p);
  *v = *c;
  /* the view's own one-entry lists (width, trials, depth, sigma_b2, input,
   * batch), so that c's lists, shared otherwise, are never written */
  size_t *own = malloc(4 * sizeof *own);
  v->widths = malloc((p.depth + 1) * sizeof *v->widths);
  v->sigma_b2_list = malloc(sizeof *v->sigma_b2_list);
  v->input_list = malloc(sizeof *v->input_list);
  v->width_list = own;
  if (!v->widths || !own || !v->sigma_b2_list || !v->input_list) {
    ilab_config_point_free(v);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  }
  for (size_t l = 0; l <= p.depth; l++) v->widths[l] = p.width ? p.width : c->widths[l];
  v->depth = p.depth;
  v->trials = c->n_widths ? c->trials_list[p.shape / nd] : c->trials;
  if (v->rates_b > p.depth) v->rates_b = p.depth; /* a shallower shape's rates stop at its depth */
  if (v->rates_a >= v->rates_b) v->rates_a = v->rates_b > 1 ? v->rates_b - 1 : 1;
  v->trials_list = own + 1;
  v->depth_list = own + 2;
  v->batch_list = own + 3;
  own[0] = p.width;
  own[1] = v->trials;
  own[2] = p.depth;
  if (c->n_widths) v->n_widths = v->n_depths = 1;
  v->sigma_b2 = v->sigma_b2_list[0] = p.sigma_b2;
  v->input = v->input_list[0] = c->n_inputs ? c->input_list[p.input] : c->input;
  v->batch = own[3] = p.batch;
  v->n_sigma_b2s = v->n_inputs = v->n_batches = 1;
  return ILAB_OK;
}

void ilab_config_point_free(ilab_config *v)
{
  free(v->widths);
  free(v->width_list); /* with trials_list, depth_list and batch_list */
  free(v->sigma_b2_list);
  free(v->input_list);
  v->widths = NULL;
  v->width_list = v->trials_list = v->depth_list = v->batch_list = NULL;
  v->sigma_b2_list = NULL;
  v->input_list = NULL;
}
