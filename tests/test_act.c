/* Tests of the activations: phi' against central differences of phi, the
 * parser, the gains and the closed-form Gaussian moments. */
#include "test.h"
#include "act.h"
#include "ilab.h"

#include <string.h>

int main(void)
{
  static const char *const specs[] = {"linear", "tanh", "relu", "leaky_relu:slope=0.2", "sigmoid", "selu",
                                      "gelu", "gelu_tanh", "silu", "elu", "elu:alpha=0.5", "softplus",
                                      "softplus:beta=3", "mish", "hardtanh"};
  /* phi'(h) against (phi(h+e) - phi(h-e)) / 2e with e = 1e-6: truncation
   * error O(e^2 phi''') ~ 1e-12, rounding O(1e-16/e) ~ 1e-10; 1e-7 relative
   * (or absolute near 0) separates them from any wrong derivative.  Points
   * avoid the kinks of relu, leaky_relu, selu and elu at 0 and of hardtanh
   * at +-1. */
  static const double hs[] = {-30, -9.5, -3.1, -0.7, -0.01, 0.013, 0.4, 1.9, 5.5, 12};
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    ilab_act a;
    ilab_test(ilab_act_parse(specs[i], &a) == ILAB_OK, "parse %s", specs[i]);
    for (size_t k = 0; k < sizeof hs / sizeof hs[0]; k++) {
      double h = hs[k], e = 1e-6;
      double fd = (ilab_act_phi(&a, h + e) - ilab_act_phi(&a, h - e)) / (2 * e);
      ilab_test_abs(ilab_act_dphi(&a, h), fd, 1e-7 * (1 + fabs(fd)), "%s: phi'(%g) vs central difference", specs[i], h);
    }
    char name[64];
    ilab_act_name(&a, name, sizeof name);
    ilab_act b;
    ilab_test(ilab_act_parse(name, &b) == ILAB_OK && b.kind == a.kind && b.slope == a.slope
              && b.alpha == a.alpha && b.beta == a.beta,
              "%s: its canonical name '%s' parses back", specs[i], name);
    ilab_test(isnan(ilab_act_phi(&a, NAN)) && isnan(ilab_act_dphi(&a, NAN)) == (a.kind != ILAB_ACT_LINEAR),
              "%s: NaN in, NaN out", specs[i]);
  }
  /* The backward pass's two homes for phi': from X (invertible phi) and from
   * H (any phi) agree to rounding where both apply, over h in [-40, 40] and
   * at the kinks; relative 1e-12, or 1e-15 absolute where phi' is ~0.  The
   * block forms agree with the one-value forms. */
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    ilab_act a;
    ilab_act_parse(specs[i], &a);
    enum { N = 4003 };
    static double h[N], x[N], g[N], dx[N], dhh[N];
    for (int k = 0; k < N; k++) {
      h[k] = -40 + 80.0 * k / (N - 1) + (k % 7 == 3 ? 0.5 : 0);
      g[k] = 1 + 0.001 * k;
    }
    h[0] = 0; h[1] = 1; h[2] = -1; h[3] = 1e-300; h[4] = -1e-300; h[5] = 700; h[6] = -700;
    ilab_act_phi_n(&a, h, x, N);
    ilab_act_grad_from_h(&a, g, h, dhh, N);
    int same_phi = 1, same_dphi = 1;
    for (int k = 0; k < N; k++) {
      same_phi &= x[k] == ilab_act_phi(&a, h[k]);
      same_dphi &= dhh[k] == g[k] * ilab_act_dphi(&a, h[k]);
    }
    ilab_test(same_phi && same_dphi, "%s: block phi and phi' equal the one-value forms", specs[i]);
    if (ilab_act_needs_h(&a)) continue;
    ilab_act_grad_from_x(&a, g, x, dx, N);
    double worst = 0;
    int kw = 0;
    for (int k = 0; k < N; k++) {
      double d = fabs(dx[k] - dhh[k]) / fmax(fabs(dhh[k]), 1e-3 * g[k]);
      if (dhh[k] == 0 && fabs(dx[k]) < 1e-15) d = 0;
      if (d > worst) { worst = d; kw = k; }
    }
    ilab_test(worst <= 1e-12, "%s: phi' from X equals phi' from H (worst relative %.3g at h = %g)",
              specs[i], worst, h[kw]);
  }
  /* Exactly the non-monotonic activations keep H. */
  for (int k = 0; ilab_act_names[k]; k++) {
    ilab_act a;
    ilab_act_parse(ilab_act_names[k], &a);
    int want = a.kind == ILAB_ACT_GELU || a.kind == ILAB_ACT_GELU_TANH || a.kind == ILAB_ACT_SILU
               || a.kind == ILAB_ACT_MISH;
    ilab_test(ilab_act_needs_h(&a) == want, "%s: needs H is %d", ilab_act_names[k], want);
    /* monotonic on a grid exactly when phi' is read from X */
    int mono = 1;
    for (double v = -8; v < 8; v += 0.01) mono &= ilab_act_phi(&a, v + 0.01) >= ilab_act_phi(&a, v);
    ilab_test(mono == !want, "%s: monotonic %d", ilab_act_names[k], mono);
  }
  {
    ilab_act s, w;
    ilab_test(ilab_act_parse("swish", &w) == ILAB_OK && ilab_act_parse("silu", &s) == ILAB_OK
              && w.kind == s.kind, "swish is silu");
    ilab_act_parse("elu", &s);
    ilab_test(s.alpha == 1 && ilab_act_phi(&s, -1e3) == -1, "elu's default alpha is 1, elu(-inf) = -alpha");
    ilab_act_parse("softplus", &s);
    ilab_test_rel(ilab_act_phi(&s, 0), log(2.0), 1e-15, "softplus(0) = log 2, beta 1");
    ilab_test_rel(ilab_act_phi(&s, 800), 800, 1e-15, "softplus(800) = 800 without overflow");
    ilab_act_parse("softplus:beta=2", &s);
    ilab_test_rel(ilab_act_phi(&s, 0), log(2.0) / 2, 1e-15, "softplus:beta=2 (0) = log(2)/2");
    ilab_act_parse("gelu", &s);
    ilab_test_rel(ilab_act_phi(&s, 1), 0.5 * (1 + erf(1 / sqrt(2.0))), 1e-15, "gelu(1) = Phi(1)");
    ilab_test(ilab_act_phi(&s, -10) < 0 && ilab_act_phi(&s, -10) > -1e-21, "gelu(-10) = -10 Phi(-10) ~ -7.6e-23");
    ilab_act_parse("gelu_tanh", &w);
    double worst = 0;
    for (double v = -6; v <= 6; v += 0.001) worst = fmax(worst, fabs(ilab_act_phi(&w, v) - ilab_act_phi(&s, v)));
    /* the tanh form's largest error is 4.7e-4 (Hendrycks & Gimpel's fit) */
    ilab_test(worst > 1e-4 && worst < 1e-3, "gelu_tanh within 1e-3 of gelu, and not equal (%.3g)", worst);
  }
  ilab_act a;
  ilab_act_parse("leaky_relu", &a);
  ilab_test_rel(a.slope, 0.01, 0, "leaky_relu's default slope is 0.01");
  static const char *const bad[] = {"", "Relu", "relu:slope=0.1", "leaky_relu:slope=", "leaky_relu:slope=-0.1",
                                    "leaky_relu:slope=nan", "leaky_relu:slope=1", "leaky_relu:gain=2", "tanh ",
                                    "elu:alpha=-1", "elu:beta=1", "elu:alpha=inf", "softplus:beta=0",
                                    "softplus:beta=-2", "softplus:alpha=1", "gelu:alpha=1", "swish:beta=1",
                                    "swis", "mish:", "elu:alpha=1e-320"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ilab_error_clear();
    ilab_test(ilab_act_parse(bad[i], &a) == ILAB_EPARSE && ilab_error_reason()[0], "'%s' is refused with a reason", bad[i]);
  }
  /* PyTorch's calculate_gain */
  ilab_act_parse("tanh", &a);
  ilab_test_rel(ilab_act_gain(&a), 5.0 / 3, 1e-15, "tanh gain 5/3");
  ilab_act_parse("relu", &a);
  ilab_test_rel(ilab_act_gain(&a), sqrt(2.0), 1e-15, "relu gain sqrt 2");
  ilab_act_parse("leaky_relu:slope=0.2", &a);
  ilab_test_rel(ilab_act_gain(&a), sqrt(2.0 / 1.04), 1e-15, "leaky_relu gain sqrt(2/(1+a^2))");
  ilab_act_parse("gelu", &a);
  ilab_test(isnan(ilab_act_gain(&a)), "gelu has no calculate_gain entry");
  /* the closed forms: E[relu(sqrt(q) z)^2] = q/2, leaky: q (1 + a^2)/2 */
  double r;
  ilab_act_parse("relu", &a);
  ilab_test(ilab_act_closed_x_sq(&a, 3.0, &r) && r == 1.5, "relu: E[x^2] = q/2");
  ilab_test(ilab_act_closed_dphi_sq(&a, 3.0, &r) && r == 0.5, "relu: E[phi'^2] = 1/2");
  ilab_act_parse("leaky_relu:slope=0.2", &a);
  ilab_test(ilab_act_closed_x_sq(&a, 2.0, &r) && fabs(r - 1.04) < 1e-15, "leaky_relu: E[x^2] = q (1 + a^2)/2");
  ilab_act_parse("tanh", &a);
  ilab_test(!ilab_act_closed_x_sq(&a, 2.0, &r), "tanh has no closed form");
  double lo, hi;
  ilab_test(ilab_act_bounds(&a, &lo, &hi) && lo == -1 && hi == 1, "tanh is bounded by -1, 1");
  ilab_act_parse("relu", &a);
  ilab_test(!ilab_act_bounds(&a, &lo, &hi), "relu is unbounded");
  ilab_act_parse("hardtanh", &a);
  ilab_test(ilab_act_bounds(&a, &lo, &hi) && lo == -1 && hi == 1, "hardtanh is bounded by -1, 1");
  /* SELU's constants (Klambauer et al. 2017) */
  ilab_act_parse("selu", &a);
  ilab_test_rel(ilab_act_phi(&a, -50), -ILAB_SELU_LAMBDA * ILAB_SELU_ALPHA, 1e-15, "selu(-inf) = -lambda alpha");
  /* ilab_act_tanh against glibc's tanh: within 4 ulp everywhere (2 measured),
   * exactly odd, +-1 and NaN where glibc gives them */
  double worst = 0;
  for (int i = 0; i <= 2000000; i++) {
    double x = -30 + 60.0 * i / 2000000, t = tanh(x), f = ilab_act_tanh(x);
    double ulp = nextafter(fabs(t), INFINITY) - fabs(t), d = fabs(f - t) / ulp;
    if (d > worst) worst = d;
    if (ilab_act_tanh(-x) != -f) { worst = INFINITY; break; }
  }
  ilab_test(worst <= 4, "ilab_act_tanh within 4 ulp of tanh and odd (worst %.1f ulp)", worst);
  ilab_test(ilab_act_tanh(INFINITY) == 1 && ilab_act_tanh(-INFINITY) == -1 && isnan(ilab_act_tanh(NAN)),
            "ilab_act_tanh at +-inf and NaN");
  ilab_test(ilab_act_tanh(1e-300) == 1e-300 && ilab_act_tanh(0.0) == 0.0, "ilab_act_tanh(x) = x for tiny x");
  return ilab_test_summary();
}
