/* initlab theory (not yet written). */
#include "cmd.h"

int ilab_cmd_theory(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  cmd_error("'theory' is not available yet");
  return EXIT_RUNTIME;
}
