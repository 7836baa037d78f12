/* The tables of a run: layers.tsv, summary.tsv, claims.tsv, hist.tsv,
 * rates.tsv and, with 'spectrum = yes', spectrum.tsv and spectrum_values.tsv,
 * written from finished sweeps or streamed one unit (cell of a point) at a
 * time, each with the run's provenance, and committed all or none. */
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

/* The sweeps of a run, one per point of the experiment (width x depth x
 * sigma_b2 x input x batch, config.h), each over its activations and
 * schemes: sw[k] ran point k when run[k] is set.  seed is the run's, before
 * each shape keys its own. */
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
 * ln_histogram, rates.tsv (rates.h), one block of rows per (act, scheme,
 * point) in that order, each row ending with the point's width, depth,
 * sigma_b2 (but in rates.tsv, which has it already), input and batch; and commits them all or
 * none (ilab_table_commit_all, with stop as there).  *failed_claims counts
 * the claims that failed (claims of cells not run are left out).  ILAB_EIO,
 * ILAB_ENOMEM or ILAB_EINTR with a reason, ILAB_EINVAL if no point ran; the
 * earlier files are then left as they were. */
int ilab_report_write(const char *dir, const ilab_report_runs *runs, const ilab_report_command *cmd,
                      volatile sig_atomic_t *stop, int *failed_claims);

/* The same tables written as units arrive, so that a sweep of many cells
 * need not hold them all: open, then one call per unit in the tables' order
 * (cell ascending, then point), then close, which commits all or none, or
 * abort.  The rows of summary.tsv wait in a scratch file in dir (unlinked
 * at once) behind the comments that need every cell. */
typedef struct ilab_report_stream ilab_report_stream;

/* Opens the tables cfg asks for in dir (spectrum: spectrum.tsv too), each
 * with the provenance of cmd, seed and the generator's name.  ILAB_EIO,
 * ILAB_ENOMEM with a reason. */
int ilab_report_stream_open(ilab_report_stream **r, const char *dir, const ilab_config *cfg,
                            const ilab_report_command *cmd, unsigned long seed, const char *generator, int spectrum);

/* Writes the rows of cell (act * n_schemes + scheme of cfg) of point k,
 * whose results are cell sc of s, a sweep of point k's view (possibly of
 * fewer activations and schemes) with its theory filled; judges the claims
 * about that unit.  ILAB_EINVAL for a unit out of order, ILAB_ENOMEM. */
int ilab_report_stream_unit(ilab_report_stream *r, size_t cell, size_t k, const ilab_sweep *s, size_t sc);

/* Adds a sweep's largest quadrature error and count of cells the theory
 * failed for to summary.tsv's comment (call once per sweep that fed units). */
void ilab_report_stream_theory(ilab_report_stream *r, double abserr, size_t failed);

/* Writes what waited (summary.tsv, claims.tsv; spectrum.tsv and
 * spectrum_values.tsv from spectra, the one sweep of a spectrum run, or
 * NULL) and commits every table all or none (ilab_table_commit_all with
 * stop); *failed_claims counts the failed claims.  Frees r in every case. */
int ilab_report_stream_close(ilab_report_stream *r, const ilab_sweep *spectra, volatile sig_atomic_t *stop,
                             int *failed_claims);

/* Drops every table (the earlier files stay as they were) and frees r;
 * NULL is a no-op. */
void ilab_report_stream_abort(ilab_report_stream *r);

#endif
