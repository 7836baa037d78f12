/* libFuzzer target for the npz reader: ilab_tensorio_open_mem on the bytes as
 * ILAB_FORMAT_NPZ, then every tensor read; a broken property aborts (see
 * fuzz_tensor_calls.h).  Built and run by 'make fuzz'. */
#include "fuzz_tensor_calls.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int st;
  const char *bad = ilab_fuzz_tensor(ILAB_FORMAT_NPZ, data, size, &st);
  if (bad) {
    fprintf(stderr, "fuzz_npz: %s (status %d, reason '%s')\n", bad, st, ilab_error_reason());
    abort();
  }
  return 0;
}
