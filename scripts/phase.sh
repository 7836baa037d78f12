#!/bin/sh
# Tables for plots/phase.gp, from the phase experiment's rates.tsv and the
# mean-field theory of build/initlab (tanh).  Every number comes from
# initlab; this script only picks, sorts and renames columns.
#   DIR/grid.tsv           one row per cell of rates.tsv: sigma_w2 sigma_b2
#                          chi1_measured chi1_trial_min chi1_trial_max
#                          chi1_theory, sorted by sigma_b2 then sigma_w2, a
#                          blank line between the sigma_b2 rows of the grid
#                          (gnuplot's grid format, which its contours need)
#   DIR/critical.tsv       the critical line sigma_w2_crit(sigma_b2), sigma_b2
#                          from 0 to 0.3 by 0.0025 (initlab theory --critical)
#   DIR/critical_line.tsv  its points by fixed point q* (initlab theory
#                          --critical-line)
#   DIR/xi.tsv             fixed point, chi1 and the depth scales xi_q, xi_c
#                          for sigma_w2 from 0.9 to 4 by 0.01 at sigma_b2 =
#                          0.03, 0.15, 0.27 (initlab theory --fixed-point)
# Usage: scripts/phase.sh [DIR [INITLAB]]   [results/phase build/initlab]
set -eu
dir=${1:-results/phase}
initlab=${2:-build/initlab}
act=tanh
[ -x "$initlab" ] || { echo "phase.sh: no $initlab; run 'make' first" >&2; exit 1; }
[ -f "$dir/rates.tsv" ] || { echo "phase.sh: no $dir/rates.tsv; run the phase experiment first" >&2; exit 1; }
tmp="$dir/.phase.$$"
trap 'rm -f "$tmp" "$tmp.s"' EXIT HUP INT TERM
me="scripts/phase.sh $dir $initlab"

. "$(dirname "$0")/cols.sh"

# the grid: rows sorted by sigma_b2 (column 2), then sigma_w2 (column 1),
# each sigma_b2's row of cells closed by a blank line
only=$act cols sigma_w2 sigma_b2 chi1_measured chi1_trial_min chi1_trial_max chi1_theory <"$dir/rates.tsv" >"$tmp"
{
  grep '^#' "$tmp"
  grep -v '^#' "$tmp" | head -n 1
  grep -v '^#' "$tmp" | tail -n +2 | LC_ALL=C sort -t "$(printf '\t')" -k2,2g -k1,1g |
    awk -F'\t' 'NR > 1 && $2 != last { print "" } { print; last = $2 }'
} >"$tmp.s"
mv "$tmp.s" "$dir/grid.tsv"

"$initlab" theory --act "$act" --critical --sigma-b2 0:0.3:0.0025 >"$tmp"
mv "$tmp" "$dir/critical.tsv"
"$initlab" theory --act "$act" --critical-line >"$tmp"
mv "$tmp" "$dir/critical_line.tsv"
"$initlab" theory --act "$act" --sigma-w2 0.9:4:0.01 --sigma-b2 0.03:0.27:0.12 --fixed-point >"$tmp"
mv "$tmp" "$dir/xi.tsv"
echo "phase: $dir/grid.tsv $dir/critical.tsv $dir/critical_line.tsv $dir/xi.tsv"
