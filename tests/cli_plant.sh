#!/bin/sh
# Tests of scripts/plant-gain.sh, which scripts/claims-power.sh uses to plant
# an error in every scheme's standard deviation: specs without gain= gain one,
# specs with gain=g get g*G, claims follow their scheme, and a planted run
# fails claims that the true run passes (tiny linear networks, well under 1 s).
# Usage: sh tests/cli_plant.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"
P=$(dirname "$0")/../scripts/plant-gain.sh

# Linear networks multiply Var(H) by gain^2 a layer (Var(W) = gain^2/fan_in):
# the rates are 2 (He) and 2.25 (LeCun, gain 1.5) exactly in expectation.
# Width 256, batch 8, 8 trials: a layer's relative error is about sqrt(2/256),
# so a rate over 19 layers has a trial sd near 0.01 (claims.tsv's trial_sd,
# 0.0095 at seed 3) and the t test at 1e-4 (7 df) accepts about +-2.7 %; a
# gain of 1.1 moves each rate by 21 %, about 20 times the mean's sd.
cat >"$D/t.cfg" <<'X'
# Linear networks with and without a gain in the spec.
activations = linear
schemes     = he_normal lecun_normal:gain=1.5 normal:std=0.0625  # std 1/16 = sqrt(1/256)
depth       = 20
width       = 256
batch       = 8
trials      = 8
seed        = 3
claim = linear he_normal              rate h_var[1..20] ~ 2 at 0.0001
claim = linear lecun_normal:gain=1.5  rate h_var[1..20] ~ 2.25 at 0.0001
claim = linear normal:std=0.0625      rate h_var[1..20] ~ 1 at 0.0001
X

sh "$P" 1.1 "$D/t.cfg" >"$D/p.cfg"; ok $? "plant-gain exits 0"
grep -q '^schemes *= he_normal:gain=1.1 lecun_normal:gain=1.65 normal:std=0.0625,gain=1.1$' "$D/p.cfg"
ok $? "schemes line planted" "$(grep '^schemes' "$D/p.cfg")"
[ "$(grep -c '^claim.*he_normal:gain=1.1 ' "$D/p.cfg")" -eq 1 ] && [ "$(grep -c '^claim.*lecun_normal:gain=1.65 ' "$D/p.cfg")" -eq 1 ] \
  && [ "$(grep -c '^claim.*normal:std=0.0625,gain=1.1 ' "$D/p.cfg")" -eq 1 ]
ok $? "claims follow their scheme" "$(grep '^claim' "$D/p.cfg" | tr '\n' '|')"
[ "$(wc -l <"$D/p.cfg")" -eq "$(wc -l <"$D/t.cfg")" ]; ok $? "line numbers kept (claims.tsv's line column)"
sh "$P" 0.98 "$D/t.cfg" | grep -q 'lecun_normal:gain=1.47 '; ok $? "gain 0.98 multiplies too"
sh "$P" abc "$D/t.cfg" >/dev/null 2>"$D/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q 'bad gain' "$D/err"; ok $? "a bad gain exits 2 with a message" "exit $rc"
sh "$P" 1.02 "$D/none.cfg" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "a missing file exits 2"

"$B" run "$D/t.cfg" -o "$D/t" -q >/dev/null 2>"$D/err"; rc=$?
ok "$rc" "the true gains pass their claims" "exit $rc: $(grep -v '^#' "$D/t/claims.tsv" 2>/dev/null | cut -f3,8 | tr '\n' '|')"
"$B" run "$D/p.cfg" -o "$D/p" -q >/dev/null 2>"$D/err"; rc=$?
[ "$rc" -eq 1 ]; ok $? "the planted run exits 1" "exit $rc: $(head -c 200 "$D/err")"
[ "$(grep -v '^#' "$D/p/claims.tsv" 2>/dev/null | cut -f8 | grep -c '^FAIL$')" -eq 3 ]
ok $? "the planted run fails all three claims" "$(grep -v '^#' "$D/p/claims.tsv" 2>/dev/null | cut -f3,8 | tr '\n' '|')"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
