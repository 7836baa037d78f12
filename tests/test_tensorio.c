/* Tests of the tensor readers: half-precision conversions, .npy headers of
 * every version, byte order and memory order, the committed fixtures in
 * .npz and .safetensors, text, and every truncation of valid files. */
#include "test.h"
#include "ilab.h"
#include "tensorio.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX "tests/fixtures/check/"

static void test_half(void)
{
  ilab_test(ilab_half_to_double(0x3c00) == 1.0, "binary16 0x3c00 = 1");
  ilab_test(ilab_half_to_double(0x7bff) == 65504.0, "binary16 0x7bff = 65504");
  ilab_test(ilab_half_to_double(0x0001) == 0x1p-24, "binary16 0x0001 = 2^-24");
  ilab_test(ilab_half_to_double(0xc000) == -2.0, "binary16 0xc000 = -2");
  ilab_test(ilab_bf16_to_double(0x3f80) == 1.0, "bfloat16 0x3f80 = 1");
  ilab_test(ilab_bf16_to_double(0xc2f7) == -123.5, "bfloat16 0xc2f7 = -123.5");
  /* ties to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 */
  ilab_test_int(ilab_double_to_half(1 + 0x1p-11), 0x3c00, "binary16 tie to even, down");
  ilab_test_int(ilab_double_to_half(1 + 3 * 0x1p-11), 0x3c02, "binary16 tie to even, up");
  ilab_test_int(ilab_double_to_half(65520.0), 0x7c00, "binary16 overflow at 65520");
  ilab_test_int(ilab_double_to_half(65519.9), 0x7bff, "binary16 65519.9 stays finite");
  ilab_test_int(ilab_double_to_bf16(1 + 0x1p-8), 0x3f80, "bfloat16 tie to even");
  /* every pattern but NaN converts back to itself */
  int bad16 = 0, badbf = 0;
  for (unsigned p = 0; p < 65536; p++) {
    if ((p & 0x7c00) != 0x7c00 || (p & 0x3ff) == 0) bad16 += ilab_double_to_half(ilab_half_to_double(p)) != p;
    if ((p & 0x7f80) != 0x7f80 || (p & 0x7f) == 0) badbf += ilab_double_to_bf16(ilab_bf16_to_double(p)) != p;
  }
  ilab_test_int(bad16, 0, "binary16 patterns round-trip");
  ilab_test_int(badbf, 0, "bfloat16 patterns round-trip");
}

/* A .npy of version v with the header dict and the data bytes. */
static size_t make_npy(unsigned char *buf, int v, const char *dict, const void *data, size_t len)
{
  size_t pre = v == 1 ? 10 : 12, dl = strlen(dict), hl = dl + 1;
  hl += (64 - (pre + hl) % 64) % 64;
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char)v;
  buf[7] = 0;
  for (size_t k = 0; k < pre - 8; k++) buf[8 + k] = (unsigned char)(hl >> (8 * k));
  memcpy(buf + pre, dict, dl);
  memset(buf + pre + dl, ' ', hl - dl - 1);
  buf[pre + hl - 1] = '\n';
  memcpy(buf + pre + hl, data, len);
  return pre + hl + len;
}

static void expect_123456(const unsigned char *buf, size_t size, const char *what)
{
  ilab_tensorio *t;
  ilab_tensor x;
  int st = ilab_tensorio_open_mem("a.npy", ILAB_FORMAT_AUTO, buf, size, NULL, 0, &t);
  ilab_test_int(st, ILAB_OK, "%s: open (%s)", what, ilab_error_reason());
  if (st) return;
  st = ilab_tensorio_read(t, 0, &x);
  ilab_test(st == ILAB_OK && x.ndim == 2 && x.shape[0] == 2 && x.shape[1] == 3 && !strcmp(x.name, "a"),
            "%s: a 2x3 tensor named a", what);
  int same = st == ILAB_OK;
  for (int i = 0; same && i < 6; i++) same = x.x[i] == i + 1;
  ilab_test(same, "%s: values 1..6 in C order", what);
  ilab_tensorio_free(t);
}

static void test_npy(void)
{
  unsigned char buf[512];
  const double c8[6] = {1, 2, 3, 4, 5, 6}, f8[6] = {1, 4, 2, 5, 3, 6};
  size_t n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", c8, sizeof c8);
  expect_123456(buf, n, "v1 <f8 C");
  n = make_npy(buf, 2, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f8, sizeof f8);
  expect_123456(buf, n, "v2 <f8 Fortran");
  /* big-endian float32: 1..6 */
  unsigned char be[24];
  for (int i = 0; i < 6; i++) {
    float f = (float)(i + 1);
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int k = 0; k < 4; k++) be[4 * i + k] = (unsigned char)(u >> (24 - 8 * k));
  }
  n = make_npy(buf, 3, "{\"descr\": \">f4\", \"fortran_order\": False, \"shape\": (2,3)}", be, sizeof be);
  expect_123456(buf, n, "v3 >f4, double quotes");
  uint16_t h[6];
  for (int i = 0; i < 6; i++) h[i] = (uint16_t)ilab_double_to_half(i + 1);
  n = make_npy(buf, 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", h, sizeof h);
  expect_123456(buf, n, "v1 <f2");
  /* Fortran order in three axes: the first runs fastest in the file */
  double f3[12];
  size_t m = 0;
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 3; j++)
      for (int i = 0; i < 2; i++) f3[m++] = i * 6 + j * 2 + k;
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 2), }", f3, sizeof f3);
  ilab_tensorio *t3;
  ilab_tensor x3;
  int ok3 = ilab_tensorio_open_mem("f.npy", ILAB_FORMAT_NPY, buf, n, NULL, 0, &t3) == ILAB_OK &&
            ilab_tensorio_read(t3, 0, &x3) == ILAB_OK && x3.n == 12;
  for (int i = 0; ok3 && i < 12; i++) ok3 = x3.x[i] == i;
  ilab_test(ok3, "(2, 3, 2) in Fortran order reads 0..11 in C order");
  if (t3) ilab_tensorio_free(t3);
  /* bad headers */
  static const struct { const char *dict; const char *frag; } bad[] = {
      {"{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", "unsupported dtype '<i8'"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3), }", "unsupported dtype"},
      {"{'descr': '<f8', 'shape': (2, 3), }", "lacks fortran_order"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }", "whole numbers"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", "overflows"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4), }", "truncated"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", "does not match the data"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", "unknown key"},
      {"['descr']", "not a dict"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    n = make_npy(buf, 1, bad[i].dict, c8, sizeof c8);
    ilab_tensorio *t;
    int st = ilab_tensorio_open_mem("b.npy", ILAB_FORMAT_NPY, buf, n, NULL, 0, &t);
    ilab_test(st == ILAB_EPARSE && strstr(ilab_error_reason(), bad[i].frag) && strstr(ilab_error_reason(), "b.npy"),
              "bad header %zu: EPARSE with '%s' (got %d '%s')", i, bad[i].frag, st, ilab_error_reason());
  }
  /* every truncation of a valid file fails cleanly */
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", c8, sizeof c8);
  int clean = 1;
  for (size_t k = 0; k < n; k++) {
    unsigned char *cut = malloc(k ? k : 1);
    memcpy(cut, buf, k);
    ilab_tensorio *t;
    clean &= ilab_tensorio_open_mem("c.npy", ILAB_FORMAT_NPY, cut, k, NULL, 0, &t) == ILAB_EPARSE;
    free(cut);
  }
  ilab_test(clean, "each of the %zu truncations of a .npy is refused", n);
}

static unsigned char *slurp(const char *path, size_t *size)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
  *size = b ? fread(b, 1, (size_t)len, f) : 0;
  fclose(f);
  return b;
}

/* Reads every tensor; returns the status of the first failure. */
static int read_all(const char *name, const unsigned char *b, size_t size)
{
  ilab_tensorio *t;
  int st = ilab_tensorio_open_mem(name, ILAB_FORMAT_AUTO, b, size, NULL, 0, &t);
  for (size_t i = 0; !st && i < ilab_tensorio_count(t); i++) {
    ilab_tensor x;
    st = ilab_tensorio_read(t, i, &x);
  }
  ilab_tensorio_free(t);
  return st;
}

static void test_containers(void)
{
  ilab_tensorio *t;
  ilab_tensor x;
  static const char *const npz[] = {FX "model.npz", FX "model_compressed.npz"};
  for (int k = 0; k < 2; k++) {
    int st = ilab_tensorio_open(npz[k], ILAB_FORMAT_AUTO, NULL, 0, &t);
    ilab_test_int(st, ILAB_OK, "%s opens (%s)", npz[k], ilab_error_reason());
    if (st) continue;
    ilab_test_int((long)ilab_tensorio_count(t), 6, "%s: 6 members", npz[k]);
    ilab_tensorio_read(t, 0, &x);
    ilab_test(!strcmp(x.name, "fc1.weight") && x.ndim == 2 && x.shape[0] == 80 && x.shape[1] == 120 &&
              x.dtype == ILAB_DTYPE_F32, "%s: fc1.weight (80, 120) float32", npz[k]);
    double mx = 0;
    for (size_t i = 0; i < x.n; i++) mx = fabs(x.x[i]) > mx ? fabs(x.x[i]) : mx;
    ilab_test(mx > 0.08 && mx <= 1 / sqrt(120.0), "%s: |w| <= 1/sqrt(120) (max %g)", npz[k], mx);
    ilab_tensorio_read(t, 2, &x);
    ilab_test(!strcmp(x.name, "ln.weight") && x.n == 80 && x.x[0] == 1 && x.x[79] == 1, "%s: ln.weight ones", npz[k]);
    ilab_tensorio_free(t);
  }
  int st = ilab_tensorio_open(FX "model.safetensors", ILAB_FORMAT_AUTO, NULL, 0, &t);
  ilab_test_int(st, ILAB_OK, "model.safetensors opens (%s)", ilab_error_reason());
  if (!st) {
    static const struct { const char *name; ilab_dtype d; size_t n; } want[] = {
        {"embeddings.word_embeddings.weight", ILAB_DTYPE_F32, 12800},
        {"encoder.layer.0.attention.query.weight", ILAB_DTYPE_BF16, 4096},
        {"encoder.layer.0.attention.query.bias", ILAB_DTYPE_BF16, 64},
        {"encoder.layer.0.intermediate.dense.weight", ILAB_DTYPE_F16, 8192},
        {"encoder.layer.0.output.LayerNorm.weight", ILAB_DTYPE_F32, 64},
        {"classifier.weight", ILAB_DTYPE_F64, 6144}};
    ilab_test_int((long)ilab_tensorio_count(t), 6, "model.safetensors: 6 tensors");
    for (size_t i = 0; i < 6 && i < ilab_tensorio_count(t); i++) {
      ilab_tensorio_read(t, i, &x);
      ilab_test(!strcmp(x.name, want[i].name) && x.dtype == want[i].d && x.n == want[i].n,
                "safetensors tensor %zu: %s %s %zu (got %s %s %zu)", i, want[i].name, ilab_dtype_name(want[i].d),
                want[i].n, x.name, ilab_dtype_name(x.dtype), x.n);
    }
    ilab_tensorio_read(t, 4, &x);
    ilab_test(x.x[0] == 1 && x.x[63] == 1, "LayerNorm.weight reads as ones");
    ilab_tensorio_free(t);
  }
  const size_t shape[2] = {30, 40};
  st = ilab_tensorio_open(FX "he_uniform_30x40.txt", ILAB_FORMAT_AUTO, shape, 2, &t);
  ilab_test_int(st, ILAB_OK, "text opens with --shape 30x40 (%s)", ilab_error_reason());
  if (!st) {
    ilab_tensorio_read(t, 0, &x);
    ilab_test(x.n == 1200 && !strcmp(x.name, "he_uniform_30x40") && fabs(x.x[0]) < sqrt(6 / 40.0), "text: 1200 values");
    ilab_tensorio_free(t);
  }
  /* truncations and damage of the containers: refused, never a crash (the
   * ASan build of this test checks the memory) */
  static const char *const files[] = {FX "model.npz", FX "model_compressed.npz", FX "model.safetensors"};
  for (int k = 0; k < 3; k++) {
    size_t size;
    unsigned char *b = slurp(files[k], &size);
    ilab_test(b != NULL, "read %s", files[k]);
    if (!b) continue;
    ilab_test_int(read_all(files[k], b, size), ILAB_OK, "%s read whole", files[k]);
    int refused = 1, cases = 0;
    for (size_t cut = 0; cut < size; cut += cut < 200 ? 1 : 997, cases++)
      refused &= read_all(files[k], b, cut) == ILAB_EPARSE;
    ilab_test(refused, "%s: each of %d truncations refused", files[k], cases);
    /* a byte changed in every 1009-byte step of the data or directory */
    int flips = 0, crashed = 0;
    for (size_t at = 0; at < size; at += 1009, flips++) {
      b[at] ^= 0x5a;
      int st2 = read_all(files[k], b, size);
      crashed |= st2 != ILAB_OK && st2 != ILAB_EPARSE;
      b[at] ^= 0x5a;
    }
    ilab_test(!crashed, "%s: %d single-byte changes give OK or EPARSE", files[k], flips);
    free(b);
  }
}

int main(void)
{
  test_half();
  test_npy();
  test_containers();
  return ilab_test_summary();
}
