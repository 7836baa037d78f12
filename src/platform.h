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

#endif
