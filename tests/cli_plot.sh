#!/bin/sh
# Command-line tests of 'initlab plot' on a tiny experiment run here (well
# under a second): every figure type drawn from the tables alone, each PNG of
# the expected size with pixels of the colours its data is drawn in (counted
# with ImageMagick's convert), the SVG well-formed XML (xmllint), the PDF a
# PDF; the selection options; and the failures: a wrong folder, a folder with
# no tables, usage errors, gnuplot missing or failing, no scripts found.
# Usage: sh tests/cli_plot.sh build/initlab
# Prints "FAIL: <case> (...)" per failure and ends with "N passed, N failed".
. "$(dirname "$0")/harness.sh"
# run ARGS...: initlab with a 60 s timeout, stderr kept in $D/err; sets rc.
run() {
  timeout 60 "$B" "$@" 2>"$D/err" </dev/null
  rc=$?
}
. "$(dirname "$0")/png.sh"
for tool in gnuplot identify convert xmllint; do
  command -v $tool >/dev/null 2>&1 || { echo "FAIL: $tool is not installed (scripts/deps.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
done

# A tiny experiment of two activations and two schemes, with histograms and
# two claims, one of which fails (a planted wrong interval).
cat >"$D/tiny.cfg" <<'EOF'
# Does He keep a small ReLU network's signal where Glorot halves it?
# (a test experiment: 6 layers of width 24)
activations = relu tanh
schemes     = he_normal glorot_normal
depth       = 6
width       = 24
batch       = 32
trials      = 2
seed        = 11
histograms  = 1 6
hist_bins   = 30
claim = relu he_normal all h_var[1..6] in [0.2, 20]
claim = relu glorot_normal rate h_var[1..6] in [0.9, 1.1]
EOF
run run "$D/tiny.cfg" -o "$D/tiny"
[ $rc -eq 1 ] && [ -s "$D/tiny/claims.tsv" ]; ok $? "the tiny experiment runs, its planted claim failing" "exit $rc: $(cat "$D/err")"

# --- every figure from one call; the default prefix is the folder
run plot "$D/tiny"
ok $rc "plot draws a results folder" "exit $rc: $(cat "$D/err")"
for f in variance hist claims; do
  png "$D/tiny/$f.png" 800 250; ok $? "$f.png is a PNG of a slide's size" "$(identify "$D/tiny/$f.png" 2>&1)"
done
[ ! -e "$D/tiny/width.png" ]; ok $? "no width figure from a table of one width"
ls "$D/tiny" | grep -q part; [ $? -ne 0 ]; ok $? "no temporary files are left"
# the data are drawn: He's red and Glorot's green in the variance figure, the
# passing claim in green and the failing one in red in the claims figure
n=$(pixels "$D/tiny/variance.png" '#d62728'); [ "$n" -gt 2000 ]; ok $? "variance: He's curves drawn" "$n red pixels"
n=$(pixels "$D/tiny/variance.png" '#2ca02c'); [ "$n" -gt 2000 ]; ok $? "variance: Glorot's curves drawn" "$n green pixels"
n=$(pixels "$D/tiny/claims.png" '#2ca02c'); [ "$n" -gt 200 ]; ok $? "claims: the holding claim in green" "$n pixels"
n=$(pixels "$D/tiny/claims.png" '#d62728'); [ "$n" -gt 200 ]; ok $? "claims: the failing claim in red" "$n pixels"
# the histogram's layers run from light to dark along the palette
n=$(identify -format '%k' "$D/tiny/hist.png"); [ "$n" -gt 200 ]; ok $? "hist: curves in many shades" "$n colours"

# --- the facts in the title come from the tables
"$B" plot "$D/tiny" --figure variance --script >"$D/v.gp" 2>"$D/err"; rc=$?
ok $rc "--script prints the gnuplot commands"
grep -q '^title = "Does He keep a small ReLU network.s signal where Glorot halves it?"$' "$D/v.gp"; ok $? "the title is the experiment's question"
grep -q '^subtitle = "6 layers of width 24.  Measured: mean of 2 trials.*seed 11' "$D/v.gp"; ok $? "depth, width, trials and seed read from the table" "$(grep '^subtitle' "$D/v.gp")"
grep -q '^np = 2$' "$D/v.gp"; ok $? "one panel per activation"

# --- selection
"$B" plot "$D/tiny" --figure variance --only act=tanh --script >"$D/v.gp" 2>"$D/err"
grep -q '^np = 1$' "$D/v.gp" && grep -q '^pname\[1\] = "tanh"$' "$D/v.gp"; ok $? "--only act=tanh keeps one panel"
"$B" plot "$D/tiny" --figure claims --only scheme=he_normal --script >"$D/c.gp" 2>"$D/err"
grep -q '^n = 1$' "$D/c.gp"; ok $? "--only scheme= selects claims by their scheme"
run plot "$D/tiny" --only act=sigmoid
[ $rc -eq 1 ] && grep -q "no row is left after --only act=sigmoid" "$D/err"; ok $? "--only that matches nothing: exit 1 with its message" "exit $rc: $(cat "$D/err")"

# --- formats: SVG well-formed, PDF a PDF, under another prefix
mkdir -p "$D/out"
run plot "$D/tiny" -o "$D/out/t-" --format svg,pdf --figure variance --figure claims
ok $rc "--format svg,pdf with -o" "$(cat "$D/err")"
for f in variance claims; do
  xmllint --noout "$D/out/t-$f.svg" 2>"$D/xml"; ok $? "t-$f.svg parses" "$(head -c 300 "$D/xml")"
  [ "$(head -c 5 "$D/out/t-$f.pdf")" = "%PDF-" ]; ok $? "t-$f.pdf is a PDF"
done
[ ! -e "$D/out/t-hist.svg" ]; ok $? "--figure draws only what it names"

# --- a folder whose name has a space and a quote
mkdir -p "$D/it's mine"
cp "$D/tiny/claims.tsv" "$D/it's mine/"
run plot "$D/it's mine" --format png,svg
[ $rc -eq 0 ] && [ -s "$D/it's mine/claims.png" ] && xmllint --noout "$D/it's mine/claims.svg" 2>/dev/null
ok $? "a folder named with a space and a quote" "exit $rc: $(cat "$D/err")"

# --- a width sweep: an experiment whose 'width' lists several values brings
# the figure against width
sed "s/^width .*/width = 16 64/; /^claim/d; /^hist/d" "$D/tiny.cfg" >"$D/wide.cfg"
"$B" run "$D/wide.cfg" -o "$D/wide" 2>/dev/null
run plot "$D/wide" --figure width
ok $rc "a width sweep is drawn" "$(cat "$D/err")"
png "$D/wide/width.png" 800 400; ok $? "width.png is a PNG"
n=$(pixels "$D/wide/width.png" '#d62728'); [ "$n" -gt 100 ]; ok $? "width: the curves are drawn" "$n pixels"
"$B" plot "$D/wide" --figure width --script >"$D/w.gp" 2>/dev/null
grep -q '(slope -\{0,1\}[0-9.]*)' "$D/w.gp"; ok $? "width: each curve's slope is in its legend"

# --- a sigma_b2 key column of several values (two runs merged here) brings
# the phase diagram of chi_1 over (sigma_w2, sigma_b2)
for sb in 0 0.3; do
  printf '%s\n' "# Where do tanh networks turn chaotic?" "activations = tanh" \
    "schemes = variance_scaling:scale=1,dist=normal variance_scaling:scale=4,dist=normal" \
    "depth = 10" "width = 16" "batch = 16" "trials = 2" "seed = 5" "sigma_b2 = $sb" >"$D/sb$sb.cfg"
  "$B" run "$D/sb$sb.cfg" -o "$D/sb$sb" 2>/dev/null
done
mkdir -p "$D/phase"
awk -F'\t' 'BEGIN {OFS = "\t"} FNR == 1 {sb = (FILENAME ~ /sb0\.3/) ? 0.3 : 0}
  /^#/ {if (NR == FNR) print; next}
  !h++ {$2 = $2 "\tsigma_b2"; print; next}
  FNR > 1 && $1 != "act" {$2 = $2 "\t" sb; print}' "$D/sb0/summary.tsv" "$D/sb0.3/summary.tsv" >"$D/phase/summary.tsv"
run plot "$D/phase" --figure phase
ok $rc "a sigma_b2 sweep is drawn" "$(cat "$D/err")"
png "$D/phase/phase.png" 800 400; ok $? "phase.png is a PNG"
# sigma_w2 = 1 is ordered (blue side), 4 chaotic (red side): both colours fill cells
n=$(convert "$D/phase/phase.png" -alpha off -scale 25% -fx '(b > r + 0.2) ? 1 : 0' -format '%[fx:round(mean*w*h)]' info: 2>/dev/null)
[ "${n:-0}" -gt 300 ]; ok $? "phase: ordered cells in blue" "$n pixels"
n=$(convert "$D/phase/phase.png" -alpha off -scale 25% -fx '(r > b + 0.2) ? 1 : 0' -format '%[fx:round(mean*w*h)]' info: 2>/dev/null)
[ "${n:-0}" -gt 300 ]; ok $? "phase: chaotic cells in red" "$n pixels"

# --- any other per-layer table with theory columns gets its own figure: a
# spectrum.tsv made here from the summary (its Var(H_l) renamed sq_mean)
mkdir -p "$D/spec"
awk -F'\t' 'BEGIN {OFS = "\t"} /^#/ {print; next}
  !h++ {for (i = 1; i <= NF; i++) k[$i] = i; print "act", "scheme", "layer", "sq_mean", "sq_mean_theory", "sv_max"; next}
  {print $1, $2, $3, $k["h_var"], $k["h_var_theory"], 1}' "$D/tiny/summary.tsv" >"$D/spec/spectrum.tsv"
run plot "$D/spec"
ok $rc "a spectrum table is drawn" "$(cat "$D/err")"
png "$D/spec/spectrum.png" 800 400; ok $? "spectrum.png is a PNG"
n=$(pixels "$D/spec/spectrum.png" '#d62728'); [ "$n" -gt 1000 ]; ok $? "spectrum: the curves are drawn" "$n pixels"

# --- failures
run plot "$D/nosuch"
[ $rc -eq 1 ] && grep -q "$D/nosuch" "$D/err"; ok $? "a missing folder: exit 1 naming it" "exit $rc: $(cat "$D/err")"
mkdir -p "$D/empty"; echo "not a table" >"$D/empty/notes.txt"
run plot "$D/empty"
[ $rc -eq 1 ] && grep -q "has no table that initlab plot knows" "$D/err"; ok $? "a folder without tables: exit 1 with its message" "exit $rc: $(cat "$D/err")"
mkdir -p "$D/ragged"; printf '# x\nact\tscheme\tlayer\nrelu\the_normal\n' >"$D/ragged/summary.tsv"
run plot "$D/ragged"
[ $rc -eq 1 ] && grep -q "summary.tsv:3: 2 fields where the header has 3" "$D/err"; ok $? "a ragged table: exit 1 naming file and line" "exit $rc: $(cat "$D/err")"
mkdir -p "$D/crowd"
awk 'BEGIN {print "act\tscheme\tlayer\th_var\th_var_theory"; for (i = 0; i < 100; i++) for (l = 1; l <= 3; l++) printf "relu\ts%d\t%d\t1\t1\n", i, l}' >"$D/crowd/summary.tsv"
run plot "$D/crowd"
[ $rc -eq 1 ] && grep -q "100 curves are more than one figure can show (64): choose some with --only" "$D/err"
ok $? "100 curves: exit 1, pointing to --only" "exit $rc: $(cat "$D/err")"
"$B" plot "$D/crowd" --only scheme=s1 --only scheme=s7 --script >"$D/c.gp" 2>"$D/err"
grep -q '^nc = 2$' "$D/c.gp"; ok $? "two values of --only scheme= draw two curves"
run plot; [ $rc -eq 2 ]; ok $? "no folder: exit 2"
run plot "$D/tiny" --format gif; [ $rc -eq 2 ] && grep -q "gif" "$D/err"; ok $? "--format gif: exit 2"
run plot "$D/tiny" --only act; [ $rc -eq 2 ]; ok $? "--only without =: exit 2"
run plot "$D/tiny" --figure pie
[ $rc -eq 1 ] && grep -q "has no table for a 'pie' figure" "$D/err"; ok $? "--figure pie: exit 1 naming it" "exit $rc: $(cat "$D/err")"
run plot "$D/tiny" --figure ../x; [ $rc -eq 2 ]; ok $? "--figure with a slash: exit 2"
run plot "$D/tiny" --bogus; [ $rc -eq 2 ]; ok $? "an unknown option: exit 2"
"$B" plot --help >/dev/null; ok $? "--help exits 0"
"$B" plot --help | grep -q "Exit status"; ok $? "--help states the exit statuses"
rm -f "$D/tiny/"*.png
GNUPLOT=$D/no-gnuplot run plot "$D/tiny"
[ $rc -eq 1 ] && grep -q "gnuplot is not installed" "$D/err"; ok $? "gnuplot missing: exit 1 with its message" "exit $rc: $(cat "$D/err")"
GNUPLOT=false run plot "$D/tiny"
[ $rc -eq 1 ] && grep -q "gnuplot failed" "$D/err"; ok $? "gnuplot failing: exit 1" "exit $rc: $(cat "$D/err")"
[ -z "$(ls "$D/tiny" | grep -E 'png|part')" ]; ok $? "a failed drawing leaves no file" "$(ls "$D/tiny")"
INITLAB_DATADIR=$D/empty run plot "$D/tiny"
[ $rc -eq 1 ] && grep -q "INITLAB_DATADIR" "$D/err"; ok $? "no scripts under INITLAB_DATADIR: exit 1" "exit $rc: $(cat "$D/err")"
# an installed layout: share/initlab/plots, found through INITLAB_DATADIR
mkdir -p "$D/share/initlab/plots"
cp "$(dirname "$B")/../plots/"*.gp "$D/share/initlab/plots/" 2>/dev/null
INITLAB_DATADIR=$D/share/initlab run plot "$D/tiny" --figure claims
[ $rc -eq 0 ] && [ -s "$D/tiny/claims.png" ]; ok $? "scripts found under INITLAB_DATADIR" "exit $rc: $(cat "$D/err")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
