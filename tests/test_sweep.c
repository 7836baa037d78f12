/* Tests of the sweep: keyed streams, results independent of the thread count
 * and of which cells run, and the common random numbers that make schemes of
 * one family give exactly proportional curves. */
#include "test.h"
#include "config.h"
#include "ilab.h"
#include "sweep.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const text =
    "# test\n"
    "activations = linear relu tanh\n"
    "schemes = lecun_normal he_normal lecun_uniform he_uniform normal:std=0.1\n"
    "depth = 6\nwidth = 40\nbatch = 16\ntrials = 2\nseed = 99\n";

static int run(ilab_config *c, ilab_sweep *s, int threads, unsigned char *sel);

/* LSUV beside its base (same family: common random numbers), without a bias
 * so that linear and ReLU layers are positively homogeneous, and with one
 * (sigma_b2 = 0.5) so that tanh needs more than one rescaling. */
static const char *const lsuv_text =
    "activations = linear relu tanh\n"
    "schemes = orthogonal lsuv lsuv:iters=0 he_normal lsuv:base=he_normal,tol=0.02\n"
    "depth = 8\nwidth = 32\nbatch = 12\ntrials = 2\nseed = 5\n";

static void lsuv_tests(const char *cfg_text, int bias)
{
  ilab_config c;
  ilab_sweep s1, s2;
  if (ilab_config_parse("lsuv.cfg", cfg_text, strlen(cfg_text), &c) != ILAB_OK) {
    ilab_test(0, "lsuv config parses: %s", ilab_error_reason());
    return;
  }
  ilab_test(run(&c, &s1, 1, NULL) == 0 && run(&c, &s2, 2, NULL) == 0, "lsuv sweeps run");
  size_t nstat = c.n_acts * c.n_schemes * c.trials * c.depth;
  ilab_test(!memcmp(s1.stats, s2.stats, nstat * sizeof *s1.stats), "lsuv%s: 1 and 2 threads give the same bits",
            bias ? " with bias" : "");
  size_t most = 0;
  for (size_t a = 0; a < c.n_acts; a++)
    for (size_t tr = 0; tr < c.trials; tr++) {
      double prod[2] = {1, 1};
      for (size_t l = 1; l <= c.depth; l++) {
        const ilab_layer_stats *base[2] = {ilab_sweep_at(&s1, a * 5 + 0, tr, l), ilab_sweep_at(&s1, a * 5 + 3, tr, l)};
        const ilab_layer_stats *ls[2] = {ilab_sweep_at(&s1, a * 5 + 1, tr, l), ilab_sweep_at(&s1, a * 5 + 4, tr, l)};
        const ilab_layer_stats *none = ilab_sweep_at(&s1, a * 5 + 2, tr, l);
        const double tol[2] = {0.1, 0.02};
        const int iters[2] = {10, 10};
        ilab_test(isnan(base[0]->lsuv_scale) && isnan(base[1]->lsuv_iters), "a scheme other than lsuv records NaN");
        /* iters=0: the base's network, bit for bit */
        ilab_test(none->h_var == base[0]->h_var && none->gx_var == base[0]->gx_var && none->lsuv_scale == 1 &&
                  none->lsuv_iters == 0, "%s lsuv:iters=0 layer %zu: the base's bits, scale 1", c.act_names[a], l);
        for (int k = 0; k < 2; k++) {
          /* what the algorithm guarantees: |Var(H_l) - 1| < tol on the batch
           * at every layer, within iters rescalings */
          ilab_test(fabs(ls[k]->h_var - 1) < tol[k] && ls[k]->lsuv_iters <= iters[k],
                    "%s %s layer %zu trial %zu: Var(H_l) = %.17g within %g of 1 after %g rescalings", c.act_names[a],
                    c.schemes[k ? 4 : 1].spec, l, tr, ls[k]->h_var, tol[k], ls[k]->lsuv_iters);
          if (ls[k]->lsuv_iters > most) most = (size_t)ls[k]->lsuv_iters;
          prod[k] *= ls[k]->lsuv_scale;
          /* the scale recorded is the one applied: a positively homogeneous
           * network without bias, from the base's unit matrices, has
           * Var(H_l) = (prod of the factors up to l)^2 times the base's */
          if (!bias && c.acts[a].kind != ILAB_ACT_TANH)
            ilab_test_rel(ls[k]->h_var / base[k]->h_var, prod[k] * prod[k], 1e-12,
                          "%s %s layer %zu: Var(H_l)/Var(H_l of the base) = (product of lsuv_scale)^2",
                          c.act_names[a], c.schemes[k ? 4 : 1].spec, l);
          if (!bias)
            ilab_test(ls[k]->lsuv_iters <= 1 && (ls[k]->lsuv_iters == 0 || fabs(ls[k]->h_var - 1) < 1e-12),
                      "without a bias one rescaling sets Var(H_l) = 1 to rounding (%.17g)", ls[k]->h_var);
        }
      }
    }
  if (bias) ilab_test(most >= 2, "with a bias some layer needs more than one rescaling (most: %zu)", most);
  ilab_sweep_free(&s1);
  ilab_sweep_free(&s2);
  ilab_config_free(&c);
}

static int run(ilab_config *c, ilab_sweep *s, int threads, unsigned char *sel)
{
  memset(s, 0, sizeof *s);
  s->seed = c->seed;
  s->rng_type = gsl_rng_mt19937;
  s->threads = threads;
  s->run_cell = sel;
  return ilab_sweep_alloc(s, c) || ilab_sweep_run(s);
}

/* Whether ilab_sweep_at(s, cell, trial, layer) dies of SIGABRT (a failed
 * assert) in a child process. */
static int at_aborts(const ilab_sweep *s, size_t cell, size_t trial, size_t layer)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stderr)) _exit(3);
    volatile double v = ilab_sweep_at(s, cell, trial, layer)->h_var;
    (void)v;
    _exit(0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return 0;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* A worker's buffers serve every activation of the file: a cell's bits do not
 * depend on which activation is listed first (gelu's phi' needs H, relu's and
 * elu's are read from X; a worker sized for relu once left gelu's gradients
 * NaN). */
static void order_tests(void)
{
  static const char *const order[2] = {
      "activations = relu gelu elu\nschemes = he_normal\ndepth = 5\nwidth = 16\nbatch = 4\ntrials = 2\nseed = 3\n",
      "activations = gelu elu relu\nschemes = he_normal\ndepth = 5\nwidth = 16\nbatch = 4\ntrials = 2\nseed = 3\n"};
  static const size_t cell_of[2][3] = {{0, 1, 2}, {2, 0, 1}}; /* relu, gelu, elu */
  ilab_config c[2];
  ilab_sweep s[2];
  for (int k = 0; k < 2; k++) {
    ilab_test(ilab_config_parse("order.cfg", order[k], strlen(order[k]), &c[k]) == ILAB_OK, "order config %d parses", k);
    ilab_test(run(&c[k], &s[k], 1, NULL) == 0, "order sweep %d runs", k);
  }
  static const char *const name[3] = {"relu", "gelu", "elu"};
  for (size_t a = 0; a < 3; a++) {
    const ilab_layer_stats *p = ilab_sweep_at(&s[0], cell_of[0][a], 0, 1);
    const ilab_layer_stats *q = ilab_sweep_at(&s[1], cell_of[1][a], 0, 1);
    ilab_test(!memcmp(p, q, c[0].trials * c[0].depth * sizeof *p), "%s: the same bits whichever activation comes first",
              name[a]);
    ilab_test(isfinite(p->gx_var) && isfinite(p->gw_var), "%s: finite gradient variances", name[a]);
  }
  for (int k = 0; k < 2; k++) {
    ilab_sweep_free(&s[k]);
    ilab_config_free(&c[k]);
  }
}

int main(void)
{
  /* stream keys: equal inputs give equal seeds; changing any part changes it */
  unsigned long k = ilab_stream_seed(42, 1, 2, 3);
  ilab_test(k == ilab_stream_seed(42, 1, 2, 3), "a stream key is a function of its inputs");
  ilab_test(k != ilab_stream_seed(43, 1, 2, 3) && k != ilab_stream_seed(42, 2, 2, 3) &&
            k != ilab_stream_seed(42, 1, 3, 3) && k != ilab_stream_seed(42, 1, 2, 4),
            "seed, trial, layer and tag each change the key");
  ilab_test(ilab_stream_seed(42, 1, 2, 3) != ilab_stream_seed(42, 2, 1, 3), "trial and layer are not interchangeable");

  ilab_config c;
  ilab_test(ilab_config_parse("t.cfg", text, strlen(text), &c) == ILAB_OK, "config parses");
  ilab_sweep s1, s2, s3;
  size_t nstat = c.n_acts * c.n_schemes * c.trials * c.depth;
  ilab_test(run(&c, &s1, 1, NULL) == 0, "sweep on 1 thread");
  ilab_test(run(&c, &s2, 3, NULL) == 0, "sweep on 3 threads");
  ilab_test(!memcmp(s1.stats, s2.stats, nstat * sizeof *s1.stats), "1 and 3 threads give the same bits");

  /* one cell alone (relu, he_uniform) gives the bits it has in the full sweep */
  unsigned char sel[15] = {0};
  size_t cell = 1 * c.n_schemes + 3;
  sel[cell] = 1;
  ilab_test(run(&c, &s3, 2, sel) == 0, "one cell alone");
  ilab_test(!memcmp(ilab_sweep_at(&s3, cell, 0, 1), ilab_sweep_at(&s1, cell, 0, 1), c.trials * c.depth * sizeof *s1.stats),
            "a cell run alone gives the bits of the full sweep");

  /* Common random numbers: he_normal = sqrt(2) lecun_normal entry by entry,
   * so in a linear or ReLU network without bias every H_l scales by 2^(l/2)
   * and Var(H_l) by exactly 2^l, up to rounding (1e-12 relative). */
  for (size_t a = 0; a < 2; a++)
    for (size_t fam = 0; fam < 2; fam++)
      for (size_t l = 1; l <= c.depth; l++) {
        const ilab_layer_stats *lc = ilab_sweep_at(&s1, a * c.n_schemes + 2 * fam, 0, l);
        const ilab_layer_stats *he = ilab_sweep_at(&s1, a * c.n_schemes + 2 * fam + 1, 0, l);
        ilab_test_rel(he->h_var / lc->h_var, pow(2.0, (double)l), 1e-12, "%s %s: Var(H_%zu) ratio he/lecun = 2^l",
                      c.act_names[a], fam ? "uniform" : "normal", l);
        /* backward: dL/dX_l picks up sqrt(2) per layer above l */
        ilab_test_rel(he->gx_var / lc->gx_var, pow(2.0, (double)(c.depth - l)), 1e-12,
                      "%s %s: Var(dL/dX_%zu) ratio he/lecun = 2^(L-l)", c.act_names[a], fam ? "uniform" : "normal", l);
      }
  /* indices out of range are a caller's mistake that would read past the
   * results: the preconditions stop them */
  ilab_test(!at_aborts(&s1, s1.n_cells - 1, c.trials - 1, c.depth), "the last cell, trial and layer are in range");
  ilab_test(at_aborts(&s1, s1.n_cells, 0, 1), "ilab_sweep_at: a cell past the last fails its precondition");
  ilab_test(at_aborts(&s1, 0, c.trials, 1), "ilab_sweep_at: a trial past the last fails its precondition");
  ilab_test(at_aborts(&s1, 0, 0, 0), "ilab_sweep_at: layer 0 fails its precondition");
  ilab_test(at_aborts(&s1, 0, 0, c.depth + 1), "ilab_sweep_at: layer L + 1 fails its precondition");
  /* different trials draw different numbers */
  ilab_test(ilab_sweep_at(&s1, 0, 0, 1)->h_var != ilab_sweep_at(&s1, 0, 1, 1)->h_var, "trials are independent draws");
  ilab_sweep_free(&s1);
  ilab_sweep_free(&s2);
  ilab_sweep_free(&s3);
  ilab_config_free(&c);

  order_tests();
  lsuv_tests(lsuv_text, 0);
  char with_bias[512];
  snprintf(with_bias, sizeof with_bias, "%ssigma_b2 = 0.5\n", lsuv_text);
  lsuv_tests(with_bias, 1);
  return ilab_test_summary();
}
