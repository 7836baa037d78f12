#!/bin/sh
# Command-line tests of the numbers the figure scripts take from initlab:
# 'theory' over ranges (exact endpoints, the same numbers as single calls),
# 'sample --hist' (the counts of the draws 'sample' prints, binned here
# independently), 'run''s rates.tsv (the rate of summary.tsv's means), bad
# ranges (exit 2), and scripts/criticality.sh and scripts/weights.sh writing
# the columns plots/criticality.gp and plots/weights.gp read.
# Usage: sh tests/cli_tools.sh build/initlab   (from the source tree)
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"
# data rows of a table (no '#' lines, no header)
rows() { grep -v '^#' "$1" | tail -n +2; }
# col FILE NAME: the named column's values
col() { awk -F'\t' -v c="$2" '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} {print $k[c]}' "$1"; }

# --- theory over ranges ------------------------------------------------------
"$B" theory --act tanh --sigma-w2 0.8:4.2:0.01 --sigma-b2 0.05 --fixed-point >"$D/chi" 2>"$D/err"
ok $? "theory --sigma-w2 0.8:4.2:0.01 --fixed-point exits 0" "$(cat "$D/err")"
[ "$(rows "$D/chi" | wc -l)" -eq 341 ]; ok $? "0.8:4.2:0.01 gives 341 rows" "$(rows "$D/chi" | wc -l)"
s=$(col "$D/chi" sigma_w2 | tr '\n' ' ')
set -- $s
[ "$1" = 0.80000000000000004 ] && [ "$3" = 0.81999999999999995 ] && [ "${341}" = 4.2000000000000002 ]
ok $? "the values are the doubles nearest 0.80, 0.82, ..., 4.20" "$1 $3 ${341}"
for v in 0.8 1.76 3.33 4.2; do
  "$B" theory --act tanh --sigma-w2 $v --sigma-b2 0.05 --fixed-point | rows /dev/stdin | cut -f 2- >"$D/one"
  awk -F'\t' -v v=$v '!/^#/ && $2 == v + 0' "$D/chi" | cut -f 2- >"$D/inrange"
  [ -s "$D/one" ] && cmp -s "$D/one" "$D/inrange"
  ok $? "the range's row at $v equals 'theory --sigma-w2 $v'" "$(cat "$D/one") vs $(cat "$D/inrange")"
done
"$B" theory --act tanh --critical --sigma-b2 0:0.1:0.05 >"$D/crit"
[ "$(col "$D/crit" sigma_b2 | tr '\n' ' ')" = "0 0.050000000000000003 0.10000000000000001 " ]
ok $? "--critical over a sigma_b2 range: one row per value" "$(col "$D/crit" sigma_b2 | tr '\n' ' ')"
"$B" theory --act relu --sigma-w2 1:2:0.5 --sigma-b2 0:0.1:0.1 --depth 4 >"$D/lay"
[ "$(grep -v '^#' "$D/lay" | head -n 1 | cut -f 1-3)" = "$(printf 'sigma_w2\tsigma_b2\tlayer')" ] &&
  [ "$(rows "$D/lay" | wc -l)" -eq 24 ]
ok $? "per-layer mode over two ranges: sigma_w2 sigma_b2 layer columns, 3 x 2 x 4 rows"
"$B" theory --act relu --sigma-w2 1.5 --sigma-b2 0.1 --depth 4 | rows /dev/stdin >"$D/lay1"
awk -F'\t' '!/^#/ && $1 == 1.5 && $2 == 0.1' "$D/lay" | cut -f 3- | cmp -s - "$D/lay1"
ok $? "... and each value's rows equal the single call's"
for bad in 1:0:0.1 1:2:0 1:2:-1 1:2 1:2:3:4 x:2:1 1:2:1e-9 ::; do
  "$B" theory --act tanh --sigma-w2 "$bad" --fixed-point >/dev/null 2>"$D/err"; r=$?
  [ $r -eq 2 ] && grep -q -- "--sigma-w2" "$D/err"; ok $? "--sigma-w2 $bad: exit 2 naming the option" "exit $r: $(head -n 1 "$D/err")"
done
"$B" theory --act tanh --sigma-w2 1:2:0.5 --critical --sigma-b2 0.05 >/dev/null 2>&1
[ $? -eq 2 ]; ok $? "--critical with --sigma-w2: exit 2"

# --- sample --hist -------------------------------------------------------------
args="he_uniform --fan-in 100 --fan-out 50 -n 20000 --seed 7"
"$B" sample $args --hist -0.3:0.3:16 >"$D/hist" 2>"$D/err"; ok $? "sample --hist exits 0" "$(cat "$D/err")"
"$B" sample $args >"$D/draws"
# the draws binned here: bin = floor((x - lo) / width), outside [lo, hi) counted apart
awk -v lo=-0.3 -v hi=0.3 -v nb=16 '{ if ($1 < lo) b++; else if ($1 >= hi) a++; else c[int(($1 - lo) / (hi - lo) * nb)]++ }
  END { for (i = 0; i < nb; i++) print c[i] + 0; print "below", b + 0; print "above", a + 0 }' "$D/draws" >"$D/want"
{ col "$D/hist" count; echo "below $(col "$D/hist" below | head -n 1)"; echo "above $(col "$D/hist" above | head -n 1)"; } >"$D/got"
cmp -s "$D/want" "$D/got"; ok $? "--hist counts the draws 'sample' prints" "$(paste "$D/want" "$D/got" | tr '\n' ' ' | head -c 300)"
[ "$(rows "$D/hist" | wc -l)" -eq 16 ]; ok $? "--hist 16 bins: 16 rows"
awk -F'\t' '!/^#/ && !h++ {next} !/^#/ {s += $5 * ($2 - $1)} END {exit !(s > 0.999 && s <= 1 + 1e-12)}' "$D/hist"
ok $? "the densities integrate to 1 (all of U(+-0.245) inside)"
m=$(awk '{s += $1; q += $1 * $1} END {printf "%.6g %.6g", s / NR, (q - s * s / NR) / (NR - 1)}' "$D/draws")
g=$(rows "$D/hist" | head -n 1 | awk -F'\t' '{printf "%.6g %.6g", $10, $11}')
[ "$m" = "$g" ]; ok $? "--hist's mean and variance are those of the draws" "$m vs $g"
for bad in 0.2:-0.2:10 0:1:0 0:1 0:1:10:2 a:1:10 0:1:x; do
  "$B" sample $args --hist "$bad" >/dev/null 2>"$D/err"; r=$?
  [ $r -eq 2 ] && grep -q -- "--hist" "$D/err"; ok $? "--hist $bad: exit 2 naming the option" "exit $r: $(head -n 1 "$D/err")"
done
"$B" sample $args --hist 0:1:10 --pdf 10 >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "--hist with --pdf: exit 2"

# --- run: rates.tsv ----------------------------------------------------------
cat >"$D/r.cfg" <<'EOC'
# rates test
activations = tanh relu
schemes = lecun_normal he_normal
depth = 6
width = 24
batch = 16
trials = 2
seed = 5
sigma_b2 = 0.05
rates = 2..6
EOC
"$B" run "$D/r.cfg" -o "$D/r" -q -j 1 2>"$D/err"; ok $? "run with 'rates = 2..6' exits 0" "$(cat "$D/err")"
[ "$(rows "$D/r/rates.tsv" | wc -l)" -eq 4 ]; ok $? "rates.tsv: one row per cell"
g=$(awk -F'\t' '!/^#/ && $1 == "tanh" && $2 == "he_normal"' "$D/r/rates.tsv" | cut -f 13)
c=$(awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next}
  $1 == "tanh" && $2 == "he_normal" && $k["layer"] == 2 {a = $k["gx_var"]}
  $1 == "tanh" && $2 == "he_normal" && $k["layer"] == 6 {b = $k["gx_var"]}
  END {printf "%.12g", (b / a) ^ (1 / 4)}' "$D/r/summary.tsv")
g12=$(printf '%.12g' "$g")
[ -n "$g" ] && [ "$g12" = "$c" ]; ok $? "gx_var_rate is (gx_var[6]/gx_var[2])^(1/4) of summary.tsv's means" "$g vs $c"
[ "$(col "$D/r/rates.tsv" layer_a | sort -u)" = 2 ] && [ "$(col "$D/r/rates.tsv" layer_b | sort -u)" = 6 ]
ok $? "rates.tsv names the range 2..6"
th=$(awk -F'\t' '!/^#/ && $1 == "tanh" && $2 == "lecun_normal"' "$D/r/rates.tsv" | cut -f 19)
want=$("$B" theory --act tanh --sigma-w2 1 --sigma-b2 0.05 --fixed-point | col /dev/stdin chi1)
[ "$th" = "$want" ]; ok $? "chi1_theory equals 'theory --fixed-point' at sigma_w2 = 1" "$th vs $want"
sed 's/^rates = 2..6$/rates = 6..2/' "$D/r.cfg" >"$D/bad.cfg"
"$B" run "$D/bad.cfg" -o "$D/bad" -q 2>"$D/err"; r=$?
[ $r -eq 2 ] && grep -q "bad.cfg:10: rates" "$D/err"; ok $? "rates = 6..2: exit 2 with file and line" "exit $r: $(cat "$D/err")"
sed 's/^rates = 2..6$/rates = 2..7/' "$D/r.cfg" >"$D/bad.cfg"
"$B" run "$D/bad.cfg" -o "$D/bad" -q 2>"$D/err"; r=$?
[ $r -eq 2 ] && grep -q "beyond the depth" "$D/err"; ok $? "rates beyond the depth: exit 2" "exit $r: $(cat "$D/err")"

# --- the figure scripts --------------------------------------------------------
sh scripts/criticality.sh "$D/r" "$B" >/dev/null 2>"$D/err"; ok $? "criticality.sh runs" "$(cat "$D/err")"
col "$D/r/chi.tsv" chi1_theory >"$D/c1"; col "$D/chi" chi1 >"$D/c2"
[ "$(grep -v '^#' "$D/r/chi.tsv" | head -n 1)" = "$(printf 'sigma_w2\tchi1_theory')" ] && [ -s "$D/c1" ] && cmp -s "$D/c1" "$D/c2"
ok $? "chi.tsv: sigma_w2 chi1_theory, theory's numbers"
[ "$(grep -v '^#' "$D/r/chi_measured.tsv" | head -n 1)" = "$(printf 'scheme\tsigma_w2\tchi1_measured\tchi1_trial_min\tchi1_trial_max\tchi1_theory\tlayer_a\tlayer_b\ttrials\tfan_in')" ] &&
  [ "$(rows "$D/r/chi_measured.tsv" | wc -l)" -eq 2 ]
ok $? "chi_measured.tsv: the columns criticality.gp reads, one row per tanh scheme"
[ "$(col "$D/r/critical.tsv" sigma_w2_crit)" = 1.7609546396067364 ]; ok $? "critical.tsv: sigma_w2_crit"
sh scripts/weights.sh "$D/w" "$B" >/dev/null 2>"$D/err"; ok $? "weights.sh runs" "$(cat "$D/err")"
[ "$(grep -v '^#' "$D/w/hist.tsv" | head -n 1)" = "$(printf 'scheme\tlo\thi\tcenter\tcount\tdensity')" ] &&
  [ "$(rows "$D/w/hist.tsv" | wc -l)" -eq 720 ]
ok $? "hist.tsv: the columns weights.gp reads, 6 schemes x 120 bins"
[ "$(grep -v '^#' "$D/w/moments.tsv" | head -n 1)" = "$(printf 'scheme\tn\tmean\tvar\tsd\toutside')" ] &&
  [ "$(col "$D/w/moments.tsv" n | sort -u)" = 200000 ]
ok $? "moments.tsv: scheme n mean var sd outside"
[ "$(rows "$D/w/pdf.tsv" | wc -l)" -eq 2400 ]; ok $? "pdf.tsv: 6 schemes x 400 points"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
