/* Tests of the shard module: FNV-1a against its published values, the
 * longest-processing-time split (every unit placed once, deterministic, the
 * largest load within Graham's 4/3 of a lower bound on the best, exact on
 * cases whose best split is known), and the costs of an experiment's units. */
#include "config.h"
#include "ilab.h"
#include "shard.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void test_hash(void)
{
  /* FNV-1a 64 test vectors (Fowler, Noll & Vo, the reference test suite):
   * "" -> offset basis, "a" -> af63dc4c8601ec8c, "foobar" -> 85944171f73967e8 */
  ilab_test(ilab_shard_hash("", 0, ILAB_SHARD_HASH0) == 0xcbf29ce484222325ULL, "FNV-1a of the empty string");
  ilab_test(ilab_shard_hash("a", 1, ILAB_SHARD_HASH0) == 0xaf63dc4c8601ec8cULL, "FNV-1a of \"a\"");
  ilab_test(ilab_shard_hash("foobar", 6, ILAB_SHARD_HASH0) == 0x85944171f73967e8ULL, "FNV-1a of \"foobar\"");
  ilab_test(ilab_shard_hash("bar", 3, ilab_shard_hash("foo", 3, ILAB_SHARD_HASH0)) == 0x85944171f73967e8ULL,
            "FNV-1a continues across calls");
}

/* The loads of a split. */
static void loads(const double *cost, const size_t *owner, size_t nu, size_t n, double *load)
{
  memset(load, 0, n * sizeof *load);
  for (size_t u = 0; u < nu; u++) load[owner[u]] += cost[u];
}

static void test_assign(void)
{
  enum { NU = 1000, NMAX = 7 };
  double cost[NU], load[NMAX];
  size_t owner[NU], again[NU];
  /* unequal costs, as shapes of widths 8..256 and depths 1..50 give */
  unsigned long x = 12345;
  double total = 0, big = 0;
  for (size_t u = 0; u < NU; u++) {
    x = x * 6364136223846793005UL + 1442695040888963407UL; /* Knuth's MMIX LCG: fixed, portable */
    double w = (double)(8 + (x >> 33) % 249), d = (double)(1 + (x >> 20) % 50);
    cost[u] = w * w * d;
    total += cost[u];
    if (cost[u] > big) big = cost[u];
  }
  for (size_t n = 1; n <= NMAX; n++) {
    ilab_test_int(ilab_shard_assign(cost, NU, n, owner), ILAB_OK, "assign %zu shards", n);
    int valid = 1;
    for (size_t u = 0; u < NU; u++) valid &= owner[u] < n;
    ilab_test(valid, "n = %zu: every unit has a shard in 0..n-1", n);
    ilab_shard_assign(cost, NU, n, again);
    ilab_test(!memcmp(owner, again, sizeof owner), "n = %zu: the same split twice", n);
    loads(cost, owner, NU, n, load);
    double mx = 0, sum = 0;
    for (size_t k = 0; k < n; k++) {
      sum += load[k];
      if (load[k] > mx) mx = load[k];
    }
    ilab_test_rel(sum, total, 1e-12, "n = %zu: the loads add up to the total cost", n);
    /* the best largest load is at least max(total/n, the largest unit); LPT
     * stays within 4/3 - 1/(3n) of the best (Graham 1969) */
    double lb = total / (double)n > big ? total / (double)n : big;
    ilab_test(mx <= (4.0 / 3.0 - 1.0 / (3.0 * (double)n)) * lb, "n = %zu: largest load %.6g within Graham's bound of %.6g",
              n, mx, lb);
    /* with 1000 units of comparable cost LPT is far better than its bound */
    ilab_test(mx <= 1.01 * lb, "n = %zu: largest load %.6g within 1%% of the lower bound %.6g", n, mx, lb);
  }
  /* known answers: costs 3 3 2 2 2 on 2 shards: LPT gives 3+2+2 | 3+2 (7 vs
   * the best 6, Graham's classic example); equal costs go round robin */
  double c5[5] = {3, 3, 2, 2, 2}, l2[2];
  size_t o5[5];
  ilab_shard_assign(c5, 5, 2, o5);
  loads(c5, o5, 5, 2, l2);
  ilab_test(o5[0] == 0 && o5[1] == 1 && o5[2] == 0 && o5[3] == 1 && o5[4] == 0 && l2[0] == 7 && l2[1] == 5,
            "3 3 2 2 2 on 2 shards: LPT's 7 | 5");
  double c6[6] = {1, 1, 1, 1, 1, 1};
  size_t o6[6];
  ilab_shard_assign(c6, 6, 4, o6);
  ilab_test(o6[0] == 0 && o6[1] == 1 && o6[2] == 2 && o6[3] == 3 && o6[4] == 0 && o6[5] == 1,
            "equal costs: round robin from the lowest index");
  ilab_test_int(ilab_shard_assign(c6, 6, 0, o6), ILAB_EINVAL, "no shards: EINVAL");
  ilab_test_int(ilab_shard_assign(c6, 0, 3, o6), ILAB_OK, "no units: nothing to place");
}

static void test_costs(void)
{
  const char *text = "activations = relu tanh\nschemes = he_normal lecun_normal glorot_normal\n"
                     "width = 8 32\ndepth = 2 5\nbatch = 3\ntrials = 4 2\n";
  ilab_config c;
  int st = ilab_config_parse("costs.cfg", text, strlen(text), &c);
  ilab_test_int(st, ILAB_OK, "parse the costs experiment %s", ilab_error_reason());
  if (st) return;
  size_t nsh = ilab_config_n_points(&c), nu = 6 * nsh;
  ilab_test_int((long)nsh, 4, "2 widths x 2 depths: 4 shapes");
  double *cost = malloc(nu * sizeof *cost);
  ilab_test_int(ilab_shard_costs(&c, cost), ILAB_OK, "costs");
  /* trials x batch x depth x width^2: shape k = width index x 2 + depth index */
  const double want[4] = {4 * 3 * 2 * 64.0, 4 * 3 * 5 * 64.0, 2 * 3 * 2 * 1024.0, 2 * 3 * 5 * 1024.0};
  int same = 1;
  for (size_t cell = 0; cell < 6; cell++)
    for (size_t k = 0; k < nsh; k++) same &= cost[ilab_shard_unit(cell, k, nsh)] == want[k];
  ilab_test(same, "every unit costs trials x batch x sum n_{l-1} n_l of its shape");
  free(cost);
  ilab_config_free(&c);
}

int main(void)
{
  test_hash();
  test_assign();
  test_costs();
  return ilab_test_summary();
}
