/* Tests of the network: the backward pass against central finite differences
 * for every activation, the fused statistics against GSL, and the exact
 * proportionality of schemes of one family. */
#include "test.h"
#include "act.h"
#include "ilab.h"
#include "mlp.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>

enum { L = 3, B = 5 };
static const size_t widths[L + 1] = {7, 6, 9, 4};

/* f = sum over the batch and outputs of G * X_L: the loss whose per-example
 * gradient with respect to X_L is G, as the backward pass assumes. */
static double loss(ilab_mlp *net, const double *G)
{
  ilab_layer_stats st;
  for (size_t l = 1; l <= L; l++) ilab_mlp_forward_layer(net, l, &st);
  const double *x = ilab_mlp_x(net, L);
  double f = 0;
  for (size_t i = 0; i < B * widths[L]; i++) f += G[i] * x[i];
  return f;
}

/* A network of activation spec and a generator seeded with seed. */
static ilab_mlp *new_net(const char *spec, size_t depth, const size_t *w, size_t batch, unsigned long seed,
                         gsl_rng **r)
{
  ilab_act a;
  ilab_act_parse(spec, &a);
  *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(*r, seed);
  ilab_mlp *net;
  ilab_mlp_alloc(&net, depth, w, batch, &a);
  return net;
}

/* Kann's kad_check_grad: compare the directional derivative along a random
 * direction V with the central difference (f(W + eps V) - f(W - eps V))/(2 eps).
 * Its truncation error is O(eps^2 f''') and its rounding error O(1e-16 |f|/eps);
 * eps = 1e-5 balances them near 1e-10 relative, so 1e-6 is a safe bound that
 * a wrong derivative (off by a factor, a sign, a transposition) cannot meet. */
static void check_act(const char *spec, double sigma_b)
{
  gsl_rng *r;
  ilab_mlp *net = new_net(spec, L, widths, B, 2024, &r);
  double *unit[L + 1], *bias[L + 1], scale[L + 1];
  for (size_t l = 1; l <= L; l++) {
    size_t n = widths[l - 1] * widths[l];
    unit[l] = malloc(n * sizeof(double));
    bias[l] = malloc(widths[l] * sizeof(double));
    for (size_t i = 0; i < n; i++) unit[l][i] = gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < widths[l]; i++) bias[l][i] = gsl_ran_gaussian(r, sigma_b);
    scale[l] = 1.3 / sqrt((double)widths[l - 1]);
    ilab_mlp_set_layer(net, l, unit[l], scale[l], sigma_b > 0 ? bias[l] : NULL);
  }
  double *x0 = ilab_mlp_input(net), *G = malloc(B * widths[L] * sizeof(double));
  for (size_t i = 0; i < B * widths[0]; i++) x0[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t i = 0; i < B * widths[L]; i++) G[i] = gsl_ran_gaussian(r, 1.0);

  loss(net, G);
  ilab_mlp_backward_begin(net, G);
  ilab_layer_stats st;
  double dw[L + 1][64];
  for (size_t l = L; l >= 1; l--) {
    ilab_mlp_backward_layer(net, l, &st);
    memcpy(dw[l], ilab_mlp_grad_w(net), widths[l - 1] * widths[l] * sizeof(double));
  }
  double gx1[B * 6];
  memcpy(gx1, ilab_mlp_grad_x(net), sizeof gx1); /* dL/dX_1, left in place after l = 1 */

  const double eps = 1e-5;
  for (size_t l = 1; l <= L; l++) {
    size_t n = widths[l - 1] * widths[l];
    double v[64], *u0 = malloc(n * sizeof(double)), dot = 0;
    memcpy(u0, unit[l], n * sizeof(double));
    for (size_t i = 0; i < n; i++) v[i] = gsl_ran_gaussian(r, 1.0);
    /* W = scale * U: perturbing U by eps V perturbs W by scale * eps * V */
    for (size_t i = 0; i < n; i++) unit[l][i] = u0[i] + eps * v[i];
    double fp = loss(net, G);
    for (size_t i = 0; i < n; i++) unit[l][i] = u0[i] - eps * v[i];
    double fm = loss(net, G);
    memcpy(unit[l], u0, n * sizeof(double));
    /* dW is the batch-mean gradient: d f / d W = B dW */
    for (size_t i = 0; i < n; i++) dot += B * dw[l][i] * scale[l] * v[i];
    ilab_test_rel(dot, (fp - fm) / (2 * eps), 1e-6, "%s%s: dL/dW_%zu along a random direction", spec,
                  sigma_b > 0 ? " with bias" : "", l);
    free(u0);
  }
  /* dL/dX_1: perturb the stored X_1 and run layers 2..L again */
  {
    size_t n = B * widths[1];
    double *x1 = (double *)ilab_mlp_x(net, 1), v[B * 6], x1s[B * 6], dot = 0;
    loss(net, G);
    memcpy(x1s, x1, n * sizeof(double));
    for (size_t i = 0; i < n; i++) v[i] = gsl_ran_gaussian(r, 1.0);
    double f[2];
    for (int sgn = 0; sgn < 2; sgn++) {
      for (size_t i = 0; i < n; i++) x1[i] = x1s[i] + (sgn ? -eps : eps) * v[i];
      f[sgn] = 0;
      for (size_t l = 2; l <= L; l++) ilab_mlp_forward_layer(net, l, &st);
      const double *xl = ilab_mlp_x(net, L);
      for (size_t i = 0; i < B * widths[L]; i++) f[sgn] += G[i] * xl[i];
    }
    for (size_t i = 0; i < n; i++) dot += gx1[i] * v[i];
    ilab_test_rel(dot, (f[0] - f[1]) / (2 * eps), 1e-6, "%s%s: dL/dX_1 along a random direction", spec,
                  sigma_b > 0 ? " with bias" : "");
  }
  for (size_t l = 1; l <= L; l++) { free(unit[l]); free(bias[l]); }
  free(G);
  ilab_mlp_free(net);
  gsl_rng_free(r);
}

/* The fused statistics against gsl_stats_* on the stored buffers: the same
 * numbers by another algorithm, to 1e-12 relative (rounding only). */
static void check_stats(const char *spec)
{
  enum { N = 301, BB = 63 }; /* B N = 18963: 37 blocks and one of 19, whose last 3 entries are a tail */
  size_t w[3] = {N, N, N};
  ilab_act a;
  ilab_act_parse(spec, &a);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  ilab_mlp *net;
  ilab_mlp_alloc(&net, 2, w, BB, &a);
  double *u = malloc(2 * N * N * sizeof(double)), *G = malloc(BB * N * sizeof(double));
  for (size_t i = 0; i < 2 * N * N; i++) u[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t i = 0; i < BB * N; i++) G[i] = gsl_ran_gaussian(r, 1.0);
  /* the sigmoid's outputs near 0.6 need a wide H to reach 0.01 and 0.99 */
  double sw = (a.kind == ILAB_ACT_SIGMOID ? 8 : 1.5) / sqrt(N);
  ilab_mlp_set_layer(net, 1, u, sw, NULL);
  ilab_mlp_set_layer(net, 2, u + N * N, sw, NULL);
  double *x0 = ilab_mlp_input(net);
  for (size_t i = 0; i < BB * N; i++) x0[i] = 3 + gsl_ran_gaussian(r, 1.0); /* a mean far from 0 */
  net->cross_check = 1;
  ilab_layer_stats st[3];
  for (size_t l = 1; l <= 2; l++) ilab_mlp_forward_layer(net, l, &st[l]);
  const double *h = ilab_mlp_h(net), *x = ilab_mlp_x(net, 2);
  size_t n = BB * N;
  ilab_test_rel(st[2].h_mean, gsl_stats_mean(h, 1, n), 1e-12, "%s: h_mean vs gsl_stats_mean", spec);
  ilab_test_rel(st[2].h_var, gsl_stats_variance(h, 1, n), 1e-12, "%s: h_var vs gsl_stats_variance", spec);
  ilab_test_rel(st[2].x_mean, gsl_stats_mean(x, 1, n), 1e-12, "%s: x_mean vs gsl_stats_mean", spec);
  ilab_test_rel(st[2].x_var, gsl_stats_variance(x, 1, n), 1e-12, "%s: x_var vs gsl_stats_variance", spec);
  double sq = 0;
  for (size_t i = 0; i < n; i++) sq += x[i] * x[i];
  ilab_test_rel(st[2].x_sq, sq / (double)n, 1e-12, "%s: x_sq vs a direct sum", spec);
  long long zeros = 0;
  for (size_t i = 0; i < n; i++) zeros += x[i] == 0;
  ilab_test_rel(st[2].zero_frac, (double)zeros / (double)n, 0, "%s: zero_frac", spec);
  /* saturated: within 1% of a bound of tanh and hardtanh (+-1) or of the
   * sigmoid (0, 1); the inputs' mean 3 drives a good share there */
  long long sat = 0;
  for (size_t i = 0; i < n; i++)
    sat += a.kind == ILAB_ACT_TANH || a.kind == ILAB_ACT_HARDTANH ? fabs(x[i]) >= 0.99
           : a.kind == ILAB_ACT_SIGMOID                           ? x[i] <= 0.01 || x[i] >= 0.99
                                                                  : 0;
  ilab_test_rel(st[2].sat_frac, (double)sat / (double)n, 0, "%s: sat_frac %g", spec, st[2].sat_frac);
  if (a.kind == ILAB_ACT_TANH || a.kind == ILAB_ACT_HARDTANH || a.kind == ILAB_ACT_SIGMOID)
    ilab_test(sat > 0 && sat < (long long)n, "%s: some entries saturate, not all (%lld of %zu)", spec, sat, n);
  ilab_mlp_backward_begin(net, G);
  ilab_mlp_backward_layer(net, 2, &st[2]);
  ilab_test_rel(st[2].gx_var, gsl_stats_variance(G, 1, n), 1e-12, "%s: gx_var at the top is Var(G)", spec);
  const double *dw = ilab_mlp_grad_w(net);
  ilab_test_rel(st[2].gw_var, gsl_stats_variance(dw, 1, N * N), 1e-12, "%s: gw_var vs gsl_stats_variance", spec);
  const double *g1 = ilab_mlp_grad_x(net);
  double g1var = gsl_stats_variance(g1, 1, n);
  ilab_mlp_backward_layer(net, 1, &st[1]);
  ilab_test_rel(st[1].gx_var, g1var, 1e-12, "%s: gx_var of layer 1 vs gsl_stats_variance", spec);
  ilab_test(net->check_max < 1e-12, "%s: cross-check's largest difference %.3g < 1e-12", spec, net->check_max);
  free(u);
  free(G);
  ilab_mlp_free(net);
  gsl_rng_free(r);
}

/* An exploding network is a result: entries that overflow are counted, the
 * moments skip them and stay finite numbers or NaN, never a crash. */
static void check_overflow(void)
{
  size_t w[3] = {50, 50, 50};
  ilab_act a;
  ilab_act_parse("relu", &a);
  ilab_mlp *net;
  ilab_mlp_alloc(&net, 2, w, 4, &a);
  double *u = malloc(50 * 50 * sizeof(double));
  for (size_t i = 0; i < 50 * 50; i++) u[i] = 1;
  ilab_mlp_set_layer(net, 1, u, 1e200, NULL);
  /* layer 2 mixes signs down each column (a checkerboard): inf - inf is NaN */
  double *u2 = malloc(50 * 50 * sizeof(double));
  for (size_t i = 0; i < 50 * 50; i++) u2[i] = (i / 50 + i % 50) % 2 ? 1 : -1;
  ilab_mlp_set_layer(net, 2, u2, 1, NULL);
  double *x0 = ilab_mlp_input(net);
  for (size_t i = 0; i < 4 * 50; i++) x0[i] = 1e300;
  ilab_layer_stats st;
  ilab_mlp_forward_layer(net, 1, &st);
  ilab_test_int(st.nonfinite, 4 * 50, "layer 1 overflows to inf everywhere: every entry counted");
  ilab_test(isnan(st.h_var) && isnan(st.h_mean), "no finite entries: moments are NaN, not garbage");
  ilab_mlp_forward_layer(net, 2, &st);
  ilab_test_int(st.nonfinite, 4 * 50, "layer 2 is inf - inf = NaN everywhere: every entry counted");
  /* backward through the overflowed layer: relu'(NaN) is NaN, not 0, so the
   * gradient's non-finite entries are counted instead of reading as zeros */
  double *G = malloc(4 * 50 * sizeof *G);
  for (size_t i = 0; i < 4 * 50; i++) G[i] = 1;
  ilab_mlp_backward_begin(net, G);
  ilab_mlp_backward_layer(net, 2, &st);
  ilab_test_int(st.g_nonfinite, 0, "the output gradient itself is finite");
  ilab_mlp_backward_layer(net, 1, &st);
  ilab_test_int(st.g_nonfinite, 4 * 50, "the gradient below an overflowed layer is counted non-finite");
  free(G);
  free(u2);
  free(u);
  ilab_mlp_free(net);
}

/* Forward and backward through every layer of net from its input and G:
 * each layer's Var(dW) into gw[l] and whether grad_w was formed into
 * formed[l]; returns the cross-check's largest difference. */
static double passes(ilab_mlp *net, const double *G, double *gw, int *formed)
{
  ilab_layer_stats st;
  for (size_t l = 1; l <= net->L; l++) ilab_mlp_forward_layer(net, l, &st);
  ilab_mlp_backward_begin(net, G);
  for (size_t l = net->L; l >= 1; l--) {
    ilab_mlp_backward_layer(net, l, &st);
    gw[l] = st.gw_var;
    formed[l] = ilab_mlp_grad_w(net) != NULL;
  }
  return net->check_max;
}

/* One pass of a depth-4 network (width N, batch BB) with keep_dw as given:
 * each layer's Var(dW) into gw, and whether grad_w was formed.  scale
 * multiplies every layer's weights; x0 the input's value when not 0 (a
 * constant input), N(0,1) + 0.5 otherwise. */
enum { GN = 120, GB = 40, GL = 4 };
static void gram_pass(const char *spec, int keep_dw, int cross, double scale, double x0v, double gw[GL + 1],
                      int formed[GL + 1], double *check)
{
  size_t w[GL + 1] = {GN, GN, GN, GN, GN};
  gsl_rng *r;
  ilab_mlp *net = new_net(spec, GL, w, GB, 17, &r);
  net->keep_dw = keep_dw;
  net->cross_check = cross;
  double *u = malloc(GL * GN * GN * sizeof *u), *G = malloc(GB * GN * sizeof *G);
  for (size_t i = 0; i < GL * GN * GN; i++) u[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t i = 0; i < GB * GN; i++) G[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t l = 1; l <= GL; l++) ilab_mlp_set_layer(net, l, u + (l - 1) * GN * GN, scale / sqrt(GN), NULL);
  double *x = ilab_mlp_input(net);
  for (size_t i = 0; i < GB * GN; i++) x[i] = x0v != 0 ? x0v : 0.5 + gsl_ran_gaussian(r, 1.0);
  *check = passes(net, G, gw, formed);
  free(u);
  free(G);
  ilab_mlp_free(net);
  gsl_rng_free(r);
}

/* Var(dW) from the Gram matrices (keep_dw = 0) against the formed dW's, to
 * 1e-13 relative (rounding: the two sum in different orders), with grad_w
 * NULL only where dW was not formed; under the cross-check dW is formed and
 * the Gram variance is compared with gsl_stats_variance; an overflowed
 * network and a zero input fall back to, or agree with, the product. */
static void check_gram(void)
{
  static const char *const acts[] = {"linear", "tanh", "relu", "sigmoid"};
  double g1[GL + 1], g0[GL + 1], check;
  int f1[GL + 1], f0[GL + 1];
  for (size_t k = 0; k < sizeof acts / sizeof acts[0]; k++) {
    gram_pass(acts[k], 1, 0, 1.3, 0, g1, f1, &check);
    gram_pass(acts[k], 0, 0, 1.3, 0, g0, f0, &check);
    for (size_t l = 1; l <= GL; l++) {
      ilab_test_rel(g0[l], g1[l], 1e-13, "%s layer %zu: Var(dW) from the Gram matrices vs the product", acts[k], l);
      ilab_test(f1[l] && !f0[l], "%s layer %zu: grad_w formed with keep_dw, not without", acts[k], l);
    }
    gram_pass(acts[k], 0, 1, 1.3, 0, g0, f0, &check);
    ilab_test(check < 1e-12 && f0[1], "%s: cross-check of the Gram variance against gsl_stats: %.3g < 1e-12",
              acts[k], check);
  }
  /* squares beyond 2^900: the product, its non-finite entries skipped */
  gram_pass("linear", 1, 0, 1e100, 1e100, g1, f1, &check);
  gram_pass("linear", 0, 0, 1e100, 1e100, g0, f0, &check);
  for (size_t l = 1; l <= GL; l++)
    ilab_test(f0[l] && (g0[l] == g1[l] || (isnan(g0[l]) && isnan(g1[l]))),
              "overflowing layer %zu: the product's variance (%g, %g)", l, g0[l], g1[l]);
  /* an input of 1e-140: squares below 2^-900, dW (about 1e-140) by the product again */
  gram_pass("linear", 1, 0, 1, 1e-140, g1, f1, &check);
  gram_pass("linear", 0, 0, 1, 1e-140, g0, f0, &check);
  for (size_t l = 1; l <= GL; l++)
    ilab_test(f0[l] && g0[l] == g1[l] && g0[l] > 0, "input of 1e-140, layer %zu: the product's variance (%g, %g)", l,
              g0[l], g1[l]);
}

/* dW whose mean dwarfs its spread (inputs and gradients 1 + 1e-4 N(0,1), a
 * linear layer of weights 1/n: mean^2 / Var about 1e8): the difference of
 * sum dW^2 and (sum dW)^2 / N would lose eight digits, so keep_dw = 0 falls
 * back to the product, whose variance comes out bit for bit. */
static void check_gram_mean(void)
{
  double v[2][2];
  int formed[2][2];
  for (int keep = 0; keep < 2; keep++) {
    size_t w[2] = {GN, GN};
    gsl_rng *r;
    ilab_mlp *net = new_net("linear", 1, w, GB, 5, &r);
    net->keep_dw = keep;
    double *u = malloc(GN * GN * sizeof *u), *G = malloc(GB * GN * sizeof *G), *x = ilab_mlp_input(net);
    for (size_t i = 0; i < GN * GN; i++) u[i] = 1;
    ilab_mlp_set_layer(net, 1, u, 1.0 / GN, NULL);
    for (size_t i = 0; i < GB * GN; i++) x[i] = 1 + 1e-4 * gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < GB * GN; i++) G[i] = 1 + 1e-4 * gsl_ran_gaussian(r, 1.0);
    passes(net, G, v[keep], formed[keep]);
    free(u);
    free(G);
    ilab_mlp_free(net);
    gsl_rng_free(r);
  }
  ilab_test(formed[0][1] && v[0][1] == v[1][1] && v[0][1] > 0,
            "mean far above the spread: the product's Var(dW) (%.17g, %.17g)", v[0][1], v[1][1]);
}

/* Whether running f(l) in a child process dies of SIGABRT (a failed assert). */
static int aborts(void (*f)(ilab_mlp *, size_t), ilab_mlp *net, size_t l)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    /* the child's abort would print the assertion on stderr: keep it quiet */
    if (!freopen("/dev/null", "w", stderr)) _exit(3);
    f(net, l);
    _exit(0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return 0;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void forward(ilab_mlp *net, size_t l) { ilab_layer_stats st; ilab_mlp_forward_layer(net, l, &st); }
static void backward(ilab_mlp *net, size_t l) { ilab_layer_stats st; ilab_mlp_backward_layer(net, l, &st); }

/* A layer index outside 1..L is a caller's mistake that would read and
 * write past the network's buffers: the preconditions stop it. */
static void check_preconditions(void)
{
  size_t w[3] = {4, 4, 4};
  ilab_act a;
  ilab_act_parse("relu", &a);
  ilab_mlp *net;
  if (ilab_mlp_alloc(&net, 2, w, 2, &a)) { ilab_test(0, "alloc"); return; }
  ilab_test(aborts(forward, net, 0), "forward_layer(0) fails its precondition");
  ilab_test(aborts(forward, net, 3), "forward_layer(L + 1) fails its precondition");
  ilab_test(aborts(backward, net, 3), "backward_layer(L + 1) fails its precondition");
  ilab_mlp_free(net);
}

int main(void)
{
  /* gelu, silu and mish take the path that keeps H; the others read phi' from X */
  static const char *const acts[] = {"linear", "tanh", "relu", "leaky_relu:slope=0.1", "sigmoid", "selu",
                                     "gelu", "gelu_tanh", "silu", "elu:alpha=0.7", "softplus:beta=2",
                                     "mish", "hardtanh"};
  for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
    check_act(acts[i], 0);
    check_act(acts[i], 0.3);
    check_stats(acts[i]);
  }
  check_overflow();
  check_gram();
  check_gram_mean();
  /* The activations whose phi' needs H keep every layer's: B (n_1 + ... + n_L)
   * doubles in place of one layer's B max n_l. */
  {
    size_t w[4] = {10, 20, 30, 40};
    ilab_act r, g;
    ilab_act_parse("relu", &r);
    ilab_act_parse("gelu", &g);
    size_t br = ilab_mlp_bytes(3, w, 5, &r), bg = ilab_mlp_bytes(3, w, 5, &g);
    ilab_test(bg - br == 5 * (20 + 30 + 40 - 40) * sizeof(double), "gelu keeps H: %zu bytes more than relu",
              bg - br);
    ilab_mlp *net;
    ilab_test(ilab_mlp_alloc(&net, 3, w, 5, &g) == ILAB_OK && net->keep_h, "a gelu network keeps H");
    ilab_mlp_free(net);
  }
  check_preconditions();
  return ilab_test_summary();
}
