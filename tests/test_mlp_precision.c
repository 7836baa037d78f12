/* Tests of the network's reduced precisions (mlp.c, its last section): a
 * binary32 network against the double one within the rounding error bound of
 * each layer, the underflow and overflow counts on a constructed case, and
 * loss scaling. */
#include "test.h"
#include "act.h"
#include "fp.h"
#include "ilab.h"
#include "mlp.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

enum { L = 6, B = 16, N = 64 };

/* A network of L layers of width N on the unit matrices u, scale 1.5/sqrt(N). */
static ilab_mlp *network(const char *act, ilab_precision p, double **u, const double *x0)
{
  ilab_act a;
  ilab_act_parse(act, &a);
  size_t w[L + 1];
  for (size_t l = 0; l <= L; l++) w[l] = N;
  ilab_mlp *net;
  if (ilab_mlp_alloc(&net, L, w, B, &a) || ilab_mlp_set_precision(net, p, 1)) return NULL;
  for (size_t l = 1; l <= L; l++) ilab_mlp_set_layer(net, l, u[l], 1.5 / sqrt((double)N), NULL);
  memcpy(ilab_mlp_input(net), x0, B * N * sizeof *x0);
  return net;
}

/* C = |A| |B'| (B' = B or B^T), m x n, in double. */
static void abs_product(const double *A, const double *Bm, int trans, double *C, size_t m, size_t k, size_t n)
{
  double *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
  for (size_t i = 0; i < m * k; i++) a[i] = fabs(A[i]);
  for (size_t i = 0; i < k * n; i++) b[i] = fabs(Bm[i]);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, trans ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0, a,
              (int)k, b, trans ? (int)k : (int)n, 0.0, C, (int)n);
  free(a);
  free(b);
}

/* binary32 against double, layer by layer.  With u = 2^-24 and gamma_n =
 * n u / (1 - n u), a dot product of length n computed in binary32 in any
 * order, with or without fused multiply-adds, is within gamma_n sum |x_i w_i|
 * of the exact one (Higham, Accuracy and Stability of Numerical Algorithms,
 * 2002, eq. 3.5).  So with W = scale U in double and Ws = fl32(W):
 *   |Hs - Hd| <= gamma_n |Xs| |Ws| + |Xs| |Ws - W| + |Xs - Xd| |W|
 * entry by entry, Xs and Xd the two networks' own X_{l-1}; relu is
 * 1-Lipschitz and rounds once, so |Xs - Xd| <= |Hs - Hd| + u |Xs|; and
 * backward |Gs - Gd| <= gamma_n |dHs| |Ws|^T + |dHs| |Ws - W|^T + |dHs - dHd| |W|^T.
 * The bounds are computed in double, whose own error (~1e-16 relative) the
 * factor 1 + 1e-9 covers.  A wrong weight, a missing scale or an unrounded
 * operand in the binary32 pass breaks them; the double pass run twice would
 * meet them trivially, so the two must also differ somewhere. */
static void single_vs_double(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 77);
  double *u[L + 1], *x0 = malloc(B * N * sizeof *x0), *G = malloc(B * N * sizeof *G);
  for (size_t l = 1; l <= L; l++) {
    u[l] = malloc(N * N * sizeof(double));
    for (size_t i = 0; i < N * N; i++) u[l][i] = gsl_ran_gaussian(r, 1.0);
  }
  for (size_t i = 0; i < B * N; i++) x0[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t i = 0; i < B * N; i++) G[i] = gsl_ran_gaussian(r, 1.0);
  ilab_mlp *nd = network("relu", ILAB_PREC_DOUBLE, u, x0), *ns = network("relu", ILAB_PREC_SINGLE, u, x0);
  const double uu = 0x1p-24, gam = N * uu / (1 - N * uu), slack = 1 + 1e-9, sc = 1.5 / sqrt((double)N);
  double *W = malloc(N * N * sizeof *W), *dW = malloc(N * N * sizeof *dW), *b1 = malloc(B * N * sizeof *b1),
         *b2 = malloc(B * N * sizeof *b2), *b3 = malloc(B * N * sizeof *b3), *dx = malloc(B * N * sizeof *dx);
  double *xs_prev = malloc(B * N * sizeof *xs_prev), *xd_prev = malloc(B * N * sizeof *xd_prev);
  size_t bad_h = 0, bad_x = 0, bad_g = 0, differ = 0;
  double worst = 0;
  /* X_0: the binary32 input is the rounded one */
  for (size_t i = 0; i < B * N; i++) { xd_prev[i] = x0[i]; xs_prev[i] = (float)x0[i]; }
  for (size_t l = 1; l <= L; l++) {
    ilab_layer_stats sd, ss;
    ilab_mlp_forward_layer(nd, l, &sd);
    ilab_mlp_forward_layer(ns, l, &ss);
    for (size_t i = 0; i < N * N; i++) { W[i] = sc * u[l][i]; dW[i] = (double)(float)W[i] - W[i]; }
    for (size_t i = 0; i < B * N; i++) dx[i] = xs_prev[i] - xd_prev[i];
    for (size_t i = 0; i < N * N; i++) W[i] = (float)W[i]; /* Ws */
    abs_product(xs_prev, W, 0, b1, B, N, N);
    abs_product(xs_prev, dW, 0, b2, B, N, N);
    for (size_t i = 0; i < N * N; i++) W[i] = sc * u[l][i];
    abs_product(dx, W, 0, b3, B, N, N);
    const double *hd = ilab_mlp_h(nd), *hs = ilab_mlp_h(ns), *xd = ilab_mlp_x(nd, l), *xs = ilab_mlp_x(ns, l);
    for (size_t i = 0; i < B * N; i++) {
      double e = fabs(hs[i] - hd[i]), bound = (gam * b1[i] + b2[i] + b3[i]) * slack;
      bad_h += !(e <= bound);
      if (bound > 0 && e / bound > worst) worst = e / bound;
      differ += hs[i] != hd[i];
      bad_x += !(fabs(xs[i] - xd[i]) <= (e + uu * fabs(xs[i])) * slack);
      bad_x += (double)(float)xs[i] != xs[i]; /* stored in binary32 */
    }
    memcpy(xs_prev, xs, B * N * sizeof *xs);
    memcpy(xd_prev, xd, B * N * sizeof *xd);
  }
  ilab_test(bad_h == 0, "binary32 H_l within the rounding bound of double's: %zu of %d entries outside "
            "(largest error / bound %.3g)", bad_h, L * B * N, worst);
  ilab_test(bad_x == 0, "binary32 X_l = fl32(relu(H_l)) within |dH| + u|X|: %zu outside", bad_x);
  ilab_test(differ > (size_t)(L * B * N) / 2, "binary32 and double differ (%zu of %d entries): the pass is not double's",
            differ, L * B * N);
  /* backward */
  ilab_mlp_backward_begin(nd, G);
  ilab_mlp_backward_begin(ns, G);
  worst = 0;
  for (size_t l = L; l >= 2; l--) {
    ilab_layer_stats sd, ss;
    ilab_mlp_backward_layer(nd, l, &sd);
    ilab_mlp_backward_layer(ns, l, &ss);
    for (size_t i = 0; i < N * N; i++) { W[i] = sc * u[l][i]; dW[i] = (double)(float)W[i] - W[i]; }
    for (size_t i = 0; i < B * N; i++) dx[i] = ns->dh[i] - nd->dh[i];
    abs_product(dx, W, 1, b3, B, N, N);
    for (size_t i = 0; i < N * N; i++) W[i] = (float)W[i];
    abs_product(ns->dh, W, 1, b1, B, N, N);
    abs_product(ns->dh, dW, 1, b2, B, N, N);
    const double *gd = ilab_mlp_grad_x(nd), *gs = ilab_mlp_grad_x(ns);
    for (size_t i = 0; i < B * N; i++) {
      double e = fabs(gs[i] - gd[i]), bound = (gam * b1[i] + b2[i] + b3[i]) * slack;
      bad_g += !(e <= bound);
      if (bound > 0 && e / bound > worst) worst = e / bound;
    }
  }
  ilab_test(bad_g == 0, "binary32 dL/dX_l within the rounding bound of double's: %zu outside (largest error / bound %.3g)",
            bad_g, worst);
  for (size_t l = 1; l <= L; l++) free(u[l]);
  free(x0); free(G); free(W); free(dW); free(b1); free(b2); free(b3); free(dx); free(xs_prev); free(xd_prev);
  ilab_mlp_free(nd);
  ilab_mlp_free(ns);
  gsl_rng_free(r);
}

/* One linear layer of width 32, batch 1, scale 1, U = I plus U[31][30] = 1:
 * H_j = X_j for j != 30 and H_30 = X_30 + X_31, each a sum of at most two
 * non-zero terms, exact in binary32, so the counts are known.
 * X_j = +-2^-j (j < 30), X_30 = 65519 (rounds to 65504), X_31 = 16.  In
 * binary16 2^-15 .. 2^-29 are below 2^-14: 15 of 32 underflow (2^-25 ..
 * 2^-29 to zero), and H_30 = 65520, binary16's overflow threshold, is inf.
 * In bfloat16 and double none do.  Backward from G = X: with loss scale 2^8
 * only 2^-23 .. 2^-29 stay below 2^-14 (7), and 256 * 65519 overflows; in
 * binary32 with loss scale 2^-140 all but 65519 2^-140 = 2^-124 fall below
 * 2^-126. */
static void counts(void)
{
  enum { n = 32 };
  size_t w[2] = {n, n};
  double U[n * n], x[n];
  memset(U, 0, sizeof U);
  for (size_t i = 0; i < n; i++) U[i * n + i] = 1;
  U[31 * n + 30] = 1;
  for (size_t j = 0; j < 30; j++) x[j] = ldexp(j % 2 ? -1 : 1, -(int)j);
  x[30] = 65519;
  x[31] = 16;
  ilab_act a;
  ilab_act_parse("linear", &a);
  const struct { ilab_precision p; double S; double h_under; long long h_over; double g_under; long long g_over; } c[] = {
      {ILAB_PREC_HALF, 1, 15.0 / 32, 1, 15.0 / 32, 0},
      {ILAB_PREC_HALF, 256, 15.0 / 32, 1, 7.0 / 32, 1},
      {ILAB_PREC_BF16, 1, 0, 0, 0, 0},
      {ILAB_PREC_DOUBLE, 1, 0, 0, 0, 0},
      {ILAB_PREC_SINGLE, 0x1p-140, 0, 0, 31.0 / 32, 0},
  };
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    ilab_mlp *net;
    ilab_mlp_alloc(&net, 1, w, 1, &a);
    ilab_mlp_set_precision(net, c[k].p, c[k].S);
    ilab_mlp_set_layer(net, 1, U, 1, NULL);
    memcpy(ilab_mlp_input(net), x, sizeof x);
    ilab_layer_stats st;
    ilab_mlp_forward_layer(net, 1, &st);
    ilab_mlp_backward_begin(net, x);
    ilab_mlp_backward_layer(net, 1, &st);
    const char *name = ilab_fp_name(c[k].p);
    ilab_test(st.h_under == c[k].h_under && st.h_over == c[k].h_over,
              "%s: H underflow %g (expected %g), overflow %lld (expected %lld)", name, st.h_under, c[k].h_under,
              st.h_over, c[k].h_over);
    ilab_test(st.g_under == c[k].g_under && st.g_over == c[k].g_over,
              "%s, loss scale %g: G underflow %g (expected %g), overflow %lld (expected %lld)", name, c[k].S,
              st.g_under, c[k].g_under, st.g_over, c[k].g_over);
    if (c[k].p == ILAB_PREC_HALF && c[k].S == 1) {
      const double *h = ilab_mlp_h(net);
      ilab_test(h[24] == 0x1p-24 && h[25] == 0 && isinf(h[30]) && h[31] == 16,
                "binary16 H keeps 2^-24, flushes 2^-25 (a tie) to 0, overflows at 65504 + 16");
    }
    ilab_mlp_free(net);
  }
}

/* In double a loss scale that is a power of 2 changes no statistic: the
 * scaling and its division are exact. */
static void loss_scale_exact(void)
{
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 5);
  double *u[L + 1], *x0 = malloc(B * N * sizeof *x0), *G = malloc(B * N * sizeof *G);
  for (size_t l = 1; l <= L; l++) {
    u[l] = malloc(N * N * sizeof(double));
    for (size_t i = 0; i < N * N; i++) u[l][i] = gsl_ran_gaussian(r, 1.0);
  }
  for (size_t i = 0; i < B * N; i++) { x0[i] = gsl_ran_gaussian(r, 1.0); G[i] = gsl_ran_gaussian(r, 1.0); }
  ilab_mlp *a = network("tanh", ILAB_PREC_DOUBLE, u, x0), *b = network("tanh", ILAB_PREC_DOUBLE, u, x0);
  ilab_mlp_set_precision(b, ILAB_PREC_DOUBLE, 1024);
  ilab_layer_stats sa, sb;
  for (size_t l = 1; l <= L; l++) { ilab_mlp_forward_layer(a, l, &sa); ilab_mlp_forward_layer(b, l, &sb); }
  ilab_mlp_backward_begin(a, G);
  ilab_mlp_backward_begin(b, G);
  size_t same = 0;
  for (size_t l = L; l >= 1; l--) {
    ilab_mlp_backward_layer(a, l, &sa);
    ilab_mlp_backward_layer(b, l, &sb);
    same += sa.gx_var == sb.gx_var && sa.gh_var == sb.gh_var && sa.gw_var == sb.gw_var;
  }
  ilab_test(same == L, "loss scale 1024 in double: gradient variances identical at %zu of %d layers", same, L);
  ilab_test(ilab_mlp_set_precision(a, ILAB_PREC_HALF, -1) == ILAB_EINVAL, "a loss scale <= 0 is refused");
  for (size_t l = 1; l <= L; l++) free(u[l]);
  free(x0); free(G);
  ilab_mlp_free(a);
  ilab_mlp_free(b);
  gsl_rng_free(r);
}

/* Products whose terms are subnormal binary32 numbers (mlp.c, sgemm_ranged):
 * a linear layer of width n = 64 with W = fl32(2^-60 U), U ~ N(0, 1), on
 * X = fl32(2^-75 Z), so that each term x w is about 2^-135 and H_1 is deep
 * in binary32's subnormal range (below 2^-126; its grid is 2^-149).  The
 * layer is computed at a power-of-two scale where the terms are normal and
 * brought back with one rounding, so every entry is within half a grid step
 * of the exact sum plus the normal-range error of the scaled sum:
 *   |H - sum x w| <= 2^-150 + gamma_n sum |x w|   (gamma_n ~ n 2^-24).
 * Here gamma_n sum |x w| is about 2^-150 too.  A product accumulated in the
 * subnormal range rounds each of the n partial sums to the 2^-149 grid; the
 * test was run against such a product (the scaling switched off) and fails
 * with errors of several grid steps.  The same holds with subnormal inputs
 * (X ~ 2^-135, W ~ 2^-2), with a bias of 2^-128 added, and all-zero results
 * (terms below 2^-190) are exactly 0.  The operands are restored exactly: xf
 * holds fl32(X) and wf holds fl32(W) after the pass, and a second pass gives
 * the same bits. */
static void ranged_products(void)
{
  enum { n = 64, b = 16 };
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 11);
  double *U = malloc(n * n * sizeof *U), *Z = malloc(b * n * sizeof *Z), *bias = malloc(n * sizeof *bias);
  for (size_t i = 0; i < n * n; i++) U[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t i = 0; i < b * n; i++) Z[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t j = 0; j < n; j++) bias[j] = ldexp(gsl_ran_gaussian(r, 1.0), -128);
  /* big: the first input is 2^-36 and the last 2^-149.  The products are
   * still scaled (2^-36 2^-30 < 2^-64), by 2^66; scaled by the 2^179 that
   * the last entry's magnitude calls for, 2^-36 would overflow: the
   * operands' maxima must be their largest entries. */
  const struct { const char *what; int ex, ew; int with_bias; int zero; int big; } c[] = {
      {"normal operands, subnormal products", -75, -60, 0, 0, 0},
      {"subnormal inputs", -135, -2, 0, 0, 0},
      {"subnormal products plus a bias of 2^-128", -75, -60, 1, 0, 0},
      {"terms below 2^-190: all zero", -100, -100, 0, 1, 0},
      {"subnormal inputs, one of 2^-36, weights of 2^-30", -145, -30, 0, 0, 1},
  };
  double *xin = malloc(b * n * sizeof *xin);
  ilab_act a;
  ilab_act_parse("linear", &a);
  size_t w[2] = {n, n};
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    ilab_mlp *net;
    ilab_mlp_alloc(&net, 1, w, b, &a);
    ilab_mlp_set_precision(net, ILAB_PREC_SINGLE, 1);
    double s = ldexp(1.0, c[k].ew);
    ilab_mlp_set_layer(net, 1, U, s, c[k].with_bias ? bias : NULL);
    double *x = ilab_mlp_input(net);
    for (size_t i = 0; i < b * n; i++) xin[i] = ldexp(Z[i], c[k].ex);
    if (c[k].big) {
      xin[0] = 0x1p-36;
      xin[b * n - 1] = 0x1p-149;
    }
    memcpy(x, xin, b * n * sizeof *x);
    ilab_layer_stats st;
    ilab_mlp_forward_layer(net, 1, &st);
    const double *h = ilab_mlp_h(net);
    size_t bad = 0, moved = 0;
    double worst = 0;
    for (size_t i = 0; i < b; i++)
      for (size_t j = 0; j < n; j++) {
        double sum = 0, mag = 0;
        for (size_t q = 0; q < n; q++) {
          double t = (double)(float)xin[i * n + q] * (double)(float)(s * U[q * n + j]);
          sum += t;
          mag += fabs(t);
        }
        if (c[k].with_bias) sum += (double)(float)bias[j];
        double err = fabs(h[i * n + j] - sum), tol = 0x1p-150 + n * 0x1p-24 / (1 - n * 0x1p-24) * mag + 0x1p-170;
        if (c[k].zero ? h[i * n + j] != 0 : err > tol) bad++;
        if (err / 0x1p-149 > worst) worst = err / 0x1p-149;
      }
    ilab_test(bad == 0, "%s: %zu of %d entries beyond half a subnormal step plus gamma_n sum |xw| (worst %.2f steps)",
              c[k].what, bad, n * b, worst);
    for (size_t i = 0; i < b * n; i++) moved += net->xf[i] != (float)xin[i];
    for (size_t i = 0; i < n * n; i++) moved += net->wf[i] != (float)(s * U[i]);
    ilab_test(moved == 0, "%s: the operands are restored exactly (%zu entries moved)", c[k].what, moved);
    double *h1 = malloc(b * n * sizeof *h1);
    memcpy(h1, h, b * n * sizeof *h1);
    ilab_mlp_forward_layer(net, 1, &st);
    ilab_test(memcmp(h1, ilab_mlp_h(net), b * n * sizeof *h1) == 0, "%s: a second pass gives the same bits", c[k].what);
    if (c[k].zero) ilab_test(st.h_under == 1 && st.h_var == 0, "%s: every entry is 0 (h_under %g)", c[k].what, st.h_under);
    if (k == 0) {
      /* backward: dW = X^T G / b with G = fl32(2^-56 Z'), terms about 2^-131:
       * its variance against that of the exactly rounded dW, to 1e-3 (a
       * wrong scale would be off by a power of 2) */
      double *G = malloc(b * n * sizeof *G), *dw = malloc(n * n * sizeof *dw);
      for (size_t i = 0; i < b * n; i++) G[i] = ldexp(Z[(i * 7 + 3) % (b * n)], -56);
      ilab_mlp_backward_begin(net, G);
      ilab_mlp_backward_layer(net, 1, &st);
      for (size_t q = 0; q < n; q++)
        for (size_t j = 0; j < n; j++) {
          double sum = 0;
          for (size_t i = 0; i < b; i++) sum += (double)(float)ldexp(Z[i * n + q], c[k].ex) * (double)(float)G[i * n + j];
          dw[q * n + j] = (float)(sum / b);
        }
      double m = 0, v = 0;
      for (size_t i = 0; i < n * n; i++) m += dw[i] / (n * n);
      for (size_t i = 0; i < n * n; i++) v += (dw[i] - m) * (dw[i] - m) / (n * n - 1);
      ilab_test(fabs(st.gw_var / v - 1) < 1e-3 && v < 0x1p-252,
                "%s: Var(dW) %.6g against %.6g from the exactly rounded dW", c[k].what, st.gw_var, v);
      free(G);
      free(dw);
    }
    free(h1);
    ilab_mlp_free(net);
  }
  free(U); free(Z); free(bias); free(xin);
  gsl_rng_free(r);
}

/* The binary32 weights are rounded once and kept while the unit matrix and
 * the scale stay (mlp.c, weights_reduced): a network that changes its scale,
 * or whose unit matrix is redrawn in place and announced by
 * ilab_mlp_weights_changed, gives the bits of a fresh network. */
static void weights_kept(void)
{
  enum { n = 32, b = 8 };
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 17);
  double *U = malloc(n * n * sizeof *U), *x = malloc(b * n * sizeof *x);
  for (size_t i = 0; i < n * n; i++) U[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t i = 0; i < b * n; i++) x[i] = gsl_ran_gaussian(r, 1.0);
  ilab_act a;
  ilab_act_parse("tanh", &a);
  size_t w[2] = {n, n};
  ilab_mlp *kept, *fresh;
  ilab_mlp_alloc(&kept, 1, w, b, &a);
  ilab_mlp_set_precision(kept, ILAB_PREC_SINGLE, 1);
  ilab_layer_stats st;
  double *h = malloc(b * n * sizeof *h);
  for (int step = 0; step < 3; step++) {
    double s = step == 0 ? 0.2 : 0.3; /* step 2 keeps step 1's scale */
    if (step == 2) {
      for (size_t i = 0; i < n * n; i++) U[i] = gsl_ran_gaussian(r, 1.0);
      ilab_mlp_weights_changed(kept);
    }
    ilab_mlp_set_layer(kept, 1, U, s, NULL);
    memcpy(ilab_mlp_input(kept), x, b * n * sizeof *x);
    ilab_mlp_forward_layer(kept, 1, &st);
    memcpy(h, ilab_mlp_h(kept), b * n * sizeof *h);
    ilab_mlp_alloc(&fresh, 1, w, b, &a);
    ilab_mlp_set_precision(fresh, ILAB_PREC_SINGLE, 1);
    ilab_mlp_set_layer(fresh, 1, U, s, NULL);
    memcpy(ilab_mlp_input(fresh), x, b * n * sizeof *x);
    ilab_mlp_forward_layer(fresh, 1, &st);
    static const char *what[3] = {"first pass", "a new scale", "the unit matrix redrawn in place"};
    ilab_test(memcmp(h, ilab_mlp_h(fresh), b * n * sizeof *h) == 0, "kept weights, %s: the bits of a fresh network",
              what[step]);
    ilab_mlp_free(fresh);
  }
  ilab_mlp_free(kept);
  free(U); free(x); free(h);
  gsl_rng_free(r);
}

int main(void)
{
  single_vs_double();
  counts();
  weights_kept();
  ranged_products();
  loss_scale_exact();
  return ilab_test_summary();
}
