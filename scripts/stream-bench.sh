#!/bin/sh
# Measures what streaming and merging cost: the peak memory (resident set,
# from /usr/bin/time -v) of 'initlab run' on sweeps of 10^3 and 10^4 small
# cells, and the throughput of 'initlab merge' in table rows, cells and
# bytes per second, for small cells and for deep ones.
# Usage: sh scripts/stream-bench.sh [path/to/initlab] [threads]
set -eu
B=${1:-build/initlab}
J=${2:-2}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
[ -x "$B" ] || { echo "stream-bench.sh: no initlab at $B" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "stream-bench.sh: needs GNU time at /usr/bin/time" >&2; exit 2; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

# sweep NW DEPTH TRIALS: 2 activations x 50 schemes x NW widths, so 100 NW cells
sweep() {
  echo "# 2 activations x 50 schemes x $1 widths: $(($1 * 100)) cells"
  echo "activations = relu tanh"
  printf 'schemes ='
  for i in $(seq 1 50); do printf ' normal:std=%d.%02d' $((i * 2 / 100)) $((i * 2 % 100)); done
  echo
  printf 'width ='
  for i in $(seq 1 "$1"); do printf ' %d' $((7 + i)); done
  echo
  echo "depth = $2"
  echo "batch = 2"
  echo "trials = $3"
  echo "seed = 5"
}

# measure LABEL CMD...: prints LABEL, wall seconds and peak resident kB
measure() {
  label=$1
  shift
  /usr/bin/time -f '%e %M' -o "$D/time" "$@" 2>/dev/null
  set -- $(cat "$D/time")
  printf '%-44s %8s s %8s kB\n' "$label" "$1" "$2"
  secs=$1
}

# rows DIR: data rows of every table in DIR
rows() { cat "$1"/*.tsv | grep -vc -e '^#' -e '^act	' -e '^experiment	'; }

echo "# initlab $("$B" --version | cut -d' ' -f2), $J threads; wall time and peak resident set size"
for nw in 10 100; do
  sweep "$nw" 3 3 >"$D/s$nw.cfg"
  measure "run: $((nw * 100)) cells (depth 3, 3 trials)" "$B" run "$D/s$nw.cfg" -o "$D/r$nw" -q -j "$J"
done
for shape in "100 3 3" "4 50 10"; do
  set -- $shape
  sweep "$1" "$2" "$3" >"$D/m.cfg"
  cells=$(($1 * 100))
  for k in 1 2 3 4; do "$B" run "$D/m.cfg" --shard "$k/4" -o "$D/sh$k" -q -j "$J"; done
  measure "merge: 4 shards, $cells cells (depth $2, $3 trials)" "$B" merge -q -o "$D/mo" "$D/sh1" "$D/sh2" "$D/sh3" "$D/sh4"
  n=$(rows "$D/mo")
  bytes=$(cat "$D"/mo/*.tsv | wc -c)
  awk -v n="$n" -v c="$cells" -v b="$bytes" -v s="$secs" 'BEGIN {
    printf "  %d rows, %.1f MB: %.0f rows/s, %.0f cells/s, %.1f MB/s\n", n, b / 1e6, n / s, c / s, b / 1e6 / s }'
  rm -rf "$D"/sh? "$D/mo"
done
