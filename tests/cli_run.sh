#!/bin/sh
# Command-line tests of 'initlab run' and 'initlab sample' on tiny inputs:
# reproducible tables (run twice, any thread count, a subset with --only),
# their layout, a killed run that leaves the previous result intact, a full
# disk, and the sample command's output.
# Usage: sh tests/cli_run.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"
MNT=""
cleanup() {
  [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
  rm -rf "$D"
}
trap cleanup EXIT
skipped=0

# skip NAME WHY: a check that cannot run here, shown and counted apart from passes.
skip() {
  echo "SKIP: $1 ($2)"
  skipped=$((skipped + 1))
}

# crashed: whether $D/err holds a crash report.
no_crash() {
  ! grep -q -E 'Segmentation|Aborted|AddressSanitizer|LeakSanitizer|runtime error' "$D/err"
}

E="$D/tiny.cfg"
cat >"$E" <<'EOF'
# Does He keep the signal of a ReLU network while LeCun halves it?
activations = linear relu
schemes     = he_normal lecun_normal glorot_uniform
depth       = 4
width       = 16
batch       = 8
trials      = 2
seed        = 7
EOF
NACT=2 NSCH=3 NTRIAL=2 DEPTH=4

# ---- two runs with the same command: byte-identical tables --------------------------
run run "$E" -o "$D/A" -q
ok "$rc" "first run exits 0" "exit $rc: $(head -c 300 "$D/err")"
no_crash; ok $? "first run: no crash report"
[ -s "$D/A/layers.tsv" ] && [ -s "$D/A/summary.tsv" ]
ok $? "first run writes layers.tsv and summary.tsv"
mkdir "$D/A1" && cp "$D/A/layers.tsv" "$D/A/summary.tsv" "$D/A1/"
run run "$E" -o "$D/A" -q
ok "$rc" "second run exits 0" "exit $rc"
cmp -s "$D/A/layers.tsv" "$D/A1/layers.tsv"
ok $? "layers.tsv byte-identical when run again with the same command"
cmp -s "$D/A/summary.tsv" "$D/A1/summary.tsv"
ok $? "summary.tsv byte-identical when run again with the same command"
[ -z "$(find "$D/A" -name '*.tmp.*')" ]
ok $? "no temporary file left after a run"
[ "$(find "$D/A" -name layers.tsv -perm -0044 | wc -l)" -eq 1 ] || [ "$(umask)" != 0022 ]
ok $? "tables are readable by all under umask 022, like any new file" "$(ls -l "$D/A/layers.tsv")"

# ---- layout ---------------------------------------------------------------------
L="$D/A/layers.tsv" S="$D/A/summary.tsv"
want_header=$(printf 'act\tscheme\ttrial\tlayer\tfan_in\tfan_out\tw_var\th_mean\th_var\tx_mean\tx_var\tx_sq\tgx_var\tgh_var\tgw_var\tzero_frac\tsat_frac\tnonfinite\tg_nonfinite\tlsuv_scale\tlsuv_iters\th_under\th_over\tg_under\tg_over\twidth\tdepth\tsigma_b2\tinput\tbatch')
[ "$(data "$L" | head -n 1)" = "$want_header" ]
ok $? "layers.tsv header has exactly the documented columns" "$(data "$L" | head -n 1)"
rows=$(data "$L" | tail -n +2 | wc -l)
[ "$rows" -eq $((NACT * NSCH * NTRIAL * DEPTH)) ]
ok $? "layers.tsv has acts x schemes x trials x depth rows" "$rows rows, expected $((NACT * NSCH * NTRIAL * DEPTH))"
srows=$(data "$S" | tail -n +2 | wc -l)
[ "$srows" -eq $((NACT * NSCH * DEPTH)) ]
ok $? "summary.tsv has acts x schemes x depth rows" "$srows rows"
# every row has as many tab-separated cells as the header, numbers where numbers go
# (the string columns: act, scheme and the input law)
bad=$(data "$L" | awk -F '\t' 'NR == 1 { n = NF; for (i = 1; i <= NF; i++) if ($i == "input") s = i; next }
  NF != n { print "line " NR ": " NF " cells"; exit }
  { for (i = 3; i <= NF; i++) if (i != s)
      if ($i !~ /^(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|-?inf|nan)$/) { print "line " NR " cell " i ": " $i; exit } }')
[ -z "$bad" ]
ok $? "layers.tsv: every row full, every number parses" "$bad"
bad=$(data "$S" | awk -F '\t' 'NR == 1 { n = NF; for (i = 1; i <= NF; i++) if ($i == "input") s = i; next }
  NF != n { print "line " NR ": " NF " cells"; exit }
  { for (i = 3; i <= NF; i++) if (i != s)
      if ($i !~ /^(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|-?inf|nan)$/) { print "line " NR " cell " i ": " $i; exit } }')
[ -z "$bad" ]
ok $? "summary.tsv: every row full, every number parses" "$bad"
! grep -q -e '-nan' "$L" "$S"
ok $? "no '-nan' in the tables"
data "$L" | awk -F '\t' 'NR > 1 && $1 == "relu" && $2 == "he_normal" && $4 == 1 { d = $7 - 0.125; if ($5 != 16 || $6 != 16 || d * d > 1e-30) exit 1; found = 1 }
  END { exit !found }'
ok $? "layers.tsv: relu he_normal layer 1 has fans 16, 16 and w_var 2/16 (to 1e-15)"
grep -q '^# seed: 7 ' "$L" && grep -q '^# question: Does He keep the signal' "$L" &&
  grep -q '^# command: initlab run ' "$L" && grep -q '^# | schemes     = he_normal lecun_normal glorot_uniform$' "$L"
ok $? "provenance: seed, question, command and the experiment file"

# ---- a different folder: the same numbers, only the command line differs ----------
run run "$E" -o "$D/B" -q
ok "$rc" "run into a second folder exits 0"
for f in layers.tsv summary.tsv; do
  grep -v '^# command:' "$D/A/$f" >"$D/x1"
  grep -v '^# command:' "$D/B/$f" >"$D/x2"
  cmp -s "$D/x1" "$D/x2"
  ok $? "$f identical in another folder but for the command line"
done

# ---- thread count does not change the tables ----------------------------------------
for n in 1 2 5; do
  run run "$E" -o "$D/T$n" -q --threads "$n"
  ok "$rc" "--threads $n exits 0" "exit $rc"
done
for f in layers.tsv summary.tsv; do
  data "$D/T1/$f" >"$D/x1"
  for n in 2 5; do
    data "$D/T$n/$f" >"$D/x2"
    cmp -s "$D/x1" "$D/x2"
    ok $? "$f: --threads 1 and --threads $n give identical rows"
  done
  data "$D/A/$f" >"$D/x2"
  cmp -s "$D/x1" "$D/x2"
  ok $? "$f: --threads 1 and the default give identical rows"
done

# ---- --seed overrides the file's seed; another seed gives other numbers ------------
run run "$E" -o "$D/S8" -q --seed 8
ok "$rc" "--seed 8 exits 0"
grep -q '^# seed: 8 ' "$D/S8/layers.tsv"
ok $? "--seed 8 is the seed recorded"
data "$D/S8/layers.tsv" >"$D/x2"
data "$L" >"$D/x1"
! cmp -s "$D/x1" "$D/x2"
ok $? "another seed gives other numbers"
run run "$E" -o "$D/S7" -q --seed 7
data "$D/S7/layers.tsv" >"$D/x2"
cmp -s "$D/x1" "$D/x2"
ok $? "--seed 7 equals the file's seed 7"

# ---- --only: the rows of a subset equal those of the full run -----------------------
run run "$E" -o "$D/O" -q --only act=relu --only scheme=he_normal
ok "$rc" "--only act=relu --only scheme=he_normal exits 0" "exit $rc: $(head -c 300 "$D/err")"
for f in layers.tsv summary.tsv; do
  data "$D/O/$f" >"$D/x1"
  data "$D/A/$f" | awk -F '\t' 'NR == 1 || ($1 == "relu" && $2 == "he_normal")' >"$D/x2"
  [ "$(wc -l <"$D/x1")" -gt 1 ] && cmp -s "$D/x1" "$D/x2"
  ok $? "$f: --only rows equal the matching rows of the full run"
done
run run "$E" -o "$D/O2" -q --only scheme=lecun_normal --only scheme=glorot_uniform
data "$D/O2/layers.tsv" >"$D/x1"
data "$L" | awk -F '\t' 'NR == 1 || $2 == "lecun_normal" || $2 == "glorot_uniform"' >"$D/x2"
[ "$rc" -eq 0 ] && cmp -s "$D/x1" "$D/x2"
ok $? "two --only scheme= options select both schemes, rows as in the full run"

# ---- --no-rescale: every cell on its own, rows equal to rounding ---------------------
# Every cell of this file is linear or relu without bias: by default each
# family's cells come from one reference pass.  Computed one by one instead,
# every number agrees to 1e-12 relative (test_sweep bounds it at 7e-14 at
# depth 20; means near 0 are compared relative to 1e-6, far below their sd).
run run "$E" -o "$D/NR" -q --no-rescale
ok "$rc" "--no-rescale exits 0" "exit $rc: $(head -c 300 "$D/err")"
data "$D/NR/layers.tsv" >"$D/x1"
data "$L" >"$D/x2"
paste "$D/x1" "$D/x2" | awk -F '\t' 'NR == 1 { n = NF / 2; next }
  { for (i = 1; i <= n; i++) { a = $i; b = $(i + n)
      if (a == b) continue
      if (a + 0 != a || b + 0 != b) { bad++; continue }
      d = a - b; if (d < 0) d = -d; s = (b < 0 ? -b : b); if (s < 1e-6) s = 1e-6
      if (d > 1e-12 * s) bad++ } }
  END { exit bad > 0 || NR < 2 }'
ok $? "--no-rescale: every number of layers.tsv within 1e-12 of the rescaled run's"

# ---- a killed run leaves the previous result intact --------------------------------
K="$D/K"
run run "$E" -o "$K" -q
ok "$rc" "run before the killed one exits 0"
before=$(cksum "$K/layers.tsv" "$K/summary.tsv")
# big: ~30 s on 2 cores; all-normal schemes share one weight family (~0.5 GB)
cat >"$D/big.cfg" <<'EOF'
activations = linear relu tanh
schemes = he_normal lecun_normal glorot_normal normal:std=0.01
depth = 200
width = 512
batch = 256
trials = 2
EOF
timeout 120 "$B" run "$D/big.cfg" -o "$K" -q --threads 2 2>"$D/err" </dev/null &
pid=$!
sleep 1
# timeout passes SIGTERM on to initlab
if kill -TERM "$pid" 2>/dev/null; then
  { wait "$pid"; } 2>/dev/null # no "Terminated" from the shell
  rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
  ok $? "SIGTERM stops the big run with a non-zero status" "exit $rc"
  no_crash; ok $? "killed run: no crash report"
  grep -q 'interrupted' "$D/err"
  ok $? "killed run says it was interrupted" "$(head -c 300 "$D/err")"
  [ "$(cksum "$K/layers.tsv" "$K/summary.tsv")" = "$before" ]
  ok $? "killed run: the previous layers.tsv and summary.tsv are byte-identical"
  [ -z "$(find "$K" -name '*.tmp.*')" ]
  ok $? "killed run: no *.tmp.* file left" "$(ls "$K")"
else
  wait "$pid"
  ok 1 "the big run was still running after 1 s" "it ended with status $?: $(head -c 300 "$D/err")"
fi

# ---- a run that survives its own signal -------------------------------------------
# PID 1 of a PID namespace (a container's init) ignores a signal whose action
# is the default, so the run's final raise() returns there and the cleanup
# after it runs too: with --only it used to free the cell selection twice.
# Needs root for unshare; skipped otherwise.
if [ "$(id -u)" -eq 0 ] && unshare -fp true 2>/dev/null; then
  unshare -fp "$B" run "$D/big.cfg" -o "$D/ns" -q --threads 1 --only act=relu 2>"$D/err" </dev/null &
  u=$!
  sleep 1
  c=$(ps -o pid= --ppid "$u" | tr -d ' ')
  if [ -n "$c" ] && kill -TERM "$c" 2>/dev/null; then
    { wait "$u"; } 2>/dev/null
    rc=$?
    [ "$rc" -eq 1 ]
    ok $? "PID 1 survives SIGTERM: the run exits 1" "exit $rc: $(head -c 300 "$D/err")"
    no_crash && ! grep -q 'double free' "$D/err"
    ok $? "PID 1 survives SIGTERM: no double free, no crash" "$(head -c 300 "$D/err")"
  else
    wait "$u"
    ok 1 "the run in a PID namespace was still running after 1 s" "$(head -c 300 "$D/err")"
  fi
else
  skip "PID 1 survives SIGTERM" "cannot unshare a PID namespace here"
fi

# ---- a full disk: the run fails, the previous result stays --------------------------
# A 256 KiB tmpfs holds the previous tables (~20 KiB); a file fills it up
# (a) entirely, then (b) all but room for the new layers.tsv and one page, so
# that the new summary.tsv is the write that fails.  Needs root and a kernel
# that lets us mount; skipped otherwise.
sed 's/^trials .*/trials = 12/' "$E" >"$D/twelve.cfg"
if [ "$(id -u)" -eq 0 ] && mkdir "$D/full" && mount -t tmpfs -o size=256k tmpfs "$D/full" 2>/dev/null; then
  MNT="$D/full"
  run run "$E" -o "$MNT/r" -q
  ok "$rc" "full disk: the first run fits" "exit $rc: $(head -c 300 "$D/err")"
  before=$(cksum "$MNT/r/layers.tsv" "$MNT/r/summary.tsv")
  run run "$D/twelve.cfg" -o "$D/twelve" -q
  lsize=$(wc -c <"$D/twelve/layers.tsv")
  for how in "no room at all" "room for layers.tsv only"; do
    rm -f "$MNT/filler"
    if [ "$how" = "no room at all" ]; then
      head -c 10000000 /dev/zero >"$MNT/filler" 2>/dev/null
    else
      avail=$(df -Pk "$MNT" | awk 'NR == 2 { print $4 * 1024 }')
      keep=$(( (lsize + 4095) / 4096 * 4096 + 4096 ))
      head -c $((avail - keep)) /dev/zero >"$MNT/filler"
    fi
    run run "$D/twelve.cfg" -o "$MNT/r" -q
    [ "$rc" -eq 1 ]
    ok $? "full disk, $how: the run exits 1" "exit $rc"
    # which write hits the full disk first (the scratch file of the cells'
    # results, written before any table, or one of the two tables) depends on
    # stdio's buffering; what matters is that it is named and no table is replaced
    grep -Eq "writing (.*/(layers|summary).tsv|a scratch file in .*/r) failed: No space left on device" "$D/err"
    ok $? "full disk, $how: the message names the file whose write failed" "$(head -c 300 "$D/err")"
    [ "$(cksum "$MNT/r/layers.tsv" "$MNT/r/summary.tsv")" = "$before" ]
    ok $? "full disk, $how: both previous tables are byte-identical"
    [ -z "$(find "$MNT" -name '*.tmp.*')" ]
    ok $? "full disk, $how: no *.tmp.* file left" "$(ls "$MNT/r")"
  done
  umount "$MNT" && MNT=""
else
  skip "full disk: the run fails, the previous result stays" "cannot mount a small tmpfs here"
fi

# ---- sample -------------------------------------------------------------------------
timeout 60 "$B" sample he_normal --fan-in 16 --fan-out 16 -n 5 --seed 7 >"$D/s1" 2>"$D/err"
ok $? "sample -n 5 exits 0"
[ "$(wc -l <"$D/s1")" -eq 5 ]
ok $? "sample -n 5 prints 5 lines" "$(wc -l <"$D/s1") lines"
bad=$(awk '$0 !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ { print NR ": " $0; exit }' "$D/s1")
[ -z "$bad" ]
ok $? "sample prints one number a line" "$bad"
timeout 60 "$B" sample he_normal --fan-in 16 --fan-out 16 -n 5 --seed 7 >"$D/s2" 2>/dev/null
cmp -s "$D/s1" "$D/s2"
ok $? "sample with the same seed prints the same numbers"
GSL_RNG_SEED=7 timeout 60 "$B" sample he_normal --fan-in 16 --fan-out 16 -n 5 >"$D/s2" 2>/dev/null
cmp -s "$D/s1" "$D/s2"
ok $? "GSL_RNG_SEED=7 is the default seed"
timeout 60 "$B" sample he_normal --fan-in 16 --fan-out 16 -n 8 --seed 7 2>/dev/null | head -n 5 >"$D/s2"
cmp -s "$D/s1" "$D/s2"
ok $? "the first 5 of -n 8 are those of -n 5"
timeout 60 "$B" sample he_normal --fan-in 16 --fan-out 16 -n 5 --seed 8 >"$D/s2" 2>/dev/null
! cmp -s "$D/s1" "$D/s2"
ok $? "another seed prints other numbers"
timeout 60 "$B" sample he_normal --fan-in 4 --fan-out 4 -n 0 >"$D/s2" 2>"$D/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$D/s2" ] && [ ! -s "$D/err" ]
ok $? "sample -n 0 prints nothing and exits 0" "exit $rc"
# Var(W) = 2/16 for he_normal: the sample variance of 200000 draws within 5
# standard errors, sd(s^2) = sigma^2 sqrt(2/n) for a normal law.
timeout 60 "$B" sample he_normal --fan-in 16 --fan-out 16 -n 200000 --seed 3 >"$D/s3" 2>/dev/null
z=$(awk '{ s += $1; q += $1 * $1 } END { n = NR; v = (q - s * s / n) / (n - 1);
  z = (v - 0.125) / (0.125 * sqrt(2 / n)); print (z < 0 ? -z : z) }' "$D/s3")
awk -v z="$z" 'BEGIN { exit !(z <= 5) }'
ok $? "sample variance of he_normal near 2/fan_in" "|z| = $z"
# 70000 draws pass any stdio or chunk buffer (the command draws 65536 at a time)
timeout 60 "$B" sample uniform:limit=1 --fan-in 4 --fan-out 4 -n 70000 >"$D/s4" 2>/dev/null
[ "$(wc -l <"$D/s4")" -eq 70000 ] && [ "$(sort -u "$D/s4" | wc -l)" -gt 69000 ]
ok $? "sample -n 70000 prints 70000 distinct-looking draws"
awk '$1 < -1 || $1 > 1 { exit 1 }' "$D/s4"
ok $? "uniform:limit=1 draws lie in [-1, 1]"

# sample and run agree on the generator and the stream: with a constant
# input of ones, layer 1 of trial 0 has H[b, j] = sum_i W[i, j] for every
# example b, so run's h_var is the sample variance of the column sums of the
# 3 x 4 weights that sample prints (row-major), each counted batch = 2 times.
# Checked with the default generator and with GSL_RNG_TYPE=taus2, to 1e-12
# relative (the products may sum in another order).
printf 'activations = linear\nschemes = he_normal\nwidths = 3 4\nbatch = 2\ninput = constant:value=1\nseed = 5\n' >"$D/one.cfg"
for gen in "" taus2; do
  GSL_RNG_TYPE=$gen timeout 60 "$B" sample he_normal --fan-in 3 --fan-out 4 -n 12 --seed 5 >"$D/w-$gen" 2>"$D/err"
  GSL_RNG_TYPE=$gen timeout 60 "$B" run "$D/one.cfg" -o "$D/one-$gen" -q 2>>"$D/err"
  awk -F'\t' 'FNR == NR { c[(FNR - 1) % 4] += $1; next }
    !/^#/ && $1 != "act" { hv = $9 }
    END { for (j = 0; j < 4; j++) { s += 2 * c[j]; q += 2 * c[j] * c[j] }
          v = (q - s * s / 8) / 7; d = (v - hv) / hv; exit !(d < 1e-12 && d > -1e-12) }' \
    "$D/w-$gen" "$D/one-$gen/layers.tsv"
  ok $? "sample's draws are run's layer-1 weights (GSL_RNG_TYPE='$gen')" "$(head -c 300 "$D/err")"
done
! cmp -s "$D/w-" "$D/w-taus2"
ok $? "GSL_RNG_TYPE=taus2 changes sample's draws"
! cmp -s "$D/one-/layers.tsv" "$D/one-taus2/layers.tsv"
ok $? "GSL_RNG_TYPE=taus2 changes run's tables"
grep -q 'generator: taus2' "$D/one-taus2/layers.tsv"
ok $? "run's provenance names the generator"
GSL_RNG_TYPE=taus2 timeout 60 "$B" moments he_normal -n 1000 >"$D/m-taus2" 2>"$D/err"
grep -q '^# seed: 42  generator: taus2' "$D/m-taus2"
ok $? "moments draws with GSL_RNG_TYPE's generator and says so" "$(head -c 300 "$D/err")"

if [ -w /dev/full ]; then
  timeout 60 "$B" sample he_normal --fan-in 4 --fan-out 4 -n 100000 >/dev/full 2>"$D/err"
  rc=$?
  [ "$rc" -eq 1 ]
  ok $? "sample > /dev/full exits 1" "exit $rc"
  grep -q 'writing to standard output failed' "$D/err"
  ok $? "sample > /dev/full says the write failed" "$(head -c 300 "$D/err")"
  timeout 60 "$B" sample he_normal --fan-in 4 --fan-out 4 -n 3 >/dev/full 2>"$D/err"
  rc=$?
  [ "$rc" -eq 1 ] && grep -q 'writing to standard output failed' "$D/err"
  ok $? "a short sample > /dev/full fails too (the error shows at close)" "exit $rc"
  timeout 60 "$B" list >/dev/full 2>"$D/err"
  rc=$?
  [ "$rc" -eq 1 ] && grep -q 'writing to standard output failed' "$D/err"
  ok $? "list > /dev/full exits 1 with a message" "exit $rc"
else
  skip "sample, list > /dev/full" "/dev/full is not available"
fi

[ "$skipped" -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
