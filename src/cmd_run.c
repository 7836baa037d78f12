/* initlab run: read an experiment file, run its sweep, write layers.tsv and
 * summary.tsv under the output folder. */
#include "cmd.h"
#include "config.h"
#include "ilab.h"
#include "platform.h"
#include "report.h"
#include "shard.h"
#include "sweep.h"
#include "train.h"
#ifdef ILAB_MPI
#include "cmd_mpi.h"
#endif

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const cmd = "run";

static void help(void)
{
  printf(
      "Usage: initlab run EXPERIMENT.cfg [options]\n\n"
      "Builds the networks an experiment file names (activation x scheme x trial),\n"
      "draws their weights, runs a forward pass on random inputs and a backward\n"
      "pass from a random output gradient, and writes per-layer statistics.\n\n"
      "Options:\n"
      "  -o, --output DIR     folder for the tables [results/NAME, NAME the file's stem]\n"
      "  -s, --seed S         seed; overrides the file's 'seed' [file, else GSL_RNG_SEED, else 42]\n"
      "  -j, --threads N      worker threads; the tables do not depend on N [all cores]\n"
      "      --precision P    double, single, half or bfloat16; overrides the file's\n"
      "                       'precision' [file, else double] (see Precision below)\n"
      "      --loss-scale S   the output gradient is S G; overrides 'loss_scale' [1]\n"
      "      --only KEY=VAL   run only the cells with act=NAME, scheme=SPEC, width=N,\n"
      "                       depth=N, sigma_b2=V, input=SPEC or batch=N; repeat to\n"
      "                       select more; rows equal those of the full run\n"
      "      --cross-check    recompute every mean and variance with gsl_stats_* and\n"
      "                       report the largest relative difference\n"
      "      --max-memory B   refuse a run needing more than B bytes (K, M, G suffixes)\n"
      "                       [3/4 of physical memory]\n"
      "      --shard K/N      run only the K-th of N shares of the cells and write them\n"
      "                       to DIR as a shard for 'initlab merge' (see below)\n"
      "      --chunk-memory B the results held at once: cells run in chunks of\n"
      "                       schemes whose per-trial results fit B (K, M, G\n"
      "                       suffixes), and their tables are written one cell at a\n"
      "                       time; the tables do not depend on B [64M]\n"
      "      --max-cells N    refuse a file that expands to more than N cells, before\n"
      "                       any work; a cell is one (activation, scheme, width, depth)\n"
      "                       and runs 'trials' networks; counted over the whole file,\n"
      "                       --only aside; with --shard K/N, N times as many, a share\n"
      "                       being about 1/N of them [100000]\n"
      "      --no-rescale     compute every cell on its own.  By default the cells of a\n"
      "                       linear, relu or leaky_relu network without bias whose\n"
      "                       schemes share a family (the same unit draws, W_l =\n"
      "                       s_l U_l) come from ONE pass per trial: H_l(s) =\n"
      "                       (prod_{k<=l} s_k/r_k) H_l(r), dL/dX_l(s) = (prod_{k>l}\n"
      "                       s_k/r'_k) dL/dX_l(r), so means scale by that factor and\n"
      "                       variances by its square; a cell whose entries would\n"
      "                       leave [2^-478, 2^480] (overflow, underflow) is run on\n"
      "                       its own.  Rows agree to rounding either way.  Double\n"
      "                       precision only: the other precisions run every cell.\n"
      "  -q, --quiet          no progress on stderr\n"
      "  -h, --help           this help\n\n");
  /* a literal of its own: one would pass the 4095 characters C99 promises */
  printf(
      "Experiment file: 'key = value' lines, '#' comments; the opening comment states\n"
      "the question.  Keys: activations (linear tanh relu leaky_relu[:slope=A] sigmoid\n"
      "selu), schemes (see 'initlab list'), depth and width (square layers) or widths\n"
      "(n_0 .. n_L), batch (1: statistics over units only), trials [1] (or one count\n"
      "per width), seed, sigma_b2 (bias variance) [0], input (law of the input\n"
      "entries, a scheme spec) [normal:std=1]; width, depth, sigma_b2, input and batch\n"
      "may each be a list, swept like activations and schemes: cells = act x scheme x\n"
      "width x depth x sigma_b2 x input x batch, each point of the last five a sweep\n"
      "of its own on streams keyed by (seed, width, depth), so that points of one\n"
      "shape share their weights' and inputs' unit draws; histograms (layers) and\n"
      "hist_bins [100], layers_table (yes or no: write layers.tsv) [yes],\n"
      "ln_histogram (bins of lnhist.tsv) [none], spectrum (yes: the Jacobian's\n"
      "singular values, square layers, one width and depth) [no], spectrum_layers\n"
      "(layers whose every singular value is written), rates = A..B (layers of\n"
      "rates.tsv) [1..depth], precision [double], loss_scale [1],\n"
      "claim (see the README), input_width (n_0 under a 'width' list) [the width],\n"
      "and the training keys below.\n\n"
      "Lists: blank-separated; a line ending in '\\' continues on the next line.  A\n"
      "number in a list of numbers (width, widths, depth, trials, batch, sigma_b2,\n"
      "histograms, spectrum_layers, record) may be a range: LO:HI:STEP (LO,\n"
      "LO+STEP, ... up to HI; decimals stepped exactly: 0.1:0.3:0.1 is 0.1 0.2 0.3) or\n"
      "LO:HI:xF (LO, LO F, LO F^2, ... up to HI; 16:4096:x2 is 16 32 ... 4096).\n"
      "STEP > 0, F > 1, LO <= HI.  In an activation, scheme or input spec, {ITEMS}\n"
      "(numbers or ranges, comma-separated) expands to one spec per value, written\n"
      "as the shortest decimal: normal:std={0.5:2:0.5} is normal:std=0.5\n"
      "normal:std=1 normal:std=1.5 normal:std=2.\n\n");
  printf(
      "Precision: single runs every product in binary32 (sgemm), phi and phi' are\n"
      "rounded to binary32.  half (binary16: normal from 2^-14 = 6.1e-5, subnormal\n"
      "down to 2^-24 = 6.0e-8, largest 65504) and bfloat16 (binary32's range, 8\n"
      "significant bits) emulate mixed precision: W_l = round(scale * unit), the\n"
      "input, the output gradient S G, every product (accumulated in binary32) and\n"
      "phi(H), G phi'(H) are rounded to the format, to nearest even.  The unit\n"
      "draws are the double ones, so every precision sees the same numbers.\n"
      "Statistics are accumulated in double; gradient variances are divided by S^2.\n"
      "The spectrum (spectrum = yes) is computed in double whatever the precision.\n\n");
  /* two literals: one would pass the 4095 characters C99 promises to support */
  printf(
      "Output (tab-separated, '#' provenance lines, numbers %%.17g):\n"
      "  DIR/layers.tsv   one row per (act, scheme, trial, layer): fan_in fan_out w_var\n"
      "                   (target Var(W_l)), h_mean h_var (H_l = X_{l-1} W_l + b_l),\n"
      "                   x_mean x_var x_sq (X_l = phi(H_l), x_sq = E[X_l^2]), gx_var\n"
      "                   gh_var gw_var (Var of dL/dX_l, dL/dH_l, dL/dW_l with dW the\n"
      "                   batch mean), zero_frac, sat_frac, nonfinite (inf/NaN in H_l),\n"
      "                   g_nonfinite (inf/NaN in dL/dX_l), lsuv_scale lsuv_iters (for\n"
      "                   an lsuv scheme the factor it put on the base's W_l and its\n"
      "                   rescalings; nan otherwise), h_under h_over g_under\n"
      "                   g_over: the fraction of H_l and of dL/dX_l (as\n"
      "                   stored, S times the gradient) below the format's smallest\n"
      "                   normal (zero or subnormal: underflowed), and the count of\n"
      "                   their +-inf entries (overflowed, here or upstream).\n"
      "  DIR/summary.tsv  one row per (act, scheme, layer): the mean over trials of\n"
      "                   h_var x_sq gx_var gw_var with a 95%% t interval (_lo, _hi),\n"
      "                   the mean-field prediction of each (_theory, for the exact\n"
      "                   widths, Var(W_l), sigma_b2 and input) and measured/theory\n"
      "                   (_ratio).  See 'initlab theory --help' for the recursion.\n"
      "                   Also, over the trials whose value is > 0 (ln_trials), the\n"
      "                   mean and variance of ln x_sq (= ln M_l, M_l = |x_l|^2/n_l, at\n"
      "                   batch 1) and of ln h_var, one input's finite-width theory\n"
      "                   of each (_mean_theory at batch 1 only; _var_theory bounds the\n"
      "                   variance from above at batch > 1, where a batch mean\n"
      "                   fluctuates less), the variance's standard error over n\n"
      "                   trials from the theory's fourth cumulant (_var_se), z-scores\n"
      "                   (mean - theory)/sqrt(var_theory/n) and (var - var_theory)/\n"
      "                   var_se, and dead_theory,\n"
      "                   the probability that a relu network has died by layer l;\n"
      "                   h_under g_under (means over trials) and h_over g_over\n"
      "                   (sums over trials) as in layers.tsv.\n"
      "  DIR/lnhist.tsv   with ln_histogram = BINS: per cell, the histogram of ln x_sq\n"
      "                   at the last layer over trials, beside the log-normal density\n"
      "                   from the theory and the normal fitted to the trials.\n"
      "Every row ends with the cell's width (0 for a 'widths' list), depth, sigma_b2,\n"
      "input and batch.\n");
  /* in two parts: ISO C caps a string literal at 4095 characters */
  printf(
      "  DIR/spectrum.tsv with 'spectrum = yes': one row per (act, scheme, layer), the\n"
      "                   columns of 'initlab spectrum' (see its --help) for the same\n"
      "                   networks (each trial's weights), at an input on the fixed point,\n"
      "                   and sq_var_ratio = sq_var / sq_var_theory.\n"
      "  DIR/spectrum_values.tsv  every singular value at the spectrum_layers:\n"
      "                   act scheme trial layer k sv sq.\n"
      "  DIR/claims.tsv   when the file states claims: each one's verdict.  A claim\n"
      "                   'claim = ACT SCHEME EXPR ~ CENTER at ALPHA', EXPR one of\n"
      "                   Q[A], Q[A] / Q2[B], rate Q[A..B] = (Q[B]/Q[A])^(1/(B-A)),\n"
      "                   is a two-sided t test of ln EXPR over the trials (T >= 3)\n"
      "                   against ln CENTER at false-alarm probability ALPHA, with\n"
      "                   mean field's E[Q] turned into E[ln Q] by the trials' own\n"
      "                   log-variances; CENTER 'theory' is EXPR's mean-field value\n"
      "                   (free probability's for the sq_* quantities of spectrum.tsv;\n"
      "                   none for lsuv_scale and lsuv_iters).\n"
      "                   Columns: measured (exp of the mean of ln EXPR), the\n"
      "                   interval lo hi, verdict, alpha, trial_sd (of ln EXPR),\n"
      "                   sens (d ln EXPR / d ln Var(W) by mean field) and detects\n"
      "                   (the smallest relative error in Var(W) that moves the\n"
      "                   prediction out of [lo, hi]; inf for a 'theory' centre).\n"
      "                   The older 'in [LO, HI]', '< X', '> X' and 'all Q[A..B]'\n"
      "                   forms state no false-alarm probability.\n"
      "  DIR/rates.tsv    one row per (act, scheme, point): over the layers A..B of the\n"
      "                   key 'rates = A..B' [1..depth], the per-layer rates\n"
      "                   (v[B]/v[A])^(1/(B-A)) of h_var and gx_var from the means over\n"
      "                   trials (_min, _max over the trials), chi1_measured =\n"
      "                   1/gx_var_rate and chi1_theory at sigma_w2 = fan_in w_var\n"
      "                   and sigma_b2.\n"
      "  DIR/train.tsv, DIR/train_layers.tsv, DIR/train_claims.tsv: with 'train = ...'\n"
      "                   (see below).\n"
      "Moments skip non-finite entries; the counts say how many there were.\n"
      "Read with gnuplot ('set datafile separator tab') or pandas\n"
      "(read_csv(path, sep='\\t', comment='#')).\n");
}

/* The training keys, in a literal of their own (ISO C's 4095 characters). */
static void help_train(void)
{
  printf(
      "\nTraining: with 'train = ...' every network of the sweep is then trained\n"
      "from its step-0 weights (layers.tsv's), and its loss and statistics recorded.\n"
      "  train = sgd:lr=ETA,steps=N[,momentum=MU]   v <- MU v + g, theta -= ETA v [MU 0]\n"
      "          adam:lr=ETA,steps=N[,beta1=,beta2=,eps=]   (Kingma & Ba 2015)\n"
      "          [0.9, 0.999, 1e-8]\n"
      "          [,lr_over_depth=yes]   ETA divided by the number of weight matrices\n"
      "  task = teacher:depth=D,width=W,act=A,out=K[,readout=no]   [2, 64, tanh, 1]\n"
      "          targets t = teacher(x) on the same input law: D layers of width W with\n"
      "          Var = gain^2/fan_in, then a linear layer to K outputs (Var 1/fan_in),\n"
      "          its weights from their own keyed streams.  The student's output is\n"
      "          y = out_mult X_L V (V: n_L x K, Var 1/n_L), or y = X_L with readout=no;\n"
      "          loss L = sum (y - t)^2 / (2 B K) over the batch.\n"
      "  parametrization = standard | mup[:base_width=N,out_mult=A]   [standard; 64, 1]\n"
      "          muP by Yang et al. 2022 (Tensor Programs V), Table 3, with widths\n"
      "          relative to base_width (m = n/base_width), equal to standard at N:\n"
      "                             init Var   SGD lr   Adam lr\n"
      "          input W_1, biases   x 1        x m      x 1\n"
      "          hidden W_l          x 1        x 1      x 1/m\n"
      "          read-out V          x 1/m      x 1/m    x 1/m\n"
      "          (Yang & Hu 2021's muP for SGD).  input_width = N fixes n_0 while\n"
      "          'width' sweeps the hidden widths.\n"
      "  record = S1 S2 ...   steps whose per-layer statistics are written, each a\n"
      "                       number or a range (0:100:10, 1:1000:x10), at most 256\n"
      "                       [0 and last]\n"
      "  data = fresh | fixed   a new batch each step (step 0's is the sweep's input),\n"
      "          or step 0's batch at every step [fresh]\n"
      "  train_claim = ACT SCHEME [width=W] [depth=D] loss[S] / loss[S0] OP at ALPHA\n"
      "  train_claim = ACT SCHEME [depth=D] slope x_abs[LAYER|out] step S OP at ALPHA\n"
      "          OP: '< C', '> C' or 'in [LO, HI]'.  A t test over trials of ln ratio,\n"
      "          or the least-squares slope of ln mean|X| in ln width (gsl_fit_linear,\n"
      "          over widths x trials); the claim fails when its one-sided (1 - ALPHA)\n"
      "          bounds lie wholly outside what it states.\n"
      "  DIR/train.tsv        act scheme width depth trial step loss grad_norm (|g|_2\n"
      "                       over every parameter), steps 0..N.\n"
      "  DIR/train_layers.tsv at the recorded steps, per layer (L + 1 is y): the\n"
      "                       columns of layers.tsv and x_abs = mean |X_l|; step 0's\n"
      "                       forward columns equal layers.tsv's.\n"
      "  DIR/train_claims.tsv the train_claim verdicts, columns as claims.tsv.\n\n");
}

/* The environment, shards and exit statuses, last. */
static void help_tail(void)
{
  printf(
      "MPI: 'mpirun -np P initlab-mpi run FILE ...' ('make mpi') writes the same\n"
      "tables (and shards): rank 0 hands the cells out to the other P - 1 ranks,\n"
      "costliest first, each rank running --threads threads [its host's cores / the\n"
      "job's ranks on it].\n\n"
      "Environment: GSL_RNG_TYPE names the generator [mt19937], GSL_RNG_SEED the\n"
      "default seed.\n\n"
      "Shards: with --shard K/N the cells (activation x scheme x shape, each with all\n"
      "its trials) are split over N shards by the longest-processing-time rule on\n"
      "their cost, trials x batch x sum_l n_{l-1} n_l, the same split on every\n"
      "machine; shard K runs its cells on the same keyed streams as a whole run and\n"
      "writes DIR/units.bin (raw per-trial statistics and histograms),\n"
      "DIR/experiment.cfg and, last, DIR/manifest.tsv (file, hash, seed, generator,\n"
      "K/N).  'initlab merge -o OUT DIR...' then writes the tables of the whole run.\n"
      "A shard that failed is run again alone.  Not with --only or 'spectrum = yes'.\n\n"
      "Exit status: 0 success, 1 runtime failure or a failed claim, 2 usage or\n"
      "input error.\n");
}

static volatile sig_atomic_t stop_signal;

/* The results one cell of shape view v holds in memory: its per-trial
 * statistics and histograms. */
static size_t chunk_cell_bytes(const ilab_config *v)
{
  return v->trials * v->depth * sizeof(ilab_layer_stats) +
         v->n_hist * 3 * (2 * sizeof(double) + (v->hist_bins + 2) * sizeof(unsigned long long));
}

/* The chunks of shape view v whose results stay within bytes: every
 * activation (the sweep sizes its networks' buffers by the first, so a
 * chunk keeps the shape's first activation first and its numbers are the
 * whole shape's) with as many schemes as fit, at least one. */
static void chunk_size(const ilab_config *v, size_t bytes, size_t *acts, size_t *schemes)
{
  size_t per = v->n_acts * chunk_cell_bytes(v), m = per ? bytes / per : v->n_schemes;
  *acts = v->n_acts;
  *schemes = m < 1 ? 1 : m > v->n_schemes ? v->n_schemes : m;
}

static void on_signal(int sig) { stop_signal = sig; }

/* Point k's seed: with several shapes (width x depth), each draws from
 * streams keyed by its width and depth too, so that shapes are independent
 * and a point's tables do not depend on which others run; the points of one
 * shape (sigma_b2, input, batch) share its streams: common random numbers,
 * as the schemes of a sweep share them. */
static unsigned long shape_seed(const ilab_config *c, size_t k, unsigned long base)
{
  size_t wd, dp, nshapes = c->n_widths ? c->n_widths * (c->n_depths ? c->n_depths : 1) : 1;
  ilab_config_shape_of(c, k, &wd, &dp);
  return nshapes > 1 ? ilab_stream_seed(base, wd, dp, ILAB_STREAM_SHAPE) : base;
}

#ifdef ILAB_MPI
/* Where build/initlab-mpi's rank 0 puts the units the other ranks send: as
 * the loop over chunks below puts its own. */
typedef struct {
  ilab_shard_writer *w;
  FILE *spill;
  uint64_t *offset;
  unsigned char *ready;
  ilab_shard_reporter *rep;
  const ilab_shard_units *in;
  const char *outdir;
} mpi_sink;

static int mpi_deliver(void *ctx, const ilab_sweep *s, size_t n, const size_t *u, const size_t *sc)
{
  mpi_sink *k = ctx;
  if (k->spill && fseeko(k->spill, 0, SEEK_END) != 0)
    return ilab_error(ILAB_EIO, "cannot seek in a scratch file in %s: %s", k->outdir, strerror(errno));
  for (size_t i = 0; i < n; i++) {
    uint64_t at = ilab_shard_put(k->w, s, u[i], sc[i]);
    if (k->offset) k->offset[u[i]] = at, k->ready[u[i]] = 1;
  }
  if (k->rep && (fflush(k->spill) != 0 || ferror(k->spill)))
    return ilab_error(ILAB_EIO, "writing a scratch file in %s failed: %s", k->outdir, strerror(errno));
  return k->rep ? ilab_shard_report_drain(k->rep, k->in, k->ready, &stop_signal) : ILAB_OK;
}
#endif

int ilab_cmd_run(int argc, char **argv)
{
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'}, {"seed", required_argument, NULL, 's'},
      {"threads", required_argument, NULL, 'j'}, {"only", required_argument, NULL, 1},
      {"cross-check", no_argument, NULL, 2}, {"max-memory", required_argument, NULL, 3},
      {"shard", required_argument, NULL, 4}, {"chunk-memory", required_argument, NULL, 5},
      {"precision", required_argument, NULL, 6}, {"loss-scale", required_argument, NULL, 7},
      {"max-cells", required_argument, NULL, 8},
      {"no-rescale", no_argument, NULL, 9},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  const char *precision = NULL, *loss_scale = NULL;
  const char *outdir = NULL;
  unsigned long seed = 0, threads = 0;
  int has_seed = 0, has_threads = 0, check = 0, quiet = 0, no_rescale = 0, c;
  size_t max_memory = cmd_default_max_memory();
  unsigned long max_cells = 100000;
  size_t chunk_bytes = (size_t)64 << 20; /* results held at once: 64 MiB */
  const char *only[64];
  int n_only = 0;
  unsigned long shard_k = 0, shard_n = 0;
  threads = (unsigned long)ilab_platform_cores();
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:s:j:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      if (!*optarg) return cmd_usage_error(cmd, "--output: the folder name is empty");
      outdir = optarg;
      break;
    case 's':
      if (cmd_parse_ulong(cmd, "--seed", optarg, 0, 0xffffffffUL, &seed)) return ILAB_EXIT_USAGE;
      has_seed = 1;
      break;
    case 'j':
      if (cmd_parse_ulong(cmd, "--threads", optarg, 1, ILAB_MAX_THREADS, &threads)) return ILAB_EXIT_USAGE;
      has_threads = 1;
      break;
    case 1:
      if (n_only == 64) return cmd_usage_error(cmd, "too many --only options");
      if (strncmp(optarg, "act=", 4) && strncmp(optarg, "scheme=", 7) && !ilab_config_is_point_key(optarg))
        return cmd_usage_error(cmd, "--only takes act=NAME, scheme=SPEC, width=N, depth=N, sigma_b2=V, input=SPEC "
                                    "or batch=N, not '%s'", optarg);
      only[n_only++] = optarg;
      break;
    case 2: check = 1; break;
    case 3:
      if (cmd_parse_bytes(optarg, &max_memory))
        return cmd_usage_error(cmd, "--max-memory: '%s' is not a positive size like 8G or 500M", optarg);
      break;
    case 4: {
      char *slash = strchr(optarg, '/');
      if (!slash) return cmd_usage_error(cmd, "--shard takes K/N (shard K of N, 1 <= K <= N), not '%s'", optarg);
      *slash = 0;
      int bad = cmd_parse_ulong(cmd, "--shard (its K)", optarg, 1, 1000000, &shard_k) ||
                cmd_parse_ulong(cmd, "--shard (its N)", slash + 1, 1, 1000000, &shard_n);
      *slash = '/';
      if (bad) return ILAB_EXIT_USAGE;
      if (shard_k > shard_n) return cmd_usage_error(cmd, "--shard %s: K is beyond N", optarg);
      break;
    }
    case 5:
      if (cmd_parse_bytes(optarg, &chunk_bytes))
        return cmd_usage_error(cmd, "--chunk-memory: '%s' is not a positive size like 64M", optarg);
      break;
    case 6: precision = optarg; break;
    case 7: loss_scale = optarg; break;
    case 8:
      if (cmd_parse_ulong(cmd, "--max-cells", optarg, 1, ULONG_MAX, &max_cells)) return ILAB_EXIT_USAGE;
      break;
    case 9: no_rescale = 1; break;
    case 'q': quiet = 1; break;
    case 'h': help(); help_train(); help_tail(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (optind >= argc) return cmd_usage_error(cmd, "missing the experiment file");
  if (argc - optind > 1) return cmd_usage_error(cmd, "one experiment file at a time; unexpected '%s'", argv[optind + 1]);
  const char *file = argv[optind];
  if (shard_n && n_only) return cmd_usage_error(cmd, "--shard and --only do not go together: a shard is a share of every cell");

  ilab_config cfg;
  int st = ilab_config_read(file, &cfg);
  if (st) {
    cmd_error("%s", ilab_error_reason());
    return st == ILAB_EIO || st == ILAB_EPARSE ? ILAB_EXIT_USAGE : ILAB_EXIT_RUNTIME;
  }
  ilab_train_spec tspec;
  int training = 0;
  static ilab_train_claim tclaims[ILAB_MAX_TRAIN_CLAIMS];
  if (ilab_train_spec_from_config(&cfg, &tspec, &training) || ilab_train_claims_from_config(&cfg, &tspec, tclaims)) {
    cmd_error("%s", ilab_error_reason());
    ilab_config_free(&cfg);
    return ILAB_EXIT_USAGE;
  }
  if (training && shard_n) {
    ilab_config_free(&cfg);
    return cmd_usage_error(cmd, "--shard: the training runs ('train = ...') cannot be run in shards; run the file whole");
  }
  if (precision && ilab_fp_parse(precision, &cfg.precision)) {
    ilab_config_free(&cfg);
    return cmd_usage_error(cmd, "--precision: '%s' is not double, single, half or bfloat16", precision);
  }
  if (loss_scale) {
    char *e;
    errno = 0;
    double v = strtod(loss_scale, &e);
    if (e == loss_scale || *e || errno == ERANGE || !isfinite(v) || !(v > 0)) {
      ilab_config_free(&cfg);
      return cmd_usage_error(cmd, "--loss-scale: '%s' is not a finite number > 0", loss_scale);
    }
    cfg.loss_scale = v;
  }
  if (training && (cfg.precision != ILAB_PREC_DOUBLE || cfg.loss_scale != 1)) {
    ilab_config_free(&cfg);
    return cmd_usage_error(cmd, "the training runs ('train = ...') compute in double, without loss scaling: "
                                "drop precision and loss_scale from %s", file);
  }
  size_t n_cells = ilab_config_n_cells(&cfg);
  if ((double)n_cells > (double)max_cells * (double)(shard_n ? shard_n : 1)) {
    char count[32], shards[48] = "";
    if (n_cells == SIZE_MAX) snprintf(count, sizeof count, "more than %zu", (size_t)SIZE_MAX - 1);
    else snprintf(count, sizeof count, "%zu", n_cells);
    if (shard_n) snprintf(shards, sizeof shards, " x %lu shards", shard_n);
    cmd_usage_error(cmd, "%s expands to %s cells (%zu activations x %zu schemes x %zu points of width, depth, "
                    "sigma_b2, input and batch), more than --max-cells %lu%s; narrow its lists or raise --max-cells",
                    file, count, cfg.n_acts, cfg.n_schemes, ilab_config_n_points(&cfg), max_cells, shards);
    ilab_config_free(&cfg);
    return ILAB_EXIT_USAGE;
  }
  int status = ILAB_EXIT_RUNTIME;
  const size_t nsh = ilab_config_n_points(&cfg), ncells = cfg.n_acts * cfg.n_schemes, nu = ncells * nsh;
  ilab_train_sweep *tsw = NULL;
  ilab_config *tviews = NULL;
  unsigned char *want = calloc(nu, 1), *run = calloc(nsh, 1), *sel = NULL, *chunk_sel = NULL;
  double *cost = NULL;
  size_t *owner = NULL;
  uint64_t *offset = NULL;
  unsigned char *ready = NULL;
  ilab_shard_reporter *rep = NULL;
  ilab_config *view = malloc(sizeof *view), *chunk = malloc(sizeof *chunk);
  int have_view = 0;
  FILE *spill = NULL;
  ilab_shard_writer w;
  memset(&w, 0, sizeof w);
  ilab_sweep sw;
  memset(&sw, 0, sizeof sw);
  char dirbuf[4096];
  if (!want || !run || !view || !chunk) { cmd_error("out of memory"); goto out; }

  /* the seed: --seed, else the file's, else GSL_RNG_SEED, else 42 */
  unsigned long base_seed = has_seed ? seed : cfg.has_seed ? cfg.seed : cmd_default_seed();
  const gsl_rng_type *rng_type = gsl_rng_mt19937;
  if ((status = cmd_rng_type(&rng_type))) goto out;
  status = ILAB_EXIT_RUNTIME;
  /* the units to run (cell x shape, shard.h): --only's act= and scheme=
   * select cells, the other keys points; --shard K/N the K-th share by
   * cost */
  if (n_only) {
    sel = calloc(ncells, 1);
    if (!sel) { cmd_error("out of memory"); goto out; }
    if (ilab_config_select(&cfg, only, (size_t)n_only, sel) ||
        ilab_config_select_points(&cfg, only, (size_t)n_only, run)) {
      status = cmd_usage_error(cmd, "--only %s", ilab_error_reason());
      goto out;
    }
  } else {
    memset(run, 1, nsh);
  }
  if (shard_n) {
    if (cfg.spectrum) {
      cmd_error("%s: 'spectrum = yes' cannot be run in shards; run it whole", file);
      status = ILAB_EXIT_USAGE;
      goto out;
    }
    cost = malloc(nu * sizeof *cost);
    owner = malloc(nu * sizeof *owner);
    if (!cost || !owner) { cmd_error("out of memory"); goto out; }
    if (ilab_shard_costs(&cfg, cost) || ilab_shard_assign(cost, nu, shard_n, owner)) {
      cmd_error("%s", ilab_error_reason());
      goto out;
    }
  }
  size_t n_want = 0;
  for (size_t u = 0; u < nu; u++) {
    size_t cell = u / nsh, k = u % nsh;
    want[u] = run[k] && (!sel || sel[cell]) && (!owner || owner[u] == shard_k - 1);
    n_want += want[u];
  }

  /* Shape by shape, each in chunks of schemes (with every activation) whose
   * results fit chunk_bytes, so that memory holds one chunk whatever the
   * number of cells; keyed streams make a chunk's numbers those of the
   * whole shape.  After each chunk the cells complete in the tables' order
   * are written.  A spectrum run keeps its one shape whole. */
  size_t need = 0, wmax = 0, dmax = 0, train_need = 0;
  for (size_t k = 0; k < nsh; k++) {
    if (!run[k]) continue;
    if (ilab_config_point(&cfg, k, view)) { cmd_error("%s", ilab_error_reason()); goto out; }
    size_t per = chunk_cell_bytes(view), ca = cfg.n_acts, cs = cfg.n_schemes;
    if (!cfg.spectrum) chunk_size(view, chunk_bytes, &ca, &cs);
    size_t b = ilab_sweep_bytes(view, (int)threads), all = ncells * per;
    b = b - (b > all ? all : b) + ca * cs * per;
    if (b > need) need = b;
    for (size_t l = 0; l <= view->depth; l++) if (view->widths[l] > wmax) wmax = view->widths[l];
    if (view->depth > dmax) dmax = view->depth;
    /* one point's training runs at a time, after every sweep */
    size_t tb = training ? ilab_train_bytes(view, &tspec, (int)threads) : 0;
    if (tb > train_need) train_need = tb;
    ilab_config_point_free(view);
  }
  need = need > SIZE_MAX - train_need ? SIZE_MAX : need + train_need;
  if (need > max_memory) {
    cmd_error("%s: this run needs about %.3g GB of memory (%zu layers, widths up to %zu, batch %zu, %d threads), "
              "more than the limit of %.3g GB; lower width, depth, batch, trials or --threads, or raise --max-memory",
              file, (double)need / 1e9, dmax, wmax, cfg.batch, (int)threads, (double)max_memory / 1e9);
    status = ILAB_EXIT_RUNTIME;
    goto out;
  }

  if (!outdir) outdir = cmd_default_outdir(file, dirbuf, sizeof dirbuf);
  if (cmd_output_folder(outdir)) goto out;

  cmd_catch_signals(on_signal);

  size_t theory_failed = 0;
  double check_max = 0;
  int failed_claims = 0;
  ilab_report_command rc = {argc, argv};
  if (cfg.spectrum) {
    /* one shape (the parser refuses lists), its spectra beside its cells */
    if ((st = ilab_config_point(&cfg, 0, view))) { cmd_error("%s", ilab_error_reason()); goto out; }
    have_view = 1;
    sw.seed = base_seed;
    sw.rng_type = rng_type;
    sw.threads = (int)threads;
    sw.cross_check = check;
    sw.no_rescale = no_rescale;
    sw.stop = &stop_signal;
    if ((st = ilab_sweep_alloc(&sw, view))) { cmd_error("%s", ilab_error_reason()); goto out; }
    sw.run_cell = sel;
#ifdef ILAB_MPI
    /* build/initlab-mpi under mpirun: the other ranks compute the cells */
    if (cmd_mpi_size() > 1) st = cmd_mpi_run_whole(&cfg, &sw, has_threads, quiet);
    else
#else
    (void)has_threads; /* for the MPI build's other ranks */
#endif
    {
      size_t cells = 0;
      for (size_t i = 0; i < ncells; i++) cells += !sel || sel[i];
      cmd_progress *pr = quiet ? NULL : cmd_progress_start("initlab run", &sw.done, cells * view->trials);
      st = ilab_sweep_run(&sw);
      cmd_progress_stop(pr);
      if (!st) st = ilab_sweep_theory(&sw);
      if (!st) st = ilab_sweep_spectra(&sw);
    }
    if (st) { cmd_error("%s", ilab_error_reason()); goto out; }
    theory_failed = sw.theory_failed;
    check_max = sw.check_max;
    ilab_report_runs runs = {&cfg, 1, &sw, run, base_seed};
    if ((st = ilab_report_write(outdir, &runs, &rc, &stop_signal, &failed_claims))) {
      cmd_error("%s", ilab_error_reason());
      goto out;
    }
  } else {
    /* the units' raw results go to the shard's units.bin, or to a scratch
     * file from which the tables are written in their order */
    if (shard_n) {
      if ((st = ilab_shard_begin(&w, outdir, n_want))) { cmd_error("%s", ilab_error_reason()); goto out; }
    } else {
      char path[4200];
      snprintf(path, sizeof path, "%s/.initlab-units.XXXXXX", outdir);
      int fd = mkstemp(path);
      if (fd >= 0) unlink(path);
      if (fd < 0 || !(spill = fdopen(fd, "w+"))) {
        cmd_error("cannot create a scratch file in %s: %s", outdir, strerror(errno));
        if (fd >= 0) close(fd);
        goto out;
      }
      ilab_shard_spill(&w, spill);
      offset = malloc(nu * sizeof *offset);
      ready = calloc(nu, 1);
      if (!offset || !ready) { cmd_error("out of memory"); goto out; }
      if ((st = ilab_shard_report_open(&rep, outdir, &cfg, &rc, base_seed, rng_type))) {
        cmd_error("%s", ilab_error_reason());
        goto out;
      }
    }
    const char *name = "the run's scratch file";
    ilab_shard_units in = {&spill, &name, NULL, offset, want};
    chunk_sel = malloc(ncells);
    if (!chunk_sel) { cmd_error("out of memory"); goto out; }
#ifdef ILAB_MPI
    if (cmd_mpi_size() > 1) {
      /* build/initlab-mpi under mpirun: the other ranks compute the units */
      unsigned long *seeds = malloc(nsh * sizeof *seeds);
      if (!seeds) { cmd_error("out of memory"); goto out; }
      for (size_t k = 0; k < nsh; k++) seeds[k] = shape_seed(&cfg, k, base_seed);
      mpi_sink sink = {&w, spill, offset, ready, rep, &in, outdir};
      cmd_mpi_work mw = {&cfg, nsh, want, seeds, rng_type, (int)threads, has_threads, check, quiet,
                         &stop_signal, mpi_deliver, &sink, no_rescale};
      double abserr = 0;
      size_t failed = 0;
      st = cmd_mpi_run(&mw, &check_max, &abserr, &failed);
      free(seeds);
      if (st) { cmd_error("%s", ilab_error_reason()); goto out; }
    } else
#endif
    for (size_t k = 0; k < nsh; k++) {
      if (!run[k]) continue;
      size_t wd, dp, ns = cfg.n_schemes, na = cfg.n_acts;
      ilab_config_shape_of(&cfg, k, &wd, &dp);
      if ((st = ilab_config_point(&cfg, k, view))) { cmd_error("%s", ilab_error_reason()); goto out; }
      have_view = 1;
      size_t ca, cs;
      chunk_size(view, chunk_bytes, &ca, &cs);
      for (size_t a0 = 0; a0 < na; a0 += ca)
      for (size_t s0 = 0; s0 < ns; s0 += cs) {
        size_t mm = cs < ns - s0 ? cs : ns - s0, cells = 0;
        for (size_t a = 0; a < ca; a++)
          for (size_t j = 0; j < mm; j++) {
            chunk_sel[a * mm + j] = want[((a0 + a) * ns + s0 + j) * nsh + k];
            cells += chunk_sel[a * mm + j];
          }
        if (!cells) continue;
        /* the chunk's lists are windows on the view's (the file's), never copies */
        *chunk = *view;
        chunk->acts = view->acts + a0;
        chunk->act_names = view->act_names + a0;
        chunk->n_acts = ca;
        chunk->schemes = view->schemes + s0;
        chunk->n_schemes = mm;
        memset(&sw, 0, sizeof sw);
        sw.seed = shape_seed(&cfg, k, base_seed);
        sw.rng_type = rng_type;
        sw.threads = (int)threads;
        sw.cross_check = check;
        sw.no_rescale = no_rescale;
        sw.stop = &stop_signal;
        if ((st = ilab_sweep_alloc(&sw, chunk))) { cmd_error("%s", ilab_error_reason()); goto out; }
        sw.run_cell = chunk_sel;
        char label[160] = "initlab run";
        if (nsh > 1) {
          ilab_point pt;
          ilab_config_point_of(&cfg, k, &pt);
          snprintf(label, sizeof label, "initlab run: point %zu of %zu (width %zu depth %zu sigma_b2 %g batch %zu)",
                   k + 1, nsh, wd, dp, pt.sigma_b2, pt.batch);
        }
        cmd_progress *pr = quiet ? NULL : cmd_progress_start(label, &sw.done, cells * view->trials);
        st = ilab_sweep_run(&sw);
        cmd_progress_stop(pr);
        if (st) { cmd_error("%s", ilab_error_reason()); goto out; }
        /* appended at the end, after the reads of the last drain */
        if (spill && fseeko(spill, 0, SEEK_END) != 0) {
          cmd_error("cannot seek in a scratch file in %s: %s", outdir, strerror(errno));
          goto out;
        }
        for (size_t a = 0; a < ca; a++)
          for (size_t j = 0; j < mm; j++) {
            if (!chunk_sel[a * mm + j]) continue;
            size_t u = ((a0 + a) * ns + s0 + j) * nsh + k;
            uint64_t at = ilab_shard_put(&w, &sw, u, a * mm + j);
            if (offset) offset[u] = at, ready[u] = 1;
          }
        if (sw.check_max > check_max) check_max = sw.check_max;
        ilab_sweep_free(&sw);
        /* the rows of every cell now complete in the tables' order go out */
        if (rep && (fflush(spill) != 0 || ferror(spill))) {
          cmd_error("writing a scratch file in %s failed: %s", outdir, strerror(errno));
          goto out;
        }
        if (rep && (st = ilab_shard_report_drain(rep, &in, ready, &stop_signal))) {
          cmd_error("%s", ilab_error_reason());
          goto out;
        }
      }
      ilab_config_point_free(view);
      have_view = 0;
    }
    if (shard_n) {
      ilab_shard_manifest m;
      memset(&m, 0, sizeof m);
      snprintf(m.version, sizeof m.version, "%s", ILAB_VERSION);
      if (strlen(cfg.path) >= sizeof m.path) { cmd_error("%s: the file name is too long for a manifest", file); goto out; }
      strcpy(m.path, cfg.path);
      m.hash = ilab_shard_hash(cfg.text, strlen(cfg.text), ILAB_SHARD_HASH0);
      m.seed = base_seed;
      snprintf(m.generator, sizeof m.generator, "%s", rng_type->name);
      m.k = shard_k;
      m.n = shard_n;
      if ((st = ilab_shard_finish(&w, &cfg, &m, &stop_signal))) {
        cmd_error("%s", ilab_error_reason());
        goto out;
      }
      if (check)
        fprintf(stderr, "initlab run: cross-check: largest relative difference from gsl_stats_mean/variance: %.3g\n", check_max);
      if (!quiet) {
        double mine = 0, total = 0;
        for (size_t u = 0; u < nu; u++) {
          total += cost[u];
          if (owner[u] == shard_k - 1) mine += cost[u];
        }
        fprintf(stderr, "initlab run: wrote shard %lu/%lu (%zu of %zu cells, %.1f %% of the cost) to %s; "
                        "join the shards with 'initlab merge'\n",
                shard_k, shard_n, m.units, nu, total > 0 ? 100 * mine / total : 0.0, outdir);
        if (!m.units)
          fprintf(stderr, "initlab run: note: this shard holds no cell (%lu shards for %zu cells); merge still needs it\n",
                  shard_n, nu);
      }
      status = ILAB_EXIT_OK;
      goto out;
    }
    st = ilab_shard_report_close(rep, &stop_signal, &failed_claims, &theory_failed);
    rep = NULL;
    if (st) {
      cmd_error("%s", ilab_error_reason());
      goto out;
    }
  }
  int failed_train = 0;
  if (training) {
    /* the training runs, shape by shape, from the weights, inputs and
     * biases of the sweep's step 0 (the same keyed streams) */
    tsw = calloc(nsh, sizeof *tsw);
    tviews = calloc(nsh, sizeof *tviews);
    if (!tsw || !tviews) { cmd_error("out of memory"); goto out; }
    size_t cells = 0;
    for (size_t i = 0; i < ncells; i++) cells += !sel || sel[i];
    for (size_t k = 0; k < nsh; k++) {
      if (!run[k]) continue;
      size_t wd, dp;
      ilab_config_shape_of(&cfg, k, &wd, &dp);
      if ((st = ilab_config_point(&cfg, k, &tviews[k]))) { cmd_error("%s", ilab_error_reason()); goto out; }
      ilab_train_sweep *ts = &tsw[k];
      ts->cfg = &tviews[k];
      ts->spec = &tspec;
      ts->seed = shape_seed(&cfg, k, base_seed); /* the sweep's, so that step 0 is its network */
      ts->rng_type = rng_type;
      ts->threads = (int)threads;
      ts->run_cell = sel;
      ts->stop = &stop_signal;
      char label[112] = "initlab run: training";
      if (nsh > 1) snprintf(label, sizeof label, "initlab run: training, width %zu depth %zu", wd, dp);
      cmd_progress *pr = quiet ? NULL : cmd_progress_start(label, &ts->done, cells * tviews[k].trials);
      st = ilab_train_sweep_run(ts);
      cmd_progress_stop(pr);
      if (st) { cmd_error("%s", ilab_error_reason()); goto out; }
    }
    ilab_provenance pv = {"", argc, argv, 1, base_seed, rng_type->name, "  (tables do not depend on --threads)"};
    if ((st = ilab_train_write(outdir, tsw, nsh, run, &pv, &stop_signal)) ||
        (st = ilab_train_claims_write(outdir, tsw, nsh, run, tclaims, cfg.n_train_claims, &pv, &failed_train))) {
      cmd_error("%s", ilab_error_reason());
      goto out;
    }
  }
  if (theory_failed)
    fprintf(stderr, "initlab run: warning: the theory could not be computed for %zu cells (nan in summary.tsv)\n", theory_failed);
  if (!cfg.layers_table) {
    /* an older run's per-trial table would not match the new summary */
    char old[4200];
    snprintf(old, sizeof old, "%s/layers.tsv", outdir);
    if (unlink(old) != 0 && errno != ENOENT)
      fprintf(stderr, "initlab run: warning: cannot remove the older %s: %s\n", old, strerror(errno));
  }
  if (check)
    fprintf(stderr, "initlab run: cross-check: largest relative difference from gsl_stats_mean/variance: %.3g\n", check_max);
  if (!quiet)
    fprintf(stderr, "initlab run: wrote %s/%s%s%s%s%s%s%s%s\n", outdir, cfg.layers_table ? "layers.tsv, " : "",
            "summary.tsv", cfg.n_claims ? ", claims.tsv" : "", cfg.n_hist ? ", hist.tsv" : "",
            cfg.ln_hist_bins ? ", lnhist.tsv" : "", cfg.spectrum ? ", spectrum.tsv" : "",
            cfg.n_spec ? ", spectrum_values.tsv" : "", ", rates.tsv");
  if (!quiet && training)
    fprintf(stderr, "initlab run: wrote %s/train.tsv, train_layers.tsv%s\n", outdir, cfg.n_train_claims ? ", train_claims.tsv" : "");
  if (failed_train) {
    fprintf(stderr, "initlab run: %d of %zu training claims failed (see %s/train_claims.tsv)\n", failed_train,
            cfg.n_train_claims, outdir);
    status = ILAB_EXIT_RUNTIME;
    if (!failed_claims) goto out;
  }
  if (failed_claims) {
    fprintf(stderr, "initlab run: %d of %zu claims failed (see %s/claims.tsv)\n", failed_claims, cfg.n_claims, outdir);
    status = ILAB_EXIT_RUNTIME;
    goto out;
  }
  status = ILAB_EXIT_OK;
out:
  for (size_t k = 0; k < nsh; k++) {
    if (tsw && tsw[k].cfg) ilab_train_sweep_free(&tsw[k]);
    if (tviews && tviews[k].widths) ilab_config_point_free(&tviews[k]);
  }
  free(tsw);
  free(tviews);
  ilab_sweep_free(&sw);
  if (have_view) ilab_config_point_free(view);
  ilab_shard_abort(&w);
  if (spill) fclose(spill);
  free(view);
  free(chunk);
  free(want);
  free(run);
  free(sel);
  free(chunk_sel);
  free(cost);
  free(owner);
  free(offset);
  free(ready);
  ilab_shard_report_abort(rep);
  ilab_config_free(&cfg);
  if (stop_signal) {
    if (status == ILAB_EXIT_OK)
      fprintf(stderr, "initlab run: interrupted after the tables were written\n");
    else
      fprintf(stderr, "initlab run: interrupted; earlier result files were left as they were\n");
    /* die of the signal, as the caller expects; a process that survives it
     * (PID 1 of a container ignores it) returns its status */
    signal(stop_signal, SIG_DFL);
    raise(stop_signal);
  }
  return status;
}
