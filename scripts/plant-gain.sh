#!/bin/sh
# Prints experiment file CFG with every scheme's standard deviation multiplied
# by G, in its schemes line and in every claim that names the scheme: a spec
# without gain= gets ':gain=G' (or ',gain=G' after other parameters), and a
# spec with gain=g gets gain=g*G (printed %.10g), since a spec takes one gain.
# Only whole tokens equal to a spec of the schemes line are rewritten, in one
# pass, so a rewritten spec is never rewritten again.
# Usage: scripts/plant-gain.sh G CFG > PLANTED.cfg
set -u
[ $# -eq 2 ] || { echo "usage: scripts/plant-gain.sh G CFG" >&2; exit 2; }
[ -r "$2" ] || { echo "plant-gain.sh: cannot read $2" >&2; exit 2; }
exec awk -v g="$1" '
function planted(s,   p, v, rest) {
  if (match(s, /[:,]gain=[^,]*/)) {
    p = substr(s, 1, RSTART + 5); v = substr(s, RSTART + 6, RLENGTH - 6); rest = substr(s, RSTART + RLENGTH)
    return p sprintf("%.10g", v * g) rest
  }
  return s (index(s, ":") ? ",gain=" : ":gain=") g
}
# key = value lines: returns the value part with every scheme token mapped
function mapped(v,   n, t, i, out) {
  sub(/[ \t]*#.*/, "", v)
  n = split(v, t, /[ \t]+/); out = ""
  for (i = 1; i <= n; i++) if (t[i] != "") out = out (out == "" ? "" : " ") ((t[i] in new) ? new[t[i]] : t[i])
  return out
}
BEGIN { if (g !~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/ || g + 0 <= 0) { print "plant-gain.sh: bad gain " g > "/dev/stderr"; exit 2 } }
FNR == NR { if ($0 ~ /^[ \t]*schemes[ \t]*=/) { v = $0; sub(/^[^=]*=/, "", v); sub(/[ \t]*#.*/, "", v); n = split(v, t, /[ \t]+/); for (i = 1; i <= n; i++) if (t[i] != "") new[t[i]] = planted(t[i]) } next }
/^[ \t]*(schemes|claim)[ \t]*=/ { k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v); print k "= " mapped(v); next }
{ print }' "$2" "$2"
