/* Keyed random streams: the hash, the stream seeds and the generator type
 * (see stream.h). */
#include "stream.h"
#include "ilab.h"

#include <string.h>

uint64_t ilab_stream_mix64(uint64_t z)
{
  /* the constants are Steele, Lea & Flood's */
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

unsigned long ilab_stream_seed(unsigned long seed, size_t trial, size_t layer, unsigned long tag)
{
  /* 0x9e37...: 2^64 / golden ratio, splitmix64's increment, so seed 0 does
   * not start the chain at mix(0) = 0 */
  uint64_t h = ilab_stream_mix64((uint64_t)seed + 0x9e3779b97f4a7c15ULL);
  h = ilab_stream_mix64(h ^ (uint64_t)trial);
  h = ilab_stream_mix64(h ^ (uint64_t)layer);
  h = ilab_stream_mix64(h ^ (uint64_t)tag);
  return (unsigned long)((h ^ (h >> 32)) & 0xffffffffUL);
}

int ilab_stream_type(const char *name, const gsl_rng_type **type)
{
  *type = gsl_rng_mt19937;
  if (!name || !*name) return ILAB_OK;
  for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++)
    if (!strcmp((*t)->name, name)) { *type = *t; return ILAB_OK; }
  ILAB_ERROR(ILAB_EINVAL, "GSL_RNG_TYPE=%s is not a GSL generator (e.g. mt19937, taus2, ranlxd2)", name);
}

gsl_rng *ilab_stream_alloc(const gsl_rng_type *type, unsigned long seed, size_t trial,
                           size_t layer, unsigned long tag)
{
  gsl_rng *r = gsl_rng_alloc(type);
  if (!r) { ilab_error(ILAB_ENOMEM, "out of memory"); return NULL; }
  gsl_rng_set(r, ilab_stream_seed(seed, trial, layer, tag));
  return r;
}
