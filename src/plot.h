/* The standard figures of a results folder: read its tables, tell from the
 * tables and columns present which figures they allow, and write the gnuplot
 * commands that draw them (data inline, drawing in plots/fig_*.gp). */
#ifndef ILAB_PLOT_H
#define ILAB_PLOT_H

#include <stddef.h>
#include <stdio.h>

/* A result table held in memory: its provenance ('#' lines), header and rows
 * of tab-separated strings. */
typedef struct ilab_plot_table ilab_plot_table;

/* Reads the table at path.  Fails with ILAB_EIO if it cannot be read,
 * ILAB_EPARSE (naming path:line) if it has no header row or a row has another
 * number of fields than the header, ILAB_ENOMEM. */
int ilab_plot_table_read(const char *path, ilab_plot_table **out);
void ilab_plot_table_free(ilab_plot_table *t);
size_t ilab_plot_table_nrows(const ilab_plot_table *t);
/* The index of the column called name, or -1. */
int ilab_plot_table_col(const ilab_plot_table *t, const char *name);
/* The field of row r, column c (both in range). */
const char *ilab_plot_table_cell(const ilab_plot_table *t, size_t r, int c);
/* The field of row r, column c as a number: strtod of the whole field, NaN
 * if it is not one or c < 0. */
double ilab_plot_table_num(const ilab_plot_table *t, size_t r, int c);
/* The text after "# KEY: " in the provenance (e.g. "question", "seed"), or
 * NULL; a pointer into t. */
const char *ilab_plot_table_meta(const ilab_plot_table *t, const char *key);

/* The figures, each from one table of the folder:
 *   VARIANCE  summary.tsv: Var(H_l), Var(dL/dX_l), Var(dL/dW_l) against
 *             layer, one panel per activation, a curve per other key (scheme,
 *             width, ...), theory dashed, intervals shaded, measured/theory
 *   HIST      hist.tsv: the density of H_l, X_l, dL/dX_l per layer
 *   CLAIMS    claims.tsv: each claim's measured value against its interval
 *   WIDTH     summary.tsv with a 'width' column of several values: against
 *             width, log-log, the drift |measured/theory - 1| of Var(H_L) at
 *             the last layer and of Var(dL/dX_1) at the first, and any ln_*
 *             column at the last layer, with each curve's least-squares slope
 *   LAYERS    any other table with a 'layer' column and columns Q beside
 *             Q_theory (spectrum.tsv, ...): each Q against layer, as the
 *             variance figure draws them, named after the table; or with a
 *             'step', 'epoch' or 'iteration' column (train.tsv, ...): its
 *             loss and accuracy columns against it; and, named "quantities",
 *             summary.tsv's own further columns beside a theory (beyond
 *             h_var, x_sq, gx_var and gw_var)
 *   PHASE     summary.tsv with a 'sigma_b2' key column of several values: the
 *             gradient's per-layer factor chi_1, measured and in theory, over
 *             the grid (sigma_w2, sigma_b2), one row of panels per activation */
typedef enum {
  ILAB_PLOT_VARIANCE = 0,
  ILAB_PLOT_HIST,
  ILAB_PLOT_CLAIMS,
  ILAB_PLOT_WIDTH,
  ILAB_PLOT_LAYERS,
  ILAB_PLOT_PHASE,
  ILAB_PLOT_NKINDS
} ilab_plot_kind;

/* The gnuplot script of a kind: plots/fig_NAME.gp ("variance" for LAYERS). */
const char *ilab_plot_kind_name(ilab_plot_kind k);

/* One figure of a folder: its kind, the table it is drawn from (a file name
 * in the folder) and its name (the output file's, without the format). */
typedef struct {
  ilab_plot_kind kind;
  char table[64];
  char name[64];
} ilab_plot_figure;

/* At most this many figures a folder. */
#define ILAB_PLOT_MAX_FIGURES 32

/* The most curves the variance and width figures draw, and the most cells
 * (rows of panels) the histogram figure draws: beyond them a figure is
 * refused (ILAB_EINVAL) with a hint to select with --only. */
#define ILAB_PLOT_MAX_CURVES 64
#define ILAB_PLOT_MAX_PANEL_ROWS 16

/* At most this many --only filters. */
#define ILAB_PLOT_MAX_ONLY 16

typedef struct {
  const char *plotdir;  /* the folder holding style.gp and fig_*.gp */
  const char *format;   /* png, svg or pdf */
  /* keep only rows whose column key[i] equals value[i]; several values of
   * one key are alternatives, different keys must all match */
  size_t nonly;
  const char *only_key[ILAB_PLOT_MAX_ONLY];
  const char *only_value[ILAB_PLOT_MAX_ONLY];
} ilab_plot_options;

/* The figures the tables in dir allow, in figs[0..*n) (at most max): those
 * of summary.tsv, hist.tsv and claims.tsv in that order, then one for each
 * other per-layer table with theory columns, by name.  A summary, hist or
 * claims table that is present but unreadable fails (ILAB_EIO, ILAB_EPARSE);
 * absent tables are not an error, and other files that are not such tables
 * are passed over. */
int ilab_plot_detect(const char *dir, ilab_plot_figure *figs, size_t max, size_t *n);

/* Writes to gp the gnuplot commands that draw figure f of the folder dir into
 * outbase.FORMAT.  Fails with ILAB_EINVAL if an --only key is not a column of
 * the table or no row is left after the filters, ILAB_EIO, ILAB_EPARSE,
 * ILAB_ENOMEM. */
int ilab_plot_write(FILE *gp, const char *dir, const ilab_plot_figure *f, const char *outbase,
                    const ilab_plot_options *o);

/* The least-squares slope of ln y against ln x over the n points with x, y > 0
 * and finite: sum (u - u_bar)(v - v_bar) / sum (u - u_bar)^2, u = ln x,
 * v = ln y.  NaN with fewer than two such points or a single x. */
double ilab_plot_loglog_slope(const double *x, const double *y, size_t n);

#endif
