/* The MPI build's share of 'initlab run' (build/initlab-mpi): rank 0 hands
 * the cells of a run out to the other ranks and takes their results back
 * for the tables.  Only cmd_mpi.c includes mpi.h. */
#ifndef ILAB_CMD_MPI_H
#define ILAB_CMD_MPI_H

#include <signal.h>
#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "config.h"
#include "sweep.h"

/* The ranks of the job: 1 when the program was not started by mpirun. */
int cmd_mpi_size(void);

/* What rank 0's 'initlab run' asks of the other ranks: the units (unit
 * u = cell * n_shapes + k, shard.h) with want[u] set, shape k on streams
 * seeded by seed[k]; the generator, threads (and whether --threads was
 * given; else each rank takes its host's cores shared among the job's ranks
 * there), --cross-check, whether to show progress, rank 0's signal flag.
 * deliver(ctx, s, n, u, sc) takes n results as they come: unit u[i] is
 * cell sc[i] of sweep s (a sweep of the shape of those units, holding their
 * statistics and histograms and, with 'spectrum = yes', their theory and
 * spectra); it returns an ilab status (with a reason). */
typedef struct {
  const ilab_config *cfg;
  size_t n_shapes;
  const unsigned char *want;
  const unsigned long *seed;
  const gsl_rng_type *rng_type;
  int threads, threads_given, cross_check, quiet;
  volatile sig_atomic_t *stop;
  int (*deliver)(void *ctx, const ilab_sweep *s, size_t n, const size_t *u, const size_t *sc);
  void *ctx;
  int no_rescale;       /* the workers' ilab_sweep.no_rescale (run --no-rescale) */
} cmd_mpi_work;

/* On rank 0 of a job of several ranks: sends the experiment to the other
 * ranks, hands out the units (costliest first, to the next rank that asks,
 * in chunks of a shrinking share of those left, of one shape and one family
 * of unit draws), and delivers each result.  Raises *check_max; with
 * 'spectrum = yes', the largest quadrature error and the cells whose theory
 * failed go to *theory_abserr and *theory_failed.  Rank 0 computes nothing
 * itself.  On failure (a rank's error, reported with its rank and host, a
 * signal, or deliver's) it prints nothing, records the reason, returns the
 * status, and the job is aborted once rank 0 has cleaned up. */
int cmd_mpi_run(const cmd_mpi_work *w, double *check_max, double *theory_abserr, size_t *theory_failed);

/* The same for the one shape of experiment cfg, a 'spectrum = yes' run, into sweep s
 * (allocated by ilab_sweep_alloc, with its seed, generator, threads,
 * cross_check, stop and run_cell set): fills it as ilab_sweep_run,
 * ilab_sweep_theory and ilab_sweep_spectra would. */
int cmd_mpi_run_whole(const ilab_config *cfg, ilab_sweep *s, int threads_given, int quiet);

/* main.c's main, called by cmd_mpi.c's main on rank 0. */
int ilab_main(int argc, char **argv);

#endif
