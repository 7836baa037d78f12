/* Named weight tensors read one at a time from .npy, .npz, .safetensors and
 * plain-text files, with bounds checked against the file before anything is
 * allocated. */
#ifndef ILAB_TENSORIO_H
#define ILAB_TENSORIO_H

#include <stddef.h>

/* Most axes a tensor may have (NumPy's own limit is 32; weights have <= 5). */
#define ILAB_TENSOR_MAXDIM 32

typedef enum {
  ILAB_DTYPE_F64,
  ILAB_DTYPE_F32,
  ILAB_DTYPE_F16, /* IEEE 754 binary16: 1 sign, 5 exponent, 10 fraction bits */
  ILAB_DTYPE_BF16 /* bfloat16: the top 16 bits of a binary32 */
} ilab_dtype;

typedef enum {
  ILAB_FORMAT_AUTO,        /* by the name's extension, then by magic bytes */
  ILAB_FORMAT_NPY,         /* NumPy .npy, versions 1.0, 2.0, 3.0 */
  ILAB_FORMAT_NPZ,         /* a zip of .npy members, stored or deflated */
  ILAB_FORMAT_SAFETENSORS, /* 8-byte little-endian header length, JSON, data */
  ILAB_FORMAT_TEXT         /* numbers separated by white space */
} ilab_tensor_format;

/* One tensor: its name, shape and dtype as stored, and its values converted
 * exactly to double in C (row-major) order. */
typedef struct {
  char name[256];
  int ndim;
  size_t shape[ILAB_TENSOR_MAXDIM];
  ilab_dtype dtype;
  size_t n;     /* product of the shape (1 for ndim 0) */
  double *x;    /* n values; owned by the reader that filled the tensor */
} ilab_tensor;

/* An open file (or buffer) and the index of its tensors. */
typedef struct ilab_tensorio ilab_tensorio;

/* Opens path (mmap) and reads its index: the .npy header, the zip's central
 * directory and each member's .npy header, or the safetensors JSON header.
 * A text file is read as one tensor of the given shape (ndim > 0), or as a
 * vector of all its numbers (ndim == 0).  Each tensor's shape, dtype and
 * extent are checked against the file here, so that a later read cannot run
 * past the end or allocate more than the data in the file.  ILAB_EIO if the
 * file cannot be opened, ILAB_EPARSE for a damaged or unsupported file (the
 * reason says what is wrong), ILAB_ENOMEM. */
int ilab_tensorio_open(const char *path, ilab_tensor_format fmt, const size_t *shape, int ndim,
                       ilab_tensorio **t);

/* The same on size bytes at data, which must outlive the reader; name stands
 * for the file in names and reasons.  fmt must not be ILAB_FORMAT_AUTO unless
 * name has an extension to go by. */
int ilab_tensorio_open_mem(const char *name, ilab_tensor_format fmt, const void *data, size_t size,
                           const size_t *shape, int ndim, ilab_tensorio **t);

/* Closes the file and frees the reader and every value buffer it handed out.
 * NULL is a no-op. */
void ilab_tensorio_free(ilab_tensorio *t);

/* Number of tensors, and the i-th one's name, shape and dtype (t->x NULL)
 * without reading its values. */
size_t ilab_tensorio_count(const ilab_tensorio *t);
int ilab_tensorio_info(const ilab_tensorio *t, size_t i, ilab_tensor *out);

/* Reads the i-th tensor's values into a buffer the reader owns and reuses
 * (so memory stays bounded by the largest tensor: out->x is valid until the
 * next read).  ILAB_EPARSE if the data turn out damaged (a truncated or
 * corrupt zip member, a number that does not parse), ILAB_ENOMEM. */
int ilab_tensorio_read(ilab_tensorio *t, size_t i, ilab_tensor *out);

/* "float64", "float32", "float16", "bfloat16". */
const char *ilab_dtype_name(ilab_dtype d);

/* The exact value of the binary16 and bfloat16 patterns h, and the pattern
 * nearest x (ties to even, as IEEE 754 rounding does; overflow to inf). */
double ilab_half_to_double(unsigned h);
double ilab_bf16_to_double(unsigned h);
unsigned ilab_double_to_half(double x);
unsigned ilab_double_to_bf16(double x);

/* Writes "AxBxC" (or "scalar") into buf. */
void ilab_tensor_shape_str(const ilab_tensor *t, char *buf, size_t size);

#endif
