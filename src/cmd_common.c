/* Helpers shared by the subcommands: error messages, strict number parsing,
 * default seed, checked close of stdout. */
#include "cmd.h"
#include "ilab.h"
#include "stream.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cmd_error(const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  fputs("initlab: error: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int cmd_usage_error(const char *command, const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "initlab %s: ", command);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'initlab %s --help' for more information.\n", command);
  return ILAB_EXIT_USAGE;
}

int cmd_bad_option(const char *command)
{
  /* getopt_long has already named the bad option on stderr */
  fprintf(stderr, "Try 'initlab %s --help' for more information.\n", command);
  return ILAB_EXIT_USAGE;
}

int cmd_parse_double(const char *command, const char *option, const char *s,
                     double lo, double hi, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0') {
    cmd_usage_error(command, "option %s: '%s' is not a number", option, s);
    return -1;
  }
  if (!isfinite(v) || errno == ERANGE) {
    cmd_usage_error(command, "option %s: '%s' is not a finite number", option, s);
    return -1;
  }
  if (v < lo || v > hi) {
    cmd_usage_error(command, "option %s: %s is out of range [%g, %g]", option, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

int cmd_parse_ulong(const char *command, const char *option, const char *s,
                    unsigned long lo, unsigned long hi, unsigned long *out)
{
  char *end;
  errno = 0;
  /* strtoul accepts "-1" and wraps it; refuse a sign outright */
  const char *p = s;
  while (*p == ' ' || *p == '\t') p++;
  if (*p == '-' || *p == '+') {
    cmd_usage_error(command, "option %s: '%s' is not a whole number >= %lu", option, s, lo);
    return -1;
  }
  unsigned long v = strtoul(s, &end, 10);
  if (end == s || *end != '\0') {
    cmd_usage_error(command, "option %s: '%s' is not a whole number", option, s);
    return -1;
  }
  if (errno == ERANGE || v < lo || v > hi) {
    cmd_usage_error(command, "option %s: %s is out of range [%lu, %lu]", option, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

unsigned long cmd_default_seed(void)
{
  const char *s = getenv("GSL_RNG_SEED");
  if (s && *s) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end == '\0' && errno == 0) return v;
  }
  return 42;
}

int cmd_close_stdout(int status)
{
  errno = 0;
  if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
    /* a write that failed earlier may have left errno to later calls */
    cmd_error("writing to standard output failed: %s", strerror(errno ? errno : EIO));
    return ILAB_EXIT_RUNTIME;
  }
  return status;
}

int cmd_rng_type(const gsl_rng_type **type)
{
  if (ilab_stream_type(getenv("GSL_RNG_TYPE"), type)) {
    cmd_error("%s", ilab_error_reason());
    return ILAB_EXIT_USAGE;
  }
  return ILAB_EXIT_OK;
}
