#!/bin/sh
# The training experiments' claims (train_claim lines) on other seeds and on
# the planted error each experiment file names: runs every experiment with
# seeds 7, 8 and 9 (or -s "S1 S2 ...") and once with its error planted, and
# prints per claim its verdicts: it should pass on every seed and FAIL planted.
#   he2015train         the other scheme's scale: glorot_normal:gain=1.4142 (He's),
#                       he_normal:gain=0.7071 (Xavier's)
#   saxe                the orthogonal networks under the Gaussian claim's name
#   coordcheck_sgd/adam the standard parametrization in place of muP
#   coordcheck_*_sp     muP (base width 64) in place of the standard one
# Usage: scripts/train-claims-power.sh [-s SEEDS] [-o DIR]
set -u
seeds="7 8 9" out=${TMPDIR:-/tmp}/train-claims-power
while getopts s:o: o; do case $o in s) seeds=$OPTARG ;; o) out=$OPTARG ;; *) exit 2 ;; esac; done
B=${INITLAB:-build/initlab}
mkdir -p "$out"
for name in he2015train saxe coordcheck_sgd coordcheck_sgd_sp coordcheck_adam coordcheck_adam_sp; do
  cfg=experiments/$name.cfg
  for s in $seeds; do "$B" run "$cfg" -o "$out/$name-seed$s" --seed "$s" -q >/dev/null 2>&1; done
  case $name in
    he2015train) sed -e 's/^schemes .*/schemes     = glorot_normal:gain=1.4142 he_normal:gain=0.7071/' \
                     -e 's/^train_claim = relu he_normal /train_claim = relu he_normal:gain=0.7071 /' \
                     -e 's/^train_claim = relu glorot_normal /train_claim = relu glorot_normal:gain=1.4142 /' "$cfg" ;;
    saxe) sed 's/^train_claim = linear lecun_normal /train_claim = linear orthogonal /' "$cfg" ;;
    *_sp) sed 's/^parametrization .*/parametrization = mup:base_width=64/' "$cfg" ;;
    *) sed 's/^parametrization .*/parametrization = standard/' "$cfg" ;;
  esac >"$out/$name-planted.cfg"
  "$B" run "$out/$name-planted.cfg" -o "$out/$name-planted" -q >/dev/null 2>&1
  for s in $seeds planted; do
    d=$out/$name-$( [ "$s" = planted ] && echo planted || echo "seed$s" )
    grep -v '^#' "$d/train_claims.tsv" 2>/dev/null | awk -F'\t' -v n="$name" -v s="$s" 'NR > 1 {
      printf "%-20s %-8s line %-3s %-5s %-10.4g [%.4g, %.4g]\n", n, s, $2, $8, $4, $6, $7 }'
  done
done
