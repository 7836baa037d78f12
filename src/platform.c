/* The clock, the core count and the BLAS thread count (see platform.h). */
#include "platform.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* OpenBLAS's core name and its dynamic-architecture set-up (exported by its
 * DYNAMIC_ARCH builds, which Debian's are), weak like the call above. */
#if defined(__GNUC__)
const char *openblas_get_corename(void) __attribute__((weak));
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
#endif

const char *ilab_blas_core(void)
{
#if defined(__GNUC__)
  if (openblas_get_corename) {
    const char *c = openblas_get_corename();
    if (c) return c;
  }
#endif
  return "unknown";
}

static const char *core_choice;

const char *ilab_blas_core_choice(void) { return core_choice; }

/* Runs before main (after the shared libraries' own initializers, OpenBLAS's
 * core selection among them) and before any product: see platform.h. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((constructor)) static void ilab_blas_choose_core(void)
{
  if (!openblas_get_corename || !gotoblas_dynamic_init || !gotoblas_dynamic_quit) return;
  if (getenv("OPENBLAS_CORETYPE")) return;
  const char *c = openblas_get_corename();
  if (!c || strcasecmp(c, "prescott") != 0) return;
  __builtin_cpu_init();
  const char *want = NULL;
  /* __builtin_cpu_supports reports AVX and AVX-512 only when the operating
   * system saves their registers (XGETBV) */
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    want = "SkylakeX";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    want = "Haswell";
  if (!want || setenv("OPENBLAS_CORETYPE", want, 1) != 0) return;
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  /* the environment as it was: child processes choose for themselves */
  unsetenv("OPENBLAS_CORETYPE");
  core_choice = want;
}
#endif
