/* initlab bench (not yet written). */
#include "cmd.h"

int ilab_cmd_bench(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  cmd_error("'bench' is not available yet");
  return EXIT_RUNTIME;
}
