/* initlab list: every scheme and activation with its formula and gains. */
#include "act.h"
#include "cmd.h"
#include "ilab.h"
#include "scheme.h"
#include "theory.h"

#include <math.h>

#include <getopt.h>

int ilab_cmd_list(int argc, char **argv)
{
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      printf("Usage: initlab list\n\nPrints every scheme (with its law and variance) and every\n"
             "activation (with phi, the gain PyTorch's calculate_gain recommends, and the exact\n"
             "gains 'initlab theory --act A --gain' explains: 1/sqrt E[phi(z)^2], NFNets' gamma =\n"
             "1/sqrt Var phi(z), and sqrt(1/E[phi'(z)^2]), which makes chi1 = 1 at q* = 1), and\n"
             "whether phi' is read from X or from H, tab-separated.  Exit status 0, 1 on a write\n"
             "error, 2 on a usage error.\n");
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
  ilab_theory_workspace *w = ilab_theory_workspace_alloc(ILAB_THEORY_EPSABS, ILAB_THEORY_EPSREL);
  if (!w) {
    cmd_error("%s", ilab_error_reason());
    return ILAB_EXIT_RUNTIME;
  }
  int st = ILAB_OK;
  for (int i = 0; ilab_act_names[i] && st == ILAB_OK; i++) {
    ilab_act a;
    ilab_theory_gains g;
    ilab_act_parse(ilab_act_names[i], &a);
    if ((st = ilab_theory_gain(w, &a, &g)) != ILAB_OK) break;
    char pt[32] = "none";
    if (!isnan(ilab_act_gain(&a))) snprintf(pt, sizeof pt, "%.6g", ilab_act_gain(&a));
    printf("activation\t%s\t%s\tgain: PyTorch %s, 1/sqrt E[phi^2] %.8g, gamma %.8g, chi1=1 at q*=1 %.8g;"
           " phi' from %s\n", ilab_act_names[i], ilab_act_formula(a.kind), pt, g.second_moment, g.gamma,
           g.critical, ilab_act_needs_h(&a) ? "H (kept: phi is not monotonic)" : "X");
  }
  ilab_theory_workspace_free(w);
  if (st != ILAB_OK) {
    cmd_error("%s", ilab_error_reason());
    return cmd_close_stdout(ILAB_EXIT_RUNTIME);
  }
  return cmd_close_stdout(ILAB_EXIT_OK);
}
