#!/bin/sh
# Runs every unit-test binary in the folders given, then the command-line
# tests, adds up their "N passed, N failed" lines and ends with the total,
# after a line "N skipped" when checks could not run here (each shown as a
# SKIP line; a skip is never counted as a pass).
# Exits non-zero when any test failed or a test program did not finish.
set -u
passed=0 failed=0 skipped=0
tally() { # $1: name, $2: its output file, $3: its exit status
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$2" | tail -n 1)
  grep -E '^(FAIL|SKIP)' "$2" | sed "s|^|$1: |"
  sk=$(grep -E '^[0-9]+ skipped$' "$2" | tail -n 1); sk=${sk%% skipped}; skipped=$((skipped + ${sk:-0}))
  if [ -z "$line" ]; then
    echo "$1: did not finish (exit $3)"; tail -n 5 "$2" | sed "s|^|  |"
    failed=$((failed + 1)); return
  fi
  p=${line%% passed*}; f=${line#*, }; f=${f%% failed}
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -eq 0 ] && [ "$3" -ne 0 ] && { echo "$1: exit $3 with no failure counted"; failed=$((failed + 1)); }
  printf '%-40s %s\n' "$1" "$line"
}
out=$(mktemp); trap 'rm -f "$out"' EXIT
for dir in "$@"; do
  for t in "$dir"/test_*; do
    [ -x "$t" ] || continue
    "$t" >"$out" 2>&1; tally "$t" "$out" $?
  done
done
for t in tests/cli_*.sh; do
  [ -f "$t" ] || continue
  sh "$t" build/initlab >"$out" 2>&1; tally "$t" "$out" $?
done
[ "$skipped" -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
