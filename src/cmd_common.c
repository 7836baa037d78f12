/* Helpers shared by the subcommands: error messages, strict number parsing,
 * default seed, checked close of stdout. */
#include "cmd.h"

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

/* Decimal places of a plain decimal number ("0.25" has 2), or -1 if it has
 * an exponent or is not plain. */
static int decimals(const char *s)
{
  const char *p = s + (*s == '-' || *s == '+');
  size_t ip = strspn(p, "0123456789");
  if (p[ip] == '\0') return 0;
  if (p[ip] != '.') return -1;
  size_t fp = strspn(p + ip + 1, "0123456789");
  return p[ip + 1 + fp] == '\0' && fp <= 15 ? (int)fp : -1;
}

int cmd_parse_range(const char *command, const char *option, const char *s, double lo,
                    double hi, cmd_range *r)
{
  const char *c1 = strchr(s, ':');
  memset(r, 0, sizeof *r);
  if (!c1) {
    if (cmd_parse_double(command, option, s, lo, hi, &r->lo)) return -1;
    r->hi = r->lo;
    r->n = 1;
    return 0;
  }
  const char *c2 = strchr(c1 + 1, ':');
  char part[3][64];
  size_t len[3] = {(size_t)(c1 - s), c2 ? (size_t)(c2 - c1 - 1) : 0, c2 ? strlen(c2 + 1) : 0};
  if (!c2 || strchr(c2 + 1, ':') || len[0] >= 64 || len[1] >= 64 || len[2] >= 64) {
    cmd_usage_error(command, "option %s: '%s' is neither a number nor a range LO:HI:STEP", option, s);
    return -1;
  }
  const char *from[3] = {s, c1 + 1, c2 + 1};
  for (int i = 0; i < 3; i++) {
    memcpy(part[i], from[i], len[i]);
    part[i][len[i]] = '\0';
  }
  double step;
  if (cmd_parse_double(command, option, part[0], lo, hi, &r->lo) ||
      cmd_parse_double(command, option, part[1], lo, hi, &r->hi) ||
      cmd_parse_double(command, option, part[2], 0, INFINITY, &step))
    return -1;
  if (!(step > 0)) {
    cmd_usage_error(command, "option %s: the step of %s must be > 0", option, s);
    return -1;
  }
  if (r->hi < r->lo) {
    cmd_usage_error(command, "option %s: the range %s runs backwards (HI < LO)", option, s);
    return -1;
  }
  /* Values: lo + i step for i = 0, 1, ... while they stay below hi plus a
   * millionth of a step, so that 0.8:4.2:0.01 ends at 4.2 although
   * (4.2 - 0.8)/0.01 is not exactly 340 in binary. */
  double span = (r->hi - r->lo) / step;
  if (!(span < (double)CMD_RANGE_MAX)) {
    cmd_usage_error(command, "option %s: %s has more than %d values", option, s, CMD_RANGE_MAX);
    return -1;
  }
  r->n = (size_t)floor(span + 1e-6) + 1;
  r->step = step;
  /* Plain decimals are stepped in integers of their last decimal place, so
   * each value is the double nearest the decimal (0.82, not 0.8 + 2 x 0.01
   * = 0.82000000000000006); others (an exponent, > 15 places) as lo + i step. */
  int d0 = decimals(part[0]), d1 = decimals(part[1]), d2 = decimals(part[2]);
  int d = d0 > d1 ? d0 : d1;
  if (d2 > d) d = d2;
  r->scale = 0;
  if (d0 >= 0 && d1 >= 0 && d2 >= 0) {
    double scale = pow(10, d);
    double li = nearbyint(r->lo * scale), si = nearbyint(step * scale);
    if (fabs(li) + si * (double)r->n < 9007199254740992.0 /* 2^53 */ && si > 0) {
      r->scale = scale;
      r->li = li;
      r->si = si;
    }
  }
  return 0;
}

double cmd_range_at(const cmd_range *r, size_t i)
{
  if (r->n == 1) return r->lo;
  if (i + 1 == r->n && fabs(r->lo + (double)i * r->step - r->hi) <= 1e-6 * r->step) return r->hi;
  if (r->scale > 0) return (r->li + (double)i * r->si) / r->scale;
  return r->lo + (double)i * r->step;
}
