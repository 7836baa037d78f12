#!/bin/sh
# Throughput of one sweep, in cells per second, with 1, 2 and 3 threads of
# build/initlab and with 1, 2 and 3 MPI ranks of build/initlab-mpi (one
# thread each), side by side, on this machine; 'make bench' runs it.
# Rank 0 of several only hands out cells, so P ranks compute on P - 1 (one
# rank computes alone).  Each run's rows are checked equal to the threads'.
# The machine's load average is recorded: other work on it skews the times.  The MPI times include mpirun's start-up, measured
# apart on a run with nothing to do (start_s).  Ranks are left unbound
# (--bind-to none), as threads are.
# Usage: scripts/bench-mpi.sh [OUTDIR]   (OUTDIR [results/bench]: mpi.tsv)
# Exit status: 0 done, 1 a run failed, 2 usage; without mpirun or
# build/initlab-mpi it says so and exits 0.
set -u
out=${1:-results/bench}
[ $# -le 1 ] || { echo "usage: scripts/bench-mpi.sh [OUTDIR]" >&2; exit 2; }
B=build/initlab M=build/initlab-mpi
[ -x "$B" ] || { echo "bench-mpi: no $B; run make first" >&2; exit 1; }
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$M" ]; then
  echo "bench-mpi: no mpirun or no $M ('make mpi'); MPI throughput not measured"
  exit 0
fi
mkdir -p "$out" || exit 1
D=$(mktemp -d) || exit 1
trap 'rm -rf "$D"' EXIT
trap 'exit 1' INT TERM
# as root (a container), and without ptrace there (open-mpi/ompi#4948)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism="${OMPI_MCA_btl_vader_single_copy_mechanism:-none}"

# 24 cells of 1.3 GFLOP each (3 x 2 x batch x width^2 x depth x trials)
cat >"$D/bench.cfg" <<'EOF'
# The sweep of the MPI benchmark: 3 activations x 8 schemes, 24 equal cells.
activations = linear tanh relu
schemes     = normal:std=0.05 lecun_normal glorot_normal he_normal lecun_uniform glorot_uniform he_uniform he_normal:dist=truncated_normal
depth       = 20
width       = 256
batch       = 128
trials      = 2
seed        = 42
layers_table = no
EOF
cells=24

now() { date +%s.%N; }
# secs CMD...: "WALL CPU", the wall seconds of the command, which must exit
# 0, and the user + system CPU seconds of it and every process it waited
# for (GNU time; nan without it)
secs() {
  t0=$(now)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%U %S' -o "$D/cpu" "$@" >/dev/null 2>"$D/err" </dev/null
  else
    echo 'nan 0' >"$D/cpu"; "$@" >/dev/null 2>"$D/err" </dev/null
  fi || { echo "bench-mpi: failed: $*" >&2; cat "$D/err" >&2; exit 1; }
  t1=$(now)
  echo "$t0 $t1 $(tail -n 1 "$D/cpu")" | awk '{ printf "%.6f\t%.2f", $2 - $1, $3 + $4 }'
}
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
rows=""
for n in 1 2 3; do
  s=$(secs "$B" run "$D/bench.cfg" -o "$D/t$n" -q -j $n) || exit 1
  rows="$rows
threads	$n	$n	$s	0"
done
for p in 1 2 3; do
  st=$(secs mpirun -np $p --oversubscribe --bind-to none "$M" --version) || exit 1
  st=$(echo "$st" | cut -f 1)
  s=$(secs mpirun -np $p --oversubscribe --bind-to none "$M" run "$D/bench.cfg" -o "$D/m$p" -q -j 1) || exit 1
  w=$((p > 1 ? p - 1 : 1))
  rows="$rows
mpi	$p	$w	$s	$st"
  # the same rows as the threads' run, or the numbers mean nothing
  for f in "$D/t1"/*.tsv; do
    grep -v '^#' "$f" >"$D/a"; grep -v '^#' "$D/m$p/${f##*/}" >"$D/b"
    cmp -s "$D/a" "$D/b" || { echo "bench-mpi: $p ranks wrote other rows in ${f##*/}" >&2; exit 1; }
  done
done

tab="$out/mpi.tsv"
{
  echo "# initlab bench-mpi: cells per second of one sweep, threads of build/initlab and ranks of build/initlab-mpi"
  echo "# command: scripts/bench-mpi.sh $out"
  echo "# version: $("$B" --version)"
  echo "# machine: $(nproc 2>/dev/null || echo '?') cores; $(mpirun --version 2>/dev/null | head -n 1); load average before: $load0"
  echo "# workers: processes computing cells (rank 0 of several ranks only schedules); seconds: wall time, mpirun's"
  echo "# start-up included, which start_s measures on a run with nothing to do; cells_per_s_net leaves it out;"
  echo "# cpu_s: user + system CPU seconds of every process of the run (wall times also measure other work on the machine)"
  sed 's/^/# experiment: /' "$D/bench.cfg"
  printf 'mode\tn\tworkers\tcells\tseconds\tcpu_s\tstart_s\tcells_per_s\tcells_per_s_net\tcpu_s_per_cell\n'
  echo "$rows" | awk -F '\t' -v c=$cells 'NF == 6 {
    net = $4 - $6; printf "%s\t%d\t%d\t%d\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n",
      $1, $2, $3, c, $4, $5, $6, c / $4, c / net, $5 / c }'
} >"$tab.tmp" && mv "$tab.tmp" "$tab" || exit 1
echo
echo "## MPI ranks against threads ($cells cells, $out/mpi.tsv)"
grep -v '^#' "$tab" | awk -F '\t' 'NR == 1 { printf "%-8s %2s %8s %9s %8s %8s %12s %16s %15s\n", $1, $2, $3, $5, $6, $7, $8, $9, $10; next }
  { printf "%-8s %2d %8d %9.3f %8.2f %8.3f %12.2f %16.2f %15.3f\n", $1, $2, $3, $5, $6, $7, $8, $9, $10 }'
