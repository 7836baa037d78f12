/* Result tables written atomically: temporary file, checked writes, rename. */
#include "table.h"
#include "ilab.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ilab_table_open(ilab_table *t, const char *path)
{
  memset(t, 0, sizeof *t);
  size_t n = strlen(path);
  t->path = strdup(path);
  t->tmp = malloc(n + 16);
  if (!t->path || !t->tmp) {
    free(t->path); free(t->tmp);
    memset(t, 0, sizeof *t);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  }
  snprintf(t->tmp, n + 16, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(t->tmp);
  if (fd < 0) {
    int e = errno;
    free(t->path); free(t->tmp);
    memset(t, 0, sizeof *t);
    ILAB_ERROR(ILAB_EIO, "cannot create a file beside %s: %s", path, strerror(e));
  }
  /* mkstemp creates the file 0600; a result table gets the mode any other
   * new file would (0666 less the umask), as if made by fopen.  Reading the
   * umask sets it twice; tables are opened by the main thread only. */
  mode_t mask = umask(0);
  umask(mask);
  const char *what = "set the mode of";
  if (fchmod(fd, 0666 & ~mask) == 0) {
    what = "open";
    if ((t->f = fdopen(fd, "w"))) return ILAB_OK;
  }
  int e = errno;
  close(fd);
  unlink(t->tmp);
  free(t->path);
  free(t->tmp);
  memset(t, 0, sizeof *t);
  ILAB_ERROR(ILAB_EIO, "cannot %s a file beside %s: %s", what, path, strerror(e));
}

void ilab_table_comment(ilab_table *t, const char *fmt, ...)
{
  assert(t->f);
  va_list ap;
  fputs("# ", t->f);
  va_start(ap, fmt);
  vfprintf(t->f, fmt, ap);
  va_end(ap);
  fputc('\n', t->f);
}

/* An argument as a POSIX shell reads it back: bare if made of safe
 * characters only, else in single quotes with each ' written '\''. */
static void put_arg(FILE *f, const char *s)
{
  static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,+-";
  if (*s && strspn(s, safe) == strlen(s)) {
    fputs(s, f);
    return;
  }
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputs("'\\''", f);
    else if (*s == '\n') fputs("'$'\\n''", f); /* keeps the comment on one line */
    else fputc(*s, f);
  }
  fputc('\'', f);
}

void ilab_provenance_write(FILE *f, const ilab_provenance *p)
{
  fprintf(f, "# initlab %s: %s\n# command: initlab", ILAB_VERSION, p->what);
  for (int i = 0; i < p->argc; i++) {
    fputc(' ', f);
    put_arg(f, p->argv[i]);
  }
  fputc('\n', f);
  if (p->has_seed)
    fprintf(f, "# seed: %lu  generator: %s%s\n", p->seed, p->generator, p->note ? p->note : "");
}

void ilab_table_provenance(ilab_table *t, const ilab_provenance *p) { ilab_provenance_write(t->f, p); }

void ilab_table_comment_block(ilab_table *t, const char *prefix, const char *text)
{
  const char *p = text;
  while (*p) {
    size_t n = strcspn(p, "\n"), shown = n;
    if (shown && p[shown - 1] == '\r') shown--; /* a CRLF file: no CR inside an LF table */
    fprintf(t->f, "# %s%.*s\n", prefix, (int)shown, p);
    p += n;
    if (*p == '\n') p++;
  }
}

static void sep(ilab_table *t)
{
  assert(t->f); /* an open table: not yet committed or aborted */
  if (t->col++) fputc('\t', t->f);
}

void ilab_table_format(double x, char *buf)
{
  if (isnan(x)) strcpy(buf, "nan");
  else if (isinf(x)) strcpy(buf, x > 0 ? "inf" : "-inf");
  else snprintf(buf, 32, "%.17g", x);
}

void ilab_table_str(ilab_table *t, const char *s) { sep(t); fputs(s, t->f); }

void ilab_table_num(ilab_table *t, double x)
{
  char buf[32];
  ilab_table_format(x, buf);
  sep(t);
  fputs(buf, t->f);
}

void ilab_table_int(ilab_table *t, long long x) { sep(t); fprintf(t->f, "%lld", x); }

void ilab_table_end_row(ilab_table *t)
{
  assert(t->f);
  fputc('\n', t->f);
  t->col = 0;
}

void ilab_table_header(ilab_table *t, const char *names)
{
  const char *p = names;
  while (*p) {
    p += strspn(p, " ");
    size_t n = strcspn(p, " ");
    if (!n) break;
    sep(t);
    fprintf(t->f, "%.*s", (int)n, p);
    p += n;
  }
  ilab_table_end_row(t);
}

static void release(ilab_table *t)
{
  free(t->path);
  free(t->tmp);
  memset(t, 0, sizeof *t);
}

int ilab_table_commit(ilab_table *t)
{
  errno = 0;
  int bad = fflush(t->f) != 0 || ferror(t->f);
  /* a write that failed earlier may have left errno to later calls */
  int e = errno ? errno : EIO;
  if (!bad && fsync(fileno(t->f)) != 0 && errno != EINVAL) { bad = 1; e = errno; }
  if (fclose(t->f) != 0 && !bad) { bad = 1; e = errno; }
  t->f = NULL;
  if (!bad && rename(t->tmp, t->path) != 0) { bad = 1; e = errno; }
  if (bad) {
    unlink(t->tmp);
    int st = ilab_error(ILAB_EIO, "writing %s failed: %s", t->path, strerror(e));
    release(t);
    return st;
  }
  release(t);
  return ILAB_OK;
}

int ilab_table_commit_all(ilab_table *t, size_t n, const volatile sig_atomic_t *stop)
{
  sigset_t hold, prev;
  sigemptyset(&hold);
  sigaddset(&hold, SIGINT);
  sigaddset(&hold, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &hold, &prev);
  const char *unwritten = NULL;
  int st = ILAB_OK;
  errno = 0;
  for (size_t i = 0; i < n && !unwritten; i++)
    if (!t[i].f || fflush(t[i].f) != 0 || ferror(t[i].f)) unwritten = t[i].path ? t[i].path : "a table";
  if (unwritten)
    st = ilab_error(ILAB_EIO, "writing %s failed: %s", unwritten, strerror(errno ? errno : EIO));
  else if (stop && *stop)
    st = ilab_error(ILAB_EINTR, "interrupted by a signal");
  else
    for (size_t i = 0; i < n && !st; i++) st = ilab_table_commit(&t[i]);
  for (size_t i = 0; i < n; i++) ilab_table_abort(&t[i]); /* no-op for a committed table */
  pthread_sigmask(SIG_SETMASK, &prev, NULL);
  return st;
}

void ilab_table_abort(ilab_table *t)
{
  if (!t->tmp) return;
  if (t->f) fclose(t->f);
  unlink(t->tmp);
  release(t);
}
