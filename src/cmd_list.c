/* initlab list: every scheme and activation with its formula. */
#include "act.h"
#include "cmd.h"
#include "scheme.h"

#include <getopt.h>

int ilab_cmd_list(int argc, char **argv)
{
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      printf("Usage: initlab list\n\nPrints every scheme (with its law and variance) and every\n"
             "activation (with phi and the gain PyTorch recommends), tab-separated.\n");
      return cmd_close_stdout(ILAB_EXIT_OK);
    }
    return cmd_bad_option("list");
  }
  if (optind < argc) return cmd_usage_error("list", "takes no arguments; unexpected '%s'", argv[optind]);
  printf("# schemes: n = fan_in, fan_out or (fan_in+fan_out)/2 by mode; any preset takes\n"
         "# dist=normal|truncated_normal|uniform, mode=fan_in|fan_out|fan_avg and correct=0|1\n"
         "# (divide a truncated normal's sd by 0.8796, default 1); every scheme, the fixed laws\n"
         "# and the audit defaults included, takes gain=G (multiplies the sd, or the constant).\n");
  printf("kind\tspec\tlaw\tnote\n");
  for (size_t i = 0; i < ilab_scheme_table_size; i++) {
    const ilab_scheme_entry *e = &ilab_scheme_table[i];
    printf("%s\t%s\t%s\t%s\n", e->audit ? "audit" : "scheme", e->spec, e->formula, e->note);
  }
  for (int i = 0; ilab_act_names[i]; i++) {
    ilab_act a;
    ilab_act_parse(ilab_act_names[i], &a);
    printf("activation\t%s\t%s\tgain %.6g\n", ilab_act_names[i], ilab_act_formula(a.kind), ilab_act_gain(&a));
  }
  return cmd_close_stdout(ILAB_EXIT_OK);
}
