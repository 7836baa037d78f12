/* Initializers: parse a scheme spec and resolve it for (fan_in, fan_out) to
 * a distribution with an exact variance.  A network's weights are then that
 * distribution's scale times unit draws shared by every scheme of its family
 * (see sweep.h), so no scheme fills a matrix of its own. */
#ifndef ILAB_SCHEME_H
#define ILAB_SCHEME_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "dist.h"
#include "moments.h"

typedef enum { ILAB_FAN_IN, ILAB_FAN_OUT, ILAB_FAN_AVG } ilab_fan_mode;

typedef enum {
  ILAB_FAMILY_NORMAL,
  ILAB_FAMILY_TRUNCNORM, /* cut at +-2 sd of the parent normal */
  ILAB_FAMILY_UNIFORM,
  ILAB_FAMILY_ORTHOGONAL, /* a Haar orthogonal matrix (orthonormal rows or
                             columns when not square) */
  ILAB_FAMILY_IDENTITY    /* ones on the diagonal */
} ilab_family;

/* A parsed scheme.  Three kinds: matrix ensembles (orthogonal[:gain=G] and
 * identity[:gain=G], gain times a whole matrix, Var(W) = gain^2 / max(fan_in,
 * fan_out)), "fixed" schemes whose law does not depend on
 * the fans (normal:std=S, uniform:limit=A, truncated_normal:std=S, zeros,
 * constant:value=C), and variance-scaling schemes, Var(W) = gain^2 * scale / n
 * with n = fan_in, fan_out or (fan_in + fan_out)/2 by mode. */
typedef struct {
  char spec[128];      /* canonical spec, as written in result tables */
  char name[32];       /* the preset's name, e.g. "he_normal" */
  int scaling;         /* 1: variance scaling; 0: fixed law */
  int constant;        /* 1: zeros or constant:value=C */
  ilab_family family;
  ilab_fan_mode mode;
  double scale;        /* variance scaling: Var = gain^2 * scale / n */
  double gain;         /* multiplies the sd */
  int correct;         /* truncnorm: divide the parent sd by ILAB_TRUNC2_SD */
  double var_factor;   /* what the code behind a framework default puts on the
                          variance it promises: 1/3 for U(+-sqrt(v)) instead of
                          U(+-sqrt(3v)), 1.3 for TF1 contrib; 1 otherwise */
  double param;        /* fixed laws: std, limit or constant value */
  int abs_bounds;      /* torch_trunc_normal: cut at the absolute bounds a, b */
  double a, b;
  /* lsuv:base=NAME,tol=T,iters=K[,gain=G] (Mishkin & Matas 2016): the fields
   * above are the base's (its gain times G), from which the weights are drawn
   * before the run rescales each layer on its batch (sweep.c) */
  int lsuv;            /* 1: rescale by LSUV */
  double lsuv_tol;     /* stop when |Var(H_l) - 1| < tol [0.1] */
  int lsuv_iters;      /* at most this many rescalings per layer [10] */
} ilab_scheme;

/* Bounds on the scale of a law's entries (its sd, a uniform's limit, a
 * constant's value), unless that is 0.  The moment checks use central
 * moments up to the 8th, 105 sd^8 for a normal, which must be a finite,
 * normal double: (1e-38)^8 = 1e-304 > DBL_MIN = 2.2e-308 and
 * 105 (1e37)^8 = 1.05e298 < DBL_MAX = 1.8e308.  ilab_scheme_parse holds the
 * scale at fan 1 to [ILAB_SCHEME_SD_MIN_PARSE, ILAB_SCHEME_SD_MAX], so that a
 * fan up to 10^8 (sd / 10^4) keeps it within [ILAB_SCHEME_SD_MIN,
 * ILAB_SCHEME_SD_MAX]; ilab_scheme_resolve checks the resolved scale again. */
#define ILAB_SCHEME_SD_MIN 1e-38
#define ILAB_SCHEME_SD_MIN_PARSE 1e-34
#define ILAB_SCHEME_SD_MAX 1e37

/* Parses "NAME" or "NAME:key=value,key=value" (grammar in docs/architecture.md and README.md),
 * or "lsuv[:base=NAME,tol=T,iters=K,gain=G]" with base a scheme name without
 * keys [orthogonal], tol > 0 [0.1], iters >= 0 [10] (Mishkin & Matas 2016's
 * Tol_var and T_max) and gain multiplying the base [1].
 * ILAB_EPARSE with a reason naming the offending part on error, among them a
 * parameter whose value, or the scale it gives the law at fan 1, lies
 * outside the bounds above (gain=1e308, std=1e-300, scale=1e-310). */
int ilab_scheme_parse(const char *spec, ilab_scheme *s);

/* Resolves s for a layer with the given fans to the distribution its weights
 * are drawn from (for a matrix ensemble, the law of one entry; the matrix
 * itself comes from ilab_linalg_unit_matrix).  ILAB_EINVAL if a fan is 0 or
 * if the law's scale for these fans leaves [ILAB_SCHEME_SD_MIN,
 * ILAB_SCHEME_SD_MAX]. */
int ilab_scheme_resolve(const ilab_scheme *s, size_t fan_in, size_t fan_out, ilab_dist *d);

/* The exact variance of the weights s draws for these fans (from the resolved
 * distribution: for an uncorrected truncated normal 0.7737... of the nominal).
 * For a matrix ensemble, the mean square entry gain^2/max(fan_in, fan_out),
 * which is what carries a signal's second moment (for the identity it is not
 * the variance of a random entry, (gain^2/n)(1 - 1/n)). */
double ilab_scheme_variance(const ilab_scheme *s, size_t fan_in, size_t fan_out);

/* The variance the scheme should draw, written a second time from each
 * preset's paper or framework by its name (1/fan_in, 2/(fan_in+fan_out),
 * 2/fan_in, 1/(3 fan_in), 0.773741303550 for a ±2 sd truncation left
 * uncorrected, limit^2/3, ...), times gain^2: independent of the resolution
 * to a distribution, so that the moment checks can hold the drawn law to it.
 * NaN for a fan of 0. */
double ilab_scheme_target_variance(const ilab_scheme *s, size_t fan_in, size_t fan_out);

/* The variance the scheme's name promises: scale/n for the variance-scaling
 * family and the framework defaults (what users believe they get), the
 * exact variance for fixed laws. */
double ilab_scheme_promised_variance(const ilab_scheme *s, size_t fan_in, size_t fan_out);

/* The exact law of d as the moment checks need it (mean, central moments
 * up to the 8th, cdf).  law->arg points at d, which must outlive law. */
void ilab_scheme_law(const ilab_dist *d, ilab_moments_law *law);

/* The table of named schemes, for `initlab list`, `initlab moments` and help:
 * entry i has a spec (a preset with its default parameters), a formula and a
 * note.  is_preset marks the presets checked by default in `initlab moments`;
 * audit marks the framework defaults. */
typedef struct {
  const char *spec;
  const char *formula;
  const char *note;
  int is_preset;
  int audit;
} ilab_scheme_entry;

extern const ilab_scheme_entry ilab_scheme_table[];
extern const size_t ilab_scheme_table_size;

#endif
