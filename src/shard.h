/* The deterministic split of a sweep into shards balanced by cost, and the
 * shard folder (manifest, experiment text, raw per-trial results) from which
 * the merge rebuilds a single run's tables. */
#ifndef ILAB_SHARD_H
#define ILAB_SHARD_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "config.h"
#include "report.h"
#include "sweep.h"
#include "table.h"

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

/* A units file being written: DIR/units.bin of a shard, or a scratch file
 * of a run.  Layout: a head ("ILABSHRD", format 1, a byte-order mark, the
 * size of ilab_layer_stats, the count of units), then per unit its index
 * u, trials, depth, histogram layers and bins, its [trial][layer] records
 * as this build lays out ilab_layer_stats, and its histograms' lo, hi and
 * counts; all in the machine's own byte order. */
typedef struct {
  FILE *f;
  uint64_t hash, bytes;   /* of everything written so far */
  size_t units, written;  /* announced and written */
  const char *dir;
  ilab_table t[3];        /* units.bin, experiment.cfg, manifest.tsv */
} ilab_shard_writer;

/* Starts dir/units.bin (a temporary until ilab_shard_finish) for a shard
 * of the given count of units.  ILAB_EIO with a reason. */
int ilab_shard_begin(ilab_shard_writer *w, const char *dir, size_t units);

/* Starts a scratch units file on f (open for writing and reading), with no
 * head: a run's units wait there until the tables are written in order. */
void ilab_shard_spill(ilab_shard_writer *w, FILE *f);

/* Appends unit u, the results of cell sc of sweep s (of the unit's shape);
 * returns the offset of its record, for ilab_shard_get. */
uint64_t ilab_shard_put(ilab_shard_writer *w, const ilab_sweep *s, size_t u, size_t sc);

/* Ends a shard: checks that every announced unit was written, writes
 * experiment.cfg (c->text) and, last, manifest.tsv from *m (units,
 * data_bytes and data_hash filled here), and renames the three into place
 * all or none (ilab_table_commit_all with stop), so that a folder with a
 * manifest holds a whole shard.  ILAB_EIO, ILAB_EINVAL, ILAB_EINTR. */
int ilab_shard_finish(ilab_shard_writer *w, const ilab_config *c, ilab_shard_manifest *m, volatile sig_atomic_t *stop);

/* Drops a shard being written; the folder's earlier files stay as they were. */
void ilab_shard_abort(ilab_shard_writer *w);

/* Reads dir/manifest.tsv into *m and dir/experiment.cfg into *text (NUL
 * terminated, *len bytes, the caller frees).  ILAB_EIO (no manifest: not a
 * shard, or one that did not finish), ILAB_EPARSE (a malformed manifest) or
 * ILAB_EINVAL (the text does not match the manifest's hash), each with a
 * reason naming the file. */
int ilab_shard_read_manifest(const char *dir, ilab_shard_manifest *m, char **text, size_t *len);

/* The trials and depth of each shape of c, sh[0..n_shapes-1]: the size of
 * its units' records.  ILAB_ENOMEM. */
typedef struct {
  size_t trials, depth;
} ilab_shard_shape;
int ilab_shard_shapes(const ilab_config *c, ilab_shard_shape *sh);

/* Reads dir/units.bin of the shard *m through: checks it against the
 * manifest (size and hash: a file cut short or altered), its layout against
 * this build, and that each unit is the shard's by owner[] and not seen
 * yet; sets seen[u] and offset[u], where unit u's record starts.
 * ILAB_EIO or ILAB_EINVAL with a reason naming the file. */
int ilab_shard_scan(const char *dir, const ilab_shard_manifest *m, const ilab_config *c, const ilab_shard_shape *sh,
                    const size_t *owner, unsigned char *seen, uint64_t *offset);

/* Reads the record of unit u at offset of units file f (name, for
 * messages) into cell sc of s, a sweep of the unit's shape.  ILAB_EIO,
 * ILAB_EINVAL (the record is another unit's or another size). */
int ilab_shard_get(FILE *f, const char *name, uint64_t offset, size_t u, ilab_sweep *s, size_t sc);

/* Where a run's units lie: unit u (present[u] set) in units file
 * f[file[u]] (named name[file[u]]; file NULL: all in f[0]) at offset[u];
 * a NULL f[i] is opened by name for each unit it holds. */
typedef struct {
  FILE *const *f;
  const char *const *name;
  const uint32_t *file;
  const uint64_t *offset;
  const unsigned char *present;
} ilab_shard_units;

/* Writes the tables of c's run into dir (ilab_report_stream) from units
 * files, one unit at a time in the tables' order: each read into a sweep of
 * its cell alone, its theory computed as a run computes it, its rows written;
 * memory holds one unit, not the run.  Claims count into *failed_claims,
 * cells whose theory failed into *theory_failed.  ILAB_EIO, ILAB_ENOMEM,
 * ILAB_EINVAL, ILAB_EINTR with a reason; the earlier tables then stay. */
int ilab_shard_report(const char *dir, const ilab_config *c, const ilab_shard_units *in, const ilab_report_command *cmd,
                      unsigned long seed, const gsl_rng_type *rng_type, volatile sig_atomic_t *stop, int *failed_claims,
                      size_t *theory_failed);

/* The same in steps, for a run that writes its tables while it computes:
 * open; drain as units become ready (ready[u] set once unit u's record is
 * in its file; NULL: all are), each call writing, in the tables' order, the
 * units from the first not yet written up to the first present one not
 * ready; close, which writes what waited and commits all or none (and frees
 * the reporter in every case); or abort. */
typedef struct ilab_shard_reporter ilab_shard_reporter;
int ilab_shard_report_open(ilab_shard_reporter **rep, const char *dir, const ilab_config *c, const ilab_report_command *cmd,
                           unsigned long seed, const gsl_rng_type *rng_type);
int ilab_shard_report_drain(ilab_shard_reporter *rep, const ilab_shard_units *in, const unsigned char *ready,
                            const volatile sig_atomic_t *stop);
int ilab_shard_report_close(ilab_shard_reporter *rep, volatile sig_atomic_t *stop, int *failed_claims,
                            size_t *theory_failed);
void ilab_shard_report_abort(ilab_shard_reporter *rep);

#endif
