/* Ranges of numbers written as one word: LO:HI:STEP (linear) or LO:HI:xF
 * (geometric), for experiment-file lists and command options alike. */
#ifndef ILAB_RANGE_H
#define ILAB_RANGE_H

#include <stddef.h>

/* Most values one range may give: a guard against a typo (1:1e9:1). */
#define ILAB_RANGE_MAX 1000000

/* A number V (n = 1), or
 *   LO:HI:STEP  the values LO + i STEP, i = 0 .. n-1, the last within a
 *               millionth of a step of HI (and then exactly HI).  Plain
 *               decimals are stepped exactly in decimal: 0.8:4.2:0.01 gives
 *               the doubles nearest 0.80, 0.81, ..., 4.20 (341 values);
 *   LO:HI:xF    the values LO F^i while they stay below HI (1 + 1e-9), the
 *               last then exactly HI if within that margin; 16:4096:x2 gives
 *               16, 32, ..., 4096 (9 values).  Needs LO > 0 and F > 1.
 * Both need LO <= HI: no descending ranges. */
typedef struct {
  double lo, hi;
  double step;          /* linear: STEP; geometric: F */
  int geometric;
  size_t n;             /* number of values, >= 1 */
  double li, si, scale; /* linear: LO and STEP in units of 1/scale, if scale > 0;
                           geometric: LO in units of 1/scale, F an integer */
} ilab_range;

/* Parses s.  ILAB_EPARSE with a reason starting "'s': " naming what is wrong
 * (not a number, step <= 0, factor <= 1, LO > HI, more than ILAB_RANGE_MAX
 * values, ...). */
int ilab_range_parse(const char *s, ilab_range *r);

/* The i-th value, i < r->n. */
double ilab_range_at(const ilab_range *r, size_t i);

/* Whether s is written as a range (has a ':'), rather than as one number. */
int ilab_range_is(const char *s);

/* Writes x as the shortest decimal that reads back as x ("0.5", "1e-05"),
 * for the text of an expanded spec.  buf holds at least 32 bytes. */
void ilab_range_format(double x, char *buf, size_t size);

#endif
