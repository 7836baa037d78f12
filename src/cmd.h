/* The command-line layer: subcommands and the helpers they share.  Only this
 * layer prints to the user or decides an exit status. */
#ifndef ILAB_CMD_H
#define ILAB_CMD_H

#include <stddef.h>
#include <stdio.h>
#include <gsl/gsl_rng.h>
#include "range.h"

/* Exit statuses of every command (prefixed: E followed by a capital is
 * reserved for <errno.h>). */
enum { ILAB_EXIT_OK = 0, ILAB_EXIT_RUNTIME = 1, ILAB_EXIT_USAGE = 2 };

/* Each subcommand: argv[0] is the command's name; returns an exit status. */
int ilab_cmd_run(int argc, char **argv);
int ilab_cmd_merge(int argc, char **argv);
int ilab_cmd_sample(int argc, char **argv);
int ilab_cmd_moments(int argc, char **argv);
int ilab_cmd_theory(int argc, char **argv);
int ilab_cmd_list(int argc, char **argv);
int ilab_cmd_bench(int argc, char **argv);
int ilab_cmd_plot(int argc, char **argv);
int ilab_cmd_spectrum(int argc, char **argv);
int ilab_cmd_check(int argc, char **argv);

/* For 'initlab bench': writes n float32 he_normal draws to a temporary .npy
 * and times 'initlab check --expect he_normal' on it (reading, judging,
 * best); 0 on success. */
int cmd_check_bench(size_t n, double *mb_per_s, double *seconds);

/* Prints "initlab: error: <msg>" to stderr. */
void cmd_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Prints "initlab COMMAND: <msg>" and the "Try 'initlab COMMAND --help'" hint
 * to stderr and returns ILAB_EXIT_USAGE. */
int cmd_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Strict number parsing for option values: the whole string must be a number,
 * finite, within [lo, hi].  On failure they print a usage error naming the
 * option and return -1; 0 on success. */
int cmd_parse_double(const char *command, const char *option, const char *s,
                     double lo, double hi, double *out);
int cmd_parse_ulong(const char *command, const char *option, const char *s,
                    unsigned long lo, unsigned long hi, unsigned long *out);

/* A variance given as an option (sigma_b2, q0): 0 or in [CMD_VAR_MIN,
 * CMD_VAR_MAX], the squares of the bounds on a weight's scale (scheme.h),
 * so that its powers up to the 4th are finite, normal doubles.  Prints a
 * usage error naming the option and returns -1 otherwise. */
#define CMD_VAR_MIN 1e-68
#define CMD_VAR_MAX 1e74
int cmd_parse_variance(const char *command, const char *option, const char *s, double *out);

/* A number, or a range LO:HI:STEP or LO:HI:xF (range.h). */
typedef ilab_range cmd_range;

/* Parses a number or a range with every number in [lo, hi]; on failure prints
 * a usage error naming the option and returns -1 (a bad number, a step <= 0,
 * a factor <= 1, HI < LO, more than ILAB_RANGE_MAX values). */
int cmd_parse_range(const char *command, const char *option, const char *s, double lo,
                    double hi, cmd_range *r);

/* The i-th value of a range, i < r->n. */
double cmd_range_at(const cmd_range *r, size_t i);

/* The generator every command draws with: GSL_RNG_TYPE if set (GSL's
 * convention), else mt19937.  For a name GSL does not know it prints the
 * error and returns ILAB_EXIT_USAGE; else ILAB_EXIT_OK. */
int cmd_rng_type(const gsl_rng_type **type);

/* The default seed: GSL_RNG_SEED if set (GSL's convention), else 42. */
unsigned long cmd_default_seed(void);

/* Flushes and closes stdout; returns ILAB_EXIT_RUNTIME with a message if a write
 * failed (a full disk, a closed pipe), else status. */
int cmd_close_stdout(int status);

/* Handles getopt_long's '?' and ':' results uniformly: call from the default
 * branch of an option switch; prints the usage hint and returns ILAB_EXIT_USAGE. */
int cmd_bad_option(const char *command);

/* Parses a byte count with an optional K, M, G or T suffix (powers of 1024,
 * optionally followed by B or iB): "8G", "500MiB".  -1 unless positive and
 * below 1.8e19. */
int cmd_parse_bytes(const char *s, size_t *out);

/* 3/4 of physical memory (4 GiB if it cannot be found). */
size_t cmd_default_max_memory(void);

/* mkdir -p: creates path and its missing parents.  -1 with errno set if a
 * part cannot be made or path is not a folder in the end. */
int cmd_make_dirs(const char *path);

/* A folder for result tables: made (mkdir -p) and writable, else -1 after
 * an error message naming it. */
int cmd_output_folder(const char *dir);

/* handler(signo) on SIGINT and SIGTERM, which interrupt a run cleanly. */
void cmd_catch_signals(void (*handler)(int));

/* A progress line on stderr, "LABEL: DONE/TOTAL cells, S s elapsed, ~S s
 * left", redrawn every half second from 2 s on while *done counts up, and
 * erased when stopped.  NULL (nothing shown) when stderr is not a terminal
 * or a thread cannot start; cmd_progress_stop(NULL) is a no-op. */
typedef struct cmd_progress cmd_progress;
cmd_progress *cmd_progress_start(const char *label, volatile size_t *done, size_t total);
void cmd_progress_stop(cmd_progress *p);

/* The output folder of an experiment file when -o is not given:
 * results/STEM, STEM the file's name up to its first dot; written into buf. */
const char *cmd_default_outdir(const char *file, char *buf, size_t n);

/* gnuplot, shared by 'initlab plot' and 'initlab check --plot'. */
/* The folder holding plots/style.gp: $INITLAB_DATADIR; else the source tree
 * the binary was built in (its folder's parent, ../ from build/), so that a
 * build tree draws with its own scripts even where an older copy is
 * installed; else the installed share/initlab (ILAB_DATADIR).  n >= 4104;
 * -1 with a message when none holds it. */
int cmd_plot_datadir(char *out, size_t n);
/* Whether prog runs: a path that is executable, or a name found on PATH. */
int cmd_have_program(const char *prog);
/* $GNUPLOT, else "gnuplot", if it runs (SIGPIPE then ignored, so that a
 * gnuplot that dies shows as a write error); else NULL with a message. */
const char *cmd_gnuplot_find(void);
/* Starts gnuplot with a pipe on its stdin, lets write(gp, ctx) feed it the
 * commands (an ilab status), waits for it.  0 when write succeeded and
 * gnuplot exited 0; else -1 with a message naming what ("the hist figure of
 * DIR"). */
typedef int (*cmd_gnuplot_writer)(FILE *gp, void *ctx);
int cmd_gnuplot_run(const char *gnuplot, cmd_gnuplot_writer write, void *ctx, const char *what);

#endif
