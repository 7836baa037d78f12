/* libFuzzer target for the scheme-spec and activation parsers:
 * ilab_scheme_parse on a NUL-terminated copy, then ilab_scheme_resolve and
 * ilab_scheme_variance for a few fan pairs, and ilab_act_parse on the same
 * string; a broken property aborts (see fuzz_calls.h).  Built and run by
 * 'make fuzz'. */
#include "fuzz_calls.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ilab_fuzz_spec_result r;
  int st = ilab_fuzz_scheme(data, size, &r);
  if (st < 0) return 0; /* out of memory for the copy: not the parser's fault */
  const char *bad = ilab_fuzz_scheme_check(data, size, st, &r);
  if (bad) {
    fprintf(stderr, "fuzz_scheme: %s (status %d, reason '%s')\n", bad, st, ilab_error_reason());
    abort();
  }
  return 0;
}
