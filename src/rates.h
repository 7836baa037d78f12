/* Per-layer rates over a range of layers: by what factor Var(H_l) and
 * Var(dL/dX_l) change per layer in each cell of a sweep, the measured chi_1
 * they imply and the mean-field chi_1 beside it (rates.tsv). */
#ifndef ILAB_RATES_H
#define ILAB_RATES_H

#include <stddef.h>
#include "sweep.h"
#include "table.h"

/* (v_b / v_a)^(1/(b - a)): the geometric mean of the per-layer factors from
 * layer a to layer b.  NaN when b <= a or either value is NaN; 0 and inf as
 * the quotient gives them. */
double ilab_rates_rate(double va, double vb, size_t a, size_t b);

/* A rate from several trials. */
typedef struct {
  double rate;     /* of the means over trials: (mean v_b / mean v_a)^(1/(b-a)) */
  double min, max; /* of the per-trial rates; NaN if any trial's rate is NaN */
} ilab_rate;

/* The rate from the per-trial values va[t] at layer a and vb[t] at layer b,
 * t < trials (>= 1). */
void ilab_rates_of_trials(const double *va, const double *vb, size_t trials, size_t a,
                          size_t b, ilab_rate *r);

/* One row of rates.tsv: a cell between layers a and b. */
typedef struct {
  size_t fan_in;      /* n_{b-1}, the fan-in of layer b */
  double w_var;       /* Var(W_b) */
  double sigma_w2;    /* fan_in w_var */
  ilab_rate h;        /* of h_var = Var(H_l) */
  ilab_rate gx;       /* of gx_var = Var(dL/dX_l), going up: 1/chi_1 where it is steady */
  double chi1_measured, chi1_min, chi1_max; /* 1/gx.rate, 1/gx.max, 1/gx.min */
  double chi1_theory; /* sigma_w2 E[phi'(sqrt(q*) z)^2] at the fixed point q* reached from the
                         input's q0 with the experiment's sigma_b2 (ilab_theory_fixed_point);
                         NaN if the layers a+1..b differ in n_{l-1} Var(W_l), or the theory fails */
} ilab_rates_row;

/* The row of a cell that s has run, between layers 1 <= a < b <= depth; w is
 * a theory workspace.  ILAB_EINVAL for a bad range or cell. */
int ilab_rates_cell(ilab_theory_workspace *w, const ilab_sweep *s, size_t cell, size_t a,
                    size_t b, ilab_rates_row *row);

/* Writes rates.tsv's comments and header for the layers c->rates_a..rates_b,
 * with the columns named in extra (" NAME NAME ...", or NULL) after
 * chi1_theory; 0 when the range is empty (a network of one layer: no rows
 * follow), else 1. */
int ilab_rates_write_head(ilab_table *t, const ilab_config *c, const char *extra);

/* Writes the fields of the row of cell (of s, run) under the names act and
 * scheme, without ending the row, so that the caller adds extra's columns; w
 * is a theory workspace.  ILAB_ENOMEM, ILAB_EINVAL. */
int ilab_rates_write_row(ilab_table *t, ilab_theory_workspace *w, const ilab_sweep *s, size_t cell,
                         const char *act, const char *scheme);

/* Writes the header and one row per cell that s has run (s->run_cell) to t,
 * between the layers s->cfg->rates_a and rates_b.  ILAB_ENOMEM, ILAB_EINVAL. */
int ilab_rates_write(ilab_table *t, const ilab_sweep *s);

/* The same one step at a time, for a table over several sweeps: the comments
 * and header of rates over layers a..b (b <= a: a note that there is no
 * rate), with the columns named in extra (" NAME NAME ...", or NULL) after
 * chi1_theory; then for each cell of each sweep its row's fields, without
 * ending the row, so that the caller adds the extra columns.  w is a theory
 * workspace.  ILAB_EINVAL for a sweep whose rates_b <= rates_a. */
void ilab_rates_header(ilab_table *t, size_t a, size_t b, const char *extra);
int ilab_rates_put_row(ilab_table *t, ilab_theory_workspace *w, const ilab_sweep *s, size_t cell);

#endif
