/* Initializers: the spec grammar, the named presets and framework defaults,
 * and their resolution to a distribution for given fans. */
#include "scheme.h"
#include "ilab.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

/* Keys a scheme accepts, as a bit mask. */
enum { K_SCALE = 1, K_MODE = 2, K_DIST = 4, K_GAIN = 8, K_CORRECT = 16, K_STD = 32,
       K_LIMIT = 64, K_VALUE = 128, K_FACTOR = 256, K_A = 512, K_B = 1024 };
static const char *const key_names[] = {"scale", "mode", "dist", "gain", "correct",
                                        "std", "limit", "value", "factor", "a", "b"};
#define NKEYS (sizeof key_names / sizeof key_names[0])

typedef struct {
  const char *name;
  int scaling;       /* variance scaling (1) or a fixed law (0) */
  ilab_family family;
  ilab_fan_mode mode;
  double scale;
  int correct;
  double var_factor;
  unsigned keys;     /* accepted keys */
  unsigned required; /* keys without a default */
} preset;

#define VS_KEYS (K_MODE | K_DIST | K_GAIN | K_CORRECT)
static const preset presets[] = {
  {"lecun_normal", 1, ILAB_FAMILY_NORMAL, ILAB_FAN_IN, 1, 1, 1, VS_KEYS, 0},
  {"lecun_uniform", 1, ILAB_FAMILY_UNIFORM, ILAB_FAN_IN, 1, 1, 1, VS_KEYS, 0},
  /* Glorot & Bengio (2010) eq. 16: Var = 2/(fan_in + fan_out) = 1/fan_avg. */
  {"glorot_normal", 1, ILAB_FAMILY_NORMAL, ILAB_FAN_AVG, 1, 1, 1, VS_KEYS, 0},
  {"glorot_uniform", 1, ILAB_FAMILY_UNIFORM, ILAB_FAN_AVG, 1, 1, 1, VS_KEYS, 0},
  {"xavier_normal", 1, ILAB_FAMILY_NORMAL, ILAB_FAN_AVG, 1, 1, 1, VS_KEYS, 0},
  {"xavier_uniform", 1, ILAB_FAMILY_UNIFORM, ILAB_FAN_AVG, 1, 1, 1, VS_KEYS, 0},
  /* He et al. (2015) eq. 10: Var = 2/fan_in. */
  {"he_normal", 1, ILAB_FAMILY_NORMAL, ILAB_FAN_IN, 2, 1, 1, VS_KEYS, 0},
  {"he_uniform", 1, ILAB_FAMILY_UNIFORM, ILAB_FAN_IN, 2, 1, 1, VS_KEYS, 0},
  {"kaiming_normal", 1, ILAB_FAMILY_NORMAL, ILAB_FAN_IN, 2, 1, 1, VS_KEYS, 0},
  {"kaiming_uniform", 1, ILAB_FAMILY_UNIFORM, ILAB_FAN_IN, 2, 1, 1, VS_KEYS, 0},
  /* Keras's VarianceScaling: its default law is the corrected truncated normal. */
  {"variance_scaling", 1, ILAB_FAMILY_TRUNCNORM, ILAB_FAN_IN, 1, 1, 1, VS_KEYS | K_SCALE, 0},
  {"normal", 0, ILAB_FAMILY_NORMAL, ILAB_FAN_IN, 0, 1, 1, K_STD | K_GAIN, K_STD},
  {"uniform", 0, ILAB_FAMILY_UNIFORM, ILAB_FAN_IN, 0, 1, 1, K_LIMIT | K_GAIN, K_LIMIT},
  /* As tf.keras.initializers.TruncatedNormal: std is the parent normal's, cut
   * at +-2 std, so Var = 0.7737 std^2 unless correct=1.  (PyTorch's
   * trunc_normal_(std, a=-2, b=2) cuts at absolute bounds instead: with a small
   * std it is essentially untruncated, which is normal:std=S here.) */
  {"truncated_normal", 0, ILAB_FAMILY_TRUNCNORM, ILAB_FAN_IN, 0, 0, 1, K_STD | K_CORRECT | K_GAIN, K_STD},
  /* gain= multiplies every law, the constant ones included, so that an error
   * can be planted in any scheme */
  {"zeros", 0, ILAB_FAMILY_NORMAL, ILAB_FAN_IN, 0, 1, 1, K_GAIN, 0},
  {"constant", 0, ILAB_FAMILY_NORMAL, ILAB_FAN_IN, 0, 1, 1, K_VALUE | K_GAIN, K_VALUE},
  /* PyTorch nn.Linear: kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)): the
   * name promises LeCun's 1/fan_in, the law gives 1/(3 fan_in). */
  {"torch_linear", 1, ILAB_FAMILY_UNIFORM, ILAB_FAN_IN, 1, 1, 1.0 / 3, K_GAIN, 0},
  /* Early TF1 core and Haiku: truncated normal with the sd scale/n promises,
   * uncorrected, so Var = 0.7737 scale/n. */
  {"tf1_truncated", 1, ILAB_FAMILY_TRUNCNORM, ILAB_FAN_IN, 1, 0, 1, K_SCALE | K_MODE | K_GAIN, 0},
  /* tf.contrib.layers.variance_scaling_initializer(factor=2, FAN_IN, uniform=False):
   * truncated normal with sd sqrt(1.3 factor/n), uncorrected: Var = 1.0059 factor/n. */
  {"tf1_contrib", 1, ILAB_FAMILY_TRUNCNORM, ILAB_FAN_IN, 2, 0, 1.3, K_FACTOR | K_MODE | K_GAIN, 0},
  /* darknet's make_connected_layer: scale = sqrt(2/inputs), w = scale*U(-1,1):
   * He's variance promised, a third of it drawn. */
  {"darknet_connected", 1, ILAB_FAMILY_UNIFORM, ILAB_FAN_IN, 2, 1, 1.0 / 3, K_GAIN, 0},
  /* torch.nn.init.trunc_normal_(std, a, b): N(0, std^2) cut at the absolute
   * bounds a and b (defaults std=1, a=-2, b=2), not at +-2 std: with
   * std=0.02 the cut is at +-100 std and the law is N(0, 0.02^2). */
  {"torch_trunc_normal", 0, ILAB_FAMILY_TRUNCNORM, ILAB_FAN_IN, 0, 0, 1, K_STD | K_A | K_B | K_GAIN, 0},
  /* Saxe, McClelland & Ganguli (2014): gain times a Haar orthogonal matrix,
   * as PyTorch's orthogonal_ and Keras's Orthogonal. */
  {"orthogonal", 0, ILAB_FAMILY_ORTHOGONAL, ILAB_FAN_IN, 0, 1, 1, K_GAIN, 0},
  /* gain times the identity, as PyTorch's eye_ and Keras's Identity (Le,
   * Jaitly & Hinton 2015 for recurrent networks). */
  {"identity", 0, ILAB_FAMILY_IDENTITY, ILAB_FAN_IN, 0, 1, 1, K_GAIN, 0},
};
#define NPRESETS (sizeof presets / sizeof presets[0])

const ilab_scheme_entry ilab_scheme_table[] = {
  {"lecun_normal", "N(0, 1/fan_in)", "LeCun et al. 1998", 1, 0},
  {"lecun_uniform", "U(+-sqrt(3/fan_in)), Var = 1/fan_in", "LeCun et al. 1998", 1, 0},
  {"glorot_normal", "N(0, 2/(fan_in+fan_out))", "Glorot & Bengio 2010; alias xavier_normal", 1, 0},
  {"glorot_uniform", "U(+-sqrt(6/(fan_in+fan_out))), Var = 2/(fan_in+fan_out)", "Glorot & Bengio 2010; alias xavier_uniform", 1, 0},
  {"he_normal", "N(0, 2/fan_in)", "He et al. 2015; alias kaiming_normal", 1, 0},
  {"he_uniform", "U(+-sqrt(6/fan_in)), Var = 2/fan_in", "He et al. 2015; alias kaiming_uniform", 1, 0},
  {"he_normal:dist=truncated_normal", "N(0, s^2) cut at +-2s, s = sqrt(2/fan_in)/0.8796, Var = 2/fan_in", "any preset takes dist=, mode=, gain=, correct=", 1, 0},
  {"variance_scaling:scale=1,mode=fan_in,dist=truncated_normal", "Var = gain^2 scale/n, n = fan_in | fan_out | (fan_in+fan_out)/2", "Keras VarianceScaling; truncation corrected unless correct=0", 1, 0},
  {"normal:std=0.01", "N(0, std^2)", "fixed law, any fans", 1, 0},
  {"uniform:limit=0.05", "U(-limit, limit), Var = limit^2/3", "fixed law, any fans", 1, 0},
  {"truncated_normal:std=0.05", "N(0, std^2) cut at +-2 std, Var = 0.7737 std^2", "std is the parent's, as in Keras (torch's trunc_normal_ cuts at absolute bounds instead); correct=1 makes it the result's", 1, 0},
  {"zeros", "W = 0", "", 0, 0},
  {"constant:value=0.1", "W = value", "", 0, 0},
  {"torch_linear", "U(+-1/sqrt(fan_in)), Var = 1/(3 fan_in)", "PyTorch nn.Linear default: promises LeCun, draws a third", 0, 1},
  {"tf1_truncated", "N(0, scale/n) cut at +-2 sd, uncorrected: Var = 0.7737 scale/n", "early TF1 core, Haiku", 0, 1},
  {"tf1_contrib", "N(0, 1.3 factor/n) cut at +-2 sd, uncorrected: Var = 1.0059 factor/n", "tf.contrib variance_scaling_initializer, factor=2", 0, 1},
  {"darknet_connected", "sqrt(2/fan_in) U(-1, 1), Var = 2/(3 fan_in)", "darknet connected layer: promises He, draws a third", 0, 1},
  {"torch_trunc_normal:std=0.02,a=-2,b=2", "N(0, std^2) cut at absolute a, b", "torch trunc_normal_: bounds not in std units", 0, 0},
  {"orthogonal", "gain Q, Q Haar orthogonal (QR of a Gaussian, signs corrected); an entry x: (x/gain)^2 ~ Beta(1/2, (n-1)/2), n = max(fan_in, fan_out), Var = gain^2/n",
   "Saxe et al. 2014, Mezzadri 2007; non-square: orthonormal rows or columns, as PyTorch; takes gain=", 1, 0},
  {"identity", "gain I (ones on the diagonal), Var = gain^2/max(fan_in, fan_out) over the entries", "deterministic; takes gain=", 0, 0},
  {"lsuv:base=orthogonal,tol=0.1,iters=10", "base's draw, then layer by layer W_l *= 1/sqrt(Var(H_l) on the batch) until |Var(H_l) - 1| < tol, at most iters times",
   "Mishkin & Matas 2016; data-dependent: experiments only (run); gain= multiplies the base", 0, 0},
};
const size_t ilab_scheme_table_size = sizeof ilab_scheme_table / sizeof ilab_scheme_table[0];

static int parse_number(const char *spec, const char *key, const char *v, double *out)
{
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (end == v || *end != '\0')
    ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': %s='%s' is not a number", spec, key, v);
  if (!isfinite(x) || (errno == ERANGE && fabs(x) > 1))
    ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': %s=%s is not a finite number", spec, key, v);
  if (errno == ERANGE)
    ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': %s=%s underflows double (below %g)", spec, key, v, ILAB_SCHEME_SD_MIN_PARSE);
  *out = x;
  return ILAB_OK;
}

/* Refuses a parameter whose value, or the scale (sd, limit or value) it
 * gives the law at fan 1, lies outside the bounds of scheme.h: their
 * moments up to the 8th, which the moment checks use, would overflow or
 * underflow double.  var: the parameter is a variance (scale, factor), held
 * to the squares of the bounds. */
static int check_param(const char *spec, const char *key, double x, int var)
{
  double lo = ILAB_SCHEME_SD_MIN_PARSE, hi = ILAB_SCHEME_SD_MAX, ax = fabs(x);
  if (var) { lo *= lo; hi *= hi; }
  if (x != 0 && !(ax >= lo && ax <= hi))
    ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': %s=%g is out of range: |%s| must be 0 or in [%g, %g], so that the "
               "weights' moments up to the 8th are finite, normal doubles", spec, key, x, key, lo, hi);
  return ILAB_OK;
}

/* The scale of s's law at fan 1 (sd, limit or value), in bounds or 0. */
static int check_scale(const char *spec, const ilab_scheme *s)
{
  double sd = s->scaling ? s->gain * sqrt(s->scale * s->var_factor)
              : s->family == ILAB_FAMILY_ORTHOGONAL || s->family == ILAB_FAMILY_IDENTITY ? s->gain
                                                                                         : s->gain * fabs(s->param);
  if (s->abs_bounds) {
    double m = fabs(s->a) > fabs(s->b) ? fabs(s->a) : fabs(s->b);
    if (s->gain * m > ILAB_SCHEME_SD_MAX)
      ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': gain times the bounds a, b (%g) is above %g", spec, s->gain * m, ILAB_SCHEME_SD_MAX);
  }
  if (sd != 0 && !(sd >= ILAB_SCHEME_SD_MIN_PARSE && sd <= ILAB_SCHEME_SD_MAX))
    ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': its parameters give the weights a scale of %g at fan 1, outside [%g, %g]: "
               "their moments up to the 8th, used by the moment checks, would not be finite, normal doubles",
               spec, sd, ILAB_SCHEME_SD_MIN_PARSE, ILAB_SCHEME_SD_MAX);
  return ILAB_OK;
}

static int parse_lsuv(const char *spec, ilab_scheme *s)
{
  char base[128] = "orthogonal", buf[128];
  double tol = 0.1, iters = 10, gain = 1;
  unsigned seen = 0;
  int st0;
  static const char *const keys[] = {"base", "tol", "iters", "gain"};
  strcpy(buf, spec);
  char *rest = buf[4] == ':' ? buf + 5 : NULL;
  if (buf[4] != ':' && buf[4] != '\0') ILAB_ERROR(ILAB_EPARSE, "unknown scheme '%s' (see 'initlab list')", spec);
  if (rest && *rest == '\0') ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': nothing after ':'", spec);
  while (rest) {
    char *item = rest, *comma = strchr(rest, ',');
    if (comma) { *comma = '\0'; rest = comma + 1; } else rest = NULL;
    char *eq = strchr(item, '=');
    if (!eq) ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': '%s' should be key=value", spec, item);
    *eq = '\0';
    const char *val = eq + 1;
    size_t k;
    for (k = 0; k < 4; k++) if (!strcmp(item, keys[k])) break;
    if (k == 4) ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': lsuv does not take key '%s' (it takes: base, tol, iters, gain)", spec, item);
    if (seen & (1u << k)) ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': key '%s' given twice", spec, item);
    seen |= 1u << k;
    if (*val == '\0') ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': key '%s' has no value", spec, item);
    int st;
    if (k == 0) {
      if (strchr(val, ':') || !strcmp(val, "lsuv"))
        ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': base must be a scheme name without keys, not '%s'", spec, val);
      strcpy(base, val);
    } else if ((st = parse_number(spec, item, val, k == 1 ? &tol : k == 2 ? &iters : &gain))) {
      return st;
    }
  }
  if (!(tol > 0)) ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': tol must be > 0", spec);
  if (!(iters >= 0 && iters <= 1000 && iters == floor(iters)))
    ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': iters must be a whole number in 0..1000", spec);
  if (gain < 0) ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': gain must be >= 0", spec);
  if ((st0 = check_param(spec, "gain", gain, 0))) return st0;
  int st = ilab_scheme_parse(base, s);
  if (st) {
    char why[256];
    snprintf(why, sizeof why, "%s", ilab_error_reason());
    ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': base: %s", spec, why);
  }
  strcpy(s->spec, spec);
  s->gain *= gain;
  s->lsuv = 1;
  s->lsuv_tol = tol;
  s->lsuv_iters = (int)iters;
  return check_scale(spec, s);
}

int ilab_scheme_parse(const char *spec, ilab_scheme *s)
{
  memset(s, 0, sizeof *s);
  size_t len = strlen(spec);
  if (len == 0) ILAB_ERROR(ILAB_EPARSE, "empty scheme");
  if (len >= sizeof s->spec)
    ILAB_ERROR(ILAB_EPARSE, "scheme '%.40s...' is longer than %zu characters", spec, sizeof s->spec - 1);
  size_t nlen = strcspn(spec, ":");
  if (nlen == 4 && !strncmp(spec, "lsuv", 4)) return parse_lsuv(spec, s);
  const preset *p = NULL;
  for (size_t i = 0; i < NPRESETS; i++)
    if (strlen(presets[i].name) == nlen && !strncmp(spec, presets[i].name, nlen)) p = &presets[i];
  if (!p)
    ILAB_ERROR(ILAB_EPARSE, "unknown scheme '%.*s' (see 'initlab list')", (int)nlen, spec);
  strcpy(s->spec, spec);
  snprintf(s->name, sizeof s->name, "%s", p->name);
  s->scaling = p->scaling;
  s->constant = !strcmp(p->name, "zeros") || !strcmp(p->name, "constant");
  s->family = p->family;
  s->mode = p->mode;
  s->scale = p->scale;
  s->gain = 1;
  s->correct = p->correct;
  s->var_factor = p->var_factor;
  s->abs_bounds = !strcmp(p->name, "torch_trunc_normal");
  if (s->abs_bounds) { s->param = 1; s->a = -2; s->b = 2; }

  unsigned seen = 0;
  char buf[128];
  strcpy(buf, spec);
  char *rest = buf[nlen] == ':' ? buf + nlen + 1 : NULL;
  if (rest && *rest == '\0')
    ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': nothing after ':'", spec);
  while (rest) {
    char *item = rest, *comma = strchr(rest, ',');
    if (comma) { *comma = '\0'; rest = comma + 1; } else rest = NULL;
    char *eq = strchr(item, '=');
    if (!eq) ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': '%s' should be key=value", spec, item);
    *eq = '\0';
    const char *key = item, *val = eq + 1;
    size_t k;
    for (k = 0; k < NKEYS; k++) if (!strcmp(key, key_names[k])) break;
    if (k == NKEYS || !(p->keys & (1u << k))) {
      char accepted[128] = "";
      for (size_t j = 0; j < NKEYS; j++)
        if (p->keys & (1u << j)) {
          strcat(accepted, accepted[0] ? ", " : "");
          strcat(accepted, key_names[j]);
        }
      ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': %s does not take key '%s' (it takes: %s)", spec,
                 p->name, key, accepted[0] ? accepted : "no keys");
    }
    if (seen & (1u << k)) ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': key '%s' given twice", spec, key);
    seen |= 1u << k;
    if (*val == '\0') ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': key '%s' has no value", spec, key);
    double x = 0;
    int st;
    switch (1u << k) {
    case K_MODE:
      if (!strcmp(val, "fan_in")) s->mode = ILAB_FAN_IN;
      else if (!strcmp(val, "fan_out")) s->mode = ILAB_FAN_OUT;
      else if (!strcmp(val, "fan_avg")) s->mode = ILAB_FAN_AVG;
      else ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': mode must be fan_in, fan_out or fan_avg, not '%s'", spec, val);
      break;
    case K_DIST:
      if (!strcmp(val, "normal")) s->family = ILAB_FAMILY_NORMAL;
      else if (!strcmp(val, "truncated_normal")) s->family = ILAB_FAMILY_TRUNCNORM;
      else if (!strcmp(val, "uniform")) s->family = ILAB_FAMILY_UNIFORM;
      else ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': dist must be normal, truncated_normal or uniform, not '%s'", spec, val);
      break;
    case K_CORRECT:
      if (!strcmp(val, "0")) s->correct = 0;
      else if (!strcmp(val, "1")) s->correct = 1;
      else ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': correct must be 0 or 1, not '%s'", spec, val);
      break;
    default:
      if ((st = parse_number(spec, key, val, &x))) return st;
      if ((1u << k) != K_VALUE && (1u << k) != K_A && (1u << k) != K_B && x < 0)
        ILAB_ERROR(ILAB_EPARSE, "in scheme '%s': %s must be >= 0, not %s", spec, key, val);
      if ((st = check_param(spec, key, x, (1u << k) == K_SCALE || (1u << k) == K_FACTOR))) return st;
      if ((1u << k) == K_SCALE || (1u << k) == K_FACTOR) s->scale = x;
      else if ((1u << k) == K_GAIN) s->gain = x;
      else if ((1u << k) == K_A) s->a = x;
      else if ((1u << k) == K_B) s->b = x;
      else s->param = x;
    }
  }
  unsigned missing = p->required & ~seen;
  for (size_t k = 0; k < NKEYS; k++)
    if (missing & (1u << k))
      ILAB_ERROR(ILAB_EPARSE, "scheme '%s' needs %s=NUMBER, e.g. '%s:%s=0.01'", spec, key_names[k],
                 p->name, key_names[k]);
  return check_scale(spec, s);
}

/* The n of Var = scale/n. */
static double fan(const ilab_scheme *s, size_t fan_in, size_t fan_out)
{
  switch (s->mode) {
  case ILAB_FAN_IN: return (double)fan_in;
  case ILAB_FAN_OUT: return (double)fan_out;
  default: return 0.5 * ((double)fan_in + (double)fan_out);
  }
}

int ilab_scheme_resolve(const ilab_scheme *s, size_t fan_in, size_t fan_out, ilab_dist *d)
{
  if (fan_in == 0 || fan_out == 0)
    ILAB_ERROR(ILAB_EINVAL, "scheme '%s': fans must be positive (fan_in=%zu, fan_out=%zu)", s->spec,
               fan_in, fan_out);
  double big = fan_in > fan_out ? (double)fan_in : (double)fan_out;
  double at = s->constant ? fabs(s->gain * s->param)
              : s->family == ILAB_FAMILY_ORTHOGONAL || s->family == ILAB_FAMILY_IDENTITY ? s->gain / sqrt(big)
              : s->scaling ? s->gain * sqrt(s->scale / fan(s, fan_in, fan_out) * s->var_factor)
                           : s->gain * s->param;
  if (at != 0 && !(at >= ILAB_SCHEME_SD_MIN && at <= ILAB_SCHEME_SD_MAX))
    ILAB_ERROR(ILAB_EINVAL, "scheme '%s': with fan_in=%zu, fan_out=%zu the weights' scale is %g, outside [%g, %g]: "
               "their moments up to the 8th would not be finite, normal doubles", s->spec, fan_in, fan_out, at,
               ILAB_SCHEME_SD_MIN, ILAB_SCHEME_SD_MAX);
  if (s->constant) return ilab_dist_constant(d, s->gain * s->param);
  if (s->family == ILAB_FAMILY_ORTHOGONAL) return ilab_dist_haar(d, s->gain, big);
  if (s->family == ILAB_FAMILY_IDENTITY) return ilab_dist_identity(d, s->gain, big);
  /* sd: the sd the law should have (before the code's own factor); gain
   * multiplies it, or a fixed law's std or limit */
  double sd = s->scaling ? s->gain * sqrt(s->scale / fan(s, fan_in, fan_out) * s->var_factor)
                         : s->gain * s->param;
  switch (s->family) {
  case ILAB_FAMILY_NORMAL: return ilab_dist_normal(d, sd);
  case ILAB_FAMILY_UNIFORM:
    /* a fixed uniform is given by its limit; a scaled one by its sd: limit = sqrt(3) sd */
    return ilab_dist_uniform(d, s->scaling ? 1.7320508075688772 /* sqrt(3) */ * sd : sd);
  case ILAB_FAMILY_TRUNCNORM:
    /* gain scales the whole law, bounds included, so Var scales by gain^2 */
    if (s->abs_bounds) return ilab_dist_truncnorm_abs(d, sd, s->gain * s->a, s->gain * s->b);
    return ilab_dist_truncnorm(d, s->correct ? sd / ILAB_TRUNC2_SD : sd, -2, 2);
  default: break;
  }
  ILAB_ERROR(ILAB_EINVAL, "scheme '%s': unknown family", s->spec);
}

double ilab_scheme_variance(const ilab_scheme *s, size_t fan_in, size_t fan_out)
{
  ilab_dist d;
  if (ilab_scheme_resolve(s, fan_in, fan_out, &d)) return NAN;
  if (s->constant) return 0;
  /* a matrix ensemble: E[x^2] = gain^2/max(fan_in, fan_out), its mean
   * (the identity's gain/n) counted as part of the law's spread */
  if (s->family == ILAB_FAMILY_ORTHOGONAL || s->family == ILAB_FAMILY_IDENTITY)
    return s->gain * s->gain / d.dim;
  /* Written from the formula where there is one, so that 2/fan_in is 2/fan_in
   * to the last bit rather than the square of a rounded sd. */
  int exact = s->family != ILAB_FAMILY_TRUNCNORM || s->correct;
  if (s->scaling && exact)
    return s->gain * s->gain * s->scale / fan(s, fan_in, fan_out) * s->var_factor;
  double g2p2 = s->gain * s->gain * s->param * s->param;
  if (!s->scaling && s->family == ILAB_FAMILY_NORMAL) return g2p2;
  if (!s->scaling && s->family == ILAB_FAMILY_UNIFORM) return g2p2 / 3;
  if (!s->scaling && exact) return g2p2;
  return ilab_dist_central_moment(&d, 2);
}

double ilab_scheme_target_variance(const ilab_scheme *s, size_t fan_in, size_t fan_out)
{
  if (fan_in == 0 || fan_out == 0) return NAN;
  const char *nm = s->name;
  double in = (double)fan_in, out = (double)fan_out, g2 = s->gain * s->gain;
  double n = s->mode == ILAB_FAN_IN ? in : s->mode == ILAB_FAN_OUT ? out : (in + out) / 2;
  /* N(0,1) cut at +-2 keeps 1 - 4 phi(2)/(2 Phi(2) - 1) = 0.773741303550 of
   * the variance (reference.md); a corrected sd keeps all of it */
  double cut = s->family == ILAB_FAMILY_TRUNCNORM && !s->correct ? 0.773741303550 : 1;
  if (!strcmp(nm, "zeros") || !strcmp(nm, "constant")) return 0;
  if (!strcmp(nm, "normal")) return g2 * s->param * s->param;          /* N(0, std^2) */
  if (!strcmp(nm, "uniform")) return g2 * s->param * s->param / 3;     /* U(-a, a): a^2/3 */
  if (!strcmp(nm, "truncated_normal")) return g2 * s->param * s->param * cut;
  if (!strncmp(nm, "lecun", 5)) return g2 / n * cut;                  /* LeCun 1998: 1/fan_in */
  if (!strncmp(nm, "glorot", 6) || !strncmp(nm, "xavier", 6))
    return g2 / n * cut;                                              /* Glorot 2010: 2/(in+out) */
  if (!strncmp(nm, "he_", 3) || !strncmp(nm, "kaiming", 7)) return g2 * 2 / n * cut; /* He 2015 */
  if (!strcmp(nm, "variance_scaling")) return g2 * s->scale / n * cut;  /* Keras: scale/n */
  if (!strcmp(nm, "torch_linear")) return g2 / (3 * in);               /* U(+-1/sqrt(fan_in)) */
  if (!strcmp(nm, "darknet_connected")) return g2 * 2 / (3 * in);      /* sqrt(2/in) U(-1, 1) */
  if (!strcmp(nm, "tf1_truncated")) return g2 * s->scale / n * 0.773741303550;
  if (!strcmp(nm, "tf1_contrib")) return g2 * 1.3 * s->scale / n * 0.773741303550;
  if (!strcmp(nm, "torch_trunc_normal")) {
    /* N(0, std^2) cut at absolute a, b: with al = a/std, be = b/std and
     * Z = Phi(be) - Phi(al), Var = std^2 [1 + (al phi(al) - be phi(be))/Z
     * - ((phi(al) - phi(be))/Z)^2] (Johnson, Kotz & Balakrishnan 1994, 10.1) */
    double al = s->a / s->param, be = s->b / s->param;
    double pa = gsl_ran_ugaussian_pdf(al), pb = gsl_ran_ugaussian_pdf(be);
    double Z = gsl_cdf_ugaussian_P(be) - gsl_cdf_ugaussian_P(al), m = (pa - pb) / Z;
    return g2 * s->param * s->param * (1 + (al * pa - be * pb) / Z - m * m);
  }
  /* an entry of a Haar matrix of side m = max(fan_in, fan_out): E[x^2] =
   * 1/m (Saxe et al. 2014, Mezzadri 2007); of gain I, picked at random: a
   * two-point law, g with probability 1/m, with variance (g^2/m)(1 - 1/m) */
  double side = in > out ? in : out;
  if (!strcmp(nm, "orthogonal")) return g2 / side;
  if (!strcmp(nm, "identity")) return g2 / side * (1 - 1 / side);
  return NAN;
}

double ilab_scheme_promised_variance(const ilab_scheme *s, size_t fan_in, size_t fan_out)
{
  if (!s->scaling) return ilab_scheme_variance(s, fan_in, fan_out);
  if (fan_in == 0 || fan_out == 0) return NAN;
  return s->gain * s->gain * s->scale / fan(s, fan_in, fan_out);
}

static void dist_cdf_n(const double *x, double *u, size_t n, const void *arg)
{
  ilab_dist_cdf_n(arg, x, u, n);
}

void ilab_scheme_law(const ilab_dist *d, ilab_moments_law *law)
{
  law->mean = ilab_dist_raw_moment(d, 1);
  for (int k = 0; k <= 8; k++) law->mu[k] = ilab_dist_central_moment(d, k);
  law->cdf_n = dist_cdf_n;
  law->arg = d;
}
