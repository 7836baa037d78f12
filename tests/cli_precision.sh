#!/bin/sh
# Command-line tests of the precisions: 'initlab run --precision' gives the
# same tables whatever the threads and the cell subset, the new columns are
# there and move the right way, bad values are usage errors naming the file
# and line, and 'sample' and 'moments' draw in the formats.
# Usage: sh tests/cli_precision.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"
run() {
  timeout 60 "$B" "$@" >"$D/out" 2>"$D/err" </dev/null
  rc=$?
}

E="$D/p.cfg"
cat >"$E" <<'CFG'
# Glorot halves a ReLU network's signal each layer: binary16 flushes it.
activations = relu tanh
schemes     = glorot_normal he_normal normal:std=1
depth       = 40
width       = 64
batch       = 8
trials      = 2
seed        = 5
CFG

for p in single half bfloat16; do
  run run "$E" -o "$D/a_$p" -q -j 1 --precision "$p"; ok $rc "run --precision $p -j 1" "$(cat "$D/err")"
  run run "$E" -o "$D/b_$p" -q -j 2 --precision "$p"; ok $rc "run --precision $p -j 2"
  for f in layers summary; do
    data "$D/a_$p/$f.tsv" >"$D/x"; data "$D/b_$p/$f.tsv" >"$D/y"
    cmp -s "$D/x" "$D/y"; ok $? "$p: $f.tsv the same with 1 and 2 threads"
  done
  # a lone cell gets every thread inside its products (sgemm on 2 threads)
  run run "$E" -o "$D/c_$p" -q -j 2 --precision "$p" --only act=relu --only scheme=he_normal
  data "$D/c_$p/layers.tsv" >"$D/x"
  data "$D/a_$p/layers.tsv" | awk -F'\t' 'NR == 1 || ($1 == "relu" && $2 == "he_normal")' >"$D/y"
  cmp -s "$D/x" "$D/y"; ok $? "$p: one cell alone (threaded sgemm) gives the rows of the full run"
done

# the precision changes the numbers, and double is the default
run run "$E" -o "$D/d" -q -j 2; ok $rc "run in double"
data "$D/d/layers.tsv" >"$D/x"; data "$D/a_single/layers.tsv" >"$D/y"
! cmp -s "$D/x" "$D/y"; ok $? "single differs from double"
grep -q '^# precision: half, loss scale 1;' "$D/a_half/summary.tsv"; ok $? "summary.tsv states the precision"

# the columns: by name, at the end; Glorot's H underflows in half at the last
# layer (Var(H_40) ~ 2^-39: sd 2^-19.5, far below 2^-14), not at the first, nor in bfloat16
col() { # FILE COLUMN ACT SCHEME LAYER
  awk -F'\t' -v c="$2" -v a="$3" -v s="$4" -v l="$5" '
    /^#/ { next } !h { for (i = 1; i <= NF; i++) k[$i] = i; h = 1; next }
    $1 == a && $2 == s && $3 == l { print $k[c]; exit }' "$1"
}
u1=$(col "$D/a_half/summary.tsv" h_under relu glorot_normal 1)
u24=$(col "$D/a_half/summary.tsv" h_under relu glorot_normal 40)
ub=$(col "$D/a_bfloat16/summary.tsv" h_under relu glorot_normal 40)
awk -v a="$u1" -v b="$u24" -v c="$ub" 'BEGIN { exit !(a < 0.01 && b > 0.9 && c == 0) }'
ok $? "half: Glorot's H underflows at layer 40, not at 1; bfloat16 keeps it" "$u1 $u24 $ub"
o=$(col "$D/a_half/summary.tsv" h_over relu normal:std=1 6)
awk -v a="$o" 'BEGIN { exit !(a > 0) }'; ok $? "half: std=1 overflows by layer 6 (Var(H) ~ 32^l)" "$o"
o=$(col "$D/d/summary.tsv" h_over relu normal:std=1 6)
[ "$o" = 0 ]; ok $? "double: std=1 has not overflowed at layer 6" "$o"

# loss scaling lifts the gradients out of the subnormal range and leaves the
# variances (divided back by S^2) where they were
run run "$E" -o "$D/s" -q -j 2 --precision half --loss-scale 1024; ok $rc "run --loss-scale 1024"
g0=$(col "$D/a_half/summary.tsv" g_under relu glorot_normal 1)
g1=$(col "$D/s/summary.tsv" g_under relu glorot_normal 1)
awk -v a="$g0" -v b="$g1" 'BEGIN { exit !(b < a) }'; ok $? "loss scale 1024 lowers the gradient underflow at layer 1" "$g0 -> $g1"

# usage errors: exit 2, naming the file and line or the option
printf 'activations = relu\nschemes = he_normal\ndepth = 2\nwidth = 4\nbatch = 2\nprecision = quad\n' >"$D/bad.cfg"
run run "$D/bad.cfg" -o "$D/bad" -q; [ $rc -eq 2 ] && grep -q "bad.cfg:6: precision: 'quad'" "$D/err"
ok $? "precision = quad: exit 2 with file:line" "rc $rc: $(cat "$D/err")"
printf 'activations = relu\nschemes = he_normal\ndepth = 2\nwidth = 4\nbatch = 2\nloss_scale = 0\n' >"$D/bad.cfg"
run run "$D/bad.cfg" -o "$D/bad" -q; [ $rc -eq 2 ] && grep -q "bad.cfg:6: loss_scale" "$D/err"
ok $? "loss_scale = 0: exit 2 with file:line" "rc $rc"
run run "$E" -o "$D/bad" -q --precision float8; [ $rc -eq 2 ] && grep -q -- "--precision: 'float8'" "$D/err"
ok $? "--precision float8: exit 2" "rc $rc"
run run "$E" -o "$D/bad" -q --loss-scale -3; [ $rc -eq 2 ]; ok $? "--loss-scale -3: exit 2" "rc $rc"
[ ! -e "$D/bad/summary.tsv" ]; ok $? "no table after a usage error"

# sample: the draws of the double run rounded (2^-24 grid below 2^-14)
run sample normal:std=0.0001 --fan-in 4 --fan-out 4 -n 2 --precision half
[ "$(head -n 1 "$D/out")" = "9.0658664703369141e-05" ]; ok $? "sample --precision half rounds the pinned draw" "$(head -n 1 "$D/out")"
run sample normal:std=0.000001 --fan-in 4 --fan-out 4 -n 1000 --precision half
awk '{ q = $1 * 16777216; if (q != int(q)) bad++ } END { exit bad > 0 }' "$D/out"; ok $? "sample: binary16 subnormals are multiples of 2^-24"
run sample he_normal --fan-in 4 --fan-out 4 --precision quad; [ $rc -eq 2 ]; ok $? "sample --precision quad: exit 2"

# moments: rounded draws against the exact law of the rounded draws, even
# where half the draws are subnormal (std 2^-14)
run moments --precision half -n 100000 he_normal normal:std=0.00006103515625 uniform:limit=0.001
ok $rc "moments --precision half passes" "$(cat "$D/err")"
[ "$(grep -c 'pass$' "$D/out")" -eq 3 ]; ok $? "moments --precision half: three rows pass"
run moments --precision bfloat16 -n 100000 orthogonal; [ $rc -eq 2 ]; ok $? "moments --precision with a matrix ensemble: exit 2"
run moments --precision half --audit; [ $rc -eq 2 ]; ok $? "moments --precision with --audit: exit 2"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
