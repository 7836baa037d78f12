/* Tests of train.c: gradients against central differences for every
 * activation, a whole optimizer step, linear regression against its closed
 * form, muP's scaling exponents, and the keys' parser. */
#include "test.h"
#include "ilab.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

/* A small network with biases and a read-out: n = 5, 6, 7, 4, K = 3, B = 4. */
static const size_t W4[4] = {5, 6, 7, 4};

static ilab_train_spec small_spec(const char *train, const char *param)
{
  ilab_train_spec t;
  ilab_train_spec_init(&t);
  ilab_train_spec_parse(&t, "train", train);
  ilab_train_spec_parse(&t, "task", "teacher:depth=1,width=5,act=tanh,out=3");
  ilab_train_spec_parse(&t, "parametrization", param);
  ilab_train_spec_parse(&t, "data", "fixed");
  return t;
}

/* The parameter segments in ilab_trainer_n_params' order, biases included:
 * W_1 b_1 ... W_L b_L V; off[k] .. off[k+1]. */
static size_t segments(size_t L, const size_t *w, size_t K, size_t *off)
{
  size_t k = 0, o = 0;
  for (size_t l = 1; l <= L; l++) {
    off[k++] = o; o += w[l - 1] * w[l];
    off[k++] = o; o += w[l];
  }
  off[k++] = o; o += w[L] * K;
  off[k] = o;
  return k;
}

/* Central differences of the loss along a random direction confined to one
 * segment at a time, against the gradient: with h = 1e-5 the truncation
 * error is h^2/6 times a third derivative (about 1e-10 for these O(1)
 * networks) and the round-off about 1e-16 L / h = 1e-11, so 1e-6 of
 * |g| |d|, the scale g.d can reach, leaves a margin of 100 to 1000 while a
 * wrong factor anywhere in the pass is off by O(1) of it. */
static void check_gradient(const char *act_spec, const char *scheme_spec, const char *param)
{
  ilab_train_spec t = small_spec("sgd:lr=0.1,steps=1", param);
  ilab_act act;
  ilab_scheme sc, in;
  ilab_act_parse(act_spec, &act);
  ilab_scheme_parse(scheme_spec, &sc);
  ilab_scheme_parse("normal:std=1", &in);
  ilab_train_job job = {&t, act, &sc, 3, 4, W4, &in, 0.1, 11, gsl_rng_mt19937, 0};
  ilab_trainer *tr;
  if (ilab_trainer_alloc(&tr, &job)) { ilab_test(0, "%s: trainer: %s", act_spec, ilab_error_reason()); return; }
  size_t off[8], nseg = segments(3, W4, 3, off), n = ilab_trainer_n_params(tr);
  ilab_test_int((long)n, (long)off[nseg], "%s: parameter count", act_spec);
  double L0, gn;
  ilab_trainer_eval(tr, 0, 1, &L0, &gn, NULL);
  double *g = malloc(n * sizeof *g), *d = calloc(n, sizeof *d);
  memcpy(g, ilab_trainer_grad(tr), n * sizeof *g);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 5);
  static const char *const names[] = {"W_1", "b_1", "W_2", "b_2", "W_3", "b_3", "V"};
  const double h = 1e-5;
  for (size_t k = 0; k < nseg; k++) {
    memset(d, 0, n * sizeof *d);
    double gd = 0, g2 = 0, d2 = 0;
    for (size_t i = off[k]; i < off[k + 1]; i++) {
      d[i] = gsl_ran_gaussian(r, 1.0);
      gd += g[i] * d[i];
      g2 += g[i] * g[i];
      d2 += d[i] * d[i];
    }
    double lp, lm;
    ilab_trainer_move(tr, d, h);
    ilab_trainer_eval(tr, 0, 0, &lp, NULL, NULL);
    ilab_trainer_move(tr, d, -2 * h);
    ilab_trainer_eval(tr, 0, 0, &lm, NULL, NULL);
    ilab_trainer_move(tr, d, h);
    double fd = (lp - lm) / (2 * h);
    ilab_test_abs(fd, gd, 1e-6 * sqrt(g2 * d2) + 1e-300, "%s %s %s: dL/d%s . d by central differences", act_spec,
                  scheme_spec, param, names[k]);
    ilab_test(g2 > 0, "%s: the gradient of %s is not zero", act_spec, names[k]);
  }
  /* the whole step: a small SGD step of each segment's rate eta * lr_mult
   * lowers L by eta sum_k lr_mult_k |g_k|^2, to first order (the second is
   * eta^2 g'Hg, about 1e-6 of it at eta = 1e-6) */
  ilab_trainer_free(tr);
  t.lr = 1e-6;
  ilab_trainer_alloc(&tr, &job);
  ilab_trainer_eval(tr, 0, 1, &L0, &gn, NULL);
  double drop = 0;
  for (size_t k = 0; k < nseg; k++) {
    double vm, lm, s2 = 0;
    size_t l = k / 2 + 1;
    ilab_train_scales(&t, 3, W4, l, k < 6 && k % 2 == 1, &vm, &lm);
    for (size_t i = off[k]; i < off[k + 1]; i++) s2 += g[i] * g[i];
    drop += t.lr * lm * s2;
  }
  ilab_trainer_update(tr);
  double L1;
  ilab_trainer_eval(tr, 0, 0, &L1, NULL, NULL);
  ilab_test_rel(L0 - L1, drop, 1e-4, "%s %s %s: one SGD step lowers L by eta sum lr_k |g_k|^2", act_spec,
                scheme_spec, param);
  ilab_trainer_free(tr);
  gsl_rng_free(r);
  free(g);
  free(d);
}

/* Adam's first step is -eta g / (|g| + eps) with bias correction: it lowers
 * L by eta sum_k lr_k |g_k|_1 to first order. */
static void check_adam_step(const char *param)
{
  ilab_train_spec t = small_spec("adam:lr=1e-7,steps=1,eps=1e-300", param);
  ilab_act act;
  ilab_scheme sc, in;
  ilab_act_parse("tanh", &act);
  ilab_scheme_parse("lecun_normal", &sc);
  ilab_scheme_parse("normal:std=1", &in);
  ilab_train_job job = {&t, act, &sc, 3, 4, W4, &in, 0.1, 3, gsl_rng_mt19937, 1};
  ilab_trainer *tr;
  ilab_trainer_alloc(&tr, &job);
  size_t off[8], nseg = segments(3, W4, 3, off);
  double L0, L1, gn, drop = 0;
  ilab_trainer_eval(tr, 0, 1, &L0, &gn, NULL);
  const double *g = ilab_trainer_grad(tr);
  for (size_t k = 0; k < nseg; k++) {
    double vm, lm, s1 = 0;
    ilab_train_scales(&t, 3, W4, k / 2 + 1, k < 6 && k % 2 == 1, &vm, &lm);
    for (size_t i = off[k]; i < off[k + 1]; i++) s1 += fabs(g[i]);
    drop += t.lr * lm * s1;
  }
  ilab_trainer_update(tr);
  ilab_trainer_eval(tr, 0, 0, &L1, NULL, NULL);
  ilab_test_rel(L0 - L1, drop, 1e-3, "adam %s: the first step lowers L by eta sum lr_k |g_k|_1", param);
  ilab_trainer_free(tr);
}

/* Linear regression: depth 1, linear units, no read-out (y = X W), one fixed
 * batch.  Gradient descent on L = |XW - T|^2 / (2BK) moves the residual
 * R = XW - T by R <- (I - eta M) R, M = X X^T / (BK), so with M = Q diag(lam)
 * Q^T, L_s = sum_j (1 - eta lam_j)^(2s) |q_j^T R_0|^2 / (2BK): it falls
 * monotonically (for eta lam_max < 2) to the least-squares floor, the part
 * of R_0 outside the columns of X.  The run's losses must follow this to
 * round-off (1e-9 relative over 300 steps). */
static void check_linear_regression(void)
{
  enum { B = 32, N0 = 8, K = 2, STEPS = 300 };
  static const size_t w[2] = {N0, K};
  ilab_train_spec t;
  ilab_train_spec_init(&t);
  ilab_train_spec_parse(&t, "train", "sgd:lr=0.4,steps=300");
  ilab_train_spec_parse(&t, "task", "teacher:depth=1,width=16,act=tanh,out=2,readout=no");
  ilab_train_spec_parse(&t, "data", "fixed");
  ilab_test(ilab_train_spec_check(&t, 1, w) == ILAB_OK, "readout=no with n_L = out");
  ilab_act act;
  ilab_scheme sc, in;
  ilab_act_parse("linear", &act);
  ilab_scheme_parse("lecun_normal", &sc);
  ilab_scheme_parse("normal:std=1", &in);
  ilab_train_job job = {&t, act, &sc, 1, B, w, &in, 0, 42, gsl_rng_mt19937, 0};
  ilab_train_result res;
  t.n_record = 1;
  t.record[0] = 0;
  ilab_train_result_alloc(&res, &t, 1);
  ilab_test(ilab_train_run(&job, &res, NULL) == ILAB_OK, "linear regression runs");
  /* the batch and residual at step 0, from a trainer of the same job */
  ilab_trainer *tr;
  double L0;
  ilab_trainer_alloc(&tr, &job);
  ilab_trainer_eval(tr, 0, 0, &L0, NULL, NULL);
  const double *X = ilab_trainer_x(tr, 0), *y = ilab_trainer_y(tr), *T = ilab_trainer_target(tr);
  gsl_matrix *M = gsl_matrix_alloc(B, B), *Q = gsl_matrix_alloc(B, B);
  gsl_vector *lam = gsl_vector_alloc(B);
  for (size_t i = 0; i < B; i++)
    for (size_t j = 0; j < B; j++) {
      double s = 0;
      for (size_t k = 0; k < N0; k++) s += X[i * N0 + k] * X[j * N0 + k];
      gsl_matrix_set(M, i, j, s / (B * K));
    }
  gsl_eigen_symmv_workspace *ew = gsl_eigen_symmv_alloc(B);
  gsl_eigen_symmv(M, lam, Q, ew);
  double proj[B], lmax = 0, floor = 0;
  for (size_t j = 0; j < B; j++) {
    proj[j] = 0;
    for (size_t k = 0; k < K; k++) {
      double p = 0;
      for (size_t i = 0; i < B; i++) p += gsl_matrix_get(Q, i, j) * (y[i * K + k] - T[i * K + k]);
      proj[j] += p * p;
    }
    double l = gsl_vector_get(lam, j);
    if (l > lmax) lmax = l;
  }
  for (size_t j = 0; j < B; j++)
    if (gsl_vector_get(lam, j) < 1e-12 * lmax) floor += proj[j] / (2.0 * B * K);
  ilab_test(t.lr * lmax < 2, "eta lam_max = %g < 2: gradient descent converges", t.lr * lmax);
  ilab_test(floor > 1e-3 * L0, "the tanh teacher leaves a least-squares floor (%g of L_0 = %g)", floor, L0);
  int mono = 1, close = 1;
  double worst = 0;
  for (size_t s = 0; s <= STEPS; s++) {
    double pred = 0;
    for (size_t j = 0; j < B; j++) {
      double l = gsl_vector_get(lam, j);
      if (l < 1e-12 * lmax) l = 0;
      pred += pow(1 - t.lr * l, 2.0 * (double)s) * proj[j] / (2.0 * B * K);
    }
    double rel = fabs(res.loss[s] - pred) / pred;
    if (rel > worst) worst = rel;
    if (rel > 1e-9) close = 0;
    /* at the floor, successive losses differ by round-off only (a few ulp) */
    if (s && res.loss[s] > res.loss[s - 1] * (1 + 1e-13)) mono = 0;
  }
  ilab_test(close, "linear regression's losses follow the closed form (largest relative difference %g)", worst);
  ilab_test(mono, "linear regression's loss never rises (beyond round-off, 1e-13)");
  ilab_test_rel(res.loss[STEPS], floor, 1e-6, "after %d steps the loss is at the least-squares floor", STEPS);
  gsl_eigen_symmv_free(ew);
  gsl_matrix_free(M);
  gsl_matrix_free(Q);
  gsl_vector_free(lam);
  ilab_trainer_free(tr);
  ilab_train_result_free(&res);
}

/* muP's exponents: d log2(factor) / d log2(width) for every kind of layer,
 * from the factors at widths 256 and 512 (base 64). */
static void check_mup_exponents(void)
{
  static const struct { const char *opt; size_t l; int bias; double var_exp, lr_exp; } want[] = {
      /* Yang et al. 2022, Table 3; Yang & Hu 2021 for SGD */
      {"sgd", 1, 0, 0, 1},  {"sgd", 2, 0, 0, 0},   {"sgd", 3, 0, -1, -1}, {"sgd", 2, 1, 0, 1},
      {"adam", 1, 0, 0, 0}, {"adam", 2, 0, 0, -1}, {"adam", 3, 0, -1, -1}, {"adam", 2, 1, 0, 0},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    ilab_train_spec t;
    ilab_train_spec_init(&t);
    char tr[64];
    snprintf(tr, sizeof tr, "%s:lr=0.1,steps=3", want[i].opt);
    ilab_train_spec_parse(&t, "train", tr);
    ilab_train_spec_parse(&t, "parametrization", "mup:base_width=64");
    size_t a[3] = {10, 256, 256}, b[3] = {10, 512, 512}, base[3] = {10, 64, 64};
    double va, la, vb, lb, v0, l0;
    ilab_train_scales(&t, 2, a, want[i].l, want[i].bias, &va, &la);
    ilab_train_scales(&t, 2, b, want[i].l, want[i].bias, &vb, &lb);
    ilab_train_scales(&t, 2, base, want[i].l, want[i].bias, &v0, &l0);
    ilab_test_abs(log2(vb / va), want[i].var_exp, 1e-12, "mup %s layer %zu%s: init variance exponent",
                  want[i].opt, want[i].l, want[i].bias ? " bias" : "");
    ilab_test_abs(log2(lb / la), want[i].lr_exp, 1e-12, "mup %s layer %zu%s: learning rate exponent",
                  want[i].opt, want[i].l, want[i].bias ? " bias" : "");
    ilab_test(v0 == 1 && l0 == 1, "mup %s layer %zu: at the base width it is the standard parametrization",
              want[i].opt, want[i].l);
    ilab_train_spec_parse(&t, "parametrization", "standard");
    ilab_train_scales(&t, 2, b, want[i].l, want[i].bias, &vb, &lb);
    ilab_test(vb == 1 && lb == 1, "standard %s layer %zu: no factor", want[i].opt, want[i].l);
  }
}

static void check_parse(void)
{
  static const struct { const char *key, *value; int ok; } cases[] = {
      {"train", "sgd:lr=0.01,steps=300", 1},
      {"train", "sgd:lr=0.01,steps=300,momentum=0.9", 1},
      {"train", "adam:lr=1e-3,steps=10,beta1=0.8,beta2=0.99,eps=1e-6", 1},
      {"train", "sgd:lr=0.01", 0},           /* no steps */
      {"train", "sgd:lr=-1,steps=3", 0},
      {"train", "sgd:lr=0.1,steps=3,beta1=0.9", 0}, /* adam's */
      {"train", "sgd:lr=0.1,steps=3,momentum=1", 0},
      {"train", "rmsprop:lr=0.1,steps=3", 0},
      {"train", "sgd:lr=0.1,steps=3x", 0},
      {"task", "teacher:depth=2,width=64,act=tanh", 1},
      {"task", "teacher:depth=2,width=0", 0},
      {"task", "teacher:act=nope", 0},
      {"task", "student:depth=2", 0},
      {"parametrization", "standard", 1},
      {"parametrization", "mup:base_width=128,out_mult=2", 1},
      {"parametrization", "standard:base_width=3", 0},
      {"parametrization", "ntk", 0},
      {"record", "0 1 2 3 100", 1},
      {"record", "0 2 1", 0},
      {"record", "0 -1", 0},
      {"record", "0:100:10 200", 1},
      {"record", "0 1:3:1 10:1000:x10", 1},
      {"record", "0:2:0.5", 0},
      {"record", "0 5 3:10:1", 0},
      {"record", "10:1:1", 0},
      {"record", "0:600:1", 0},
      {"data", "fixed", 1},
      {"data", "stale", 0},
  };
  {
    /* a range in record expands in order: 0 10 ... 100, then 200; x10: 10 100 1000 */
    ilab_train_spec t;
    ilab_train_spec_init(&t);
    ilab_test(ilab_train_spec_parse(&t, "record", "0:100:10 200 1000:100000:x10") == ILAB_OK &&
                  t.n_record == 15 && t.record[1] == 10 && t.record[10] == 100 && t.record[11] == 200 &&
                  t.record[12] == 1000 && t.record[14] == 100000,
              "record = 0:100:10 200 1000:100000:x10 gives 15 steps in order (%zu)", t.n_record);
  }
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ilab_train_spec t;
    ilab_train_spec_init(&t);
    int st = ilab_train_spec_parse(&t, cases[i].key, cases[i].value);
    ilab_test((st == ILAB_OK) == cases[i].ok, "%s = %s %s", cases[i].key, cases[i].value,
              cases[i].ok ? "parses" : "is refused");
    if (!cases[i].ok)
      ilab_test(!strncmp(ilab_error_reason(), cases[i].key, strlen(cases[i].key)), "the reason names the key: %s",
                ilab_error_reason());
  }
  ilab_train_spec t;
  ilab_train_spec_init(&t);
  ilab_train_spec_parse(&t, "train", "sgd:lr=0.1,steps=5");
  ilab_train_spec_parse(&t, "record", "0 6");
  size_t w[3] = {4, 8, 8};
  ilab_test(ilab_train_spec_check(&t, 2, w) == ILAB_EPARSE, "record beyond the last step is refused");
}

int main(void)
{
  gsl_set_error_handler_off();
  static const char *const acts[] = {"linear", "tanh", "relu", "leaky_relu:slope=0.1", "sigmoid", "selu",
                                     "gelu", "gelu_tanh", "silu", "elu:alpha=0.7", "softplus:beta=2",
                                     "mish", "hardtanh"};
  for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) check_gradient(acts[i], "he_normal", "standard");
  check_gradient("tanh", "orthogonal", "mup:base_width=2,out_mult=3");
  check_gradient("relu", "constant:value=0.2", "standard");
  check_adam_step("standard");
  check_adam_step("mup:base_width=2");
  check_linear_regression();
  check_mup_exponents();
  check_parse();
  return ilab_test_summary();
}
