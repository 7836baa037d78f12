/* The command-line layer: subcommands and the helpers they share.  Only this
 * layer prints to the user or decides an exit status. */
#ifndef ILAB_CMD_H
#define ILAB_CMD_H

#include <stddef.h>
#include <stdio.h>
#include "moments.h"
#include "scheme.h"

/* Exit statuses of every command (prefixed: E followed by a capital is
 * reserved for <errno.h>). */
enum { ILAB_EXIT_OK = 0, ILAB_EXIT_RUNTIME = 1, ILAB_EXIT_USAGE = 2 };

/* Each subcommand: argv[0] is the command's name; returns an exit status. */
int ilab_cmd_run(int argc, char **argv);
int ilab_cmd_sample(int argc, char **argv);
int ilab_cmd_moments(int argc, char **argv);
int ilab_cmd_theory(int argc, char **argv);
int ilab_cmd_list(int argc, char **argv);
int ilab_cmd_bench(int argc, char **argv);
int ilab_cmd_plot(int argc, char **argv);

/* One row of 'initlab moments': a scheme resolved for the fans, and what
 * checking its draws found. */
typedef struct {
  ilab_scheme s;
  ilab_dist d;
  ilab_moments_law law;
  ilab_moments_check_result res;
  int status;           /* of the check */
  size_t bad;           /* constants: draws that differ from the value */
  char reason[256];
} cmd_moments_row;

/* Draws count values of each row's law from the stream 'initlab sample'
 * uses and checks them, rows in parallel on every core.  Returns non-zero
 * if memory for the draws ran out. */
int cmd_moments_check_rows(cmd_moments_row *rows, size_t nrows, size_t count, unsigned long seed,
                           double per_test);

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

/* The default seed: GSL_RNG_SEED if set (GSL's convention), else 42. */
unsigned long cmd_default_seed(void);

/* Flushes and closes stdout; returns ILAB_EXIT_RUNTIME with a message if a write
 * failed (a full disk, a closed pipe), else status. */
int cmd_close_stdout(int status);

/* Handles getopt_long's '?' and ':' results uniformly: call from the default
 * branch of an option switch; prints the usage hint and returns ILAB_EXIT_USAGE. */
int cmd_bad_option(const char *command);

#endif
