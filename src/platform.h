/* What the library asks of the machine: a monotonic clock, the number of
 * cores, and the thread count of the BLAS behind it. */
#ifndef ILAB_PLATFORM_H
#define ILAB_PLATFORM_H

/* The most worker threads any command or the sweep will start: the bound of
 * --threads and of the thread arrays kept on the stack. */
#define ILAB_MAX_THREADS 64

/* Seconds on a monotonic clock (CLOCK_MONOTONIC): for intervals only. */
double ilab_clock_now(void);

/* The cores online, at least 1 and at most ILAB_MAX_THREADS. */
int ilab_platform_cores(void);

/* Asks the BLAS to use n threads inside each product (OpenBLAS's
 * openblas_set_num_threads).  A no-op when the program is linked against a
 * CBLAS that has no such control (GSL's reference CBLAS, say): the call goes
 * through a weak reference, so the library links against any CBLAS. */
void ilab_blas_set_threads(int n);

/* The kernel set the BLAS runs ("SkylakeX", "Haswell", ...: OpenBLAS's
 * openblas_get_corename), or "unknown" for a BLAS that does not say. */
const char *ilab_blas_core(void);

/* What ilab_blas_choose_core did when the program started: NULL if nothing,
 * else the kernel set it chose in place of OpenBLAS's own ("SkylakeX").
 *
 * Why: OpenBLAS picks its kernels by CPU model, and a model it does not
 * know may fall through to the oldest x86-64 set, Prescott's SSE3 (0.3.21,
 * Debian 12's, does so for family 6 model 0xCF, Emerald Rapids): a third of
 * the machine's double rate and a sixth of its single rate.  So at start-up,
 * before any product, when OpenBLAS reports Prescott on a CPU whose features
 * (and operating system) support AVX-512 or AVX2, the library re-runs
 * OpenBLAS's own core selection with OPENBLAS_CORETYPE set to the set those
 * features run (SkylakeX, Haswell), as OpenBLAS's own fallback for an
 * unknown model does.  OPENBLAS_CORETYPE set by the user is left alone, and
 * so is any other BLAS. */
const char *ilab_blas_core_choice(void);

#endif
