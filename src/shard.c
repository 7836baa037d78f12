/* Shards (see shard.h): the cost-balanced split of a sweep's units and the
 * folder that carries one shard's raw results to the merge. */
#include "shard.h"
#include "ilab.h"
#include "table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAGIC "ILABSHRD"
#define FORMAT 1u
#define ENDIAN 0x01020304u /* reads back otherwise on a machine of the other byte order */

int ilab_shard_costs(const ilab_config *c, double *cost)
{
  size_t nsh = ilab_config_n_points(c), ncells = c->n_acts * c->n_schemes;
  for (size_t k = 0; k < nsh; k++) {
    ilab_config v;
    int st = ilab_config_point(c, k, &v);
    if (st) return st;
    double madds = 0;
    for (size_t l = 1; l <= v.depth; l++) madds += (double)v.widths[l - 1] * (double)v.widths[l];
    double unit = (double)v.trials * (double)v.batch * madds;
    ilab_config_point_free(&v);
    for (size_t cell = 0; cell < ncells; cell++) cost[ilab_shard_unit(cell, k, nsh)] = unit;
  }
  return ILAB_OK;
}

typedef struct {
  double cost;
  size_t u;
} job;

static int by_cost(const void *a, const void *b)
{
  const job *x = a, *y = b;
  if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
  return x->u < y->u ? -1 : x->u > y->u;
}

/* The heap of shards by (load, index), smallest on top. */
typedef struct {
  double load;
  size_t shard;
} slot;

static int less(const slot *a, const slot *b)
{
  return a->load < b->load || (a->load == b->load && a->shard < b->shard);
}

static void sift_down(slot *h, size_t n, size_t i)
{
  for (;;) {
    size_t m = i, l = 2 * i + 1, r = l + 1;
    if (l < n && less(&h[l], &h[m])) m = l;
    if (r < n && less(&h[r], &h[m])) m = r;
    if (m == i) return;
    slot t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

int ilab_shard_assign(const double *cost, size_t n_units, size_t n, size_t *owner)
{
  if (n == 0) ILAB_ERROR(ILAB_EINVAL, "no shards");
  job *order = malloc((n_units ? n_units : 1) * sizeof *order);
  slot *heap = malloc(n * sizeof *heap);
  if (!order || !heap) {
    free(order);
    free(heap);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory for the split of %zu units", n_units);
  }
  for (size_t u = 0; u < n_units; u++) order[u] = (job){cost[u], u};
  qsort(order, n_units, sizeof *order, by_cost);
  /* all loads 0 in increasing index: already a heap */
  for (size_t i = 0; i < n; i++) heap[i] = (slot){0, i};
  for (size_t i = 0; i < n_units; i++) {
    owner[order[i].u] = heap[0].shard;
    heap[0].load += order[i].cost;
    sift_down(heap, n, 0);
  }
  free(order);
  free(heap);
  return ILAB_OK;
}

uint64_t ilab_shard_hash(const void *p, size_t n, uint64_t h)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 0x100000001b3ULL; /* the 64-bit FNV prime */
  }
  return h;
}

/* ---- writing --------------------------------------------------------------- */

static void put(ilab_shard_writer *w, const void *p, size_t n)
{
  fwrite(p, 1, n, w->f);
  w->hash = ilab_shard_hash(p, n, w->hash);
  w->bytes += n;
}

static void put_u64(ilab_shard_writer *w, uint64_t x) { put(w, &x, sizeof x); }

/* The histogram slots (layer x quantity) of a cell of shape view v. */
static size_t hist_slots(const ilab_config *v) { return v->n_hist * 3; }

static void put_header(ilab_shard_writer *w, size_t units)
{
  uint32_t fmt = FORMAT, endian = ENDIAN;
  put(w, MAGIC, 8);
  put(w, &fmt, sizeof fmt);
  put(w, &endian, sizeof endian);
  put_u64(w, sizeof(ilab_layer_stats));
  put_u64(w, units);
}

void ilab_shard_spill(ilab_shard_writer *w, FILE *f)
{
  memset(w, 0, sizeof *w);
  w->f = f;
  w->hash = ILAB_SHARD_HASH0;
}

int ilab_shard_begin(ilab_shard_writer *w, const char *dir, size_t units)
{
  char path[4200];
  memset(w, 0, sizeof *w);
  snprintf(path, sizeof path, "%s/units.bin", dir);
  int st = ilab_table_open(&w->t[0], path);
  if (st) return st;
  w->f = w->t[0].f;
  w->hash = ILAB_SHARD_HASH0;
  w->dir = dir;
  w->units = units;
  put_header(w, units);
  return ILAB_OK;
}

uint64_t ilab_shard_put(ilab_shard_writer *w, const ilab_sweep *s, size_t u, size_t sc)
{
  const ilab_config *v = s->cfg;
  uint64_t at = w->bytes;
  put_u64(w, u);
  put_u64(w, v->trials);
  put_u64(w, v->depth);
  put_u64(w, v->n_hist);
  put_u64(w, v->hist_bins);
  put(w, ilab_sweep_at(s, sc, 0, 1), v->trials * v->depth * sizeof(ilab_layer_stats));
  size_t nh = hist_slots(v);
  if (nh) {
    put(w, s->hist_lo + sc * nh, nh * sizeof(double));
    put(w, s->hist_hi + sc * nh, nh * sizeof(double));
    put(w, s->hist + sc * nh * (v->hist_bins + 2), nh * (v->hist_bins + 2) * sizeof *s->hist);
  }
  w->written++;
  return at;
}

/* Opens dir/name's temporary (ilab_table's: a file beside it, renamed on commit). */
static int open_in(ilab_table *t, const char *dir, const char *name)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return ilab_table_open(t, path);
}

void ilab_shard_abort(ilab_shard_writer *w)
{
  for (int i = 0; i < 3; i++)
    if (w->t[i].f) ilab_table_abort(&w->t[i]);
  w->f = NULL;
}

int ilab_shard_finish(ilab_shard_writer *w, const ilab_config *c, ilab_shard_manifest *m, volatile sig_atomic_t *stop)
{
  if (strchr(c->path, '\n') || strchr(c->path, '\t')) {
    ilab_shard_abort(w);
    ILAB_ERROR(ILAB_EINVAL, "the experiment's file name holds a tab or a newline, which a manifest cannot record");
  }
  if (w->written != w->units) {
    ilab_shard_abort(w);
    ILAB_ERROR(ILAB_EINVAL, "shard: %zu units written of the %zu announced", w->written, w->units);
  }
  m->units = w->units;
  m->data_bytes = w->bytes;
  m->data_hash = w->hash;
  int st = open_in(&w->t[1], w->dir, "experiment.cfg");
  if (!st) {
    fputs(c->text, w->t[1].f);
    st = open_in(&w->t[2], w->dir, "manifest.tsv");
  }
  if (st) {
    ilab_shard_abort(w);
    return st;
  }
  FILE *f = w->t[2].f;
  fprintf(f, "# initlab shard: 'initlab merge -o OUT DIR...' joins the shards of one run\n");
  fprintf(f, "version\t%s\nexperiment\t%s\nhash\t%016" PRIx64 "\nseed\t%lu\ngenerator\t%s\n", m->version, m->path,
          m->hash, m->seed, m->generator);
  fprintf(f, "shard\t%zu/%zu\nunits\t%zu\ndata_bytes\t%" PRIu64 "\ndata_hash\t%016" PRIx64 "\n", m->k, m->n,
          m->units, m->data_bytes, m->data_hash);
  /* the manifest is renamed last: a folder with one holds a whole shard */
  st = ilab_table_commit_all(w->t, 3, stop);
  memset(w->t, 0, sizeof w->t);
  w->f = NULL;
  return st;
}

/* ---- reading --------------------------------------------------------------- */

static int read_all(const char *path, char **text, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f) ILAB_ERROR(ILAB_EIO, "cannot open %s: %s", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  for (size_t r; b && (r = fread(b + n, 1, cap - 1 - n, f)) > 0;) {
    n += r;
    if (n + 1 == cap) {
      char *nb = realloc(b, cap *= 2);
      if (!nb) { free(b); b = NULL; }
      b = nb;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!b) ILAB_ERROR(ILAB_ENOMEM, "out of memory reading %s", path);
  if (bad) {
    free(b);
    ILAB_ERROR(ILAB_EIO, "cannot read %s", path);
  }
  b[n] = 0;
  *text = b;
  *len = n;
  return ILAB_OK;
}

/* Copies value into dst (n bytes) if it fits. */
static int copy_value(char *dst, size_t n, const char *value)
{
  if (strlen(value) >= n) return -1;
  strcpy(dst, value);
  return 0;
}

int ilab_shard_read_manifest(const char *dir, ilab_shard_manifest *m, char **text, size_t *len)
{
  char path[4200], *mt = NULL;
  size_t mlen;
  memset(m, 0, sizeof *m);
  *text = NULL;
  snprintf(path, sizeof path, "%s/manifest.tsv", dir);
  struct stat sb;
  if (stat(path, &sb) != 0)
    ILAB_ERROR(ILAB_EIO, "%s: no shard manifest (%s): not a folder of 'initlab run --shard', or its run did not finish",
               dir, path);
  int st = read_all(path, &mt, &mlen);
  if (st) return st;
  unsigned seen = 0;
  int line = 0;
  for (char *s = mt, *next; *s; s = next) {
    next = strchr(s, '\n');
    if (next) *next++ = 0;
    else next = s + strlen(s);
    line++;
    if (*s == '#' || !*s) continue;
    char *tab = strchr(s, '\t'), *end = NULL;
    if (!tab) goto bad;
    *tab = 0;
    const char *key = s, *val = tab + 1;
    errno = 0;
    if (!strcmp(key, "version")) {
      if (copy_value(m->version, sizeof m->version, val)) goto bad;
      seen |= 1;
    } else if (!strcmp(key, "experiment")) {
      if (copy_value(m->path, sizeof m->path, val)) goto bad;
      seen |= 2;
    } else if (!strcmp(key, "hash")) {
      m->hash = strtoull(val, &end, 16);
      seen |= 4;
    } else if (!strcmp(key, "seed")) {
      m->seed = strtoul(val, &end, 10);
      seen |= 8;
    } else if (!strcmp(key, "generator")) {
      if (copy_value(m->generator, sizeof m->generator, val)) goto bad;
      seen |= 16;
    } else if (!strcmp(key, "shard")) {
      m->k = strtoul(val, &end, 10);
      if (*end != '/') goto bad;
      m->n = strtoul(end + 1, &end, 10);
      if (m->k < 1 || m->k > m->n) goto bad;
      seen |= 32;
    } else if (!strcmp(key, "units")) {
      m->units = strtoul(val, &end, 10);
      seen |= 64;
    } else if (!strcmp(key, "data_bytes")) {
      m->data_bytes = strtoull(val, &end, 10);
      seen |= 128;
    } else if (!strcmp(key, "data_hash")) {
      m->data_hash = strtoull(val, &end, 16);
      seen |= 256;
    }
    if ((end && (*end || end == val)) || errno) goto bad;
    continue;
  bad:
    free(mt);
    ILAB_ERROR(ILAB_EPARSE, "%s:%d: not a line of a shard manifest", path, line);
  }
  free(mt);
  if (seen != 511) ILAB_ERROR(ILAB_EPARSE, "%s: a shard manifest misses some of its lines", path);
  snprintf(path, sizeof path, "%s/experiment.cfg", dir);
  if ((st = read_all(path, text, len))) return st;
  if (ilab_shard_hash(*text, *len, ILAB_SHARD_HASH0) != m->hash) {
    free(*text);
    *text = NULL;
    ILAB_ERROR(ILAB_EINVAL, "%s does not match the hash of its manifest: it was changed after the run", path);
  }
  return ILAB_OK;
}

typedef struct {
  FILE *f;
  uint64_t hash, bytes;
} source; /* a units file being read */

static int get(source *s, void *p, size_t n)
{
  if (fread(p, 1, n, s->f) != n) return -1;
  s->hash = ilab_shard_hash(p, n, s->hash);
  s->bytes += n;
  return 0;
}

static int get_u64(source *s, uint64_t *x) { return get(s, x, sizeof *x); }

int ilab_shard_shapes(const ilab_config *c, ilab_shard_shape *sh)
{
  size_t nsh = ilab_config_n_points(c);
  for (size_t k = 0; k < nsh; k++) {
    ilab_config v;
    int st = ilab_config_point(c, k, &v);
    if (st) return st;
    sh[k].trials = v.trials;
    sh[k].depth = v.depth;
    ilab_config_point_free(&v);
  }
  return ILAB_OK;
}

/* The bytes of a unit's record after its five-word head. */
static uint64_t record_body(const ilab_config *c, const ilab_shard_shape *sh)
{
  uint64_t nh = c->n_hist * 3;
  return (uint64_t)sh->trials * sh->depth * sizeof(ilab_layer_stats) + nh * 2 * sizeof(double) +
         (nh ? nh * (c->hist_bins + 2) * sizeof(unsigned long long) : 0);
}

/* Reads n bytes into the void, hashing them. */
static int skip(source *s, uint64_t n)
{
  unsigned char buf[65536];
  while (n) {
    size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
    if (get(s, buf, k)) return -1;
    n -= k;
  }
  return 0;
}

int ilab_shard_scan(const char *dir, const ilab_shard_manifest *m, const ilab_config *c, const ilab_shard_shape *sh,
                    const size_t *owner, unsigned char *seen, uint64_t *offset)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/units.bin", dir);
  FILE *f = fopen(path, "rb");
  if (!f) ILAB_ERROR(ILAB_EIO, "cannot open %s: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || (uint64_t)sb.st_size != m->data_bytes) {
    fclose(f);
    ILAB_ERROR(ILAB_EINVAL, "%s: %lld bytes where its manifest says %" PRIu64 ": a shard cut short or overwritten; run it again",
               path, (long long)sb.st_size, m->data_bytes);
  }
  source s = {f, ILAB_SHARD_HASH0, 0};
  char magic[8];
  uint32_t fmt, endian;
  uint64_t stat_size, units;
  const char *why = NULL;
  size_t nsh = ilab_config_n_points(c), nu = c->n_acts * c->n_schemes * nsh;
  if (get(&s, magic, 8) || get(&s, &fmt, sizeof fmt) || get(&s, &endian, sizeof endian) || get_u64(&s, &stat_size) ||
      get_u64(&s, &units))
    why = "cut short";
  else if (memcmp(magic, MAGIC, 8) || fmt != FORMAT)
    why = "not shard data of this format";
  else if (endian != ENDIAN)
    why = "written on a machine of the other byte order";
  else if (stat_size != sizeof(ilab_layer_stats))
    why = "written by a build whose per-layer record differs from this one's";
  else if (units != m->units)
    why = "holds another number of units than its manifest says";
  for (uint64_t i = 0; !why && i < units; i++) {
    uint64_t at = s.bytes, u, trials, depth, nhist, bins;
    if (get_u64(&s, &u) || get_u64(&s, &trials) || get_u64(&s, &depth) || get_u64(&s, &nhist) || get_u64(&s, &bins)) {
      why = "cut short";
      break;
    }
    if (u >= nu || owner[u] != m->k - 1) { why = "holds a cell that is not this shard's under this experiment's split"; break; }
    if (seen[u]) { why = "holds a cell twice"; break; }
    const ilab_shard_shape *d = &sh[u % nsh];
    if (trials != d->trials || depth != d->depth || nhist != c->n_hist || bins != c->hist_bins) {
      why = "holds a cell of another size than the experiment's";
      break;
    }
    if (skip(&s, record_body(c, d))) { why = "cut short"; break; }
    seen[u] = 1;
    offset[u] = at;
  }
  if (!why && (s.bytes != m->data_bytes || s.hash != m->data_hash || fgetc(f) != EOF))
    why = "does not match the size and hash of its manifest";
  fclose(f);
  if (why) ILAB_ERROR(ILAB_EINVAL, "%s: %s; run this shard again", path, why);
  return ILAB_OK;
}

int ilab_shard_get(FILE *f, const char *name, uint64_t offset, size_t u, ilab_sweep *s, size_t sc)
{
  const ilab_config *v = s->cfg;
  source in = {f, 0, 0};
  uint64_t head[5];
  size_t nh = hist_slots(v);
  if (fseeko(f, (off_t)offset, SEEK_SET) != 0 || get(&in, head, sizeof head))
    ILAB_ERROR(ILAB_EIO, "cannot read %s: %s", name, feof(f) ? "cut short" : strerror(errno));
  if (head[0] != u || head[1] != v->trials || head[2] != v->depth || head[3] != v->n_hist || head[4] != v->hist_bins)
    ILAB_ERROR(ILAB_EINVAL, "%s: the record at byte %" PRIu64 " is not cell %zu's", name, offset, u);
  if (get(&in, ilab_sweep_at(s, sc, 0, 1), v->trials * v->depth * sizeof(ilab_layer_stats)) ||
      (nh && (get(&in, s->hist_lo + sc * nh, nh * sizeof(double)) || get(&in, s->hist_hi + sc * nh, nh * sizeof(double)) ||
              get(&in, s->hist + sc * nh * (v->hist_bins + 2), nh * (v->hist_bins + 2) * sizeof *s->hist))))
    ILAB_ERROR(ILAB_EIO, "cannot read %s: cut short", name);
  return ILAB_OK;
}

/* Makes *v the view of cell (of c) alone in shape k: the shape's widths,
 * depth and trials with the cell's activation and scheme as the only ones. */
static int unit_view(const ilab_config *c, size_t cell, size_t k, ilab_config *v)
{
  int st = ilab_config_point(c, k, v);
  if (st) return st;
  size_t ai = cell / c->n_schemes, si = cell % c->n_schemes;
  /* windows of one entry on c's lists, which the view shares */
  v->acts = c->acts + ai;
  v->act_names = c->act_names + ai;
  v->schemes = c->schemes + si;
  v->n_acts = v->n_schemes = 1;
  return ILAB_OK;
}

struct ilab_shard_reporter {
  const ilab_config *c;
  unsigned long seed;
  const gsl_rng_type *rng_type;
  ilab_report_stream *r;
  ilab_config *v;          /* the view of the unit being written */
  size_t next, nu, nsh;    /* the first unit not yet written */
  size_t theory_failed;
};

void ilab_shard_report_abort(ilab_shard_reporter *rep)
{
  if (!rep) return;
  ilab_report_stream_abort(rep->r);
  free(rep->v);
  free(rep);
}

int ilab_shard_report_open(ilab_shard_reporter **out, const char *dir, const ilab_config *c, const ilab_report_command *cmd,
                           unsigned long seed, const gsl_rng_type *rng_type)
{
  *out = NULL;
  ilab_shard_reporter *rep = calloc(1, sizeof *rep);
  if (rep) rep->v = malloc(sizeof *rep->v);
  if (!rep || !rep->v) {
    free(rep);
    ILAB_ERROR(ILAB_ENOMEM, "out of memory");
  }
  rep->c = c;
  rep->seed = seed;
  rep->rng_type = rng_type;
  rep->nsh = ilab_config_n_points(c);
  rep->nu = c->n_acts * c->n_schemes * rep->nsh;
  int st = ilab_report_stream_open(&rep->r, dir, c, cmd, seed, rng_type->name, 0);
  if (st) {
    ilab_shard_report_abort(rep);
    return st;
  }
  *out = rep;
  return ILAB_OK;
}

int ilab_shard_report_drain(ilab_shard_reporter *rep, const ilab_shard_units *in, const unsigned char *ready,
                            const volatile sig_atomic_t *stop)
{
  const ilab_config *c = rep->c;
  ilab_config *v = rep->v;
  int st = ILAB_OK;
  for (; rep->next < rep->nu && !st; rep->next++) {
    size_t u = rep->next;
    if (!in->present[u]) continue;
    if (ready && !ready[u]) break;
    if (stop && *stop) ILAB_ERROR(ILAB_EINTR, "interrupted by a signal");
    size_t cell = u / rep->nsh, k = u % rep->nsh;
    ilab_sweep s;
    memset(&s, 0, sizeof s);
    if ((st = unit_view(c, cell, k, v))) break;
    size_t f = in->file ? in->file[u] : 0;
    s.seed = rep->seed;
    s.rng_type = rep->rng_type;
    s.threads = 1;
    /* a file not held open (many shards: the limit on open files) is opened for the unit */
    FILE *fp = in->f[f];
    if (!fp && !(fp = fopen(in->name[f], "rb"))) {
      st = ilab_error(ILAB_EIO, "cannot open %s: %s", in->name[f], strerror(errno));
      ilab_config_point_free(v);
      break;
    }
    if (!(st = ilab_sweep_alloc(&s, v)) && !(st = ilab_shard_get(fp, in->name[f], in->offset[u], u, &s, 0)) &&
        !(st = ilab_sweep_theory(&s))) {
      ilab_report_stream_theory(rep->r, s.theory_abserr, s.theory_failed);
      rep->theory_failed += s.theory_failed;
      st = ilab_report_stream_unit(rep->r, cell, k, &s, 0);
    }
    if (fp != in->f[f]) fclose(fp);
    ilab_sweep_free(&s);
    ilab_config_point_free(v);
  }
  return st;
}

int ilab_shard_report_close(ilab_shard_reporter *rep, volatile sig_atomic_t *stop, int *failed_claims,
                            size_t *theory_failed)
{
  *failed_claims = 0;
  *theory_failed = rep->theory_failed;
  int st = ilab_report_stream_close(rep->r, NULL, stop, failed_claims);
  rep->r = NULL;
  ilab_shard_report_abort(rep);
  return st;
}

int ilab_shard_report(const char *dir, const ilab_config *c, const ilab_shard_units *in, const ilab_report_command *cmd,
                      unsigned long seed, const gsl_rng_type *rng_type, volatile sig_atomic_t *stop, int *failed_claims,
                      size_t *theory_failed)
{
  ilab_shard_reporter *rep;
  *failed_claims = 0;
  *theory_failed = 0;
  int st = ilab_shard_report_open(&rep, dir, c, cmd, seed, rng_type);
  if (st) return st;
  if ((st = ilab_shard_report_drain(rep, in, NULL, stop))) {
    ilab_shard_report_abort(rep);
    return st;
  }
  return ilab_shard_report_close(rep, stop, failed_claims, theory_failed);
}
