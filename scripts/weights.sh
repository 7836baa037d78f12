#!/bin/sh
# Tables for plots/weights.gp: what each preset really draws for a layer of
# fans (512, 512), from build/initlab sample.
#   DIR/hist.tsv     scheme lo hi center count density: 200000 draws binned
#                    on [-0.3, 0.3] in 120 bins (density = count / (N width))
#   DIR/pdf.tsv      scheme x pdf: the exact density (sample --pdf 400)
#   DIR/moments.tsv  scheme n mean var sd outside: the draws' moments
#                    (outside = draws beyond the binned range)
# Usage: scripts/weights.sh [DIR [INITLAB]]   [results/weights build/initlab]
set -eu
dir=${1:-results/weights}
initlab=${2:-build/initlab}
fan_in=512
fan_out=512
count=200000
seed=42
lo=-0.3
hi=0.3
bins=120
schemes="he_normal he_uniform he_normal:dist=truncated_normal he_normal:dist=truncated_normal,correct=0 torch_linear tf1_contrib"
[ -x "$initlab" ] || { echo "weights.sh: no $initlab; run 'make' first" >&2; exit 1; }
mkdir -p "$dir"
version=$("$initlab" --version 2>/dev/null | head -n 1 || true)
draws="$dir/.draws.$$"
trap 'rm -f "$draws" "$dir/hist.tsv.new" "$dir/pdf.tsv.new" "$dir/moments.tsv.new"' EXIT HUP INT TERM

provenance() {
  echo "# $version: $1, fans ($fan_in, $fan_out)"
  echo "# command: scripts/weights.sh $dir $initlab  (initlab sample SCHEME --fan-in $fan_in --fan-out $fan_out $2)"
}
{ provenance "$count draws per scheme binned on [$lo, $hi] in $bins bins" "-n $count --seed $seed"
  printf 'scheme\tlo\thi\tcenter\tcount\tdensity\n'; } >"$dir/hist.tsv.new"
{ provenance "exact density of each scheme's law" "--pdf 400"
  printf 'scheme\tx\tpdf\n'; } >"$dir/pdf.tsv.new"
{ provenance "moments of $count draws" "-n $count --seed $seed"
  printf 'scheme\tn\tmean\tvar\tsd\toutside\n'; } >"$dir/moments.tsv.new"

for s in $schemes; do
  "$initlab" sample "$s" --fan-in "$fan_in" --fan-out "$fan_out" -n "$count" --seed "$seed" >"$draws"
  awk -v s="$s" -v lo="$lo" -v hi="$hi" -v nb="$bins" -v hf="$dir/hist.tsv.new" -v mf="$dir/moments.tsv.new" '
    { n++; d = $1 - m; m += d / n; q += d * ($1 - m)
      b = int(($1 - lo) / (hi - lo) * nb)
      if ($1 < lo || $1 >= hi) out++; else c[b]++ }
    END {
      w = (hi - lo) / nb
      for (b = 0; b < nb; b++)
        printf "%s\t%.17g\t%.17g\t%.17g\t%d\t%.17g\n", s, lo + b * w, lo + (b + 1) * w, lo + (b + 0.5) * w, c[b], c[b] / (n * w) >> hf
      printf "%s\t%d\t%.17g\t%.17g\t%.17g\t%d\n", s, n, m, q / (n - 1), sqrt(q / (n - 1)), out >> mf
    }' "$draws"
  "$initlab" sample "$s" --fan-in "$fan_in" --fan-out "$fan_out" --pdf 400 |
    awk -F'\t' -v s="$s" '!/^#/ && !h++ {next} !/^#/ {printf "%s\t%s\t%s\n", s, $1, $2}' >>"$dir/pdf.tsv.new"
done
for t in hist pdf moments; do mv "$dir/$t.tsv.new" "$dir/$t.tsv"; done
echo "weights: $dir/hist.tsv $dir/pdf.tsv $dir/moments.tsv"
