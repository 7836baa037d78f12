#!/bin/sh
# Prints every claim of every experiment under the results folder ($1,
# default results/) as one table, then the family-wise false-alarm
# probability of all claims together: at most the sum of their ALPHAs
# (Bonferroni, whatever their dependence), and 1 - prod(1 - ALPHA) were they
# independent.  Exits 1 when any claim failed, an experiment that states
# claims has no claims.tsv, a claim states no noise model (no ALPHA), or the
# family-wise bound exceeds 1 %.
res=${1:-results}
fail=0 all=""
printf '%-14s %5s  %-8s  %-8s  %-8s  %s\n' experiment line verdict alpha detects "claim (measured)"
for cfg in experiments/*.cfg; do
  name=$(basename "$cfg" .cfg)
  # claims.tsv holds the 'claim' lines' verdicts, train_claims.tsv the 'train_claim' lines'
  for kind in claim train_claim; do
  grep -q "^$kind\b" "$cfg" || continue
  t="$res/$name/${kind}s.tsv"
  if [ ! -f "$t" ]; then
    printf '%-14s %5s  %-8s  %s\n' "$name" - MISSING "no $t: the run failed or did not happen"
    fail=1
    continue
  fi
  grep -v '^#' "$t" | awk -F'\t' -v name="$name" 'NR > 1 {
      m = ($4 == $5) ? sprintf("%.4g", $4) : sprintf("%.4g .. %.4g", $4, $5)
      d = ($12 == "" || $12 == "nan") ? "-" : ($12 == "inf" ? "none" : sprintf("%.2g%%", 100 * $12))
      printf "%-14s %5s  %-8s  %-8s  %-8s  %s  (%s)\n", name, $2, $8, ($9 == "" ? "nan" : $9), d, $3, m }'
  grep -v '^#' "$t" | awk -F'\t' 'NR > 1 && $8 != "pass" {bad = 1} END {exit bad}' || fail=1
  all="$all $t"
  done
done
# shellcheck disable=SC2086
[ -n "$all" ] && cat $all | grep -v '^#' | awk -F'\t' '
  $1 == "experiment" { next }
  { n++; if ($9 == "" || $9 == "nan") bare++; else { s += $9; p = p + log(1 - $9) } }
  END {
    printf "%d claims, %d with a noise model; family-wise false-alarm probability <= %.3g %% (sum of alpha), %.3g %% were they independent\n",
           n, n - bare, 100 * s, 100 * (1 - exp(p))
    if (bare) printf "%d claims state no false-alarm probability\n", bare
    exit (bare > 0 || s > 0.01) }' || fail=1
echo "$( [ $fail -eq 0 ] && echo 'all claims hold' || echo 'SOME CLAIMS FAIL or lack a noise model')"
exit $fail
