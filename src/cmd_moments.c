/* initlab moments (not yet written). */
#include "cmd.h"

int ilab_cmd_moments(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  cmd_error("'moments' is not available yet");
  return EXIT_RUNTIME;
}
