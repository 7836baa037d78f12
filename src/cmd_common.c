/* Helpers shared by the subcommands: error messages, strict number and size
 * parsing, default seed and generator, checked close of stdout, folders, and
 * the progress line. */
#include "cmd.h"
#include "ilab.h"
#include "platform.h"
#include "stream.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cmd_error(const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  fputs("initlab: error: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int cmd_usage_error(const char *command, const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "initlab %s: ", command);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'initlab %s --help' for more information.\n", command);
  return ILAB_EXIT_USAGE;
}

int cmd_bad_option(const char *command)
{
  /* getopt_long has already named the bad option on stderr */
  fprintf(stderr, "Try 'initlab %s --help' for more information.\n", command);
  return ILAB_EXIT_USAGE;
}

int cmd_parse_double(const char *command, const char *option, const char *s,
                     double lo, double hi, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0') {
    cmd_usage_error(command, "option %s: '%s' is not a number", option, s);
    return -1;
  }
  if (!isfinite(v) || (errno == ERANGE && fabs(v) >= 1)) {
    cmd_usage_error(command, "option %s: '%s' is not a finite number", option, s);
    return -1;
  }
  if (errno == ERANGE) {
    cmd_usage_error(command, "option %s: '%s' underflows double", option, s);
    return -1;
  }
  if (v < lo || v > hi) {
    cmd_usage_error(command, "option %s: %s is out of range [%g, %g]", option, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

int cmd_parse_ulong(const char *command, const char *option, const char *s,
                    unsigned long lo, unsigned long hi, unsigned long *out)
{
  char *end;
  errno = 0;
  /* strtoul accepts "-1" and wraps it; refuse a sign outright */
  const char *p = s;
  while (*p == ' ' || *p == '\t') p++;
  if (*p == '-' || *p == '+') {
    cmd_usage_error(command, "option %s: '%s' is not a whole number >= %lu", option, s, lo);
    return -1;
  }
  unsigned long v = strtoul(s, &end, 10);
  if (end == s || *end != '\0') {
    cmd_usage_error(command, "option %s: '%s' is not a whole number", option, s);
    return -1;
  }
  if (errno == ERANGE || v < lo || v > hi) {
    cmd_usage_error(command, "option %s: %s is out of range [%lu, %lu]", option, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

unsigned long cmd_default_seed(void)
{
  const char *s = getenv("GSL_RNG_SEED");
  if (s && *s) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end == '\0' && errno == 0) return v;
  }
  return 42;
}

int cmd_close_stdout(int status)
{
  errno = 0;
  if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
    /* a write that failed earlier may have left errno to later calls */
    cmd_error("writing to standard output failed: %s", strerror(errno ? errno : EIO));
    return ILAB_EXIT_RUNTIME;
  }
  return status;
}

int cmd_parse_variance(const char *command, const char *option, const char *s, double *out)
{
  if (cmd_parse_double(command, option, s, 0, CMD_VAR_MAX, out)) return -1;
  if (*out != 0 && *out < CMD_VAR_MIN) {
    cmd_usage_error(command, "option %s: %s is neither 0 nor in [%g, %g]", option, s, CMD_VAR_MIN, CMD_VAR_MAX);
    return -1;
  }
  return 0;
}

int cmd_parse_range(const char *command, const char *option, const char *s, double lo,
                    double hi, cmd_range *r)
{
  if (!ilab_range_is(s)) {
    memset(r, 0, sizeof *r);
    if (cmd_parse_double(command, option, s, lo, hi, &r->lo)) return -1;
    r->hi = r->lo;
    r->n = 1;
    return 0;
  }
  if (ilab_range_parse(s, r)) {
    cmd_usage_error(command, "option %s: %s", option, ilab_error_reason());
    return -1;
  }
  if (r->lo < lo || r->hi > hi) {
    cmd_usage_error(command, "option %s: %s leaves the range [%g, %g]", option, s, lo, hi);
    return -1;
  }
  return 0;
}

double cmd_range_at(const cmd_range *r, size_t i) { return ilab_range_at(r, i); }

int cmd_rng_type(const gsl_rng_type **type)
{
  if (ilab_stream_type(getenv("GSL_RNG_TYPE"), type)) {
    cmd_error("%s", ilab_error_reason());
    return ILAB_EXIT_USAGE;
  }
  return ILAB_EXIT_OK;
}

int cmd_parse_bytes(const char *s, size_t *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  double mult = 1;
  if (end == s || !isfinite(v) || v <= 0 || errno) return -1;
  if (*end) {
    /* one of K, M, G, T (either case), optionally followed by B or iB;
     * strchr would find the terminator for a blank (' ' & ~0x20 is 0) */
    const char *u = "KMGT";
    char unit = (char)(*end & ~0x20);
    const char *p = unit ? strchr(u, unit) : NULL;
    if (!p || (end[1] && !(end[1] == 'B' && !end[2]) && !(end[1] == 'i' && end[2] == 'B' && !end[3]))) return -1;
    mult = pow(1024, (double)(p - u + 1));
  }
  if (v * mult >= 1.8e19) return -1;
  *out = (size_t)(v * mult);
  return 0;
}

size_t cmd_default_max_memory(void)
{
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return (size_t)4 << 30;
  return (size_t)((double)pages * (double)size * 0.75);
}

int cmd_output_folder(const char *dir)
{
  if (cmd_make_dirs(dir) != 0) {
    cmd_error("cannot create the output folder %s: %s", dir, strerror(errno));
    return -1;
  }
  if (access(dir, W_OK) != 0) {
    cmd_error("the output folder %s is not writable: %s", dir, strerror(errno));
    return -1;
  }
  return 0;
}

void cmd_catch_signals(void (*handler)(int))
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int cmd_make_dirs(const char *path)
{
  char buf[4096];
  if (!*path) { errno = ENOENT; return -1; }
  if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
      *p = '/';
    }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
  struct stat st;
  if (stat(buf, &st) != 0) return -1;
  if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
  return 0;
}

/* The progress line: a thread that wakes every half second and prints how
 * many of total the counter *done has reached. */
struct cmd_progress {
  const char *label;
  volatile size_t *done;
  size_t total;
  int finished;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
};

static void *progress_loop(void *arg)
{
  cmd_progress *p = arg;
  double t0 = ilab_clock_now();
  int shown = 0;
  pthread_mutex_lock(&p->lock);
  while (!p->finished) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 500000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(&p->cond, &p->lock, &until);
    if (p->finished) break;
    double el = ilab_clock_now() - t0;
    if (el < 2) continue; /* quiet for short runs */
    size_t done = *p->done;
    double left = done ? el * (double)(p->total - done) / (double)done : NAN;
    fprintf(stderr, "\r%s: %zu/%zu cells, %.0f s elapsed, ", p->label, done, p->total, el);
    if (isfinite(left)) fprintf(stderr, "~%.0f s left   ", left);
    else fprintf(stderr, "estimating...   ");
    shown = 1;
  }
  pthread_mutex_unlock(&p->lock);
  if (shown) fprintf(stderr, "\r%60s\r", "");
  return NULL;
}

cmd_progress *cmd_progress_start(const char *label, volatile size_t *done, size_t total)
{
  if (!isatty(STDERR_FILENO)) return NULL;
  cmd_progress *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->label = label;
  p->done = done;
  p->total = total;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->cond, NULL);
  if (pthread_create(&p->thread, NULL, progress_loop, p) != 0) { free(p); return NULL; }
  return p;
}

void cmd_progress_stop(cmd_progress *p)
{
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->finished = 1;
  pthread_cond_signal(&p->cond);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->cond);
  free(p);
}

const char *cmd_default_outdir(const char *file, char *buf, size_t n)
{
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  snprintf(buf, n, "results/%.*s", (int)strcspn(base, "."), base);
  return buf;
}
