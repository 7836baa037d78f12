#!/bin/sh
# initlab check on real files: weights written by torch.nn.init, NumPy and
# SciPy (tests/fixtures/check/, made by scripts/make-check-fixtures.py) pass
# against the scheme that made them, fail against near misses, and 'best'
# names them without --expect; damaged files exit 2 naming what is wrong.
#
# Sample sizes and levels: each fixture tensor has n = 4096 to 12800 values
# (stated per case below); the family-wise level is check's default
# alpha = 1e-3, so with one tensor in the run each of its six tests is at
# 1e-3/6 (|z| > 3.76), with six tensors at 1e-3/36 (|z| > 4.19).  A right
# scheme therefore fails with probability below 1e-3 per run (the seeds are
# fixed, so a failure is a bug).  Each near miss is far beyond that level at
# its n: the expected |z| of its most sensitive test is given beside it.
bin=${1:-build/initlab}
fx=${ILAB_CHECK_FIXTURES:-tests/fixtures/check}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
out=$tmp/out err=$tmp/err

run() { "$bin" check "$@" >"$out" 2>"$err"; st=$?; }
# col TENSOR COLUMN: a cell of the table, by the header's column names
col() {
  grep -v '^#' "$out" | awk -F'\t' -v t="$1" -v c="$2" \
    'NR == 1 {for (i = 1; i <= NF; i++) if ($i == c) k = i; next} $1 == t {print $k}'
}
# expect_verdict WANT TENSOR DESCRIPTION ARGS...: exit status and the tensor's verdict
expect_verdict() {
  want=$1 t=$2 what=$3; shift 3
  run "$@"
  v=$(col "$t" verdict)
  case $want in pass) es=0 ;; fail) es=1 ;; esac
  if [ "$st" -eq "$es" ] && [ "$v" = "$want" ]; then ok; else
    bad "$what: exit $st, verdict '$v' (want $want): $*"; grep -v '^#' "$out" | head -3; cat "$err"; fi
}
expect_best() { # WANT TENSOR ARGS...
  want=$1 t=$2; shift 2
  run "$@"
  b=$(col "$t" best)
  if [ "$st" -eq 0 ] && [ "$b" = "$want" ]; then ok; else bad "best of $t is '$b' (want $want, exit $st): $*"; fi
}
# expect_error FRAGMENT DESCRIPTION ARGS...: exit 2, the file's name and FRAGMENT on stderr
expect_error() {
  frag=$1 what=$2; shift 2
  run "$@"
  if [ "$st" -eq 2 ] && grep -q -- "$frag" "$err"; then ok; else
    bad "$what: exit $st (want 2), stderr lacks '$frag':"; cat "$err"; fi
}

# ---- each fixture passes against the scheme that made it ----------------
expect_verdict pass linear_default "nn.Linear default (n 9600, .npy 1.0 <f4)" $fx/linear_default.npy --expect torch_linear
expect_verdict pass conv_kaiming_normal "kaiming_normal_ on a conv (n 4608)" $fx/conv_kaiming_normal.npy --expect he_normal
expect_verdict pass xavier_uniform "xavier_uniform_ (n 9600, .npy 2.0 >f4)" $fx/xavier_uniform.npy --expect xavier_uniform
expect_verdict pass xavier_normal_f8be "xavier_normal_ (n 9600, >f8)" $fx/xavier_normal_f8be.npy --expect glorot_normal
expect_verdict pass trunc_normal_002 "trunc_normal_(std=0.02) (n 9600, .npy 3.0 <f8)" $fx/trunc_normal_002.npy --expect torch_trunc_normal:std=0.02,a=-2,b=2
expect_verdict pass trunc_normal_002 "trunc_normal_(std=0.02) is N(0, 0.02^2)" $fx/trunc_normal_002.npy --expect normal:std=0.02
expect_verdict pass trunc_normal_default "trunc_normal_() (n 9600)" $fx/trunc_normal_default.npy --expect torch_trunc_normal
expect_verdict pass trunc_normal_default "trunc_normal_() is truncated_normal:std=1" $fx/trunc_normal_default.npy --expect truncated_normal:std=1
expect_verdict pass kaiming_uniform_f16 "kaiming_uniform_ in float16, rounded law (n 9600)" $fx/kaiming_uniform_f16.npy --expect he_uniform
expect_verdict pass keras_dense_he_normal "Keras Dense (in, out), Fortran order (n 9600)" $fx/keras_dense_he_normal.npy --layout keras --expect he_normal
expect_verdict pass keras_conv_he_normal "Keras conv, SciPy truncnorm (n 4608)" $fx/keras_conv_he_normal.npy --layout keras --expect he_normal:dist=truncated_normal
expect_verdict pass he_uniform_30x40 "text, savetxt (n 1200)" $fx/he_uniform_30x40.txt --shape 30x40 --expect he_uniform
expect_verdict pass keras_dense_he_normal "explicit fans override the layout" $fx/keras_dense_he_normal.npy --fan-in 120 --fan-out 80 --expect he_normal
[ "$(col keras_dense_he_normal fan_rule)" = given ] && ok || bad "explicit fans: fan_rule '$(col keras_dense_he_normal fan_rule)'"
for z in model.npz model_compressed.npz; do
  run $fx/$z --expect 'fc1.weight=torch_linear' --expect 'ln.weight=constant:value=1' --expect 'ln.bias=zeros' \
    --expect 'conv.weight=he_normal:mode=fan_out' --expect '*transpose*=torch_linear'
  [ "$st" -eq 0 ] && ok || { bad "$z: exit $st"; cat "$err"; }
  for t in fc1.weight ln.weight ln.bias conv.weight decoder.convtranspose.weight; do
    [ "$(col $t verdict)" = pass ] && ok || bad "$z: $t verdict '$(col $t verdict)'"
  done
  [ "$(col fc1.bias verdict)" = - ] && ok || bad "$z: fc1.bias (no --expect) is judged"
  grep -q 'decoder.convtranspose.weight looks like a transposed convolution' "$err" && ok || bad "$z: no transposed-convolution warning"
done
# a Hugging Face BERT-style model.safetensors: F32, BF16, F16, F64
run $fx/model.safetensors --expect '*word_embeddings.weight=normal:std=0.02' --expect '*query.weight=normal:std=0.02' \
  --expect '*.bias=zeros' --expect '*intermediate.dense.weight=glorot_uniform' \
  --expect '*LayerNorm.weight=constant:value=1' --expect 'classifier.weight=he_normal'
[ "$st" -eq 0 ] && ok || { bad "model.safetensors: exit $st"; grep -v '^#' "$out"; cat "$err"; }
[ "$(grep -v '^#' "$out" | awk -F'\t' 'NR > 1 && $23 == "pass"' | wc -l)" -eq 6 ] && ok || bad "model.safetensors: not 6 passes"
[ "$(col encoder.layer.0.attention.query.weight dtype)" = bfloat16 ] && ok || bad "bfloat16 dtype column"

# ---- near misses fail ----------------------------------------------------
# nn.Linear draws Var = 1/(3 fan_in), LeCun promises 1/fan_in: |z_var| ~ 70 at n 9600
expect_verdict fail linear_default "nn.Linear default vs lecun_uniform" $fx/linear_default.npy --expect lecun_uniform
# fan_out = 2 fan_in here: Var off by 2, |z_var| ~ 48 at n 4608
expect_verdict fail conv_kaiming_normal "kaiming_normal_ vs fan_out" $fx/conv_kaiming_normal.npy --expect he_normal:mode=fan_out
# same variance, other law: excess kurtosis -1.2 vs 0, |z_kurt| ~ 24 at n 9600
expect_verdict fail xavier_uniform "xavier_uniform_ vs glorot_normal" $fx/xavier_uniform.npy --expect glorot_normal
# initlab's cut at +-2 sd keeps 0.7737 of the variance: |z_var| ~ 27, |z_kurt| ~ 31 at n 9600
expect_verdict fail trunc_normal_002 "trunc_normal_(std=0.02) vs truncated_normal:std=0.02" $fx/trunc_normal_002.npy --expect truncated_normal:std=0.02
# torch reads (in 120, out 80) as fan_in 80: Var expected 2/80, drawn 2/120, |z_var| ~ 23 at n 9600
expect_verdict fail keras_dense_he_normal "Keras-layout tensor read with the torch layout" $fx/keras_dense_he_normal.npy --expect he_normal
[ "$(col keras_dense_he_normal fan_in)" = 80 ] && [ "$(col keras_dense_he_normal fan_rule)" = "torch:linear(out,in)" ] && ok || bad "torch layout of (120, 80): fan_in $(col keras_dense_he_normal fan_in)"
# torch reads (3, 3, 16, 32) as fan_in 3 x 512: Var off by 10.7, |z_var| ~ 550 at n 4608
expect_verdict fail keras_conv_he_normal "Keras conv read with the torch layout" $fx/keras_conv_he_normal.npy --expect he_normal:dist=truncated_normal
# same variance, uniform vs normal, in float16: |z_kurt| ~ 24 at n 9600
expect_verdict fail kaiming_uniform_f16 "float16 kaiming_uniform_ vs he_normal" $fx/kaiming_uniform_f16.npy --expect he_normal
# bfloat16 N(0, 0.02^2) vs the 2-sd cut: |z_var| ~ 15, |z_kurt| ~ 21 at n 4096
run $fx/model.safetensors --expect '*query.weight=truncated_normal:std=0.02'
[ "$st" -eq 1 ] && [ "$(col encoder.layer.0.attention.query.weight verdict)" = fail ] && ok || bad "bfloat16 query vs truncated_normal:std=0.02: exit $st"
# a constant expected of random weights, random expected of a constant
run $fx/model.npz --expect 'ln.weight=he_normal' --expect 'fc1.weight=zeros'
[ "$st" -eq 1 ] && [ "$(col ln.weight verdict)" = - ] && [ "$(col fc1.weight verdict)" = fail ] && ok || bad "zeros vs random: exit $st"

# 'ones', as best names it, is accepted as constant:value=1
run $fx/model.npz --expect 'ln.weight=ones' --expect 'ln.bias=ones'
[ "$st" -eq 1 ] && [ "$(col ln.weight verdict)" = pass ] && [ "$(col ln.bias verdict)" = fail ] && ok || bad "--expect ones: exit $st"

# ---- best, without --expect ----------------------------------------------
expect_best torch_linear linear_default $fx/linear_default.npy
expect_best he_normal conv_kaiming_normal $fx/conv_kaiming_normal.npy
expect_best glorot_uniform xavier_uniform $fx/xavier_uniform.npy
expect_best glorot_normal xavier_normal_f8be $fx/xavier_normal_f8be.npy
expect_best normal:std=0.02 trunc_normal_002 $fx/trunc_normal_002.npy
expect_best truncated_normal:std=1 trunc_normal_default $fx/trunc_normal_default.npy
expect_best he_uniform kaiming_uniform_f16 $fx/kaiming_uniform_f16.npy
expect_best he_normal keras_dense_he_normal $fx/keras_dense_he_normal.npy --layout keras
expect_best he_normal:dist=truncated_normal keras_conv_he_normal $fx/keras_conv_he_normal.npy --layout keras
expect_best none keras_conv_he_normal $fx/keras_conv_he_normal.npy
expect_best he_uniform he_uniform_30x40 $fx/he_uniform_30x40.txt --shape 30x40
for pair in fc1.weight:torch_linear ln.weight:ones ln.bias:zeros decoder.convtranspose.weight:torch_linear; do
  expect_best "${pair#*:}" "${pair%%:*}" $fx/model_compressed.npz
done
for pair in embeddings.word_embeddings.weight:normal:std=0.02 encoder.layer.0.attention.query.weight:normal:std=0.02 \
  encoder.layer.0.attention.query.bias:zeros encoder.layer.0.intermediate.dense.weight:glorot_uniform \
  encoder.layer.0.output.LayerNorm.weight:ones classifier.weight:he_normal; do
  expect_best "${pair#*:}" "${pair%%:*}" $fx/model.safetensors
done
# conv.weight is kaiming_normal_(mode=fan_out) on (16, 8, 3, 3): 2/144 = 1/72, LeCun's law too
run $fx/model.npz
case "$(col conv.weight best) $(col conv.weight note)" in
  *lecun_normal*he_normal:mode=fan_out*) ok ;; *) bad "conv.weight: best and its twins: $(col conv.weight best) $(col conv.weight note)" ;;
esac

# ---- the table -----------------------------------------------------------
run $fx/linear_default.npy --expect torch_linear
hdr=$(grep -v '^#' "$out" | head -n 1)
for c in tensor shape fan_rule fan_in fan_out n expect mean var var_expected var_ratio var_ratio_lo var_ratio_hi \
  z_mean z_var z_skew z_kurt ks_p chi2_p detectable_var_err verdict best best_p; do
  printf '%s\n' "$hdr" | tr '\t' '\n' | grep -qx "$c" && ok || bad "no column $c"
done
r=$(col linear_default var_ratio) lo=$(col linear_default var_ratio_lo) hi=$(col linear_default var_ratio_hi)
awk -v r="$r" -v lo="$lo" -v hi="$hi" 'BEGIN {exit !(lo < r && r < hi && lo < 1 && 1 < hi)}' && ok || bad "var_ratio $r not in ($lo, $hi) around 1"
ve=$(col linear_default var_expected)
awk -v v="$ve" 'BEGIN {exit !(v - 1/360 < 1e-15 && 1/360 - v < 1e-15)}' && ok || bad "var_expected $ve, not 1/(3 x 120)"
grep -q '^# family-wise level 0.001 over 1 tensors' "$out" && ok || bad "provenance lacks the level"

# ---- usage errors and damaged files: exit 2, the file named --------------
expect_error "no FILE" "no file" --expect he_normal
expect_error "layout must be" "bad layout" $fx/linear_default.npy --layout caffe
expect_error "go together" "fan-in alone" $fx/linear_default.npy --fan-in 3
expect_error "unknown scheme" "bad scheme" $fx/linear_default.npy --expect 'fc*=he_norma'
expect_error "$tmp/none.npy" "missing file" $tmp/none.npy
expect_error "is a folder" "a folder" $tmp
head -c 1000 $fx/linear_default.npy >$tmp/trunc.npy
expect_error "$tmp/trunc.npy: truncated" "truncated .npy" $tmp/trunc.npy
sed 's/(80, 120)/(80, 121)/' $fx/linear_default.npy >$tmp/lie.npy
expect_error "$tmp/lie.npy: truncated: the header promises 38720 bytes" "header shape too large" $tmp/lie.npy
sed 's/(80, 120)/(80, 119)/' $fx/linear_default.npy >$tmp/lie2.npy
expect_error "shape does not match the data" "header shape too small" $tmp/lie2.npy
sed "s/'<f4'/'<i4'/" $fx/linear_default.npy >$tmp/int.npy
expect_error "$tmp/int.npy: unsupported dtype '<i4'" "int32 .npy" $tmp/int.npy
printf '\223NUMPY\001\000\377\377{}' >$tmp/hlen.npy
expect_error "header length 65535 is beyond the end of the file" "npy header length" $tmp/hlen.npy
printf '\223NUMPY\004\000\010\000' >$tmp/v4.npy
expect_error "version 4.0 is not supported" "npy version 4" $tmp/v4.npy
: >$tmp/empty.npy
expect_error "$tmp/empty.npy: not a .npy file" "empty .npy" $tmp/empty.npy
printf '\377\377\000\000\000\000\000\000{}' >$tmp/hlen.safetensors
expect_error "$tmp/hlen.safetensors: header length 65535 is beyond the end" "safetensors header length" $tmp/hlen.safetensors
printf '\005\000\000\000\000\000\000\000{"a":' >$tmp/json.safetensors
expect_error "$tmp/json.safetensors: malformed JSON" "malformed JSON" $tmp/json.safetensors
# st_file FILE JSON [DATA]: a safetensors file, header length (< 256) written in octal
st_file() { printf "\\$(printf %03o ${#2})\\000\\000\\000\\000\\000\\000\\000%s%s" "$2" "${3:-}" >"$1"; }
st_file $tmp/off.safetensors '{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}' 
expect_error "beyond the data (0 bytes)" "safetensors offsets beyond the data" $tmp/off.safetensors
st_file $tmp/i64.safetensors '{"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}' 0123456789abcdef
expect_error "unsupported dtype 'I64'" "safetensors I64" $tmp/i64.safetensors
head -c 50000 $fx/model.safetensors >$tmp/trunc.safetensors
expect_error "$tmp/trunc.safetensors: tensor" "truncated safetensors" $tmp/trunc.safetensors
printf '\003\000' >$tmp/short.safetensors
expect_error "shorter than the 8-byte header length" "2-byte safetensors" $tmp/short.safetensors
printf 'PK\005\006\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' >$tmp/empty.npz
expect_error "$tmp/empty.npz: empty zip" "empty zip" $tmp/empty.npz
head -c 30000 $fx/model.npz >$tmp/trunc.npz
expect_error "$tmp/trunc.npz: " "truncated zip" $tmp/trunc.npz
cp $fx/model_compressed.npz $tmp/corrupt.npz
printf 'corrupt corrupt corrupt corrupt corrupt' | dd of=$tmp/corrupt.npz bs=1 seek=3000 conv=notrunc 2>/dev/null
expect_error "$tmp/corrupt.npz: fc1.weight" "corrupt deflated member" $tmp/corrupt.npz
printf '1 2 3\n4 x 6\n' >$tmp/bad.txt
expect_error "$tmp/bad.txt:2: 'x' is not a number" "bad number in text" $tmp/bad.txt
printf '1 2 3\n4 5 6\n' >$tmp/six.txt
expect_error "$tmp/six.txt: 6 numbers, but the shape given holds 8" "text shape mismatch" $tmp/six.txt --shape 2x4
st_file $tmp/gap.safetensors '{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}' 01234567
expect_error "a hole or an overlap" "safetensors overlapping offsets" $tmp/gap.safetensors
# a key with a tab would break the table: written with '?'
st_file $tmp/tab.safetensors '{"a\tb":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}' abcd
run $tmp/tab.safetensors
[ "$st" -eq 0 ] && [ "$(grep -v '^#' "$out" | awk -F'\t' 'NR == 2 {print NF "," $1}')" = "26,a?b" ] && ok || bad "a tab in a key: exit $st"

# a damaged file among good ones: exit 2 before any row is written
run $fx/linear_default.npy $tmp/trunc.npy
[ "$st" -eq 2 ] && [ ! -s "$out" ] && ok || bad "good + damaged: exit $st, $(wc -c <"$out") bytes on stdout"
# the same seed gives the same table (the randomized transform of float16)
"$bin" check $fx/kaiming_uniform_f16.npy $fx/model.safetensors --seed 7 >$tmp/s1 2>/dev/null
"$bin" check $fx/kaiming_uniform_f16.npy $fx/model.safetensors --seed 7 >$tmp/s2 2>/dev/null
cmp -s $tmp/s1 $tmp/s2 && ok || bad "the same seed gives another table"

# ---- help, and memcheck over the readers on good and damaged files --------
"$bin" check --help >"$out" 2>"$err" && grep -q '^Usage: initlab check' "$out" && [ ! -s "$err" ] && ok || bad "check --help"
if command -v valgrind >/dev/null 2>&1; then
  for args in "$fx/model_compressed.npz --expect fc1.weight=torch_linear" "$tmp/corrupt.npz" "$tmp/trunc.safetensors" \
    "$tmp/lie.npy"; do
    # shellcheck disable=SC2086
    timeout 120 valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite -q \
      "$bin" check $args >"$out" 2>"$err"
    st=$?
    [ "$st" -le 2 ] && ok || { bad "valgrind check $args: exit $st"; head -20 "$err"; }
  done
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
