/* initlab merge: join the shard folders of one run into the tables a single
 * run writes. */
#include "cmd.h"
#include "config.h"
#include "ilab.h"
#include "report.h"
#include "shard.h"
#include "sweep.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const cmd = "merge";

static void help(void)
{
  printf(
      "Usage: initlab merge -o OUT DIR...\n\n"
      "Joins the shards of one run, folders written by 'initlab run FILE --shard K/N\n"
      "-o DIR' for K = 1..N, into the tables 'initlab run FILE -o OUT' writes:\n"
      "layers.tsv, summary.tsv, claims.tsv, hist.tsv, lnhist.tsv and rates.tsv as the\n"
      "file asks.  Their rows are byte-identical to a single run's whatever N, the\n"
      "thread counts or the order of the folders; the provenance lines differ in the\n"
      "command line only.  The theory is computed again here, as a run does.\n\n"
      "Options:\n"
      "  -o, --output OUT     folder for the tables (made if missing) [required]\n"
      "  -q, --quiet          no summary line on stderr\n"
      "  -h, --help           this help\n\n"
      "Checks, each failing with exit 1 and a message naming the folder: every\n"
      "folder holds a finished shard (DIR/manifest.tsv is written last); all are\n"
      "shards of the same experiment text (hash), seed, generator, initlab version\n"
      "and N; no shard appears twice; none of 1..N is missing; each DIR/units.bin\n"
      "has the size and hash its manifest records and holds exactly the cells the\n"
      "split gives its shard.  A shard that failed or is missing is run again\n"
      "alone with the command the message prints, then the merge is repeated.\n"
      "The tables are committed all or none, as 'initlab run' does.\n\n"
      "Exit status: 0 success, 1 a refused or failed merge or a failed claim,\n"
      "2 usage error.\n");
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

int ilab_cmd_merge(int argc, char **argv)
{
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *outdir = NULL;
  int quiet = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      if (!*optarg) return cmd_usage_error(cmd, "--output: the folder name is empty");
      outdir = optarg;
      break;
    case 'q': quiet = 1; break;
    case 'h': help(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(cmd);
    }
  }
  if (!outdir) return cmd_usage_error(cmd, "missing -o OUT, the folder for the merged tables");
  if (optind >= argc) return cmd_usage_error(cmd, "missing the shard folders");
  size_t nd = (size_t)(argc - optind);
  char *const *dirs = argv + optind;

  int status = ILAB_EXIT_RUNTIME, st;
  ilab_shard_manifest *m = calloc(nd, sizeof *m);
  char *text = NULL;
  size_t len = 0, nsh = 0;
  ilab_config cfg;
  int have_cfg = 0;
  size_t *by_k = NULL, *owner = NULL;
  double *cost = NULL;
  unsigned char *seen = NULL;
  ilab_shard_shape *shapes = NULL;
  uint64_t *offset = NULL;
  uint32_t *file_of = NULL;
  FILE **files = NULL;
  char **names = NULL;
  if (!m) { cmd_error("out of memory"); goto out; }

  /* the manifests: one experiment, seed, generator, version and N */
  for (size_t i = 0; i < nd; i++) {
    char *t = NULL;
    size_t tl;
    if (ilab_shard_read_manifest(dirs[i], &m[i], &t, &tl)) { cmd_error("%s", ilab_error_reason()); goto out; }
    if (i == 0) {
      text = t;
      len = tl;
      continue;
    }
    free(t);
    const char *what = m[i].hash != m[0].hash ? "another experiment file (its text differs)"
                       : m[i].seed != m[0].seed ? "another seed"
                       : strcmp(m[i].generator, m[0].generator) ? "another generator"
                       : strcmp(m[i].version, m[0].version) ? "another version of initlab"
                       : m[i].n != m[0].n ? "another number of shards"
                       : NULL;
    if (what) {
      cmd_error("%s is a shard of %s than %s (%s, hash %016llx, seed %lu, %s, initlab %s, shard %zu/%zu against %s, "
                "hash %016llx, seed %lu, %s, initlab %s, shard %zu/%zu)",
                dirs[i], what, dirs[0], m[i].path, (unsigned long long)m[i].hash, m[i].seed, m[i].generator,
                m[i].version, m[i].k, m[i].n, m[0].path, (unsigned long long)m[0].hash, m[0].seed, m[0].generator,
                m[0].version, m[0].k, m[0].n);
      goto out;
    }
  }
  size_t n = m[0].n;
  by_k = malloc(n * sizeof *by_k);
  if (!by_k) { cmd_error("out of memory"); goto out; }
  for (size_t k = 0; k < n; k++) by_k[k] = nd;
  for (size_t i = 0; i < nd; i++) {
    if (by_k[m[i].k - 1] < nd) {
      cmd_error("%s and %s are both shard %zu/%zu; give each shard once", dirs[by_k[m[i].k - 1]], dirs[i], m[i].k, n);
      goto out;
    }
    by_k[m[i].k - 1] = i;
  }
  for (size_t k = 0; k < n; k++)
    if (by_k[k] == nd) {
      size_t missing = 0;
      for (size_t j = 0; j < n; j++) missing += by_k[j] == nd;
      cmd_error("shard %zu/%zu is missing (%zu of %zu missing); run it with 'initlab run %s --shard %zu/%zu --seed %lu -o DIR' "
                "and merge again",
                k + 1, n, missing, n, m[0].path, k + 1, n, m[0].seed);
      goto out;
    }

  /* the experiment, as the shards ran it */
  if (ilab_config_parse(m[0].path, text, len, &cfg)) {
    cmd_error("the experiment of %s: %s", dirs[0], ilab_error_reason());
    goto out;
  }
  have_cfg = 1;
  const gsl_rng_type *rng_type;
  if (ilab_stream_type(m[0].generator, &rng_type)) { cmd_error("%s: %s", dirs[0], ilab_error_reason()); goto out; }
  nsh = ilab_config_n_points(&cfg);
  size_t nu = cfg.n_acts * cfg.n_schemes * nsh;
  shapes = malloc(nsh * sizeof *shapes);
  cost = malloc(nu * sizeof *cost);
  owner = malloc(nu * sizeof *owner);
  seen = calloc(nu, 1);
  offset = malloc(nu * sizeof *offset);
  file_of = malloc(nu * sizeof *file_of);
  files = calloc(nd, sizeof *files);
  names = calloc(nd, sizeof *names);
  if (!shapes || !cost || !owner || !seen || !offset || !file_of || !files || !names) { cmd_error("out of memory"); goto out; }
  if (ilab_shard_shapes(&cfg, shapes) || ilab_shard_costs(&cfg, cost) || ilab_shard_assign(cost, nu, n, owner)) {
    cmd_error("%s", ilab_error_reason());
    goto out;
  }
  /* each shard read through once: whole, its own cells, each once */
  size_t *count = calloc(n, sizeof *count);
  if (!count) { cmd_error("out of memory"); goto out; }
  for (size_t u = 0; u < nu; u++) {
    count[owner[u]]++;
    file_of[u] = (uint32_t)by_k[owner[u]];
  }
  for (size_t i = 0; i < nd; i++) {
    size_t expect = count[m[i].k - 1];
    if (m[i].units != expect) {
      free(count);
      cmd_error("%s: shard %zu/%zu holds %zu cells where the split of %s gives it %zu", dirs[i], m[i].k, n, m[i].units,
                m[0].path, expect);
      goto out;
    }
    if (ilab_shard_scan(dirs[i], &m[i], &cfg, shapes, owner, seen, offset)) {
      free(count);
      cmd_error("%s", ilab_error_reason());
      goto out;
    }
    size_t len_name = strlen(dirs[i]) + sizeof "/units.bin";
    if (!(names[i] = malloc(len_name))) { free(count); cmd_error("out of memory"); goto out; }
    snprintf(names[i], len_name, "%s/units.bin", dirs[i]);
    /* held open unless there are more shards than a process may open files */
    if (nd <= 256 && !(files[i] = fopen(names[i], "rb"))) {
      free(count);
      cmd_error("cannot open %s: %s", names[i], strerror(errno));
      goto out;
    }
  }
  free(count);
  for (size_t u = 0; u < nu; u++)
    if (!seen[u]) { /* not reached: every shard holds its count of its own cells, each once */
      cmd_error("cell %zu of %s is in no shard", u, m[0].path);
      goto out;
    }

  if (cmd_output_folder(outdir)) goto out;
  cmd_catch_signals(on_signal);
  ilab_report_command rc = {argc, argv};
  ilab_shard_units in = {files, (const char *const *)names, file_of, offset, seen};
  int failed_claims = 0;
  size_t theory_failed = 0;
  if ((st = ilab_shard_report(outdir, &cfg, &in, &rc, m[0].seed, rng_type, &stop_signal, &failed_claims, &theory_failed))) {
    cmd_error("%s", ilab_error_reason());
    goto out;
  }
  if (theory_failed)
    fprintf(stderr, "initlab merge: warning: the theory could not be computed for %zu cells (nan in summary.tsv)\n", theory_failed);
  if (!cfg.layers_table) {
    /* an older run's per-trial table would not match the new summary */
    char old[4200];
    snprintf(old, sizeof old, "%s/layers.tsv", outdir);
    if (unlink(old) != 0 && errno != ENOENT)
      fprintf(stderr, "initlab merge: warning: cannot remove the older %s: %s\n", old, strerror(errno));
  }
  if (!quiet)
    fprintf(stderr, "initlab merge: joined %zu shards (%zu cells) of %s into %s\n", n, nu, m[0].path, outdir);
  if (failed_claims) {
    fprintf(stderr, "initlab merge: %d of %zu claims failed (see %s/claims.tsv)\n", failed_claims, cfg.n_claims, outdir);
    goto out;
  }
  status = ILAB_EXIT_OK;
out:
  for (size_t i = 0; files && i < nd; i++)
    if (files[i]) fclose(files[i]);
  for (size_t i = 0; names && i < nd; i++) free(names[i]);
  free(files);
  free(names);
  free(shapes);
  free(cost);
  free(owner);
  free(seen);
  free(offset);
  free(file_of);
  free(by_k);
  free(text);
  free(m);
  if (have_cfg) ilab_config_free(&cfg);
  if (stop_signal) {
    fprintf(stderr, "initlab merge: interrupted%s\n", status == ILAB_EXIT_OK ? " after the tables were written" : "; earlier result files were left as they were");
    signal(stop_signal, SIG_DFL);
    raise(stop_signal);
  }
  return status;
}
