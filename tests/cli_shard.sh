#!/bin/sh
# Command-line tests of 'initlab run --shard K/N' and 'initlab merge': the
# merged tables equal a single run's for N = 1, 2, 3, any thread count and any
# order of the folders (only the '# command:' provenance line differs); a
# failed shard is run again alone; and merge refuses, with exit 1 and the
# culprit named, a missing, duplicated, foreign, altered or cut-short shard.
# Usage: sh tests/cli_shard.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"

# run ARGS...: initlab with a 60 s timeout, stderr kept in $D/err; sets rc.
run() {
  timeout 60 "$B" "$@" 2>"$D/err" </dev/null
  rc=$?
}

no_crash() { ! grep -q -E 'Segmentation|Aborted|AddressSanitizer|LeakSanitizer|runtime error' "$D/err"; }

# same_tables A B: every table of A is in B and equal to it but for the
# '# command:' line, the one provenance line a merge must change.
same_tables() {
  n=0
  for f in "$1"/*.tsv; do
    g="$2/$(basename "$f")"
    [ -f "$g" ] || { echo "$g is missing"; return 1; }
    grep -v '^# command:' "$f" >"$D/x1"; grep -v '^# command:' "$g" >"$D/x2"
    cmp -s "$D/x1" "$D/x2" || { echo "$(basename "$f") differs"; return 1; }
    n=$((n + 1))
  done
  [ "$(ls "$2"/*.tsv | wc -l)" -eq "$n" ] || { echo "$2 has other tables"; return 1; }
}

# Shapes (2 widths x 2 depths), histograms, ln histograms, both kinds of claim:
# 3 x 3 x 4 = 36 cells of unequal cost.
E="$D/shapes.cfg"
cat >"$E" <<'EOF'
# Does He keep the signal of a ReLU network while LeCun halves it?
activations = linear relu tanh
schemes     = he_normal lecun_normal glorot_uniform
width       = 8 16
depth       = 3 5
batch       = 4
trials      = 3
seed        = 7
histograms  = 1 3
hist_bins   = 5
ln_histogram = 4
claim = relu he_normal width=16 depth=5 x_sq[3] / x_sq[1] in [0.1, 10]
claim = relu he_normal width=8 depth=3 x_sq[3] ~ theory at 0.01
EOF
# One shape: rates.tsv; a bias, an lsuv scheme and layers_table = no.
E1="$D/one.cfg"
cat >"$E1" <<'EOF'
# One shape with a bias: rates, and an LSUV scheme beside He's.
activations = relu tanh
schemes     = he_normal lsuv:base=orthogonal normal:std=0.3
depth       = 6
width       = 12
batch       = 5
trials      = 4
sigma_b2    = 0.05
layers_table = no
rates       = 2..6
EOF

run run "$E" -o "$D/full" -q --threads 1
ok "$rc" "single run of the shapes experiment exits 0" "exit $rc: $(head -c 300 "$D/err")"
run run "$E1" -o "$D/full1" -q --threads 2
ok "$rc" "single run of the one-shape experiment exits 0" "exit $rc: $(head -c 300 "$D/err")"
[ -s "$D/full/claims.tsv" ] && [ -s "$D/full/hist.tsv" ] && [ -s "$D/full/lnhist.tsv" ] && [ -s "$D/full1/rates.tsv" ] &&
  [ ! -e "$D/full1/layers.tsv" ]
ok $? "the single runs write the tables the merges are compared with"

# ---- N = 1, 2, 3, threads 1 and 2, folders in shuffled order -------------------------
for n in 1 2 3; do
  dirs=""
  for k in $(seq 1 $n); do
    run run "$E" --shard "$k/$n" -o "$D/s$n.$k" -q --threads $((1 + k % 2))
    ok "$rc" "run --shard $k/$n exits 0" "exit $rc: $(head -c 300 "$D/err")"
    dirs="$D/s$n.$k $dirs" # the last shard first
  done
  [ ! -e "$D/s$n.1/layers.tsv" ] && [ -s "$D/s$n.1/manifest.tsv" ] && [ -s "$D/s$n.1/units.bin" ] &&
    cmp -s "$E" "$D/s$n.1/experiment.cfg"
  ok $? "a shard folder holds its manifest, raw units and the experiment's text, no tables"
  # shellcheck disable=SC2086
  run merge -o "$D/m$n" $dirs
  ok "$rc" "merge of $n shards in reverse order exits 0" "exit $rc: $(head -c 300 "$D/err")"
  d=$(same_tables "$D/full" "$D/m$n"); ok $? "N = $n: every table equal to the single run's but for '# command:'" "$d"
  grep -q '^# command: initlab merge ' "$D/m$n/summary.tsv"
  ok $? "N = $n: the merged tables record the merge's command"
done
# one folder per shard for the one-shape file; the middle one first
for k in 1 2 3; do
  run run "$E1" --shard "$k/3" -o "$D/o.$k" -q --threads 2
  ok "$rc" "one-shape run --shard $k/3 exits 0" "exit $rc: $(head -c 300 "$D/err")"
done
run merge -q -o "$D/mo" "$D/o.2" "$D/o.3" "$D/o.1"
ok "$rc" "one-shape merge exits 0" "exit $rc: $(head -c 300 "$D/err")"
d=$(same_tables "$D/full1" "$D/mo"); ok $? "one shape: summary, rates (and no layers.tsv) equal to the single run's" "$d"
[ "$(cat "$D"/o.?/manifest.tsv | awk -F '\t' '$1 == "units" { printf "%s ", $2 }')" = "2 2 2 " ]
ok $? "6 cells of equal cost: 2 in each of 3 shards"

# ---- the split: by cost, not count ------------------------------------------------------
# the 36 cells cost 3 x 4 x (3 x 64, 5 x 64, 3 x 256, 5 x 256) multiply-adds; the
# rule gives the two shards 9 x (192 + 320 + 768 + 1280) / 2 each, the
# 9 cells of the largest shape split 5 and 4 and the rest to balance
u1=$(awk -F '\t' '$1 == "units" { print $2 }' "$D/s2.1/manifest.tsv")
u2=$(awk -F '\t' '$1 == "units" { print $2 }' "$D/s2.2/manifest.tsv")
[ $((u1 + u2)) -eq 36 ] && [ "$u1" -ne "$u2" ]
ok $? "two shards of unequal cells hold unequal counts (balanced by cost)" "$u1 and $u2 cells"

# ---- chunks: one scheme at a time, tables unchanged ---------------------------------
run run "$E" -o "$D/ch" -q --threads 2 --chunk-memory 1
ok "$rc" "run --chunk-memory 1 exits 0" "exit $rc: $(head -c 300 "$D/err")"
d=$(same_tables "$D/full" "$D/ch"); ok $? "--chunk-memory 1 (chunks of one scheme): the single run's tables" "$d"
run run "$E1" -o "$D/ch1" -q --threads 1 --chunk-memory 1
d=$(same_tables "$D/full1" "$D/ch1"); ok $? "one shape, --chunk-memory 1: the single run's tables" "$d"
run run "$E" --shard 1/2 -o "$D/c2.1" -q --chunk-memory 1
run run "$E" --shard 2/2 -o "$D/c2.2" -q --chunk-memory 3K
run merge -q -o "$D/mc" "$D/c2.2" "$D/c2.1"
d=$(same_tables "$D/full" "$D/mc"); ok $? "shards run in chunks merge to the single run's tables" "$d"
run run "$E" --shard 1/2 -o "$D/t2.1" -q --threads 1
cmp -s "$D/t2.1/manifest.tsv" "$D/s2.1/manifest.tsv" && cmp -s "$D/t2.1/units.bin" "$D/s2.1/units.bin"
ok $? "a shard's data (and manifest) are byte-identical under --threads 1 and 2"
[ -z "$(ls -A "$D/full" | grep -v '\.tsv$')" ]
ok $? "a run leaves no scratch file in its folder" "$(ls -A "$D/full")"
run run "$E" --chunk-memory 0 -o "$D/u" -q
[ "$rc" -eq 2 ] && grep -q -- '--chunk-memory' "$D/err"
ok $? "--chunk-memory 0 is a usage error" "exit $rc"

# ---- a failed shard is run again alone ---------------------------------------------
rm -rf "$D/s3.2"
run merge -o "$D/mr" "$D/s3.1" "$D/s3.3"
[ "$rc" -eq 1 ] && grep -q 'shard 2/3 is missing' "$D/err" && grep -q -- '--shard 2/3' "$D/err" && [ ! -e "$D/mr" ]
ok $? "a missing shard: exit 1, named, with the command that runs it, and nothing written" "exit $rc: $(head -c 300 "$D/err")"
run run "$E" --shard 2/3 -o "$D/s3.2" -q
run merge -o "$D/mr" "$D/s3.2" "$D/s3.3" "$D/s3.1"
d=$(same_tables "$D/full" "$D/mr"); ok $? "shard 2/3 run again alone: the merge equals the single run" "$d"

# ---- refusals -------------------------------------------------------------------------
# refused CASE PATTERN ARGS...: merge exits 1, stderr matches PATTERN, nothing is written
refused() {
  what=$1 pat=$2; shift 2
  rm -rf "$D/bad"
  run merge -o "$D/bad" "$@"
  [ "$rc" -eq 1 ] && grep -q -- "$pat" "$D/err" && no_crash && [ ! -e "$D/bad/summary.tsv" ]
  ok $? "merge refuses $what" "exit $rc: $(head -c 400 "$D/err")"
}
refused "a duplicated shard" "$D/s3.1 and $D/s3.1 are both shard 1/3" "$D/s3.1" "$D/s3.2" "$D/s3.1" "$D/s3.3"
cp -r "$D/s3.3" "$D/copy"
refused "a copy of a shard in another folder" "$D/s3.3 and $D/copy are both shard 3/3" "$D/s3.1" "$D/s3.2" "$D/s3.3" "$D/copy"
sed 's/^seed        = 7/seed        = 7   # the same seed/' "$E" >"$D/other.cfg"
run run "$D/other.cfg" --shard 3/3 -o "$D/x3" -q
refused "a shard of another experiment text" "$D/x3 is a shard of another experiment file" "$D/s3.1" "$D/s3.2" "$D/x3"
run run "$E" --shard 3/3 --seed 8 -o "$D/seed8" -q
refused "a shard of another seed" "$D/seed8 is a shard of another seed" "$D/s3.1" "$D/s3.2" "$D/seed8"
GSL_RNG_TYPE=taus2 timeout 60 "$B" run "$E" --shard 3/3 -o "$D/taus" -q 2>/dev/null
refused "a shard of another generator" "$D/taus is a shard of another generator" "$D/s3.1" "$D/s3.2" "$D/taus"
refused "a shard of another N" "$D/s2.2 is a shard of another number of shards" "$D/s3.1" "$D/s2.2" "$D/s3.3"
refused "a folder that is not a shard" "$D/full: no shard manifest" "$D/s3.1" "$D/full"
cp -r "$D/s3.3" "$D/cut" && head -c 1000 "$D/s3.3/units.bin" >"$D/cut/units.bin"
refused "a cut-short units.bin" "$D/cut/units.bin: 1000 bytes where its manifest says" "$D/s3.1" "$D/s3.2" "$D/cut"
cp -r "$D/s3.3" "$D/flip" && printf '\001' | dd of="$D/flip/units.bin" bs=1 seek=500 conv=notrunc 2>/dev/null
refused "an altered units.bin" "$D/flip/units.bin: does not match the size and hash" "$D/s3.1" "$D/s3.2" "$D/flip"
cp -r "$D/s3.3" "$D/edit" && echo "depth = 4" >>"$D/edit/experiment.cfg"
refused "an edited experiment.cfg" "$D/edit/experiment.cfg does not match the hash" "$D/s3.1" "$D/s3.2" "$D/edit"
cp -r "$D/s3.3" "$D/ver" && sed -i 's/^version\t.*/version\t0.0.1/' "$D/ver/manifest.tsv"
refused "a shard of another initlab version" "$D/ver is a shard of another version of initlab" "$D/s3.1" "$D/s3.2" "$D/ver"
cp -r "$D/s3.3" "$D/relabel" && sed -i 's|^shard\t3/3|shard\t2/3|' "$D/relabel/manifest.tsv"
refused "a shard relabelled as another" "$D/relabel/units.bin: holds a cell that is not this shard's" "$D/s3.1" "$D/relabel" "$D/s3.3"
cp -r "$D/s3.3" "$D/unfinished" && rm "$D/unfinished/manifest.tsv"
refused "a shard whose run did not finish" "$D/unfinished: no shard manifest" "$D/s3.1" "$D/s3.2" "$D/unfinished"

# ---- usage errors: exit 2 ----------------------------------------------------------------
for bad in 0/3 4/3 3 1/0 a/2 1/2x; do
  run run "$E" --shard "$bad" -o "$D/u" -q
  [ "$rc" -eq 2 ] && grep -q -- '--shard' "$D/err" && [ ! -e "$D/u" ]
  ok $? "run --shard $bad is a usage error" "exit $rc: $(head -c 200 "$D/err")"
done
run run "$E" --shard 1/2 --only act=relu -o "$D/u" -q
[ "$rc" -eq 2 ] && grep -q -- '--only' "$D/err"
ok $? "--shard with --only is a usage error" "exit $rc"
printf 'activations = relu\nschemes = he_normal\nwidth = 8\ndepth = 2\nbatch = 1\ntrials = 2\nspectrum = yes\n' >"$D/spec.cfg"
run run "$D/spec.cfg" --shard 1/2 -o "$D/u" -q
[ "$rc" -eq 2 ] && grep -q "spectrum = yes' cannot be run in shards" "$D/err"
ok $? "--shard of a spectrum experiment is refused with exit 2" "exit $rc: $(head -c 200 "$D/err")"
run merge "$D/s3.1"
[ "$rc" -eq 2 ] && grep -q 'missing -o' "$D/err"
ok $? "merge without -o is a usage error" "exit $rc"
run merge -o "$D/u"
[ "$rc" -eq 2 ]
ok $? "merge without folders is a usage error" "exit $rc"
"$B" merge --help >"$D/help" 2>&1
[ $? -eq 0 ] && grep -q '^Exit status' "$D/help" && grep -q 'OUT DIR' "$D/help"
ok $? "merge --help exits 0 and states the exit statuses"
"$B" run --help | grep -q -- '--shard K/N'
ok $? "run --help documents --shard"

# ---- scripts/slurm-array.sh ---------------------------------------------------------
S="$(dirname "$0")/../scripts/slurm-array.sh"
if command -v bash >/dev/null && [ -f "$S" ]; then
  bash -n "$S"
  ok $? "slurm-array.sh parses (bash -n)"
  bash "$S" --dry-run -n 2 -o "$D/sl" --initlab "$B" "$E" >"$D/sl.out" 2>"$D/err"
  rc=$?
  [ "$rc" -eq 0 ] && grep -q -- '--array=1-2' "$D/sl.out" && grep -q 'afterany:JOBID' "$D/sl.out"
  ok $? "slurm-array.sh --dry-run runs 2 shards and the merge here, printing the sbatch commands" "exit $rc: $(head -c 300 "$D/err")"
  d=$(same_tables "$D/full" "$D/sl"); ok $? "slurm-array.sh --dry-run: tables equal to the single run's" "$d"
  rm -rf "$D/sl/shards/2" "$D/sl"/*.tsv
  bash "$S" --dry-run -n 2 -o "$D/sl" --initlab "$B" "$E" --tasks 2 >"$D/sl.out" 2>"$D/err"
  d=$(same_tables "$D/full" "$D/sl"); ok $? "slurm-array.sh --tasks 2 runs the lost shard again and merges" "$d"
  # submission, with an sbatch that records its arguments and answers a job id
  mkdir "$D/bin"
  printf '#!/bin/sh
echo "$@" >>"%s/sbatch.log"
echo 4242
' "$D" >"$D/bin/sbatch"
  chmod +x "$D/bin/sbatch"
  PATH="$D/bin:$PATH" bash "$S" -n 5 -t 2 -o "$D/sub" --initlab "$B" "$E" -- --partition=p1 >"$D/sl.out" 2>"$D/err"
  rc=$?
  [ "$rc" -eq 0 ] && [ "$(wc -l <"$D/sbatch.log")" -eq 2 ] &&
    grep -q -- '--array=1-5 --cpus-per-task=2 .*--partition=p1 --wrap .*--shard ${SLURM_ARRAY_TASK_ID}/5 -o .*/shards/${SLURM_ARRAY_TASK_ID} --threads 2' "$D/sbatch.log" &&
    grep -q -- '--dependency=afterany:4242 .*--partition=p1 --wrap .* merge -o ' "$D/sbatch.log"
  ok $? "slurm-array.sh submits the array and a merge that waits for it" "exit $rc: $(cat "$D/sbatch.log" "$D/err" | head -c 600)"
  bash "$S" -n 0 "$E" >/dev/null 2>&1
  ok $(($? != 2)) "slurm-array.sh -n 0 is a usage error"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
