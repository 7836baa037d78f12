/* The MPI build's share of 'initlab run' (build/initlab-mpi): rank 0 hands
 * the cells of a run out to the other ranks and gathers their results into
 * the sweeps that the report writes.  Only cmd_mpi.c includes mpi.h. */
#ifndef ILAB_CMD_MPI_H
#define ILAB_CMD_MPI_H

#include <stddef.h>
#include "config.h"
#include "sweep.h"

/* The ranks of the job: 1 when the program was not started by mpirun. */
int cmd_mpi_size(void);

/* What rank 0's 'initlab run' has set up: the experiment, its shapes (views,
 * each with its sweep allocated by ilab_sweep_alloc and its seed, generator,
 * threads, cross_check, stop and run_cell set), which shapes run, whether
 * --threads was given (else each rank takes its host's cores shared among
 * the ranks on that host), and whether to show progress. */
typedef struct {
  const ilab_config *cfg;
  size_t n_shapes;
  const ilab_config *views;
  ilab_sweep *sw;
  const unsigned char *run;
  int threads_given;
  int quiet;
} cmd_mpi_work;

/* On rank 0 of a job of several ranks: sends the experiment to the other
 * ranks, hands out units (one cell of one shape with all its trials,
 * costliest first, each to the next rank that asks), and copies each unit's
 * statistics, histograms, theory and spectra into w->sw as ilab_sweep_run,
 * ilab_sweep_theory and ilab_sweep_spectra would have written them; adds
 * the cells whose theory failed to *theory_failed and raises *check_max.
 * Rank 0 computes nothing itself.  On failure (a rank's error, reported
 * with its rank and host, or a signal) it prints nothing, records the
 * reason, returns the status, and the job is aborted once rank 0 has
 * cleaned up. */
int cmd_mpi_run(const cmd_mpi_work *w, size_t *theory_failed, double *check_max);

/* main.c's main, called by cmd_mpi.c's main on rank 0. */
int ilab_main(int argc, char **argv);

#endif
