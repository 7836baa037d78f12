/* Readers for weight files: NumPy's .npy (its header is a Python literal,
 * parsed here) and .npz (a zip, read with libzip), safetensors (the header
 * is JSON, read with jansson) and plain text, one tensor at a time. */
#include "tensorio.h"
#include "ilab.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <zip.h>

/* The largest .npy header accepted: NumPy's writer pads the header to a
 * multiple of 64 bytes and its reader refuses more than 10000 by default; a
 * header beyond 1 MiB is damage, not a tensor. */
#define NPY_MAX_HEADER ((size_t)1 << 20)
/* The safetensors format limits its JSON header to 100 MB. */
#define ST_MAX_HEADER ((uint64_t)100000000)
/* Deflate expands at most 1032:1 (RFC 1951: a 258-byte match in 2 bits,
 * plus block overhead); a member claiming more is lying. */
#define DEFLATE_MAX_RATIO 1032
/* Bytes read from a zip member at a time. */
#define CHUNK ((size_t)1 << 16)

typedef struct {
  char name[256];
  int ndim;
  size_t shape[ILAB_TENSOR_MAXDIM];
  ilab_dtype dtype;
  size_t n;
  int big_endian, fortran;
  size_t offset;     /* npy, safetensors: where the data start in the buffer */
  zip_uint64_t zidx; /* npz: the member's index */
  size_t skip;       /* npz: bytes of .npy header before the data; safetensors: where the data end */
} entry;

struct ilab_tensorio {
  char path[512];
  ilab_tensor_format fmt;
  const unsigned char *data;
  size_t size;
  void *map;          /* mmap of the file, or NULL when reading a caller's buffer */
  size_t map_size;
  zip_t *zip;
  entry *e;
  size_t ne;
  double *buf;        /* values of the last tensor read */
  size_t cap;
  unsigned char *raw; /* npz: CHUNK bytes from the member */
};

static size_t item_size(ilab_dtype d)
{
  return d == ILAB_DTYPE_F64 ? 8 : d == ILAB_DTYPE_F32 ? 4 : 2;
}

const char *ilab_dtype_name(ilab_dtype d)
{
  switch (d) {
  case ILAB_DTYPE_F64: return "float64";
  case ILAB_DTYPE_F32: return "float32";
  case ILAB_DTYPE_F16: return "float16";
  case ILAB_DTYPE_BF16: return "bfloat16";
  }
  return "?";
}

double ilab_half_to_double(unsigned h)
{
  int sign = (h >> 15) & 1, e = (h >> 10) & 31;
  unsigned f = h & 1023;
  double v;
  if (e == 31) v = f ? NAN : INFINITY;
  else if (e == 0) v = ldexp((double)f, -24); /* subnormal: f 2^-10 2^-14 */
  else v = ldexp((double)(f | 1024), e - 25);
  return sign ? -v : v;
}

double ilab_bf16_to_double(unsigned h)
{
  uint32_t u = (uint32_t)(h & 0xffff) << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return (double)f;
}

unsigned ilab_double_to_half(double x)
{
  unsigned sign = signbit(x) ? 0x8000u : 0;
  double a = fabs(x);
  if (isnan(x)) return 0x7e00u;
  /* 65520 = 65504 + half an ulp: from there (ties to even go up) it is inf */
  if (a >= 65520.0) return sign | 0x7c00u;
  if (a < ldexp(1, -14)) { /* subnormal grid 2^-24 */
    double q = nearbyint(a * 16777216.0); /* ties to even under the default mode */
    return sign | (unsigned)q;
  }
  int e;
  double m = frexp(a, &e); /* a = m 2^e, m in [0.5, 1) */
  double q = nearbyint(m * 2048.0); /* 11 significant bits */
  if (q >= 2048.0) { q = 1024.0; e++; }
  if (e + 14 >= 31) return sign | 0x7c00u;
  return sign | (unsigned)((e + 14) << 10) | ((unsigned)q - 1024u);
}

unsigned ilab_double_to_bf16(double x)
{
  if (isnan(x)) return 0x7fc0u;
  unsigned sign = signbit(x) ? 0x8000u : 0;
  double a = fabs(x);
  /* bf16 has float's exponent range and 8 significant bits */
  if (a >= ldexp(255.0 / 128 + 1.0 / 256, 127)) return sign | 0x7f80u;
  if (a < ldexp(1, -126)) return sign | (unsigned)nearbyint(a * ldexp(1, 133));
  int e;
  double m = frexp(a, &e);
  double q = nearbyint(m * 256.0);
  if (q >= 256.0) { q = 128.0; e++; }
  if (e + 126 >= 255) return sign | 0x7f80u;
  return sign | (unsigned)((e + 126) << 7) | ((unsigned)q - 128u);
}

void ilab_tensor_shape_str(const ilab_tensor *t, char *buf, size_t size)
{
  if (size == 0) return;
  if (t->ndim == 0) { snprintf(buf, size, "scalar"); return; }
  size_t len = 0;
  buf[0] = '\0';
  for (int k = 0; k < t->ndim && len < size; k++) {
    int w = snprintf(buf + len, size - len, k ? "x%zu" : "%zu", t->shape[k]);
    if (w < 0) break;
    len += (size_t)w;
  }
}

/* n = product of the shape, or ILAB_EPARSE if it overflows. */
static int shape_count(const char *path, const char *name, const size_t *shape, int ndim, size_t *n)
{
  size_t c = 1;
  for (int k = 0; k < ndim; k++) {
    if (shape[k] != 0 && c > SIZE_MAX / shape[k])
      ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': shape overflows a size_t", path, name);
    c *= shape[k];
  }
  *n = c;
  return ILAB_OK;
}

/* ---- .npy ------------------------------------------------------------------ */

/* A cursor over the header's Python literal, e.g.
 * {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }  */
typedef struct {
  const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int eat(cursor *c, char ch)
{
  skip_ws(c);
  if (c->p < c->end && *c->p == ch) { c->p++; return 1; }
  return 0;
}

/* A quoted string (no escapes: the keys and dtypes NumPy writes have none). */
static int read_str(cursor *c, char *out, size_t size)
{
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return 0;
  char q = *c->p++;
  size_t len = 0;
  while (c->p < c->end && *c->p != q) {
    if (*c->p == '\\' || len + 1 >= size) return 0;
    out[len++] = *c->p++;
  }
  if (c->p >= c->end) return 0;
  c->p++;
  out[len] = '\0';
  return 1;
}

static int read_size(cursor *c, size_t *v)
{
  skip_ws(c);
  size_t x = 0;
  const char *s = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
    unsigned d = (unsigned)(*c->p - '0');
    if (x > (SIZE_MAX - d) / 10) return 0;
    x = 10 * x + d;
    c->p++;
  }
  if (c->p == s) return 0;
  if (c->p < c->end && *c->p == 'L') c->p++; /* Python 2's long suffix */
  *v = x;
  return 1;
}

/* Parses the header dict of a .npy into e (shape, dtype, order).  where names
 * the file (and member) in reasons. */
static int npy_dict(const char *where, const char *h, size_t len, entry *e)
{
  cursor c = {h, h + len};
  int have_descr = 0, have_order = 0, have_shape = 0;
  if (!eat(&c, '{')) ILAB_ERROR(ILAB_EPARSE, "%s: .npy header is not a dict", where);
  while (!eat(&c, '}')) {
    char key[32], val[64];
    if (!read_str(&c, key, sizeof key) || !eat(&c, ':'))
      ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: expected 'key': value", where);
    if (!strcmp(key, "descr")) {
      if (!read_str(&c, val, sizeof val))
        ILAB_ERROR(ILAB_EPARSE, "%s: unsupported dtype (a structured or unreadable descr)", where);
      /* '<' little-endian, '>' big-endian, '=' native, '|' not applicable */
      char order = val[0];
      const char *t = val + 1;
      if (!strcmp(t, "f8")) e->dtype = ILAB_DTYPE_F64;
      else if (!strcmp(t, "f4")) e->dtype = ILAB_DTYPE_F32;
      else if (!strcmp(t, "f2")) e->dtype = ILAB_DTYPE_F16;
      else order = 0;
      if (order != '<' && order != '>' && order != '=')
        ILAB_ERROR(ILAB_EPARSE, "%s: unsupported dtype '%s' (float16, float32 and float64 are read: "
                   "<f2 <f4 >f4 <f8 >f8)", where, val);
      uint16_t one = 1;
      int native_big = *(unsigned char *)&one == 0;
      e->big_endian = order == '>' || (order == '=' && native_big);
      have_descr = 1;
    } else if (!strcmp(key, "fortran_order")) {
      skip_ws(&c);
      if (c.end - c.p >= 4 && !memcmp(c.p, "True", 4)) { e->fortran = 1; c.p += 4; }
      else if (c.end - c.p >= 5 && !memcmp(c.p, "False", 5)) { e->fortran = 0; c.p += 5; }
      else ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: fortran_order must be True or False", where);
      have_order = 1;
    } else if (!strcmp(key, "shape")) {
      if (!eat(&c, '(')) ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: shape must be a tuple", where);
      e->ndim = 0;
      while (!eat(&c, ')')) {
        if (e->ndim == ILAB_TENSOR_MAXDIM)
          ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: more than %d axes", where, ILAB_TENSOR_MAXDIM);
        if (!read_size(&c, &e->shape[e->ndim]))
          ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: shape must hold whole numbers >= 0", where);
        e->ndim++;
        if (!eat(&c, ',')) {
          if (!eat(&c, ')')) ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: shape tuple not closed", where);
          break;
        }
      }
      have_shape = 1;
    } else {
      ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: unknown key '%s'", where, key);
    }
    if (!eat(&c, ',')) {
      if (!eat(&c, '}')) ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: expected ',' or '}'", where);
      break;
    }
  }
  skip_ws(&c);
  if (c.p != c.end) ILAB_ERROR(ILAB_EPARSE, "%s: .npy header: text after the dict", where);
  if (!have_descr || !have_order || !have_shape)
    ILAB_ERROR(ILAB_EPARSE, "%s: .npy header lacks %s", where,
               !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
  return ILAB_OK;
}

/* The fixed part of a .npy: magic, version, header length.  p holds avail
 * bytes; on success *hdr_off and *hdr_len locate the dict. */
static int npy_preamble(const char *where, const unsigned char *p, size_t avail, size_t *hdr_off,
                        size_t *hdr_len)
{
  if (avail < 10 || memcmp(p, "\x93NUMPY", 6))
    ILAB_ERROR(ILAB_EPARSE, "%s: not a .npy file (%s)", where, avail < 10 ? "shorter than its preamble" : "no \\x93NUMPY magic");
  unsigned major = p[6];
  if (major == 1) {
    *hdr_len = (size_t)p[8] | (size_t)p[9] << 8;
    *hdr_off = 10;
  } else if (major == 2 || major == 3) {
    if (avail < 12) ILAB_ERROR(ILAB_EPARSE, "%s: truncated .npy preamble", where);
    *hdr_len = (size_t)p[8] | (size_t)p[9] << 8 | (size_t)p[10] << 16 | (size_t)p[11] << 24;
    *hdr_off = 12;
  } else {
    ILAB_ERROR(ILAB_EPARSE, "%s: .npy version %u.%u is not supported (1.0, 2.0, 3.0 are)", where, major, p[7]);
  }
  if (*hdr_len > NPY_MAX_HEADER)
    ILAB_ERROR(ILAB_EPARSE, "%s: .npy header length %zu is beyond any NumPy writer's", where, *hdr_len);
  return ILAB_OK;
}

/* Checks the data's extent: exactly n items after the header. */
static int npy_extent(const char *where, const entry *e, size_t have)
{
  size_t need;
  if (e->n > SIZE_MAX / item_size(e->dtype))
    ILAB_ERROR(ILAB_EPARSE, "%s: .npy header's shape overflows a size_t", where);
  need = e->n * item_size(e->dtype);
  if (have < need)
    ILAB_ERROR(ILAB_EPARSE, "%s: truncated: the header promises %zu bytes of data, there are %zu", where,
               need, have);
  if (have > need)
    ILAB_ERROR(ILAB_EPARSE, "%s: the header's shape does not match the data: %zu bytes promised, %zu there",
               where, need, have);
  return ILAB_OK;
}

static void stem(const char *path, char *out, size_t size)
{
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  const char *dot = strrchr(b, '.');
  size_t len = dot && dot != b ? (size_t)(dot - b) : strlen(b);
  if (len >= size) len = size - 1;
  memcpy(out, b, len);
  out[len] = '\0';
}

static int set_name(ilab_tensorio *t, entry *e, const char *name, size_t len)
{
  if (len >= sizeof e->name)
    ILAB_ERROR(ILAB_EPARSE, "%s: a tensor name is longer than %zu bytes", t->path, sizeof e->name - 1);
  memcpy(e->name, name, len);
  e->name[len] = '\0';
  return ILAB_OK;
}

static int open_npy(ilab_tensorio *t)
{
  size_t off = 0, len = 0;
  int st = npy_preamble(t->path, t->data, t->size, &off, &len);
  if (st) return st;
  if (len > t->size - off)
    ILAB_ERROR(ILAB_EPARSE, "%s: .npy header length %zu is beyond the end of the file (%zu bytes)", t->path,
               len, t->size);
  t->e = calloc(1, sizeof *t->e);
  if (!t->e) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  t->ne = 1;
  entry *e = t->e;
  stem(t->path, e->name, sizeof e->name);
  if ((st = npy_dict(t->path, (const char *)t->data + off, len, e))) return st;
  if ((st = shape_count(t->path, e->name, e->shape, e->ndim, &e->n))) return st;
  e->offset = off + len;
  return npy_extent(t->path, e, t->size - e->offset);
}

/* ---- .npz ------------------------------------------------------------------ */

static int zip_failure(ilab_tensorio *t, const char *member, zip_error_t *ze)
{
  return ilab_error(ILAB_EPARSE, "%s%s%s: corrupt zip: %s", t->path, member ? ": " : "", member ? member : "",
                    zip_error_strerror(ze));
}

/* Reads exactly len bytes of member f into out; ILAB_EPARSE if it ends early. */
static int zread(ilab_tensorio *t, zip_file_t *f, const char *member, void *out, size_t len)
{
  size_t got = 0;
  while (got < len) {
    zip_int64_t r = zip_fread(f, (unsigned char *)out + got, len - got);
    if (r < 0) return zip_failure(t, member, zip_file_get_error(f));
    if (r == 0) ILAB_ERROR(ILAB_EPARSE, "%s: %s: truncated zip member", t->path, member);
    got += (size_t)r;
  }
  return ILAB_OK;
}

static int open_npz(ilab_tensorio *t)
{
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_buffer_create(t->data, t->size, 0, &ze);
  if (!src) { int st = zip_failure(t, NULL, &ze); zip_error_fini(&ze); return st; }
  t->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
  if (!t->zip) {
    zip_source_free(src);
    int st = zip_error_code_zip(&ze) == ZIP_ER_NOZIP
                 ? ilab_error(ILAB_EPARSE, "%s: not a zip file (an .npz is one)", t->path)
                 : zip_failure(t, NULL, &ze);
    zip_error_fini(&ze);
    return st;
  }
  zip_error_fini(&ze);
  zip_int64_t count = zip_get_num_entries(t->zip, 0);
  if (count <= 0) ILAB_ERROR(ILAB_EPARSE, "%s: empty zip: no .npy members", t->path);
  t->e = calloc((size_t)count, sizeof *t->e);
  t->raw = malloc(CHUNK);
  if (!t->e || !t->raw) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  for (zip_int64_t i = 0; i < count; i++) {
    zip_stat_t zs;
    if (zip_stat_index(t->zip, (zip_uint64_t)i, 0, &zs) != 0) return zip_failure(t, NULL, zip_get_error(t->zip));
    const char *mname = zs.name;
    size_t mlen = strlen(mname);
    if (mlen && mname[mlen - 1] == '/') continue; /* a folder */
    entry *e = &t->e[t->ne];
    size_t nlen = mlen >= 4 && !strcmp(mname + mlen - 4, ".npy") ? mlen - 4 : mlen;
    int st = set_name(t, e, mname, nlen);
    if (st) return st;
    if (!(zs.valid & ZIP_STAT_SIZE) || !(zs.valid & ZIP_STAT_COMP_SIZE) || !(zs.valid & ZIP_STAT_COMP_METHOD))
      ILAB_ERROR(ILAB_EPARSE, "%s: %s: the zip directory lacks the member's sizes", t->path, mname);
    if (zs.comp_method != ZIP_CM_STORE && zs.comp_method != ZIP_CM_DEFLATE)
      ILAB_ERROR(ILAB_EPARSE, "%s: %s: compression method %d is not supported (stored and deflated are)",
                 t->path, mname, (int)zs.comp_method);
    if (zs.comp_size > t->size)
      ILAB_ERROR(ILAB_EPARSE, "%s: %s: compressed size %llu is beyond the file", t->path, mname,
                 (unsigned long long)zs.comp_size);
    if (zs.comp_method == ZIP_CM_STORE ? zs.size != zs.comp_size
                                       : zs.size / DEFLATE_MAX_RATIO > zs.comp_size + 1)
      ILAB_ERROR(ILAB_EPARSE, "%s: %s: the zip directory's size %llu cannot come from %llu %s bytes", t->path,
                 mname, (unsigned long long)zs.size, (unsigned long long)zs.comp_size,
                 zs.comp_method == ZIP_CM_STORE ? "stored" : "deflated");
    if (zs.size > SIZE_MAX) ILAB_ERROR(ILAB_EPARSE, "%s: %s: member too large", t->path, mname);
    /* the member's .npy header */
    zip_file_t *f = zip_fopen_index(t->zip, (zip_uint64_t)i, 0);
    if (!f) return zip_failure(t, mname, zip_get_error(t->zip));
    char where[600];
    snprintf(where, sizeof where, "%s: %s", t->path, mname);
    size_t avail = zs.size < 12 ? (size_t)zs.size : 12, off = 0, len = 0;
    unsigned char pre[12];
    st = zread(t, f, mname, pre, avail);
    if (!st) st = npy_preamble(where, pre, avail, &off, &len);
    if (!st && (off > zs.size || len > zs.size - off))
      st = ilab_error(ILAB_EPARSE, "%s: .npy header length %zu is beyond the end of the member (%llu bytes)",
                      where, len, (unsigned long long)zs.size);
    char *hdr = NULL;
    if (!st && !(hdr = malloc(len + 12))) st = ilab_error(ILAB_ENOMEM, "out of memory");
    if (!st) {
      memcpy(hdr, pre, avail);
      st = zread(t, f, mname, hdr + avail, off + len - avail);
    }
    if (!st) st = npy_dict(where, hdr + off, len, e);
    free(hdr);
    zip_fclose(f);
    if (!st) st = shape_count(where, e->name, e->shape, e->ndim, &e->n);
    if (!st) st = npy_extent(where, e, (size_t)zs.size - off - len);
    if (st) return st;
    e->zidx = (zip_uint64_t)i;
    e->skip = off + len;
    t->ne++;
  }
  if (t->ne == 0) ILAB_ERROR(ILAB_EPARSE, "%s: empty zip: no .npy members", t->path);
  return ILAB_OK;
}

/* ---- .safetensors ---------------------------------------------------------- */

static int cmp_offset(const void *a, const void *b)
{
  const entry *x = a, *y = b;
  return x->offset < y->offset ? -1 : x->offset > y->offset ? 1 : strcmp(x->name, y->name);
}

static int st_size(json_t *v, size_t *out)
{
  if (!json_is_integer(v) || json_integer_value(v) < 0) return 0;
  json_int_t x = json_integer_value(v);
  if ((unsigned long long)x > SIZE_MAX) return 0;
  *out = (size_t)x;
  return 1;
}

static int st_entry(ilab_tensorio *t, const char *key, json_t *v, entry *e, size_t *end, size_t datasize)
{
  int st = set_name(t, e, key, strlen(key));
  if (st) return st;
  if (!json_is_object(v)) ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': its header entry is not an object", t->path, key);
  json_t *dt = json_object_get(v, "dtype"), *sh = json_object_get(v, "shape"), *of = json_object_get(v, "data_offsets");
  if (!json_is_string(dt) || !json_is_array(sh) || !json_is_array(of) || json_array_size(of) != 2)
    ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': needs \"dtype\" (a string), \"shape\" (an array) and "
               "\"data_offsets\" (two numbers)", t->path, key);
  const char *d = json_string_value(dt);
  if (!strcmp(d, "F64")) e->dtype = ILAB_DTYPE_F64;
  else if (!strcmp(d, "F32")) e->dtype = ILAB_DTYPE_F32;
  else if (!strcmp(d, "F16")) e->dtype = ILAB_DTYPE_F16;
  else if (!strcmp(d, "BF16")) e->dtype = ILAB_DTYPE_BF16;
  else ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': unsupported dtype '%.32s' (F64, F32, F16, BF16 are read)",
                  t->path, key, d);
  if (json_array_size(sh) > ILAB_TENSOR_MAXDIM)
    ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': more than %d axes", t->path, key, ILAB_TENSOR_MAXDIM);
  e->ndim = (int)json_array_size(sh);
  for (int k = 0; k < e->ndim; k++)
    if (!st_size(json_array_get(sh, (size_t)k), &e->shape[k]))
      ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': shape must hold whole numbers >= 0", t->path, key);
  size_t b, en;
  if (!st_size(json_array_get(of, 0), &b) || !st_size(json_array_get(of, 1), &en) || b > en)
    ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': data_offsets must be [begin, end] with 0 <= begin <= end", t->path, key);
  if (en > datasize)
    ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': data_offsets end %zu is beyond the data (%zu bytes): truncated file "
               "or lying header", t->path, key, en, datasize);
  if ((st = shape_count(t->path, key, e->shape, e->ndim, &e->n))) return st;
  if (e->n > SIZE_MAX / item_size(e->dtype) || e->n * item_size(e->dtype) != en - b)
    ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': shape and dtype make %zu bytes, data_offsets span %zu", t->path, key,
               e->n <= SIZE_MAX / item_size(e->dtype) ? e->n * item_size(e->dtype) : SIZE_MAX, en - b);
  e->offset = b;
  *end = en;
  return ILAB_OK;
}

static int open_safetensors(ilab_tensorio *t)
{
  if (t->size < 8) ILAB_ERROR(ILAB_EPARSE, "%s: truncated: shorter than the 8-byte header length", t->path);
  uint64_t hl = 0;
  for (int k = 7; k >= 0; k--) hl = hl << 8 | t->data[k];
  if (hl > t->size - 8)
    ILAB_ERROR(ILAB_EPARSE, "%s: header length %llu is beyond the end of the file (%zu bytes)", t->path,
               (unsigned long long)hl, t->size);
  if (hl > ST_MAX_HEADER)
    ILAB_ERROR(ILAB_EPARSE, "%s: header length %llu is beyond the format's 100 MB", t->path, (unsigned long long)hl);
  json_error_t je;
  json_t *root = json_loadb((const char *)t->data + 8, (size_t)hl, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    ILAB_ERROR(ILAB_EPARSE, "%s: malformed JSON header: %s (line %d, column %d)", t->path, je.text, je.line, je.column);
  if (!json_is_object(root)) {
    json_decref(root);
    ILAB_ERROR(ILAB_EPARSE, "%s: the JSON header is not an object", t->path);
  }
  size_t datasize = t->size - 8 - (size_t)hl, cnt = json_object_size(root);
  t->e = calloc(cnt ? cnt : 1, sizeof *t->e);
  size_t *ends = calloc(cnt ? cnt : 1, sizeof *ends);
  int st = t->e && ends ? ILAB_OK : ilab_error(ILAB_ENOMEM, "out of memory");
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    if (st) break;
    if (!strcmp(key, "__metadata__")) continue;
    st = st_entry(t, key, v, &t->e[t->ne], &ends[t->ne], datasize);
    if (!st) t->e[t->ne].offset += 8 + (size_t)hl, t->ne++;
  }
  json_decref(root);
  if (!st && t->ne == 0) st = ilab_error(ILAB_EPARSE, "%s: the header names no tensors", t->path);
  if (st) { free(ends); return st; }
  /* The data must be covered exactly, without holes or overlaps, as the
   * format requires: otherwise the offsets lie. */
  for (size_t i = 0; i < t->ne; i++) t->e[i].skip = ends[i] + 8 + (size_t)hl; /* the end, kept beside the begin */
  free(ends);
  qsort(t->e, t->ne, sizeof *t->e, cmp_offset);
  size_t at = 8 + (size_t)hl;
  for (size_t i = 0; i < t->ne; i++) {
    if (t->e[i].offset != at)
      ILAB_ERROR(ILAB_EPARSE, "%s: tensor '%s': data_offsets begin at %zu, where %zu was expected (a hole or an "
                 "overlap)", t->path, t->e[i].name, t->e[i].offset - 8 - (size_t)hl, at - 8 - (size_t)hl);
    at = t->e[i].skip;
  }
  if (at != t->size)
    ILAB_ERROR(ILAB_EPARSE, "%s: %zu bytes after the last tensor's data", t->path, t->size - at);
  return ILAB_OK;
}

/* ---- text ------------------------------------------------------------------ */

/* Calls fn on each number token; '#' starts a comment to the end of the line. */
typedef int (*token_fn)(ilab_tensorio *t, const char *tok, size_t len, size_t line, size_t k);

static int each_token(ilab_tensorio *t, token_fn fn, size_t *count)
{
  const char *p = (const char *)t->data, *end = p + t->size;
  size_t line = 1, k = 0;
  while (p < end) {
    char c = *p;
    if (c == '\n') { line++; p++; continue; }
    if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '\f' || c == '\v') { p++; continue; }
    if (c == '#') { while (p < end && *p != '\n') p++; continue; }
    const char *s = p;
    while (p < end && !strchr(" \t\r\n,\f\v#", *p) && *p) p++;
    if (p == s) /* a NUL byte */
      ILAB_ERROR(ILAB_EPARSE, "%s:%zu: a NUL byte: not a text file", t->path, line);
    int st = fn(t, s, (size_t)(p - s), line, k);
    if (st) return st;
    k++;
  }
  *count = k;
  return ILAB_OK;
}

static int parse_token(ilab_tensorio *t, const char *tok, size_t len, size_t line, double *v)
{
  char b[64];
  if (len >= sizeof b) ILAB_ERROR(ILAB_EPARSE, "%s:%zu: '%.20s...' is not a number", t->path, line, tok);
  memcpy(b, tok, len);
  b[len] = '\0';
  char *e;
  errno = 0;
  *v = strtod(b, &e);
  if (e == b || *e != '\0') ILAB_ERROR(ILAB_EPARSE, "%s:%zu: '%s' is not a number", t->path, line, b);
  return ILAB_OK;
}

static int check_token(ilab_tensorio *t, const char *tok, size_t len, size_t line, size_t k)
{
  (void)k;
  double v;
  return parse_token(t, tok, len, line, &v);
}

static int store_token(ilab_tensorio *t, const char *tok, size_t len, size_t line, size_t k)
{
  if (k >= t->e[0].n) ILAB_ERROR(ILAB_EPARSE, "%s:%zu: more numbers than the shape holds", t->path, line);
  return parse_token(t, tok, len, line, &t->buf[k]);
}

static int open_text(ilab_tensorio *t, const size_t *shape, int ndim)
{
  t->e = calloc(1, sizeof *t->e);
  if (!t->e) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  t->ne = 1;
  entry *e = t->e;
  stem(t->path, e->name, sizeof e->name);
  e->dtype = ILAB_DTYPE_F64;
  size_t count;
  int st = each_token(t, check_token, &count);
  if (st) return st;
  if (ndim > 0) {
    if (ndim > ILAB_TENSOR_MAXDIM) ILAB_ERROR(ILAB_EINVAL, "more than %d axes", ILAB_TENSOR_MAXDIM);
    e->ndim = ndim;
    memcpy(e->shape, shape, (size_t)ndim * sizeof *shape);
    if ((st = shape_count(t->path, e->name, e->shape, e->ndim, &e->n))) return st;
    if (e->n != count)
      ILAB_ERROR(ILAB_EPARSE, "%s: %zu numbers, but the shape given holds %zu", t->path, count, e->n);
  } else {
    e->ndim = 1;
    e->shape[0] = e->n = count;
  }
  return ILAB_OK;
}

/* ---- the reader ------------------------------------------------------------ */

static ilab_tensor_format sniff(const char *name, const unsigned char *p, size_t size)
{
  const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
  if (dot && (!slash || dot > slash)) {
    if (!strcmp(dot, ".npy")) return ILAB_FORMAT_NPY;
    if (!strcmp(dot, ".npz")) return ILAB_FORMAT_NPZ;
    if (!strcmp(dot, ".safetensors")) return ILAB_FORMAT_SAFETENSORS;
  }
  if (size >= 6 && !memcmp(p, "\x93NUMPY", 6)) return ILAB_FORMAT_NPY;
  if (size >= 4 && !memcmp(p, "PK", 2) && p[2] < 9 && p[3] < 9) return ILAB_FORMAT_NPZ;
  return ILAB_FORMAT_TEXT;
}

static int open_common(ilab_tensorio *t, ilab_tensor_format fmt, const size_t *shape, int ndim)
{
  if (fmt == ILAB_FORMAT_AUTO) fmt = sniff(t->path, t->data, t->size);
  t->fmt = fmt;
  switch (fmt) {
  case ILAB_FORMAT_NPY: return open_npy(t);
  case ILAB_FORMAT_NPZ: return open_npz(t);
  case ILAB_FORMAT_SAFETENSORS: return open_safetensors(t);
  case ILAB_FORMAT_TEXT: return open_text(t, shape, ndim);
  default: ILAB_ERROR(ILAB_EINVAL, "%s: unknown format", t->path);
  }
}

int ilab_tensorio_open_mem(const char *name, ilab_tensor_format fmt, const void *data, size_t size,
                           const size_t *shape, int ndim, ilab_tensorio **out)
{
  *out = NULL;
  ilab_tensorio *t = calloc(1, sizeof *t);
  if (!t) ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  snprintf(t->path, sizeof t->path, "%s", name);
  static const unsigned char empty[1] = {0};
  t->data = size ? data : empty;
  t->size = size;
  int st = open_common(t, fmt, shape, ndim);
  if (st) { ilab_tensorio_free(t); return st; }
  *out = t;
  return ILAB_OK;
}

int ilab_tensorio_open(const char *path, ilab_tensor_format fmt, const size_t *shape, int ndim,
                       ilab_tensorio **out)
{
  *out = NULL;
  int fd = open(path, O_RDONLY);
  if (fd < 0) ILAB_ERROR(ILAB_EIO, "%s: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    int e = errno;
    close(fd);
    ILAB_ERROR(ILAB_EIO, "%s: %s", path, S_ISDIR(sb.st_mode) ? "is a folder" : !S_ISREG(sb.st_mode) ? "not a regular file" : strerror(e));
  }
  ilab_tensorio *t = calloc(1, sizeof *t);
  if (!t) { close(fd); ILAB_ERROR(ILAB_ENOMEM, "out of memory"); }
  snprintf(t->path, sizeof t->path, "%s", path);
  static const unsigned char empty[1] = {0};
  t->data = empty;
  t->size = (size_t)sb.st_size;
  if (t->size > 0) {
    void *m = mmap(NULL, t->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      close(fd);
      free(t);
      ILAB_ERROR(ILAB_EIO, "%s: cannot map: %s", path, strerror(e));
    }
    t->map = m;
    t->map_size = t->size;
    t->data = m;
  }
  close(fd);
  int st = open_common(t, fmt, shape, ndim);
  if (st) { ilab_tensorio_free(t); return st; }
  *out = t;
  return ILAB_OK;
}

void ilab_tensorio_free(ilab_tensorio *t)
{
  if (!t) return;
  if (t->zip) zip_discard(t->zip);
  if (t->map) munmap(t->map, t->map_size);
  free(t->e);
  free(t->buf);
  free(t->raw);
  free(t);
}

size_t ilab_tensorio_count(const ilab_tensorio *t) { return t->ne; }

int ilab_tensorio_info(const ilab_tensorio *t, size_t i, ilab_tensor *out)
{
  memset(out, 0, sizeof *out);
  if (i >= t->ne) ILAB_ERROR(ILAB_EINVAL, "%s: no tensor %zu", t->path, i);
  const entry *e = &t->e[i];
  memcpy(out->name, e->name, sizeof out->name);
  out->ndim = e->ndim;
  memcpy(out->shape, e->shape, sizeof out->shape);
  out->dtype = e->dtype;
  out->n = e->n;
  return ILAB_OK;
}

/* Where the j-th value in file order goes in C order: for Fortran order the
 * first axis runs fastest in the file. */
typedef struct {
  int fortran, ndim;
  size_t idx[ILAB_TENSOR_MAXDIM], stride[ILAB_TENSOR_MAXDIM], shape[ILAB_TENSOR_MAXDIM];
  size_t pos;
} placer;

static void placer_init(placer *pl, const entry *e)
{
  memset(pl, 0, sizeof *pl);
  pl->fortran = e->fortran && e->ndim > 1;
  pl->ndim = e->ndim;
  size_t s = 1;
  for (int k = e->ndim - 1; k >= 0; k--) {
    pl->stride[k] = s;
    pl->shape[k] = e->shape[k];
    s *= e->shape[k];
  }
}

static size_t placer_next(placer *pl)
{
  if (!pl->fortran) return pl->pos++;
  size_t at = pl->pos;
  for (int k = 0; k < pl->ndim; k++) { /* first axis fastest */
    pl->idx[k]++;
    pl->pos += pl->stride[k];
    if (pl->idx[k] < pl->shape[k]) break;
    pl->pos -= pl->idx[k] * pl->stride[k];
    pl->idx[k] = 0;
  }
  return at;
}

/* Converts m items of raw bytes to doubles at their C-order places. */
static void convert(const entry *e, const unsigned char *p, size_t m, double *x, placer *pl)
{
  int be = e->big_endian;
  for (size_t j = 0; j < m; j++) {
    double v;
    switch (e->dtype) {
    case ILAB_DTYPE_F64: {
      uint64_t u = 0;
      for (int k = 0; k < 8; k++) u |= (uint64_t)p[8 * j + (be ? 7 - k : k)] << (8 * k);
      memcpy(&v, &u, sizeof v);
      break;
    }
    case ILAB_DTYPE_F32: {
      uint32_t u = 0;
      float f;
      for (int k = 0; k < 4; k++) u |= (uint32_t)p[4 * j + (be ? 3 - k : k)] << (8 * k);
      memcpy(&f, &u, sizeof f);
      v = f;
      break;
    }
    default: {
      unsigned h = be ? (unsigned)p[2 * j] << 8 | p[2 * j + 1] : (unsigned)p[2 * j + 1] << 8 | p[2 * j];
      v = e->dtype == ILAB_DTYPE_F16 ? ilab_half_to_double(h) : ilab_bf16_to_double(h);
    }
    }
    x[placer_next(pl)] = v;
  }
}

int ilab_tensorio_read(ilab_tensorio *t, size_t i, ilab_tensor *out)
{
  int st = ilab_tensorio_info(t, i, out);
  if (st) return st;
  const entry *e = &t->e[i];
  size_t need = e->n ? e->n : 1;
  if (need > t->cap) {
    if (need > SIZE_MAX / sizeof *t->buf) ILAB_ERROR(ILAB_ENOMEM, "%s: tensor '%s' too large", t->path, e->name);
    double *nb = realloc(t->buf, need * sizeof *nb);
    if (!nb) ILAB_ERROR(ILAB_ENOMEM, "%s: out of memory for tensor '%s' (%zu values)", t->path, e->name, e->n);
    t->buf = nb;
    t->cap = need;
  }
  placer pl;
  placer_init(&pl, e);
  size_t is = item_size(e->dtype);
  switch (t->fmt) {
  case ILAB_FORMAT_TEXT: {
    size_t count;
    st = each_token(t, store_token, &count);
    if (!st && count != e->n) st = ilab_error(ILAB_EPARSE, "%s: the file changed while it was read", t->path);
    break;
  }
  case ILAB_FORMAT_NPZ: {
    zip_file_t *f = zip_fopen_index(t->zip, e->zidx, 0);
    if (!f) return zip_failure(t, e->name, zip_get_error(t->zip));
    st = e->skip ? ILAB_OK : ILAB_EPARSE;
    for (size_t left = e->skip; !st && left > 0;) {
      size_t m = left < CHUNK ? left : CHUNK;
      st = zread(t, f, e->name, t->raw, m);
      left -= m;
    }
    size_t per = CHUNK / is;
    for (size_t done = 0; !st && done < e->n;) {
      size_t m = e->n - done < per ? e->n - done : per;
      st = zread(t, f, e->name, t->raw, m * is);
      if (!st) convert(e, t->raw, m, t->buf, &pl);
      done += m;
    }
    /* reading to the end makes libzip check the member's CRC */
    if (!st) {
      unsigned char extra;
      zip_int64_t r = zip_fread(f, &extra, 1);
      if (r < 0) st = zip_failure(t, e->name, zip_file_get_error(f));
      else if (r > 0) st = ilab_error(ILAB_EPARSE, "%s: %s: data after the tensor", t->path, e->name);
    }
    zip_fclose(f);
    break;
  }
  default:
    convert(e, t->data + e->offset, e->n, t->buf, &pl);
  }
  if (st) return st;
  out->x = t->buf;
  return ILAB_OK;
}
