#!/bin/sh
# Prints every claim of every experiment under the results folder ($1,
# default results/) as one table, and exits 1 when any failed or an
# experiment that states claims has no claims.tsv.
res=${1:-results}
fail=0 n=0
printf '%-14s %5s  %-8s  %s\n' experiment line verdict "claim (measured)"
for cfg in experiments/*.cfg; do
  name=$(basename "$cfg" .cfg)
  grep -q '^claim' "$cfg" || continue
  t="$res/$name/claims.tsv"
  if [ ! -f "$t" ]; then
    printf '%-14s %5s  %-8s  %s\n' "$name" - MISSING "no $t: the run failed or did not happen"
    fail=1
    continue
  fi
  grep -v '^#' "$t" | awk -F'\t' -v name="$name" 'NR > 1 {
      m = ($4 == $5) ? sprintf("%.4g", $4) : sprintf("%.4g .. %.4g", $4, $5)
      printf "%-14s %5s  %-8s  %s  (%s)\n", name, $2, $8, $3, m }'
  n=$((n + $(grep -v '^#' "$t" | awk 'NR > 1' | wc -l)))
  grep -v '^#' "$t" | awk -F'\t' 'NR > 1 && $8 != "pass" {bad = 1} END {exit bad}' || fail=1
done
echo "$n claims, $( [ $fail -eq 0 ] && echo 'all hold' || echo 'SOME FAIL')"
exit $fail
