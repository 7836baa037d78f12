/* Training runs: optimizers (SGD with momentum, Adam), the teacher task,
 * parametrizations (standard, muP), and the training loop over mlp. */
#ifndef ILAB_TRAIN_H
#define ILAB_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <gsl/gsl_rng.h>
#include "act.h"
#include "config.h"
#include "mlp.h"
#include "scheme.h"
#include "table.h"

#define ILAB_TRAIN_MAX_RECORD 256
#define ILAB_TRAIN_MAX_STEPS 10000000

typedef enum { ILAB_TRAIN_SGD, ILAB_TRAIN_ADAM } ilab_train_opt;

/* What the keys train, task, parametrization, record and data ask for. */
typedef struct {
  ilab_train_opt opt;
  double lr;               /* the global learning rate eta */
  size_t steps;            /* updates; the loss is recorded at steps 0..steps */
  double momentum;         /* sgd: v <- mu v + g, theta <- theta - eta v [0] */
  int lr_over_depth;       /* lr_over_depth=yes: eta = lr / M, M the weight matrices
                              (L, plus the read-out): Saxe et al. 2014's scaling [no] */
  double beta1, beta2, eps; /* adam (Kingma & Ba 2015) [0.9, 0.999, 1e-8] */
  /* task = teacher:depth=D,width=W,act=A,out=K[,readout=yes|no] */
  size_t t_depth, t_width, t_out;
  ilab_act t_act;
  int readout;             /* 1: y = out_mult * X_L V (V is n_L x K); 0: y = X_L (n_L = K) */
  /* parametrization = standard | mup[:base_width=N,out_mult=A] */
  int mup;
  double base_width;       /* widths at which mup equals standard [64] */
  double out_mult;         /* the read-out's multiplier, constant in width [1] */
  size_t n_record;         /* record = S1 S2 ...: steps with per-layer statistics */
  size_t record[ILAB_TRAIN_MAX_RECORD];
  int fixed_data;          /* data = fixed: one batch repeated; fresh: one per step */
} ilab_train_spec;

/* Sets the defaults: sgd:lr=0.01,steps=100; teacher:depth=2,width=64,act=tanh,
 * out=1,readout=yes; standard; record = 0 and the last step; fresh data. */
void ilab_train_spec_init(ilab_train_spec *t);

/* Parses one key's value into t: key is "train", "task", "parametrization",
 * "record" or "data".  ILAB_EPARSE with a reason (no file or line: the caller
 * adds them).  Call ilab_train_spec_check once every key is in. */
int ilab_train_spec_parse(ilab_train_spec *t, const char *key, const char *value);

/* Checks what depends on several keys and on the network: record steps <=
 * steps, readout = no needs n_L = out and the standard parametrization.
 * ILAB_EPARSE with a reason naming the key. */
int ilab_train_spec_check(const ilab_train_spec *t, size_t L, const size_t *widths);

/* The factors muP puts on layer l's initial variance and learning rate,
 * relative to the standard parametrization at the same widths; l = 1..L for
 * the layers, L + 1 for the read-out, bias = 1 for b_l.  Yang et al. 2022
 * (Tensor Programs V, muTransfer), Table 3, with every width dimension taken
 * relative to base_width (m = n / base_width), so that muP equals the
 * standard parametrization at the base width:
 *                     init Var      SGD lr       Adam lr
 *   input W_1, biases  1            m(fan_out)   1
 *   hidden W_l         1            1            1/m(fan_in)
 *   read-out V         1/m(n_L)     1/m(n_L)     1/m(n_L)
 * (the read-out's 1/fan_in^2 variance is 1/fan_in times 1/m).  Under SGD this
 * is Yang & Hu 2021's muP for MLPs.  Standard: both factors 1. */
void ilab_train_scales(const ilab_train_spec *t, size_t L, const size_t *widths, size_t l, int bias,
                       double *var_mult, double *lr_mult);

/* One training run: a network, its teacher, its data, its optimizer. */
typedef struct {
  const ilab_train_spec *spec;
  ilab_act act;
  const ilab_scheme *scheme;
  size_t L, batch;
  const size_t *widths;     /* n_0 .. n_L */
  const ilab_scheme *input; /* law of the input entries */
  double sigma_b2;          /* bias variance; 0: no biases */
  unsigned long seed;       /* the shape's seed, as the sweep's */
  const gsl_rng_type *rng_type;
  size_t trial;
} ilab_train_job;

/* What a run records: the loss and gradient norm at steps 0..steps, and at
 * each recorded step the statistics of layers 1..L (mlp.h) with each layer's
 * mean |X_l|, then the output's: y_mean y_var y_abs. */
typedef struct {
  double *loss, *grad_norm;  /* [steps + 1] */
  ilab_layer_stats *stats;   /* [record][L] */
  double *x_abs;             /* [record][L + 1]: mean |X_l|, and mean |y| last */
  double *y_mean, *y_var;    /* [record] */
} ilab_train_result;

int ilab_train_result_alloc(ilab_train_result *r, const ilab_train_spec *t, size_t L);
void ilab_train_result_free(ilab_train_result *r);

typedef struct ilab_trainer ilab_trainer;

/* Builds the run of job: its weights are the sweep's for the same (seed,
 * trial, scheme) (scale * unit, the unit matrices from the same keyed
 * streams, copied and owned), the read-out V ~ N(0, var_mult / n_L) from its
 * own stream, the teacher's weights from theirs.  ILAB_ENOMEM, ILAB_EINVAL
 * (a scheme that does not resolve, or lsuv). */
int ilab_trainer_alloc(ilab_trainer **tr, const ilab_train_job *job);
void ilab_trainer_free(ilab_trainer *tr);

/* The loss at the current parameters on the batch of step s,
 * L = 1/(2 B K) sum_{b,k} (y_bk - t_bk)^2, by a forward pass; with grad set,
 * also the gradient of every parameter by the backward pass (E = (y - t)/K
 * per example: dL/dV = a X_L^T E / B, dl/dX_L = a E V^T, then mlp's
 * dW_l = X_{l-1}^T dH_l / B, and db_l = sum_b dH_l / B), kept for
 * ilab_trainer_update, and its norm in *gnorm (may be NULL).  stats (L
 * entries, or NULL) gets the pass's per-layer statistics. */
int ilab_trainer_eval(ilab_trainer *tr, size_t s, int grad, double *loss, double *gnorm,
                      ilab_layer_stats *stats);

/* One optimizer step from the gradient of the last ilab_trainer_eval, with
 * each parameter's learning rate eta * lr_mult (ilab_train_scales). */
void ilab_trainer_update(ilab_trainer *tr);

/* Every parameter as one vector (W_1, b_1, ..., W_L, b_L, V; the biases only
 * with sigma_b2 > 0, V only with a read-out): its length, the gradient of
 * the last ilab_trainer_eval, and theta <- theta + t * dir. */
size_t ilab_trainer_n_params(const ilab_trainer *tr);
const double *ilab_trainer_grad(const ilab_trainer *tr);
void ilab_trainer_move(ilab_trainer *tr, const double *dir, double t);

/* The last eval's buffers: X_l (l = 0..L), the output y and the targets
 * (B x K), for tests and the coordinate check. */
const double *ilab_trainer_x(const ilab_trainer *tr, size_t l);
const double *ilab_trainer_y(const ilab_trainer *tr);
const double *ilab_trainer_target(const ilab_trainer *tr);

/* The whole run: steps + 1 evaluations and steps updates, into res.
 * ILAB_EINTR if *stop becomes set (stop may be NULL). */
int ilab_train_run(const ilab_train_job *job, ilab_train_result *res, const volatile sig_atomic_t *stop);


/* ---- an experiment's training runs ---------------------------------------- */

/* A claim on training runs, 'train_claim = ACT SCHEME [width=W] [depth=D]
 * EXPR OP at ALPHA', EXPR one of
 *   loss[S] / loss[S0]          per trial; the statistic is its logarithm's
 *                               mean over the trials, with a t interval
 *                               (T - 1 degrees of freedom); a diverged run
 *                               (a loss that is not finite) has ratio +inf;
 *   slope x_abs[LAYER] step S   the slope of ln mean|X_LAYER| (LAYER 1..L,
 *                               or 'out' for y) at step S against ln width,
 *                               fitted over every (width, trial) by least
 *                               squares (gsl_fit_linear), its standard error
 *                               from the fit's covariance (n - 2 degrees of
 *                               freedom; the noise model: independent normal
 *                               scatter of the points about the line);
 * and OP one of '< C', '> C', 'in [LO, HI]' (for a loss ratio C, LO, HI are
 * ratios).  As for claims.h's claims, a claim holds unless the data reject
 * it at false-alarm probability ALPHA: '< C' fails when the one-sided
 * (1 - ALPHA) lower bound exceeds C, '> C' when the upper bound is below C,
 * 'in [LO, HI]' when either is. */
typedef struct {
  int line;
  char text[256];
  size_t act, scheme;      /* indices into the file's lists */
  size_t width, depth;     /* the shape, 0: any */
  int slope;               /* 0: a loss ratio, 1: a slope in ln width */
  size_t s1, s0;           /* loss[s1] / loss[s0] */
  size_t layer, step;      /* slope: x_abs[layer] (0: out) at step */
  char op;                 /* '<', '>' or 'i' (in) */
  double lo, hi;           /* '<': hi = C; '>': lo = C */
  double alpha;
} ilab_train_claim;

/* Parses a claim's text against the experiment (its lists, shapes and the
 * recorded steps of t).  ILAB_EPARSE with a reason. */
int ilab_train_claim_parse(const ilab_config *c, const ilab_train_spec *t, const char *text, ilab_train_claim *cl);

/* Reads the keys train, task, parametrization, record and data of an
 * experiment file into t (defaults for those not given); *on = 0 when the
 * file has no 'train' key.  ILAB_EPARSE with "FILE:LINE: reason". */
int ilab_train_spec_from_config(const ilab_config *c, ilab_train_spec *t, int *on);

/* ... and its train_claim lines, into cl[] (ILAB_MAX_TRAIN_CLAIMS). */
int ilab_train_claims_from_config(const ilab_config *c, const ilab_train_spec *t, ilab_train_claim *cl);

/* The training runs of one shape of an experiment (a view, config.h): every
 * selected cell (act x scheme) and trial, in parallel on threads, each with a
 * single-threaded BLAS when there are enough runs to go round.  The results
 * do not depend on threads. */
typedef struct {
  const ilab_config *cfg;
  const ilab_train_spec *spec;
  unsigned long seed;             /* the shape's seed, as its sweep's */
  const gsl_rng_type *rng_type;
  int threads;
  const unsigned char *run_cell;  /* NULL: every cell */
  volatile sig_atomic_t *stop;
  ilab_train_result *res;         /* [cell][trial], by ilab_train_sweep_run */
  volatile size_t done;           /* runs finished, for progress */
} ilab_train_sweep;

/* Bytes the training runs of a shape (a view) hold at their peak with this
 * many threads: per run in flight, the parameters, their gradient and the
 * optimizer's state, a network's buffers and the teacher's. */
size_t ilab_train_bytes(const ilab_config *c, const ilab_train_spec *t, int threads);

int ilab_train_sweep_run(ilab_train_sweep *ts);
void ilab_train_sweep_free(ilab_train_sweep *ts);

/* Writes DIR/train.tsv (one row per act, scheme, width, depth, trial, step:
 * loss and grad_norm) and DIR/train_layers.tsv (one row per act, scheme,
 * width, depth, trial, recorded step, layer: the statistics of layers.tsv
 * and mean |X_l|; layer L + 1 is the output y) for the shapes k with run[k],
 * all or none.  ILAB_EIO, ILAB_EINTR. */
int ilab_train_write(const char *dir, const ilab_train_sweep *ts, size_t n_shapes, const unsigned char *run,
                     const ilab_provenance *pv, const volatile sig_atomic_t *stop);

/* Evaluates the claims (n of them) on the runs and, when n > 0, writes
 * DIR/train_claims.tsv with the columns of claims.tsv (experiment line claim
 * measured_min measured_max lo hi verdict alpha trial_sd sens detects; sens
 * and detects nan); *failed counts the claims that failed.  A claim whose
 * cell or shapes did not run is 'skipped'.  ILAB_EIO, ILAB_ENOMEM. */
int ilab_train_claims_write(const char *dir, const ilab_train_sweep *ts, size_t n_shapes, const unsigned char *run,
                            const ilab_train_claim *cl, size_t n, const ilab_provenance *pv, int *failed);
#endif
