#!/bin/sh
# Command-line tests of the MPI build: build/initlab links no MPI library;
# 'mpirun -np P build/initlab-mpi run' (P = 1, 2, 3, oversubscribed on this
# machine) writes tables whose rows are byte-identical to 'build/initlab
# run''s, for several shapes, histograms, claims, spectra, --only,
# --precision and shards joined by 'initlab merge'; a
# worker that fails ends the run with exit 1, its rank named, and no table
# written; input errors still exit 2; other commands run once.  Without
# mpirun or build/initlab-mpi the MPI checks are shown as skipped.
# Usage: sh tests/cli_mpi.sh build/initlab   (build/initlab-mpi beside it)
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"
M=${B%/*}/initlab-mpi
skipped=0
skip() { echo "SKIP: $1 ($2)"; skipped=$((skipped + 1)); }
finish() {
  [ "$skipped" -gt 0 ] && echo "$skipped skipped"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# ---- the plain binary needs no MPI library ------------------------------------
if command -v ldd >/dev/null 2>&1; then
  ldd "$B" >"$D/ldd" 2>&1
  ! grep -qi 'libmpi\|openmpi\|libopen-' "$D/ldd"; ok $? "build/initlab links no MPI library" "$(grep -i mpi "$D/ldd")"
else
  skip "build/initlab links no MPI library" "no ldd here"
fi

if ! command -v mpirun >/dev/null 2>&1; then
  skip "initlab-mpi against initlab (every MPI check)" "no mpirun here; scripts/deps.sh installs openmpi-bin"
  finish
fi
if [ ! -x "$M" ]; then
  skip "initlab-mpi against initlab (every MPI check)" "no $M; 'make mpi' builds it"
  finish
fi
ldd "$M" 2>/dev/null | grep -q libmpi; ok $? "build/initlab-mpi links Open MPI"

# Open MPI refuses to start as root unless told (CI may run as root); in a
# container its shared-memory transport cannot read another process's memory
# (ptrace is not allowed) and must copy through the shared segment instead
# (open-mpi/ompi#4948).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism="${OMPI_MCA_btl_vader_single_copy_mechanism:-none}"
# one host: shared memory only, no network to probe
export OMPI_MCA_btl="${OMPI_MCA_btl:-self,vader}"
export OMPI_MCA_rmaps_base_oversubscribe=1
cores=$(nproc 2>/dev/null || echo 1)
mpi() { # mpi NP ARGS...: initlab-mpi under mpirun, 120 s at most; sets rc, stderr in $D/err
  np=$1; shift
  bind=""; [ "$np" -eq 2 ] && [ "$cores" -ge 2 ] && bind="--bind-to core"
  # shellcheck disable=SC2086
  timeout 120 mpirun -np "$np" --oversubscribe $bind "$M" "$@" >"$D/out" 2>"$D/err" </dev/null; rc=$?
}

# same A B NAME: every table of folder A is in B with the same rows (the '#'
# provenance lines differ: they name the command line), and B has no other.
same() {
  ls "$1" >"$D/la"; ls "$2" >"$D/lb"
  cmp -s "$D/la" "$D/lb" || { ok 1 "$3: the same tables" "$(tr '\n' ' ' <"$D/la") vs $(tr '\n' ' ' <"$D/lb")"; return; }
  bad=""
  for f in "$1"/*.tsv; do
    n=${f##*/}
    grep -v '^#' "$f" >"$D/ra"; grep -v '^#' "$2/$n" >"$D/rb"
    [ -s "$D/ra" ] && cmp -s "$D/ra" "$D/rb" || bad="$bad $n"
  done
  [ -z "$bad" ]; ok $? "$3: rows byte-identical" "differ:$bad"
}

# ---- several shapes, histograms, ln histogram, a claim --------------------------
cat >"$D/grid.cfg" <<'EOF'
# Do the tables of an MPI run equal those of a plain run?
activations = linear tanh relu
schemes     = he_normal glorot_uniform lecun_normal:dist=truncated_normal orthogonal
width       = 16 24
depth       = 4 6
batch       = 8
trials      = 3
seed        = 7
sigma_b2    = 0.01
histograms  = 2 4
hist_bins   = 10
ln_histogram = 8
claim = relu he_normal width=16 depth=4 h_var[4] ~ theory at 0.01
EOF
"$B" run "$D/grid.cfg" -o "$D/plain" -q -j 2 2>"$D/err"; ok $? "plain run" "$(cat "$D/err")"
for np in 1 2 3; do
  j=1; [ $np -eq 2 ] && j=2
  mpi $np run "$D/grid.cfg" -o "$D/np$np" -q -j $j
  ok $rc "mpirun -np $np exits 0" "exit $rc: $(head -c 600 "$D/err")"
  same "$D/plain" "$D/np$np" "mpirun -np $np, 4 shapes x 12 cells"
  # each of 2 ranks bound to one core (mpirun's default for 2 ranks): 2
  # threads there are named
  if [ $np -eq 2 ] && [ "$cores" -lt 2 ]; then
    skip "2 threads on a rank bound to one core: a warning" "one core here"
  elif [ $np -eq 2 ]; then
    grep -q "warning: rank 1 (.*) runs 2 threads on the 1 core mpirun bound it to" "$D/err"
    ok $? "2 threads on a rank bound to one core: a warning" "$(head -c 300 "$D/err")"
  fi
done
# the workers' threads do not matter either; unbound (oversubscribed), no warning
mpi 3 run "$D/grid.cfg" -o "$D/np3j2" -q -j 2
same "$D/plain" "$D/np3j2" "mpirun -np 3 with 2 threads a rank"
! grep -q warning "$D/err"; ok $? "unbound ranks: no warning" "$(head -c 300 "$D/err")"

# a planted difference is seen: another seed gives other rows
"$B" run "$D/grid.cfg" -o "$D/seed8" -q -j 2 --seed 8
grep -v '^#' "$D/plain/layers.tsv" >"$D/ra"; grep -v '^#' "$D/seed8/layers.tsv" >"$D/rb"
! cmp -s "$D/ra" "$D/rb"; ok $? "the comparison sees another seed's rows"

# --only: the selected cells, as a plain --only run writes them
"$B" run "$D/grid.cfg" -o "$D/plain-only" -q -j 1 --only act=relu --only width=24
mpi 3 run "$D/grid.cfg" -o "$D/np3-only" -q -j 1 --only act=relu --only width=24
ok $rc "mpirun --only exits 0" "exit $rc: $(head -c 600 "$D/err")"
same "$D/plain-only" "$D/np3-only" "mpirun -np 3 --only act=relu --only width=24"

# without bias, linear and relu cells come from one pass per family (exact
# rescaling); --no-rescale reaches the worker ranks: each way the plain run's
# rows, and the two ways differ in the last bits
cat >"$D/nobias.cfg" <<'EOF'
# Do rescaled and direct rows of an MPI run equal those of a plain run?
activations = linear relu
schemes     = he_normal lecun_normal glorot_uniform he_uniform
depth       = 5
width       = 16
batch       = 8
trials      = 2
seed        = 3
EOF
for how in "" "--no-rescale"; do
  "$B" run "$D/nobias.cfg" -o "$D/nb-plain$how" -q -j 1 $how
  mpi 3 run "$D/nobias.cfg" -o "$D/nb-np3$how" -q -j 1 $how
  ok $rc "mpirun -np 3 ${how:-(rescaled)} exits 0" "exit $rc: $(head -c 600 "$D/err")"
  same "$D/nb-plain$how" "$D/nb-np3$how" "mpirun -np 3, no bias ${how:-(rescaled)}"
done
grep -v '^#' "$D/nb-plain/layers.tsv" >"$D/ra"; grep -v '^#' "$D/nb-np3--no-rescale/layers.tsv" >"$D/rb"
! cmp -s "$D/ra" "$D/rb"; ok $? "--no-rescale under mpirun computes the cells on their own (rows differ in the last bits)"

# shards computed under mpirun, joined by initlab merge: the plain run's rows
mpi 3 run "$D/grid.cfg" --shard 1/2 -o "$D/shard1" -q -j 1; r1=$rc
mpi 3 run "$D/grid.cfg" --shard 2/2 -o "$D/shard2" -q -j 1
[ $r1 -eq 0 ] && [ $rc -eq 0 ]; ok $? "mpirun --shard K/2 exits 0" "exit $r1, $rc: $(head -c 600 "$D/err")"
"$B" merge -o "$D/merged" "$D/shard2" "$D/shard1" 2>"$D/err"; ok $? "initlab merge of MPI shards" "$(cat "$D/err")"
same "$D/plain" "$D/merged" "two shards under mpirun -np 3, merged"

# activations whose phi' is read from H beside ones whose phi' is read from
# X, in a rank's sweeps of some of the cells (the bits of a cell must not
# depend on which activations share its sweep)
cat >"$D/h.cfg" <<'EOF'
# Do cells of gelu and silu equal the plain run's when relu comes first?
activations = relu gelu silu tanh
schemes     = he_normal glorot_uniform
width       = 32
depth       = 6
batch       = 8
trials      = 3
seed        = 11
histograms  = 3
EOF
"$B" run "$D/h.cfg" -o "$D/plain-h" -q -j 2 2>"$D/err"; ok $? "plain run, relu gelu silu tanh" "$(cat "$D/err")"
mpi 3 run "$D/h.cfg" -o "$D/np3-h" -q -j 1
ok $rc "mpirun -np 3, relu gelu silu tanh, exits 0" "exit $rc: $(head -c 600 "$D/err")"
same "$D/plain-h" "$D/np3-h" "mpirun -np 3, relu gelu silu tanh"
# options that override the file's keys reach every rank
"$B" run "$D/h.cfg" -o "$D/plain-half" -q -j 2 --precision half --loss-scale 64 2>"$D/err"
ok $? "plain run --precision half --loss-scale 64" "$(cat "$D/err")"
mpi 3 run "$D/h.cfg" -o "$D/np3-half" -q -j 1 --precision half --loss-scale 64
ok $rc "mpirun -np 3 --precision half --loss-scale 64 exits 0" "exit $rc: $(head -c 600 "$D/err")"
same "$D/plain-half" "$D/np3-half" "mpirun -np 3 --precision half --loss-scale 64"

# ---- spectra (one shape), a bias ------------------------------------------------------
cat >"$D/spec.cfg" <<'EOF'
# Do the spectra of an MPI run equal those of a plain run?
activations = tanh relu
schemes     = orthogonal he_normal
width       = 12
depth       = 5
batch       = 4
trials      = 3
seed        = 3
sigma_b2    = 0.05
spectrum    = yes
spectrum_layers = 2 5
EOF
"$B" run "$D/spec.cfg" -o "$D/plain-spec" -q -j 2 2>"$D/err"; ok $? "plain spectrum run" "$(cat "$D/err")"
mpi 3 run "$D/spec.cfg" -o "$D/np3-spec" -q -j 1
ok $rc "mpirun -np 3 spectrum exits 0" "exit $rc: $(head -c 600 "$D/err")"
same "$D/plain-spec" "$D/np3-spec" "mpirun -np 3, spectrum = yes"

# ---- errors ---------------------------------------------------------------------
printf 'activations = relu\nschemes = he_normal\nwidth = 8\ndepth = 3\nbatch = 0\n' >"$D/bad.cfg"
mpi 3 run "$D/bad.cfg" -o "$D/bad" -q
[ $rc -eq 2 ] && grep -q "bad.cfg:5" "$D/err"; ok $? "an input error exits 2 with its file and line" "exit $rc: $(head -c 300 "$D/err")"
[ ! -e "$D/bad" ]; ok $? "an input error writes nothing"
mpi 3 run --no-such-option "$D/grid.cfg"
[ $rc -eq 2 ]; ok $? "an unknown option exits 2" "exit $rc"

# another command runs on rank 0 alone: one answer, exit 0
mpi 3 theory --act relu --sigma-w2 2 --depth 3
[ $rc -eq 0 ] && [ "$(grep -c '^3	' "$D/out")" -eq 1 ]; ok $? "initlab-mpi theory answers once" "exit $rc: $(head -c 300 "$D/out") $(head -c 300 "$D/err")"

# A worker that fails (here a SIGTERM sent to rank 1 alone, which it turns
# into an error as 'initlab run' does) ends the run: exit 1, a message naming
# the rank, and the tables of the earlier run in the folder left as they were.
cat >"$D/long.cfg" <<'EOF'
# Long enough for a worker to be stopped in the middle.
activations = linear tanh relu selu
schemes     = he_normal glorot_normal lecun_normal normal:std=0.05
width       = 128
depth       = 30
batch       = 64
trials      = 12
seed        = 1
EOF
mkdir "$D/kill"; cp "$D/plain/summary.tsv" "$D/kill/"
cksum "$D/kill/summary.tsv" >"$D/sum0"
ILAB_TEST_MARK=$$ timeout 120 mpirun -np 3 --oversubscribe "$M" run "$D/long.cfg" -o "$D/kill" -q -j 1 \
  >"$D/out" 2>"$D/err" </dev/null &
job=$!
# rank 1, found by its environment once it catches SIGTERM (bit 14 of
# SigCgt), which it does from the end of MPI_Init on; it then has cells to go
pid="" n=0
while [ -z "$pid" ] && [ $n -lt 400 ]; do
  for c in $(grep -l initlab-mpi /proc/[0-9]*/cmdline 2>/dev/null); do
    d=${c%/cmdline}
    { tr '\0' '\n' <"$d/environ" | grep -qx "ILAB_TEST_MARK=$$" &&
      tr '\0' '\n' <"$d/environ" | grep -qx "OMPI_COMM_WORLD_RANK=1"; } 2>/dev/null || continue
    m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "$d/status" 2>/dev/null)
    m=${m#????????}
    [ -n "$m" ] && [ $(((0x$m >> 14) & 1)) -eq 1 ] && pid=${d#/proc/}
  done
  [ -z "$pid" ] && sleep 0.05
  n=$((n + 1))
done
[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
wait $job; rc=$?
[ -n "$pid" ]; ok $? "rank 1 found"
[ $rc -eq 1 ]; ok $? "a failed worker: exit 1" "exit $rc: $(head -c 600 "$D/err")"
grep -q "initlab: error: rank 1 (.*): interrupted by a signal" "$D/err"; ok $? "a failed worker: the message names it" "$(head -c 600 "$D/err")"
cksum "$D/kill/summary.tsv" | cmp -s - "$D/sum0" && [ "$(ls "$D/kill")" = summary.tsv ]
ok $? "a failed worker: no table written, the earlier one intact" "$(ls "$D/kill" | tr '\n' ' ')"

finish
