/* The tables of a run: layers.tsv, summary.tsv, claims.tsv, hist.tsv,
 * rates.tsv and, with 'spectrum = yes', spectrum.tsv and spectrum_values.tsv,
 * written from a finished sweep, each with the run's provenance, and
 * committed all or none. */
#ifndef ILAB_REPORT_H
#define ILAB_REPORT_H

#include <signal.h>
#include "sweep.h"

/* What the tables record of how they were made: the command (argv[0] the
 * subcommand's name); the seed and generator come from the sweep. */
typedef struct {
  int argc;
  char *const *argv;
} ilab_report_command;

/* The sweeps of a run, one per shape of the experiment (width x depth,
 * config.h), each over its activations and schemes: sw[k] ran shape k when
 * run[k] is set.  seed is the run's, before each shape keys its own. */
typedef struct {
  const ilab_config *cfg;
  size_t n;
  const ilab_sweep *sw;
  const unsigned char *run;
  unsigned long seed;
} ilab_report_runs;

/* Writes every table the experiment asks for into dir (which must exist):
 * layers.tsv unless layers_table = no, summary.tsv always, claims.tsv if it
 * states claims, hist.tsv if it asks for histograms, lnhist.tsv with
 * ln_histogram, rates.tsv for an experiment of one shape (ilab_rates_write),
 * one block of rows per (act, scheme, width, depth) in that
 * order, each row ending with the width and depth; and commits them all or
 * none (ilab_table_commit_all, with stop as there).  *failed_claims counts
 * the claims that failed (claims of cells not run are left out).  ILAB_EIO,
 * ILAB_ENOMEM or ILAB_EINTR with a reason, ILAB_EINVAL if no shape ran; the
 * earlier files are then left as they were. */
int ilab_report_write(const char *dir, const ilab_report_runs *runs, const ilab_report_command *cmd,
                      volatile sig_atomic_t *stop, int *failed_claims);

#endif
