/* Result tables: a '#' provenance header, tab-separated columns, written to a
 * temporary file beside the target and renamed into place only when complete. */
#ifndef ILAB_TABLE_H
#define ILAB_TABLE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
  FILE *f;
  char *path; /* final name */
  char *tmp;  /* temporary name, in the same folder so rename() is atomic */
  int col;    /* columns written on the current line */
} ilab_table;

/* Opens a temporary file beside path.  ILAB_EIO with a reason on failure. */
int ilab_table_open(ilab_table *t, const char *path);

/* Writes "# " + the formatted text + "\n" (provenance). */
void ilab_table_comment(ilab_table *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Where a table came from: every table initlab writes, to a file or to
 * standard output, opens with the same lines from this. */
typedef struct {
  const char *what;         /* one line: what the table holds */
  int argc;                 /* the command: argv[0] is the subcommand's name */
  char *const *argv;
  int has_seed;             /* 0: the table draws nothing, no seed line */
  unsigned long seed;
  const char *generator;    /* the gsl_rng type's name */
  const char *note;         /* appended to the seed line, or NULL */
} ilab_provenance;

/* Writes the provenance lines to f:
 *   # initlab VERSION: WHAT
 *   # command: initlab ARGV...       (each argument quoted as a shell needs)
 *   # seed: S  generator: G[NOTE]    (if has_seed) */
void ilab_provenance_write(FILE *f, const ilab_provenance *p);

/* The same into a table. */
void ilab_table_provenance(ilab_table *t, const ilab_provenance *p);

/* Writes each line of text prefixed by "# " (e.g. the experiment file). */
void ilab_table_comment_block(ilab_table *t, const char *prefix, const char *text);

/* Cells of the current line: a string, a number (%.17g; inf, -inf, nan), an
 * integer.  Tabs are put between cells. */
void ilab_table_str(ilab_table *t, const char *s);
void ilab_table_num(ilab_table *t, double x);
void ilab_table_int(ilab_table *t, long long x);

/* Ends the current line. */
void ilab_table_end_row(ilab_table *t);

/* Writes a header line from a space-separated list of column names. */
void ilab_table_header(ilab_table *t, const char *names);

/* Flushes, checks every write, closes and renames into place.  On any error
 * (a full disk, say) the temporary file is removed, the previous file under
 * the final name is left as it was, and ILAB_EIO is returned with a reason. */
int ilab_table_commit(ilab_table *t);

/* Commits n tables all or none.  Every table's bytes reach the disk before
 * any is renamed, so a full disk is found while all can still be dropped;
 * SIGINT and SIGTERM are held while they are renamed, so an interruption
 * cannot leave a new table beside an old one; and if *stop (set by a signal
 * handler; may be NULL) is non-zero once the signals are held, none is
 * renamed.  Every table is released on return.  ILAB_EIO with a reason
 * naming the file that could not be written, ILAB_EINTR if stopped. */
int ilab_table_commit_all(ilab_table *t, size_t n, const volatile sig_atomic_t *stop);

/* Closes and removes the temporary file; the final name is untouched. */
void ilab_table_abort(ilab_table *t);

/* Formats x as the tables do, into buf (at least 32 bytes). */
void ilab_table_format(double x, char *buf);

#endif
