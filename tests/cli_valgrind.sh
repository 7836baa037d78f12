#!/bin/sh
# Memory checks of the command line under valgrind's memcheck: a tiny run
# (claims and histograms included, so those paths run too), sample, theory,
# moments, plot's figure commands (--script: no gnuplot under memcheck),
# and a run that fails on a malformed experiment file (the clean-up path).  Each must exit as expected with no memcheck error: no invalid read
# or write, no use of an uninitialised value, no leak that is "definitely
# lost".  OpenBLAS runs one thread (OPENBLAS_NUM_THREADS=1, run --threads 1):
# its thread pool is not ours to check and slows valgrind down.
# tests/valgrind.supp holds the suppressions for errors in code that is not
# ours, each with its reason.  Takes about 5 s.
# Usage: sh tests/cli_valgrind.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
set -u
B=${1:?usage: sh tests/cli_valgrind.sh path/to/initlab}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
if [ ! -x "$B" ]; then
  echo "FAIL: $B is not an executable"; echo "0 passed, 1 failed"; exit 1
fi
# valgrind is in scripts/deps.sh's list, so 'make check' installs it.
if ! command -v valgrind >/dev/null 2>&1; then
  echo "FAIL: valgrind is not installed (scripts/deps.sh installs it)"; echo "0 passed, 1 failed"; exit 1
fi
SUPP=$(cd "$(dirname "$0")" && pwd)/valgrind.supp
D=$(mktemp -d) || exit 1
trap 'rm -rf "$D"' EXIT INT TERM
export OPENBLAS_NUM_THREADS=1
passed=0 failed=0

# ok NAME DETAIL: counts the status of the command run just before.
ok() {
  if [ "$st" -eq 0 ]; then passed=$((passed + 1)); else echo "FAIL: $1 ($2)"; failed=$((failed + 1)); fi
}

# v NAME STATUS ARGS...: runs initlab under memcheck (120 s at most) and
# expects exit STATUS and "ERROR SUMMARY: 0 errors" in valgrind's log.  On
# an error memcheck exits 1 (--error-exitcode=1), which no case expects.
v() {
  name=$1 want=$2
  shift 2
  timeout 120 valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --track-origins=yes --suppressions="$SUPP" \
    --log-file="$D/vg" "$B" "$@" >"$D/out" 2>"$D/err" </dev/null
  got=$?
  why=""
  if [ "$got" -eq 124 ]; then why="timed out after 120 s"
  elif [ "$got" -ne "$want" ]; then why="exit $got, expected $want"
  fi
  if ! grep -q 'ERROR SUMMARY: 0 errors' "$D/vg"; then
    why="${why:+$why; }$(grep 'ERROR SUMMARY' "$D/vg" | sed 's/^==[0-9]*== //')"
    # the first report: what, and the first frame in a source file
    first=$(sed -n 's/^==[0-9]*== \([A-Z][^ ].*\)$/\1/p' "$D/vg" | grep -v -E '^(Memcheck|Copyright|Using|Command|Parent|HEAP|LEAK|ERROR|For lists|Rerun|To see)' | head -n 1)
    where=$(grep -o -E '\([a-z_]+\.c:[0-9]+\)' "$D/vg" | head -n 1)
    [ -n "$first" ] && why="$why; first: $first $where"
  fi
  if [ -n "$why" ]; then
    echo "FAIL: $name ($why; stderr: $(head -c 200 "$D/err" | tr '\n' ' '))"
    # the first report, the lines that say what and where
    grep -v -E '^==[0-9]+== *$' "$D/vg" | sed -n '/Invalid\|uninitialised\|definitely lost\|Mismatched\|overlap\|Syscall param/,+12p' |
      head -n 40 | sed 's/^/  /'
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}

# A tiny experiment: 2 activations x 2 schemes, depth 3, width 16, batch 8,
# 2 trials, with claims of every kind and histograms of two layers.
cat >"$D/tiny.cfg" <<'CFG'
# Does He keep the signal of a ReLU network while LeCun halves it?
activations = tanh relu
schemes     = he_normal lecun_normal
depth       = 3
width       = 16
batch       = 8
trials      = 2
seed        = 7
histograms  = 1 3
hist_bins   = 20
claim = relu he_normal h_var[1] in [0, 100]
claim = relu lecun_normal h_var[3] / h_var[1] < 100
claim = tanh he_normal all x_sq[1..3] > 0
claim = relu he_normal rate h_var[1..3] in [0, 10]
CFG
# Malformed: the last claim stops after its scheme; the file is rejected
# after every other line was parsed and allocated.
printf '%s\n' "activations = relu" "schemes = he_normal" "depth = 3" "width = 8" "batch = 4" \
  "claim = relu he_normal" >"$D/bad.cfg"

v "run: tiny experiment with claims and histograms" 0 run "$D/tiny.cfg" -o "$D/out-run" --threads 1 -q
[ -s "$D/out-run/hist.tsv" ] && [ -s "$D/out-run/claims.tsv" ]; st=$?
ok "run: hist.tsv and claims.tsv written" "found: $(cd "$D/out-run" 2>&1 && echo *)"
cat >"$D/shapes.cfg" <<'CFG'
activations = relu linear
schemes     = he_normal
depth       = 2 3
width       = 4 8
batch       = 1
trials      = 3 2
seed        = 5
ln_histogram = 4
layers_table = no
claim = relu he_normal width=8 depth=3 ln_x_sq_var_theory[3] > 0
CFG
v "run: width x depth sweep at batch 1 with lnhist.tsv" 0 run "$D/shapes.cfg" -o "$D/out-shapes" --threads 2 -q --only width=8
v "sample" 0 sample he_normal --fan-in 8 --fan-out 4 -n 32 --seed 3
v "theory --act tanh --sigma-w2 1 --depth 3" 0 theory --act tanh --sigma-w2 1 --depth 3
v "theory --width 8 --weights uniform" 0 theory --act relu --sigma-w2 2 --depth 3 --width 8 --weights uniform
v "sample --hist" 0 sample he_normal --fan-in 8 --fan-out 4 -n 32 --seed 3 --hist -1:1:8
v "theory over ranges" 0 theory --act tanh --sigma-w2 1:2:0.5 --sigma-b2 0:0.1:0.1 --depth 3
v "moments he_normal -n 2000" 0 moments he_normal -n 2000
v "sample orthogonal (LAPACK's QR)" 0 sample orthogonal --fan-in 8 --fan-out 5 -n 2 --seed 3
v "moments orthogonal identity -n 2000" 0 moments orthogonal identity --fan-in 30 --fan-out 20 -n 2000
v "spectrum (LAPACK's SVD)" 0 spectrum --act tanh --scheme orthogonal:gain=1.05 --depth 3 --width 8 --trials 2 --sigma-b2 0.01
printf '%s\n' "activations = relu" "schemes = orthogonal he_normal" "depth = 3" "width = 8" "batch = 4" "trials = 2" \
  "spectrum = yes" "spectrum_layers = 3" "claim = relu he_normal sq_var[3] > 0" >"$D/spec.cfg"
v "run: spectrum = yes" 0 run "$D/spec.cfg" -o "$D/out-spec" --threads 1 -q
v "plot --script: every figure's commands" 0 plot "$D/out-run" --script
grep -q '^load plotdir."/fig_claims.gp"$' "$D/out"; st=$?
ok "plot --script: the claims figure's commands written" "stdout: $(head -c 200 "$D/out")"
mkdir -p "$D/ragged"; printf 'act\tscheme\tlayer\nrelu\the_normal\n' >"$D/ragged/summary.tsv"
v "plot: a ragged table fails" 1 plot "$D/ragged" --script
v "plot --script: the spectrum run's figures" 0 plot "$D/out-spec" --script
v "run: malformed experiment file fails" 2 run "$D/bad.cfg" -o "$D/out-bad" --threads 1 -q
grep -q 'bad.cfg:6: claim' "$D/err"; st=$?
ok "run: the malformed file's error names bad.cfg:6" "stderr: $(head -c 200 "$D/err")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
