/* The experiment file: parse, validate, report errors with file and line. */
#ifndef ILAB_CONFIG_H
#define ILAB_CONFIG_H

#include <stddef.h>
#include "act.h"
#include "claims.h"
#include "fp.h"
#include "scheme.h"

/* Limits that keep a typo from asking for an absurd run; memory is checked
 * separately against --max-memory before anything is allocated. */
#define ILAB_MAX_WIDTH 1000000
#define ILAB_MAX_DEPTH 100000
#define ILAB_MAX_BATCH 10000000
#define ILAB_MAX_TRIALS 100000
/* Most entries one list may hold once its ranges and braces are expanded:
 * a guard against a typo (width = 1:1000000:1 is the largest sane list). */
#define ILAB_MAX_ENTRIES 1000000
/* Most activations or schemes once braces are expanded: each is a parsed
 * spec of a few hundred bytes, held before run's --max-cells can refuse. */
#define ILAB_MAX_SPECS 100000

/* Claims (ilab_claim, ILAB_MAX_CLAIMS) are parsed by claims.h once every
 * other key is known. */

typedef struct {
  char *path;            /* as given */
  char *text;            /* the whole file, for provenance */
  char *question;        /* the opening comment lines, joined (the claim it tests) */
  /* Every list below is allocated to its length (n_acts, n_schemes, ...). */
  size_t n_acts;
  ilab_act *acts;
  char (*act_names)[48];
  size_t n_schemes;
  ilab_scheme *schemes;
  size_t depth;          /* L; with several shapes, the largest depth */
  size_t *widths;        /* n_0 .. n_L; with several shapes, the first width
                            repeated over the largest depth */
  size_t batch, trials;  /* trials: with several widths, the largest count */
  /* Shapes, dimensions of the cells like activations and schemes: every
   * width of the 'width' list with every depth of the 'depth' list, shape
   * s = wi * n_depths + di.  A 'widths' list is one shape (n_widths = 0).
   * The points of the sweep are the shapes times the other swept lists
   * below (ilab_config_point_of). */
  size_t n_widths, n_depths;
  size_t *width_list;
  size_t *trials_list;   /* trials for each width (one for a 'widths' list):
                            'trials' lists one count, or one per width */
  size_t *depth_list;
  int layers_table;      /* write layers.tsv, one row per trial [1] */
  size_t ln_hist_bins;   /* bins of the histogram of ln x_sq over trials at the
                            last layer [0: none] */
  unsigned long seed;
  int has_seed;
  double sigma_b2;       /* bias variance; 0: no bias.  With several, the largest */
  ilab_scheme input;     /* law of the input entries, resolved with fan n_0; with
                            several, the first */
  int has_input;
  /* More swept dimensions of the cells, like width and depth: each of these
   * lists (one entry when the file gives one value; allocated to its
   * length) multiplies the points (ilab_config_point_of).  'batch' above is
   * the largest batch. */
  size_t n_sigma_b2s;
  double *sigma_b2_list;
  size_t n_inputs;
  ilab_scheme *input_list;
  size_t n_batches;
  size_t *batch_list;
  size_t n_claims;
  ilab_claim claims[ILAB_MAX_CLAIMS];
  size_t n_hist;         /* layers whose histograms are recorded */
  size_t *hist_layers;
  size_t hist_bins;      /* bins per histogram [100] */
  size_t rates_a, rates_b; /* layers between which rates.tsv measures per-layer
                              rates, 'rates = A..B' [1..depth] */
  int spectrum;          /* spectrum = yes: the Jacobian's singular values per
                            (cell, trial, layer), written to spectrum.tsv;
                            needs one width */
  size_t n_spec;         /* spectrum_layers: layers whose every singular value */
  size_t *spec_layers;   /* goes to spectrum_values.tsv */
  ilab_precision precision; /* 'precision = double|single|half|bfloat16' [double]:
                               the format every network of the run computes in */
  double loss_scale;     /* 'loss_scale = S' [1]: the output gradient is S G, as
                            loss scaling does; gradient statistics are divided
                            back by S^2, underflow and overflow counts are not */
} ilab_config;

/* Reads and validates an experiment file: "key = value" lines, '#' comments,
 * blank-separated lists; a line ending in '\' (before any comment) continues
 * on the next, and messages name the line where the key began.  Lines and
 * lists have no fixed length (at most ILAB_MAX_ENTRIES numbers or
 * ILAB_MAX_SPECS specs a list).  A number of a list of numbers may be a range
 * (range.h: LO:HI:STEP or LO:HI:xF), every value of which must be a whole
 * number within the key's bounds; in an activation or scheme spec each
 * {ITEMS} (numbers or ranges, comma-separated) gives one spec per value,
 * written as the shortest decimal (normal:std={0.5:2:0.5} is
 * normal:std=0.5 normal:std=1 normal:std=1.5 normal:std=2), several braces
 * every combination, the first slowest.  A value listed twice, directly or
 * by expansion, is refused.  On failure returns ILAB_EIO (the
 * file cannot be read) or ILAB_EPARSE, with a reason of the form
 * "FILE:LINE: what is wrong, what was expected"; *c is then empty. */
int ilab_config_read(const char *path, ilab_config *c);

/* Parses an experiment from text in memory (path names it in messages). */
int ilab_config_parse(const char *path, const char *text, size_t len, ilab_config *c);

void ilab_config_free(ilab_config *c);

/* A point of the sweep: one value of every swept dimension beyond the
 * activation and the scheme.  Points are numbered
 *   k = (((shape * n_sigma_b2s + bi) * n_inputs + ii) * n_batches + ni),
 * shape = wi * n_depths + di, so that a file sweeping only widths and depths
 * numbers its points as its shapes. */
typedef struct {
  size_t width;        /* the 'width' list's entry; 0 for a 'widths' list */
  size_t depth;
  double sigma_b2;
  size_t input;        /* index into input_list */
  size_t batch;
  size_t shape;        /* wi * n_depths + di */
} ilab_point;

/* The number of points: the product of the swept lists' lengths (a 'widths'
 * list counting as one width). */
size_t ilab_config_n_points(const ilab_config *c);

/* The number of cells the file expands to: one cell per activation, scheme
 * and point (n_acts * n_schemes * ilab_config_n_points), each running
 * 'trials' networks; SIZE_MAX if the product overflows. */
size_t ilab_config_n_cells(const ilab_config *c);

/* The coordinates of point k < ilab_config_n_points(c). */
void ilab_config_point_of(const ilab_config *c, size_t k, ilab_point *p);

/* The swept width and depth of point k; width 0 for a 'widths' list. */
void ilab_config_shape_of(const ilab_config *c, size_t k, size_t *width, size_t *depth);

/* Makes *v a view of c restricted to point k: the same lists and claims
 * (pointers shared with c, which must outlive v), one point with its depth,
 * widths, trials, sigma_b2, input law and batch, each list then holding that
 * one value.  Free it with ilab_config_point_free, never ilab_config_free.
 * ILAB_ENOMEM, or ILAB_EINVAL for k out of range. */
int ilab_config_point(const ilab_config *c, size_t k, ilab_config *v);
void ilab_config_point_free(ilab_config *v);

/* Which cells (cell = act * n_schemes + scheme) to run: sel[cell] = 1 if
 * the cell's activation is named by one of the act=NAME entries of only[]
 * (or there are none) and its scheme by one of the scheme=SPEC entries (or
 * there are none), else 0.  An activation is named as the tables write it
 * ("leaky_relu:slope=0.01") or as any spec that parses to it; a scheme by
 * its spec as written in the file; the entries of the points' dimensions
 * (ilab_config_select_points) are passed over.  ILAB_EINVAL with a reason
 * starting with the entry if an entry is malformed or names nothing in the
 * file. */
int ilab_config_select(const ilab_config *c, const char *const *only, size_t n, unsigned char *sel);

/* Which points (k < ilab_config_n_points) to run: run[k] = 1 if, for each
 * of the keys width=N, depth=N, sigma_b2=V, input=SPEC and batch=N that
 * only[] uses, one of its entries names the point's value (a number by its
 * value, 0.05 naming 5e-2; an input law by its spec as written in the file),
 * else 0.  Other entries are ilab_config_select's and are passed over.
 * ILAB_EINVAL with a reason starting with the entry if it names no value of
 * the file's lists. */
int ilab_config_select_points(const ilab_config *c, const char *const *only, size_t n, unsigned char *run);

/* Whether an --only entry (KEY=VALUE) is one of the points' keys. */
int ilab_config_is_point_key(const char *entry);

#endif
