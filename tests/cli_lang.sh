#!/bin/sh
# Command-line tests of the experiment language and of numeric edge cases:
# ranges and braces expand into cells named as written, --max-cells refuses
# before any work, malformed ranges name FILE:LINE, and a scheme whose law's
# scale would over- or underflow double is a usage error (exit 2) in every
# command that takes one.  Each case runs with a 60 s timeout and must not crash.
# Usage: sh tests/cli_lang.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"

B4="activations = relu\nbatch = 2\n"

# ranges and braces: the cells appear, named as written
printf '%b' "${B4}schemes = normal:std={0.5:2:0.5}\nwidth = 4:16:x2\ndepth = 1:3:2\n" >"$D/r.cfg"
t "ranges and braces run" 0 "" run -q -o "$D/r" --max-cells 24 "$D/r.cfg"
n=$(grep -v '^#' "$D/r/summary.tsv" 2>/dev/null | cut -f2 | sort -u | grep -c -x -e 'normal:std=0.5' -e 'normal:std=1' -e 'normal:std=1.5' -e 'normal:std=2')
[ "$n" = 4 ]; ok $? "summary names the 4 expanded schemes as written (found $n)"
t "--only names an expanded scheme" 0 "" run -q -o "$D/r2" --only scheme=normal:std=1.5 --only width=8 "$D/r.cfg"
n=$(grep -v '^#' "$D/r2/summary.tsv" 2>/dev/null | tail -n +2 | cut -f2 | sort -u)
[ "$n" = "normal:std=1.5" ]; ok $? "--only scheme=normal:std=1.5 keeps that scheme alone (found '$n')"

# --max-cells: refused before any work, with the count; nothing written
t "more cells than --max-cells" 2 "expands to 24 cells (1 activations x 4 schemes x 6 points of width, depth, sigma_b2, input and batch), more than --max-cells 23" \
  run -q -o "$D/none" --max-cells 23 "$D/r.cfg"
[ ! -e "$D/none" ]; ok $? "a refused run writes no folder"
t "--max-cells with --shard counts a share" 2 "expands to 24 cells (1 activations x 4 schemes x 6 points of width, depth, sigma_b2, input and batch), more than --max-cells 5 x 4 shards" \
  run -q -o "$D/none" --max-cells 5 --shard 1/4 "$D/r.cfg"
t "--max-cells with --shard: 24 cells within 6 x 4" 0 "" run -q -o "$D/sh" --max-cells 6 --shard 1/4 "$D/r.cfg"
t "--max-cells 0" 2 "--max-cells" run --max-cells 0 "$D/r.cfg"
t "--max-cells not a number" 2 "--max-cells" run --max-cells many "$D/r.cfg"
printf '%b' "${B4}schemes = normal:std={0.001:10:0.001}\nwidth = 1:100:1\ndepth = 1\n" >"$D/big.cfg"
t "10^6 cells refused by the default --max-cells" 2 "expands to 1000000 cells" run -q -o "$D/none" "$D/big.cfg"

# long files parse: 20,001 widths on one line, 3000 schemes over continued lines
awk 'BEGIN { printf "activations = relu\nbatch = 1\ndepth = 1\nschemes = he_normal\nwidth ="; for (i = 1; i <= 20001; i++) printf " %d", i; print "" }' >"$D/w.cfg"
t "20,001 widths parse" 2 "expands to 20001 cells" run -q --max-cells 1 "$D/w.cfg"
awk 'BEGIN { printf "activations = relu\nbatch = 1\ndepth = 1\nwidth = 4\nschemes ="; for (i = 1; i <= 3000; i++) { printf " normal:std=%.3f", i / 1000; if (i % 10 == 0) printf " \\\n  " } print "" }' >"$D/s.cfg"
t "3000 schemes over continued lines parse" 2 "expands to 3000 cells" run -q --max-cells 1 "$D/s.cfg"

# malformed ranges: FILE:LINE and what is wrong
C="${B4}schemes = he_normal\ndepth = 2\n"
e() { printf '%b' "$C$2\n" >"$D/e.cfg"; t "$1" 2 "$D/e.cfg:5: $3" run -q -o "$D/none" "$D/e.cfg"; }
e "step 0" "width = 1:4:0" "width: '1:4:0': the step must be > 0"
e "descending" "width = 8:4:1" "width: '8:4:1': runs backwards"
e "negative step" "width = 1:8:-1" "width: '1:8:-1': the step must be > 0"
e "factor 1" "width = 4:64:x1" "width: '4:64:x1': the factor must be > 1"
e "non-integer width from a geometric range" "width = 16:200:x1.5" "width: the range 16:200:x1.5 gives 121.5, not a whole number"
e "a width beyond the limit" "width = 999000:1001000:1000" "width: the range 999000:1001000:1000 gives 1001000, out of range"
e "not a range" "width = 1:8" "width: '1:8': expected a number, LO:HI:STEP"
e "duplicate through a range" "width = 8 4:12:4" "width 8 listed twice"
printf '%b' "${B4}schemes = normal:std={}\ndepth = 2\nwidth = 4\n" >"$D/e.cfg"
t "empty braces" 2 "$D/e.cfg:3: schemes: 'normal:std={}': {} expands to nothing" run -q "$D/e.cfg"
printf '%b' "${B4}schemes = normal:std={1:2:1\ndepth = 2\nwidth = 4\n" >"$D/e.cfg"
t "unclosed brace" 2 "$D/e.cfg:3:" run -q "$D/e.cfg"
printf '%b' "${B4}depth = 2\nwidth = 4\nschemes = he_normal \\\\\n" >"$D/e.cfg"
t "continued past the end" 2 "$D/e.cfg:5: the line ends in" run -q "$D/e.cfg"

# numeric edge cases are usage errors, naming the parameter, in every command
printf '%b' "${B4}schemes = he_normal:gain=1e308\ndepth = 2\nwidth = 4\n" >"$D/g.cfg"
t "run: gain=1e308" 2 "$D/g.cfg:3: in scheme 'he_normal:gain=1e308': gain=1e+308 is out of range" run -q -o "$D/none" "$D/g.cfg"
printf '%b' "${B4}schemes = he_normal\ninput = normal:std=1e-300\ndepth = 2\nwidth = 4\n" >"$D/g.cfg"
t "run: input std=1e-300" 2 "std=1e-300 is out of range" run -q -o "$D/none" "$D/g.cfg"
t "moments: gain=1e308" 2 "gain=1e+308 is out of range" moments he_normal:gain=1e308
t "moments: std=1e-320" 2 "std=1e-320 underflows double" moments normal:std=1e-320
t "moments: scale=1e-310" 2 "scale=1e-310 underflows" moments variance_scaling:scale=1e-310
t "moments: limit=1e200" 2 "limit=1e+200 is out of range" moments uniform:limit=1e200
t "moments: the product of two parameters" 2 "scale of 1e+60 at fan 1" moments normal:std=1e30,gain=1e30
t "moments: at the bound" 0 "" moments normal:std=1e37 -n 1000
t "sample: gain=1e308" 2 "gain=1e+308" sample he_normal:gain=1e308 --fan-in 4 --fan-out 4
t "spectrum: std=1e-300" 2 "std=1e-300" spectrum --act tanh --scheme normal:std=1e-300 --depth 2 --width 4
printf '1 2 3 4\n' >"$D/w.txt"
t "check: --expect gain=1e308" 2 "gain=1e+308 is out of range" check --expect he_normal:gain=1e308 "$D/w.txt"
t "check: --expect PATTERN=... gain=1e308" 2 "gain=1e+308 is out of range" check --expect 'w*=he_normal:gain=1e308' "$D/w.txt"
t "theory: --sigma-w2 1e300" 2 "--sigma-w2" theory --act tanh --sigma-w2 1e300 --fixed-point
t "theory: --sigma-w2 1e-70" 2 "neither 0 nor in [1e-68" theory --act tanh --sigma-w2 1e-70 --fixed-point
t "theory: --sigma-b2 1e-320" 2 "underflows double" theory --act tanh --sigma-w2 1 --sigma-b2 1e-320 --fixed-point
t "theory: --q0 1e-80" 2 "--q0" theory --act tanh --sigma-w2 1 --q0 1e-80 --fixed-point
t "spectrum: --sigma-b2 1e300" 2 "--sigma-b2" spectrum --act tanh --scheme he_normal --depth 2 --width 4 --sigma-b2 1e300
t "spectrum: --sigma-b2 1e-70" 2 "neither 0 nor in" spectrum --act tanh --scheme he_normal --depth 2 --width 4 --sigma-b2 1e-70
t "list: no scheme to judge" 2 "" list normal:std=1e-320

# command options that take lists take both range forms
t "theory: geometric range" 0 "" theory --act tanh --sigma-w2 0.5:8:x2 --fixed-point
n=$(grep -v '^#' "$D/out" | tail -n +2 | cut -f2 | tr '\n' ' ')
[ "$n" = "0.5 1 2 4 8 " ]; ok $? "theory --sigma-w2 0.5:8:x2 gives 0.5 1 2 4 8 (got '$n')"
t "theory: factor below 1" 2 "the factor must be > 1" theory --act tanh --sigma-w2 1:8:x0.5 --fixed-point

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
