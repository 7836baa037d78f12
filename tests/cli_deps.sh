#!/bin/sh
# Tests of scripts/deps.sh --check: with dpkg it asks dpkg; on a machine
# without dpkg it looks for the files each package brings, and names a
# package whose command or library is not there.  Nothing is installed.
# Usage: sh tests/cli_deps.sh [build/initlab]   (from the source tree)
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
set -u
passed=0 failed=0
ok() {
  if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else echo "FAIL: $2${3:+ ($3)}"; failed=$((failed + 1)); fi
}
S=scripts/deps.sh
[ -f "$S" ] || { echo "FAIL: run from the source tree"; echo "0 passed, 1 failed"; exit 1; }
D=$(mktemp -d) || exit 1
trap 'rm -rf "$D"' EXIT
trap 'exit 1' INT TERM

sh "$S" --bogus >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "an unknown argument exits 2"

# A fake dpkg-query that knows every package but gnuplot-nox.
cat >"$D/dpkg-query" <<'EOS'
#!/bin/sh
for p; do :; done
[ "$p" = gnuplot-nox ] && { printf 'unknown ok not-installed'; exit 1; }
printf 'install ok installed'
EOS
chmod +x "$D/dpkg-query"
DPKG_QUERY="$D/dpkg-query" sh "$S" --check 2>"$D/err"; r=$?
[ $r -eq 1 ] && grep -q "missing: gnuplot-nox$" "$D/err"; ok $? "with dpkg: the package dpkg lacks is reported" "exit $r: $(cat "$D/err")"

# Without dpkg, on a PATH holding every command the checks use but gnuplot.
mkdir "$D/bin"
for c in sh grep pkg-config cc gcc valgrind help2man man cppcheck clang-tidy clang id convert identify xmllint mpirun mpicc; do
  p=$(command -v "$c") && ln -s "$p" "$D/bin/$c"
done
PATH="$D/bin" DPKG_QUERY=/nonexistent "$D/bin/sh" "$S" --check 2>"$D/err"; r=$?
[ $r -eq 1 ] && grep -q "missing: gnuplot-nox$" "$D/err"; ok $? "without dpkg: a missing command is found" "exit $r: $(cat "$D/err")"
PATH="$D/bin" DPKG_QUERY=/nonexistent PKG_CONFIG_LIBDIR="$D/none" PKG_CONFIG_PATH= "$D/bin/sh" "$S" --check 2>"$D/err"
grep -q "libgsl-dev" "$D/err"; ok $? "without dpkg: GSL without its pkg-config entry is missing" "$(cat "$D/err")"
PATH="$D/bin" DPKG_QUERY=/nonexistent CC=/nonexistent-cc "$D/bin/sh" "$S" --check 2>"$D/err"
grep -q "libopenblas-dev" "$D/err"; ok $? "without dpkg: no compiler to find OpenBLAS means it is missing" "$(cat "$D/err")"

# Without dpkg, everything there: nothing missing (this machine has it all,
# as 'make check' installed it).
if command -v gnuplot >/dev/null 2>&1; then
  ln -s "$(command -v gnuplot)" "$D/bin/gnuplot"
  PATH="$D/bin" DPKG_QUERY=/nonexistent "$D/bin/sh" "$S" --check 2>"$D/err"
  ok $? "without dpkg: all present passes" "$(cat "$D/err")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
