#!/bin/bash
# Runs an experiment as a Slurm job array over N shards, then merges them:
# task K of the array runs 'initlab run FILE --shard K/N -o OUT/shards/K' and
# a job that waits for the whole array (afterany) runs 'initlab merge', which
# checks that every shard is there and whole.  --dry-run runs the same
# commands here, one after another, instead of submitting them.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/slurm-array.sh [options] EXPERIMENT.cfg [-- SBATCH-OPTIONS...]

Submits 'initlab run EXPERIMENT.cfg --shard K/N' for K = 1..N as one Slurm job
array (sbatch --array), each shard into OUT/shards/K, and a merge job that
starts when every task has ended (--dependency=afterany) and writes the
tables of the whole run into OUT with 'initlab merge'.  The merge refuses a
missing or broken shard and names it; resubmit that task alone with
--tasks K (then the merge runs again).

Options:
  -n, --shards N      shards, the array's size [8]
  -o, --output OUT    folder for the shards and the merged tables
                      [results/NAME, NAME the file's stem]
  -t, --threads T     threads per task; also asked of Slurm as
                      --cpus-per-task [1]
      --tasks LIST    only these array tasks (sbatch's --array syntax,
                      e.g. 3,7 or 2-4), to run failed shards again [1-N]
      --initlab PATH  the initlab binary the nodes run [initlab on PATH,
                      else build/initlab beside this script]
      --seed S        passed to every shard (and recorded by each)
      --dry-run       run the tasks and the merge here, one after another,
                      printing the sbatch commands a real run submits
  -h, --help          this help
Everything after '--' goes to both sbatch calls (--partition, --time,
--account, --mem ...).

Exit status: 0 submitted (or, with --dry-run, merged), 1 a task or the merge
failed, 2 usage error.
EOF
}

die_usage() { echo "slurm-array.sh: $*" >&2; echo "Try 'scripts/slurm-array.sh --help'." >&2; exit 2; }

n=8 out="" threads=1 tasks="" initlab="" seed="" dry=0 file=""
sbatch_opts=()
while [ $# -gt 0 ]; do
  case $1 in
  -n | --shards) [ $# -ge 2 ] || die_usage "$1 needs a value"; n=$2; shift 2 ;;
  -o | --output) [ $# -ge 2 ] || die_usage "$1 needs a value"; out=$2; shift 2 ;;
  -t | --threads) [ $# -ge 2 ] || die_usage "$1 needs a value"; threads=$2; shift 2 ;;
  --tasks) [ $# -ge 2 ] || die_usage "$1 needs a value"; tasks=$2; shift 2 ;;
  --initlab) [ $# -ge 2 ] || die_usage "$1 needs a value"; initlab=$2; shift 2 ;;
  --seed) [ $# -ge 2 ] || die_usage "$1 needs a value"; seed=$2; shift 2 ;;
  --dry-run) dry=1; shift ;;
  -h | --help) usage; exit 0 ;;
  --) shift; sbatch_opts=("$@"); break ;;
  -*) die_usage "unknown option '$1'" ;;
  *) [ -z "$file" ] || die_usage "one experiment file at a time; unexpected '$1'"; file=$1; shift ;;
  esac
done
[ -n "$file" ] || die_usage "missing the experiment file"
[ -r "$file" ] || die_usage "cannot read $file"
[[ $n =~ ^[1-9][0-9]*$ ]] || die_usage "--shards: '$n' is not a positive whole number"
[[ $threads =~ ^[1-9][0-9]*$ ]] || die_usage "--threads: '$threads' is not a positive whole number"
[[ -z $tasks || $tasks =~ ^[0-9,-]+$ ]] || die_usage "--tasks: '$tasks' is not a list like 3,7 or 2-4"
[[ -z $seed || $seed =~ ^[0-9]+$ ]] || die_usage "--seed: '$seed' is not a whole number"
if [ -z "$initlab" ]; then
  initlab=$(command -v initlab || true)
  [ -n "$initlab" ] || initlab="$(cd "$(dirname "$0")/.." && pwd)/build/initlab"
fi
[ -x "$initlab" ] || die_usage "no initlab binary at '$initlab' (--initlab PATH)"
if [ -z "$out" ]; then
  stem=$(basename "$file"); stem=${stem%%.*}
  out="results/$stem"
fi
# the nodes see the same shared file system: absolute paths
file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
mkdir -p "$out/shards"
out=$(cd "$out" && pwd)
tasks=${tasks:-1-$n}

# the shard command of task K ($1), quoted for a shell
shard_cmd() {
  local c
  c=$(printf '%q run %q --shard %s/%s -o %q --threads %s -q' "$initlab" "$file" "$1" "$n" "$out/shards/$1" "$threads")
  [ -z "$seed" ] || c="$c --seed $seed"
  printf '%s' "$c"
}
merge_cmd() {
  printf '%q merge -o %q' "$initlab" "$out"
  for k in $(seq 1 "$n"); do printf ' %q' "$out/shards/$k"; done
}

array_wrap="$(shard_cmd '${SLURM_ARRAY_TASK_ID}')"
# %q quoted the braces: let the task's shell expand the task id
array_wrap=${array_wrap//\\\$\\\{SLURM_ARRAY_TASK_ID\\\}/\$\{SLURM_ARRAY_TASK_ID\}}
array_wrap=${array_wrap//\$\\\{SLURM_ARRAY_TASK_ID\\\}/\$\{SLURM_ARRAY_TASK_ID\}}

if [ "$dry" -eq 1 ]; then
  echo "would submit: sbatch --parsable --job-name=initlab-shards --array=$tasks --cpus-per-task=$threads" \
    "--output=$out/shards/slurm-%a.out ${sbatch_opts[*]} --wrap '$array_wrap'"
  echo "would submit: sbatch --parsable --job-name=initlab-merge --dependency=afterany:JOBID" \
    "--output=$out/merge.out ${sbatch_opts[*]} --wrap '$(merge_cmd)'"
  status=0
  # the array's tasks, expanded from its --array list
  for part in ${tasks//,/ }; do
    lo=${part%-*} hi=${part#*-}
    for k in $(seq "$lo" "$hi"); do
      [ "$k" -ge 1 ] && [ "$k" -le "$n" ] || die_usage "--tasks: task $k is outside 1..$n"
      echo "task $k: $(shard_cmd "$k")"
      eval "$(shard_cmd "$k")" || { echo "slurm-array.sh: task $k failed" >&2; status=1; }
    done
  done
  echo "merge: $(merge_cmd)"
  eval "$(merge_cmd)" || status=1
  exit "$status"
fi

command -v sbatch >/dev/null || { echo "slurm-array.sh: sbatch not found: not a Slurm cluster (try --dry-run)" >&2; exit 1; }
jid=$(sbatch --parsable --job-name=initlab-shards --array="$tasks" --cpus-per-task="$threads" \
  --output="$out/shards/slurm-%a.out" "${sbatch_opts[@]}" --wrap "$array_wrap")
jid=${jid%%;*}
mid=$(sbatch --parsable --job-name=initlab-merge --dependency="afterany:$jid" --output="$out/merge.out" \
  "${sbatch_opts[@]}" --wrap "$(merge_cmd)")
echo "submitted array job $jid (tasks $tasks of $n shards) and merge job ${mid%%;*}"
echo "shards in $out/shards, tables in $out; the merge's verdict in $out/merge.out"
