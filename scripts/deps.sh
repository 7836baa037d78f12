#!/bin/sh
# Installs what initlab needs to build, test and plot, if it is missing:
# GSL, OpenBLAS, LAPACKE, libzip and jansson (initlab check's readers), gnuplot,
# pkg-config, valgrind (tests/cli_valgrind.sh), ImageMagick and xmllint
# (tests/cli_plot.sh: pixels of a PNG, an SVG parsed), from Debian's packages.
# Usage: scripts/deps.sh [fuzz]
#   fuzz  also clang and libclang-rt-14-dev, for 'make fuzz': the libFuzzer,
#         ASan and UBSan runtimes (libclang_rt.fuzzer-x86_64.a) are in the
#         latter; clang brings libstdc++-12-dev, which libFuzzer links against.
set -eu
need="libgsl-dev libopenblas-dev liblapacke-dev libzip-dev libjansson-dev gnuplot-nox pkg-config valgrind imagemagick libxml2-utils"
case ${1:-} in
  "") ;;
  fuzz) need="$need clang libclang-rt-14-dev" ;;
  *) echo "usage: scripts/deps.sh [fuzz]" >&2; exit 2 ;;
esac
missing=""
for p in $need; do
  # A package counts as present when dpkg reports it installed, or, on a
  # machine without dpkg, when the file it would bring is there.
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "deps.sh: missing packages:$missing" >&2
    echo "deps.sh: run as root, or install them with: apt-get install$missing" >&2
    exit 1
  fi
else
  SUDO=
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: no apt-get here; install the equivalents of:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
