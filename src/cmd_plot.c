/* initlab plot: the standard figures of a results folder, drawn by gnuplot
 * through a pipe from the tables alone. */
#include "cmd.h"
#include "ilab.h"
#include "plot.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CMD "plot"

static void usage(void)
{
  printf(
      "Usage: initlab plot RESULTS_DIR [-o PREFIX] [--format png|svg|pdf] [--only KEY=VALUE]...\n"
      "                    [--figure NAME]... [--script]\n"
      "\n"
      "Draws the standard figures of a results folder (what 'initlab run' wrote) from its\n"
      "tables alone, whatever the experiment: which figures, their panels, curves, axes and\n"
      "title come from the tables and columns present.  gnuplot draws them, fed through a\n"
      "pipe; the drawing is in plots/fig_NAME.gp and plots/style.gp.\n"
      "\n"
      "Figures (file PREFIXNAME.FORMAT), each drawn when its table is present:\n"
      "  variance  summary.tsv: Var(H_l) (forward), Var(dL/dX_l) (backward) and Var(dL/dW_l)\n"
      "            against layer l, one column of panels per activation, one curve per\n"
      "            scheme (and per width or other key column), measured mean over trials\n"
      "            solid with its 95%% t interval shaded, mean-field theory dashed, the\n"
      "            finite-width theory band in grey where the table has Q_theory_lo/_hi;\n"
      "            a last row of measured / theory.  A row is drawn on a log axis when its\n"
      "            values span more than two decades (max/min > 100).\n"
      "  hist      hist.tsv: the density of H_l, X_l and dL/dX_l, one panel per cell and\n"
      "            quantity, one curve per histogrammed layer.\n"
      "  claims    claims.tsv: each claim's measured value placed on its interval [lo, hi]\n"
      "            (drawn from 0 to 1), green when it holds, red when it fails.\n"
      "  NAME      any other table NAME.tsv with a 'layer' column and columns Q beside Q_theory\n"
      "            (spectrum.tsv, ...): each Q against layer as in the variance figure, with\n"
      "            Q_lo/Q_hi shaded and Q_ratio (else Q / Q_theory) in the last row; or\n"
      "            with a 'step', 'epoch' or 'iteration' column (train.tsv, ...): its\n"
      "            loss and accuracy columns against it.\n"
      "  quantities  summary.tsv's further columns Q beside Q_theory (beyond h_var, x_sq,\n"
      "            gx_var, gw_var), drawn the same way.\n"
      "  phase     summary.tsv with a 'sigma_b2' column of several values: the gradient's\n"
      "            per-layer factor chi_1 = (Var(dL/dX_a)/Var(dL/dX_L))^(1/(L-a)), a = L/5,\n"
      "            measured and from the theory columns, over the grid (sigma_w2, sigma_b2),\n"
      "            sigma_w2 = fan_in Var(W); blue < 1 (ordered), red > 1 (chaotic).\n"
      "  width     summary.tsv with a 'width' column of several values: against the width n,\n"
      "            log-log, the drift |measured/theory - 1| of Var(H_L) at the last layer and\n"
      "            of Var(dL/dX_1) at the first (finite-width corrections go like 1/n), and\n"
      "            any ln_* column at the last layer beside its ln_*_theory; each curve's\n"
      "            least-squares slope d ln y / d ln n is in its legend.\n"
      "The title is the experiment's question (the first sentence of its opening comment);\n"
      "depth, widths, trials and seed are read from the table.\n"
      "\n"
      "Options:\n"
      "  -o PREFIX         write PREFIXNAME.FORMAT [RESULTS_DIR/]; a PREFIX that is a folder\n"
      "                    ends with '/'\n"
      "  --format F        png, svg or pdf (cairo, for papers), or a comma list [png]\n"
      "  --only KEY=VALUE  draw only the rows whose column KEY is VALUE, e.g. act=relu,\n"
      "                    scheme=he_normal; repeat it: values of one key are alternatives,\n"
      "                    different keys must all match\n"
      "  --figure NAME     draw only this figure (variance, hist, claims, width, phase, or another\n"
      "                    table's NAME); repeatable\n"
      "  --script          print the gnuplot commands on stdout instead of running gnuplot\n"
      "  -h, --help        print this help and exit\n"
      "\n"
      "Environment: GNUPLOT, the gnuplot program [gnuplot]; INITLAB_DATADIR, the folder\n"
      "holding plots/style.gp [the source tree of a binary in its build/, else the\n"
      "installed share/initlab].\n"
      "Each figure is written under a temporary name and renamed into place, so a failed\n"
      "drawing leaves no half-written file.\n"
      "\n"
      "Example:  initlab run mine.cfg -o results/mine && initlab plot results/mine\n"
      "\n"
      "Exit status: 0 figures written; 1 gnuplot missing or failing, no known table in the\n"
      "folder, or no row left after --only; 2 usage error.\n");
}

static int is_dir_with_style(const char *dir)
{
  char p[4096];
  struct stat sb;
  if (snprintf(p, sizeof p, "%s/plots/style.gp", dir) >= (int)sizeof p) return 0;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The folder holding plots/style.gp: $INITLAB_DATADIR; else the source tree
 * the binary was built in (its folder's parent, ../ from build/), so that a
 * build tree draws with its own scripts even where an older copy is
 * installed; else the installed share/initlab (ILAB_DATADIR, which an
 * installed binary reaches, having no plots/ beside its bin/). */
static int find_datadir(char *out, size_t n)  /* n >= 4096 + 8 */
{
  const char *env = getenv("INITLAB_DATADIR");
  if (env && *env) {
    if (!is_dir_with_style(env)) {
      cmd_error("INITLAB_DATADIR=%s holds no plots/style.gp", env);
      return -1;
    }
    snprintf(out, n, "%s", env);
    return 0;
  }
  char exe[4096];
  ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (l > 0) {
    exe[l] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      char cand[4096 + 8];
      snprintf(cand, sizeof cand, "%s/..", exe);
      if (is_dir_with_style(cand)) {
        snprintf(out, n, "%s", cand);
        return 0;
      }
    }
  }
#ifdef ILAB_DATADIR
  if (is_dir_with_style(ILAB_DATADIR)) {
    snprintf(out, n, "%s", ILAB_DATADIR);
    return 0;
  }
#endif
  cmd_error("cannot find initlab's gnuplot scripts (plots/style.gp): set INITLAB_DATADIR to the "
            "folder that holds plots/, e.g. the source tree or PREFIX/share/initlab");
  return -1;
}

/* Whether prog runs: a path that is executable, or a name found on PATH. */
static int have_program(const char *prog)
{
  if (strchr(prog, '/')) return access(prog, X_OK) == 0;
  const char *path = getenv("PATH");
  if (!path) return 0;
  char buf[4096];
  while (*path) {
    size_t l = strcspn(path, ":");
    if (snprintf(buf, sizeof buf, "%.*s/%s", (int)l, l ? path : ".", prog) < (int)sizeof buf &&
        access(buf, X_OK) == 0)
      return 1;
    path += l;
    if (*path == ':') path++;
  }
  return 0;
}

/* Runs gnuplot on the commands of figure k; returns 0 when it exited 0. */
static int draw(const char *gnuplot, const char *dir, const ilab_plot_figure *f, const char *outbase,
                const ilab_plot_options *o)
{
  int fd[2];
  if (pipe(fd)) {
    cmd_error("pipe: %s", strerror(errno));
    return -1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    cmd_error("fork: %s", strerror(errno));
    close(fd[0]);
    close(fd[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(fd[0], 0);
    close(fd[0]);
    close(fd[1]);
    execlp(gnuplot, gnuplot, (char *)NULL);
    fprintf(stderr, "initlab: error: cannot run %s: %s\n", gnuplot, strerror(errno));
    _exit(127);
  }
  close(fd[0]);
  FILE *gp = fdopen(fd[1], "w");
  int st = gp ? ilab_plot_write(gp, dir, f, outbase, o) : ILAB_ENOMEM;
  if (gp) {
    if (fclose(gp) && !st) st = ilab_error(ILAB_EIO, "writing to gnuplot: %s", strerror(errno));
  } else close(fd[1]);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
  if (st) {
    cmd_error("%s", ilab_error_reason());
    return -1;
  }
  if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
    cmd_error("gnuplot failed on the %s figure of %s (exit %d)", f->name, dir,
              WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    return -1;
  }
  return 0;
}

enum { OPT_FORMAT = 256, OPT_ONLY, OPT_FIGURE, OPT_SCRIPT };

int ilab_cmd_plot(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'},
      {"format", required_argument, NULL, OPT_FORMAT},
      {"only", required_argument, NULL, OPT_ONLY},
      {"figure", required_argument, NULL, OPT_FIGURE},
      {"script", no_argument, NULL, OPT_SCRIPT},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *prefix = NULL, *formats = "png";
  const char *want[ILAB_PLOT_MAX_FIGURES];
  size_t nwant = 0;
  int script = 0;
  ilab_plot_options o = {0};
  static char keys[ILAB_PLOT_MAX_ONLY][256];
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'o': prefix = optarg; break;
    case OPT_FORMAT: formats = optarg; break;
    case OPT_ONLY: {
      const char *eq = strchr(optarg, '=');
      if (!eq || eq == optarg || !eq[1] || (size_t)(eq - optarg) >= sizeof keys[0])
        return cmd_usage_error(CMD, "--only wants KEY=VALUE (e.g. act=relu), not '%s'", optarg);
      if (o.nonly == ILAB_PLOT_MAX_ONLY)
        return cmd_usage_error(CMD, "at most %d --only options", ILAB_PLOT_MAX_ONLY);
      memcpy(keys[o.nonly], optarg, (size_t)(eq - optarg));
      keys[o.nonly][eq - optarg] = '\0';
      o.only_key[o.nonly] = keys[o.nonly];
      o.only_value[o.nonly++] = eq + 1;
      break;
    }
    case OPT_FIGURE:
      if (!*optarg || strchr(optarg, '/'))
        return cmd_usage_error(CMD, "--figure: '%s' is not a figure's name (variance, hist, claims, width, "
                               "or a table's name)", optarg);
      if (nwant == ILAB_PLOT_MAX_FIGURES)
        return cmd_usage_error(CMD, "at most %d --figure options", ILAB_PLOT_MAX_FIGURES);
      want[nwant++] = optarg;
      break;
    case OPT_SCRIPT: script = 1; break;
    case 'h': usage(); return cmd_close_stdout(ILAB_EXIT_OK);
    default: return cmd_bad_option(CMD);
    }
  }
  if (optind >= argc) return cmd_usage_error(CMD, "a results folder is needed");
  if (optind + 1 < argc) return cmd_usage_error(CMD, "one results folder, not '%s' as well", argv[optind + 1]);
  const char *dir = argv[optind];
  /* the formats: a comma list of png, svg, pdf, written space-separated for gnuplot */
  char fmts[64] = "";
  {
    const char *s = formats;
    while (*s) {
      size_t l = strcspn(s, ",");
      if (!((l == 3 && (!strncmp(s, "png", 3) || !strncmp(s, "svg", 3) || !strncmp(s, "pdf", 3)))))
        return cmd_usage_error(CMD, "--format: '%s' is not png, svg, pdf or a comma list of them", formats);
      if (strlen(fmts) + 5 < sizeof fmts) {
        size_t fl = strlen(fmts);
        snprintf(fmts + fl, sizeof fmts - fl, "%s%.3s", fl ? " " : "", s);
      }
      s += l;
      if (*s == ',') s++;
    }
    if (!fmts[0]) return cmd_usage_error(CMD, "--format: give png, svg or pdf");
  }
  o.format = fmts;

  struct stat sb;
  if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) {
    cmd_error("%s: %s", dir, stat(dir, &sb) ? strerror(errno) : "not a folder");
    return ILAB_EXIT_RUNTIME;
  }
  ilab_plot_figure figs[ILAB_PLOT_MAX_FIGURES];
  size_t nfig = 0;
  if (ilab_plot_detect(dir, figs, ILAB_PLOT_MAX_FIGURES, &nfig)) {
    cmd_error("%s", ilab_error_reason());
    return ILAB_EXIT_RUNTIME;
  }
  if (!nfig) {
    cmd_error("%s has no table that initlab plot knows (summary.tsv, hist.tsv, claims.tsv): "
              "is it a folder written by 'initlab run'?", dir);
    return ILAB_EXIT_RUNTIME;
  }
  if (nwant) {
    /* keep the figures named, in the folder's order; name the missing ones */
    int missing = 0;
    for (size_t w = 0; w < nwant; w++) {
      size_t i = 0;
      while (i < nfig && strcmp(figs[i].name, want[w])) i++;
      if (i == nfig) {
        cmd_error("%s has no table for a '%s' figure", dir, want[w]);
        missing = 1;
      }
    }
    size_t m = 0;
    for (size_t i = 0; i < nfig; i++) {
      int keep = 0;
      for (size_t w = 0; w < nwant; w++) keep |= !strcmp(figs[i].name, want[w]);
      if (keep) figs[m++] = figs[i];
    }
    nfig = m;
    if (missing) return ILAB_EXIT_RUNTIME;
  }

  char datadir[4096 + 8];
  if (find_datadir(datadir, sizeof datadir)) return ILAB_EXIT_RUNTIME;
  char plotdir[4200];
  snprintf(plotdir, sizeof plotdir, "%s/plots", datadir);
  o.plotdir = plotdir;

  char pre[4096];
  if (prefix) snprintf(pre, sizeof pre, "%s", prefix);
  else snprintf(pre, sizeof pre, "%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/");

  if (script) {
    int st = 0;
    for (size_t i = 0; i < nfig && !st; i++) {
      char base[4200];
      snprintf(base, sizeof base, "%s%s", pre, figs[i].name);
      st = ilab_plot_write(stdout, dir, &figs[i], base, &o);
    }
    if (st) {
      cmd_error("%s", ilab_error_reason());
      return ILAB_EXIT_RUNTIME;
    }
    return cmd_close_stdout(ILAB_EXIT_OK);
  }

  const char *gnuplot = getenv("GNUPLOT");
  if (!gnuplot || !*gnuplot) gnuplot = "gnuplot";
  if (!have_program(gnuplot)) {
    cmd_error("gnuplot is not installed (scripts/deps.sh installs it), or set GNUPLOT to its path "
              "(GNUPLOT=%s)", gnuplot);
    return ILAB_EXIT_RUNTIME;
  }
  signal(SIGPIPE, SIG_IGN);  /* a gnuplot that dies shows as a write error */
  int fail = 0;
  for (size_t i = 0; i < nfig; i++) {
    const char *name = figs[i].name;
    char base[4200], tmp[4300], from[4400], to[4400];
    snprintf(base, sizeof base, "%s%s", pre, name);
    snprintf(tmp, sizeof tmp, "%s.part%ld", base, (long)getpid());
    int bad = draw(gnuplot, dir, &figs[i], tmp, &o);
    const char *s = fmts;
    while (*s) {
      snprintf(from, sizeof from, "%s.%.3s", tmp, s);
      snprintf(to, sizeof to, "%s.%.3s", base, s);
      if (bad) unlink(from);
      else if (rename(from, to)) {
        cmd_error("cannot write %s: %s", to, strerror(errno));
        unlink(from);
        bad = 1;
      } else fprintf(stderr, "initlab plot: wrote %s\n", to);
      s += 3;
      while (*s == ' ') s++;
    }
    fail |= bad;
  }
  return fail ? ILAB_EXIT_RUNTIME : ILAB_EXIT_OK;
}
