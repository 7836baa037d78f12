/* Tests of the result tables: provenance, header, tab-separated cells, numbers
 * that round-trip exactly, and the atomic write (temporary file, checked
 * writes, rename; abort and write failures leave the previous file). */
#include "ilab.h"
#include "table.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/ilab_test_table.XXXXXX";

/* The whole of a file, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, k;
  char *buf = malloc(cap + 1);
  while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) {
      char *nb = realloc(buf, 2 * cap + 1);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  return buf;
}

static void spit(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f) { fputs(text, f); fclose(f); }
}

/* Files in dir whose name contains ".tmp.". */
static int count_tmp(void)
{
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  if (!d) return -1;
  while ((e = readdir(d))) n += strstr(e->d_name, ".tmp.") != NULL;
  closedir(d);
  return n;
}

/* Numbers that must come back bit for bit: awkward decimals, the extremes of
 * double, subnormals, negative zero. */
static const double numbers[] = {0.1, 1.0 / 3.0, -2.0 / 3.0, 3.141592653589793, 1e300, -1e-300,
                                 DBL_MAX, -DBL_MAX, DBL_MIN, 4.9406564584124654e-324, DBL_EPSILON,
                                 0.0, -0.0, 123456789012345678.0, 0.12500000000000003, 1.0 - DBL_EPSILON / 2};
#define NNUM (sizeof numbers / sizeof numbers[0])

static void test_format(void)
{
  char buf[32];
  ilab_table_format(INFINITY, buf);
  ilab_test(!strcmp(buf, "inf"), "format +inf (got '%s')", buf);
  ilab_test(!strcmp((ilab_table_format(-INFINITY, buf), buf), "-inf"), "format -inf (got '%s')", buf);
  ilab_test(!strcmp((ilab_table_format(NAN, buf), buf), "nan"), "format nan (got '%s')", buf);
  ilab_test(!strcmp((ilab_table_format(-NAN, buf), buf), "nan"), "format -NAN as nan, never -nan (got '%s')", buf);
  ilab_test(!strcmp((ilab_table_format(copysign(NAN, -1.0), buf), buf), "nan"), "format copysign(NAN, -1) as nan (got '%s')", buf);
  ilab_test(!strcmp((ilab_table_format(0.1, buf), buf), "0.10000000000000001"), "format 0.1 as %%.17g (got '%s')", buf);
  ilab_test(!strcmp((ilab_table_format(-DBL_MAX, buf), buf), "-1.7976931348623157e+308"), "format -DBL_MAX fits (got '%s')", buf);
  for (size_t i = 0; i < NNUM; i++) {
    ilab_table_format(numbers[i], buf);
    double back = strtod(buf, NULL);
    ilab_test(memcmp(&back, &numbers[i], sizeof back) == 0, "format %s round-trips bit for bit", buf);
  }
}

static void test_write_and_read_back(void)
{
  char path[256];
  snprintf(path, sizeof path, "%s/t.tsv", dir);
  ilab_table t;
  int st = ilab_table_open(&t, path);
  ilab_test_int(st, ILAB_OK, "open (reason: %s)", st ? ilab_error_reason() : "");
  if (st) return;
  ilab_test(t.f != NULL && t.tmp != NULL && strstr(t.tmp, "/t.tsv.tmp.") != NULL, "temporary beside the target (%s)", t.tmp);
  ilab_test_int(count_tmp(), 1, "one temporary while writing");
  struct stat sb;
  ilab_test(stat(path, &sb) != 0 && errno == ENOENT, "final name absent before commit");
  ilab_table_comment(&t, "initlab %s: test table", ILAB_VERSION);
  ilab_table_comment(&t, "seed: %d", 42);
  ilab_table_comment_block(&t, "| ", "# the question\r\nwidth = 8\r\n\ndepth = 3");
  ilab_table_header(&t, "name  value int");
  for (size_t i = 0; i < NNUM; i++) {
    ilab_table_str(&t, "row");
    ilab_table_num(&t, numbers[i]);
    ilab_table_int(&t, (long long)i - 3);
    ilab_table_end_row(&t);
  }
  ilab_table_str(&t, "special");
  ilab_table_num(&t, INFINITY);
  ilab_table_num(&t, -INFINITY);
  ilab_table_num(&t, NAN);
  ilab_table_num(&t, -NAN);
  ilab_table_end_row(&t);
  st = ilab_table_commit(&t);
  ilab_test_int(st, ILAB_OK, "commit (reason: %s)", st ? ilab_error_reason() : "");
  ilab_test(t.f == NULL && t.tmp == NULL && t.path == NULL, "commit releases the table");
  ilab_test_int(count_tmp(), 0, "no *.tmp.* file left after commit");
  ilab_test(stat(path, &sb) == 0 && S_ISREG(sb.st_mode), "final file in place");
  ilab_test_int((long)(sb.st_mode & 0777), 0644, "mode 0666 less the umask 022, like any new file");

  char *text = slurp(path);
  ilab_test(text != NULL, "read back");
  if (!text) return;
  ilab_test(!strstr(text, "\r"), "no CR carried from a CRLF experiment file");
  const char *want_head =
      "# initlab " ILAB_VERSION ": test table\n"
      "# seed: 42\n"
      "# | # the question\n"
      "# | width = 8\n"
      "# | \n"
      "# | depth = 3\n"
      "name\tvalue\tint\n";
  ilab_test(!strncmp(text, want_head, strlen(want_head)), "provenance lines then the header");
  char *line = text + strlen(want_head), *next;
  size_t rows = 0;
  for (; *line; line = next) {
    char *nl = strchr(line, '\n');
    ilab_test(nl != NULL, "row %zu ends with a newline", rows);
    if (!nl) break;
    *nl = '\0';
    next = nl + 1;
    char *cells[8];
    int nc = 0;
    for (char *c = line;; ) {
      char *tab = strchr(c, '\t');
      if (nc < 8) cells[nc++] = c;
      if (!tab) break;
      *tab = '\0';
      c = tab + 1;
    }
    if (rows < NNUM) {
      ilab_test_int(nc, 3, "row %zu: three tab-separated cells", rows);
      if (nc != 3) { rows++; continue; }
      char *end;
      double back = strtod(cells[1], &end);
      ilab_test(*end == '\0' && memcmp(&back, &numbers[rows], sizeof back) == 0,
                "row %zu: '%s' round-trips through strtod exactly", rows, cells[1]);
      ilab_test(!strcmp(cells[0], "row") && strtol(cells[2], NULL, 10) == (long)rows - 3, "row %zu: string and integer", rows);
    } else {
      ilab_test_int(nc, 5, "special row: five cells");
      if (nc == 5)
        ilab_test(!strcmp(cells[1], "inf") && !strcmp(cells[2], "-inf") && !strcmp(cells[3], "nan") &&
                      !strcmp(cells[4], "nan"), "inf, -inf, nan, and nan for -NAN (got %s %s %s %s)",
                  cells[1], cells[2], cells[3], cells[4]);
    }
    rows++;
  }
  ilab_test_int((long)rows, (long)NNUM + 1, "every row written");
  free(text);

  /* a second commit under the same name replaces the file */
  st = ilab_table_open(&t, path);
  if (!st) {
    ilab_table_header(&t, "just a header");
    st = ilab_table_commit(&t);
  }
  ilab_test_int(st, ILAB_OK, "second table under the same name");
  text = slurp(path);
  ilab_test(text && !strcmp(text, "just\ta\theader\n"), "the second table replaced the first");
  free(text);
  unlink(path);
}

static void test_abort(void)
{
  char path[256];
  snprintf(path, sizeof path, "%s/keep.tsv", dir);
  spit(path, "old\tresult\n1\t2\n");
  ilab_table t;
  int st = ilab_table_open(&t, path);
  ilab_test_int(st, ILAB_OK, "open over an existing file");
  if (st) return;
  ilab_table_header(&t, "new result");
  ilab_table_num(&t, 3);
  ilab_table_end_row(&t);
  ilab_table_abort(&t);
  ilab_test(t.f == NULL && t.tmp == NULL, "abort releases the table");
  ilab_table_abort(&t); /* a second abort does nothing */
  char *text = slurp(path);
  ilab_test(text && !strcmp(text, "old\tresult\n1\t2\n"), "abort leaves the previous file untouched");
  free(text);
  ilab_test_int(count_tmp(), 0, "abort removes the temporary");
  unlink(path);
}

static void test_open_fails(void)
{
  char path[256];
  snprintf(path, sizeof path, "%s/no/such/folder/t.tsv", dir);
  ilab_table t;
  int st = ilab_table_open(&t, path);
  ilab_test_int(st, ILAB_EIO, "open in a missing folder: ILAB_EIO");
  ilab_test(strstr(ilab_error_reason(), path) && strstr(ilab_error_reason(), "No such file"),
            "open: reason names the path and the cause (%s)", ilab_error_reason());
  ilab_test(t.f == NULL && t.tmp == NULL && t.path == NULL, "failed open leaves the table empty");
  ilab_table_abort(&t); /* safe */
}

/* The final name is a folder: everything is written, the rename fails. */
static void test_rename_fails(void)
{
  char path[256];
  snprintf(path, sizeof path, "%s/adir", dir);
  mkdir(path, 0777);
  ilab_table t;
  int st = ilab_table_open(&t, path);
  ilab_test_int(st, ILAB_OK, "open beside a folder of the same name");
  if (st) { rmdir(path); return; }
  ilab_table_header(&t, "a b");
  st = ilab_table_commit(&t);
  ilab_test_int(st, ILAB_EIO, "rename onto a folder: ILAB_EIO");
  ilab_test(strstr(ilab_error_reason(), "writing") && strstr(ilab_error_reason(), path),
            "rename failure: reason (%s)", ilab_error_reason());
  struct stat sb;
  ilab_test(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode), "the folder is still there");
  ilab_test_int(count_tmp(), 0, "rename failure removes the temporary");
  rmdir(path);
}

/* A full disk: the table's stream is pointed at /dev/full, which accepts
 * opening and fails every write with ENOSPC.  The temporary made by open
 * stays on disk (empty), as it would when a real disk fills up. */
static void test_full_disk(void)
{
  FILE *full = fopen("/dev/full", "w");
  if (!full) {
    /* no /dev/full here (not Linux, or a minimal container): nothing to test */
    ilab_test_skip("full disk: /dev/full is not available");
    return;
  }
  char path[256];
  snprintf(path, sizeof path, "%s/full.tsv", dir);
  spit(path, "previous\n");
  ilab_table t;
  int st = ilab_table_open(&t, path);
  ilab_test_int(st, ILAB_OK, "open before the disk fills");
  if (st) { fclose(full); return; }
  fclose(t.f);
  t.f = full;
  ilab_table_comment(&t, "provenance");
  ilab_table_header(&t, "x y");
  for (int i = 0; i < 10000; i++) { /* ~ 200 KiB, well past any stdio buffer */
    ilab_table_num(&t, i / 7.0);
    ilab_table_int(&t, i);
    ilab_table_end_row(&t);
  }
  st = ilab_table_commit(&t);
  ilab_test_int(st, ILAB_EIO, "commit on a full disk: ILAB_EIO");
  ilab_test(strstr(ilab_error_reason(), "writing") && strstr(ilab_error_reason(), path) &&
                strstr(ilab_error_reason(), "No space left"),
            "full disk: reason names the file and the cause (%s)", ilab_error_reason());
  char *text = slurp(path);
  ilab_test(text && !strcmp(text, "previous\n"), "full disk: the previous file is untouched");
  free(text);
  ilab_test_int(count_tmp(), 0, "full disk: the temporary is removed");
  ilab_test(t.f == NULL && t.tmp == NULL, "full disk: table released");

  /* The same with a short table, whose bytes all sit in the stdio buffer
   * until commit flushes them. */
  full = fopen("/dev/full", "w");
  st = full ? ilab_table_open(&t, path) : -1;
  if (!st) {
    fclose(t.f);
    t.f = full;
    ilab_table_header(&t, "x");
    st = ilab_table_commit(&t);
    ilab_test_int(st, ILAB_EIO, "short table on a full disk: the flush fails, ILAB_EIO");
    text = slurp(path);
    ilab_test(text && !strcmp(text, "previous\n"), "short table: the previous file is untouched");
    free(text);
    ilab_test_int(count_tmp(), 0, "short table: the temporary is removed");
  } else {
    ilab_test(0, "second open for the full-disk check");
    if (full) fclose(full);
  }
  unlink(path);
}

/* The provenance lines, to a file and to a table: the version and what, the
 * command with unsafe arguments quoted for a shell, the seed line only when
 * the table draws. */
static void test_provenance(void)
{
  char *argv[] = {"run", "a b.cfg", "it's", "-o", "x/y"};
  ilab_provenance p = {"what it holds", 5, argv, 1, 42, "taus2", "  (a note)"};
  char path[4200];
  snprintf(path, sizeof path, "%s/prov.txt", dir);
  FILE *f = fopen(path, "w");
  ilab_provenance_write(f, &p);
  p.has_seed = 0;
  p.argc = 1;
  ilab_provenance_write(f, &p);
  fclose(f);
  char *got = slurp(path);
  const char *want = "# initlab " ILAB_VERSION ": what it holds\n"
                     "# command: initlab run 'a b.cfg' 'it'\\''s' -o x/y\n"
                     "# seed: 42  generator: taus2  (a note)\n"
                     "# initlab " ILAB_VERSION ": what it holds\n"
                     "# command: initlab run\n";
  ilab_test(got && !strcmp(got, want), "provenance lines (got:\n%s)", got ? got : "(unreadable)");
  free(got);
  unlink(path);
  ilab_table t;
  snprintf(path, sizeof path, "%s/prov.tsv", dir);
  p.has_seed = 1;
  p.argc = 5;
  p.note = NULL;
  ilab_test_int(ilab_table_open(&t, path), ILAB_OK, "provenance: open");
  ilab_table_provenance(&t, &p);
  ilab_table_header(&t, "a b");
  ilab_test_int(ilab_table_commit(&t), ILAB_OK, "provenance: commit");
  got = slurp(path);
  ilab_test(got && strstr(got, "# seed: 42  generator: taus2\na\tb\n"), "a table's provenance, no note");
  free(got);
  unlink(path);
}

/* Several tables committed all or none. */
static void test_commit_all(void)
{
  char p[3][256];
  ilab_table t[3];
  for (int i = 0; i < 3; i++) {
    snprintf(p[i], sizeof p[i], "%s/all%d.tsv", dir, i);
    spit(p[i], "old\n");
  }
  for (int i = 0; i < 3; i++) { ilab_table_open(&t[i], p[i]); ilab_table_header(&t[i], "new"); }
  volatile sig_atomic_t stop = SIGTERM;
  ilab_test_int(ilab_table_commit_all(t, 3, &stop), ILAB_EINTR, "commit_all after a signal: ILAB_EINTR");
  int old = 1;
  for (int i = 0; i < 3; i++) { char *x = slurp(p[i]); old &= x && !strcmp(x, "old\n"); free(x); }
  ilab_test(old, "commit_all after a signal: every previous file untouched");
  ilab_test_int(count_tmp(), 0, "commit_all after a signal: no temporary left");
  ilab_test(t[0].f == NULL && t[2].tmp == NULL, "commit_all releases every table");

  for (int i = 0; i < 3; i++) { ilab_table_open(&t[i], p[i]); ilab_table_header(&t[i], "new"); }
  stop = 0;
  ilab_test_int(ilab_table_commit_all(t, 3, &stop), ILAB_OK, "commit_all");
  int fresh = 1;
  for (int i = 0; i < 3; i++) { char *x = slurp(p[i]); fresh &= x && !strcmp(x, "new\n"); free(x); }
  ilab_test(fresh, "commit_all: every table in place");

  /* one table on a full disk: none is renamed */
  FILE *full = fopen("/dev/full", "w");
  if (full) {
    for (int i = 0; i < 3; i++) ilab_table_open(&t[i], p[i]);
    fclose(t[1].f);
    t[1].f = full;
    for (int i = 0; i < 3; i++) ilab_table_header(&t[i], "newer");
    ilab_test_int(ilab_table_commit_all(t, 3, NULL), ILAB_EIO, "commit_all with one table unwritable: ILAB_EIO");
    ilab_test(strstr(ilab_error_reason(), p[1]) != NULL, "the reason names the unwritten table (%s)", ilab_error_reason());
    int kept = 1;
    for (int i = 0; i < 3; i++) { char *x = slurp(p[i]); kept &= x && !strcmp(x, "new\n"); free(x); }
    ilab_test(kept, "commit_all with one table unwritable: no table renamed, not even the first");
    ilab_test_int(count_tmp(), 0, "commit_all with one table unwritable: no temporary left");
  }
  for (int i = 0; i < 3; i++) unlink(p[i]);
}

int main(void)
{
  umask(022);
  if (!mkdtemp(dir)) {
    printf("FAIL: mkdtemp (%s)\n0 passed, 1 failed\n", strerror(errno));
    return 1;
  }
  test_format();
  test_write_and_read_back();
  test_abort();
  test_open_fails();
  test_rename_fails();
  test_full_disk();
  test_provenance();
  test_commit_all();
  ilab_test(rmdir(dir) == 0, "every file the tests made is gone (rmdir: %s)", strerror(errno));
  return ilab_test_summary();
}
