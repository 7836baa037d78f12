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

/* Writes every table the experiment asks for into dir (which must exist):
 * layers.tsv and summary.tsv always, claims.tsv if it states claims,
 * hist.tsv if it asks for histograms, rates.tsv always (ilab_rates_write), and commits them all or none
 * (ilab_table_commit_all, with stop as there).  *failed_claims counts the
 * claims that failed (claims of cells not run are left out).  ILAB_EIO,
 * ILAB_ENOMEM or ILAB_EINTR with a reason; the earlier files are then left
 * as they were. */
int ilab_report_write(const char *dir, const ilab_sweep *s, const ilab_report_command *cmd,
                      volatile sig_atomic_t *stop, int *failed_claims);

#endif
