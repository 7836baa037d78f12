/* Ranges of numbers: LO:HI:STEP and LO:HI:xF, stepped exactly in decimal
 * where the numbers are plain decimals. */
#include "range.h"
#include "ilab.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TWO53 9007199254740992.0

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

static int number(const char *whole, const char *part, const char *what, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(part, &end);
  if (end == part || *end != '\0' || *part == ' ' || *part == '\t')
    ILAB_ERROR(ILAB_EPARSE, "'%s': %s '%s' is not a number", whole, what, part);
  if (!isfinite(v) || errno == ERANGE)
    ILAB_ERROR(ILAB_EPARSE, "'%s': %s '%s' is not a finite number", whole, what, part);
  *out = v;
  return ILAB_OK;
}

int ilab_range_is(const char *s) { return strchr(s, ':') != NULL; }

/* f^i for an integer f by squaring: exact while the result is below 2^53. */
static double ipow(double f, size_t i)
{
  double r = 1;
  while (i) {
    if (i & 1) r *= f;
    f *= f;
    i >>= 1;
  }
  return r;
}

static double geometric_at(const ilab_range *r, size_t i)
{
  if (r->scale > 0) {
    double p = ipow(r->step, i);
    if (r->li * p < TWO53) return r->li * p / r->scale;
  }
  return r->lo * pow(r->step, (double)i);
}

int ilab_range_parse(const char *s, ilab_range *r)
{
  memset(r, 0, sizeof *r);
  const char *c1 = strchr(s, ':');
  if (!c1) {
    int st = number(s, s, "value", &r->lo);
    if (st) return st;
    r->hi = r->lo;
    r->n = 1;
    return ILAB_OK;
  }
  const char *c2 = strchr(c1 + 1, ':');
  if (!c2 || strchr(c2 + 1, ':'))
    ILAB_ERROR(ILAB_EPARSE, "'%s': expected a number, LO:HI:STEP or LO:HI:xFACTOR", s);
  char part[3][64];
  const char *from[3] = {s, c1 + 1, c2 + 1};
  size_t len[3] = {(size_t)(c1 - s), (size_t)(c2 - c1 - 1), strlen(c2 + 1)};
  for (int i = 0; i < 3; i++) {
    if (len[i] == 0) ILAB_ERROR(ILAB_EPARSE, "'%s': expected LO:HI:STEP or LO:HI:xFACTOR, with three numbers", s);
    if (len[i] >= sizeof part[i]) ILAB_ERROR(ILAB_EPARSE, "'%.40s...': a number longer than 63 characters", s);
    memcpy(part[i], from[i], len[i]);
    part[i][len[i]] = '\0';
  }
  r->geometric = part[2][0] == 'x';
  const char *stp = part[2] + r->geometric;
  int st;
  if ((st = number(s, part[0], "LO", &r->lo)) || (st = number(s, part[1], "HI", &r->hi)) ||
      (st = number(s, stp, r->geometric ? "factor" : "STEP", &r->step)))
    return st;
  if (r->hi < r->lo) ILAB_ERROR(ILAB_EPARSE, "'%s': runs backwards (HI < LO); write it LO:HI with LO <= HI", s);
  int d0 = decimals(part[0]), d2 = decimals(stp);
  if (r->geometric) {
    if (!(r->step > 1)) ILAB_ERROR(ILAB_EPARSE, "'%s': the factor must be > 1", s);
    if (!(r->lo > 0)) ILAB_ERROR(ILAB_EPARSE, "'%s': a geometric range needs LO > 0", s);
    double est = floor(log(r->hi / r->lo) / log(r->step) + 1e-9);
    if (!(est < ILAB_RANGE_MAX)) ILAB_ERROR(ILAB_EPARSE, "'%s': more than %d values", s, ILAB_RANGE_MAX);
    /* LO a plain decimal and F an integer: each value is (LO 10^d) F^i / 10^d,
     * an exact integer over a power of ten, so the double nearest the decimal */
    if (d0 >= 0 && d2 == 0) {
      r->scale = pow(10, d0);
      r->li = nearbyint(r->lo * r->scale);
    }
    size_t n = (size_t)est + 1;
    double top = r->hi * (1 + 1e-9);
    while (n > 1 && geometric_at(r, n - 1) > top) n--;
    while (n < ILAB_RANGE_MAX && geometric_at(r, n) <= top) n++;
    r->n = n;
    return ILAB_OK;
  }
  if (!(r->step > 0))
    ILAB_ERROR(ILAB_EPARSE, "'%s': the step must be > 0 (a range runs upwards from LO to HI)", s);
  /* Values: lo + i step for i = 0, 1, ... while they stay below hi plus a
   * millionth of a step, so that 0.8:4.2:0.01 ends at 4.2 although
   * (4.2 - 0.8)/0.01 is not exactly 340 in binary. */
  double span = (r->hi - r->lo) / r->step;
  if (!(span < (double)ILAB_RANGE_MAX)) ILAB_ERROR(ILAB_EPARSE, "'%s': more than %d values", s, ILAB_RANGE_MAX);
  r->n = (size_t)floor(span + 1e-6) + 1;
  /* Plain decimals are stepped in integers of their last decimal place, so
   * each value is the double nearest the decimal (0.82, not 0.8 + 2 x 0.01
   * = 0.82000000000000006); others (an exponent, > 15 places) as lo + i step. */
  int d1 = decimals(part[1]);
  int d = d0 > d1 ? d0 : d1;
  if (d2 > d) d = d2;
  if (d0 >= 0 && d1 >= 0 && d2 >= 0) {
    double scale = pow(10, d);
    double li = nearbyint(r->lo * scale), si = nearbyint(r->step * scale);
    if (fabs(li) + si * (double)r->n < TWO53 && si > 0) {
      r->scale = scale;
      r->li = li;
      r->si = si;
    }
  }
  return ILAB_OK;
}

double ilab_range_at(const ilab_range *r, size_t i)
{
  if (r->n == 1 && !r->geometric) return r->lo;
  if (r->geometric) {
    double v = geometric_at(r, i);
    return i + 1 == r->n && fabs(v - r->hi) <= 1e-9 * r->hi ? r->hi : v;
  }
  if (i + 1 == r->n && fabs(r->lo + (double)i * r->step - r->hi) <= 1e-6 * r->step) return r->hi;
  if (r->scale > 0) return (r->li + (double)i * r->si) / r->scale;
  return r->lo + (double)i * r->step;
}

void ilab_range_format(double x, char *buf, size_t size)
{
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, size, "%.*g", p, x);
    if (strtod(buf, NULL) == x) return;
  }
}
