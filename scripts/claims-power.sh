#!/bin/sh
# For each experiment named (default: all), runs it with seeds 1..N (default
# 8) and with a planted error of gain 1.02 and 0.98 in every scheme's
# standard deviation (scripts/plant-gain.sh: S becomes S:gain=G, or S,gain=G,
# and a spec that has gain=g already gets gain=g*G), and prints
# per claim how many seeds it held for and whether each planted run failed
# it.  Claims about one scheme only see that scheme, so planting the error in
# every scheme at once tests each scheme's claims as a separate run would.
# Usage: scripts/claims-power.sh [-n SEEDS] [-o DIR] [EXPERIMENT.cfg ...]
set -u
n=8 out=${TMPDIR:-/tmp}/claims-power
while getopts n:o: o; do case $o in n) n=$OPTARG ;; o) out=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- experiments/*.cfg
B=${INITLAB:-build/initlab}
mkdir -p "$out"
for cfg in "$@"; do
  name=$(basename "$cfg" .cfg)
  # runs already done (a claims.tsv newer than the experiment file) are kept
  for s in $(seq 1 "$n"); do
    [ "$out/$name-seed$s/claims.tsv" -nt "$cfg" ] && continue
    "$B" run "$cfg" -o "$out/$name-seed$s" --seed "$s" -q >/dev/null 2>&1
  done
  for g in 1.02 0.98; do
    "$(dirname "$0")/plant-gain.sh" "$g" "$cfg" >"$out/$name-gain$g.cfg" || exit 1
    [ "$out/$name-gain$g/claims.tsv" -nt "$cfg" ] && continue
    "$B" run "$out/$name-gain$g.cfg" -o "$out/$name-gain$g" -q >/dev/null 2>&1
  done
  awk -F'\t' -v name="$name" -v n="$n" -v out="$out" '
    FNR == 1 { f++ }
    /^#/ || $1 == "experiment" { next }
    { key = $2; if (f <= n) { seen[key] = 1; pass[key] += ($8 == "pass"); text[key] = $3; det[key] = det[key] " " sprintf("%.3g", $12) }
      else if (f == n + 1) up[key] = $8; else dn[key] = $8 }
    END { for (k in seen) printf "%s\t%s\t%d/%d\t%s\t%s\t%s\n", name, k, pass[k], n, up[k] == "FAIL" ? "caught" : "missed", dn[k] == "FAIL" ? "caught" : "missed", text[k] }' \
    $(for s in $(seq 1 "$n"); do echo "$out/$name-seed$s/claims.tsv"; done) "$out/$name-gain1.02/claims.tsv" "$out/$name-gain0.98/claims.tsv" | sort -t "$(printf '\t')" -k2,2n
done
