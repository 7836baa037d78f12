/* initlab check: read weight tensors from .npy, .npz, .safetensors and text
 * files and judge each against the scheme it claims, or name the one that
 * fits best. */
#include "audit.h"
#include "cmd.h"
#include "ilab.h"
#include "plot.h"
#include "scheme.h"
#include "table.h"
#include "tensorio.h"

#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static const char *const cmd = "check";

static void help(void)
{
  printf(
      "Usage: initlab check FILE... [--expect [PATTERN=]SCHEME]... [options]\n\n"
      "Reads the weight tensors in each FILE and judges each against the exact law\n"
      "of a scheme for the fans its shape gives: the mean, variance, skewness and\n"
      "excess kurtosis as z-scores from their exact standard errors, and the\n"
      "Kolmogorov-Smirnov and chi^2 p-values against the exact cdf (the tests of\n"
      "'initlab moments').  Every tensor is also matched against the presets,\n"
      "their fan_out and Keras truncated-normal variants, the framework defaults\n"
      "and common fixed laws: 'best' names the one whose law fits best, or 'none'\n"
      "(of laws this n cannot tell apart, the commonest; the note column lists\n"
      "the other schemes that fit); zeros, ones and other constants are named.\n\n"
      "Files (by extension, else by magic bytes, else text):\n"
      "  .npy          NumPy 1.0-3.0, <f2 <f4 >f4 <f8 >f8, C or Fortran order;\n"
      "                name: the file's stem\n"
      "  .npz          stored or deflated; names: the members without .npy\n"
      "  .safetensors  F64 F32 F16 BF16; names: the keys\n"
      "  text          numbers separated by white space or commas, '#' comments;\n"
      "                shape from --shape, else a vector\n"
      "A float16 or bfloat16 tensor is judged against the law of the rounded draws:\n"
      "the exact law's mass collected on the format's grid, with a randomized\n"
      "probability integral transform for KS and chi^2 (exact under the law).\n\n"
      "Fans from shapes (rf = the product of the kernel axes):\n"
      "  torch  Linear (out, in); Conv (out, in/groups, k...):\n"
      "         fan_in = in rf, fan_out = out rf; none for fewer than 2 axes\n"
      "  keras  Dense (in, out); Conv (k..., in, out) (also JAX/Flax); a vector\n"
      "         of n has fan_in = fan_out = n\n"
      "A transposed convolution stores (in, out/groups, k...) in torch and\n"
      "(k..., out, in) in Keras: its fans come out swapped; give them explicitly.\n\n"
      "Options:\n"
      "  -e, --expect [PATTERN=]SCHEME  judge tensors whose name matches the\n"
      "                     shell-style PATTERN (fnmatch; all tensors without one)\n"
      "                     against SCHEME ('initlab list'; also 'ones');\n"
      "                     repeatable, the last match wins\n"
      "      --layout L     torch or keras [torch]\n"
      "      --fan-in N     override the fans of every tensor (with --fan-out)\n"
      "      --fan-out M\n"
      "      --shape AxB..  the shape of a text file's numbers\n"
      "  -a, --alpha A      family-wise level over the tensors [0.001]: each of a\n"
      "                     tensor's six tests runs at A / (6 x tensors)\n"
      "  -s, --seed S       seed of the randomized transform [GSL_RNG_SEED, else 42]\n"
      "      --plot PREFIX  also draw each tensor, one figure PREFIXNAME.png per tensor\n"
      "                     (NAME: its name with characters other than A-Z a-z 0-9 . _ -\n"
      "                     as '_', then -2, -3... if taken; a PREFIX ending in '/' is a\n"
      "                     folder, which must exist): its histogram as a density (grey;\n"
      "                     Freedman-Diaconis bins 2 IQR n^(-1/3), 10 to 200 of them)\n"
      "                     against the exact density of the expected law (blue) and of\n"
      "                     the best-fitting one (red, dashed; left out when the same),\n"
      "                     so a failure shows as narrower, wider, another shape or cut\n"
      "                     tails.  For float16 and bfloat16 the curves are the\n"
      "                     continuous law's density (the grid's rounding is not drawn).\n"
      "                     gnuplot draws them (GNUPLOT, INITLAB_DATADIR as for 'initlab\n"
      "                     plot'; plots/fig_check.gp).  gnuplot missing, or PREFIX's\n"
      "                     folder not writable: exit 1 before any row; a figure that\n"
      "                     fails to draw: the table is complete, exit 1\n"
      "  -h, --help         this help\n\n");
  printf(
      "Output: a tab-separated table on stdout, one row per tensor: its shape, the\n"
      "fan rule used and the fans, n, the expected scheme, the mean and variance,\n"
      "the expected variance, var_ratio with its 95%% interval, the z-scores, the KS\n"
      "and chi^2 p-values, p = min(1, 6 min p) (Bonferroni over the six tests),\n"
      "the smallest relative variance error detected with 90%% power at this n,\n"
      "the verdict (pass, fail, or - when not judged), best and its p, and a note.\n"
      "Exit status: 0 every judged tensor passes, 1 a tensor fails or a figure of\n"
      "--plot cannot be drawn, 2 a usage error or a damaged or unsupported file\n"
      "(named, with what is wrong).\n");
}

#define MAX_EXPECT 64

typedef struct {
  char pattern[256]; /* "" matches every tensor */
  ilab_scheme s;
} expectation;

typedef struct {
  expectation ex[MAX_EXPECT];
  size_t nex;
  ilab_layout layout;
  int explicit_fans;
  unsigned long fan_in, fan_out;
  size_t shape[ILAB_TENSOR_MAXDIM];
  int ndim;
  double alpha;
  unsigned long seed;
  const char *plot_prefix; /* --plot, or NULL */
  const char *gnuplot;
  char plotdir[4300];
} options;

/* "[PATTERN=]SCHEME": the whole text if it parses as a scheme (a scheme's
 * own keys contain '='), else PATTERN up to the first '=' and the rest. */
static int scheme_or_ones(const char *spec, ilab_scheme *s)
{
  /* 'ones', as best names a tensor of ones */
  int st = ilab_scheme_parse(strcmp(spec, "ones") ? spec : "constant:value=1", s);
  if (!st && s->lsuv)
    ILAB_ERROR(ILAB_EPARSE, "'%s': lsuv's weights depend on a batch, so there is no law to check stored weights against", spec);
  return st;
}

static int parse_expect(const char *arg, expectation *e)
{
  memset(e, 0, sizeof *e);
  if (scheme_or_ones(arg, &e->s) == ILAB_OK) return 0;
  /* the whole text named a scheme but a value failed (gain=1e308): say so,
   * rather than read it as PATTERN=SCHEME */
  char first[512];
  snprintf(first, sizeof first, "%s", ilab_error_reason());
  int named = strncmp(first, "unknown scheme", 14) != 0;
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg) return cmd_usage_error(cmd, "--expect '%s': %s", arg, ilab_error_reason());
  if ((size_t)(eq - arg) >= sizeof e->pattern) return cmd_usage_error(cmd, "--expect: pattern too long");
  memcpy(e->pattern, arg, (size_t)(eq - arg));
  if (scheme_or_ones(eq + 1, &e->s))
    return cmd_usage_error(cmd, "--expect '%s': %s", arg, named ? first : ilab_error_reason());
  return 0;
}

static int parse_shape(const char *s, options *o)
{
  const char *p = s;
  o->ndim = 0;
  while (*p) {
    if (o->ndim == ILAB_TENSOR_MAXDIM) return cmd_usage_error(cmd, "--shape '%s': more than %d axes", s, ILAB_TENSOR_MAXDIM);
    char *end;
    if (*p < '0' || *p > '9') return cmd_usage_error(cmd, "--shape '%s': expected numbers like 256x784", s);
    unsigned long long v = strtoull(p, &end, 10);
    if (v == 0 || v > 1000000000000ULL) return cmd_usage_error(cmd, "--shape '%s': each axis in [1, 1e12]", s);
    o->shape[o->ndim++] = (size_t)v;
    p = end;
    if (*p == 'x' || *p == ',') {
      p++;
      if (!*p) return cmd_usage_error(cmd, "--shape '%s': ends after a separator", s);
    } else if (*p) {
      return cmd_usage_error(cmd, "--shape '%s': expected numbers like 256x784", s);
    }
  }
  if (o->ndim == 0) return cmd_usage_error(cmd, "--shape: empty");
  return 0;
}

/* The last expectation whose pattern matches the name, or NULL. */
static const expectation *match(const options *o, const char *name)
{
  const expectation *m = NULL;
  for (size_t i = 0; i < o->nex; i++)
    if (!o->ex[i].pattern[0] || fnmatch(o->ex[i].pattern, name, 0) == 0) m = &o->ex[i];
  return m;
}

static void num(FILE *f, double x)
{
  char b[32];
  ilab_table_format(x, b);
  fputs(b, f);
  fputc('\t', f);
}

/* The file name of a tensor's figure: PREFIX, the name with every character
 * but letters, digits, '.', '_' and '-' turned to '_', then "-2", "-3", ...
 * when an earlier tensor took it; names[0..*nn) the names taken. */
static int figure_base(const char *prefix, const char *name, char ***names, size_t *nn, char *out, size_t size)
{
  char s[300];
  size_t j = 0;
  for (const char *c = name; *c && j < 255; c++) {
    unsigned char ch = (unsigned char)*c;
    s[j++] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
             ch == '_' || ch == '-' ? (char)ch : '_';
  }
  if (!j) s[j++] = '_';
  s[j] = '\0';
  char cand[300];
  snprintf(cand, sizeof cand, "%s", s);
  for (unsigned k = 2;; k++) {
    size_t i = 0;
    while (i < *nn && strcmp((*names)[i], cand)) i++;
    if (i == *nn) break;
    snprintf(cand, sizeof cand, "%s-%u", s, k);
  }
  char **nw = realloc(*names, (*nn + 1) * sizeof *nw);
  if (!nw) return -1;
  *names = nw;
  if (!(nw[*nn] = strdup(cand))) return -1;
  (*nn)++;
  snprintf(out, size, "%s%s", prefix, cand);
  return 0;
}

/* The law of a scheme spec for these fans (fans 1 when the shape gives
 * none), or 0 when it names none ("none", "-") or does not resolve. */
static int law_of(const char *spec, int have_fans, size_t fi, size_t fo, ilab_dist *d)
{
  ilab_scheme s;
  if (scheme_or_ones(spec, &s) != ILAB_OK) return 0;
  return ilab_scheme_resolve(&s, have_fans ? fi : 1, have_fans ? fo : 1, d) == ILAB_OK;
}

static int write_check(FILE *gp, void *ctx)
{
  return ilab_plot_check_write(gp, ctx);
}

/* Appends to the string in buf, truncating at size. */
static void append(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void append(char *buf, size_t size, const char *fmt, ...)
{
  size_t len = strlen(buf);
  va_list ap;
  va_start(ap, fmt);
  if (len + 1 < size) vsnprintf(buf + len, size - len, fmt, ap);
  va_end(ap);
}

/* Draws one tensor's figure into base.png (through base.partPID.png);
 * 0, or -1 with a message. */
static int draw_tensor(const options *o, const char *path, const ilab_tensor *t, const char *name,
                       const char *shape, const expectation *ex, int have_fans, size_t fi, size_t fo,
                       const char *best, double best_p, const ilab_audit_result *r, const char *verdict,
                       const char *base)
{
  ilab_dist de, db;
  int he = ex && law_of(ex->s.spec, have_fans, fi, fo, &de);
  int hb = law_of(best, have_fans, fi, fo, &db);
  if (he && hb && !strcmp(best, ex->s.spec)) hb = 0; /* one curve when the expected law fits best */
  char title[700], sub[1200], both[300];
  snprintf(title, sizeof title, "%s: %s", name,
           !strcmp(verdict, "pass") ? "passes" : !strcmp(verdict, "fail") ? "fails" : ex ? "not judged" : "no --expect");
  int lowp = t->dtype == ILAB_DTYPE_F16 || t->dtype == ILAB_DTYPE_BF16;
  int judged = ex && r->judged && isfinite(r->var_ratio);
  snprintf(sub, sizeof sub, "%s: %s %s, n = %zu", path, ilab_dtype_name(t->dtype), shape, t->n);
  if (have_fans) append(sub, sizeof sub, ", fan_in %zu, fan_out %zu", fi, fo);
  if (judged)
    append(sub, sizeof sub, "\nvar / expected %.3g [%.3g, %.3g], p = %.2g;  ", r->var_ratio, r->ratio_lo,
           r->ratio_hi, r->p);
  append(sub, sizeof sub, "%sbest %s (p = %.2g)", judged ? "" : "\n", best, best_p);
  if (lowp && (he || hb))
    append(sub, sizeof sub, "\ncurves: the continuous law's density (the %s grid's rounding not drawn)",
           ilab_dtype_name(t->dtype));
  char tmp[4400];
  snprintf(tmp, sizeof tmp, "%s.part%ld", base, (long)getpid());
  ilab_plot_check_figure f = {o->plotdir, tmp, title, sub, t->x, t->n, he ? &de : NULL,
                              he ? ex->s.spec : NULL, hb ? &db : NULL, hb ? best : NULL};
  if (he && !strcmp(best, ex->s.spec)) {
    snprintf(both, sizeof both, "%s (also the best fit)", ex->s.spec);
    f.expect_name = both;
  }
  char what[4600], from[4500], to[4500];
  snprintf(what, sizeof what, "the figure of %s in %s", name, path);
  snprintf(from, sizeof from, "%s.png", tmp);
  snprintf(to, sizeof to, "%s.png", base);
  if (cmd_gnuplot_run(o->gnuplot, write_check, &f, what)) {
    unlink(from);
    return -1;
  }
  if (rename(from, to)) {
    cmd_error("cannot write %s: %s", to, strerror(errno));
    unlink(from);
    return -1;
  }
  fprintf(stderr, "initlab check: wrote %s\n", to);
  return 0;
}

/* Judges every tensor of the open files; writes the table to out.  Returns
 * an exit status; *failed set when a tensor fails. */
static int check_files(const options *o, int argc, char **argv, char **paths, ilab_tensorio **rd, size_t nfiles,
                       FILE *out, int quiet)
{
  size_t m = 0;
  for (size_t f = 0; f < nfiles; f++) m += ilab_tensorio_count(rd[f]);
  double per_test = o->alpha / (6.0 * (double)m);
  double zc = gsl_cdf_ugaussian_Qinv(per_test / 2);
  ilab_provenance pv = {"weight tensors against the exact law of a scheme", argc, argv, 1, o->seed, "mt19937",
                        "  (the randomized transform of float16 and bfloat16 tensors)"};
  ilab_provenance_write(out, &pv);
  fprintf(out, "# layout %s%s\n", o->layout == ILAB_LAYOUT_TORCH ? "torch" : "keras",
          o->explicit_fans ? " (fans given)" : "");
  for (size_t i = 0; i < o->nex; i++)
    fprintf(out, "# expect %s=%s\n", o->ex[i].pattern[0] ? o->ex[i].pattern : "*", o->ex[i].s.spec);
  fprintf(out, "# fans: %s; a transposed convolution's stored axes swap them\n",
          o->explicit_fans ? "given" : o->layout == ILAB_LAYOUT_TORCH ? "torch layout, Linear (out, in), Conv (out, in/groups, k...)"
                                                                       : "keras layout, Dense (in, out), Conv (k..., in, out)");
  fprintf(out, "# family-wise level %g over %zu tensors x 6 tests: each test at %.3g (|z| > %.3f); "
          "p = min(1, 6 min p), a tensor passes when p >= %.3g\n", o->alpha, m, per_test, zc, 6 * per_test);
  fprintf(out, "tensor\tdtype\tshape\tfan_rule\tfan_in\tfan_out\tn\texpect\tmean\tvar\tvar_expected\tvar_ratio\t"
          "var_ratio_lo\tvar_ratio_hi\tz_mean\tz_var\tz_skew\tz_kurt\tks_p\tchi2_p\tp\tdetectable_var_err\t"
          "verdict\tbest\tbest_p\tnote\n");
  ilab_audit_workspace *w = ilab_audit_workspace_alloc(o->seed);
  if (!w) { cmd_error("out of memory"); return ILAB_EXIT_RUNTIME; }
  int failed = 0, status = ILAB_EXIT_OK, plot_failed = 0;
  char **fignames = NULL;
  size_t nfignames = 0;
  size_t *used = calloc(o->nex + 1, sizeof *used);
  if (!used) { ilab_audit_workspace_free(w); cmd_error("out of memory"); return ILAB_EXIT_RUNTIME; }
  for (size_t f = 0; f < nfiles && status == ILAB_EXIT_OK; f++) {
    for (size_t i = 0; i < ilab_tensorio_count(rd[f]); i++) {
      ilab_tensor t;
      int st = ilab_tensorio_read(rd[f], i, &t);
      if (st) {
        cmd_error("%s", ilab_error_reason());
        status = st == ILAB_ENOMEM ? ILAB_EXIT_RUNTIME : ILAB_EXIT_USAGE;
        break;
      }
      size_t fi = 0, fo = 0;
      char rule[64], shape[256], note[800] = "";
      ilab_tensor_shape_str(&t, shape, sizeof shape);
      int have_fans;
      if (o->explicit_fans) {
        fi = o->fan_in;
        fo = o->fan_out;
        snprintf(rule, sizeof rule, "given");
        have_fans = 1;
      } else {
        have_fans = ilab_audit_fans(t.shape, t.ndim, o->layout, &fi, &fo, rule, sizeof rule) == ILAB_OK;
        if (t.ndim > 2 && ilab_audit_transposed_name(t.name)) {
          snprintf(note, sizeof note, "transposed convolution? its stored axes swap fan_in and fan_out; give "
                   "--fan-in/--fan-out");
          if (!quiet)
            fprintf(stderr, "initlab check: warning: %s: %s looks like a transposed convolution: %s stores it as %s, "
                    "so fan_in and fan_out are swapped (the framework's own init swaps them too); the layer's are --fan-in %zu --fan-out %zu\n", paths[f], t.name,
                    o->layout == ILAB_LAYOUT_TORCH ? "torch" : "Keras",
                    o->layout == ILAB_LAYOUT_TORCH ? "(in, out/groups, k...)" : "(k..., out, in)", fo, fi);
        }
      }
      const expectation *ex = match(o, t.name);
      if (ex) used[ex - o->ex]++;
      ilab_audit_result r;
      memset(&r, 0, sizeof r);
      if (ex && ilab_audit_judge(w, t.x, t.n, t.dtype, &ex->s, have_fans, fi, fo, per_test, &r) != ILAB_OK) {
        cmd_error("%s: %s: %s", paths[f], t.name, ilab_error_reason());
        status = ILAB_EXIT_RUNTIME;
        break;
      }
      char best[160], alike[256];
      double best_p;
      if (ilab_audit_best(w, t.x, t.n, t.dtype, have_fans, fi, fo, per_test, best, sizeof best, &best_p,
                          alike, sizeof alike) != ILAB_OK) {
        cmd_error("%s: %s: %s", paths[f], t.name, ilab_error_reason());
        status = ILAB_EXIT_RUNTIME;
        break;
      }
      if (!ex) {
        ilab_moments mm;
        ilab_moments_init(&mm);
        ilab_moments_add(&mm, t.x, t.n);
        double nanv = NAN;
        r.mean = t.n ? ilab_moments_mean(&mm) : nanv;
        r.var = ilab_moments_variance(&mm);
        r.var_expected = r.var_ratio = r.ratio_lo = r.ratio_hi = r.ks_p = r.chi2_p = r.p = r.detectable = nanv;
        for (int k = 0; k < 4; k++) r.z[k] = nanv;
      }
      if (alike[0]) {
        size_t len = strlen(note);
        snprintf(note + len, sizeof note - len, "%salso fits: %s", len ? "; " : "", alike);
      }
      if (ex && r.note[0]) {
        size_t len = strlen(note);
        snprintf(note + len, sizeof note - len, "%s%s", len ? "; " : "", r.note);
      }
      const char *verdict = !ex || !r.judged ? "-" : r.pass ? "pass" : "fail";
      if (ex && r.judged && !r.pass) failed = 1;
      if (ex && !r.judged && !quiet)
        fprintf(stderr, "initlab check: warning: %s: %s not judged: %s\n", paths[f], t.name, r.note);
      /* a name with a tab or a newline (a safetensors key may hold one)
       * would break the table's rows */
      char name[sizeof t.name] = "";
      for (size_t k = 0; k < sizeof name; k++) {
        unsigned char ch = (unsigned char)t.name[k];
        name[k] = ch && ch < 0x20 ? '?' : (char)ch;
        if (!ch) break;
      }
      fprintf(out, "%s\t%s\t%s\t%s\t", name, ilab_dtype_name(t.dtype), shape, rule);
      if (have_fans) fprintf(out, "%zu\t%zu\t", fi, fo);
      else fprintf(out, "nan\tnan\t");
      fprintf(out, "%zu\t%s\t", t.n, ex ? ex->s.spec : "-");
      num(out, r.mean); num(out, r.var); num(out, r.var_expected); num(out, r.var_ratio); num(out, r.ratio_lo);
      num(out, r.ratio_hi);
      for (int k = 0; k < 4; k++) num(out, r.z[k]);
      num(out, r.ks_p); num(out, r.chi2_p); num(out, r.p); num(out, r.detectable);
      fprintf(out, "%s\t%s\t", verdict, best);
      num(out, best_p);
      fprintf(out, "%s\n", note[0] ? note : "-");
      if (o->plot_prefix) {
        char base[4200];
        if (figure_base(o->plot_prefix, t.name, &fignames, &nfignames, base, sizeof base)) {
          cmd_error("out of memory");
          status = ILAB_EXIT_RUNTIME;
          break;
        }
        fflush(out);
        if (draw_tensor(o, paths[f], &t, name, shape, ex, have_fans, fi, fo, best, best_p, &r, verdict, base))
          plot_failed = 1;
      }
    }
    ilab_tensorio_free(rd[f]);
    rd[f] = NULL;
  }
  if (status == ILAB_EXIT_OK && !quiet)
    for (size_t i = 0; i < o->nex; i++)
      if (!used[i])
        fprintf(stderr, "initlab check: warning: --expect %s=%s matched no tensor\n",
                o->ex[i].pattern[0] ? o->ex[i].pattern : "*", o->ex[i].s.spec);
  free(used);
  for (size_t i = 0; i < nfignames; i++) free(fignames[i]);
  free(fignames);
  ilab_audit_workspace_free(w);
  if (status != ILAB_EXIT_OK) return status;
  if (plot_failed) {
    cmd_error("a figure could not be drawn (the table above is complete)");
    return ILAB_EXIT_RUNTIME;
  }
  if (failed && !quiet) fprintf(stderr, "initlab check: at least one tensor does not follow the law it is expected to\n");
  return failed ? ILAB_EXIT_RUNTIME : ILAB_EXIT_OK;
}

int ilab_cmd_check(int argc, char **argv)
{
  static const struct option opts[] = {
      {"expect", required_argument, NULL, 'e'}, {"layout", required_argument, NULL, 1},
      {"fan-in", required_argument, NULL, 2},   {"fan-out", required_argument, NULL, 3},
      {"shape", required_argument, NULL, 4},    {"alpha", required_argument, NULL, 'a'},
      {"seed", required_argument, NULL, 's'},   {"help", no_argument, NULL, 'h'},
      {"plot", required_argument, NULL, 5},
      {NULL, 0, NULL, 0}};
  static options o;
  memset(&o, 0, sizeof o);
  o.layout = ILAB_LAYOUT_TORCH;
  o.alpha = 1e-3;
  o.seed = cmd_default_seed();
  int c, have_in = 0, have_out = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "e:a:s:h", opts, NULL)) != -1) {
    switch (c) {
    case 'e':
      if (o.nex == MAX_EXPECT) return cmd_usage_error(cmd, "more than %d --expect options", MAX_EXPECT);
      if (parse_expect(optarg, &o.ex[o.nex])) return ILAB_EXIT_USAGE;
      o.nex++;
      break;
    case 1:
      if (!strcmp(optarg, "torch")) o.layout = ILAB_LAYOUT_TORCH;
      else if (!strcmp(optarg, "keras") || !strcmp(optarg, "jax") || !strcmp(optarg, "flax")) o.layout = ILAB_LAYOUT_KERAS;
      else return cmd_usage_error(cmd, "--layout must be torch or keras, not '%s'", optarg);
      break;
    case 2: if (cmd_parse_ulong(cmd, "--fan-in", optarg, 1, 1000000000000UL, &o.fan_in)) return ILAB_EXIT_USAGE; have_in = 1; break;
    case 3: if (cmd_parse_ulong(cmd, "--fan-out", optarg, 1, 1000000000000UL, &o.fan_out)) return ILAB_EXIT_USAGE; have_out = 1; break;
    case 4: if (parse_shape(optarg, &o)) return ILAB_EXIT_USAGE; break;
    case 'a': if (cmd_parse_double(cmd, "--alpha", optarg, 1e-300, 0.5, &o.alpha)) return ILAB_EXIT_USAGE; break;
    case 's': if (cmd_parse_ulong(cmd, "--seed", optarg, 0, 0xffffffffUL, &o.seed)) return ILAB_EXIT_USAGE; break;
    case 5:
      if (!*optarg) return cmd_usage_error(cmd, "--plot wants a PREFIX (e.g. figs/ or figs/run1-)");
      o.plot_prefix = optarg;
      break;
    case 'h': help(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (have_in != have_out) return cmd_usage_error(cmd, "--fan-in and --fan-out go together");
  o.explicit_fans = have_in;
  if (optind >= argc) return cmd_usage_error(cmd, "no FILE to check");
  if (o.plot_prefix) {
    /* the figures' folder, the scripts and gnuplot before any row */
    char folder[4096];
    const char *slash = strrchr(o.plot_prefix, '/');
    if (!slash) snprintf(folder, sizeof folder, ".");
    else if (slash == o.plot_prefix) snprintf(folder, sizeof folder, "/");
    else snprintf(folder, sizeof folder, "%.*s", (int)(slash - o.plot_prefix), o.plot_prefix);
    struct stat sb;
    if (stat(folder, &sb) || !S_ISDIR(sb.st_mode) || access(folder, W_OK)) {
      cmd_error("--plot %s: cannot write figures in the folder %s: %s", o.plot_prefix, folder,
                stat(folder, &sb) ? strerror(errno) : !S_ISDIR(sb.st_mode) ? "not a folder" : strerror(EACCES));
      return ILAB_EXIT_RUNTIME;
    }
    char datadir[4096 + 8];
    if (cmd_plot_datadir(datadir, sizeof datadir)) return ILAB_EXIT_RUNTIME;
    snprintf(o.plotdir, sizeof o.plotdir, "%s/plots", datadir);
    if (!(o.gnuplot = cmd_gnuplot_find())) return ILAB_EXIT_RUNTIME;
  }
  size_t nfiles = (size_t)(argc - optind);
  ilab_tensorio **rd = calloc(nfiles, sizeof *rd);
  if (!rd) { cmd_error("out of memory"); return ILAB_EXIT_RUNTIME; }
  /* Every file's index first: a damaged file stops the run before any row. */
  for (size_t f = 0; f < nfiles; f++) {
    int st = ilab_tensorio_open(argv[optind + (int)f], ILAB_FORMAT_AUTO, o.shape, o.ndim, &rd[f]);
    if (st) {
      cmd_error("%s", ilab_error_reason());
      for (size_t k = 0; k < f; k++) ilab_tensorio_free(rd[k]);
      free(rd);
      return st == ILAB_ENOMEM ? ILAB_EXIT_RUNTIME : ILAB_EXIT_USAGE;
    }
  }
  int status = check_files(&o, argc, argv, argv + optind, rd, nfiles, stdout, 0);
  for (size_t f = 0; f < nfiles; f++) ilab_tensorio_free(rd[f]);
  free(rd);
  return cmd_close_stdout(status);
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int cmd_check_bench(size_t n, double *mb_per_s, double *seconds)
{
  /* a float32 .npy of n he_normal draws for a (n/1024) x 1024 layer */
  size_t rows = n / 1024, cols = 1024;
  n = rows * cols;
  char path[] = "/tmp/initlab-bench-XXXXXX"; /* read as .npy by its magic */
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  FILE *f = fdopen(fd, "wb");
  if (!f) { close(fd); unlink(path); return -1; }
  char hdr[128];
  int hl = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", rows, cols);
  int pad = 64 - (10 + hl + 1) % 64;
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  unsigned short len = (unsigned short)(hl + pad + 1);
  fputc(len & 0xff, f);
  fputc(len >> 8, f);
  fprintf(f, "%s%*s\n", hdr, pad, "");
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  double sd = sqrt(2.0 / (double)cols);
  for (size_t i = 0; i < n && r; i++) {
    float v = (float)gsl_ran_gaussian_ziggurat(r, sd);
    fwrite(&v, sizeof v, 1, f); /* little-endian machines only; the bench runs here */
  }
  gsl_rng_free(r);
  int bad = fclose(f) != 0;
  options o;
  memset(&o, 0, sizeof o);
  o.layout = ILAB_LAYOUT_TORCH;
  o.alpha = 1e-3;
  o.seed = 42;
  o.nex = 1;
  ilab_scheme_parse("he_normal", &o.ex[0].s);
  FILE *devnull = fopen("/dev/null", "w");
  ilab_tensorio *rd = NULL;
  double t0 = now();
  char *paths[1] = {path};
  int st = bad || !devnull || ilab_tensorio_open(path, ILAB_FORMAT_AUTO, NULL, 0, &rd)
               ? -1 : check_files(&o, 1, paths, paths, &rd, 1, devnull, 1);
  double dt = now() - t0;
  if (devnull) fclose(devnull);
  ilab_tensorio_free(rd);
  unlink(path);
  if (st != ILAB_EXIT_OK) return -1;
  *seconds = dt;
  *mb_per_s = (double)n * 4 / 1e6 / dt;
  return 0;
}
