#!/bin/sh
# Command-line tests of misuse and bad input: each case of the table below
# runs initlab with a 60 s timeout and checks its exit status (2 usage or
# input error, 1 runtime failure, 0 success), a fragment of its message (the
# option's name, or FILE:LINE for an experiment file), and that it did not
# crash: no signal, no "Segmentation", "Aborted", sanitizer or UBSan report.
# Usage: sh tests/cli_errors.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
# shellcheck disable=SC2086 # $S and $T are split into words on purpose
. "$(dirname "$0")/harness.sh"

# h NAME ARGS...: a --help case: exit 0, "Usage" on stdout, nothing on stderr.
h() {
  name=$1
  shift
  timeout 60 "$B" "$@" >"$D/out" 2>"$D/err" </dev/null
  got=$?
  why=""
  [ "$got" -eq 0 ] || why="exit $got, expected 0"
  [ -s "$D/out" ] || why="${why:+$why; }stdout is empty"
  grep -q Usage "$D/out" || why="${why:+$why; }stdout does not mention Usage"
  [ -s "$D/err" ] && why="${why:+$why; }wrote to stderr"
  if [ -n "$why" ]; then
    echo "FAIL: $name ($why)"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}

# mk NAME LINE...: writes the experiment file $D/NAME.cfg, one argument a line.
mk() {
  f="$D/$1.cfg"
  shift
  printf '%s\n' "$@" >"$f"
}

# A tiny valid experiment (width 8, depth 3, batch 4), and variants of it.
ok_lines='activations = relu
schemes = he_normal
depth = 3
width = 8
batch = 4'
mk ok "$ok_lines"
O="$D/out-dir"

# theory and moments must answer --help; their cases run only if they do
# (a failure otherwise, never a silent skip).
have_theory=0 have_moments=0
"$B" theory --help >/dev/null 2>&1 && have_theory=1
"$B" moments --help >/dev/null 2>&1 && have_moments=1

# ---- top level --------------------------------------------------------------
t "no command"                  2 "Usage: initlab COMMAND"
t "unknown command"             2 "unknown command 'frobnicate'"     frobnicate
t "--version"                   0 "initlab "                         --version
h "top-level --help"            --help
h "top-level -h"                -h
h "run --help"                  run --help
h "sample --help"               sample --help
h "list --help"                 list --help

# ---- list ---------------------------------------------------------------------
t "list: unexpected argument"   2 "unexpected 'extra'"               list extra
t "list: unknown option"        2 "--bogus"                          list --bogus

# ---- run: options ---------------------------------------------------------------
t "run: no experiment file"     2 "missing the experiment file"      run
t "run: unknown option"         2 "--bogus"                          run "$D/ok.cfg" -o "$O" --bogus
t "run: -o without its argument" 2 "requires an argument"            run "$D/ok.cfg" -o
t "run: --seed malformed"       2 "--seed"                           run "$D/ok.cfg" -o "$O" --seed 12abc
t "run: --seed NaN"             2 "--seed"                           run "$D/ok.cfg" -o "$O" --seed nan
t "run: --seed inf"             2 "--seed"                           run "$D/ok.cfg" -o "$O" --seed inf
t "run: --seed negative"        2 "--seed"                           run "$D/ok.cfg" -o "$O" --seed -1
t "run: --seed above 32 bits"   2 "--seed"                           run "$D/ok.cfg" -o "$O" --seed 4294967296
t "run: --seed 0 is a seed"     0 "wrote"                            run "$D/ok.cfg" -o "$O" --seed 0
t "run: --threads NaN"          2 "--threads"                        run "$D/ok.cfg" -o "$O" --threads nan
t "run: --threads inf"          2 "--threads"                        run "$D/ok.cfg" -o "$O" --threads inf
t "run: --threads negative"     2 "--threads"                        run "$D/ok.cfg" -o "$O" --threads -2
t "run: --threads 0"            2 "--threads"                        run "$D/ok.cfg" -o "$O" --threads 0
t "run: --threads fractional"   2 "--threads"                        run "$D/ok.cfg" -o "$O" -j 1.5
t "run: two experiment files"   2 "one experiment file at a time"    run "$D/ok.cfg" "$D/ok.cfg" -o "$O"
t "run: --only act=nosuch"      2 "--only act=nosuch"                run "$D/ok.cfg" -o "$O" --only act=nosuch
t "run: --only scheme=nosuch"   2 "--only scheme=nosuch"             run "$D/ok.cfg" -o "$O" --only scheme=nosuch
t "run: --only without KEY="    2 "--only takes act=NAME"            run "$D/ok.cfg" -o "$O" --only relu
t "run: --max-memory garbage"   2 "--max-memory"                     run "$D/ok.cfg" -o "$O" --max-memory garbage
t "run: --max-memory 0"         2 "--max-memory"                     run "$D/ok.cfg" -o "$O" --max-memory 0
t "run: --max-memory NaN"       2 "--max-memory"                     run "$D/ok.cfg" -o "$O" --max-memory nan
t "run: --max-memory blank unit" 2 "--max-memory"                    run "$D/ok.cfg" -o "$O" --max-memory "1 "
t "run: --max-memory bad unit"  2 "--max-memory"                     run "$D/ok.cfg" -o "$O" --max-memory 5X
# gelu's phi' needs H, kept for every layer: 40 more layers of 256 x 512 doubles than relu
mk mem_relu "activations = relu" "schemes = he_normal" "depth = 40" "width = 256" "batch = 512"
mk mem_gelu "activations = gelu" "schemes = he_normal" "depth = 40" "width = 256" "batch = 512"
t "run: relu's memory estimate" 1 "needs about 0.0708 GB"            run "$D/mem_relu.cfg" -o "$O" --max-memory 1M -j 1
t "run: gelu keeps H"           1 "needs about 0.112 GB"             run "$D/mem_gelu.cfg" -o "$O" --max-memory 90M -j 1
t "run: empty -o"               2 "--output"                         run "$D/ok.cfg" -o ""
env_set="GSL_RNG_TYPE=nosuch"
t "run: unknown GSL_RNG_TYPE"   2 "GSL_RNG_TYPE=nosuch"              run "$D/ok.cfg" -o "$O"
t "sample: unknown GSL_RNG_TYPE" 2 "GSL_RNG_TYPE=nosuch"             sample he_normal --fan-in 4 --fan-out 4
t "moments: unknown GSL_RNG_TYPE" 2 "GSL_RNG_TYPE=nosuch"            moments he_normal -n 1000
t "bench: unknown GSL_RNG_TYPE" 2 "GSL_RNG_TYPE=nosuch"              bench -o "$D/bench"
env_set=""

# ---- run: the experiment file itself -------------------------------------------
t "run: missing file"           2 "$D/nosuch.cfg: cannot open"       run "$D/nosuch.cfg" -o "$O"
mkdir "$D/adir.cfg"
t "run: file is a folder"       2 "$D/adir.cfg: read error (is it a directory?)" run "$D/adir.cfg" -o "$O"
: >"$D/empty.cfg"
t "run: empty file"             2 "$D/empty.cfg: empty file"         run "$D/empty.cfg" -o "$O"
{ head -c 300 /dev/urandom; printf '\000\001\002\377'; } >"$D/random.cfg"
t "run: random bytes with NUL"  2 "not a text file"                  run "$D/random.cfg" -o "$O"
t "run: initlab's own binary"   2 "$B:"                              run "$B" -o "$O"
mk unknown_key "$ok_lines" "colour = blue"
t "cfg: unknown key"            2 "$D/unknown_key.cfg:6: unknown key 'colour'" run "$D/unknown_key.cfg" -o "$O"
mk dup_key "$ok_lines" "depth = 4"
t "cfg: duplicate key"          2 "$D/dup_key.cfg:6: key 'depth' already set on line 3" run "$D/dup_key.cfg" -o "$O"
mk no_eq "$ok_lines" "trials 3"
t "cfg: missing '='"            2 "$D/no_eq.cfg:6: expected 'key = value'" run "$D/no_eq.cfg" -o "$O"
mk no_value "$ok_lines" "trials =  # none"
t "cfg: key with no value"      2 "$D/no_value.cfg:6: key 'trials' has no value" run "$D/no_value.cfg" -o "$O"
mk bad_number "$ok_lines" "trials = 3x"
t "cfg: bad number"             2 "$D/bad_number.cfg:6: trials: '3x' is not a whole number" run "$D/bad_number.cfg" -o "$O"
mk neg_width "activations = relu" "schemes = he_normal" "depth = 3" "width = -8" "batch = 4"
t "cfg: negative width"         2 "$D/neg_width.cfg:4: width" run "$D/neg_width.cfg" -o "$O"
mk zero_depth "activations = relu" "schemes = he_normal" "depth = 0" "width = 8" "batch = 4"
t "cfg: zero depth"             2 "$D/zero_depth.cfg:3: depth: 0 is out of range" run "$D/zero_depth.cfg" -o "$O"
mk huge_width "activations = relu" "schemes = he_normal" "depth = 3" "width = 1000001" "batch = 4"
t "cfg: width above the limit"  2 "$D/huge_width.cfg:4: width: 1000001 is out of range" run "$D/huge_width.cfg" -o "$O"
mk nan_b "$ok_lines" "sigma_b2 = nan"
t "cfg: NaN sigma_b2"           2 "$D/nan_b.cfg:6: sigma_b2 must be a finite number" run "$D/nan_b.cfg" -o "$O"
mk inf_b "$ok_lines" "sigma_b2 = inf"
t "cfg: inf sigma_b2"           2 "$D/inf_b.cfg:6: sigma_b2 must be a finite number" run "$D/inf_b.cfg" -o "$O"
mk neg_b "$ok_lines" "sigma_b2 = -0.1"
t "cfg: negative sigma_b2"      2 "$D/neg_b.cfg:6: sigma_b2 must be a finite number >= 0" run "$D/neg_b.cfg" -o "$O"
mk bad_act "activations = relu swoosh" "schemes = he_normal" "depth = 3" "width = 8" "batch = 4"
t "cfg: unknown activation"     2 "$D/bad_act.cfg:1: unknown activation 'swoosh'" run "$D/bad_act.cfg" -o "$O"
mk bad_scheme "activations = relu" "schemes = he_normal nosuch" "depth = 3" "width = 8" "batch = 4"
t "cfg: unknown scheme"         2 "$D/bad_scheme.cfg:2: unknown scheme 'nosuch'" run "$D/bad_scheme.cfg" -o "$O"
mk bad_scheme_key "activations = relu" "schemes = he_normal:colour=2" "depth = 3" "width = 8" "batch = 4"
t "cfg: bad scheme key"         2 "$D/bad_scheme_key.cfg:2: in scheme 'he_normal:colour=2'" run "$D/bad_scheme_key.cfg" -o "$O"
mk dup_scheme "activations = relu" "schemes = he_normal lecun_normal he_normal" "depth = 3" "width = 8" "batch = 4"
t "cfg: duplicate scheme"       2 "$D/dup_scheme.cfg:2: scheme 'he_normal' listed twice" run "$D/dup_scheme.cfg" -o "$O"
mk depth_widths "activations = relu" "schemes = he_normal" "depth = 3" "widths = 8 8 8" "batch = 4"
t "cfg: depth vs widths"        2 "$D/depth_widths.cfg:3: depth = 3 but widths lists 2 layers" run "$D/depth_widths.cfg" -o "$O"
mk both_widths "activations = relu" "schemes = he_normal" "width = 8" "widths = 8 8 8" "batch = 4"
t "cfg: width and widths"       2 "$D/both_widths.cfg:4: give either 'width'" run "$D/both_widths.cfg" -o "$O"
mk no_acts "schemes = he_normal" "depth = 3" "width = 8" "batch = 4"
t "cfg: missing activations"    2 "$D/no_acts.cfg: missing 'activations" run "$D/no_acts.cfg" -o "$O"
mk no_schemes "activations = relu" "depth = 3" "width = 8" "batch = 4"
t "cfg: missing schemes"        2 "$D/no_schemes.cfg: missing 'schemes" run "$D/no_schemes.cfg" -o "$O"
mk no_batch "activations = relu" "schemes = he_normal" "depth = 3" "width = 8"
t "cfg: missing batch"          2 "$D/no_batch.cfg: missing 'batch" run "$D/no_batch.cfg" -o "$O"
mk no_width "activations = relu" "schemes = he_normal" "depth = 3" "batch = 4"
t "cfg: missing width"          2 "$D/no_width.cfg: missing 'width" run "$D/no_width.cfg" -o "$O"
mk batch0 "activations = relu" "schemes = he_normal" "depth = 3" "width = 8" "batch = 0"
t "cfg: batch 0"                2 "$D/batch0.cfg:5: batch: 0 is out of range" run "$D/batch0.cfg" -o "$O"
printf 'activations = relu\nschemes = he_\000normal\ndepth = 3\nwidth = 8\nbatch = 4\n' >"$D/nul.cfg"
t "cfg: NUL byte"               2 "$D/nul.cfg:2: NUL byte" run "$D/nul.cfg" -o "$O"
printf 'activations = relu\nschemes = he_normal\ndepth = 3\033[0m\nwidth = 8\nbatch = 4\n' >"$D/ctrl.cfg"
t "cfg: control character"      2 "$D/ctrl.cfg:3: control character" run "$D/ctrl.cfg" -o "$O"
{ printf '%s\n' "$ok_lines"; printf '# '; head -c 5000 /dev/zero | tr '\000' x; printf '\n'; } >"$D/long.cfg"
t "cfg: a 5000-character line"  0 "wrote" run "$D/long.cfg" -o "$O/long"
printf '# CRLF file\r\nactivations = relu\r\nschemes = he_normal\r\ndepth = 3\r\nwidth = 8\r\nbatch = 4\r\n' >"$D/crlf.cfg"
t "cfg: CRLF line endings run"  0 "wrote" run "$D/crlf.cfg" -o "$O/crlf"
mk comments "# question" "activations = relu # the only one" "schemes = he_normal#x" "depth = 3   # layers" "width = 8" "batch = 4 #"
t "cfg: comments after values run" 0 "wrote" run "$D/comments.cfg" -o "$O/comments"

# ---- run: runtime failures ------------------------------------------------------
: >"$D/file.txt"
t "run: output under a regular file" 1 "cannot create the output folder $D/file.txt/sub" run "$D/ok.cfg" -o "$D/file.txt/sub"
t "run: output is a regular file"    1 "cannot create the output folder $D/file.txt" run "$D/ok.cfg" -o "$D/file.txt"
t "run: output under /dev/null"      1 "cannot create the output folder /dev/null/sub" run "$D/ok.cfg" -o /dev/null/sub
t "run: output in /proc"             1 "/proc/initlab-nosuch/out" run "$D/ok.cfg" -o /proc/initlab-nosuch/out
mk big "activations = relu" "schemes = he_normal" "depth = 50" "width = 512" "batch = 4"
t "run: estimate above --max-memory" 1 "this run needs about" run "$D/big.cfg" -o "$O" --max-memory 1M
mk vast "activations = relu tanh linear" "schemes = he_normal lecun_normal" "depth = 100000" "width = 1" "batch = 2" "trials = 100000"
t "run: estimate checked before allocating" 1 "more than the limit" run "$D/vast.cfg" -o "$O" --max-memory 1G

# ---- sample -----------------------------------------------------------------------
S="sample he_normal"
t "sample: missing scheme"       2 "missing the scheme"              sample --fan-in 4 --fan-out 4
t "sample: unknown scheme"       2 "unknown scheme 'nosuch'"         sample nosuch --fan-in 4 --fan-out 4
t "sample: bad scheme key"       2 "in scheme 'he_normal:colour=1'"  sample he_normal:colour=1 --fan-in 4 --fan-out 4
t "sample: two schemes"          2 "one scheme at a time"            sample he_normal lecun_normal --fan-in 4 --fan-out 4
t "sample: lsuv has no law"      2 "lsuv rescales each layer"        sample lsuv --fan-in 4 --fan-out 4
t "moments: lsuv has no law"     2 "lsuv rescales each layer"        moments lsuv:base=he_normal
t "spectrum: lsuv refused"       2 "lsuv is not supported"           spectrum --act tanh --scheme lsuv --depth 2 --width 4
t "run: bad lsuv key"            2 "lsuv does not take key 'tolerance'" sample lsuv:tolerance=1 --fan-in 4 --fan-out 4
mk lsuvspec "activations = relu" "schemes = lsuv" "depth = 3" "width = 8" "batch = 4" "spectrum = yes"
t "run: lsuv with spectrum"      2 "spectrum = yes does not support 'lsuv'" run "$D/lsuvspec.cfg" -o "$D/lsuvspec-out"
t "sample: fans missing"         2 "--fan-in and --fan-out are required" sample he_normal
t "sample: unknown option"       2 "--bogus"                         $S --fan-in 4 --fan-out 4 --bogus
t "sample: --fan-out w/o argument" 2 "--fan-out"                     $S --fan-in 4 --fan-out
t "sample: --fan-in malformed"   2 "--fan-in"                        $S --fan-in 4x --fan-out 4
t "sample: --fan-in NaN"         2 "--fan-in"                        $S --fan-in nan --fan-out 4
t "sample: --fan-in inf"         2 "--fan-in"                        $S --fan-in inf --fan-out 4
t "sample: --fan-in negative"    2 "--fan-in"                        $S --fan-in -4 --fan-out 4
t "sample: --fan-in 0"           2 "--fan-in"                        $S --fan-in 0 --fan-out 4
t "sample: --fan-in too large"   2 "--fan-in"                        $S --fan-in 100000001 --fan-out 4
t "sample: --fan-out NaN"        2 "--fan-out"                       $S --fan-in 4 --fan-out nan
t "sample: --fan-out inf"        2 "--fan-out"                       $S --fan-in 4 --fan-out inf
t "sample: --fan-out negative"   2 "--fan-out"                       $S --fan-in 4 --fan-out -4
t "sample: --fan-out 0"          2 "--fan-out"                       $S --fan-in 4 --fan-out 0
t "sample: -n malformed"         2 "--count"                         $S --fan-in 4 --fan-out 4 -n ten
t "sample: -n NaN"               2 "--count"                         $S --fan-in 4 --fan-out 4 -n nan
t "sample: -n inf"               2 "--count"                         $S --fan-in 4 --fan-out 4 -n inf
t "sample: -n negative"          2 "--count"                         $S --fan-in 4 --fan-out 4 -n -1
t "sample: -n fractional"        2 "--count"                         $S --fan-in 4 --fan-out 4 -n 2.5
t "sample: -n 0 is fine"         0 ""                                $S --fan-in 4 --fan-out 4 -n 0
t "sample: --seed NaN"           2 "--seed"                          $S --fan-in 4 --fan-out 4 --seed nan
t "sample: --seed inf"           2 "--seed"                          $S --fan-in 4 --fan-out 4 --seed inf
t "sample: --seed negative"      2 "--seed"                          $S --fan-in 4 --fan-out 4 --seed -7
t "sample: --seed 0 is a seed"   0 ""                                $S --fan-in 4 --fan-out 4 --seed 0

# ---- theory (when it exists) ----------------------------------------------------
if [ "$have_theory" -eq 1 ]; then
  T="theory --act relu"
  h "theory --help"                theory --help
  t "theory: unknown option"       2 "--bogus"                       $T --sigma-w2 2 --bogus
  t "theory: --sigma-w2 w/o argument" 2 "--sigma-w2"                 $T --sigma-w2
  t "theory: --sigma-w2 malformed" 2 "--sigma-w2"                    $T --sigma-w2 2x
  t "theory: --sigma-w2 NaN"       2 "--sigma-w2"                    $T --sigma-w2 nan
  t "theory: --sigma-w2 inf"       2 "--sigma-w2"                    $T --sigma-w2 inf
  t "theory: --sigma-w2 negative"  2 "--sigma-w2"                    $T --sigma-w2 -1
  t "theory: --sigma-w2 0 (zero weights)" 0 ""                       $T --sigma-w2 0
  t "theory: unknown activation"   2 "unknown activation 'nosuch'"   theory --act nosuch --sigma-w2 2
  t "theory: --width 0"            2 "--width"                       $T --sigma-w2 2 --width 0
  t "theory: --width malformed"    2 "--width"                       $T --sigma-w2 2 --width 16x
  t "theory: --weights unknown"    2 "--weights: unknown law 'cauchy'" $T --sigma-w2 2 --width 16 --weights cauchy
  t "theory: --input unknown"      2 "--input: unknown law 'truncated_normal'" $T --sigma-w2 2 --width 16 --input truncated_normal
  t "theory: --weights w/o --width" 2 "need --width"                 $T --sigma-w2 2 --weights uniform
  t "theory: --width, --fixed-point" 2 "--width is for"              $T --sigma-w2 2 --width 16 --fixed-point
  t "theory: --width, zero weights" 0 ""                             $T --sigma-w2 0 --width 16
  t "theory: --gain with --sigma-w2" 2 "--gain takes no --sigma-w2"  theory --act gelu --gain --sigma-w2 2
  t "theory: --gain and --critical" 2 "exclude each other"           theory --act gelu --gain --critical --sigma-b2 0
  t "theory: --critical-line w/ --sigma-b2" 2 "--critical-line takes no" theory --act gelu --critical-line --sigma-b2 0
  t "theory: --gain gelu"          0 ""                              theory --act gelu --gain
  t "theory: --gain swish"         0 ""                              theory --act swish --gain
  t "theory: --critical-line mish" 0 ""                              theory --act mish --critical-line
  t "theory: elu alpha negative"   2 "alpha must be >= 0"            theory --act elu:alpha=-1 --gain
  t "theory: softplus beta 0"      2 "beta must be > 0"              theory --act softplus:beta=0 --gain
  t "theory: gelu with a parameter" 2 "takes no parameters"          theory --act gelu:alpha=1 --gain
else
  echo "FAIL: 'initlab theory --help' fails, so its cases cannot run"; failed=$((failed + 1))
fi

# ---- moments (when it exists) ---------------------------------------------------
if [ "$have_moments" -eq 1 ]; then
  h "moments --help"               moments --help
  t "moments: unknown option"      2 "--bogus"                       moments he_normal --bogus
  t "moments: unknown scheme"      2 "nosuch"                        moments nosuch --fan-in 4 --fan-out 4
  t "moments: --fan-in NaN"        2 "--fan-in"                      moments he_normal --fan-in nan --fan-out 4
  t "moments: --fan-in 0"          2 "--fan-in"                      moments he_normal --fan-in 0 --fan-out 4
  t "moments: -n negative"         2 "--count"                       moments he_normal --fan-in 4 --fan-out 4 -n -1
  t "moments: --seed inf"          2 "--seed"                        moments he_normal --fan-in 4 --fan-out 4 --seed inf
else
  echo "FAIL: 'initlab moments --help' fails, so its cases cannot run"; failed=$((failed + 1))
fi

# No failed or interrupted run may leave a temporary table behind.
left=$(find "$D" -name '*.tmp.*' | head -n 3)
if [ -n "$left" ]; then
  echo "FAIL: temporary tables left behind ($left)"; failed=$((failed + 1))
else
  passed=$((passed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
