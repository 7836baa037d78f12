/* A tiny test runner shared by tests/test_*.c: checks print a FAIL line when
 * they fail (every line when ILAB_TEST_VERBOSE is set), a check that cannot
 * run prints a SKIP line, and main ends with ilab_test_summary(), which
 * prints "N skipped" (if any) and "N passed, N failed". */
#ifndef ILAB_TEST_H
#define ILAB_TEST_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__GNUC__)
#define ILAB_TEST_UNUSED __attribute__((unused))
#else
#define ILAB_TEST_UNUSED
#endif

static int ilab_test_passed, ilab_test_failed, ilab_test_skipped;

ILAB_TEST_UNUSED static void ilab_test_report(int ok, const char *fmt, va_list ap, const char *detail)
{
  static int verbose = -1;
  if (verbose < 0) verbose = getenv("ILAB_TEST_VERBOSE") != NULL;
  if (ok) ilab_test_passed++; else ilab_test_failed++;
  if (!ok || verbose) {
    printf("%s: ", ok ? "PASS" : "FAIL");
    vprintf(fmt, ap);
    if (detail[0]) printf(" (%s)", detail);
    printf("\n");
  }
}

/* Passes when ok is non-zero. */
ILAB_TEST_UNUSED static void ilab_test(int ok, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ilab_test_report(ok, fmt, ap, "");
  va_end(ap);
}

/* Passes when |obs - exp| <= tol * |exp| (exact equality passes too; NaN fails). */
ILAB_TEST_UNUSED static void ilab_test_rel(double obs, double exp, double tol, const char *fmt, ...)
{
  char detail[160];
  int ok = obs == exp || fabs(obs - exp) <= tol * fabs(exp);
  snprintf(detail, sizeof detail, "observed %.17g vs expected %.17g, rel tol %g", obs, exp, tol);
  va_list ap;
  va_start(ap, fmt);
  ilab_test_report(ok, fmt, ap, detail);
  va_end(ap);
}

/* Passes when |obs - exp| <= tol. */
ILAB_TEST_UNUSED static void ilab_test_abs(double obs, double exp, double tol, const char *fmt, ...)
{
  char detail[160];
  int ok = obs == exp || fabs(obs - exp) <= tol;
  snprintf(detail, sizeof detail, "observed %.17g vs expected %.17g, abs tol %g", obs, exp, tol);
  va_list ap;
  va_start(ap, fmt);
  ilab_test_report(ok, fmt, ap, detail);
  va_end(ap);
}

/* Passes when obs == exp. */
ILAB_TEST_UNUSED static void ilab_test_int(long obs, long exp, const char *fmt, ...)
{
  char detail[96];
  snprintf(detail, sizeof detail, "observed %ld vs expected %ld", obs, exp);
  va_list ap;
  va_start(ap, fmt);
  ilab_test_report(obs == exp, fmt, ap, detail);
  va_end(ap);
}

/* Passes when |z| <= zmax: a statistical check whose tolerance is a z-score. */
ILAB_TEST_UNUSED static void ilab_test_z(double z, double zmax, const char *fmt, ...)
{
  char detail[96];
  snprintf(detail, sizeof detail, "z = %.3f, limit %.2f", z, zmax);
  va_list ap;
  va_start(ap, fmt);
  ilab_test_report(fabs(z) <= zmax, fmt, ap, detail);
  va_end(ap);
}

/* A check that cannot run here (say, no /dev/full): shown as a SKIP line
 * always, counted apart, never as a pass. */
ILAB_TEST_UNUSED static void ilab_test_skip(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  printf("SKIP: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  ilab_test_skipped++;
}

/* Prints "N skipped" when a check was skipped, then "N passed, N failed". */
ILAB_TEST_UNUSED static int ilab_test_summary(void)
{
  if (ilab_test_skipped) printf("%d skipped\n", ilab_test_skipped);
  printf("%d passed, %d failed\n", ilab_test_passed, ilab_test_failed);
  return ilab_test_failed ? 1 : 0;
}

#endif
