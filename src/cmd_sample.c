/* initlab sample: print draws of one scheme, one per line, or whole matrices
 * of a matrix ensemble (orthogonal, identity). */
#include "cmd.h"
#include "fp.h"
#include "ilab.h"
#include "linalg.h"
#include "scheme.h"
#include "stream.h"
#include "table.h"

#include <getopt.h>
#include <gsl/gsl_histogram.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const cmd = "sample";

static void help(void)
{
  printf("Usage: initlab sample SCHEME --fan-in N --fan-out M [-n COUNT] [--seed S]\n"
         "       initlab sample SCHEME --fan-in N --fan-out M [-n COUNT] [--seed S] --hist LO:HI:BINS\n"
         "       initlab sample SCHEME --fan-in N --fan-out M --pdf GRID\n\n"
         "Prints COUNT draws of the weights SCHEME gives a layer with these fans, one\n"
         "per line (%%.17g).  The draws are those of layer 1 of trial 0 in 'initlab run'\n"
         "with the same seed, fans and generator (GSL_RNG_TYPE [mt19937]), in\n"
         "row-major order (fan_in rows of fan_out).\n\n"
         "A matrix scheme (orthogonal, identity) prints COUNT whole matrices instead,\n"
         "in PyTorch's layout: fan_out rows of fan_in tab-separated entries, a blank\n"
         "line after each matrix.  The first is gain times the transpose of layer 1's\n"
         "unit matrix in trial 0 of 'initlab run'; the rest follow on the same stream.\n"
         "orthogonal: W W^T = gain^2 I if fan_out <= fan_in (orthonormal rows), else\n"
         "W^T W = gain^2 I (orthonormal columns), Haar-distributed (QR of a Gaussian\n"
         "matrix with the signs of R's diagonal moved into Q, Mezzadri 2007).\n\n"
         "Options:\n"
         "      --fan-in N      inputs of the layer (required)\n"
         "      --fan-out M     outputs of the layer (required)\n"
         "  -n, --count COUNT   number of draws [10], or of matrices [1]\n"
         "  -s, --seed S        seed [GSL_RNG_SEED, else 42]\n"
         "      --precision P   double, single, half or bfloat16: each draw rounded to\n"
         "                      the format (to nearest even, with its subnormals and\n"
         "                      overflow to inf), as 'initlab run --precision P' stores\n"
         "                      the weights [double]\n"
         "      --pdf GRID      print the exact density instead: GRID lines 'x<TAB>pdf'\n"
         "                      over mean +- 4.5 sd (a uniform's support and 10%% more)\n"
         "      --hist LO:HI:BINS  bin the COUNT draws instead of printing them: a table\n"
         "                      with one row per bin of [LO, HI) cut in BINS equal bins\n"
         "                      (GSL's gsl_histogram): lo hi center count density, with\n"
         "                      density = count / (COUNT (HI - LO)/BINS), so that it\n"
         "                      compares with --pdf; then columns that repeat on every\n"
         "                      row: below and above (draws < LO, >= HI), outside (their\n"
         "                      sum), n (= COUNT), and the mean, sample variance\n"
         "                      (n - 1 divisor) and sd of all the draws\n"
         "  -h, --help          this help\n\n"
         "SCHEME is a spec such as he_normal or variance_scaling:scale=2,mode=fan_in;\n"
         "'initlab list' shows them all.  Exit status: 0 success, 1 runtime failure,\n"
         "2 usage error.\n");
}

/* Parses --hist LO:HI:BINS. */
static int parse_hist(const char *s, double *lo, double *hi, unsigned long *bins)
{
  char part[3][64];
  const char *p = s;
  for (int i = 0; i < 3; i++) {
    size_t n = strcspn(p, ":");
    if (n >= sizeof part[i] || (i < 2 && p[n] != ':') || (i == 2 && p[n] != '\0')) {
      cmd_usage_error(cmd, "option --hist: '%s' is not LO:HI:BINS", s);
      return -1;
    }
    memcpy(part[i], p, n);
    part[i][n] = '\0';
    p += n + 1;
  }
  if (cmd_parse_double(cmd, "--hist", part[0], -1e300, 1e300, lo) ||
      cmd_parse_double(cmd, "--hist", part[1], -1e300, 1e300, hi) ||
      cmd_parse_ulong(cmd, "--hist", part[2], 1, 10000000UL, bins))
    return -1;
  if (!(*hi > *lo)) {
    cmd_usage_error(cmd, "option --hist: %s needs LO < HI", s);
    return -1;
  }
  return 0;
}

/* Draws count values in chunks of buf[0..chunk-1], bins them with GSL's
 * histogram on [lo, hi) and writes the table of 'sample --hist'. */
static int write_hist(gsl_rng *r, const ilab_dist *d, ilab_precision p, double *buf, size_t chunk,
                      unsigned long count, double lo, double hi, unsigned long bins,
                      unsigned long seed, const char *cmdline)
{
  gsl_histogram *h = gsl_histogram_alloc(bins);
  if (!h) { cmd_error("out of memory for %lu bins", bins); return ILAB_EXIT_RUNTIME; }
  gsl_histogram_set_ranges_uniform(h, lo, hi);
  ilab_moments m;
  ilab_moments_init(&m);
  unsigned long long below = 0, above = 0;
  for (unsigned long done = 0; done < count;) {
    size_t k = count - done < chunk ? count - done : chunk;
    ilab_dist_sample(r, d, buf, k);
    for (size_t i = 0; i < k; i++) buf[i] = ilab_fp_round(p, buf[i]);
    ilab_moments_add(&m, buf, k);
    for (size_t i = 0; i < k; i++)
      if (gsl_histogram_increment(h, buf[i]) != GSL_SUCCESS) {
        if (buf[i] < lo) below++;
        else above++; /* NaN too */
      }
    done += k;
  }
  double n = (double)count, w = (hi - lo) / (double)bins;
  double var = ilab_moments_variance(&m);
  printf("# initlab %s: %lu draws binned on [%g, %g) in %lu bins\n# command: %s\n", ILAB_VERSION,
         count, lo, hi, bins, cmdline);
  printf("# seed: %lu  generator: %s  (the draws of layer 1, trial 0 of 'initlab run')\n", seed,
         gsl_rng_name(r));
  printf("# density = count / (n width); below, above, outside, n, mean, var and sd repeat on every row\n");
  printf("lo\thi\tcenter\tcount\tdensity\tbelow\tabove\toutside\tn\tmean\tvar\tsd\n");
  char a[32];
  for (size_t b = 0; b < bins; b++) {
    double blo, bhi;
    gsl_histogram_get_range(h, b, &blo, &bhi);
    double c = gsl_histogram_get(h, b);
    double x[] = {blo, bhi, (blo + bhi) / 2};
    for (int i = 0; i < 3; i++) { ilab_table_format(x[i], a); printf("%s\t", a); }
    printf("%.0f\t", c);
    ilab_table_format(c / (n * w), a);
    printf("%s\t%llu\t%llu\t%llu\t%lu\t", a, below, above, below + above, count);
    double y[] = {ilab_moments_mean(&m), var, sqrt(var)};
    for (int i = 0; i < 3; i++) { ilab_table_format(y[i], a); printf("%s%c", a, i < 2 ? '\t' : '\n'); }
  }
  gsl_histogram_free(h);
  return 0;
}

int ilab_cmd_sample(int argc, char **argv)
{
  static const struct option opts[] = {
      {"fan-in", required_argument, NULL, 1}, {"fan-out", required_argument, NULL, 2},
      {"count", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
      {"pdf", required_argument, NULL, 3}, {"hist", required_argument, NULL, 4}, {"help", no_argument, NULL, 'h'},
      {"precision", required_argument, NULL, 5}, {NULL, 0, NULL, 0}};
  ilab_precision prec = ILAB_PREC_DOUBLE;
  unsigned long fan_in = 0, fan_out = 0, count = 10, seed = cmd_default_seed(), grid = 0, hbins = 0;
  const char *hist = NULL;
  double hlo = 0, hhi = 0;
  int c, count_given = 0;
  /* the command as typed, before getopt_long reorders argv */
  char cmdline[4096] = "initlab";
  for (int i = 0; i < argc; i++) {
    size_t l = strlen(cmdline);
    snprintf(cmdline + l, sizeof cmdline - l, " %s", argv[i]);
  }
  optind = 1;
  while ((c = getopt_long(argc, argv, "n:s:h", opts, NULL)) != -1) {
    switch (c) {
    case 1: if (cmd_parse_ulong(cmd, "--fan-in", optarg, 1, 100000000, &fan_in)) return ILAB_EXIT_USAGE; break;
    case 2: if (cmd_parse_ulong(cmd, "--fan-out", optarg, 1, 100000000, &fan_out)) return ILAB_EXIT_USAGE; break;
    case 'n': if (cmd_parse_ulong(cmd, "--count", optarg, 0, 1000000000, &count)) return ILAB_EXIT_USAGE; count_given = 1; break;
    case 's': if (cmd_parse_ulong(cmd, "--seed", optarg, 0, 0xffffffffUL, &seed)) return ILAB_EXIT_USAGE; break;
    case 3: if (cmd_parse_ulong(cmd, "--pdf", optarg, 2, 1000000, &grid)) return ILAB_EXIT_USAGE; break;
    case 4:
      hist = optarg;
      if (parse_hist(optarg, &hlo, &hhi, &hbins)) return ILAB_EXIT_USAGE;
      break;
    case 5:
      if (ilab_fp_parse(optarg, &prec))
        return cmd_usage_error(cmd, "--precision: '%s' is not double, single, half or bfloat16", optarg);
      break;
    case 'h': help(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (optind >= argc) return cmd_usage_error(cmd, "missing the scheme");
  if (argc - optind > 1) return cmd_usage_error(cmd, "one scheme at a time; unexpected '%s'", argv[optind + 1]);
  if (!fan_in || !fan_out) return cmd_usage_error(cmd, "--fan-in and --fan-out are required");
  if (hist && grid) return cmd_usage_error(cmd, "--hist and --pdf exclude each other");
  ilab_scheme s;
  if (ilab_scheme_parse(argv[optind], &s)) return cmd_usage_error(cmd, "%s", ilab_error_reason());
  if (s.lsuv) return cmd_usage_error(cmd, "'%s': lsuv rescales each layer on a network's batch, so it has no law of its own to sample (use it in an experiment file)", s.spec);
  ilab_dist d;
  if (ilab_scheme_resolve(&s, fan_in, fan_out, &d)) return cmd_usage_error(cmd, "%s", ilab_error_reason());
  if (grid) {
    /* the exact density on GRID points over mean +- 4.5 sd (the support, if
     * narrower), as "x<TAB>pdf" lines with a header */
    double m = ilab_dist_raw_moment(&d, 1), sd = sqrt(ilab_dist_central_moment(&d, 2));
    double lo = m - 4.5 * sd, hi = m + 4.5 * sd;
    if (d.kind == ILAB_DIST_UNIFORM || d.kind == ILAB_DIST_HAAR) { lo = -d.scale * 1.1; hi = d.scale * 1.1; }
    if (!(sd > 0)) { lo = m - 1; hi = m + 1; }
    char a[32], b[32];
    ilab_provenance pv = {"the exact density of a scheme's weights", argc, argv, 0, 0, NULL, NULL};
    ilab_provenance_write(stdout, &pv);
    printf("x\tpdf\n");
    for (unsigned long i = 0; i < grid; i++) {
      double x = lo + (hi - lo) * (double)i / (double)(grid - 1);
      ilab_table_format(x, a);
      ilab_table_format(ilab_dist_pdf(&d, x), b);
      printf("%s\t%s\n", a, b);
    }
    return cmd_close_stdout(ILAB_EXIT_OK);
  }
  const gsl_rng_type *type;
  int st = cmd_rng_type(&type);
  if (st) return st;
  gsl_rng *r = ilab_stream_alloc(type, seed, 0, 1, ilab_dist_family(&d));
  if (!r) { cmd_error("out of memory"); return ILAB_EXIT_RUNTIME; }
  if (d.kind == ILAB_DIST_HAAR || d.kind == ILAB_DIST_IDENTITY) {
    if (!count_given) count = 1;
    if ((double)fan_in * (double)fan_out > 1e8) {
      gsl_rng_free(r);
      return cmd_usage_error(cmd, "a %lu x %lu matrix is more than 1e8 entries", fan_out, fan_in);
    }
    double *u = malloc(fan_in * fan_out * sizeof *u);
    if (!u) { gsl_rng_free(r); cmd_error("out of memory for a %lu x %lu matrix", fan_out, fan_in); return ILAB_EXIT_RUNTIME; }
    char num[32];
    st = ILAB_OK;
    for (unsigned long k = 0; k < count && !ferror(stdout); k++) {
      if ((st = ilab_linalg_unit_matrix(r, &d, fan_in, fan_out, u))) break;
      for (size_t i = 0; i < fan_out; i++)
        for (size_t j = 0; j < fan_in; j++) {
          ilab_table_format(ilab_fp_round(prec, d.scale * u[j * fan_out + i]), num);
          fputs(num, stdout);
          putchar(j + 1 < fan_in ? '\t' : '\n');
        }
      putchar('\n');
    }
    free(u);
    gsl_rng_free(r);
    if (st) { cmd_error("%s", ilab_error_reason()); return ILAB_EXIT_RUNTIME; }
    return cmd_close_stdout(ILAB_EXIT_OK);
  }
  /* Draw in chunks so any COUNT prints in constant memory. */
  enum { CHUNK = 65536 };
  double *buf = malloc(CHUNK * sizeof *buf);
  if (!buf) { gsl_rng_free(r); cmd_error("out of memory"); return ILAB_EXIT_RUNTIME; }
  if (hist) {
    st = write_hist(r, &d, prec, buf, CHUNK, count, hlo, hhi, hbins, seed, cmdline);
    free(buf);
    gsl_rng_free(r);
    return st ? st : cmd_close_stdout(ILAB_EXIT_OK);
  }
  char num[32];
  for (unsigned long done = 0; done < count;) {
    size_t k = count - done < CHUNK ? count - done : CHUNK;
    ilab_dist_sample(r, &d, buf, k);
    for (size_t i = 0; i < k; i++) {
      ilab_table_format(ilab_fp_round(prec, buf[i]), num);
      fputs(num, stdout);
      putchar('\n');
    }
    done += k;
    if (ferror(stdout)) break;
  }
  free(buf);
  gsl_rng_free(r);
  return cmd_close_stdout(ILAB_EXIT_OK);
}
