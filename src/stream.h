/* Keyed random streams: the hash behind every seed, the seed of the stream
 * for (experiment seed, trial, layer, tag), and the choice of generator, so
 * that every command draws the same numbers for the same key. */
#ifndef ILAB_STREAM_H
#define ILAB_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

/* Tags that key the streams which are not weights (weights are keyed by
 * their unit family, see ilab_dist_family). */
#define ILAB_STREAM_INPUT 0x494e5055UL /* "INPU" */
#define ILAB_STREAM_GRAD 0x47524144UL  /* "GRAD" */
#define ILAB_STREAM_BIAS 0x42494153UL  /* "BIAS" */
#define ILAB_STREAM_SHAPE 0x53484150UL /* "SHAP": a shape's seed, from (seed, width, depth) */

/* The finalizer of splitmix64 (Steele, Lea & Flood 2014, "Fast splittable
 * pseudorandom number generators"): a bijection of 64-bit words that
 * spreads every input bit over the whole word. */
uint64_t ilab_stream_mix64(uint64_t z);

/* The seed of the stream for (experiment seed, trial, layer, tag): the
 * hash applied in a chain, h = mix(seed + golden), then h = mix(h ^ key) for
 * trial, layer and tag, so every stream is the same whatever the thread
 * count, the order of cells, or which cells run.  Folded to 32 bits, as
 * gsl_rng_set keeps no more for mt19937.  'initlab sample' draws from
 * (seed, 0, 1, family): the stream of the first layer of trial 0 of a run;
 * each row of 'initlab moments' from its own, (seed, 0, 0, a hash of its
 * spec). */
unsigned long ilab_stream_seed(unsigned long seed, size_t trial, size_t layer, unsigned long tag);

/* The generator named name (a GSL name such as "mt19937" or "taus2", as
 * GSL_RNG_TYPE gives it), or mt19937 when name is NULL or empty.
 * ILAB_EINVAL with a reason naming GSL_RNG_TYPE for a name GSL does not know. */
int ilab_stream_type(const char *name, const gsl_rng_type **type);

/* A generator of the given type set to the stream of the key, or NULL
 * (ILAB_ENOMEM recorded) when out of memory. */
gsl_rng *ilab_stream_alloc(const gsl_rng_type *type, unsigned long seed, size_t trial,
                           size_t layer, unsigned long tag);

#endif
