/* initlab sample: print draws of one scheme, one per line. */
#include "cmd.h"
#include "ilab.h"
#include "scheme.h"
#include "stream.h"
#include "table.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const cmd = "sample";

static void help(void)
{
  printf("Usage: initlab sample SCHEME --fan-in N --fan-out M [-n COUNT] [--seed S]\n\n"
         "Prints COUNT draws of the weights SCHEME gives a layer with these fans, one\n"
         "per line (%%.17g).  The draws are those of layer 1 of trial 0 in 'initlab run'\n"
         "with the same seed, fans and generator (GSL_RNG_TYPE [mt19937]), in\n"
         "row-major order (fan_in rows of fan_out).\n\n"
         "Options:\n"
         "      --fan-in N      inputs of the layer (required)\n"
         "      --fan-out M     outputs of the layer (required)\n"
         "  -n, --count COUNT   number of draws [10]\n"
         "  -s, --seed S        seed [GSL_RNG_SEED, else 42]\n"
         "      --pdf GRID      print the exact density instead: GRID lines 'x<TAB>pdf'\n"
         "                      over mean +- 4.5 sd (a uniform's support and 10%% more)\n"
         "  -h, --help          this help\n\n"
         "SCHEME is a spec such as he_normal or variance_scaling:scale=2,mode=fan_in;\n"
         "'initlab list' shows them all.  Exit status: 0 success, 1 runtime failure,\n"
         "2 usage error.\n");
}

int ilab_cmd_sample(int argc, char **argv)
{
  static const struct option opts[] = {
      {"fan-in", required_argument, NULL, 1}, {"fan-out", required_argument, NULL, 2},
      {"count", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
      {"pdf", required_argument, NULL, 3}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  unsigned long fan_in = 0, fan_out = 0, count = 10, seed = cmd_default_seed(), grid = 0;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "n:s:h", opts, NULL)) != -1) {
    switch (c) {
    case 1: if (cmd_parse_ulong(cmd, "--fan-in", optarg, 1, 100000000, &fan_in)) return ILAB_EXIT_USAGE; break;
    case 2: if (cmd_parse_ulong(cmd, "--fan-out", optarg, 1, 100000000, &fan_out)) return ILAB_EXIT_USAGE; break;
    case 'n': if (cmd_parse_ulong(cmd, "--count", optarg, 0, 1000000000, &count)) return ILAB_EXIT_USAGE; break;
    case 's': if (cmd_parse_ulong(cmd, "--seed", optarg, 0, 0xffffffffUL, &seed)) return ILAB_EXIT_USAGE; break;
    case 3: if (cmd_parse_ulong(cmd, "--pdf", optarg, 2, 1000000, &grid)) return ILAB_EXIT_USAGE; break;
    case 'h': help(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (optind >= argc) return cmd_usage_error(cmd, "missing the scheme");
  if (argc - optind > 1) return cmd_usage_error(cmd, "one scheme at a time; unexpected '%s'", argv[optind + 1]);
  if (!fan_in || !fan_out) return cmd_usage_error(cmd, "--fan-in and --fan-out are required");
  ilab_scheme s;
  if (ilab_scheme_parse(argv[optind], &s)) return cmd_usage_error(cmd, "%s", ilab_error_reason());
  ilab_dist d;
  if (ilab_scheme_resolve(&s, fan_in, fan_out, &d)) return cmd_usage_error(cmd, "%s", ilab_error_reason());
  if (grid) {
    /* the exact density on GRID points over mean +- 4.5 sd (the support, if
     * narrower), as "x<TAB>pdf" lines with a header */
    double m = ilab_dist_raw_moment(&d, 1), sd = sqrt(ilab_dist_central_moment(&d, 2));
    double lo = m - 4.5 * sd, hi = m + 4.5 * sd;
    if (d.kind == ILAB_DIST_UNIFORM) { lo = -d.scale * 1.1; hi = d.scale * 1.1; }
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
  /* Draw in chunks so any COUNT prints in constant memory. */
  enum { CHUNK = 65536 };
  double *buf = malloc(CHUNK * sizeof *buf);
  if (!buf) { gsl_rng_free(r); cmd_error("out of memory"); return ILAB_EXIT_RUNTIME; }
  char num[32];
  for (unsigned long done = 0; done < count;) {
    size_t k = count - done < CHUNK ? count - done : CHUNK;
    ilab_dist_sample(r, &d, buf, k);
    for (size_t i = 0; i < k; i++) {
      ilab_table_format(buf[i], num);
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
