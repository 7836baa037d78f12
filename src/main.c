/* initlab's command-line driver: dispatches to one function per subcommand. */
#include "cmd.h"
#include "ilab.h"

#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#ifdef ILAB_MPI
#include "cmd_mpi.h"
#endif

/* Where 'make install' puts the plot scripts and experiments (the Makefile
 * defines it from PREFIX). */
#ifndef ILAB_DATADIR
#define ILAB_DATADIR "/usr/local/share/initlab"
#endif

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *help;
} commands[] = {
    {"run", ilab_cmd_run, "run an experiment file, write per-layer tables"},
    {"merge", ilab_cmd_merge, "join the shard folders of 'run --shard' into a single run's tables"},
    {"sample", ilab_cmd_sample, "print weight draws of one scheme, one per line"},
    {"moments", ilab_cmd_moments, "check schemes' sample moments and distribution against theory"},
    {"theory", ilab_cmd_theory, "predicted per-layer variances, fixed point, chi_1, criticality"},
    {"list", ilab_cmd_list, "list schemes and activations with their formulas"},
    {"check", ilab_cmd_check, "audit weight files (.npy .npz .safetensors text) against schemes"},
    {"bench", ilab_cmd_bench, "time a sweep against the BLAS peak"},
    {"spectrum", ilab_cmd_spectrum, "singular values of the input-output Jacobian beside free probability"},
    {"plot", ilab_cmd_plot, "draw the standard figures of a results folder with gnuplot"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
  fprintf(f, "Usage: initlab COMMAND [options]\n\n"
             "Measures, layer by layer, how weight initializers carry the variance of\n"
             "signals and gradients through deep networks, beside the theory.\n\n"
             "Commands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
  fprintf(f, "\n'initlab COMMAND --help' describes each command; 'initlab --version' (or\n"
             "'initlab COMMAND --version') prints the version.\n"
             "Exit status: 0 success, 1 runtime failure or failed check, 2 usage or input error.\n"
             "Installed plot scripts and experiments: %s/plots, %s/experiments.\n",
          ILAB_DATADIR, ILAB_DATADIR);
}

/* In build/initlab-mpi, cmd_mpi.c's main starts MPI and calls this on rank 0. */
#ifdef ILAB_MPI
int ilab_main(int argc, char **argv)
#else
int main(int argc, char **argv)
#endif
{
  /* The library checks every GSL status itself; GSL must not abort. */
  gsl_set_error_handler_off();
  if (argc < 2) {
    usage(stderr);
    return ILAB_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return cmd_close_stdout(ILAB_EXIT_OK);
  }
  if (!strcmp(argv[1], "--version")) {
    printf("initlab %s\n", ILAB_VERSION);
    return cmd_close_stdout(ILAB_EXIT_OK);
  }
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (!strcmp(argv[1], commands[i].name) && argc == 3 && !strcmp(argv[2], "--version")) {
      printf("initlab %s\n", ILAB_VERSION);
      return cmd_close_stdout(ILAB_EXIT_OK);
    }
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].fn(argc - 1, argv + 1);
  cmd_error("unknown command '%s'", argv[1]);
  usage(stderr);
  return ILAB_EXIT_USAGE;
}
