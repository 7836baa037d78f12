#!/bin/sh
# Installs what initlab needs to build, test and plot, if it is missing:
# GSL, OpenBLAS, LAPACKE, libzip and jansson (initlab check's readers), gnuplot,
# pkg-config, valgrind (tests/cli_valgrind.sh),
# help2man and man (the man page of 'make install', tests/cli_install.sh),
# cppcheck and clang-tidy ('make lint'), ImageMagick and xmllint
# (tests/cli_plot.sh: pixels of a PNG, an SVG parsed), Open MPI's mpicc, mpirun
# and headers ('make mpi', build/initlab-mpi; tests/cli_mpi.sh), from Debian's
# packages.
# Usage: scripts/deps.sh [--check] [fuzz]
#   --check  only report what is missing (exit 1 if anything is); install nothing
#   fuzz     also clang and libclang-rt-14-dev, for 'make fuzz': the libFuzzer,
#            ASan and UBSan runtimes (libclang_rt.fuzzer-x86_64.a) are in the
#            latter; clang brings libstdc++-12-dev, which libFuzzer links against.
# A package counts as present when dpkg reports it installed.  On a machine
# without dpkg (DPKG_QUERY names another program to ask, for tests), it
# counts as present when the file it brings that initlab uses is found: the
# command, GSL's pkg-config entry, the library the compiler would link.
set -eu
need="libgsl-dev libopenblas-dev liblapacke-dev libzip-dev libjansson-dev gnuplot-nox pkg-config valgrind help2man man-db cppcheck clang-tidy imagemagick libxml2-utils openmpi-bin libopenmpi-dev"
check=0
fuzz=0
for a in "$@"; do
  case $a in
    --check) check=1 ;;
    fuzz) fuzz=1 ;;
    *) echo "usage: scripts/deps.sh [--check] [fuzz]" >&2; exit 2 ;;
  esac
done
[ $fuzz -eq 1 ] && need="$need clang libclang-rt-14-dev"
dpkg_query=${DPKG_QUERY:-dpkg-query}

# has_files PKG: whether what PKG brings for initlab is here (no dpkg needed)
has_files() {
  case $1 in
    libgsl-dev) command -v pkg-config >/dev/null 2>&1 && pkg-config --exists gsl ;;
    libzip-dev) command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzip ;;
    libjansson-dev) command -v pkg-config >/dev/null 2>&1 && pkg-config --exists jansson ;;
    libopenblas-dev) lib=$(${CC:-cc} -print-file-name=libopenblas.so 2>/dev/null) && [ "$lib" != libopenblas.so ] ;;
    liblapacke-dev) lib=$(${CC:-cc} -print-file-name=liblapacke.so 2>/dev/null) && [ "$lib" != liblapacke.so ] ;;
    gnuplot-nox) command -v gnuplot >/dev/null 2>&1 ;;
    man-db) command -v man >/dev/null 2>&1 ;;
    imagemagick) command -v convert >/dev/null 2>&1 && command -v identify >/dev/null 2>&1 ;;
    libxml2-utils) command -v xmllint >/dev/null 2>&1 ;;
    openmpi-bin) command -v mpirun >/dev/null 2>&1 && command -v mpicc >/dev/null 2>&1 ;;
    libopenmpi-dev) command -v mpicc >/dev/null 2>&1 && printf '#include <mpi.h>\n' | mpicc -E -x c - >/dev/null 2>&1 ;;
    libclang-rt-14-dev)
      dir=$(clang --print-resource-dir 2>/dev/null) && [ -f "$dir/lib/linux/libclang_rt.fuzzer-x86_64.a" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;; # the package's command has its name
  esac
}

missing=""
for p in $need; do
  if command -v "$dpkg_query" >/dev/null 2>&1; then
    "$dpkg_query" -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  else
    has_files "$p" || missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ $check -eq 1 ]; then
  echo "deps.sh: missing:$missing" >&2
  exit 1
fi
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
