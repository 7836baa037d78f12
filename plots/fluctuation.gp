# The fluctuation figure (Hanin & Nica 2019): one input through many networks
# of each width at batch 1.  Top: Var ln M_l over networks against the layer
# l, ReLU (left) and linear (right), one colour a width, measured points and
# the exact finite-width theory as lines.  Bottom left: Var ln M_L at the
# last layer against depth/width, with the theory's standard error over the
# trials as bars, the exact theory, and the second-moment approximations
# 5 L/n and 2 L/n.  Bottom right: the histogram of ln M_L over ReLU networks
# of each width against its log-normal approximation (the normal law of
# ln M_L with the exact mean and variance), standardized by that mean and
# sd so that every width shares the N(0, 1) curve and only the shape differs.  Widths, depth and trials are
# read from the tables: summary.tsv and the lnhist.tsv beside it (or
# lnhistfile).
# Usage: gnuplot -e "infile='results/fluctuation/summary.tsv'; outfile='results/fluctuation/fluctuation'" plots/fluctuation.gp
if (!exists("infile")) infile = "results/fluctuation/summary.tsv"
if (!exists("outfile")) outfile = "results/fluctuation/fluctuation"
load "plots/style.gp"
if (!exists("lnhistfile")) lnhistfile = infile[1:strlen(infile) - 11]."lnhist.tsv"

# facts from the table: its widths (in order), depth, scheme, trials per width
col(c) = sprintf("k[\"%s\"]", c)
widths = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} !seen[$k[\"width\"]]++ {printf \"%%s \", $k[\"width\"]}' '%s'", infile))
L = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} $k[\"depth\"] + 0 > m {m = $k[\"depth\"] + 0} END {print m}' '%s'", infile)) + 0
# (its underscores escaped for the enhanced-text titles)
scheme = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {next} {s = $2; gsub(/_/, \"\\\\_\", s); print s; exit}' '%s'", infile))
trials(w) = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} $k[\"width\"] == %s {print $k[\"trials\"]; exit}' '%s'", w, infile))
nw = words(widths)
# one colour a width, dark to light as the width grows
palette = "#08306b #08519c #2171b5 #4292c6 #6baed6 #9ecae1 #c6dbef"
wcolor(i) = word(palette, i <= words(palette) ? i : words(palette))

# The rows of (act a, width w), with the header line.
wcell(f, a, w) = sprintf("< awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; print; next} $1 == \"%s\" && $k[\"width\"] == %s' '%s'", a, w, f)
# At the last layer of act a: L/width, the measured variance, its standard
# error, the exact theory; one row a width.
last(f, a) = sprintf("< awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; print \"beta\\tvar\\tse\\ttheory\"; next} $1 == \"%s\" && $3 == $k[\"depth\"] {printf \"%%.17g\\t%%s\\t%%s\\t%%s\\n\", $3 / $k[\"width\"], $k[\"ln_x_sq_var\"], $k[\"ln_x_sq_var_se\"], $k[\"ln_x_sq_var_theory\"]}' '%s'", a, f)

# the histogram panel shows the widths with at least 25 networks a bin on
# average, where a histogram has a shape to compare
bins = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {next} $1 == \"relu\" && $4 + 1 > m {m = $4 + 1} END {print m}' '%s'", lnhistfile)) + 0
hw = ""
do for [i = 1:nw] { if (trials(word(widths, i)) + 0 >= 25 * bins) { hw = hw.word(widths, i)." " } }
if (words(hw) == 0) { hw = word(widths, 1) }  # too few anywhere: the first width still shows
ntr = ""
do for [i = 1:nw] { ntr = ntr.(i > 1 ? ", " : "").trials(word(widths, i)) }

do for [fmt in "png svg"] {
  reset  # nothing set for the PNG may leak into the SVG
  if (fmt eq "png") { set terminal pngcairo size 1600, 1200 font "DejaVu Sans,14" }
  else { set terminal svg size 1600, 1200 font "DejaVu Sans,14" dynamic }
  set output outfile.".".fmt
  load "plots/style.gp"
  set termoption enhanced
  set multiplot layout 2, 2 margins 0.07, 0.98, 0.07, 0.88 spacing 0.08, 0.13 \
      title sprintf("One input through %d-layer networks (%s, batch 1): ln M_L, M_L = |x_L|^2/n, spreads like depth/width, as Hanin and Nica (2019) predict\nwidths %s with %s networks each.  Measured: points.  Exact finite-width theory: lines", L, scheme, widths, ntr) font ",16"

  do for [a in "relu linear"] {
    set title sprintf("%s: Var ln M_l over networks", a)
    set xlabel "layer l"
    set ylabel "Var ln M_l"
    set logscale y
    set format y "10^{%T}"
    set xrange [0:L + 1]
    set key bottom right
    plot for [i = 1:nw] wcell(infile, a, word(widths, i)) using "layer":"ln_x_sq_var" every 5 with points pt 7 ps 0.9 lc rgb wcolor(i) title sprintf("n = %s", word(widths, i)), \
         for [i = 1:nw] wcell(infile, a, word(widths, i)) using "layer":"ln_x_sq_var_theory" with lines lw 2 lc rgb wcolor(i) notitle
    unset logscale y
    set format y "%g"
  }

  set title sprintf("Var ln M_{%d} against depth/width: the exact law and the 1/n approximations", L)
  set xlabel "L / n"
  set ylabel sprintf("Var ln M_{%d}", L)
  set logscale xy
  set format y "10^{%T}"
  set xrange [*:*]
  set key bottom right
  plot last(infile, "relu") using "beta":"var":"se" with yerrorbars pt 7 ps 1.3 lw 2 lc rgb "#d62728" title "relu, measured (bars: standard error)", \
       last(infile, "relu") using "beta":"theory" with lines lw 2 lc rgb "#d62728" title "relu, exact", \
       last(infile, "relu") using "beta":(5 * column("beta")) with lines dt (6,4) lw 1.5 lc rgb "#d62728" title "5 L/n", \
       last(infile, "linear") using "beta":"var":"se" with yerrorbars pt 5 ps 1.3 lw 2 lc rgb "#1f5fbf" title "linear, measured", \
       last(infile, "linear") using "beta":"theory" with lines lw 2 lc rgb "#1f5fbf" title "linear, exact: (L+1) psi_1(n/2)", \
       last(infile, "linear") using "beta":(2 * column("beta")) with lines dt (6,4) lw 1.5 lc rgb "#1f5fbf" title "2 L/n"
  unset logscale xy
  set format y "%g"

  set title sprintf("relu: ln M_{%d} over networks against its log-normal approximation\n(widths with at least %d networks, else the first)", L, 25 * bins)
  set xlabel sprintf("z = (ln M_{%d} - E ln M_{%d}) / sd ln M_{%d}, exact mean and sd", L, L, L)
  set ylabel "density of z"
  set xrange [-5:4]
  set yrange [0:0.6]
  set key top left
  z(c) = (column(c) - column("mean_theory")) / sqrt(column("var_theory"))
  plot for [i = 1:words(hw)] wcell(lnhistfile, "relu", word(hw, i)) using (z("center")):(column("density") * sqrt(column("var_theory"))) with histeps lw 2 lc rgb wcolor(i) title sprintf("n = %s", word(hw, i)), \
       exp(-0.5 * x * x) / sqrt(2 * pi) with lines dt (4,3) lw 2 lc rgb "#000000" title "log-normal: N(0, 1) in z"
  unset multiplot
}
