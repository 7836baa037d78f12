/* Tests of platform.c: the core count, and the BLAS kernel set chosen when
 * OpenBLAS does not know the CPU (ilab_blas_core_choice). */
#include "test.h"
#include "platform.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gsl/gsl_cblas.h>

int main(void)
{
  int n = ilab_platform_cores();
  ilab_test(n >= 1 && n <= ILAB_MAX_THREADS, "cores online: %d, within 1..%d", n, ILAB_MAX_THREADS);
  /* a product, as every program of the library makes: it links the BLAS */
  double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
  ilab_test(cblas_ddot(3, a, 1, b, 1) == 32, "the BLAS computes a dot product");
  const char *core = ilab_blas_core();
  ilab_test(core && core[0], "the BLAS names its kernels: '%s'", core ? core : "(null)");
  /* OpenBLAS 0.3.21 runs Prescott's SSE3 kernels on CPUs it does not know
   * (Emerald Rapids, say); on a CPU with AVX2 the library must not */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  if (strcmp(core, "unknown") == 0)
    ilab_test_skip("the BLAS linked in does not name its kernels");
  else if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    ilab_test_skip("this CPU has no AVX2: Prescott's kernels may be the right ones");
  else if (getenv("OPENBLAS_CORETYPE"))
    ilab_test_skip("OPENBLAS_CORETYPE is set: the user chose the kernels");
  else
    ilab_test(strcasecmp(core, "prescott") != 0, "an AVX2 CPU runs %s kernels, not Prescott's (choice: %s)", core,
              ilab_blas_core_choice() ? ilab_blas_core_choice() : "OpenBLAS's own");
#endif
  /* the choice leaves the environment as it was, for child processes */
  if (ilab_blas_core_choice())
    ilab_test(getenv("OPENBLAS_CORETYPE") == NULL, "OPENBLAS_CORETYPE is not left set after the choice");
  return ilab_test_summary();
}
