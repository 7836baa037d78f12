/* Tests of ranges: linear and geometric values stepped exactly in decimal,
 * the count and the last value, every refusal, and the shortest decimal. */
#include "range.h"
#include "ilab.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* Whether the i-th value of s is the double nearest the decimal want. */
static void value_is(const char *s, size_t i, const char *want)
{
  ilab_range r;
  int st = ilab_range_parse(s, &r);
  double got = st ? NAN : ilab_range_at(&r, i), w = strtod(want, NULL);
  ilab_test(!st && i < r.n && got == w, "%s: value %zu is the double nearest %s (got %.17g)", s, i, want, got);
}

static void count_is(const char *s, size_t n)
{
  ilab_range r;
  int st = ilab_range_parse(s, &r);
  ilab_test(!st && r.n == n, "%s: %zu values (got %zu, %s)", s, n, st ? 0 : r.n, st ? ilab_error_reason() : "ok");
}

static void refused(const char *s, const char *word)
{
  ilab_range r;
  ilab_error_clear();
  int st = ilab_range_parse(s, &r);
  const char *why = ilab_error_reason();
  ilab_test(st == ILAB_EPARSE && strstr(why, s) && strstr(why, word), "'%s' is refused naming it and '%s' (%s)", s,
            word, why);
}

int main(void)
{
  /* linear: the count, HI reached despite binary rounding, exact decimals */
  count_is("0.8:4.2:0.01", 341);
  value_is("0.8:4.2:0.01", 2, "0.82");
  value_is("0.8:4.2:0.01", 340, "4.2");
  value_is("0.1:0.3:0.1", 2, "0.3");
  count_is("1:4:1", 4);
  count_is("1:4.5:1", 4);   /* stops below HI */
  count_is("5:5:1", 1);
  count_is("2.5", 1);
  value_is("2.5", 0, "2.5");
  count_is("1:1000000:1", 1000000);
  value_is("-1:1:0.5", 1, "-0.5");
  value_is("1e-3:3e-3:1e-3", 2, "3e-3"); /* exponents: LO + i STEP, HI snapped */

  /* geometric */
  count_is("16:4096:x2", 9);
  value_is("16:4096:x2", 8, "4096");
  count_is("16:5000:x2", 9);
  value_is("1:100:x3", 4, "81");
  count_is("0.001:1:x10", 4);
  value_is("0.001:1:x10", 1, "0.01");
  value_is("0.001:1:x10", 2, "0.1");
  value_is("0.001:1:x10", 3, "1");
  value_is("0.1:10:x3", 1, "0.3"); /* 0.1 x 3 would be 0.30000000000000004 */
  value_is("16:200:x1.5", 4, "81");
  count_is("1:1:x2", 1);

  /* refusals */
  refused("1:4:0", "step must be > 0");
  refused("1:4:-1", "step must be > 0");
  refused("4:1:1", "backwards");
  refused("16:64:x1", "factor must be > 1");
  refused("16:64:x0.5", "factor must be > 1");
  refused("0:64:x2", "LO > 0");
  refused("-4:64:x2", "LO > 0");
  refused("1:4", "LO:HI:STEP");
  refused("1:4:1:1", "LO:HI:STEP");
  refused("1::1", "three numbers");
  refused("a:4:1", "not a number");
  refused("1:4:x", "not a number");
  refused("1:inf:1", "finite");
  refused("1:1e300:1e-300", "more than 1000000 values");
  refused("1:1e300:x1.0000001", "more than 1000000 values");
  refused("nan", "not a finite number");

  /* the shortest decimal that reads back */
  static const double xs[] = {0.5, 1, 0.1, 1e-5, 0.30000000000000004, 1.0 / 3, 4096, -2.25};
  static const char *const want[] = {"0.5", "1", "0.1", "1e-05", "0.30000000000000004", "0.3333333333333333", "4096", "-2.25"};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    char buf[32];
    ilab_range_format(xs[i], buf, sizeof buf);
    ilab_test(!strcmp(buf, want[i]) && strtod(buf, NULL) == xs[i], "format %.17g as '%s' (got '%s')", xs[i], want[i], buf);
  }
  return ilab_test_summary();
}
