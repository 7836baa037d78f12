#!/bin/sh
# Command-line tests of the matrix schemes and 'initlab spectrum': whole
# orthogonal matrices from 'sample', their entry law in 'moments', experiments
# with orthogonal and identity weights (the same tables whatever --threads),
# the spectrum table's layout and exact cases, and usage errors.
# Usage: sh tests/cli_spectrum.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"

# ---- sample: fan_out rows of fan_in entries, a blank line after each matrix ----------
run sample orthogonal:gain=2 --fan-in 7 --fan-out 4 -n 3 >"$D/s"
ok "$rc" "sample orthogonal exits 0"
[ "$(grep -c . "$D/s")" -eq 12 ] && [ "$(grep -c '^$' "$D/s")" -eq 3 ]
ok $? "3 matrices of 4 rows and blank lines between" "$(wc -l <"$D/s") lines"
awk -F'\t' 'NF && NF != 7 {exit 1}' "$D/s"; ok $? "each row has fan_in = 7 entries"
# fan_out <= fan_in: orthonormal rows times gain, W W^T = 4 I (to 1e-12)
awk -F'\t' 'BEGIN {bad = 0} !NF {n = 0; next} {n++; for (j = 1; j <= NF; j++) r[n, j] = $j
  if (n == 4) for (a = 1; a <= 4; a++) for (b = 1; b <= 4; b++) { s = 0
    for (j = 1; j <= NF; j++) s += r[a, j] * r[b, j]; e = s - (a == b ? 4 : 0); if (e * e > 1e-24) bad = 1 } }
  END {exit bad}' "$D/s"
ok $? "sample orthogonal:gain=2: W W^T = gain^2 I"
run sample orthogonal --fan-in 3 --fan-out 5 >"$D/s"
awk -F'\t' 'NF {n++; for (j = 1; j <= NF; j++) c[j] += $j * $j} END {for (j = 1; j <= 3; j++) { e = c[j] - 1; if (e * e > 1e-24) exit 1 }; exit n != 5}' "$D/s"
ok $? "fan_out > fan_in: one matrix of 5 rows with orthonormal columns"
run sample identity:gain=3 --fan-in 2 --fan-out 3 >"$D/s"
printf '3\t0\n0\t3\n0\t0\n\n' | cmp -s - "$D/s"; ok $? "sample identity:gain=3 prints 3 I, 3 x 2"
run sample orthogonal --fan-in 6 --fan-out 6 --seed 9 >"$D/s1"; run sample orthogonal --fan-in 6 --fan-out 6 --seed 9 >"$D/s2"
cmp -s "$D/s1" "$D/s2"; ok $? "same seed, same matrix"

# ---- moments: the entry law of whole matrices --------------------------------------
run moments orthogonal orthogonal:gain=3 identity -n 200000 --fan-in 300 --fan-out 200 >"$D/m"
ok "$rc" "moments of orthogonal and identity pass" "$(data "$D/m" | cut -f1,18-21,27)"
run moments orthogonal:gain=1.02 -n 200000 --fan-in 300 --fan-out 200 >"$D/m"
ok "$rc" "moments of orthogonal:gain=1.02 checked against its own law pass"

# ---- experiments with matrix schemes: thread-independent tables ---------------------
cat >"$D/e.cfg" <<'CFG'
activations = linear tanh relu
schemes     = orthogonal orthogonal:gain=1.4142135623730951 identity he_normal
depth       = 5
widths      = 24 24 12 30 24 24
batch       = 8
trials      = 2
seed        = 3
CFG
run run "$D/e.cfg" -o "$D/r1" --threads 1 -q; ok "$rc" "run with orthogonal and identity exits 0" "$(head -c 300 "$D/err")"
run run "$D/e.cfg" -o "$D/r2" --threads 2 -q
data "$D/r1/layers.tsv" >"$D/l1"; data "$D/r2/layers.tsv" >"$D/l2"
cmp -s "$D/l1" "$D/l2"; ok $? "orthogonal layers.tsv identical with 1 and 2 threads"
# a linear network of identities keeps every entry: h_var at layer 1 is the input's
awk -F'\t' '$1 == "linear" && $2 == "identity" && $4 == 1 {print $10}' "$D/l1" | head -1 >"$D/h"
[ -s "$D/h" ]; ok $? "identity rows present"
printf 'input = orthogonal\n' >>"$D/e.cfg"
run run "$D/e.cfg" -o "$D/r3" -q
[ "$rc" -eq 2 ] && grep -q 'e.cfg:8: input' "$D/err"; ok $? "a matrix scheme as input law is an error at its line" "exit $rc: $(cat "$D/err")"

# ---- spectrum = yes in an experiment --------------------------------------------------
cat >"$D/s.cfg" <<'CFG'
activations = tanh relu
schemes     = orthogonal:gain=1.0421258522 he_normal
depth       = 6
width       = 32
batch       = 8
trials      = 3
seed        = 11
sigma_b2    = 1e-4
spectrum    = yes
spectrum_layers = 2 6
claim = tanh orthogonal:gain=1.0421258522 all sq_mean[1..6] in [0.5, 2]
claim = relu he_normal sq_var_theory[6] in [11.999, 12.001]
CFG
run run "$D/s.cfg" -o "$D/q1" --threads 1 -q; ok "$rc" "run with spectrum = yes exits 0" "$(cat "$D/err")"
run run "$D/s.cfg" -o "$D/q2" --threads 2 -q
for f in spectrum.tsv spectrum_values.tsv claims.tsv; do
  data "$D/q1/$f" >"$D/a"; data "$D/q2/$f" >"$D/b"
  [ -s "$D/a" ] && cmp -s "$D/a" "$D/b"; ok $? "$f written and identical with 1 and 2 threads"
done
[ "$(data "$D/q1/spectrum.tsv" | wc -l)" -eq $((2 * 2 * 6 + 1)) ]; ok $? "spectrum.tsv: one row per (act, scheme, layer)"
[ "$(data "$D/q1/spectrum_values.tsv" | wc -l)" -eq $((2 * 2 * 3 * 2 * 32 + 1)) ]; ok $? "spectrum_values.tsv: every singular value at 2 layers"
[ "$(data "$D/q1/claims.tsv" | awk -F'\t' '$8 == "pass"' | wc -l)" -eq 2 ]; ok $? "spectrum claims evaluated"
# the same networks as 'initlab spectrum' with the same seed
run spectrum --act relu --scheme he_normal --depth 6 --width 32 --trials 3 --seed 11 --sigma-b2 1e-4 >"$D/sp"
data "$D/sp" | awk -F'\t' 'NR > 1 {print $3}' >"$D/a"
data "$D/q1/spectrum.tsv" | awk -F'\t' '$1 == "relu" && $2 == "he_normal" {print $6}' >"$D/b"
cmp -s "$D/a" "$D/b"; ok $? "spectrum.tsv rows equal 'initlab spectrum' for the same seed"
# '~' claims on the spectrum: each trial's own sq_mean, and free probability
# at Var(W) e^-+0.01 for the sensitivity: ReLU's sq_mean = chi_1^l with chi_1
# proportional to Var(W), so d ln sq_mean[6] / d ln Var(W) = 6
sed -e '/^claim/d' "$D/s.cfg" >"$D/t.cfg"
printf '%s\n' 'claim = relu he_normal sq_mean[6] ~ 1 at 1e-4' 'claim = tanh orthogonal:gain=1.0421258522 sq_var[6] ~ theory at 1e-4' >>"$D/t.cfg"
run run "$D/t.cfg" -o "$D/q3" --threads 1 -q; ok "$rc" "'~' claims on sq_mean and sq_var run" "$(cat "$D/err")"
data "$D/q3/claims.tsv" | awk -F'\t' 'NR == 2 { if (!($8 == "pass" && $10 > 0 && $11 > 5.99 && $11 < 6.01)) exit 1; n++ }
  NR == 3 { if (!($8 == "pass" && $10 > 0 && $11 == 0)) exit 1; n++ } END { exit n != 2 }'
ok $? "'~' sq claims: per-trial spread > 0, sensitivity 6 for ReLU's sq_mean[6], 0 for a 'theory' centre" "$(data "$D/q3/claims.tsv" | cut -f3,8,10,11)"
bad_cfg() { # name, extra lines, expected message
  printf 'activations = relu\nschemes = he_normal\nbatch = 4\n%b' "$2" >"$D/bad.cfg"
  run run "$D/bad.cfg" -o "$D/bad" -q
  [ "$rc" -eq 2 ] && grep -q "$3" "$D/err"; ok $? "$1" "exit $rc: $(cat "$D/err")"
}
bad_cfg "spectrum needs one width" 'widths = 4 8 4\nspectrum = yes\n' 'bad.cfg:5: spectrum = yes needs square layers'
bad_cfg "spectrum takes yes or no" 'depth = 2\nwidth = 4\nspectrum = maybe\n' 'bad.cfg:6: spectrum must be yes or no'
bad_cfg "spectrum_layers needs spectrum" 'depth = 2\nwidth = 4\nspectrum_layers = 1\n' 'bad.cfg:6: spectrum_layers needs'
bad_cfg "spectrum_layers within depth" 'depth = 2\nwidth = 4\nspectrum = yes\nspectrum_layers = 3\n' 'bad.cfg:7: spectrum_layers: layer 3'
bad_cfg "sq claims need spectrum" 'depth = 2\nwidth = 4\nclaim = relu he_normal sq_var[1] < 3\n' 'bad.cfg:6: claim: the sq_'

# ---- spectrum ------------------------------------------------------------------------
run spectrum --help >"$D/h"; ok "$rc" "spectrum --help exits 0"
grep -q 'Fuss-Catalan' "$D/h" && grep -q 'Exit status' "$D/h"; ok $? "spectrum --help states the theory and exit statuses"
run spectrum --act relu --scheme he_normal --depth 6 --width 40 --trials 3 --seed 5 >"$D/sp"
ok "$rc" "spectrum exits 0"
data "$D/sp" | head -1 | grep -q '^layer	trials	sq_mean	sq_mean_lo	sq_mean_hi	sq_var	sq_var_lo	sq_var_hi	sq_mean_theory	sq_var_theory	sv_min	sv_max	finite$'
ok $? "spectrum header"
[ "$(data "$D/sp" | wc -l)" -eq 7 ]; ok $? "one row per layer"
data "$D/sp" | awk -F'\t' 'NR > 1 && ($9 != 1 || $10 != 2 * $1) {exit 1}'; ok $? "ReLU Gaussian theory: mean 1, variance 2l"
run spectrum --act relu --scheme he_normal --depth 6 --width 40 --trials 3 --seed 5 >"$D/sp2"
cmp -s "$D/sp" "$D/sp2"; ok $? "spectrum: same seed, same table"
run spectrum --act linear --scheme orthogonal --depth 4 --width 16 --trials 2 >"$D/sp"
data "$D/sp" | awk -F'\t' 'NR > 1 && ($11 < 1 - 1e-12 || $12 > 1 + 1e-12 || $10 != 0) {exit 1}'
ok $? "linear orthogonal: every singular value 1, theory variance 0"
run spectrum --act tanh --scheme orthogonal:gain=1.05 --sigma-b2 1e-4 --depth 3 --width 8 --trials 2 --values >"$D/v"
ok "$rc" "spectrum --values exits 0"
[ "$(data "$D/v" | wc -l)" -eq $((2 * 3 * 8 + 1)) ] && data "$D/v" | head -1 | grep -q '^trial	layer	k	sv	sq$'
ok $? "--values: one row per singular value"
run spectrum --act linear --scheme normal:std=10 --depth 400 --width 4 --trials 1 >"$D/sp"
ok "$rc" "an exploding network is a result" "exit $rc: $(cat "$D/err")"
data "$D/sp" | tail -1 | awk -F'\t' '$13 != 0 {exit 1}'; ok $? "its overflowed layers count no finite trial"
for args in "--scheme he_normal --depth 2 --width 4" "--act relu --depth 2 --width 4" \
            "--act nope --scheme he_normal --depth 2 --width 4" "--act relu --scheme nope --depth 2 --width 4" \
            "--act relu --scheme he_normal --depth 0 --width 4" "--act relu --scheme he_normal --depth 2 --width 5000" \
            "--act relu --scheme he_normal --depth 2 --width 4 --trials 0" "--act relu --scheme he_normal --depth 2 --width 4 --sigma-b2 -1" \
            "--act relu --scheme he_normal --depth 2 --width 4 extra" "--act relu --scheme he_normal --depth 10000 --width 4096 --trials 10 --values"; do
  # shellcheck disable=SC2086
  run spectrum $args >/dev/null
  [ "$rc" -eq 2 ] && grep -q "initlab spectrum" "$D/err"; ok $? "spectrum $args: usage error (exit 2)" "exit $rc"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
