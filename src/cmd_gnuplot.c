/* gnuplot for the commands that draw ('initlab plot', 'initlab check
 * --plot'): finding it and the scripts' folder, and feeding it through a pipe. */
#include "cmd.h"
#include "ilab.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int is_dir_with_style(const char *dir)
{
  char p[4096];
  struct stat sb;
  if (snprintf(p, sizeof p, "%s/plots/style.gp", dir) >= (int)sizeof p) return 0;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

int cmd_plot_datadir(char *out, size_t n)
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

int cmd_have_program(const char *prog)
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

const char *cmd_gnuplot_find(void)
{
  const char *gnuplot = getenv("GNUPLOT");
  if (!gnuplot || !*gnuplot) gnuplot = "gnuplot";
  if (!cmd_have_program(gnuplot)) {
    cmd_error("gnuplot is not installed (scripts/deps.sh installs it), or set GNUPLOT to its path "
              "(GNUPLOT=%s)", gnuplot);
    return NULL;
  }
  signal(SIGPIPE, SIG_IGN);  /* a gnuplot that dies shows as a write error */
  return gnuplot;
}

int cmd_gnuplot_run(const char *gnuplot, cmd_gnuplot_writer write, void *ctx, const char *what)
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
  int st = gp ? write(gp, ctx) : ILAB_ENOMEM;
  if (gp) {
    if (fclose(gp) && !st) st = ilab_error(ILAB_EIO, "writing to gnuplot: %s", strerror(errno));
  } else close(fd[1]);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
  /* a gnuplot that failed first: our writes then fail too, as a consequence */
  if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
    cmd_error("gnuplot failed on %s (exit %d)", what, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    return -1;
  }
  if (st) {
    cmd_error("%s", ilab_error_reason());
    return -1;
  }
  return 0;
}
