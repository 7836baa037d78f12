/* The mean-field variance recursion: Gaussian expectations by GSL quadrature,
 * the forward and backward per-layer recursions, fixed points, chi_1 and the
 * critical line. */
#include "theory.h"
#include "ilab.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>

#define INV_SQRT_2PI 0.39894228040143267794 /* 1/sqrt(2 pi), the N(0,1) density at 0 */

/* Why a finite interval |z| <= ZMAX rather than gsl_integration_qagi:
 * exp(-z^2/2) underflows to 0 in double beyond |z| = 38.6 (exp(-745) is the
 * smallest subnormal), so cutting at 40 drops nothing a double can hold,
 * while qagi's map z = (1 - t)/t crowds the Gaussian's bulk into t near 1
 * and fits it worse.  Each half z < 0, z > 0 is integrated on its own: the
 * kinks of relu, leaky relu and selu sit at the shared endpoint 0, and each
 * integrand keeps one sign on a half (phi is monotone through phi(0), or
 * phi(0) > 0), so a relative tolerance can be met even where the two halves
 * cancel (the mean of an odd phi). */
#define ZMAX 40.0
/* Breakpoints at 0, zmin 2^k (k = 0, 1, ...) below ZMAX, and ZMAX, with
 * zmin = min(1, 1/sqrt(q)): features of phi sit at h = sqrt(q) z ~ 1 and those
 * of the density at z ~ 1, so on a doubling grid from the smaller of the two
 * scales no interval is much wider than the feature it holds, and the first
 * Gauss-Kronrod pass cannot step over a narrow peak (phi'(h)^2 of tanh at
 * q = 1e10 has width 1e-5 in z).  About 520 points at most, for q = DBL_MAX. */
#define NPTS_MAX 600
#define LIMIT 2000 /* subintervals qagp may create, well above NPTS_MAX */
#define ROUND_SLACK 100 /* after a roundoff flag, 1e-10 relative: still 100x below what any use here needs */

#define ROOT_EPSREL 1e-12 /* Brent's bracket width, relative: the q-map itself is known only to ILAB_THEORY_EPSREL */
#define ROOT_MAXITER 200
#define QMAX 1e200 /* with V(q)/q -> 1, a q-map still above the diagonal here grows without bound */
#define SW2_RANGE 40 /* the critical search probes sigma_w2 in [2^-40, 2^40] */
/* |chi1 - 1| at a root of Brent's method: chi1 is continuous in sigma_w2 at
 * a true root (within ROOT_EPSREL times its slope, ~1e-12), and jumps by
 * O(1) where q* does; 1e-6 tells one from the other. */
#define CHI1_TOL 1e-6

struct ilab_theory_workspace {
  gsl_integration_workspace *iw;
  gsl_root_fsolver *root_q;  /* the fixed point q* for one sigma_w2 */
  gsl_root_fsolver *root_w2; /* the critical sigma_w2, around root_q's searches */
  double epsabs, epsrel;
  double pts[NPTS_MAX];
};

ilab_theory_workspace *ilab_theory_workspace_alloc(double epsabs, double epsrel)
{
  if (!(epsabs >= 0 && epsrel >= 0) || !isfinite(epsabs) || !isfinite(epsrel)
      || (epsabs == 0 && epsrel == 0)) {
    ilab_error(ILAB_EINVAL, "quadrature tolerances must be finite, >= 0 and not both 0 "
                            "(epsabs %g, epsrel %g)", epsabs, epsrel);
    return NULL;
  }
  ilab_theory_workspace *w = calloc(1, sizeof *w);
  if (w) {
    w->iw = gsl_integration_workspace_alloc(LIMIT);
    w->root_q = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    w->root_w2 = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    w->epsabs = epsabs;
    w->epsrel = epsrel;
  }
  if (!w || !w->iw || !w->root_q || !w->root_w2) {
    ilab_theory_workspace_free(w);
    ilab_error(ILAB_ENOMEM, "out of memory allocating a theory workspace");
    return NULL;
  }
  return w;
}

void ilab_theory_workspace_free(ilab_theory_workspace *w)
{
  if (!w) return;
  if (w->iw) gsl_integration_workspace_free(w->iw);
  if (w->root_q) gsl_root_fsolver_free(w->root_q);
  if (w->root_w2) gsl_root_fsolver_free(w->root_w2);
  free(w);
}

static double f_of(const ilab_act *a, ilab_theory_fn f, double h)
{
  switch (f) {
  case ILAB_THEORY_PHI: return ilab_act_phi(a, h);
  case ILAB_THEORY_PHI_SQ: {
    double p = ilab_act_phi(a, h);
    return p * p;
  }
  case ILAB_THEORY_DPHI_SQ: {
    double d = ilab_act_dphi(a, h);
    return d * d;
  }
  case ILAB_THEORY_H_PHI_DPHI: { /* 0 where phi' = 0, even if h phi(h) overflows */
    double d = ilab_act_dphi(a, h);
    return d == 0 ? 0.0 : h * ilab_act_phi(a, h) * d;
  }
  case ILAB_THEORY_DPHI_4: {
    double d = ilab_act_dphi(a, h);
    return d * d * d * d;
  }
  }
  return NAN;
}

static const char *fn_name(ilab_theory_fn f)
{
  switch (f) {
  case ILAB_THEORY_PHI: return "phi";
  case ILAB_THEORY_PHI_SQ: return "phi^2";
  case ILAB_THEORY_DPHI_SQ: return "phi'^2";
  case ILAB_THEORY_H_PHI_DPHI: return "h phi phi'";
  case ILAB_THEORY_DPHI_4: return "phi'^4";
  }
  return "?";
}

/* Closed forms: the activations act.h has them for (linear, relu, leaky relu)
 * are the piecewise linear ones, phi(h) = h phi'(h), so h phi phi' = phi^2;
 * the mean of relu(sqrt(q) z) is sqrt(q) E[max(z, 0)] = sqrt(q/(2 pi)), and
 * leaky relu subtracts slope times the same. */
static int closed_form(const ilab_act *a, ilab_theory_fn f, double q, double *result)
{
  switch (f) {
  case ILAB_THEORY_PHI_SQ:
  case ILAB_THEORY_H_PHI_DPHI: return ilab_act_closed_x_sq(a, q, result);
  case ILAB_THEORY_DPHI_SQ: return ilab_act_closed_dphi_sq(a, q, result);
  case ILAB_THEORY_DPHI_4: /* phi' is 1 or the slope, each on half the line */
    switch (a->kind) {
    case ILAB_ACT_LINEAR: *result = 1; return 1;
    case ILAB_ACT_RELU: *result = 0.5; return 1;
    case ILAB_ACT_LEAKY_RELU: *result = 0.5 * (1 + pow(a->slope, 4)); return 1;
    default: return 0;
    }
  case ILAB_THEORY_PHI:
    switch (a->kind) {
    case ILAB_ACT_LINEAR: *result = 0; return 1;
    case ILAB_ACT_RELU: *result = sqrt(q) * INV_SQRT_2PI; return 1;
    case ILAB_ACT_LEAKY_RELU: *result = (1 - a->slope) * sqrt(q) * INV_SQRT_2PI; return 1;
    default: return 0;
    }
  }
  return 0;
}

typedef struct {
  const ilab_act *a;
  ilab_theory_fn f;
  double s; /* +sqrt(q) for the half z > 0, -sqrt(q) for z < 0 */
} integrand;

static double integrand_eval(double z, void *params)
{
  const integrand *g = params;
  double density = exp(-0.5 * z * z) * INV_SQRT_2PI;
  return density == 0 ? 0.0 : f_of(g->a, g->f, g->s * z) * density;
}

/* Fills pts with the breakpoints described at NPTS_MAX, and the kink of
 * hardtanh at |h| = 1 (z = 1/sqrt(q)), where phi'^2 jumps; returns their
 * count. */
static size_t breakpoints(double *pts, double sqrt_q, const ilab_act *a)
{
  size_t n = 0;
  double kink = a->kind == ILAB_ACT_HARDTANH ? 1 / sqrt_q : INFINITY;
  pts[n++] = 0;
  for (double z = sqrt_q > 1 ? 1 / sqrt_q : 1; z < ZMAX && n < NPTS_MAX - 2; z *= 2) {
    if (kink < z) {
      if (kink > pts[n - 1]) pts[n++] = kink;
      kink = INFINITY;
    }
    pts[n++] = z;
  }
  if (kink < ZMAX && kink > pts[n - 1]) pts[n++] = kink;
  pts[n++] = ZMAX;
  return n;
}

int ilab_theory_expect_quad(ilab_theory_workspace *w, const ilab_act *a, ilab_theory_fn f,
                            double q, double *result, double *abserr)
{
  if (!(q >= 0))
    ILAB_ERROR(ILAB_EINVAL, "E[%s(sqrt(q) z)]: q = %g is not >= 0", fn_name(f), q);
  *abserr = 0;
  if (q == 0 && f != ILAB_THEORY_DPHI_SQ && f != ILAB_THEORY_DPHI_4) {
    *result = f_of(a, f, 0.0); /* phi is continuous */
    return ILAB_OK;
  }
  if (q == 0 || isinf(q)) {
    /* As q -> 0+ or inf, f(sqrt(q) z) tends to f(0-) or f(0+), f(-inf) or
     * f(+inf), by z's sign, a fair coin; the extreme doubles stand in. */
    double h = q == 0 ? DBL_MIN : DBL_MAX;
    *result = 0.5 * (f_of(a, f, h) + f_of(a, f, -h));
    return ILAB_OK;
  }
  double s = sqrt(q), sum = 0, err = 0;
  for (int half = 0; half < 2; half++) {
    integrand g = {a, f, half ? -s : s};
    gsl_function F = {integrand_eval, &g};
    double r, e;
    size_t n = breakpoints(w->pts, s, a);
    /* Half of epsabs each, so the sum keeps |error| <= epsabs + epsrel E|f|. */
    int st = gsl_integration_qagp(&F, w->pts, n, w->epsabs / 2, w->epsrel, LIMIT, w->iw, &r, &e);
    /* qagp flags roundoff when bisecting stops lowering its error estimate:
     * on an integrand its first pass already gets to the last bits (the
     * Gaussian density alone: the half z > 0 of E[selu'^2] at q = 412.6), or
     * one with a step of width 1/sqrt(q) at huge q (E[elu^2] at q = 3e19).
     * Keep the result when the estimate is within ROUND_SLACK times the bound
     * asked for. */
    if (st == GSL_EROUND && isfinite(r) && e <= ROUND_SLACK * fmax(w->epsabs / 2, w->epsrel * fabs(r)))
      st = GSL_SUCCESS;
    if (st != GSL_SUCCESS)
      ILAB_ERROR(ILAB_EMATH, "quadrature of E[%s(sqrt(q) z)] at q = %g failed: %s "
                             "(estimate %g, error %g)", fn_name(f), q, gsl_strerror(st), r, e);
    sum += r;
    err += e;
  }
  if (!isfinite(sum))
    ILAB_ERROR(ILAB_EMATH, "E[%s(sqrt(q) z)] at q = %g is not finite", fn_name(f), q);
  *result = sum;
  *abserr = err;
  return ILAB_OK;
}

int ilab_theory_expect(ilab_theory_workspace *w, const ilab_act *a, ilab_theory_fn f,
                       double q, double *result, double *abserr)
{
  if (!(q >= 0))
    ILAB_ERROR(ILAB_EINVAL, "E[%s(sqrt(q) z)]: q = %g is not >= 0", fn_name(f), q);
  if (closed_form(a, f, q, result)) {
    *abserr = 0;
    return ILAB_OK;
  }
  return ilab_theory_expect_quad(w, a, f, q, result, abserr);
}

static int check_var(const char *what, double v)
{
  if (!(v >= 0) || !isfinite(v))
    ILAB_ERROR(ILAB_EINVAL, "%s = %g is not a finite number >= 0", what, v);
  return ILAB_OK;
}

int ilab_theory_network(ilab_theory_workspace *w, const ilab_act *a, size_t L,
                        const size_t *widths, const double *w_var, double sigma_b2,
                        double q0, size_t batch, ilab_theory_layer *out,
                        double *abserr_max)
{
  int st;
  if (L == 0) ILAB_ERROR(ILAB_EINVAL, "a network needs at least one layer");
  if (batch == 0) ILAB_ERROR(ILAB_EINVAL, "the batch size must be at least 1");
  for (size_t l = 0; l <= L; l++)
    if (widths[l] == 0) ILAB_ERROR(ILAB_EINVAL, "width n_%zu is 0", l);
  for (size_t l = 0; l < L; l++)
    if ((st = check_var("Var(W)", w_var[l]))) return st;
  if ((st = check_var("sigma_b2", sigma_b2)) || (st = check_var("q0", q0))) return st;

  double errmax = 0, e, dphi_sq;
  double x_sq = q0; /* E[x_{l-1}^2] */
  for (size_t l = 0; l < L; l++) {
    ilab_theory_layer *o = &out[l];
    o->h_var = (double)widths[l] * w_var[l] * x_sq + sigma_b2;
    if ((st = ilab_theory_expect(w, a, ILAB_THEORY_PHI_SQ, o->h_var, &o->x_sq, &e))) return st;
    errmax = fmax(errmax, e);
    if ((st = ilab_theory_expect(w, a, ILAB_THEORY_PHI, o->h_var, &o->x_mean, &e))) return st;
    errmax = fmax(errmax, e);
    if ((st = ilab_theory_expect(w, a, ILAB_THEORY_DPHI_SQ, o->h_var, &dphi_sq, &e))) return st;
    errmax = fmax(errmax, e);
    o->x_var = o->x_sq - o->x_mean * o->x_mean;
    if (o->x_var < 0) o->x_var = 0; /* rounding, when phi is nearly constant */
    o->gh_var = dphi_sq; /* kept here until the backward pass multiplies by g_l */
    x_sq = o->x_sq;
  }
  /* Backward: dH_l = dX_l * phi'(H_l), dX_{l-1} = dH_l W_l^T (a sum over
   * n_l), dW_l = X_{l-1}^T dH_l / B (a mean over the batch), with dX_l taken
   * independent of H_l and of W_l (the usual mean-field assumption). */
  double g = 1; /* g_L: the output gradient's entries are N(0,1) */
  for (size_t l = L; l-- > 0;) {
    ilab_theory_layer *o = &out[l];
    o->gx_var = g;
    o->gh_var *= g;
    o->gw_var = (l > 0 ? out[l - 1].x_sq : q0) * o->gh_var / (double)batch;
    g = (double)widths[l + 1] * w_var[l] * o->gh_var;
  }
  if (abserr_max) *abserr_max = errmax;
  return ILAB_OK;
}

/* d/dq E[phi(sqrt(q) z)^2] = E[z phi phi'(sqrt(q) z)]/sqrt(q) = E[h phi phi']/q,
 * differentiating under the integral.  Schoenholz et al. (2017, eq. 5) write
 * it E[phi'^2 + phi phi''] (Gaussian integration by parts), but for tanh at
 * large q those two terms cancel to O(q^-3/2), while h phi phi' keeps one
 * sign on each half and loses nothing.  The limit at q = 0 is E[phi'^2] +
 * phi(0) phi''(0), where the last term is 0 for every activation here
 * (phi(0) = 0, or phi''(0) = 0 for sigmoid); at q = inf it is the limit of
 * E[phi'^2] too, the mean squared slope of phi at +-inf. */
static int qmap_slope(ilab_theory_workspace *w, const ilab_act *a, double q, double *result)
{
  double err;
  if (q == 0 || isinf(q)) return ilab_theory_expect(w, a, ILAB_THEORY_DPHI_SQ, q, result, &err);
  int st = ilab_theory_expect(w, a, ILAB_THEORY_H_PHI_DPHI, q, result, &err);
  if (st) return st;
  *result /= q;
  return ILAB_OK;
}

/* The q-map above the diagonal, V(q) - q, for Brent's method; a failure
 * inside it is kept in status and turns the value into NaN. */
typedef struct {
  ilab_theory_workspace *w;
  const ilab_act *a;
  double sigma_w2, sigma_b2, q0;
  int status;
} qmap_params;

static double qmap_excess(double q, void *params)
{
  qmap_params *p = params;
  double e, err;
  int st = ilab_theory_expect(p->w, p->a, ILAB_THEORY_PHI_SQ, q, &e, &err);
  if (st) {
    if (!p->status) p->status = st;
    return NAN;
  }
  return p->sigma_w2 * e + p->sigma_b2 - q;
}

/* Brent's method on a bracket [lo, hi] whose ends have opposite signs. */
static int brent(gsl_root_fsolver *s, gsl_function *F, double lo, double hi,
                 const int *cb_status, double *root)
{
  int st = gsl_root_fsolver_set(s, F, lo, hi);
  for (int it = 0; st == GSL_SUCCESS && it < ROOT_MAXITER; it++) {
    if ((st = gsl_root_fsolver_iterate(s)) != GSL_SUCCESS) break;
    lo = gsl_root_fsolver_x_lower(s);
    hi = gsl_root_fsolver_x_upper(s);
    if (gsl_root_test_interval(lo, hi, 0, ROOT_EPSREL) == GSL_SUCCESS) {
      *root = gsl_root_fsolver_root(s);
      return ILAB_OK;
    }
  }
  if (*cb_status) return *cb_status; /* the quadrature's reason is recorded */
  ILAB_ERROR(ILAB_EMATH, "Brent's method on [%g, %g] failed: %s", lo, hi,
             st ? gsl_strerror(st) : "no convergence in 200 iterations");
}

/* q* = lim q_l from q0 (see ilab_theory_fixed_point).  The argument rests on
 * V(q) - q changing sign at most once on (0, inf).  That holds when phi(0) = 0
 * and phi(h)^2/h^2 does not increase with |h| (linear, relu, leaky relu, tanh,
 * selu): then V(q)/q = sigma_w2 E[(phi(h)/h)^2 z^2] does not increase, and
 * V(q) - q = q (V(q)/q - 1) + sigma_b2 crosses 0 once.  It also gives the
 * test below: with sigma_b2 = 0, q* = 0 attracts all q0 exactly when
 * lim V(q)/q = V'(0) <= 1.  Sigmoid (phi(0) = 1/2) falls outside the
 * argument; its V(0) > 0 and V is bounded, so a root lies below q0 when
 * V(q0) < q0 and above it otherwise, and on a grid of sigma_w2 in [0.1, 1e4],
 * sigma_b2 in [0, 5], q in [1e-8, 1e8] V(q) - q crossed 0 exactly once.
 * ELU (alpha >= 0) and hard tanh meet the condition above.  GELU, SiLU and
 * Mish do not: phi(h)/h rises from phi'(0)^2 to 1 in |h| on one side, so
 * V(q)/q grows, and V(q) - q may cross 0 twice (a stable root q_s below an
 * unstable q_u, with V(q) > q beyond it when lim V(q)/q > 1).  The search
 * still lands on the limit: from q0 between them the bracket [0, q0] holds
 * q_s alone, from q0 above q_u the limit slope says inf, and with
 * sigma_b2 = 0 the slope at 0 says whether 0 attracts.  Softplus, with
 * phi(0) > 0, is like sigmoid.  tests/test_theory.c checks q* against the
 * iterated map for every new activation on a grid of (sigma_w2, sigma_b2, q0). */
static int fixed_q(ilab_theory_workspace *w, const ilab_act *a, double sigma_w2,
                   double sigma_b2, double q0, double *q_star)
{
  double c;
  if (ilab_act_closed_x_sq(a, 1.0, &c)) {
    /* Piecewise linear: V(q) = m q + sigma_b2 with m = sigma_w2 E[phi(z)^2]. */
    double m = sigma_w2 * c;
    if (m < 1) *q_star = sigma_b2 / (1 - m);
    else if (sigma_b2 == 0 && (m == 1 || q0 == 0)) *q_star = q0;
    else *q_star = INFINITY;
    return ILAB_OK;
  }
  qmap_params p = {w, a, sigma_w2, sigma_b2, q0, 0};
  gsl_function F = {qmap_excess, &p};
  double lo, hi, d = qmap_excess(q0, &p);
  if (p.status) return p.status;
  if (d == 0) {
    *q_star = q0;
    return ILAB_OK;
  }
  if (d > 0) { /* q_l rises: look above q0, doubling V */
    /* V(q)/q -> m_inf = sigma_w2 (a+^2 + a-^2)/2 as q -> inf, with a+, a- the
     * slopes of phi at +-inf, which is sigma_w2 E[phi'^2] at q = inf.  For
     * m_inf > 1 V(q) - q ends positive, so by the single crossing no root
     * lies above q0; for m_inf < 1 it ends negative and one does. */
    double m_inf;
    int st = qmap_slope(w, a, INFINITY, &m_inf);
    if (st) return st;
    m_inf *= sigma_w2;
    if (m_inf > 1) {
      *q_star = INFINITY;
      return ILAB_OK;
    }
    lo = q0;
    hi = 2 * (d + q0);
    for (;;) {
      double dh = qmap_excess(hi, &p);
      if (p.status) return p.status;
      if (dh == 0) {
        *q_star = hi;
        return ILAB_OK;
      }
      if (dh < 0) break;
      lo = hi;
      hi = 2 * (dh + hi);
      if (hi > QMAX && m_inf == 1) { /* the marginal case: V(q) - q tends to a constant */
        *q_star = INFINITY;
        return ILAB_OK;
      }
      if (!isfinite(hi))
        ILAB_ERROR(ILAB_EMATH, "no fixed point of the q-map below %g", DBL_MAX);
    }
  } else { /* q_l falls: the root lies in [0, q0) */
    lo = 0;
    hi = q0;
    double v0 = qmap_excess(0, &p);
    if (p.status) return p.status;
    if (v0 == 0) { /* 0 is a fixed point; does it attract? */
      double s0;
      int st = qmap_slope(w, a, 0, &s0);
      if (st) return st;
      if (sigma_w2 * s0 <= 1) {
        *q_star = 0;
        return ILAB_OK;
      }
      for (lo = q0 / 2; ; lo /= 2) { /* V(q) > q near 0: find such a q */
        double dl = qmap_excess(lo, &p);
        if (p.status) return p.status;
        if (dl > 0) break;
        hi = lo;
        if (lo == 0) {
          *q_star = 0;
          return ILAB_OK;
        }
      }
    }
  }
  return brent(w->root_q, &F, lo, hi, &p.status, q_star);
}

int ilab_theory_fixed_point(ilab_theory_workspace *w, const ilab_act *a, double sigma_w2,
                            double sigma_b2, double q0, ilab_theory_fixed *fp)
{
  int st;
  double q, e, slope, err;
  if ((st = check_var("sigma_w2", sigma_w2)) || (st = check_var("sigma_b2", sigma_b2))
      || (st = check_var("q0", q0)))
    return st;
  if ((st = fixed_q(w, a, sigma_w2, sigma_b2, q0, &q))
      || (st = ilab_theory_expect(w, a, ILAB_THEORY_DPHI_SQ, q, &e, &err))
      || (st = qmap_slope(w, a, q, &slope)))
    return st;
  fp->q_star = q;
  fp->chi1 = sigma_w2 * e;
  fp->slope = sigma_w2 * slope;
  if (isinf(q)) {
    fp->xi_q = fp->xi_c = NAN;
    return ILAB_OK;
  }
  fp->xi_q = fabs(fp->slope) < 1 ? -1 / log(fabs(fp->slope)) : INFINITY;
  fp->xi_c = fp->chi1 < 1 ? -1 / log(fp->chi1) : fp->chi1 == 1 ? INFINITY : NAN;
  return ILAB_OK;
}

/* chi_1 - 1 at the fixed point for one sigma_w2, for Brent's method. */
static double chi1_excess(double sigma_w2, void *params)
{
  qmap_params *p = params;
  double q, e, err;
  int st = fixed_q(p->w, p->a, sigma_w2, p->sigma_b2, p->q0, &q);
  if (!st) st = ilab_theory_expect(p->w, p->a, ILAB_THEORY_DPHI_SQ, q, &e, &err);
  if (st) {
    if (!p->status) p->status = st;
    return NAN;
  }
  return sigma_w2 * e - 1;
}

int ilab_theory_critical(ilab_theory_workspace *w, const ilab_act *a, double sigma_b2,
                         double q0, double *sigma_w2, double *q_star)
{
  int st;
  double c;
  if ((st = check_var("sigma_b2", sigma_b2)) || (st = check_var("q0", q0))) return st;
  if (ilab_act_closed_dphi_sq(a, 1.0, &c)) {
    /* Piecewise linear: chi_1 = sigma_w2 E[phi'^2] = V(q)/q - sigma_b2/q, so
     * chi_1 = 1 makes V(q) = q + sigma_b2: every q is fixed if sigma_b2 = 0,
     * none is otherwise. */
    *sigma_w2 = sigma_b2 == 0 ? 1 / c : NAN;
    *q_star = sigma_b2 == 0 ? q0 : NAN;
    return ILAB_OK;
  }
  qmap_params p = {w, a, 0, sigma_b2, q0, 0};
  gsl_function F = {chi1_excess, &p};
  /* Bracket the root by doubling or halving sigma_w2 from 1, the way chi_1
   * moves: it grows with sigma_w2. */
  double s = 1, f1 = chi1_excess(1, &p);
  if (p.status) return p.status;
  *sigma_w2 = *q_star = NAN;
  if (f1 != 0) {
    double step = f1 < 0 ? 2 : 0.5, prev = 1, fs = f1;
    int k;
    for (k = 0; k < SW2_RANGE; k++) {
      prev = s;
      s *= step;
      fs = chi1_excess(s, &p);
      if (p.status) return p.status;
      if (fs == 0 || (fs > 0) != (f1 > 0)) break;
    }
    if (k == SW2_RANGE) return ILAB_OK; /* no sign change: no critical point */
    if (fs != 0 && (st = brent(w->root_w2, &F, fmin(prev, s), fmax(prev, s), &p.status, &s)))
      return st;
    /* A sign change by a jump of q* (a stable fixed point below the root,
     * explosion above it) leaves chi1 away from 1 at the "root": none. */
    double fr = chi1_excess(s, &p);
    if (p.status) return p.status;
    if (!(fabs(fr) <= CHI1_TOL)) return ILAB_OK;
  }
  if ((st = fixed_q(w, a, s, sigma_b2, q0, q_star))) return st;
  *sigma_w2 = s;
  return ILAB_OK;
}

int ilab_theory_critical_at(ilab_theory_workspace *w, const ilab_act *a, double q_star,
                            double *sigma_w2, double *sigma_b2, double *slope)
{
  int st;
  double d, e, err, sl;
  if (!(q_star > 0) || !isfinite(q_star))
    ILAB_ERROR(ILAB_EINVAL, "the fixed point q* = %g is not a finite number > 0", q_star);
  if ((st = ilab_theory_expect(w, a, ILAB_THEORY_DPHI_SQ, q_star, &d, &err))
      || (st = ilab_theory_expect(w, a, ILAB_THEORY_PHI_SQ, q_star, &e, &err))
      || (st = qmap_slope(w, a, q_star, &sl)))
    return st;
  *sigma_w2 = 1 / d;
  *sigma_b2 = q_star - e / d;
  *slope = sl / d;
  return ILAB_OK;
}

int ilab_theory_gain(ilab_theory_workspace *w, const ilab_act *a, ilab_theory_gains *g)
{
  int st;
  double err, sl, sw2, sb2, slc;
  if ((st = ilab_theory_expect(w, a, ILAB_THEORY_PHI, 1, &g->mean, &err))
      || (st = ilab_theory_expect(w, a, ILAB_THEORY_PHI_SQ, 1, &g->second, &err))
      || (st = ilab_theory_expect(w, a, ILAB_THEORY_DPHI_SQ, 1, &g->dphi_sq, &err))
      || (st = qmap_slope(w, a, 1, &sl))
      || (st = ilab_theory_critical_at(w, a, 1, &sw2, &sb2, &slc)))
    return st;
  g->var = g->second - g->mean * g->mean;
  g->second_moment = 1 / sqrt(g->second);
  g->gamma = 1 / sqrt(g->var);
  g->chi1_second = g->dphi_sq / g->second;
  g->slope_second = sl / g->second;
  g->critical = sqrt(sw2);
  g->critical_sigma_b2 = sb2;
  g->critical_slope = slc;
  return ILAB_OK;
}
