/* Experiment files: "key = value" lines, '#' comments, space-separated lists. */
#include "config.h"
#include "ilab.h"

#include <errno.h>
#include <math.h>
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
static int at_line(int st, const char *path, int line, const char *what)
{
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s", ilab_error_reason());
  return ilab_error(st, "%s:%d: %s%s", path, line, what, tmp);
}

/* Parses every claim, now that the lists and the depth they refer to are known. */
static int parse_claims(ilab_config *c)
{
  const char *acts[ILAB_MAX_LIST], *kinds[ILAB_MAX_LIST], *schemes[ILAB_MAX_LIST];
  for (size_t i = 0; i < c->n_acts; i++) {
    acts[i] = c->act_names[i];
    kinds[i] = ilab_act_names[c->acts[i].kind];
  }
  for (size_t i = 0; i < c->n_schemes; i++) schemes[i] = c->schemes[i].spec;
  ilab_claim_context ctx = {c->path, c->n_acts, acts, kinds, c->n_schemes, schemes, c->depth, c->trials,
                            c->n_widths, c->width_list, c->n_depths, c->depth_list};
  for (size_t i = 0; i < c->n_claims; i++) {
    int st = ilab_claim_parse(&ctx, &c->claims[i]);
    if (st) return st;
  }
  return ILAB_OK;
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


static int is_shape_key(const char *entry) { return !strncmp(entry, "width=", 6) || !strncmp(entry, "depth=", 6); }

/* Whether a width=N or depth=N entry names the value v. */
static int names_size(const char *entry, size_t v)
{
  char num[32];
  snprintf(num, sizeof num, "%zu", v);
  return !strcmp(entry + 6, num);
}

int ilab_config_select_shapes(const ilab_config *c, const char *const *only, size_t n, unsigned char *run)
{
  size_t nsh = ilab_config_n_shapes(c);
  int any_width = 0, any_depth = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_shape_key(only[i])) continue;
    int w = only[i][0] == 'w', found = 0;
    any_width |= w;
    any_depth |= !w;
    for (size_t k = 0; k < nsh; k++) {
      size_t sw, sd;
      ilab_config_shape_of(c, k, &sw, &sd);
      found |= sw && names_size(only[i], w ? sw : sd);
    }
    if (!found)
      ILAB_ERROR(ILAB_EINVAL, "%s: %s has no such %s", only[i], c->path, w ? "width (a 'width' list)" : "depth (a 'depth' list)");
  }
  for (size_t k = 0; k < nsh; k++) {
    size_t sw, sd;
    ilab_config_shape_of(c, k, &sw, &sd);
    int ok_w = !any_width, ok_d = !any_depth;
    for (size_t i = 0; i < n; i++) {
      if (!strncmp(only[i], "width=", 6)) ok_w |= names_size(only[i], sw);
      if (!strncmp(only[i], "depth=", 6)) ok_d |= names_size(only[i], sd);
    }
    run[k] = (unsigned char)(ok_w && ok_d);
  }
  return ILAB_OK;
}

int ilab_config_select(const ilab_config *c, const char *const *only, size_t n, unsigned char *sel)
{
  int any_act = 0, any_scheme = 0;
  for (size_t i = 0; i < n; i++) {
    int is_act = !strncmp(only[i], "act=", 4);
    if (is_shape_key(only[i])) continue; /* ilab_config_select_shapes' */
    if (!is_act && strncmp(only[i], "scheme=", 7))
      ILAB_ERROR(ILAB_EINVAL, "%s: expected act=NAME, scheme=SPEC, width=N or depth=N", only[i]);
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
      else if (!is_shape_key(only[i])) ok_scheme |= !strcmp(only[i] + 7, c->schemes[cell % c->n_schemes].spec);
    }
    sel[cell] = (unsigned char)(ok_act && ok_scheme);
  }
  return ILAB_OK;
}

/* Splits s in place at blanks; returns the count, or -1 past max. */
static int split(char *s, char **words, int max)
{
  int n = 0;
  for (char *t = strtok(s, " \t"); t; t = strtok(NULL, " \t")) {
    if (n == max) return -1;
    words[n++] = t;
  }
  return n;
}

int ilab_config_parse(const char *path, const char *text, size_t len, ilab_config *c)
{
  memset(c, 0, sizeof *c);
  int st = ILAB_OK;
  char *words[ILAB_MAX_LIST + 1];
  int line_of[24] = {0}; /* line where each key was set (keys[] order), 0 if not */
  size_t nwidths = 0, *widths = NULL, ntrials = 0;
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

  int lineno = 0, in_header = 1;
  const char *p = text, *endp = text + len;
  char line[4096];
  while (p < endp) {
    const char *nl = memchr(p, '\n', (size_t)(endp - p));
    size_t ll = nl ? (size_t)(nl - p) : (size_t)(endp - p);
    lineno++;
    if (ll >= sizeof line) { st = ilab_error(ILAB_EPARSE, "%s:%d: line longer than %zu characters", path, lineno, sizeof line - 1); goto fail; }
    memcpy(line, p, ll);
    line[ll] = '\0';
    p += ll + (nl ? 1 : 0);
    if (ll && line[ll - 1] == '\r') line[--ll] = '\0';
    for (size_t i = 0; i < ll; i++)
      if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
        st = ilab_error(ILAB_EPARSE, "%s:%d: control character (byte 0x%02x); not a text file", path, lineno, (unsigned char)line[i]);
        goto fail;
      }
    char *hash = strchr(line, '#');
    if (hash) {
      if (in_header && hash == line + strspn(line, " \t")) {
        /* the opening comment block states the question the experiment answers */
        const char *q = hash + 1 + strspn(hash + 1, " \t");
        size_t ql = strlen(c->question), add = strlen(q);
        while (add && (q[add - 1] == ' ' || q[add - 1] == '\t')) add--;
        char *nq = realloc(c->question, ql + add + 2);
        if (!nq) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
        c->question = nq;
        if (ql && add) strcat(c->question, " ");
        strncat(c->question, q, add);
      }
      *hash = '\0';
    }
    char *s = line + strspn(line, " \t");
    size_t sl = strlen(s);
    while (sl && (s[sl - 1] == ' ' || s[sl - 1] == '\t')) s[--sl] = '\0';
    if (!*s) {
      if (!hash && c->question[0]) in_header = 0;
      continue;
    }
    in_header = 0;
    char *eq = strchr(s, '=');
    if (!eq) { st = ilab_error(ILAB_EPARSE, "%s:%d: expected 'key = value', found '%s'", path, lineno, s); goto fail; }
    *eq = '\0';
    char *key = s, *val = eq + 1;
    size_t kl = strlen(key);
    while (kl && (key[kl - 1] == ' ' || key[kl - 1] == '\t')) key[--kl] = '\0';
    val += strspn(val, " \t");
    int k;
    for (k = 0; keys[k]; k++) if (!strcmp(key, keys[k])) break;
    if (!keys[k]) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: unknown key '%s' (expected one of: activations, schemes, depth, width, widths, batch, trials, seed, sigma_b2, input, claim, histograms, hist_bins, spectrum, spectrum_layers, rates, layers_table, ln_histogram, precision, loss_scale)", path, lineno, key);
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
    int nw = split(val, words, ILAB_MAX_LIST);
    if (nw < 0) { st = ilab_error(ILAB_EPARSE, "%s:%d: %s: more than %d entries", path, lineno, key, ILAB_MAX_LIST); goto fail; }
    int list = !strcmp(key, "activations") || !strcmp(key, "schemes") || !strcmp(key, "widths") ||
               !strcmp(key, "histograms") || !strcmp(key, "width") || !strcmp(key, "depth") ||
               !strcmp(key, "trials") || !strcmp(key, "spectrum_layers");
    if (!list && nw != 1) { st = ilab_error(ILAB_EPARSE, "%s:%d: %s takes one value, found %d", path, lineno, key, nw); goto fail; }

    if (!strcmp(key, "activations")) {
      for (int i = 0; i < nw; i++) {
        if ((st = ilab_act_parse(words[i], &c->acts[i]))) {
          st = at_line(st, path, lineno, "");
          goto fail;
        }
        ilab_act_name(&c->acts[i], c->act_names[i], sizeof c->act_names[i]);
        for (int j = 0; j < i; j++)
          if (!strcmp(c->act_names[j], c->act_names[i])) { st = ilab_error(ILAB_EPARSE, "%s:%d: activation '%s' listed twice", path, lineno, words[i]); goto fail; }
      }
      c->n_acts = (size_t)nw;
    } else if (!strcmp(key, "schemes")) {
      for (int i = 0; i < nw; i++) {
        if ((st = ilab_scheme_parse(words[i], &c->schemes[i]))) {
          st = at_line(st, path, lineno, "");
          goto fail;
        }
        for (int j = 0; j < i; j++)
          if (!strcmp(c->schemes[j].spec, words[i])) { st = ilab_error(ILAB_EPARSE, "%s:%d: scheme '%s' listed twice", path, lineno, words[i]); goto fail; }
      }
      c->n_schemes = (size_t)nw;
    } else if (!strcmp(key, "widths")) {
      if (nw < 2) { st = ilab_error(ILAB_EPARSE, "%s:%d: widths lists n_0 .. n_L: at least two numbers", path, lineno); goto fail; }
      widths = malloc((size_t)nw * sizeof *widths);
      if (!widths) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
      for (int i = 0; i < nw; i++)
        if ((st = parse_size(path, lineno, "widths", words[i], 1, ILAB_MAX_WIDTH, &widths[i]))) goto fail;
      nwidths = (size_t)nw;
    } else if (!strcmp(key, "histograms")) {
      for (int i = 0; i < nw; i++)
        if ((st = parse_size(path, lineno, "histograms", words[i], 1, ILAB_MAX_DEPTH, &c->hist_layers[i]))) goto fail;
      c->n_hist = (size_t)nw;
    } else if (!strcmp(key, "spectrum_layers")) {
      for (int i = 0; i < nw; i++)
        if ((st = parse_size(path, lineno, "spectrum_layers", words[i], 1, ILAB_MAX_DEPTH, &c->spec_layers[i]))) goto fail;
      c->n_spec = (size_t)nw;
    } else if (!strcmp(key, "spectrum")) {
      if (!strcmp(val, "yes")) c->spectrum = 1;
      else if (!strcmp(val, "no")) c->spectrum = 0;
      else { st = ilab_error(ILAB_EPARSE, "%s:%d: spectrum must be yes or no, not '%s'", path, lineno, val); goto fail; }
    } else if (!strcmp(key, "hist_bins")) {
      if ((st = parse_size(path, lineno, key, val, 2, 100000, &c->hist_bins))) goto fail;
    } else if (!strcmp(key, "width") || !strcmp(key, "depth")) {
      int w = key[0] == 'w';
      size_t *dst = w ? c->width_list : c->depth_list;
      for (int i = 0; i < nw; i++) {
        if ((st = parse_size(path, lineno, key, words[i], 1, w ? ILAB_MAX_WIDTH : ILAB_MAX_DEPTH, &dst[i]))) goto fail;
        for (int j = 0; j < i; j++)
          if (dst[j] == dst[i]) { st = ilab_error(ILAB_EPARSE, "%s:%d: %s %zu listed twice", path, lineno, key, dst[i]); goto fail; }
      }
      *(w ? &c->n_widths : &c->n_depths) = (size_t)nw;
    } else if (!strcmp(key, "rates")) {
      /* A..B, checked against the depth once it is known */
      char *dots = strstr(val, "..");
      if (!dots) { st = ilab_error(ILAB_EPARSE, "%s:%d: rates: expected a layer range A..B, found '%s'", path, lineno, val); goto fail; }
      *dots = '\0';
      if ((st = parse_size(path, lineno, "rates", val, 1, ILAB_MAX_DEPTH, &c->rates_a)) ||
          (st = parse_size(path, lineno, "rates", dots + 2, 1, ILAB_MAX_DEPTH, &c->rates_b))) goto fail;
      if (c->rates_a >= c->rates_b) { st = ilab_error(ILAB_EPARSE, "%s:%d: rates: the range A..B needs A < B, found %zu..%zu", path, lineno, c->rates_a, c->rates_b); goto fail; }
    } else if (!strcmp(key, "batch")) {
      if ((st = parse_size(path, lineno, key, val, 1, ILAB_MAX_BATCH, &c->batch))) goto fail;
    } else if (!strcmp(key, "trials")) {
      for (int i = 0; i < nw; i++)
        if ((st = parse_size(path, lineno, key, words[i], 1, ILAB_MAX_TRIALS, &c->trials_list[i]))) goto fail;
      ntrials = (size_t)nw;
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
      char *e;
      errno = 0;
      double v = strtod(val, &e);
      if (e == val || *e) { st = ilab_error(ILAB_EPARSE, "%s:%d: sigma_b2: '%s' is not a number", path, lineno, val); goto fail; }
      if (!isfinite(v) || errno == ERANGE || v < 0) { st = ilab_error(ILAB_EPARSE, "%s:%d: sigma_b2 must be a finite number >= 0, not '%s'", path, lineno, val); goto fail; }
      c->sigma_b2 = v;
    } else if (!strcmp(key, "input")) {
      if ((st = ilab_scheme_parse(val, &c->input))) {
        st = at_line(st, path, lineno, "input: ");
        goto fail;
      }
      if (c->input.family == ILAB_FAMILY_ORTHOGONAL || c->input.family == ILAB_FAMILY_IDENTITY) {
        st = ilab_error(ILAB_EPARSE, "%s:%d: input: '%s' is a matrix ensemble, not a law for input entries", path, lineno, val);
        goto fail;
      }
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
    c->trials = ntrials ? c->trials_list[0] : 1;
    c->trials_list[0] = c->trials;
  } else {
    if (!c->n_widths) { st = ilab_error(ILAB_EPARSE, "%s: missing 'width = N' (or a list 'width = N1 N2 ...', or 'widths = n_0 n_1 ... n_L')", path); goto fail; }
    if (!c->depth) { st = ilab_error(ILAB_EPARSE, "%s: missing 'depth = L' (number of layers, or a list)", path); goto fail; }
    if (ntrials > 1 && ntrials != c->n_widths) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: trials lists %zu counts for %zu widths (give one count, or one per width)", path, line_of[6], ntrials, c->n_widths);
      goto fail;
    }
    c->trials = 0;
    for (size_t i = 0; i < c->n_widths; i++) {
      c->trials_list[i] = ntrials > 1 ? c->trials_list[i] : ntrials ? c->trials_list[0] : 1;
      if (c->trials_list[i] > c->trials) c->trials = c->trials_list[i];
    }
    c->widths = malloc((c->depth + 1) * sizeof *c->widths);
    if (!c->widths) { st = ilab_error(ILAB_ENOMEM, "out of memory"); goto fail; }
    for (size_t l = 0; l <= c->depth; l++) c->widths[l] = c->width_list[0];
  }
  size_t min_depth = c->depth;
  for (size_t i = 0; i < c->n_depths; i++) if (c->depth_list[i] < min_depth) min_depth = c->depth_list[i];
  if (!c->has_input) ilab_scheme_parse("normal:std=1", &c->input);
  if (!c->hist_bins) c->hist_bins = 100;
  for (size_t i = 0; i < c->n_hist; i++)
    if (c->hist_layers[i] > min_depth) {
      st = ilab_error(ILAB_EPARSE, "%s:%d: histograms: layer %zu is beyond the depth %zu", path,
                      line_of[11], c->hist_layers[i], min_depth);
      goto fail;
    }
  if (c->spectrum && ilab_config_n_shapes(c) > 1) {
    st = ilab_error(ILAB_EPARSE, "%s:%d: spectrum = yes takes one width and one depth, not lists", path, line_of[13]);
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
  return ILAB_OK;
fail:
  free(widths);
  ilab_config_free(c);
  return st;
}

size_t ilab_config_n_shapes(const ilab_config *c)
{
  return c->n_widths ? c->n_widths * (c->n_depths ? c->n_depths : 1) : 1;
}

void ilab_config_shape_of(const ilab_config *c, size_t k, size_t *width, size_t *depth)
{
  size_t nd = c->n_depths ? c->n_depths : 1;
  *width = c->n_widths ? c->width_list[k / nd] : 0;
  *depth = c->n_widths && c->n_depths ? c->depth_list[k % nd] : c->depth;
}

int ilab_config_shape(const ilab_config *c, size_t k, ilab_config *v)
{
  if (k >= ilab_config_n_shapes(c)) ILAB_ERROR(ILAB_EINVAL, "shape %zu of %zu", k, ilab_config_n_shapes(c));
  size_t width, depth, nd = c->n_depths ? c->n_depths : 1;
  ilab_config_shape_of(c, k, &width, &depth);
  *v = *c;
  v->widths = malloc((depth + 1) * sizeof *v->widths);
  if (!v->widths) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  for (size_t l = 0; l <= depth; l++) v->widths[l] = width ? width : c->widths[l];
  v->depth = depth;
  v->trials = c->n_widths ? c->trials_list[k / nd] : c->trials;
  if (v->rates_b > depth) v->rates_b = depth; /* a shallower shape's rates stop at its depth */
  if (v->rates_a >= v->rates_b) v->rates_a = v->rates_b > 1 ? v->rates_b - 1 : 1;
  if (c->n_widths) {
    v->n_widths = v->n_depths = 1;
    v->width_list[0] = width;
    v->depth_list[0] = depth;
    v->trials_list[0] = v->trials;
  }
  return ILAB_OK;
}

void ilab_config_shape_free(ilab_config *v)
{
  free(v->widths);
  v->widths = NULL;
}
