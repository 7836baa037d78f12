#!/bin/sh
# Tables for plots/criticality.gp, from the criticality experiment's results
# and the mean-field theory of build/initlab (tanh, sigma_b2 = 0.05):
#   DIR/chi.tsv           sigma_w2 chi1_theory, sigma_w2 from 0.8 to 4.2 by 0.01
#   DIR/chi_measured.tsv  one row per scheme of DIR/summary.tsv: sigma_w2
#                         (= fan_in Var(W)), chi1_measured = (gx_var[10] /
#                         gx_var[50])^(1/40) from the means over trials, its
#                         smallest and largest value over the trials
#                         (layers.tsv), and chi1_theory at that sigma_w2
#   DIR/critical.tsv      the critical sigma_w2 (initlab theory --critical)
# Usage: scripts/criticality.sh [DIR [INITLAB]]   [results/criticality build/initlab]
set -eu
dir=${1:-results/criticality}
initlab=${2:-build/initlab}
sb2=0.05
act=tanh
[ -x "$initlab" ] || { echo "criticality.sh: no $initlab; run 'make' first" >&2; exit 1; }
[ -f "$dir/summary.tsv" ] || { echo "criticality.sh: no $dir/summary.tsv; run the criticality experiment first" >&2; exit 1; }
version=$("$initlab" --version 2>/dev/null | head -n 1 || true)
tmp="$dir/.chi.$$"
trap 'rm -f "$tmp"' EXIT HUP INT TERM

# chi1 at one sigma_w2 (the chi1 column of 'theory --fixed-point')
chi1() {
  "$initlab" theory --act "$act" --sigma-w2 "$1" --sigma-b2 "$sb2" --fixed-point |
    awk -F'\t' '!/^#/ && !h++ {for (i = 1; i <= NF; i++) c[$i] = i; next} !/^#/ {print $c["chi1"]}'
}

{
  echo "# chi_1 = sigma_w2 E[tanh'(sqrt(q*) z)^2] at the fixed point q*, act $act, sigma_b2 $sb2"
  echo "# command: scripts/criticality.sh $dir $initlab  (initlab theory --act $act --sigma-w2 S --sigma-b2 $sb2 --fixed-point)"
  [ -n "$version" ] && echo "# $version"
  printf 'sigma_w2\tchi1_theory\n'
  awk 'BEGIN {for (i = 80; i <= 420; i++) printf "%.2f\n", i / 100}' |
  while read -r s; do
    printf '%s\t%s\n' "$s" "$(chi1 "$s")"
  done
} >"$tmp"
mv "$tmp" "$dir/chi.tsv"

{
  echo "# measured chi_1 = (gx_var[10] / gx_var[50])^(1/40), the per-layer factor on Var(dL/dX_l) going down,"
  echo "# from $dir/summary.tsv (means over trials) and $dir/layers.tsv (per trial: min, max); sigma_w2 = fan_in w_var"
  echo "# command: scripts/criticality.sh $dir $initlab"
  printf 'scheme\tsigma_w2\tchi1_measured\tchi1_trial_min\tchi1_trial_max\tchi1_theory\n'
  grep -v '^#' "$dir/layers.tsv" | awk -F'\t' -v act="$act" '
    NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
    $1 != act {next}
    $c["layer"] == 10 {a[$2 SUBSEP $3] = $c["gx_var"]}
    $c["layer"] == 50 {b[$2 SUBSEP $3] = $c["gx_var"]}
    END {
      for (k in a) {
        if (!(k in b) || b[k] <= 0) continue
        split(k, p, SUBSEP); r = exp(log(a[k] / b[k]) / 40)
        if (!(p[1] in lo) || r < lo[p[1]]) lo[p[1]] = r
        if (!(p[1] in hi) || r > hi[p[1]]) hi[p[1]] = r
      }
      for (s in lo) printf "%s\t%.17g\t%.17g\n", s, lo[s], hi[s]
    }' >"$tmp"
  grep -v '^#' "$dir/summary.tsv" | awk -F'\t' -v act="$act" '
    NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
    $1 != act {next}
    $c["layer"] == 10 {a[$2] = $c["gx_var"]; s[$2] = $c["fan_in"] * $c["w_var"]; order[++n] = $2}
    $c["layer"] == 50 {b[$2] = $c["gx_var"]}
    END {for (i = 1; i <= n; i++) {k = order[i]
           if (k in b && b[k] > 0) printf "%s\t%.6g\t%.17g\n", k, s[k], exp(log(a[k] / b[k]) / 40)}}' |
  while IFS="$(printf '\t')" read -r scheme s m; do
    range=$(awk -F'\t' -v k="$scheme" '$1 == k {print $2 "\t" $3}' "$tmp")
    printf '%s\t%s\t%s\t%s\t%s\n' "$scheme" "$s" "$m" "$range" "$(chi1 "$s")"
  done
} >"$dir/chi_measured.tsv.new"
mv "$dir/chi_measured.tsv.new" "$dir/chi_measured.tsv"

"$initlab" theory --act "$act" --critical --sigma-b2 "$sb2" >"$tmp"
mv "$tmp" "$dir/critical.tsv"
echo "criticality: $dir/chi.tsv $dir/chi_measured.tsv $dir/critical.tsv"
