#!/bin/sh
# The moment regression check: every preset, at two fan shapes and fixed
# seeds, draws the law it claims (initlab moments exits 0 and every row says
# pass); the audit finds the framework defaults' known ratios.  n = 400000
# draws per scheme: at the table's family-wise level 1e-3 this detects a
# relative variance error of about 1.3% (normal laws) with 90% power.
bin=${1:-build/initlab}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
out=$(mktemp); trap 'rm -f "$out"' EXIT

for shape in "512 256" "100 1000"; do
  set -- $shape
  if "$bin" moments --fan-in "$1" --fan-out "$2" -n 400000 --seed 20261129 >"$out" 2>&1; then ok; else bad "moments at fans ($1, $2) exits non-zero"; fi
  rows=$(grep -v '^#' "$out" | awk -F'\t' 'NR > 1' | wc -l)
  passes=$(grep -v '^#' "$out" | awk -F'\t' 'NR > 1 && $NF == "pass"' | wc -l)
  [ "$rows" -ge 10 ] && [ "$rows" -eq "$passes" ] && ok || bad "fans ($1, $2): $passes of $rows rows pass"
  grep -v '^#' "$out" | awk -F'\t' 'NR > 1 && $NF != "pass" {print "  " $0}'
done

# The audit: measured/promised variance near the exact ratio (within its 95%
# interval, checked by the row's own z-test) and the ratios themselves.
if "$bin" moments --audit -n 400000 >"$out" 2>&1; then ok; else bad "moments --audit exits non-zero"; fi
check_ratio() { # scheme expected-exact-ratio
  r=$(grep -v '^#' "$out" | awk -F'\t' -v s="$1" '$1 == s {print $13}')
  awk -v r="$r" -v e="$2" 'BEGIN {exit !(r != "" && (r - e) < 1e-9 && (e - r) < 1e-9)}' && ok || bad "audit $1: exact ratio $r, expected $2"
}
check_ratio torch_linear 0.33333333333333
check_ratio darknet_connected 0.33333333333333
check_ratio tf1_truncated 0.77374130355
check_ratio tf1_contrib 1.00586369461

# (That the check fails a wrong sampler is tested in tests/test_moments.c.)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
