/* libFuzzer target for the experiment-file parser: ilab_config_parse on the
 * raw bytes, then ilab_config_free; a broken property of the result aborts
 * (see fuzz_calls.h).  Built and run by 'make fuzz'. */
#include "fuzz_calls.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static ilab_config c; /* ~100 kB: off the stack */
  int st = ilab_fuzz_config(data, size, &c);
  const char *bad = ilab_fuzz_config_check(data, size, st, &c);
  if (bad) {
    fprintf(stderr, "fuzz_config: %s (status %d, reason '%s')\n", bad, st, ilab_error_reason());
    abort();
  }
  if (st == ILAB_OK) ilab_config_free(&c);
  return 0;
}
