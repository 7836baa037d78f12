#!/bin/sh
# Writes initlab's man page to stdout: help2man turns 'initlab --help' and
# '--version' into the NAME, SYNOPSIS and DESCRIPTION sections, and a COMMANDS
# section gathers every command's own --help text, verbatim, one subsection
# each (the commands are those 'initlab --help' lists).
# Usage: scripts/manpage.sh [INITLAB]   [build/initlab]
set -eu
initlab=${1:-build/initlab}
[ -x "$initlab" ] || { echo "manpage.sh: no $initlab; run 'make' first" >&2; exit 1; }
command -v help2man >/dev/null 2>&1 || { echo "manpage.sh: help2man is missing (scripts/deps.sh installs it)" >&2; exit 1; }
inc=$(mktemp) || exit 1
trap 'rm -f "$inc"' EXIT HUP INT TERM
# the commands: the indented words under "Commands:" in the main help
cmds=$("$initlab" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
[ -n "$cmds" ] || { echo "manpage.sh: '$initlab --help' lists no commands" >&2; exit 1; }
{
  echo "[COMMANDS]"
  for c in $cmds; do
    echo ".SS \"initlab $c\""
    echo ".nf"
    # roff: a backslash is written \e; a line may not open with . or '
    "$initlab" "$c" --help | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    echo ".fi"
  done
} >"$inc"
help2man --no-info --no-discard-stderr --section=1 \
  --name="measure how weight initializers carry variance through deep networks" \
  --include="$inc" "$initlab"
