/* The moment table's checks: draw each scheme's weights from its keyed
 * stream and test them against the scheme's exact law, rows in parallel. */
#ifndef ILAB_DRAWCHECK_H
#define ILAB_DRAWCHECK_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "dist.h"
#include "moments.h"
#include "scheme.h"

/* One row of the table: a scheme resolved for the fans (s and d, set by the
 * caller), and what checking its draws found. */
typedef struct {
  ilab_scheme s;
  ilab_dist d;
  size_t fan_in, fan_out;        /* a matrix ensemble (orthogonal, identity) draws
                                    whole fan_in x fan_out matrices, as a run does */
  ilab_moments_law law;          /* the exact law of d */
  ilab_moments_check_result res; /* the moments, z-scores, KS and chi^2 of the draws */
  int status;                    /* of the check */
  size_t bad;                    /* constants: draws that differ from the value */
  char reason[256];              /* when status is not ILAB_OK */
} ilab_drawcheck_row;

/* The tag of a row's stream: a hash of its spec (FNV-1a, 32 bits). */
unsigned long ilab_drawcheck_key(const ilab_scheme *s);

/* A matrix ensemble's row is checked against one entry's law (orthogonal)
 * or entry by entry against gain I (identity), from whole matrices.
 * Draws count values of each row's law from the row's own stream,
 * (seed, trial 0, layer 0, ilab_drawcheck_key(s)), so that rows are
 * independent samples, with a generator of the given type, and checks them with ilab_moments_check_w at level per_test each
 * (a constant: every draw must equal it).  Rows run in parallel on up to
 * threads threads (at most ILAB_MAX_THREADS), each with its own buffers.
 * ILAB_ENOMEM if memory for the draws ran out (rows then incomplete). */
int ilab_drawcheck_rows(ilab_drawcheck_row *rows, size_t nrows, size_t count,
                        const gsl_rng_type *type, unsigned long seed, double per_test, int threads);

#endif
