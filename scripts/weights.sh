#!/bin/sh
# Tables for plots/weights.gp: what each preset really draws for a layer of
# fans (512, 512), from build/initlab sample.  Every number comes from
# initlab; this script only puts each scheme's name in front of its rows.
#   DIR/hist.tsv     scheme lo hi center count density: 200000 draws binned
#                    on [-0.3, 0.3] in 120 bins (sample --hist; density =
#                    count / (N width))
#   DIR/pdf.tsv      scheme x pdf: the exact density (sample --pdf 400)
#   DIR/moments.tsv  scheme n mean var sd outside: the draws' moments
#                    (sample --hist; outside = draws beyond the binned range)
# Usage: scripts/weights.sh [DIR [INITLAB]]   [results/weights build/initlab]
set -eu
dir=${1:-results/weights}
initlab=${2:-build/initlab}
fan_in=512
fan_out=512
count=200000
seed=42
hist=-0.3:0.3:120
schemes="he_normal he_uniform he_normal:dist=truncated_normal he_normal:dist=truncated_normal,correct=0 torch_linear tf1_contrib"
[ -x "$initlab" ] || { echo "weights.sh: no $initlab; run 'make' first" >&2; exit 1; }
mkdir -p "$dir"
version=$("$initlab" --version 2>/dev/null | head -n 1 || true)
out="$dir/.sample.$$"
trap 'rm -f "$out" "$dir/hist.tsv.new" "$dir/pdf.tsv.new" "$dir/moments.tsv.new"' EXIT HUP INT TERM

provenance() {
  echo "# $version: $1, fans ($fan_in, $fan_out)"
  echo "# command: scripts/weights.sh $dir $initlab  (initlab sample SCHEME --fan-in $fan_in --fan-out $fan_out $2)"
}
{ provenance "$count draws per scheme binned on [${hist%:*}) in ${hist##*:} bins" "-n $count --seed $seed --hist $hist"
  printf 'scheme\tlo\thi\tcenter\tcount\tdensity\n'; } >"$dir/hist.tsv.new"
{ provenance "exact density of each scheme's law" "--pdf 400"
  printf 'scheme\tx\tpdf\n'; } >"$dir/pdf.tsv.new"
{ provenance "moments of $count draws" "-n $count --seed $seed --hist $hist"
  printf 'scheme\tn\tmean\tvar\tsd\toutside\n'; } >"$dir/moments.tsv.new"

# cols NAME...: the named columns of a table on stdin, data rows only,
# prefixed by the scheme $s
cols() {
  awk -F'\t' -v s="$s" -v want="$*" '
    /^#/ {next}
    !h++ {n = split(want, w, " "); for (i = 1; i <= NF; i++) k[$i] = i; next}
    {line = s; for (i = 1; i <= n; i++) line = line "\t" $k[w[i]]; print line}'
}

for s in $schemes; do
  "$initlab" sample "$s" --fan-in "$fan_in" --fan-out "$fan_out" -n "$count" --seed "$seed" --hist "$hist" >"$out"
  cols lo hi center count density <"$out" >>"$dir/hist.tsv.new"
  cols n mean var sd outside <"$out" | head -n 1 >>"$dir/moments.tsv.new"
  "$initlab" sample "$s" --fan-in "$fan_in" --fan-out "$fan_out" --pdf 400 | cols x pdf >>"$dir/pdf.tsv.new"
done
for t in hist pdf moments; do mv "$dir/$t.tsv.new" "$dir/$t.tsv"; done
echo "weights: $dir/hist.tsv $dir/pdf.tsv $dir/moments.tsv"
