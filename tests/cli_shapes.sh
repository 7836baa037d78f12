#!/bin/sh
# Command-line tests of width and depth lists swept as cells: one row block
# per (act, scheme, width, depth) with the shape in every row, trials per
# width, batch 1, --only width=N and depth=N, byte-identical tables whatever
# --threads is, claims that name a shape, lnhist.tsv, layers_table = no.
# Usage: sh tests/cli_shapes.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"

E="$D/shapes.cfg"
cat >"$E" <<'EOF'
# Does one input's spread of ln |x_L|^2 follow the finite-width theory?
activations = relu linear
schemes     = he_normal lecun_normal
width       = 8 16
depth       = 3 5
batch       = 1
trials      = 40 30
seed        = 11
ln_histogram = 10
claim = relu he_normal width=16 depth=5 ln_x_sq_mean_z[5] in [-5, 5]
claim = linear lecun_normal width=8 depth=3 ln_x_sq_var_theory[3] > 0
EOF

run run "$E" -o "$D/A" -q --threads 1
ok "$rc" "a width x depth sweep at batch 1 runs" "exit $rc: $(cat "$D/err")"
S="$D/A/summary.tsv" L="$D/A/layers.tsv" H="$D/A/lnhist.tsv"
[ -s "$S" ] && [ -s "$L" ] && [ -s "$H" ] && [ -s "$D/A/claims.tsv" ]
ok $? "summary, layers, lnhist and claims tables written"
# rows: 2 acts x 2 schemes x (widths 8, 16) x (depths 3 + 5 layers)
n=$(data "$S" | tail -n +2 | wc -l)
[ "$n" -eq $((2 * 2 * 2 * (3 + 5))) ]
ok $? "summary.tsv has act x scheme x width x depth-layer rows" "$n rows"
n=$(data "$L" | tail -n +2 | wc -l)
[ "$n" -eq $((2 * 2 * (40 + 30) * (3 + 5))) ]
ok $? "layers.tsv has each width's own trials" "$n rows"
n=$(data "$H" | tail -n +2 | wc -l)
[ "$n" -eq $((2 * 2 * 2 * 2 * 10)) ]
ok $? "lnhist.tsv has 10 bins per cell" "$n rows"
w=$(col "$S" width) d=$(col "$S" depth) tr=$(col "$S" trials)
data "$S" | awk -F '\t' -v w="$w" -v d="$d" -v t="$tr" 'NR > 1 {
    if (!($w == 8 || $w == 16) || !($d == 3 || $d == 5) || $3 > $d) exit 1
    if (($w == 8 && $t != 40) || ($w == 16 && $t != 30)) exit 1 }'
ok $? "every summary row names its width and depth, layers within the depth, trials per width"
# ReLU at He scale, batch 1: E ln M_l and Var ln M_l beside the theory,
# z-scores finite; linear too; every theory column filled
zm=$(col "$S" ln_x_sq_mean_z) vt=$(col "$S" ln_x_sq_var_theory)
data "$S" | awk -F '\t' -v zm="$zm" -v vt="$vt" 'NR > 1 && ($zm == "nan" || !($vt > 0)) { exit 1 }'
ok $? "relu and linear with Gaussian or normal weights: finite-width theory in every row"
# the per-width theory: Var ln M_3 at width 8 for relu exceeds that at 16
v8=$(data "$S" | awk -F '\t' -v w="$w" -v d="$d" -v vt="$vt" '$1 == "relu" && $2 == "he_normal" && $w == 8 && $d == 3 && $3 == 3 {print $vt}')
v16=$(data "$S" | awk -F '\t' -v w="$w" -v d="$d" -v vt="$vt" '$1 == "relu" && $2 == "he_normal" && $w == 16 && $d == 3 && $3 == 3 {print $vt}')
awk -v a="$v8" -v b="$v16" 'BEGIN { exit !(a > 1.5 * b && b > 0) }'
ok $? "Var ln M_3 theory shrinks with the width (8: $v8, 16: $v16)"
grep -q '^# shapes: every width of 8 (40 trials), 16 (30 trials)' "$S"
ok $? "provenance names the shapes and their trials"
data "$D/A/claims.tsv" | awk -F '\t' 'NR > 1 && $8 != "pass" { exit 1 } END { exit NR != 3 }'
ok $? "claims naming width= and depth= are judged, and hold"

# ---- threads: byte-identical rows ------------------------------------------------
run run "$E" -o "$D/T2" -q --threads 2
ok "$rc" "--threads 2 exits 0"
for f in summary.tsv layers.tsv lnhist.tsv claims.tsv; do
  data "$D/A/$f" >"$D/x1"; data "$D/T2/$f" >"$D/x2"
  cmp -s "$D/x1" "$D/x2"
  ok $? "$f: --threads 1 and 2 give identical rows"
done

# ---- --only width=N, depth=N: the same rows as the full run ----------------------
run run "$E" -o "$D/O" -q --only width=16 --only depth=5
ok "$rc" "--only width=16 --only depth=5 exits 0" "$(cat "$D/err")"
data "$S" | awk -F '\t' -v w="$w" -v d="$d" 'NR == 1 || ($w == 16 && $d == 5)' >"$D/x1"
data "$D/O/summary.tsv" >"$D/x2"
cmp -s "$D/x1" "$D/x2"
ok $? "--only width=16 --only depth=5: its rows equal the full run's"
n=$(data "$D/O/summary.tsv" | tail -n +2 | wc -l)
[ "$n" -eq $((2 * 2 * 5)) ]
ok $? "--only width=16 --only depth=5: 20 rows" "$n"
run run "$E" -o "$D/O2" -q --only width=8 --only act=linear
data "$S" | awk -F '\t' -v w="$w" 'NR == 1 || ($w == 8 && $1 == "linear")' >"$D/x1"
data "$D/O2/summary.tsv" >"$D/x2"
cmp -s "$D/x1" "$D/x2"
ok $? "--only width=8 --only act=linear: its rows equal the full run's"
run run "$E" -o "$D/O3" -q --only width=12
[ "$rc" -eq 2 ] && grep -q "no such width" "$D/err"
ok $? "--only width=12 (not in the list): exit 2 naming it" "exit $rc: $(cat "$D/err")"
run run "$E" -o "$D/O3" -q --only height=3
[ "$rc" -eq 2 ] && grep -q "width=N, depth=N, sigma_b2=V, input=SPEC or batch=N" "$D/err"
ok $? "--only height=3: exit 2 listing the keys" "exit $rc"

# ---- claims must name a shape where there are several ---------------------------
sed 's/width=16 depth=5 //' "$E" >"$D/noshape.cfg"
run run "$D/noshape.cfg" -o "$D/N" -q
[ "$rc" -eq 2 ] && grep -q "noshape.cfg:10: claim: the experiment sweeps 2 widths; name one with width=N" "$D/err"
ok $? "a claim without width= in a width sweep: exit 2 with file and line" "exit $rc: $(cat "$D/err")"
sed 's/width=16 depth=5/width=32 depth=5/' "$E" >"$D/badw.cfg"
run run "$D/badw.cfg" -o "$D/N" -q
[ "$rc" -eq 2 ] && grep -q "badw.cfg:10: claim: width 32 is not one of the experiment's" "$D/err"
ok $? "a claim naming a width not swept: exit 2" "exit $rc: $(cat "$D/err")"
sed 's/width=16 depth=5/width=16 depth=5 width=8/' "$E" >"$D/twice.cfg"
run run "$D/twice.cfg" -o "$D/N" -q
[ "$rc" -eq 2 ] && grep -q "width given twice" "$D/err"
ok $? "a claim naming two widths: exit 2" "exit $rc"
sed 's/ln_x_sq_mean_z\[5\]/ln_x_sq_mean_z[7]/' "$E" >"$D/deep.cfg"
run run "$D/deep.cfg" -o "$D/N" -q
[ "$rc" -eq 2 ] && grep -q "layers must lie in 1..5" "$D/err"
ok $? "a claim's layer beyond its shape's depth: exit 2" "exit $rc: $(cat "$D/err")"

# ---- layers_table = no: no per-trial table, and an older one is removed ----------
sed 's/^ln_histogram = 10$/layers_table = no/' "$E" >"$D/nolayers.cfg"
run run "$D/nolayers.cfg" -o "$D/A" -q
[ "$rc" -eq 0 ] && [ ! -e "$D/A/layers.tsv" ] && [ -s "$D/A/summary.tsv" ]
ok $? "layers_table = no writes no layers.tsv and removes the older one" "exit $rc"

# ---- a single width and depth keep their rows: the shape columns are added -------
cat >"$D/one.cfg" <<'EOF'
activations = tanh
schemes = lecun_normal
width = 8
depth = 2
batch = 4
trials = 2
EOF
run run "$D/one.cfg" -o "$D/one" -q
w1=$(col "$D/one/summary.tsv" width) zm1=$(col "$D/one/summary.tsv" ln_x_sq_mean_z) d1=$(col "$D/one/summary.tsv" depth)
data "$D/one/summary.tsv" | awk -F '\t' -v w="$w1" -v d="$d1" -v z="$zm1" 'NR > 1 && ($w != 8 || $d != 2 || $z != "nan") { exit 1 } END { exit NR != 3 }'
ok $? "one shape: 2 rows, width 8 and depth 2, tanh's finite-width theory nan" "exit $rc"
data "$D/one/summary.tsv" | head -n 1 | grep -q '	g_over	width	depth	sigma_b2	input	batch$'
ok $? "summary.tsv ends with the point's columns width depth sigma_b2 input batch"

# ---- initlab theory --width: the finite-width columns beside mean field -----------
timeout 60 "$B" theory --act relu --sigma-w2 2 --depth 3 --width 16 >"$D/th" 2>"$D/err"; rc=$?
vc=$(col "$D/th" ln_x_sq_var) ec=$(col "$D/th" exact)
# layer 1: the input's psi_1(8) = 0.13313 plus 0.4196 a relu layer at n = 16
data "$D/th" | awk -F '\t' -v v="$vc" -v e="$ec" '$1 == 1 { d = $v - 0.5527; if (d < 0) d = -d; exit !(d < 1e-3 && $e == 1) }'
[ "$rc" -eq 0 ] && [ $? -eq 0 ]
ok $? "theory --width 16: Var ln M_1 = psi_1(8) + 0.4196, exact" "exit $rc: $(head -c 300 "$D/th")"
timeout 60 "$B" theory --act tanh --sigma-w2 1 --depth 2 --width 16 >"$D/th" 2>"$D/err"
data "$D/th" | awk -F '\t' -v v="$vc" -v e="$ec" 'NR > 1 && ($v != "nan" || $e != -1) { exit 1 }'
ok $? "theory --width 16 for tanh: nan and exact = -1 where no closed form exists"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
