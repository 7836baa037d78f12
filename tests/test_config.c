/* Tests of the experiment-file parser: every key of a valid file, and every
 * kind of error, each with its status, its "FILE:LINE:" prefix and a word
 * naming the problem. */
#include "config.h"
#include "ilab.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME "t.cfg"

/* The lines every valid file needs; error cases add or replace lines. */
#define BASE "activations = relu\nschemes = he_normal\ndepth = 3\nwidth = 8\nbatch = 4\n"

static int parse(const char *text, ilab_config *c) { return ilab_config_parse(NAME, text, strlen(text), c); }

/* Parses text (len bytes) and expects status st with a reason that contains
 * prefix and word.  Also checks that a failed parse leaves *c empty. */
static void expect_len(const char *what, const char *text, size_t len, int st, const char *prefix,
                       const char *word)
{
  ilab_config c;
  ilab_error_clear();
  int got = ilab_config_parse(NAME, text, len, &c);
  const char *r = ilab_error_reason();
  ilab_test_int(got, st, "%s: status", what);
  ilab_test(strstr(r, prefix) == r, "%s: reason starts with '%s' (reason: '%s')", what, prefix, r);
  ilab_test(strstr(r, word) != NULL, "%s: reason names the problem with '%s' (reason: '%s')", what, word, r);
  ilab_test(c.path == NULL && c.text == NULL && c.widths == NULL && c.question == NULL && c.n_acts == 0,
            "%s: config left empty after the failure", what);
  ilab_config_free(&c); /* safe on an emptied config */
}

static void expect(const char *what, const char *text, int st, const char *prefix, const char *word)
{
  expect_len(what, text, strlen(text), st, prefix, word);
}

static void test_valid_every_key(void)
{
  const char *text =
      "# Does He keep the variance of a ReLU network?\n"
      "#   A second line of the question.\n"
      "\n"
      "# not part of the question: after a blank line\n"
      "activations = linear relu leaky_relu:slope=0.2\n"
      "schemes     = he_normal normal:std=0.01 variance_scaling:scale=2,mode=fan_out\n"
      "depth = 3\n"
      "width = 8\n"
      "batch = 4\n"
      "trials = 5\n"
      "seed = 4294967296\n"
      "sigma_b2 = 0.25\n"
      "input = uniform:limit=1\n";
  ilab_config c;
  int st = parse(text, &c);
  ilab_test_int(st, ILAB_OK, "valid file parses (reason: %s)", st ? ilab_error_reason() : "");
  if (st) return;
  ilab_test(!strcmp(c.path, NAME), "path kept");
  ilab_test(!strcmp(c.text, text), "text kept whole for provenance");
  ilab_test(!strcmp(c.question, "Does He keep the variance of a ReLU network? A second line of the question."),
            "question from the opening comment lines (got '%s')", c.question);
  ilab_test_int((long)c.n_acts, 3, "three activations");
  ilab_test(c.acts[0].kind == ILAB_ACT_LINEAR && c.acts[1].kind == ILAB_ACT_RELU &&
                c.acts[2].kind == ILAB_ACT_LEAKY_RELU, "activation kinds in order");
  ilab_test_rel(c.acts[2].slope, 0.2, 0, "leaky_relu slope");
  ilab_test(!strcmp(c.act_names[0], "linear") && !strcmp(c.act_names[1], "relu") &&
                !strncmp(c.act_names[2], "leaky_relu:slope=0.2", 20), "activation names (got '%s')", c.act_names[2]);
  ilab_test_int((long)c.n_schemes, 3, "three schemes");
  ilab_test(!strcmp(c.schemes[0].spec, "he_normal") && !strcmp(c.schemes[1].spec, "normal:std=0.01") &&
                !strcmp(c.schemes[2].spec, "variance_scaling:scale=2,mode=fan_out"), "scheme specs in order");
  ilab_test_rel(c.schemes[1].param, 0.01, 0, "normal std");
  ilab_test_rel(c.schemes[2].scale, 2, 0, "variance_scaling scale");
  ilab_test(c.schemes[2].mode == ILAB_FAN_OUT, "variance_scaling mode");
  ilab_test_int((long)c.depth, 3, "depth");
  ilab_test(c.widths != NULL, "widths allocated");
  for (size_t l = 0; l <= 3; l++) ilab_test_int((long)c.widths[l], 8, "widths[%zu] from width", l);
  ilab_test_int((long)c.batch, 4, "batch");
  ilab_test_int((long)c.trials, 5, "trials");
  ilab_test(c.has_seed && c.seed == 4294967296UL, "seed above 32 bits kept (got %lu)", c.seed);
  ilab_test_rel(c.sigma_b2, 0.25, 0, "sigma_b2");
  ilab_test(c.has_input && !strcmp(c.input.spec, "uniform:limit=1"), "input scheme");
  ilab_test_rel(c.input.param, 1, 0, "input limit");
  ilab_config_free(&c);
  ilab_test(c.path == NULL && c.widths == NULL, "free empties the config");
  ilab_config_free(&c); /* twice is harmless */
}

static void test_valid_defaults_and_widths(void)
{
  ilab_config c;
  int st = parse("activations = tanh\nschemes = lecun_normal\nwidths = 784 256 10\nbatch = 2\n", &c);
  ilab_test_int(st, ILAB_OK, "widths file parses (reason: %s)", st ? ilab_error_reason() : "");
  if (st) return;
  ilab_test_int((long)c.depth, 2, "depth from widths");
  ilab_test(c.widths[0] == 784 && c.widths[1] == 256 && c.widths[2] == 10, "widths n_0 .. n_L");
  ilab_test_int((long)c.trials, 1, "trials defaults to 1");
  ilab_test(!c.has_seed, "no seed given");
  ilab_test_rel(c.sigma_b2, 0, 0, "sigma_b2 defaults to 0");
  ilab_test(!c.has_input && !strcmp(c.input.spec, "normal:std=1"), "input defaults to normal:std=1");
  ilab_test(c.question != NULL && c.question[0] == '\0', "no comment, empty question");
  ilab_config_free(&c);

  st = parse("activations = tanh\nschemes = lecun_normal\ndepth = 2\nwidths = 4 5 6\nbatch = 2\n", &c);
  ilab_test_int(st, ILAB_OK, "widths with a consistent depth parse (reason: %s)", st ? ilab_error_reason() : "");
  if (!st) ilab_test(c.depth == 2 && c.widths[2] == 6, "depth and widths agree");
  ilab_config_free(&c);

  /* limits are inclusive */
  char text[256];
  snprintf(text, sizeof text, "activations = relu\nschemes = he_normal\ndepth = 1\nwidth = %d\nbatch = 2\n",
           ILAB_MAX_WIDTH);
  st = parse(text, &c);
  ilab_test_int(st, ILAB_OK, "width = ILAB_MAX_WIDTH accepted (reason: %s)", st ? ilab_error_reason() : "");
  ilab_config_free(&c);
}

static void test_valid_formatting(void)
{
  ilab_config c;
  /* CRLF line endings, tabs, comments after values, no final newline */
  const char *crlf = "# Q one\r\n# Q two\r\nactivations =\trelu   tanh # two of them\r\n"
                     "schemes=he_normal#no blank before the comment\r\n"
                     "  depth = 3  \r\nwidth = 8 # square\r\nbatch = 4\r\n\r\ntrials = 2";
  int st = parse(crlf, &c);
  ilab_test_int(st, ILAB_OK, "CRLF, tabs, trailing comments accepted (reason: %s)", st ? ilab_error_reason() : "");
  if (!st) {
    ilab_test_int((long)c.n_acts, 2, "CRLF: activations before the comment");
    ilab_test(!strcmp(c.schemes[0].spec, "he_normal"), "CRLF: scheme without the comment (got '%s')", c.schemes[0].spec);
    ilab_test(c.depth == 3 && c.widths[3] == 8 && c.batch == 4 && c.trials == 2, "CRLF: numbers");
    ilab_test(!strcmp(c.question, "Q one Q two"), "CRLF: question without CR (got '%s')", c.question);
  }
  ilab_config_free(&c);

  /* trailing blanks on a comment line do not end up in the question */
  st = parse("# Trailing blanks.   \t\n" BASE, &c);
  ilab_test_int(st, ILAB_OK, "comment with trailing blanks parses");
  if (!st) ilab_test(!strcmp(c.question, "Trailing blanks."), "question trimmed (got '%s')", c.question);
  ilab_config_free(&c);

  /* a line just under the limit is fine */
  char *longer = malloc(5000);
  strcpy(longer, BASE "# ");
  size_t n = strlen(longer);
  memset(longer + n, 'x', 4000);
  strcpy(longer + n + 4000, "\n");
  st = parse(longer, &c);
  ilab_test_int(st, ILAB_OK, "a 4002-character comment line is accepted");
  ilab_config_free(&c);
  free(longer);
}

/* Width and depth lists are swept as shapes, k = wi * n_depths + di, with
 * trials per width. */
static void test_shapes(void)
{
  ilab_config c, v;
  int st = parse("activations = relu linear\nschemes = he_normal\ndepth = 5 2\nwidth = 16 4 8\n"
                 "batch = 1\ntrials = 30 10 20\nlayers_table = no\nln_histogram = 40\n", &c);
  ilab_test_int(st, ILAB_OK, "width and depth lists parse: %s", st ? ilab_error_reason() : "ok");
  if (st) return;
  ilab_test_int((long)ilab_config_n_points(&c), 6, "3 widths x 2 depths = 6 shapes");
  ilab_test((long)c.batch == 1 && !c.layers_table && c.ln_hist_bins == 40, "batch 1, layers_table, ln_histogram");
  ilab_test(c.depth == 5 && c.trials == 30 && c.widths[0] == 16 && c.widths[5] == 16,
            "depth and trials are the largest; widths the first width over that depth");
  size_t w, d;
  ilab_config_shape_of(&c, 3, &w, &d);
  ilab_test(w == 4 && d == 2, "shape 3 is (width 4, depth 2)");
  ilab_test_int(ilab_config_point(&c, 3, &v), ILAB_OK, "view of shape 3");
  ilab_test(v.depth == 2 && v.trials == 10 && v.widths[0] == 4 && v.widths[2] == 4 && v.n_acts == 2,
            "the view has the shape's depth, widths and trials, and the lists");
  ilab_test(ilab_config_n_points(&v) == 1, "a view has one shape");
  ilab_config_point_free(&v);
  ilab_test_int(ilab_config_point(&c, 6, &v), ILAB_EINVAL, "shape 6 of 6 is refused");
  ilab_config_free(&c);
  st = parse(BASE, &c);
  ilab_test(st == ILAB_OK && ilab_config_n_points(&c) == 1 && c.layers_table && !c.ln_hist_bins,
            "one width, one depth: one shape, layers.tsv written, no ln histogram");
  ilab_config_shape_of(&c, 0, &w, &d);
  ilab_test(w == 8 && d == 3, "its shape is (8, 3)");
  ilab_config_free(&c);
  st = parse("activations = relu\nschemes = he_normal\nwidths = 8 4 2\nbatch = 2\ntrials = 3\n", &c);
  ilab_config_shape_of(&c, 0, &w, &d);
  ilab_test(st == ILAB_OK && ilab_config_n_points(&c) == 1 && w == 0 && d == 2 && c.trials == 3,
            "a widths list is one shape of width 0");
  ilab_config_free(&c);
}

static void test_errors(void)
{
  expect("unknown key", BASE "colour = blue\n", ILAB_EPARSE, NAME ":6:", "unknown key");
  expect("duplicate key", BASE "depth = 4\n", ILAB_EPARSE, NAME ":6:", "already set on line 3");
  expect("missing '='", BASE "trials 3\n", ILAB_EPARSE, NAME ":6:", "expected 'key = value'");
  expect("key with no value", BASE "trials =   # nothing\n", ILAB_EPARSE, NAME ":6:", "no value");
  expect("empty key", BASE "= 3\n", ILAB_EPARSE, NAME ":6:", "unknown key");
  expect("bad number", BASE "trials = 3x\n", ILAB_EPARSE, NAME ":6:", "not a whole number");
  expect("fractional number", BASE "trials = 2.5\n", ILAB_EPARSE, NAME ":6:", "not a whole number");
  expect("two values for one key", BASE "seed = 2 3\n", ILAB_EPARSE, NAME ":6:", "one value");
  expect("trials: two counts for one width", BASE "trials = 2 3\n", ILAB_EPARSE, NAME ":6:",
         "trials lists 2 counts for 1 widths");
  expect("width listed twice", "activations = relu\nschemes = he_normal\ndepth = 3\nwidth = 8 16 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":4:", "width 8 listed twice");
  expect("depth list with widths", "activations = relu\nschemes = he_normal\ndepth = 2 3\nwidths = 8 8 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":3:", "depth lists several values");
  expect("trials list with widths", "activations = relu\nschemes = he_normal\nwidths = 8 8 8\nbatch = 4\ntrials = 2 3\n",
         ILAB_EPARSE, NAME ":5:", "needs a 'width' list");
  expect("layers_table neither yes nor no", BASE "layers_table = maybe\n", ILAB_EPARSE, NAME ":6:", "yes or no");
  expect("ln_histogram of one bin", BASE "ln_histogram = 1\n", ILAB_EPARSE, NAME ":6:", "out of range");
  expect("histogram layer beyond the smallest depth",
         "activations = relu\nschemes = he_normal\ndepth = 3 10\nwidth = 8\nbatch = 4\nhistograms = 5\n",
         ILAB_EPARSE, NAME ":6:", "beyond the depth 3");
  expect("number too large", BASE "seed = 99999999999999999999999\n", ILAB_EPARSE, NAME ":6:", "out of range");
  expect("negative width", "activations = relu\nschemes = he_normal\ndepth = 3\nwidth = -8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":4:", "not a whole number");
  expect("zero width", "activations = relu\nschemes = he_normal\ndepth = 3\nwidth = 0\nbatch = 4\n",
         ILAB_EPARSE, NAME ":4:", "out of range");
  expect("zero depth", "activations = relu\nschemes = he_normal\ndepth = 0\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":3:", "out of range");
  char text[512];
  snprintf(text, sizeof text, "activations = relu\nschemes = he_normal\ndepth = 3\nwidth = %d\nbatch = 4\n",
           ILAB_MAX_WIDTH + 1);
  expect("width above ILAB_MAX_WIDTH", text, ILAB_EPARSE, NAME ":4:", "out of range");
  snprintf(text, sizeof text, "activations = relu\nschemes = he_normal\nwidths = 8 %d 8\nbatch = 4\n",
           ILAB_MAX_WIDTH + 1);
  expect("widths entry above ILAB_MAX_WIDTH", text, ILAB_EPARSE, NAME ":3:", "out of range");
  expect("negative seed", BASE "seed = -1\n", ILAB_EPARSE, NAME ":6:", "not a whole number");
  expect("zero trials", BASE "trials = 0\n", ILAB_EPARSE, NAME ":6:", "out of range");
  expect("NaN sigma_b2", BASE "sigma_b2 = nan\n", ILAB_EPARSE, NAME ":6:", "finite");
  expect("inf sigma_b2", BASE "sigma_b2 = inf\n", ILAB_EPARSE, NAME ":6:", "finite");
  expect("overflowing sigma_b2", BASE "sigma_b2 = 1e999\n", ILAB_EPARSE, NAME ":6:", "finite");
  expect("negative sigma_b2", BASE "sigma_b2 = -0.5\n", ILAB_EPARSE, NAME ":6:", ">= 0");
  expect("sigma_b2 not a number", BASE "sigma_b2 = half\n", ILAB_EPARSE, NAME ":6:", "not a number");
  expect("unknown activation", "activations = relu swoosh\nschemes = he_normal\ndepth = 3\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":1:", "unknown activation 'swoosh'");
  expect("duplicate activation", "activations = relu tanh relu\nschemes = he_normal\ndepth = 3\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":1:", "listed twice");
  expect("unknown scheme", "activations = relu\n\nschemes = he_normal nosuch\ndepth = 3\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":3:", "unknown scheme 'nosuch'");
  expect("bad scheme key", "activations = relu\nschemes = he_normal:colour=2\ndepth = 3\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":2:", "colour");
  expect("bad scheme value", "activations = relu\nschemes = normal:std=big\ndepth = 3\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":2:", "not a number");
  expect("duplicate scheme", "activations = relu\nschemes = he_normal lecun_normal he_normal\ndepth = 3\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":2:", "listed twice");
  expect("bad input scheme", BASE "input = gaussian\n", ILAB_EPARSE, NAME ":6:", "input");
  expect("depth inconsistent with widths", "activations = relu\nschemes = he_normal\ndepth = 3\nwidths = 8 8 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":3:", "depth = 3 but widths lists 2 layers");
  expect("widths with one number", "activations = relu\nschemes = he_normal\nwidths = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":3:", "at least two");
  expect("both width and widths", "activations = relu\nschemes = he_normal\nwidth = 8\nbatch = 4\nwidths = 8 8 8\n",
         ILAB_EPARSE, NAME ":5:", "not both");
  /* Missing keys have no line of their own: the reason starts with the file name. */
  expect("missing activations", "schemes = he_normal\ndepth = 3\nwidth = 8\nbatch = 4\n", ILAB_EPARSE,
         NAME ": ", "missing 'activations");
  expect("missing schemes", "activations = relu\ndepth = 3\nwidth = 8\nbatch = 4\n", ILAB_EPARSE, NAME ": ",
         "missing 'schemes");
  expect("missing batch", "activations = relu\nschemes = he_normal\ndepth = 3\nwidth = 8\n", ILAB_EPARSE,
         NAME ": ", "missing 'batch");
  expect("missing width", "activations = relu\nschemes = he_normal\ndepth = 3\nbatch = 4\n", ILAB_EPARSE,
         NAME ": ", "missing 'width");
  expect("missing depth", "activations = relu\nschemes = he_normal\nwidth = 8\nbatch = 4\n", ILAB_EPARSE,
         NAME ": ", "missing 'depth");
  expect("batch 0", "activations = relu\nschemes = he_normal\ndepth = 3\nwidth = 8\nbatch = 0\n", ILAB_EPARSE,
         NAME ":5:", "out of range [1,");
  expect("empty file", "", ILAB_EPARSE, NAME ": ", "empty");
  expect("only comments", "# a question and nothing else\n\n", ILAB_EPARSE, NAME ": ", "missing");
  static const char nul[] = "activations = relu\nschemes = he_\0normal\ndepth = 3\nwidth = 8\nbatch = 4\n";
  expect_len("NUL byte", nul, sizeof nul - 1, ILAB_EPARSE, NAME ":2:", "NUL");
  expect("control character", "activations = relu\nschemes = he_normal\ndepth = 3\x1b[0m\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":3:", "control character");
  expect("bare CR inside a line", "activations = relu\rschemes = he_normal\ndepth = 3\nwidth = 8\nbatch = 4\n",
         ILAB_EPARSE, NAME ":1:", "control character");

  /* a 5000-character comment line: no longer a limit */
  char *big = malloc(6000);
  strcpy(big, BASE "# ");
  size_t n = strlen(big);
  memset(big + n, 'x', 5000);
  strcpy(big + n + 5000, "\n");
  ilab_config cb;
  ilab_test_int(parse(big, &cb), ILAB_OK, "a 5000-character line parses (reason: %s)", ilab_error_reason());
  ilab_config_free(&cb);
  free(big);

  /* too many list entries: a guard against a typo, not a fixed array */
  expect("too many widths", "activations = relu\nschemes = he_normal\nbatch = 4\nwidths = 1:1000000:1 8\n",
         ILAB_EPARSE, NAME ":4:", "more than 1000000 entries");
}

static void test_read(void)
{
  char dir[] = "/tmp/ilab_test_config.XXXXXX";
  if (!mkdtemp(dir)) {
    ilab_test(0, "mkdtemp");
    return;
  }
  char path[256];
  ilab_config c;

  snprintf(path, sizeof path, "%s/missing.cfg", dir);
  int st = ilab_config_read(path, &c);
  ilab_test_int(st, ILAB_EIO, "missing file: ILAB_EIO");
  ilab_test(strstr(ilab_error_reason(), path) == ilab_error_reason() &&
                strstr(ilab_error_reason(), "cannot open") != NULL,
            "missing file: reason names the file (%s)", ilab_error_reason());
  ilab_test(c.path == NULL && c.widths == NULL, "missing file: config empty");

  st = ilab_config_read(dir, &c);
  ilab_test_int(st, ILAB_EIO, "a directory: ILAB_EIO");
  ilab_test(strstr(ilab_error_reason(), dir) == ilab_error_reason() &&
                strstr(ilab_error_reason(), "directory") != NULL,
            "a directory: reason names it (%s)", ilab_error_reason());

  snprintf(path, sizeof path, "%s/ok.cfg", dir);
  FILE *f = fopen(path, "w");
  fputs("# From a file.\n" BASE, f);
  fclose(f);
  st = ilab_config_read(path, &c);
  ilab_test_int(st, ILAB_OK, "a file on disk parses (reason: %s)", st ? ilab_error_reason() : "");
  if (!st) {
    ilab_test(!strcmp(c.path, path) && !strcmp(c.question, "From a file.") && c.depth == 3,
              "read: path, question, depth");
    ilab_config_free(&c);
  }
  snprintf(path, sizeof path, "%s/bad.cfg", dir);
  f = fopen(path, "w");
  fputs(BASE "trials = many\n", f);
  fclose(f);
  st = ilab_config_read(path, &c);
  char want[300];
  snprintf(want, sizeof want, "%s:6:", path);
  ilab_test_int(st, ILAB_EPARSE, "a bad file on disk: ILAB_EPARSE");
  ilab_test(strstr(ilab_error_reason(), want) == ilab_error_reason(), "read: reason starts with %s (%s)", want,
            ilab_error_reason());
  unlink(path);
  snprintf(path, sizeof path, "%s/ok.cfg", dir);
  unlink(path);
  rmdir(dir);
}

/* --only: cells (act, scheme) selected by act=NAME and scheme=SPEC entries,
 * entries of one kind joined by "or", the two kinds by "and". */
static void test_select(void)
{
  ilab_config c;
  const char *text = "activations = relu tanh leaky_relu:slope=0.2\nschemes = he_normal glorot_uniform\n"
                     "depth = 2\nwidth = 4\nbatch = 2\n";
  if (parse(text, &c)) { ilab_test(0, "select: the file parses: %s", ilab_error_reason()); return; }
  unsigned char sel[6];
  /* cells: relu/he relu/glorot tanh/he tanh/glorot leaky/he leaky/glorot */
  static const struct { const char *only[3]; size_t n; unsigned char want[6]; } cases[] = {
      {{"act=tanh"}, 1, {0, 0, 1, 1, 0, 0}},
      {{"scheme=glorot_uniform"}, 1, {0, 1, 0, 1, 0, 1}},
      {{"act=relu", "act=tanh"}, 2, {1, 1, 1, 1, 0, 0}},
      {{"act=relu", "scheme=he_normal"}, 2, {1, 0, 0, 0, 0, 0}},
      {{"act=leaky_relu:slope=0.2"}, 1, {0, 0, 0, 0, 1, 1}},
      {{"act=leaky_relu:slope=0.20", "scheme=glorot_uniform", "scheme=he_normal"}, 3, {0, 0, 0, 0, 1, 1}},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    memset(sel, 9, sizeof sel);
    int st = ilab_config_select(&c, cases[k].only, cases[k].n, sel);
    ilab_test(st == ILAB_OK && !memcmp(sel, cases[k].want, 6), "select case %zu (%s ...): status %d, cells %d%d%d%d%d%d",
              k, cases[k].only[0], st, sel[0], sel[1], sel[2], sel[3], sel[4], sel[5]);
  }
  const char *bad1[] = {"act=sigmoid"}, *bad2[] = {"scheme=he_uniform"}, *bad3[] = {"cell=1"};
  ilab_test(ilab_config_select(&c, bad1, 1, sel) == ILAB_EINVAL &&
                !strcmp(ilab_error_reason(), "act=sigmoid: " NAME " has no such activation"),
            "select: an activation not in the file (%s)", ilab_error_reason());
  ilab_test(ilab_config_select(&c, bad2, 1, sel) == ILAB_EINVAL && strstr(ilab_error_reason(), "no such scheme"),
            "select: a scheme not in the file (%s)", ilab_error_reason());
  ilab_test(ilab_config_select(&c, bad3, 1, sel) == ILAB_EINVAL && strstr(ilab_error_reason(), "cell=1: expected"),
            "select: a malformed entry (%s)", ilab_error_reason());
  ilab_config_free(&c);
}

/* --only width=N and depth=N: which shapes run; act= and scheme= entries
 * pass through to the cells' selection and back. */
static void test_select_shapes(void)
{
  ilab_config c;
  const char *text = "activations = relu\nschemes = he_normal\n"
                     "depth = 3 5\nwidth = 16 64\nbatch = 2\n";
  if (parse(text, &c)) { ilab_test(0, "select shapes: the file parses: %s", ilab_error_reason()); return; }
  size_t nsh = ilab_config_n_points(&c);
  ilab_test(nsh == 4, "select shapes: 2 widths x 2 depths are 4 shapes (%zu)", nsh);
  unsigned char run[4], sel[1];
  const char *w64[] = {"width=64", "act=relu"}, *d3[] = {"depth=3"}, *both[] = {"width=16", "depth=5"};
  const char *const *only[] = {w64, d3, both};
  size_t n[] = {2, 1, 2};
  for (size_t i = 0; i < 3 && nsh == 4; i++) {
    memset(run, 9, sizeof run);
    int st = ilab_config_select_points(&c, only[i], n[i], run);
    size_t count = 0, ok = 1;
    for (size_t k = 0; k < nsh; k++) {
      size_t w, d;
      ilab_config_shape_of(&c, k, &w, &d);
      int want = i == 0 ? w == 64 : i == 1 ? d == 3 : (w == 16 && d == 5);
      ok &= run[k] == want;
      count += run[k];
    }
    ilab_test(st == ILAB_OK && ok && count == (i == 2 ? 1u : 2u), "select shapes case %zu (%s): status %d, %zu shapes",
              i, only[i][0], st, count);
  }
  ilab_test(ilab_config_select(&c, w64, 2, sel) == ILAB_OK && sel[0] == 1,
            "select: width= entries are the shapes', not an error of the cells' selection");
  const char *bad[] = {"width=32"}, *badd[] = {"depth=4"};
  ilab_test(ilab_config_select_points(&c, bad, 1, run) == ILAB_EINVAL && strstr(ilab_error_reason(), "width=32: ")
                && strstr(ilab_error_reason(), "no such width"),
            "select shapes: a width not in the file (%s)", ilab_error_reason());
  ilab_test(ilab_config_select_points(&c, badd, 1, run) == ILAB_EINVAL && strstr(ilab_error_reason(), "no such depth"),
            "select shapes: a depth not in the file (%s)", ilab_error_reason());
  ilab_config_free(&c);
}

/* sigma_b2, input and batch lists are swept like widths and depths: points
 * k = (((shape * n_sigma_b2s + bi) * n_inputs + ii) * n_batches + ni), each
 * view holding its one value of each. */
static void test_points(void)
{
  ilab_config c, v;
  int st = parse("activations = tanh\nschemes = lecun_normal\nwidth = 8 16\ndepth = 3\nbatch = 4 2\n"
                 "sigma_b2 = 0.1 0 0.05\ninput = normal:std=2 uniform:limit=1\n", &c);
  ilab_test_int(st, ILAB_OK, "points: the lists parse: %s", st ? ilab_error_reason() : "ok");
  if (st) return;
  ilab_test_int((long)ilab_config_n_points(&c), 2 * 3 * 2 * 2, "2 widths x 3 sigma_b2 x 2 inputs x 2 batches");
  ilab_test(c.batch == 4 && c.sigma_b2 == 0.1 && !strcmp(c.input.spec, "normal:std=2"),
            "the config's batch and sigma_b2 are the largest, its input the first");
  ilab_point p;
  ilab_config_point_of(&c, 15, &p); /* 15 = ((1 * 3 + 0) * 2 + 1) * 2 + 1 */
  ilab_test(p.width == 16 && p.depth == 3 && p.sigma_b2 == 0.1 && p.input == 1 && p.batch == 2 && p.shape == 1,
            "point 15 is (16, 3, 0.1, uniform, 2): %zu %zu %g %zu %zu", p.width, p.depth, p.sigma_b2, p.input, p.batch);
  ilab_config_point_of(&c, 6, &p); /* ((0 * 3 + 1) * 2 + 1) * 2 + 0 */
  ilab_test(p.width == 8 && p.sigma_b2 == 0 && p.input == 1 && p.batch == 4, "point 6 is (8, 3, 0, uniform, 4)");
  ilab_test_int(ilab_config_point(&c, 15, &v), ILAB_OK, "view of point 15");
  ilab_test(v.sigma_b2 == 0.1 && v.batch == 2 && !strcmp(v.input.spec, "uniform:limit=1") && v.widths[3] == 16 &&
                ilab_config_n_points(&v) == 1,
            "the view holds the point's sigma_b2, batch, input and widths, and is one point");
  ilab_config_point_free(&v);
  ilab_test_int(ilab_config_point(&c, 24, &v), ILAB_EINVAL, "point 24 of 24 is refused");
  unsigned char run[24];
  const char *sel[] = {"sigma_b2=5e-2", "sigma_b2=0.1", "batch=2", "act=tanh"};
  st = ilab_config_select_points(&c, sel, 4, run);
  size_t n = 0, good = 1;
  for (size_t k = 0; k < 24; k++) {
    ilab_config_point_of(&c, k, &p);
    good &= run[k] == ((p.sigma_b2 == 0.05 || p.sigma_b2 == 0.1) && p.batch == 2);
    n += run[k];
  }
  ilab_test(st == ILAB_OK && good && n == 2 * 2 * 2, "select: sigma_b2 by value (5e-2 names 0.05), or within a key, and across keys");
  const char *none[] = {"sigma_b2=0.2"}, *nan_[] = {"sigma_b2=x"}, *in[] = {"input=normal:std=1"};
  ilab_test(ilab_config_select_points(&c, none, 1, run) == ILAB_EINVAL && strstr(ilab_error_reason(), "sigma_b2=0.2: "),
            "select: a sigma_b2 not listed (%s)", ilab_error_reason());
  ilab_test(ilab_config_select_points(&c, nan_, 1, run) == ILAB_EINVAL, "select: sigma_b2=x names nothing");
  ilab_test(ilab_config_select_points(&c, in, 1, run) == ILAB_EINVAL && strstr(ilab_error_reason(), "no such input law"),
            "select: an input law not listed");
  ilab_config_free(&c);
  expect("sigma_b2 twice", BASE "sigma_b2 = 0.1 1e-1\n", ILAB_EPARSE, NAME ":6:", "sigma_b2 0.1 listed twice");
  expect("negative sigma_b2 in a list", BASE "sigma_b2 = 0 -0.1\n", ILAB_EPARSE, NAME ":6:", "finite number >= 0");
  expect("input twice", BASE "input = normal:std=1 normal:std=1\n", ILAB_EPARSE, NAME ":6:", "listed twice");
  /* ranges and braces, as in the other lists */
  st = parse(BASE "sigma_b2 = 0:0.1:0.05 0.5\ninput = normal:std={1:2:0.5}\n", &c);
  ilab_test_int(st, ILAB_OK, "sigma_b2 and input with a range and braces parse: %s", st ? ilab_error_reason() : "ok");
  if (!st)
    ilab_test(c.n_sigma_b2s == 4 && c.sigma_b2_list[1] == 0.05 && c.sigma_b2_list[2] == 0.1 && c.sigma_b2_list[3] == 0.5 &&
                  c.n_inputs == 3 && !strcmp(c.input_list[2].spec, "normal:std=2") && ilab_config_n_points(&c) == 12,
              "sigma_b2 = 0:0.1:0.05 0.5 is 0 0.05 0.1 0.5; input braces give 3 laws; 12 points");
  ilab_config_free(&c);
  st = parse("activations = relu\nschemes = he_normal\ndepth = 3\nwidth = 8\nbatch = 2:8:x2\n", &c);
  ilab_test(st == ILAB_OK && c.n_batches == 3 && c.batch_list[2] == 8 && c.batch == 8, "batch = 2:8:x2 is 2 4 8");
  ilab_config_free(&c);
  expect("sigma_b2 range twice", BASE "sigma_b2 = 0:0.1:0.05 0.1\n", ILAB_EPARSE, NAME ":6:", "sigma_b2 0.1 listed twice");
  expect("sigma_b2 not a range", BASE "sigma_b2 = 0:0.1\n", ILAB_EPARSE, NAME ":6:", "sigma_b2");
}

/* Ranges, braces and continued lines (the language of long sweeps). */
static void test_ranges(void)
{
  ilab_config c;
  int st = parse("activations = relu\nschemes = he_normal\nbatch = 4\nwidth = 16:4096:x2\n"
                 "depth = 1:10:3\ntrials = 2\nhistograms = 1 1:1:1\n", &c);
  ilab_test_int(st, ILAB_OK, "ranges parse (reason: %s)", st ? ilab_error_reason() : "");
  if (!st) {
    int ok = c.n_widths == 9 && c.n_depths == 4;
    for (size_t i = 0; ok && i < 9; i++) ok = c.width_list[i] == ((size_t)16 << i) && c.trials_list[i] == 2;
    ilab_test(ok, "width = 16:4096:x2 gives 16, 32, ..., 4096 (%zu widths)", c.n_widths);
    ilab_test(c.n_depths == 4 && c.depth_list[0] == 1 && c.depth_list[1] == 4 && c.depth_list[3] == 10,
              "depth = 1:10:3 gives 1 4 7 10");
    ilab_test(ilab_config_n_points(&c) == 36, "36 shapes");
  }
  ilab_config_free(&c);

  st = parse("activations = tanh leaky_relu:slope={0.1:0.3:0.1}\n"
             "schemes = normal:std={0.5:2:0.5} uniform:limit={0.1,1e-3},gain={1:2:1}\n"
             "batch = 4\nwidth = 8\ndepth = 2\n", &c);
  ilab_test_int(st, ILAB_OK, "braces parse (reason: %s)", st ? ilab_error_reason() : "");
  if (!st) {
    static const char *const want[] = {"normal:std=0.5", "normal:std=1", "normal:std=1.5", "normal:std=2",
                                       "uniform:limit=0.1,gain=1", "uniform:limit=0.1,gain=2",
                                       "uniform:limit=0.001,gain=1", "uniform:limit=0.001,gain=2"};
    int ok = c.n_schemes == 8;
    for (size_t i = 0; ok && i < 8; i++) ok = !strcmp(c.schemes[i].spec, want[i]);
    ilab_test(ok, "schemes expand to 8 specs written as plain decimals (first '%s', last '%s')", c.schemes[0].spec,
              c.schemes[c.n_schemes - 1].spec);
    ilab_test(c.schemes[2].param == 1.5 && c.schemes[7].gain == 2, "expanded parameters are the values");
    ilab_test(c.n_acts == 4 && !strcmp(c.act_names[2], "leaky_relu:slope=0.2"), "activations expand too (%s)",
              c.n_acts > 2 ? c.act_names[2] : "");
  }
  ilab_config_free(&c);

  /* a line ending in '\' continues on the next; messages name the key's line */
  st = parse("activations = relu \\\n  tanh # two\nschemes = he_normal\\\n lecun_normal\nbatch = 4\n"
             "width = 8 \\\n\t16 \\\n 32\ndepth = 2\n", &c);
  ilab_test_int(st, ILAB_OK, "continued lines parse (reason: %s)", st ? ilab_error_reason() : "");
  if (!st)
    ilab_test(c.n_acts == 2 && c.n_schemes == 2 && c.n_widths == 3 && c.width_list[2] == 32,
              "continued lists: %zu activations, %zu schemes, %zu widths", c.n_acts, c.n_schemes, c.n_widths);
  ilab_config_free(&c);
  expect("continued past the end", BASE "histograms = 1 \\\n", ILAB_EPARSE, NAME ":6:", "file ends");
  expect("error in a continued line names the key's line", BASE "histograms = 1 \\\n 2 \\\n x\n", ILAB_EPARSE,
         NAME ":6:", "'x'");

  /* ambiguous or empty ranges, each with FILE:LINE */
#define RBASE "activations = relu\nschemes = he_normal\nbatch = 4\ndepth = 2\n"
  expect("step 0", RBASE "width = 1:4:0\n", ILAB_EPARSE, NAME ":5:", "step must be > 0");
  expect("negative step", RBASE "width = 4:1:-1\n", ILAB_EPARSE, NAME ":5:", "backwards");
  expect("wrong sign of step", RBASE "width = 1:4:-1\n", ILAB_EPARSE, NAME ":5:", "step must be > 0");
  expect("backwards", RBASE "width = 8:4:1\n", ILAB_EPARSE, NAME ":5:", "backwards");
  expect("factor 1", RBASE "width = 16:64:x1\n", ILAB_EPARSE, NAME ":5:", "factor must be > 1");
  expect("geometric from 0", RBASE "width = 0:64:x2\n", ILAB_EPARSE, NAME ":5:", "LO > 0");
  expect("non-integer width from a geometric range", RBASE "width = 16:200:x1.5\n", ILAB_EPARSE, NAME ":5:",
         "121.5, not a whole number");
  expect("non-integer width from a linear range", RBASE "width = 1:2:0.5\n", ILAB_EPARSE, NAME ":5:",
         "1.5, not a whole number");
  expect("two colons missing", RBASE "width = 1:4\n", ILAB_EPARSE, NAME ":5:", "LO:HI:STEP");
  expect("empty part", RBASE "width = 1::4\n", ILAB_EPARSE, NAME ":5:", "three numbers");
  expect("range out of the key's bounds", RBASE "width = 999999:1000001:1\n", ILAB_EPARSE, NAME ":5:", "out of range");
  expect("duplicate through a range", RBASE "width = 8 4:12:4\n", ILAB_EPARSE, NAME ":5:", "8 listed twice");
  expect("empty braces", "activations = relu\nschemes = normal:std={}\nbatch = 4\ndepth = 2\nwidth = 4\n",
         ILAB_EPARSE, NAME ":2:", "expands to nothing");
  expect("unclosed brace", "activations = relu\nschemes = normal:std={1:2:1\nbatch = 4\ndepth = 2\nwidth = 4\n",
         ILAB_EPARSE, NAME ":2:", "without its");
  expect("bad range in braces", "activations = relu\nschemes = normal:std={2:1:1}\nbatch = 4\ndepth = 2\nwidth = 4\n",
         ILAB_EPARSE, NAME ":2:", "backwards");
  expect("duplicate through braces", "activations = relu\nschemes = normal:std=1 normal:std={1:2:1}\nbatch = 4\ndepth = 2\nwidth = 4\n",
         ILAB_EPARSE, NAME ":2:", "'normal:std=1' listed twice");
#undef RBASE
}

/* Long files: 20,001 widths on one line, 3000 schemes over continued lines,
 * a 20,001-layer widths list; no line or list limit. */
static void test_long(void)
{
  size_t cap = 400000, n;
  char *t = malloc(cap);
  ilab_config c;
  n = (size_t)sprintf(t, "activations = relu\nschemes = he_normal\nbatch = 1\ndepth = 1\nwidth =");
  for (int i = 1; i <= 20001; i++) n += (size_t)sprintf(t + n, " %d", i);
  strcpy(t + n, "\n");
  int st = parse(t, &c);
  ilab_test(st == ILAB_OK && c.n_widths == 20001 && c.width_list[20000] == 20001,
            "20,001 widths on one line (%zu; %s)", c.n_widths, st ? ilab_error_reason() : "");
  ilab_config_free(&c);

  n = (size_t)sprintf(t, "activations = relu\nbatch = 1\ndepth = 1\nwidth = 4\nschemes =");
  for (int i = 1; i <= 3000; i++) n += (size_t)sprintf(t + n, " normal:std=%.3f%s", i * 0.001, i % 10 ? "" : " \\\n  ");
  strcpy(t + n, "\n");
  st = parse(t, &c);
  ilab_test(st == ILAB_OK && c.n_schemes == 3000 && !strcmp(c.schemes[2999].spec, "normal:std=3.000"),
            "3000 schemes over 300 continued lines (%zu; %s)", c.n_schemes, st ? ilab_error_reason() : "");
  ilab_config_free(&c);

  st = parse("activations = relu\nbatch = 1\nwidth = 4\ndepth = 1\nschemes = normal:std={0.001:3:0.001}\n", &c);
  ilab_test(st == ILAB_OK && c.n_schemes == 3000 && !strcmp(c.schemes[2999].spec, "normal:std=3") &&
                !strcmp(c.schemes[99].spec, "normal:std=0.1"),
            "3000 schemes from one brace range (%zu; %s)", c.n_schemes, st ? ilab_error_reason() : "");
  ilab_config_free(&c);

  n = (size_t)sprintf(t, "activations = relu\nschemes = he_normal\nbatch = 1\nwidths =");
  for (int i = 0; i <= 20000; i++) n += (size_t)sprintf(t + n, " %d", 4 + i % 3);
  strcpy(t + n, "\n");
  st = parse(t, &c);
  ilab_test(st == ILAB_OK && c.depth == 20000 && c.widths[20000] == 4 + 20000 % 3,
            "a widths list of 20,001 layers (depth %zu; %s)", c.depth, st ? ilab_error_reason() : "");
  ilab_config_free(&c);
  free(t);
}

int main(void)
{
  test_points();
  test_ranges();
  test_long();
  test_select();
  test_select_shapes();
  test_valid_every_key();
  test_valid_defaults_and_widths();
  test_shapes();
  test_valid_formatting();
  test_errors();
  test_read();
  return ilab_test_summary();
}
