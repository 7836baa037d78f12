/* initlab bench: the BLAS peak, the std-sweep against it, a scaling table,
 * memory, and the throughput of the moment checks, all in one process. */
#include "cmd.h"
#include "config.h"
#include "drawcheck.h"
#include "ilab.h"
#include "moments.h"
#include "platform.h"
#include "scheme.h"
#include "sweep.h"
#include "table.h"
#include "train.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static const char *const cmd = "bench";

static void help(void)
{
  printf("Usage: initlab bench [-o DIR] [--threads N] [--quick]\n\n"
         "Measures, in one process: the dgemm peak for the three product shapes of\n"
         "the workload (H = X W, dX = dH W^T, dW = X^T dH at batch 256, width 512)\n"
         "with one thread and with all; the std-sweep (linear, tanh, relu x 8\n"
         "schemes, depth 50, width 512, batch 256, one trial: 483 GFLOP counted as\n"
         "3 x 2 B n^2 L per cell), its wall time split into drawing, products and\n"
         "statistics, its GFLOP/s and the fraction of the all-cores peak, and the\n"
         "same for the work performed (a cell takes Var(dW) from the batch's two\n"
         "B x B Gram matrices, 2 B^2 n flops, not from dW's 2 B n^2); the same\n"
         "sweep with exact rescaling (linear and relu cells from one pass per\n"
         "family, see 'initlab run --help') against the product floor, its GFLOP at\n"
         "that peak; eight relu schemes of one family against one; 'initlab run' of\n"
         "the std-sweep as a whole process, tables written, direct and rescaled,\n"
         "and in single precision, in 5 rounds (3 with --quick) that each measure\n"
         "the peak again beside the three runs: the medians of the rounds' ratios\n"
         "are the results;\n"
         "each also in CPU seconds, against the one-thread peak per CPU second, which\n"
         "other work on the machine does not skew as it skews wall time; a scaling\n"
         "table of seconds per GFLOP; peak memory against the estimate; and the\n"
         "draws checked per second by 'initlab moments', and the MB per second\n"
         "'initlab check' reads and judges; and training steps per second of the\n"
         "he2015train network (30 ReLU layers; width 32, batch 32 and width 512,\n"
         "batch 256; one thread) against the one-thread dgemm peak of its product\n"
         "shape, a step counted as 3 products of 2 B n^2 flops a layer.\n\n"
         "  -o, --output DIR   where bench.tsv goes [results/bench]\n"
         "  -j, --threads N    threads [all cores]\n"
         "      --quick        a smaller scaling table, 3 rounds\n"
         "  -h, --help         this help\n");
}

/* CPU seconds of this process (user + system, every thread), and of its
 * children that have been waited for: on a machine shared with other work
 * they count the time this process ran, where wall time counts the waits
 * too, so ratios of CPU seconds stay meaningful under load. */
static double cpu_self(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
         1e-6 * (double)ru.ru_stime.tv_usec;
}

static double cpu_children(void)
{
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
         1e-6 * (double)ru.ru_stime.tv_usec;
}

/* dgemm GFLOP/s for C(m x n) = op(A) op(B) with inner dimension k, repeated
 * for at least min_s seconds; *per_cpu (if not NULL) gets GFLOP per CPU
 * second. */
static double gemm_rate(int ta, int tb, int m, int n, int k, double min_s, double *per_cpu)
{
  double *a = malloc((size_t)m * k * sizeof *a), *b = malloc((size_t)k * n * sizeof *b);
  double *c = malloc((size_t)m * n * sizeof *c);
  if (!a || !b || !c) { free(a); free(b); free(c); return NAN; }
  for (size_t i = 0; i < (size_t)m * k; i++) a[i] = 1e-3 * (double)(i % 97);
  for (size_t i = 0; i < (size_t)k * n; i++) b[i] = 1e-3 * (double)(i % 89);
  int lda = ta ? m : k, ldb = tb ? k : n;
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
              1.0, a, lda, b, ldb, 0.0, c, n); /* warm-up */
  double t0 = ilab_clock_now(), t, c0 = cpu_self();
  long reps = 0;
  do {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
                1.0, a, lda, b, ldb, 0.0, c, n);
    reps++;
  } while ((t = ilab_clock_now() - t0) < min_s);
  if (per_cpu) *per_cpu = 2.0 * m * n * k * (double)reps / (cpu_self() - c0) / 1e9;
  free(a); free(b); free(c);
  return 2.0 * m * n * k * (double)reps / t / 1e9;
}

/* Runs an experiment given as text; returns wall seconds (NaN on failure)
 * and fills s's timing.  *sw and *cfg are for the caller to free, whatever
 * happened. */
static double run_text(const char *text, const gsl_rng_type *type, int threads, int no_rescale, ilab_sweep *sw,
                       ilab_config *cfg)
{
  memset(sw, 0, sizeof *sw);
  if (ilab_config_parse("bench", text, strlen(text), cfg)) return NAN;
  sw->seed = 42;
  sw->rng_type = type;
  sw->threads = threads;
  sw->no_rescale = no_rescale;
  sw->timing = 1;
  if (ilab_sweep_alloc(sw, cfg)) return NAN;
  double t0 = ilab_clock_now();
  int st = ilab_sweep_run(sw);
  double t = ilab_clock_now() - t0;
  return st ? NAN : t;
}

/* Wall seconds of this binary run as a child, 'initlab run FILE -o DIR -q
 * --threads N' plus extra (NULL or one more option), or NaN if it failed. */
static double run_process(const char *file, const char *dir, int threads, const char *extra)
{
  char self[4096], nt[32];
  ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
  if (k <= 0) return NAN;
  self[k] = 0;
  snprintf(nt, sizeof nt, "%d", threads);
  fflush(stdout);
  double t0 = ilab_clock_now();
  pid_t pid = fork();
  if (pid < 0) return NAN;
  if (pid == 0) {
    char *args[] = {self, "run", (char *)file, "-o", (char *)dir, "-q", "--threads", nt, (char *)extra, NULL};
    execv(self, args);
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return NAN;
  return ilab_clock_now() - t0;
}

static double flops(const ilab_config *c)
{
  double f = 0;
  for (size_t l = 1; l <= c->depth; l++) f += 3 * 2.0 * (double)c->batch * (double)c->widths[l - 1] * (double)c->widths[l];
  return f * (double)(c->n_acts * c->n_schemes) * (double)c->trials;
}

static long peak_rss_bytes(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss * 1024L;
}

int ilab_cmd_bench(int argc, char **argv)
{
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {"threads", required_argument, NULL, 'j'},
                                       {"quick", no_argument, NULL, 1},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *outdir = "results/bench";
  unsigned long threads = (unsigned long)ilab_platform_cores();
  int quick = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': outdir = optarg; break;
    case 'j': if (cmd_parse_ulong(cmd, "--threads", optarg, 1, ILAB_MAX_THREADS, &threads)) return ILAB_EXIT_USAGE; break;
    case 1: quick = 1; break;
    case 'h': help(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (optind < argc) return cmd_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
  int nt = (int)threads;
  const gsl_rng_type *type;
  int st = cmd_rng_type(&type);
  if (st) return st;

  /* 1. the BLAS peak, three shapes, one thread and all */
  static const struct { const char *name; int ta, tb, m, n, k; } shapes[3] = {
      {"H = X W      (256x512 . 512x512)", 0, 0, 256, 512, 512},
      {"dX = dH W^T  (256x512 . 512x512^T)", 0, 1, 256, 512, 512},
      {"dW = X^T dH  (512x256 . 256x512)", 1, 0, 512, 512, 256}};
  double peak1[3], peakn[3], cpu1[3];
  char what[160];
  snprintf(what, sizeof what, "bench, %d threads; rates in GFLOP/s, times in seconds; BLAS kernels %s", nt,
           ilab_blas_core());
  ilab_provenance pv = {what, argc, argv, 1, 42, type->name, NULL};
  ilab_provenance_write(stdout, &pv);
  if (ilab_blas_core_choice())
    printf("# the BLAS kernels (%s) were chosen from the CPU's features in place of OpenBLAS's Prescott "
           "(platform.h)\n", ilab_blas_core());
  printf("\n## dgemm peak (GFLOP/s)\nshape\t1 thread\t%d threads\n", nt);
  for (int i = 0; i < 3; i++) {
    ilab_blas_set_threads(1);
    peak1[i] = gemm_rate(shapes[i].ta, shapes[i].tb, shapes[i].m, shapes[i].n, shapes[i].k, 1.0, &cpu1[i]);
    ilab_blas_set_threads(nt);
    peakn[i] = gemm_rate(shapes[i].ta, shapes[i].tb, shapes[i].m, shapes[i].n, shapes[i].k, 1.0, NULL);
    printf("%s\t%.1f\t%.1f\n", shapes[i].name, peak1[i], peakn[i]);
  }
  /* the sweep does equal work in each shape: its peak is their harmonic mean */
  double peak_all = 3 / (1 / peakn[0] + 1 / peakn[1] + 1 / peakn[2]);
  double peak_one = 3 / (1 / peak1[0] + 1 / peak1[1] + 1 / peak1[2]);
  /* per CPU second, one thread: what a core does when it runs, whatever
   * else shares the machine */
  double peak_cpu = 3 / (1 / cpu1[0] + 1 / cpu1[1] + 1 / cpu1[2]);
  printf("workload peak (harmonic mean)\t%.1f\t%.1f\n", peak_one, peak_all);
  printf("workload peak per CPU second, one thread\t%.1f\n", peak_cpu);
  fflush(stdout);

  /* 2. the std-sweep */
  const char *std_sweep =
      "activations = linear tanh relu\n"
      "schemes = normal:std=0.01 normal:std=1 glorot_uniform glorot_normal he_uniform he_normal "
      "lecun_uniform lecun_normal\n"
      "depth = 50\nwidth = 512\nbatch = 256\ntrials = 1\n";
  ilab_sweep sw;
  ilab_config cfg;
  double cpu0 = cpu_self();
  double wall = run_text(std_sweep, type, nt, 1, &sw, &cfg);
  double cpu_direct = cpu_self() - cpu0;
  if (!isfinite(wall)) {
    cmd_error("the std-sweep failed: %s", ilab_error_reason());
    ilab_sweep_free(&sw);
    ilab_config_free(&cfg);
    return ILAB_EXIT_RUNTIME;
  }
  /* gf: the products of 24 cells as the passes state them, 3 x 2 B n^2 L a
   * cell; gfp: those performed, where Var(dW) came from the Gram matrices
   * instead of dW's product (mlp.h, keep_dw) */
  double gf = flops(&cfg) / 1e9, gfp = sw.flops / 1e9, rate = gf / wall;
  double busy = 0;
  for (int k = 0; k < 5; k++) busy += sw.time[k];
  static const char *parts[5] = {"drawing weights and inputs", "forward products", "forward phi + statistics",
                                 "backward products", "backward phi' + statistics"};
  printf("\n## std-sweep: 24 cells, depth 50, width 512, batch 256, one trial\n");
  printf("wall\t%.3f s\nwork\t%.1f GFLOP\nrate\t%.1f GFLOP/s\nfraction of the all-cores workload peak\t%.3f\n"
         "CPU seconds\t%.3f\nGFLOP per CPU second, fraction of the one-thread peak's\t%.3f\n"
         "work performed (Var(dW) from Gram matrices)\t%.1f GFLOP\n"
         "rate of the work performed, fraction of the all-cores workload peak\t%.3f\n",
         wall, gf, rate, rate / peak_all, cpu_direct, gf / cpu_direct / peak_cpu, gfp, gfp / wall / peak_all);
  printf("part\tthread-seconds\tshare\twall-seconds (share x wall)\n");
  for (int k = 0; k < 5; k++)
    printf("%s\t%.3f\t%.3f\t%.3f\n", parts[k], sw.time[k], sw.time[k] / busy, sw.time[k] / busy * wall);
  size_t need = ilab_sweep_bytes(&cfg, nt);
  long rss = peak_rss_bytes();
  printf("peak resident memory\t%.1f MB\nestimate (weights + activations in flight)\t%.1f MB\nratio\t%.3f\n",
         (double)rss / 1e6, (double)need / 1e6, (double)rss / (double)need);
  double draw_share = sw.time[0] / busy, std_frac = rate / peak_all;
  ilab_sweep_free(&sw);
  ilab_config_free(&cfg);
  fflush(stdout);

  /* 2b. exact rescaling (rescale.h): the std-sweep again with its linear and
   * relu cells rescaled (8 tanh cells direct, 16 cells from 4 reference
   * passes) against the product floor, its GFLOP at the workload peak; eight
   * relu schemes of one family against one; and the std-sweep as a whole
   * process, 'initlab run' with its tables written, direct and rescaled */
  double floor_s = gf / peak_all, floor_cpu = gf / peak_cpu;
  cpu0 = cpu_self();
  double wall_rs = run_text(std_sweep, type, nt, 0, &sw, &cfg);
  double cpu_rs = cpu_self() - cpu0;
  size_t n_rs = sw.rescaled;
  ilab_sweep_free(&sw);
  ilab_config_free(&cfg);
  const char *fam8 =
      "activations = relu\nschemes = normal:std=0.01 normal:std=0.05 normal:std=0.1 normal:std=1 glorot_normal "
      "he_normal lecun_normal he_normal:gain=1.2\ndepth = 50\nwidth = 512\nbatch = 256\ntrials = 1\n";
  const char *fam1 = "activations = relu\nschemes = he_normal\ndepth = 50\nwidth = 512\nbatch = 256\ntrials = 1\n";
  double t8 = run_text(fam8, type, nt, 0, &sw, &cfg);
  ilab_sweep_free(&sw);
  ilab_config_free(&cfg);
  double t8d = run_text(fam8, type, nt, 1, &sw, &cfg);
  ilab_sweep_free(&sw);
  ilab_config_free(&cfg);
  double t1 = run_text(fam1, type, nt, 0, &sw, &cfg);
  ilab_sweep_free(&sw);
  ilab_config_free(&cfg);
  printf("\n## exact rescaling\nproduct floor (std-sweep GFLOP at the workload peak)\t%.3f s\t%.3f CPU s\n"
         "std-sweep rescaled (%zu of 24 cells rescaled)\t%.3f s\t%.3f of the floor\t%.3f CPU s\t%.3f of the CPU floor\n"
         "relu, 8 schemes of one family, rescaled\t%.3f s\t%.2f x one scheme\n"
         "relu, the same 8, direct\t%.3f s\t%.2f x one scheme\n"
         "relu, he_normal alone\t%.3f s\n",
         floor_s, floor_cpu, n_rs, wall_rs, wall_rs / floor_s, cpu_rs, cpu_rs / floor_cpu, t8, t8 / t1, t8d, t8d / t1, t1);
  fflush(stdout);
  /* the whole processes, in rounds: the workload peak again, then 'initlab
   * run' direct, rescaled and in single precision, so that each round's
   * ratios come from measurements side by side; their medians are the
   * results (a shared machine's load moves single runs by a fifth) */
  enum { MAX_ROUNDS = 5, NR = 8 };
  int rounds = quick ? 3 : MAX_ROUNDS;
  double rr[NR][MAX_ROUNDS];
  static const char *rname[NR] = {"workload peak, all cores (GFLOP/s)",
                                  "direct: fraction of the workload peak",
                                  "rescaled: fraction of the product floor",
                                  "single: x double's speed",
                                  "direct: CPU s, fraction of the one-thread peak per CPU second",
                                  "rescaled: CPU s, fraction of the CPU floor",
                                  "single: x double's speed in CPU seconds",
                                  "direct: work performed, fraction of the workload peak"};
  double run_d = NAN, run_r = NAN, run_s = NAN, crun_d = NAN, crun_r = NAN, crun_s = NAN;
  int ok_files = 0;
  char cfgpath[4200];
  if (cmd_make_dirs(outdir) == 0) {
    snprintf(cfgpath, sizeof cfgpath, "%s/std-sweep.cfg", outdir);
    FILE *f = fopen(cfgpath, "w");
    if (f) {
      ok_files = fprintf(f, "# the std-sweep of 'initlab bench'\n%s", std_sweep) > 0;
      ok_files &= fclose(f) == 0;
    }
  }
  printf("\n## 'initlab run' of the std-sweep as a whole process, tables written: %d rounds\nround", rounds);
  for (int k = 0; k < NR; k++) printf("\t%s", rname[k]);
  printf("\n");
  for (int q = 0; q < rounds && ok_files; q++) {
    char dir[4200];
    double pk[3];
    for (int i = 0; i < 3; i++) pk[i] = gemm_rate(shapes[i].ta, shapes[i].tb, shapes[i].m, shapes[i].n, shapes[i].k, 0.3, NULL);
    double peak_q = 3 / (1 / pk[0] + 1 / pk[1] + 1 / pk[2]), floor_q = gf / peak_q;
    snprintf(dir, sizeof dir, "%s/std-sweep-direct", outdir);
    double c0 = cpu_children();
    run_d = run_process(cfgpath, dir, nt, "--no-rescale");
    double c1 = cpu_children();
    snprintf(dir, sizeof dir, "%s/std-sweep", outdir);
    run_r = run_process(cfgpath, dir, nt, NULL);
    double c2 = cpu_children();
    /* the same in single precision: sgemm on binary32 copies */
    snprintf(dir, sizeof dir, "%s/std-sweep-single", outdir);
    run_s = run_process(cfgpath, dir, nt, "--precision=single");
    crun_d = c1 - c0;
    crun_r = c2 - c1;
    crun_s = cpu_children() - c2;
    double v[NR] = {peak_q, gf / run_d / peak_q, run_r / floor_q, run_d / run_s,
                    gf / crun_d / peak_cpu, crun_r / floor_cpu, crun_d / crun_s, gfp / run_d / peak_q};
    printf("%d", q + 1);
    for (int k = 0; k < NR; k++) {
      rr[k][q] = v[k];
      printf("\t%.3f", v[k]);
    }
    printf("\n");
    fflush(stdout);
  }
  double med[NR];
  for (int k = 0; k < NR; k++) {
    if (!ok_files) { med[k] = NAN; continue; }
    double tmp[MAX_ROUNDS];
    memcpy(tmp, rr[k], (size_t)rounds * sizeof *tmp);
    gsl_sort(tmp, 1, (size_t)rounds);
    med[k] = gsl_stats_median_from_sorted_data(tmp, 1, (size_t)rounds);
  }
  printf("median");
  for (int k = 0; k < NR; k++) printf("\t%.3f", med[k]);
  printf("\n");
  fflush(stdout);

  /* 3. scaling: seconds per GFLOP as depth, width and batch grow, from the
   * std-sweep's point, for two cells (relu/he_normal, tanh/glorot_normal) */
  printf("\n## scaling: two cells, one varied size at a time\nvaried\tdepth\twidth\tbatch\tGFLOP\tseconds\ts_per_GFLOP\n");
  static const size_t depths[] = {10, 25, 50, 100, 200}, widths[] = {128, 256, 512, 1024, 2048},
                      batches[] = {64, 128, 256, 512, 1024};
  typedef struct { const char *name; size_t d, w, b; } point;
  point pts[15];
  int npts = 0;
  for (int i = 0; i < 5; i++) if (!quick || i % 2 == 0) pts[npts++] = (point){"depth", depths[i], 512, 256};
  for (int i = 0; i < 5; i++) if (!quick || i % 2 == 0) pts[npts++] = (point){"width", 50, widths[i], 256};
  for (int i = 0; i < 5; i++) if (!quick || i % 2 == 0) pts[npts++] = (point){"batch", 50, 512, batches[i]};
  double spg[15];
  for (int i = 0; i < npts; i++) {
    char text[256];
    snprintf(text, sizeof text, "activations = relu tanh\nschemes = he_normal\ndepth = %zu\nwidth = %zu\nbatch = %zu\n",
             pts[i].d, pts[i].w, pts[i].b);
    double t = run_text(text, type, nt, 1, &sw, &cfg);
    double g = flops(&cfg) / 1e9;
    spg[i] = t / g;
    printf("%s\t%zu\t%zu\t%zu\t%.2f\t%.3f\t%.4f\n", pts[i].name, pts[i].d, pts[i].w, pts[i].b, g, t, spg[i]);
    ilab_sweep_free(&sw);
    ilab_config_free(&cfg);
    fflush(stdout);
  }

  /* 4. the moment checks' throughput: 'initlab moments' with its defaults
   * (every preset, fans (512, 256), n = 1e6), rows in parallel as there */
  size_t n = 1000000, rows = 0;
  ilab_drawcheck_row *mr = calloc(ilab_scheme_table_size, sizeof *mr);
  for (size_t i = 0; mr && i < ilab_scheme_table_size; i++) {
    if (!ilab_scheme_table[i].is_preset) continue;
    ilab_scheme_parse(ilab_scheme_table[i].spec, &mr[rows].s);
    ilab_scheme_resolve(&mr[rows].s, 512, 256, &mr[rows].d);
    mr[rows].fan_in = 512;
    mr[rows].fan_out = 256;
    rows++;
  }
  /* five repetitions (a table takes a fraction of a second, short enough for
   * a busy neighbour to skew one): the median and the range, of repetitions
   * that ran to the end only */
  double reps[5];
  int nrep = 0;
  if (!mr) ilab_error(ILAB_ENOMEM, "out of memory");
  for (; mr && nrep < 5; nrep++) {
    double t0 = ilab_clock_now();
    if (ilab_drawcheck_rows(mr, rows, n, type, 42, 1e-3 / (6.0 * (double)rows), nt)) break;
    reps[nrep] = ilab_clock_now() - t0;
  }
  free(mr);
  if (nrep < 5) {
    cmd_error("the moment checks failed: %s", ilab_error_reason());
    return cmd_close_stdout(ILAB_EXIT_RUNTIME);
  }
  for (int a = 0; a < 5; a++)
    for (int b = a + 1; b < 5; b++)
      if (reps[b] < reps[a]) { double x = reps[a]; reps[a] = reps[b]; reps[b] = x; }
  double tm = reps[2];
  double mrate = (double)(rows * n) / tm;
  printf("\n## moments: the default table, %zu presets x %zu draws, drawn, summed, binned and tested, 5 times\n"
         "seconds (median)\t%.3f\nseconds (fastest, slowest)\t%.3f\t%.3f\ndraws per second (median)\t%.3g\n",
         rows, n, tm, reps[0], reps[4], mrate);

  /* 5. initlab check on a float32 .npy of 2^23 values (32 MB) */
  double check_mbs = NAN, check_s = NAN;
  if (cmd_check_bench((size_t)1 << 23, &check_mbs, &check_s) == 0)
    printf("\n## check: a 32 MB float32 .npy (8192 x 1024) read, judged against he_normal and matched\n"
           "seconds\t%.3f\nMB per second\t%.1f\n", check_s, check_mbs);

  /* 6. training steps: the he2015train network (30 ReLU layers, width 32,
   * batch 32, a read-out to 4 outputs, SGD with momentum) and the same at
   * width 512, batch 256 (he2015's sweep), on one thread.  A step is a
   * forward and a backward pass, three products a layer, 6 B n_{l-1} n_l
   * flops, plus the read-out's three (6 B n_L K); its peak is the one-thread
   * dgemm rate for B x n times n x n. */
  static const size_t tw[2] = {32, 512}, tb[2] = {32, 256};
  double steps_s[2] = {NAN, NAN}, step_frac[2] = {NAN, NAN};
  ilab_blas_set_threads(1);
  printf("\n## training: the he2015train network (30 ReLU layers, SGD with momentum), one thread\n"
         "width\tbatch\tsteps per second\tGFLOP/s\tdgemm peak (B x n x n)\tfraction\n");
  for (int i = 0; i < 2; i++) {
    size_t L = 30, w[31];
    w[0] = tw[i] / 2; /* input_width 16 in the experiment; half the width here too */
    for (size_t l = 1; l <= L; l++) w[l] = tw[i];
    ilab_train_spec ts;
    ilab_train_spec_init(&ts);
    ilab_train_spec_parse(&ts, "train", "sgd:lr=0.01,steps=1000000,momentum=0.9");
    ilab_train_spec_parse(&ts, "task", "teacher:depth=0,out=4");
    ilab_train_spec_parse(&ts, "data", "fixed");
    ilab_act relu;
    ilab_scheme he, in;
    ilab_act_parse("relu", &relu);
    ilab_scheme_parse("he_normal", &he);
    ilab_scheme_parse("normal:std=1", &in);
    ilab_train_job job = {&ts, relu, &he, L, tb[i], w, &in, 0, 42, type, 0};
    ilab_trainer *tr;
    if (ilab_trainer_alloc(&tr, &job)) break;
    double loss, gn, fl = 0;
    for (size_t l = 1; l <= L; l++) fl += 6.0 * (double)tb[i] * (double)w[l - 1] * (double)w[l];
    fl += 6.0 * (double)tb[i] * (double)w[L] * 4;
    ilab_trainer_eval(tr, 0, 1, &loss, &gn, NULL); /* warm-up */
    ilab_trainer_update(tr);
    long k = 0;
    double t0 = ilab_clock_now(), el;
    do {
      ilab_trainer_eval(tr, 0, 1, &loss, &gn, NULL);
      ilab_trainer_update(tr);
      k++;
    } while ((el = ilab_clock_now() - t0) < 1.5);
    ilab_trainer_free(tr);
    double pk = gemm_rate(0, 0, (int)tb[i], (int)tw[i], (int)tw[i], 0.5, NULL);
    steps_s[i] = (double)k / el;
    step_frac[i] = steps_s[i] * fl / 1e9 / pk;
    printf("%zu\t%zu\t%.1f\t%.2f\t%.2f\t%.3f\n", tw[i], tb[i], steps_s[i], steps_s[i] * fl / 1e9, pk, step_frac[i]);
  }
  ilab_blas_set_threads(nt);

  /* bench.tsv: one row per measurement */
  char path[4200];
  if (cmd_make_dirs(outdir) != 0) {
    cmd_error("cannot create the output folder %s: %s", outdir, strerror(errno));
    return cmd_close_stdout(ILAB_EXIT_RUNTIME);
  }
  snprintf(path, sizeof path, "%s/bench.tsv", outdir);
  ilab_table t;
  if (ilab_table_open(&t, path)) { cmd_error("%s", ilab_error_reason()); return ILAB_EXIT_RUNTIME; }
  ilab_table_provenance(&t, &pv);
  ilab_table_header(&t, "measure value");
#define ROW(name, v) (ilab_table_str(&t, name), ilab_table_num(&t, v), ilab_table_end_row(&t))
  for (int i = 0; i < 3; i++) {
    char name[64];
    snprintf(name, sizeof name, "peak_1thread_shape%d", i + 1); ROW(name, peak1[i]);
    snprintf(name, sizeof name, "peak_allcores_shape%d", i + 1); ROW(name, peakn[i]);
  }
  ROW("peak_allcores_workload", peak_all);
  ROW("sweep_wall_s", wall);
  ROW("sweep_gflop", gf);
  ROW("sweep_gflop_performed", gfp);
  ROW("sweep_gflops", rate);
  ROW("sweep_fraction_of_peak", std_frac);
  ROW("sweep_draw_share", draw_share);
  ROW("product_floor_s", floor_s);
  ROW("sweep_rescaled_wall_s", wall_rs);
  ROW("sweep_rescaled_over_floor", wall_rs / floor_s);
  ROW("family8_rescaled_over_1", t8 / t1);
  ROW("family8_direct_over_1", t8d / t1);
  /* the whole processes: the last round's times, the rounds' median ratios */
  ROW("run_direct_wall_s", run_d);
  ROW("run_direct_fraction_of_peak", med[1]);
  ROW("run_direct_performed_fraction_of_peak", med[7]);
  ROW("run_rescaled_wall_s", run_r);
  ROW("run_rescaled_over_floor", med[2]);
  ROW("run_single_wall_s", run_s);
  ROW("run_single_speedup", med[3]);
  ROW("run_single_cpu_speedup", med[6]);
  ROW("peak_cpu_1thread_workload", peak_cpu);
  ROW("sweep_cpu_fraction_of_peak", gf / cpu_direct / peak_cpu);
  ROW("sweep_rescaled_cpu_over_floor", cpu_rs / floor_cpu);
  ROW("run_direct_cpu_fraction_of_peak", med[4]);
  ROW("run_rescaled_cpu_over_floor", med[5]);
  ROW("peak_rss_bytes", (double)rss);
  ROW("estimate_bytes", (double)need);
  for (int i = 0; i < npts; i++) {
    char name[64];
    snprintf(name, sizeof name, "s_per_gflop_%s_d%zu_w%zu_b%zu", pts[i].name, pts[i].d, pts[i].w, pts[i].b);
    ROW(name, spg[i]);
  }
  ROW("moments_draws_per_s", mrate);
  ROW("check_mb_per_s", check_mbs);
  ROW("train_steps_per_s_w32_b32", steps_s[0]);
  ROW("train_fraction_of_peak_w32_b32", step_frac[0]);
  ROW("train_steps_per_s_w512_b256", steps_s[1]);
  ROW("train_fraction_of_peak_w512_b256", step_frac[1]);
#undef ROW
  if (ilab_table_commit(&t)) { cmd_error("%s", ilab_error_reason()); return ILAB_EXIT_RUNTIME; }
  printf("\nwrote %s\n", path);
  return cmd_close_stdout(ILAB_EXIT_OK);
}
