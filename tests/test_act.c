/* Tests of the activations: phi' against central differences of phi, the
 * parser, the gains and the closed-form Gaussian moments. */
#include "test.h"
#include "act.h"
#include "ilab.h"

#include <string.h>

int main(void)
{
  static const char *const specs[] = {"linear", "tanh", "relu", "leaky_relu:slope=0.2", "sigmoid", "selu"};
  /* phi'(h) against (phi(h+e) - phi(h-e)) / 2e with e = 1e-6: truncation
   * error O(e^2 phi''') ~ 1e-12, rounding O(1e-16/e) ~ 1e-10; 1e-7 relative
   * (or absolute near 0) separates them from any wrong derivative.  Points
   * avoid the kinks of relu, leaky_relu and selu at 0. */
  static const double hs[] = {-3.1, -0.7, -0.01, 0.013, 0.4, 1.9, 5.5};
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
    ilab_test(ilab_act_parse(name, &b) == ILAB_OK && b.kind == a.kind && b.slope == a.slope,
              "%s: its canonical name '%s' parses back", specs[i], name);
  }
  ilab_act a;
  ilab_act_parse("leaky_relu", &a);
  ilab_test_rel(a.slope, 0.01, 0, "leaky_relu's default slope is 0.01");
  static const char *const bad[] = {"", "Relu", "relu:slope=0.1", "leaky_relu:slope=", "leaky_relu:slope=-0.1",
                                    "leaky_relu:slope=nan", "leaky_relu:slope=1", "leaky_relu:gain=2", "tanh "};
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
