#!/bin/sh
# Command-line tests of sigma_b2, input and batch lists swept as points of
# the cells, beside width and depth: every row names its point, the theory
# follows each point's sigma_b2 and input, --only sigma_b2=V, input=SPEC and
# batch=N give the rows of the full run, byte-identical tables whatever
# --threads is, claims that name a point, rates.tsv over every point.
# Usage: sh tests/cli_points.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"

E="$D/points.cfg"
cat >"$E" <<'EOF'
# Where does a bias move the variance of a linear and a tanh network?
activations = linear tanh
schemes     = lecun_normal variance_scaling:scale=2,dist=normal
width       = 16
depth       = 4
batch       = 2 5
trials      = 3
seed        = 3
sigma_b2    = 0 0.05 0.25
input       = normal:std=1 normal:std=2
histograms  = 2
claim = tanh lecun_normal sigma_b2=0.05 input=normal:std=2 batch=5 h_var[3] ~ theory at 1e-4
claim = linear lecun_normal sigma_b2=0 input=normal:std=1 batch=2 h_var[4] ~ theory at 1e-4
EOF

run run "$E" -o "$D/A" -q --threads 1
ok "$rc" "a sigma_b2 x input x batch sweep runs" "exit $rc: $(cat "$D/err")"
S="$D/A/summary.tsv" L="$D/A/layers.tsv" R="$D/A/rates.tsv" H="$D/A/hist.tsv" C="$D/A/claims.tsv"
npt=$((3 * 2 * 2))
n=$(data "$S" | tail -n +2 | wc -l)
[ "$n" -eq $((2 * 2 * npt * 4)) ]
ok $? "summary.tsv has act x scheme x 12 points x 4 layers rows" "$n rows"
n=$(data "$L" | tail -n +2 | wc -l)
[ "$n" -eq $((2 * 2 * npt * 3 * 4)) ]
ok $? "layers.tsv has a row per trial of every point" "$n rows"
n=$(data "$R" | tail -n +2 | wc -l)
[ "$n" -eq $((2 * 2 * npt)) ]
ok $? "rates.tsv has a row per (act, scheme, point)" "$n rows"
n=$(data "$H" | tail -n +2 | wc -l)
[ "$n" -eq $((2 * 2 * npt * 3 * 100)) ]
ok $? "hist.tsv has the histograms of every point" "$n rows"
for f in "$S" "$L" "$H" "$C"; do
  data "$f" | head -n 1 | grep -q '	width	depth	sigma_b2	input	batch$'
  ok $? "$(basename "$f") ends with the point's columns"
done
data "$R" | head -n 1 | grep -q '	sigma_b2	.*	width	depth	input	batch$'
ok $? "rates.tsv names sigma_b2 once, then the other coordinates"
grep -q '^# points: every shape with every sigma_b2 (3), input law (2) and batch (2)' "$S"
ok $? "provenance names the points"

# every point appears once per (act, scheme, layer), with its own values
sb=$(col "$S" sigma_b2) in=$(col "$S" input) ba=$(col "$S" batch) ht=$(col "$S" h_var_theory) w=$(col "$S" w_var) fi=$(col "$S" fan_in)
data "$S" | awk -F '\t' -v sb="$sb" -v ic="$in" -v ba="$ba" 'NR > 1 { k[$1 " " $2 " " $3 " " $sb " " $ic " " $ba]++ }
  END { n = 0; for (x in k) { n++; if (k[x] != 1) exit 1 } exit n != 2 * 2 * 4 * 12 }'
ok $? "each (act, scheme, layer, sigma_b2, input, batch) has one summary row"
# the theory follows each point: Var(H_1) = fan_in Var(W) q0 + sigma_b2, q0 = std^2
bad=$(data "$S" | awk -F '\t' -v sb="$sb" -v ic="$in" -v ht="$ht" -v w="$w" -v fi="$fi" 'NR > 1 && $3 == 1 {
    q0 = ($ic == "normal:std=2") ? 4 : 1; want = $fi * $w * q0 + $sb
    if ((($ht - want) ^ 2) > 1e-24 * want * want) { print $0; exit } }')
[ -z "$bad" ]
ok $? "h_var_theory[1] = sigma_w2 q0 + sigma_b2 at every point" "$bad"

# common random numbers: the points of one shape share the unit draws, so a
# linear network without bias has Var(H_l) exactly 4 times as large from
# inputs of std 2 as from inputs of std 1 (scaling by 2 is exact in binary)
hv=$(col "$S" h_var)
bad=$(data "$S" | awk -F '\t' -v sb="$sb" -v ic="$in" -v ba="$ba" -v hv="$hv" 'NR > 1 && $1 == "linear" && $sb == 0 {
    k = $2 " " $3 " " $ba; if ($ic == "normal:std=1") one[k] = $hv; else two[k] = $hv }
  END { n = 0; for (k in one) { n++; r = two[k] / one[k]; if (r < 4 * (1 - 1e-12) || r > 4 * (1 + 1e-12)) { print k ": " r; exit } }
        if (n != 2 * 4 * 2) print n " pairs" }')
[ -z "$bad" ]
ok $? "linear, no bias: h_var from std 2 is 4 x that from std 1, to 1e-12" "$bad"

data "$C" | awk -F '\t' 'NR > 1 && $8 != "pass" { exit 1 } END { exit NR != 3 }'
ok $? "claims naming sigma_b2=, input= and batch= are judged, and hold"
sbc=$(col "$C" sigma_b2) inc=$(col "$C" input) bac=$(col "$C" batch)
data "$C" | awk -F '\t' -v s="$sbc" -v i="$inc" -v b="$bac" 'NR == 2 && !($s == 0.05 && $i == "normal:std=2" && $b == 5) { exit 1 }'
ok $? "claims.tsv names the claim's point"

# ---- --only: the rows of the full run ------------------------------------------------
run run "$E" -o "$D/O" -q --only sigma_b2=2.5e-1 --only input=normal:std=2 --only batch=5 --threads 2
ok "$rc" "--only sigma_b2=2.5e-1 input=normal:std=2 batch=5 runs" "exit $rc: $(cat "$D/err")"
data "$S" | awk -F '\t' -v sb="$sb" -v ic="$in" -v ba="$ba" 'NR == 1 || ($sb == 0.25 && $ic == "normal:std=2" && $ba == 5)' >"$D/x1"
data "$D/O/summary.tsv" >"$D/x2"
[ "$(wc -l <"$D/x2")" -eq $((1 + 2 * 2 * 4)) ] && cmp -s "$D/x1" "$D/x2"
ok $? "the selected point's summary rows equal the full run's, at another --threads"
run run "$E" -o "$D/O2" -q --only sigma_b2=0.1
[ "$rc" -eq 2 ] && grep -q "sigma_b2=0.1: .* has no such sigma_b2" "$D/err"
ok $? "--only sigma_b2=0.1: exit 2, no such sigma_b2" "exit $rc: $(cat "$D/err")"
run run "$E" -o "$D/O2" -q --only input=uniform:limit=1
[ "$rc" -eq 2 ] && grep -q "no such input law" "$D/err"
ok $? "--only input= a law not listed: exit 2" "exit $rc"

# ---- the whole run again at 2 threads: byte-identical rows ------------------------------
run run "$E" -o "$D/T" -q --threads 2
for f in summary.tsv layers.tsv rates.tsv hist.tsv claims.tsv; do
  data "$D/A/$f" >"$D/x1"; data "$D/T/$f" >"$D/x2"
  cmp -s "$D/x1" "$D/x2"
  ok $? "$f is byte-identical at --threads 1 and 2"
done

# ---- shards: points split and merge into the tables of the whole run ------------------
for k in 1 2 3; do run run "$E" --shard "$k/3" -o "$D/S$k" -q; done
run merge -o "$D/M" "$D/S1" "$D/S2" "$D/S3"
ok "$rc" "three shards of the points merge" "exit $rc: $(cat "$D/err")"
for f in summary.tsv layers.tsv rates.tsv hist.tsv claims.tsv; do
  data "$D/A/$f" >"$D/x1"; data "$D/M/$f" 2>/dev/null >"$D/x2"
  cmp -s "$D/x1" "$D/x2"
  ok $? "$f merged from shards equals the whole run's"
done

# ---- errors ------------------------------------------------------------------------
sed 's/sigma_b2=0.05 //' "$E" >"$D/nosel.cfg"
run run "$D/nosel.cfg" -o "$D/X" -q
[ "$rc" -eq 2 ] && grep -q "nosel.cfg:12: claim: the experiment sweeps 3 values of sigma_b2; name one with sigma_b2=V" "$D/err"
ok $? "a claim naming no sigma_b2 where several are swept: exit 2 with file:line" "exit $rc: $(cat "$D/err")"
sed 's/sigma_b2=0.05 /sigma_b2=0.5 /' "$E" >"$D/badsel.cfg"
run run "$D/badsel.cfg" -o "$D/X" -q
[ "$rc" -eq 2 ] && grep -q "claim: sigma_b2 0.5 is not one of the experiment's" "$D/err"
ok $? "a claim naming a sigma_b2 not listed: exit 2" "exit $rc: $(cat "$D/err")"
for bad in 'sigma_b2 = 0 0.05 5e-2' 'sigma_b2 = 0 -1' 'batch = 2 2' 'input = normal:std=1 normal:std=1' 'input = normal:std=1 orthogonal'; do
  printf 'activations = tanh\nschemes = lecun_normal\nwidth = 8\ndepth = 2\n%s\n' "$bad" >"$D/bad.cfg"
  case $bad in batch*) ;; *) echo 'batch = 2' >>"$D/bad.cfg" ;; esac
  run run "$D/bad.cfg" -o "$D/X" -q
  [ "$rc" -eq 2 ] && grep -q "bad.cfg:[0-9]*: " "$D/err"
  ok $? "'$bad' is refused with file:line, exit 2" "exit $rc: $(cat "$D/err")"
done
printf 'activations = tanh\nschemes = lecun_normal\nwidth = 8\ndepth = 2\nbatch = 2\nsigma_b2 = 0 0.1\nspectrum = yes\n' >"$D/spec.cfg"
run run "$D/spec.cfg" -o "$D/X" -q
[ "$rc" -eq 2 ] && grep -q "spectrum = yes takes one width, depth, sigma_b2, input and batch" "$D/err"
ok $? "spectrum = yes with a sigma_b2 list: exit 2" "exit $rc: $(cat "$D/err")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
