#!/bin/sh
# 'initlab check --plot PREFIX' on fixture weights (tests/fixtures/check/):
# one PNG per tensor, of the expected size, with the histogram's bars (grey
# #c4c4c4), the expected law's density (blue #1f5fbf) and the best-fitting
# law's (red #d62728) counted as pixels of exactly those colours with
# ImageMagick's convert; only the curves that apply are drawn; and the
# failures: gnuplot missing or failing, a PREFIX whose folder is not writable.
# Each run draws one to three figures (about a second in all).
# Usage: sh tests/cli_checkplot.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"
fx=$(pwd)/${ILAB_CHECK_FIXTURES:-tests/fixtures/check}
# run ARGS...: initlab check, stdout in $D/out, stderr in $D/err; sets rc.
run() {
  timeout 60 "$B" check "$@" >"$D/out" 2>"$D/err" </dev/null
  rc=$?
}
. "$(dirname "$0")/png.sh"
rows() { grep -v '^#' "$D/out" | tail -n +2 | wc -l; }
for tool in gnuplot identify convert; do
  command -v $tool >/dev/null 2>&1 || { echo "FAIL: $tool is not installed (scripts/deps.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
done

# xavier_uniform (U(+-sqrt(6/200)), 80x120) expected to be he_normal: it
# fails, best names glorot_uniform; both curves are drawn, and the bars
run "$fx/xavier_uniform.npy" --expect he_normal --plot "$D/f-"
[ $rc -eq 1 ] && [ "$(rows)" -eq 1 ]; ok $? "wrong scheme: exit 1 and its row" "exit $rc: $(cat "$D/err")"
f=$D/f-xavier_uniform.png
png "$f" 1000 600; ok $? "the figure is a PNG of a slide's size" "$(identify "$f" 2>&1)"
n=$(pixels "$f" '#c4c4c4'); [ "$n" -gt 30000 ]; ok $? "the histogram's bars are drawn" "$n pixels"
n=$(pixels "$f" '#1f5fbf'); [ "$n" -gt 1000 ]; ok $? "the expected law (he_normal) is drawn" "$n pixels"
n=$(pixels "$f" '#d62728'); [ "$n" -gt 500 ]; ok $? "the best law (glorot_uniform) is drawn" "$n pixels"
ls "$D" | grep -q part; [ $? -ne 0 ]; ok $? "no temporary file left"

# the expected law is the best: one curve, blue, no red
run "$fx/xavier_uniform.npy" --expect glorot_uniform --plot "$D/g-"
f=$D/g-xavier_uniform.png
[ $rc -eq 0 ] && png "$f" 1000 600; ok $? "right scheme: exit 0 and a PNG" "exit $rc: $(cat "$D/err")"
n=$(pixels "$f" '#1f5fbf'); [ "$n" -gt 1000 ]; ok $? "right scheme: the expected law is drawn" "$n pixels"
n=$(pixels "$f" '#d62728'); [ "$n" -eq 0 ]; ok $? "right scheme: no second curve" "$n red pixels"

# without --expect: the best law only
run "$fx/linear_default.npy" --plot "$D/h-"
f=$D/h-linear_default.png
[ $rc -eq 0 ] && png "$f" 1000 600; ok $? "no --expect: exit 0 and a PNG" "exit $rc: $(cat "$D/err")"
n=$(pixels "$f" '#d62728'); [ "$n" -gt 500 ]; ok $? "no --expect: the best law is drawn" "$n pixels"
n=$(pixels "$f" '#1f5fbf'); [ "$n" -eq 0 ]; ok $? "no --expect: no expected curve" "$n blue pixels"

# two tensors of one name (two files w.npy): w.png and w-2.png; a name's
# characters other than [A-Za-z0-9._-] become '_' (a folder PREFIX)
mkdir -p "$D/a" "$D/b" "$D/figs" "$D/c d"
cp "$fx/xavier_uniform.npy" "$D/a/w.npy"; cp "$fx/xavier_uniform.npy" "$D/b/w.npy"
cp "$fx/xavier_uniform.npy" "$D/c d/w x+y.npy"
run "$D/a/w.npy" "$D/b/w.npy" "$D/c d/w x+y.npy" --plot "$D/figs/"
[ $rc -eq 0 ] && [ -s "$D/figs/w.png" ] && [ -s "$D/figs/w-2.png" ] && [ -s "$D/figs/w_x_y.png" ] && [ "$(ls "$D/figs" | wc -l)" -eq 3 ]
ok $? "one figure per tensor, names made file names" "exit $rc: $(ls "$D/figs" | tr '\n' ' ') $(cat "$D/err")"

# failures, found before any row: gnuplot missing, the PREFIX's folder
GNUPLOT=$D/no-gnuplot run "$fx/xavier_uniform.npy" --plot "$D/m-"
[ $rc -eq 1 ] && grep -q "gnuplot is not installed" "$D/err" && [ ! -s "$D/out" ]
ok $? "gnuplot missing: exit 1 with its message, no table" "exit $rc: $(cat "$D/err")"
run "$fx/xavier_uniform.npy" --plot "$D/nosuch/p-"
[ $rc -eq 1 ] && grep -q "cannot write figures in the folder $D/nosuch" "$D/err" && [ ! -s "$D/out" ]
ok $? "PREFIX in a missing folder: exit 1 naming it, no table" "exit $rc: $(cat "$D/err")"
run "$fx/xavier_uniform.npy" --plot "$fx/xavier_uniform.npy/p-"
[ $rc -eq 1 ] && grep -q "not a folder" "$D/err"; ok $? "PREFIX under a file: exit 1" "exit $rc: $(cat "$D/err")"
run "$fx/xavier_uniform.npy" --plot ""
[ $rc -eq 2 ]; ok $? "empty --plot: usage error" "exit $rc"
# gnuplot failing: the table is complete, exit 1, no figure or part left
GNUPLOT=false run "$fx/xavier_uniform.npy" --expect glorot_uniform --plot "$D/q-"
[ $rc -eq 1 ] && [ "$(rows)" -eq 1 ] && grep -q "gnuplot failed" "$D/err" && [ -z "$(ls "$D" | grep '^q-')" ]
ok $? "gnuplot failing: exit 1, table written, no file" "exit $rc: $(cat "$D/err")"
"$B" check --help | grep -q -- "--plot PREFIX"; ok $? "--help tells of --plot"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
