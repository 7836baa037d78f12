/* Tests of the sweep: keyed streams, results independent of the thread count
 * and of which cells run, the common random numbers that make schemes of
 * one family give exactly proportional curves, and the exact rescaling that
 * computes such cells from one pass. */
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

/* Exact rescaling against the direct computation.  Homogeneous activations
 * (and tanh, always direct), two families, an lsuv cell, scales from 1e-6 to
 * 1e6 (values near 1e+-130 at layer 20, inside the range where rescaling
 * applies), and std = 1e20 and 1e-20, whose values overflow to inf and
 * underflow to subnormals and zeros before layer 20: computed on their own. */
static const char *const rescale_text =
    "activations = linear relu leaky_relu:slope=0.2 tanh\n"
    "schemes = lecun_normal he_normal normal:std=1e-6 normal:std=1e6 normal:std=1e20 normal:std=1e-20 "
    "he_uniform glorot_uniform lsuv:base=he_normal\n"
    "depth = 20\nwidth = 24\nbatch = 16\ntrials = 2\nseed = 7\nhistograms = 3 19\nhist_bins = 20\n";

/* |a - b| <= tol * scale, with equal infinities and NaNs agreeing */
static int close_to(double a, double b, double scale, double tol)
{
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  if (isinf(a) || isinf(b)) return a == b;
  return fabs(a - b) <= tol * scale;
}

/* extra: more keys after rescale_text; rescaled: the cells x trials that
 * rescaling must compute (0: none may be) */
static void rescale_tests(const char *label, const char *extra, size_t rescaled)
{
  ilab_config c;
  char cfg[1024];
  snprintf(cfg, sizeof cfg, "%s%s", rescale_text, extra);
  if (ilab_config_parse("rescale.cfg", cfg, strlen(cfg), &c) != ILAB_OK) {
    ilab_test(0, "rescale config parses: %s", ilab_error_reason());
    return;
  }
  ilab_sweep d, r, one;
  memset(&d, 0, sizeof d);
  d.seed = c.seed;
  d.rng_type = gsl_rng_mt19937;
  d.threads = 1;
  d.no_rescale = 1;
  ilab_test(ilab_sweep_alloc(&d, &c) == 0 && ilab_sweep_run(&d) == 0, "the direct sweep runs");
  ilab_test(d.rescaled == 0, "no_rescale: every cell on its own (%zu rescaled)", d.rescaled);
  ilab_test(run(&c, &r, 2, NULL) == 0, "the rescaled sweep runs");
  ilab_test_int((long long)r.rescaled, (long)rescaled, "%s: cells x trials computed by rescaling", label);
  /* Tolerance: the two differ by rounding only.  Between X_0 or G and any
   * buffer lie at most 2L products and scalings (L forward and L backward
   * for dL/dW_l), each adding a relative error of a few units of 2^-53 to
   * the entries (a product's own error is of the order of the entry times
   * 2^-53 for random signs, and a perturbation of the input carries through
   * a layer at its relative size); a variance, a mean square, doubles its
   * entries' error.  With 8 units a step: 2 x 2L x 8 x 2^-53 = 32 L 2^-53 =
   * 7.1e-14 at L = 20 bounds every variance's relative difference, and every
   * mean's relative to its standard deviation (largest seen: 5.8e-15; 2.7e-14
   * with other summation orders, in a Var(dL/dW)). */
  const double tol = 32 * 20 * 0x1p-53;
  size_t L = c.depth, bad = 0, checked = 0, over = 0, under = 0;
  double worst = 0;
  for (size_t cell = 0; cell < r.n_cells; cell++)
    for (size_t tr = 0; tr < c.trials; tr++)
      for (size_t l = 1; l <= L; l++) {
        const ilab_layer_stats *a = ilab_sweep_at(&r, cell, tr, l), *b = ilab_sweep_at(&d, cell, tr, l);
        double sh = sqrt(b->h_var), sx = sqrt(b->x_var);
        double pairs[][3] = {{a->h_mean, b->h_mean, fmax(fabs(b->h_mean), sh)}, {a->h_var, b->h_var, b->h_var},
                             {a->x_mean, b->x_mean, fmax(fabs(b->x_mean), sx)}, {a->x_var, b->x_var, b->x_var},
                             {a->x_sq, b->x_sq, b->x_sq}, {a->gx_var, b->gx_var, b->gx_var},
                             {a->gh_var, b->gh_var, b->gh_var}, {a->gw_var, b->gw_var, b->gw_var},
                             {a->lsuv_scale, b->lsuv_scale, fabs(b->lsuv_scale)}};
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
          checked++;
          if (!close_to(pairs[k][0], pairs[k][1], pairs[k][2], tol)) {
            if (bad++ < 5)
              ilab_test(0, "rescaled vs direct: %s %s trial %zu layer %zu field %zu: %.17g vs %.17g", c.act_names[cell / c.n_schemes],
                        c.schemes[cell % c.n_schemes].spec, tr, l, k, pairs[k][0], pairs[k][1]);
          } else if (isfinite(pairs[k][0]) && pairs[k][2] > 0 && fabs(pairs[k][0] - pairs[k][1]) / pairs[k][2] > worst) {
            worst = fabs(pairs[k][0] - pairs[k][1]) / pairs[k][2];
          }
        }
        /* counts and fractions: exactly */
        checked++;
        if (a->zero_frac != b->zero_frac || a->sat_frac != b->sat_frac || a->nonfinite != b->nonfinite ||
            a->h_under != b->h_under || a->h_over != b->h_over || a->g_under != b->g_under || a->g_over != b->g_over ||
            a->g_nonfinite != b->g_nonfinite || !(a->lsuv_iters == b->lsuv_iters || (isnan(a->lsuv_iters) && isnan(b->lsuv_iters)))) {
          if (bad++ < 5)
            ilab_test(0, "rescaled vs direct: %s %s trial %zu layer %zu: counts %g %g %lld %lld %g vs %g %g %lld %lld %g",
                      c.act_names[cell / c.n_schemes], c.schemes[cell % c.n_schemes].spec, tr, l, a->zero_frac, a->sat_frac,
                      a->nonfinite, a->g_nonfinite, a->lsuv_iters, b->zero_frac, b->sat_frac, b->nonfinite, b->g_nonfinite,
                      b->lsuv_iters);
        }
        if (cell % c.n_schemes == 4 && cell / c.n_schemes == 0) over += (size_t)b->nonfinite;
        if (cell % c.n_schemes == 5 && cell / c.n_schemes == 0) under += b->zero_frac > 0;
      }
  ilab_test(bad == 0, "every field of every cell, rescaled vs direct, within %.2g (%zu of %zu differ; largest difference within: %.3g)",
            tol, bad, checked, worst);
  ilab_test(over > 0, "linear normal:std=1e20 overflows (%zu inf or NaN entries of H)", over);
  ilab_test(under > 0, "linear normal:std=1e-20 underflows to exact zeros (%zu layers)", under);
  /* histograms: the bins of the scaled buffer are the direct buffer's.  An
   * entry changes bin only if it lies within rounding (7.1e-14 relative) of
   * an edge: with 20 bins over 10 sd, a chance of about 1e-11 an entry, of
   * 1e-6 over the 3 x 2 x 36 x 384 x 2 entries here: the counts must agree. */
  size_t nh = r.n_cells * c.n_hist * 3;
  int hist_same = !memcmp(r.hist, d.hist, nh * (c.hist_bins + 2) * sizeof *r.hist);
  size_t hb = 0;
  for (size_t k = 0; k < nh; k++)
    hb += !close_to(r.hist_lo[k], d.hist_lo[k], fabs(d.hist_hi[k] - d.hist_lo[k]), tol) ||
          !close_to(r.hist_hi[k], d.hist_hi[k], fabs(d.hist_hi[k] - d.hist_lo[k]), tol);
  ilab_test(hist_same && hb == 0, "histograms rescaled vs direct: the same counts (%s), ranges within rounding (%zu differ)",
            hist_same ? "same" : "differ", hb);
  /* --only: a rescaled cell alone gives the bits it has among its family */
  unsigned char sel[36] = {0};
  size_t cell = 1 * c.n_schemes + 3; /* relu normal:std=1e6 */
  sel[cell] = 1;
  ilab_test(run(&c, &one, 1, sel) == 0 && one.rescaled == (rescaled ? c.trials : 0), "one cell alone");
  ilab_test(!memcmp(ilab_sweep_at(&one, cell, 0, 1), ilab_sweep_at(&r, cell, 0, 1), c.trials * L * sizeof *r.stats) &&
                !memcmp(ilab_sweep_hist(&one, cell, 0, 0), ilab_sweep_hist(&r, cell, 0, 0),
                        c.n_hist * 3 * (c.hist_bins + 2) * sizeof *r.hist),
            "a rescaled cell alone: the bits of its statistics and histograms in the full sweep");
  ilab_sweep_free(&d);
  ilab_sweep_free(&r);
  ilab_sweep_free(&one);
  ilab_config_free(&c);
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
  /* linear, relu, leaky_relu x 7 in-range schemes (std 1e20 and 1e-20 are
   * not) x 2 trials; a loss scale multiplies dL/dX as stored, in the
   * reference too; in single precision nothing is rescaled */
  rescale_tests("double", "", 3 * 7 * 2);
  rescale_tests("double, loss scale 1024", "loss_scale = 1024\n", 3 * 7 * 2);
  rescale_tests("single", "precision = single\n", 0);
  return ilab_test_summary();
}
