#!/bin/sh
# Draws every figure whose table exists under the results folder ($1,
# default results/): each plots/NAME.gp reads results/NAME/summary.tsv (or
# the table the script names) and writes results/NAME/NAME.png and .svg.
set -eu
res=${1:-results}
command -v gnuplot >/dev/null 2>&1 || { echo "plots.sh: gnuplot is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
drawn=0
for gp in plots/*.gp; do
  name=$(basename "$gp" .gp)
  [ "$name" = style ] && continue
  table="$res/$name/summary.tsv"
  [ -f "$table" ] || continue
  gnuplot -e "infile='$table'; outfile='$res/$name/$name'" "$gp"
  echo "plots: $res/$name/$name.png $res/$name/$name.svg"
  drawn=$((drawn + 1))
done
[ "$drawn" -gt 0 ] || echo "plots.sh: no tables under $res; run 'make run' first" >&2
# The README's gallery: the figures that tell the story, kept in docs/.
for f in depth/depth; do
  [ -f "$res/$f.png" ] && cp "$res/$f.png" docs/ || true
done
