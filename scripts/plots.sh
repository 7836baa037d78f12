#!/bin/sh
# Draws the figures of every results folder under $1 (default results/,
# relative to the repository root): 'make plots RESULTS=$1', which redraws
# only what changed.  Gallery experiments get their hand-made plots/NAME.gp,
# every other folder 'initlab plot''s figures; see the Makefile's plots rules.
set -u
cd "$(dirname "$0")/.." || exit 1
exec make --no-print-directory plots RESULTS="${1:-results}"
