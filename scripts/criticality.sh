#!/bin/sh
# Tables for plots/criticality.gp, from the criticality experiment's results
# and the mean-field theory of build/initlab (tanh, sigma_b2 = 0.05).  Every
# number comes from initlab; this script only picks and renames columns.
#   DIR/chi.tsv           sigma_w2 chi1_theory, sigma_w2 from 0.8 to 4.2 by 0.01
#                         (initlab theory --sigma-w2 0.8:4.2:0.01 --fixed-point)
#   DIR/chi_measured.tsv  one row per scheme of DIR/rates.tsv: sigma_w2
#                         (= fan_in Var(W)), chi1_measured = (gx_var[A] /
#                         gx_var[B])^(1/(B-A)) from the means over trials over
#                         the experiment's 'rates = A..B', its smallest and
#                         largest value over the trials, and chi1_theory at
#                         that sigma_w2; then the range A, B, the trials and
#                         the width (fan_in) for the figure's title
#   DIR/critical.tsv      the critical sigma_w2 (initlab theory --critical)
# Usage: scripts/criticality.sh [DIR [INITLAB]]   [results/criticality build/initlab]
set -eu
dir=${1:-results/criticality}
initlab=${2:-build/initlab}
sb2=0.05
act=tanh
[ -x "$initlab" ] || { echo "criticality.sh: no $initlab; run 'make' first" >&2; exit 1; }
[ -f "$dir/rates.tsv" ] || { echo "criticality.sh: no $dir/rates.tsv; run the criticality experiment first" >&2; exit 1; }
tmp="$dir/.chi.$$"
trap 'rm -f "$tmp"' EXIT HUP INT TERM
me="scripts/criticality.sh $dir $initlab"

. "$(dirname "$0")/cols.sh"

"$initlab" theory --act "$act" --sigma-w2 0.8:4.2:0.01 --sigma-b2 "$sb2" --fixed-point |
  cols sigma_w2 chi1:chi1_theory >"$tmp"
mv "$tmp" "$dir/chi.tsv"

only=$act cols scheme sigma_w2 chi1_measured chi1_trial_min chi1_trial_max chi1_theory \
  layer_a layer_b trials fan_in <"$dir/rates.tsv" >"$tmp"
mv "$tmp" "$dir/chi_measured.tsv"

"$initlab" theory --act "$act" --critical --sigma-b2 "$sb2" >"$tmp"
mv "$tmp" "$dir/critical.tsv"
echo "criticality: $dir/chi.tsv $dir/chi_measured.tsv $dir/critical.tsv"
