# What the command-line tests share, sourced by each tests/cli_*.sh after its
# opening comment:  . "$(dirname "$0")/harness.sh"
# It takes the script's first argument as the initlab binary ($B, made
# absolute), makes a temporary folder $D removed on exit, counts checks in
# $passed and $failed (ok, t), and runs initlab and reads its tables (run,
# data, col), which a script may define again its own way; it ends with
#   echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]
set -u
B=${1:?usage: sh $0 path/to/initlab}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
if [ ! -x "$B" ]; then
  echo "FAIL: $B is not an executable"; echo "0 passed, 1 failed"; exit 1
fi
D=$(mktemp -d) || exit 1
trap 'rm -rf "$D"' EXIT
trap 'exit 1' INT TERM
passed=0 failed=0
env_set=""  # VAR=VALUE: set in the environment of t's cases

# ok STATUS NAME [DETAIL]: counts a check; call as "cmd; ok $? name".
ok() {
  if [ "$1" -eq 0 ]; then
    passed=$((passed + 1))
  else
    echo "FAIL: $2${3:+ ($3)}"
    failed=$((failed + 1))
  fi
}

# t NAME STATUS FRAGMENT ARGS...: one case.  The fragment must appear on
# stderr (on stdout or stderr for STATUS 0; empty: no check).
t() {
  name=$1 want=$2 frag=$3
  shift 3
  if [ -n "$env_set" ]; then
    env "$env_set" timeout 60 "$B" "$@" >"$D/out" 2>"$D/err" </dev/null
  else
    timeout 60 "$B" "$@" >"$D/out" 2>"$D/err" </dev/null
  fi
  got=$?
  why=""
  if [ "$got" -eq 124 ]; then why="timed out after 60 s"
  elif [ "$got" -ge 128 ]; then why="died by signal $((got - 128))"
  elif [ "$got" -ne "$want" ]; then why="exit $got, expected $want"
  fi
  if grep -q -E 'Segmentation|Aborted|AddressSanitizer|LeakSanitizer|runtime error' "$D/err"; then
    why="${why:+$why; }crash report on stderr"
  fi
  if [ -n "$frag" ]; then
    if [ "$want" -eq 0 ]; then
      cat "$D/out" "$D/err" >"$D/both"
      grep -q -F -e "$frag" "$D/both" || why="${why:+$why; }output lacks '$frag'"
    else
      grep -q -F -e "$frag" "$D/err" || why="${why:+$why; }stderr lacks '$frag'"
    fi
  fi
  if [ "$want" -ne 0 ]; then
    [ -s "$D/err" ] || why="${why:+$why; }no message on stderr"
  fi
  if [ "$want" -eq 2 ] && [ -s "$D/out" ]; then
    why="${why:+$why; }a usage error wrote to stdout"
  fi
  if [ -n "$why" ]; then
    echo "FAIL: $name ($why; stderr: $(head -c 300 "$D/err" | tr '\n' ' '))"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}

# run ARGS...: initlab with a 60 s timeout, stderr kept in $D/err; sets rc.
run() { timeout 60 "$B" "$@" 2>"$D/err" </dev/null; rc=$?; }
# data FILE: its lines without the '#' provenance.
data() { grep -v '^#' "$1"; }
# col FILE NAME: the index of column NAME in FILE's header
col() { data "$1" | head -n 1 | tr '\t' '\n' | grep -n -x "$2" | cut -d: -f1; }
