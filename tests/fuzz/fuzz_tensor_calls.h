/* The calls the tensor-reader fuzz targets (tests/fuzz/fuzz_npy.c, _npz,
 * _safetensors, _text) make on one input, and the properties their results
 * must have, shared with tests/test_fuzz_tensorio.c, which replays saved
 * inputs in 'make check' without clang.  A reader may accept or refuse an
 * input; it may not crash, leak or touch memory it does not own (the
 * sanitizers catch those), fail with anything but ILAB_EPARSE (or ILAB_ENOMEM),
 * give a reason that does not name the file, or hand out more values than
 * the bytes can hold (the bound on memory). */
#ifndef ILAB_FUZZ_TENSOR_CALLS_H
#define ILAB_FUZZ_TENSOR_CALLS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ilab.h"
#include "tensorio.h"

#if defined(__GNUC__)
#define ILAB_FUZZ_TENSOR_UNUSED __attribute__((unused))
#else
#define ILAB_FUZZ_TENSOR_UNUSED
#endif

#define ILAB_FUZZ_TENSOR_NAME "fuzz.bin"

/* Opens the bytes as fmt and reads every tensor.  Returns NULL if the
 * properties hold, else a sentence naming the one broken; *status gets the
 * reader's status. */
ILAB_FUZZ_TENSOR_UNUSED static const char *ilab_fuzz_tensor(ilab_tensor_format fmt, const uint8_t *data, size_t size,
                                                            int *status)
{
  ilab_tensorio *t = NULL;
  ilab_error_clear();
  int st = ilab_tensorio_open_mem(ILAB_FUZZ_TENSOR_NAME, fmt, data, size, NULL, 0, &t);
  const char *bad = NULL;
  for (size_t i = 0; !st && i < ilab_tensorio_count(t); i++) {
    ilab_tensor x;
    st = ilab_tensorio_read(t, i, &x);
    if (st) break;
    size_t n = 1;
    for (int k = 0; k < x.ndim; k++) n *= x.shape[k];
    if (n != x.n) bad = "a tensor whose n is not the product of its shape";
    /* at least 2 bytes a value in .npy and .safetensors, 1 in text (a
     * digit), and no more than deflate's 1032:1 in an .npz */
    size_t most = fmt == ILAB_FORMAT_TEXT ? size : fmt == ILAB_FORMAT_NPZ ? size / 2 * 1032 + 1032 : size / 2;
    if (x.n > most) bad = "more values than the bytes can hold";
    if (x.n && !x.x) bad = "a read with no values";
  }
  ilab_tensorio_free(t);
  *status = st;
  if (bad) return bad;
  if (st != ILAB_OK && st != ILAB_EPARSE && st != ILAB_ENOMEM) return "a failure other than ILAB_EPARSE";
  if (st == ILAB_EPARSE && strncmp(ilab_error_reason(), ILAB_FUZZ_TENSOR_NAME, strlen(ILAB_FUZZ_TENSOR_NAME)))
    return "a reason that does not start with the file's name";
  return NULL;
}

#endif
