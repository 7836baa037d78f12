#!/bin/sh
# Command-line tests of 'make install' and 'make uninstall': an install into
# a temporary DESTDIR puts the binary, its man page, the plot scripts and the
# experiments where the Makefile promises; the installed binary runs and
# names its data folder; 'man -l' renders the page with every command's
# help; PREFIX reaches the compiled-in data folder; uninstall leaves no file.
# Usage: sh tests/cli_install.sh build/initlab   (from the source tree)
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"
if [ ! -f Makefile ]; then
  echo "FAIL: run from the source tree"; echo "0 passed, 1 failed"; exit 1
fi
MAKE=${MAKE:-make}
prefix=/usr/local
S="$D/stage"

$MAKE --no-print-directory install DESTDIR="$S" PREFIX="$prefix" >"$D/out" 2>&1
ok $? "make install DESTDIR=... exits 0" "$(tail -n 3 "$D/out")"
P="$S$prefix"
[ -x "$P/bin/initlab" ]; ok $? "the binary is installed in PREFIX/bin"
[ -f "$P/share/man/man1/initlab.1" ]; ok $? "the man page is installed in PREFIX/share/man/man1"
n_gp=$(ls plots/*.gp | wc -l) n_cfg=$(ls experiments/*.cfg | wc -l)
[ "$(ls "$P/share/initlab/plots/"*.gp 2>/dev/null | wc -l)" -eq "$n_gp" ]
ok $? "all $n_gp plot scripts in PREFIX/share/initlab/plots"
[ "$(ls "$P/share/initlab/experiments/"*.cfg 2>/dev/null | wc -l)" -eq "$n_cfg" ]
ok $? "all $n_cfg experiments in PREFIX/share/initlab/experiments"
cmp -s plots/style.gp "$P/share/initlab/plots/style.gp"; ok $? "an installed plot script equals its source"

# the installed binary
v=$("$P/bin/initlab" --version 2>&1); ok $? "installed initlab --version exits 0"
case $v in "initlab "[0-9]*) r=0 ;; *) r=1 ;; esac; ok $r "--version names initlab and its version" "$v"
"$P/bin/initlab" --help | grep -q "$prefix/share/initlab/plots"
ok $? "the installed binary names its data folder PREFIX/share/initlab"
"$P/bin/initlab" theory --act relu --sigma-w2 2 --depth 3 >"$D/th" 2>&1
ok $? "the installed binary computes"

# the man page renders, with every command's help
MANWIDTH=100 man -l "$P/share/man/man1/initlab.1" >"$D/man" 2>"$D/man.err" </dev/null
ok $? "man -l renders the page"
[ ! -s "$D/man.err" ]; ok $? "man -l renders without warnings" "$(head -n 3 "$D/man.err")"
for c in $("$B" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
  grep -q "Usage: initlab $c" "$D/man"; ok $? "the man page holds 'initlab $c --help'"
done
grep -q "^NAME" "$D/man" && grep -q "^SYNOPSIS" "$D/man"; ok $? "the man page has NAME and SYNOPSIS"

# PREFIX reaches the compiled-in data folder (dry run: nothing is rebuilt)
$MAKE --no-print-directory -n install PREFIX=/opt/initlab-test >"$D/dry" 2>&1
grep -q 'ILAB_DATADIR=.*/opt/initlab-test/share/initlab' "$D/dry"
ok $? "make install PREFIX=/opt/x compiles ILAB_DATADIR=/opt/x/share/initlab"
grep -q "/opt/initlab-test/share/man/man1" "$D/dry"; ok $? "... and installs the man page under it"

# uninstall leaves no file and no folder of initlab's own
$MAKE --no-print-directory uninstall DESTDIR="$S" PREFIX="$prefix" >"$D/out" 2>&1
ok $? "make uninstall exits 0" "$(tail -n 3 "$D/out")"
left=$(find "$S" ! -type d | head -n 3)
[ -z "$left" ]; ok $? "uninstall leaves no file" "$left"
[ ! -e "$P/share/initlab" ]; ok $? "uninstall removes PREFIX/share/initlab"
$MAKE --no-print-directory uninstall DESTDIR="$S" PREFIX="$prefix" >"$D/out" 2>&1
ok $? "a second uninstall is harmless"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
