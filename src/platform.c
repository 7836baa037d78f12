/* The clock, the core count and the BLAS thread count (see platform.h). */
#include "platform.h"

#include <time.h>
#include <unistd.h>

double ilab_clock_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int ilab_platform_cores(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > ILAB_MAX_THREADS ? ILAB_MAX_THREADS : n > 0 ? (int)n : 1;
}

/* OpenBLAS's thread-count control, declared here rather than through its
 * cblas.h, whose prototypes clash with GSL's CBLAS.  Weak: NULL when the
 * BLAS linked in does not define it. */
#if defined(__GNUC__)
void openblas_set_num_threads(int num_threads) __attribute__((weak));
#else
void openblas_set_num_threads(int num_threads);
#endif

void ilab_blas_set_threads(int n)
{
  if (openblas_set_num_threads) openblas_set_num_threads(n < 1 ? 1 : n);
}
