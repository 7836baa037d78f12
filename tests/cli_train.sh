#!/bin/sh
# Command-line tests of training runs ('train = ...' in an experiment file):
# train.tsv and train_layers.tsv do not depend on --threads, step 0's
# forward statistics are layers.tsv's, the same seed gives the same bytes,
# and bad keys stop with the file, the line and exit status 2.
# Usage: sh tests/cli_train.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"

cat >"$D/t.cfg" <<'EOF'
# Does a small network learn its teacher?
activations = relu tanh
schemes     = he_normal glorot_normal
depth       = 3
width       = 16 32 64
input_width = 8
batch       = 8
trials      = 3
seed        = 5
sigma_b2    = 0.05
train       = adam:lr=0.003,steps=20
task        = teacher:depth=2,width=16,act=tanh,out=2
parametrization = mup:base_width=16
record      = 0 1 20
EOF

timeout 60 "$B" run "$D/t.cfg" -o "$D/a" -j 1 -q; ok $? "a training run succeeds"
timeout 60 "$B" run "$D/t.cfg" -o "$D/b" -j 3 -q; ok $? "the same run on 3 threads"
timeout 60 "$B" run "$D/t.cfg" -o "$D/c" -j 1 -q; ok $? "the same run again"
for f in train.tsv train_layers.tsv; do
  grep -v '^# command' "$D/a/$f" >"$D/a.x"; grep -v '^# command' "$D/b/$f" >"$D/b.x"
  cmp -s "$D/a.x" "$D/b.x"; ok $? "$f does not depend on --threads"
  grep -v '^# command' "$D/c/$f" >"$D/c.x"
  cmp -s "$D/a.x" "$D/c.x"; ok $? "$f is the same for the same seed"
done
rows=$(grep -v '^#' "$D/a/train.tsv" | tail -n +2 | wc -l)
[ "$rows" -eq $((2 * 2 * 3 * 3 * 21)) ]; ok $? "train.tsv: one row per act, scheme, width, trial, step" "$rows rows"
head -n 40 "$D/a/train.tsv" | grep -q "^act	scheme	width	depth	trial	step	loss	grad_norm$"; ok $? "train.tsv's header"
# step 0's forward statistics (h_mean h_var x_mean x_var x_sq) are layers.tsv's
awk -F'\t' '/^#/ { next }
  FNR == NR && $1 == "act" { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $1 == "act" { next }
  FNR == NR { k = $1 FS $2 FS $3 FS $4 FS $c["width"]; v[k] = $c["h_mean"] FS $c["h_var"] FS $c["x_mean"] FS $c["x_var"] FS $c["x_sq"]; n++; next }
  $6 == 0 && $7 <= $4 { k = $1 FS $2 FS $5 FS $7 FS $3; m++; if (v[k] != $10 FS $11 FS $12 FS $13 FS $14) bad++ }
  END { exit !(n > 0 && m == n && bad == 0) }' "$D/a/layers.tsv" "$D/a/train_layers.tsv"
ok $? "step 0's forward statistics in train_layers.tsv equal layers.tsv's"
# the loss falls: summed over runs, step 20's is below step 0's
awk -F'\t' '/^#/ || $1 == "act" { next } $6 == 0 { a += $7 } $6 == 20 { b += $7 } END { exit !(b < 0.8 * a) }' \
  "$D/a/train.tsv"; ok $? "adam lowers the loss in 20 steps"

# claims: one that holds, two that the runs reject (exit 1), one on a slope
{ cat "$D/t.cfg"
  echo "train_claim = relu he_normal width=32 loss[20] / loss[0] < 1 at 1e-3"
  echo "train_claim = relu he_normal width=32 loss[20] / loss[0] > 2 at 0.2"
  echo "train_claim = tanh glorot_normal slope x_abs[2] step 0 in [5, 6] at 1e-3"
  echo "train_claim = tanh glorot_normal slope x_abs[out] step 20 in [-9, 9] at 1e-3"
} >"$D/c.cfg"
timeout 60 "$B" run "$D/c.cfg" -o "$D/cl" -j 2 -q 2>"$D/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "2 of 4 training claims failed" "$D/err"; ok $? "failed training claims: exit 1" "exit $rc: $(cat "$D/err")"
v=$(grep -v '^#' "$D/cl/train_claims.tsv" | awk -F'\t' 'NR > 1 {printf "%s ", $8}')
[ "$v" = "pass FAIL FAIL pass " ]; ok $? "train_claims.tsv's verdicts" "$v"

# a run that diverges (loss inf, then nan) has an infinite loss ratio
printf '# diverging\nactivations = linear\nschemes = he_normal\ndepth = 2\nwidth = 8\nbatch = 4\ntrials = 3\ntrain = sgd:lr=1e6,steps=6\ntask = teacher:depth=0,out=1\ntrain_claim = linear he_normal loss[6] / loss[0] > 1 at 1e-3\ntrain_claim = linear he_normal loss[6] / loss[0] < 1 at 1e-3\n' >"$D/div.cfg"
timeout 60 "$B" run "$D/div.cfg" -o "$D/div" -q 2>"$D/err"; rc=$?
v=$(grep -v '^#' "$D/div/train_claims.tsv" | awk -F'\t' 'NR > 1 {printf "%s %s %s ", $8, $4, $6}')
[ "$rc" -eq 1 ] && [ "$v" = "pass inf inf FAIL inf inf " ]; ok $? "a diverged run: ratio inf, '> 1' holds, '< 1' fails" "exit $rc: $v"
grep -v '^#' "$D/div/train.tsv" | awk -F'\t' '$6 == 6 && $7 == $7 + 0 && $7 < 1e300 {bad = 1} END {exit bad}'
ok $? "a diverged run's loss is written as inf or nan, not an error"

# errors: the file, the line, exit 2
bad() { # NAME LINE TEXT...: replaces the train lines with TEXT, expects FILE:LINE
  name=$1 line=$2; shift 2
  grep -v -e '^train' -e '^task' -e '^parametrization' -e '^record' "$D/t.cfg" >"$D/e.cfg"
  for l in "$@"; do printf '%s\n' "$l" >>"$D/e.cfg"; done
  timeout 60 "$B" run "$D/e.cfg" -o "$D/e" -q 2>"$D/err"
  rc=$?
  [ "$rc" -eq 2 ] && grep -q "e.cfg:$line:" "$D/err" && [ ! -e "$D/e/train.tsv" ]
  ok $? "$name: exit 2 naming line $line" "exit $rc: $(cat "$D/err")"
}
n=$(grep -v -e '^train' -e '^task' -e '^parametrization' -e '^record' "$D/t.cfg" | wc -l)
bad "no steps" $((n + 1)) "train = sgd:lr=0.1"
bad "unknown optimizer" $((n + 1)) "train = lbfgs:lr=0.1,steps=3"
bad "unknown task" $((n + 2)) "train = sgd:lr=0.1,steps=3" "task = mnist"
bad "record beyond the steps" $((n + 2)) "train = sgd:lr=0.1,steps=3" "record = 0 4"
bad "record without train" $((n + 1)) "record = 0 1"
bad "unknown parametrization" $((n + 2)) "train = sgd:lr=0.1,steps=3" "parametrization = ntk"
bad "readout=no with n_L != out" $((n + 2)) "train = sgd:lr=0.1,steps=3" "task = teacher:out=3,readout=no"
bad "a claim on a scheme not in the file" $((n + 2)) "train = sgd:lr=0.1,steps=3" "train_claim = relu lecun_normal width=16 loss[3] / loss[0] < 1 at 1e-3"
bad "a loss claim over two shapes" $((n + 2)) "train = sgd:lr=0.1,steps=3" "train_claim = relu he_normal loss[3] / loss[0] < 1 at 1e-3"
bad "a slope at a step not recorded" $((n + 2)) "train = sgd:lr=0.1,steps=3" "train_claim = relu he_normal slope x_abs[1] step 2 < 1 at 1e-3"
bad "a claim without alpha" $((n + 2)) "train = sgd:lr=0.1,steps=3" "train_claim = relu he_normal width=16 loss[3] / loss[0] < 1"
timeout 60 "$B" run "$D/t.cfg" -o "$D/sh" --shard 1/2 -q 2>"$D/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "shard" "$D/err" && [ ! -e "$D/sh/train.tsv" ]; ok $? "training runs refuse --shard: exit 2" "exit $rc"
timeout 60 "$B" run "$D/t.cfg" -o "$D/pr" --precision half -q 2>"$D/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "double" "$D/err" && [ ! -e "$D/pr/train.tsv" ]; ok $? "training runs refuse --precision half: exit 2" "exit $rc"
printf 'activations = relu\nschemes = lsuv:base=he_normal\ndepth = 2\nwidth = 8\nbatch = 4\ntrain = sgd:lr=0.1,steps=2\n' >"$D/l.cfg"
timeout 60 "$B" run "$D/l.cfg" -o "$D/l" -q 2>"$D/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "l.cfg:6:.*lsuv" "$D/err"; ok $? "an lsuv scheme cannot train: exit 2" "exit $rc: $(cat "$D/err")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
