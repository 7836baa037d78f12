/* The deterministic split of a sweep into shards balanced by cost, and the
 * shard folder (manifest, experiment text, raw per-trial results) from which
 * the merge rebuilds a single run's tables. */
#ifndef ILAB_SHARD_H
#define ILAB_SHARD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "sweep.h"

/* A unit of work is one cell (act * n_schemes + scheme) of one shape k with
 * all its trials: the histogram bounds come from a cell's trial 0 and the
 * summary and claims need all its trials.  Unit u = cell * n_shapes + k,
 * the order in which the tables list their rows. */
static inline size_t ilab_shard_unit(size_t cell, size_t k, size_t n_shapes) { return cell * n_shapes + k; }

/* The cost of every unit of c into cost[n_cells * n_shapes]: trials x batch x
 * sum_l n_{l-1} n_l, the multiply-adds of one pass (forward and backward
 * cost a fixed multiple of it whatever the activation).  ILAB_ENOMEM. */
int ilab_shard_costs(const ilab_config *c, double *cost);

/* Splits n_units units over n shards, owner[u] in 0..n-1, by the longest
 * processing time rule (Graham 1969): units in decreasing cost (ties in
 * increasing index), each to the least loaded shard (ties to the lowest
 * index).  The largest load is at most 4/3 of the best possible.  A
 * function of cost and n alone, so every node computes the same split.
 * ILAB_EINVAL for n == 0, ILAB_ENOMEM. */
int ilab_shard_assign(const double *cost, size_t n_units, size_t n, size_t *owner);

/* FNV-1a, 64 bits, of n bytes continuing from h (start from
 * ILAB_SHARD_HASH0): the fingerprint of an experiment's text and of a
 * shard's data. */
#define ILAB_SHARD_HASH0 0xcbf29ce484222325ULL
uint64_t ilab_shard_hash(const void *p, size_t n, uint64_t h);

/* What a shard folder says of itself (DIR/manifest.tsv). */
typedef struct {
  char version[32];       /* initlab's, which made the numbers */
  char path[4096];        /* the experiment file as given to run */
  uint64_t hash;          /* of its text (DIR/experiment.cfg) */
  unsigned long seed;     /* the run's, before shapes key their own */
  char generator[64];     /* the gsl_rng type's name */
  size_t k, n;            /* shard k of n, 1 <= k <= n */
  size_t units;           /* units in DIR/units.bin */
  uint64_t data_bytes, data_hash; /* of DIR/units.bin */
} ilab_shard_manifest;

/* Writes shard m->k of m->n into dir (which must exist): units.bin, every
 * unit u with owner[u] == m->k - 1 in increasing u, from sw[k] (the sweep of
 * shape k) with each cell's per-trial statistics and histograms; then
 * experiment.cfg (c->text) and last manifest.tsv, each through a temporary
 * file renamed into place, so that a folder with a manifest holds a whole
 * shard.  Fills m->units, data_bytes, data_hash.  ILAB_EIO with a reason,
 * ILAB_EINTR if *stop (may be NULL) is set. */
int ilab_shard_write(const char *dir, const ilab_config *c, const ilab_sweep *sw, const size_t *owner,
                     ilab_shard_manifest *m, volatile sig_atomic_t *stop);

/* Reads dir/manifest.tsv into *m and dir/experiment.cfg into *text (NUL
 * terminated, *len bytes, the caller frees).  ILAB_EIO (no manifest: not a
 * shard, or one that did not finish), ILAB_EPARSE (a malformed manifest) or
 * ILAB_EINVAL (the text does not match the manifest's hash), each with a
 * reason naming the file. */
int ilab_shard_read_manifest(const char *dir, ilab_shard_manifest *m, char **text, size_t *len);

/* Loads dir/units.bin of the shard *m into the sweeps sw[0..n_shapes-1]
 * (allocated by ilab_sweep_alloc for the shapes of c): each unit's
 * statistics and histograms, seen[u] set.  Checks the file against the
 * manifest (size and hash: a truncated or altered file), the layout against
 * this build, and that each unit is the shard's by owner[] and not seen yet.
 * ILAB_EIO or ILAB_EINVAL with a reason naming the file. */
int ilab_shard_load(const char *dir, const ilab_shard_manifest *m, const ilab_config *c, ilab_sweep *sw,
                    const size_t *owner, unsigned char *seen);

#endif
