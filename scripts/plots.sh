#!/bin/sh
# Draws every figure whose inputs exist under the results folder ($1, default
# results/, relative to the repository root): each plots/NAME.gp writes
# RES/NAME/NAME.png and .svg.  Most read RES/NAME/summary.tsv (glorot2010
# also its hist.tsv); two read tables that a helper makes first from
# build/initlab (or $INITLAB):
#   criticality  scripts/criticality.sh -> RES/criticality/chi.tsv (and
#                chi_measured.tsv, critical.tsv), from the experiment's tables
#   weights      scripts/weights.sh -> RES/weights/hist.tsv (and pdf.tsv,
#                moments.tsv), from 'initlab sample'
# Then refreshes the README's gallery in docs/.  Exits 1 if gnuplot or a
# helper fails (after drawing what it can).
set -u
cd "$(dirname "$0")/.." || exit 1
res=${1:-results}
initlab=${INITLAB:-build/initlab}
command -v gnuplot >/dev/null 2>&1 || { echo "plots.sh: gnuplot is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
fail=0
drawn=0

# the helpers' tables
if [ -x "$initlab" ]; then
  if [ -f "$res/criticality/summary.tsv" ]; then
    scripts/criticality.sh "$res/criticality" "$initlab" || { echo "plots.sh: scripts/criticality.sh failed" >&2; fail=1; }
  fi
  scripts/weights.sh "$res/weights" "$initlab" || { echo "plots.sh: scripts/weights.sh failed" >&2; fail=1; }
else
  echo "plots.sh: no $initlab, so no new tables for the criticality and weights figures (run 'make')" >&2
fi

for gp in plots/*.gp; do
  name=$(basename "$gp" .gp)
  case $name in
    style) continue ;;
    criticality) table="$res/criticality/chi.tsv"; need="$res/criticality/chi_measured.tsv $res/criticality/critical.tsv" ;;
    weights) table="$res/weights/hist.tsv"; need="$res/weights/pdf.tsv $res/weights/moments.tsv" ;;
    glorot2010) table="$res/$name/summary.tsv"; need="$res/$name/hist.tsv" ;;
    isometry) table="$res/$name/spectrum.tsv"; need="$res/$name/spectrum_values.tsv" ;;
    lsuv) table="$res/$name/summary.tsv"; need="$res/$name/layers.tsv $res/lsuv_batch4/layers.tsv" ;;
    *) table="$res/$name/summary.tsv"; need="" ;;
  esac
  missing=""
  for f in "$table" $need; do [ -f "$f" ] || missing="$missing $f"; done
  if [ -n "$missing" ]; then
    [ -f "$table" ] && echo "plots.sh: $name: missing$missing" >&2
    continue
  fi
  if gnuplot -e "infile='$table'; outfile='$res/$name/$name'" "$gp"; then
    echo "plots: $res/$name/$name.png $res/$name/$name.svg"
    drawn=$((drawn + 1))
  else
    echo "plots.sh: gnuplot failed on $gp" >&2
    fail=1
  fi
done
[ "$drawn" -gt 0 ] || [ "$fail" -ne 0 ] || echo "plots.sh: no tables under $res; run 'make run' first" >&2

# The README's gallery: the figures that tell the story, kept in docs/.
for f in depth/depth fan/fan frameworks/frameworks criticality/criticality isometry/isometry activations/activations; do
  if [ -f "$res/$f.png" ]; then cp "$res/$f.png" docs/ || fail=1; fi
done
exit $fail
