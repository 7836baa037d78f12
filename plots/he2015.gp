# The He et al. (2015) figure: a deep ReLU network (depth and width read
# from the table: 30 layers of width 512 in the experiment), Xavier
# (glorot_normal) against He (he_normal; mode=fan_out draws the same weights
# in square layers), Var(H_l) forward (left) and Var(dL/dX_l) backward
# (right), log scale: mean over trials, band from the smallest to the largest
# trial, mean-field theory dashed.  From summary.tsv and the layers.tsv beside
# it (or layersfile).
# Usage: gnuplot -e "infile='results/he2015/summary.tsv'; outfile='results/he2015/he2015'" plots/he2015.gp
if (!exists("infile")) infile = "results/he2015/summary.tsv"
if (!exists("outfile")) outfile = "results/he2015/he2015"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
if (!exists("layersfile")) layersfile = layersof(infile)

act = "relu"
SX = "glorot_normal"
SH = "he_normal"
L = system(sprintf("awk -F'\t' '!/^#/ && $2 == \"%s\" && $3 + 0 > m {m = $3 + 0} END {print m}' '%s'", SX, infile)) + 0
ntrials = cellval(infile, act, SX, 1, "trials")
fwd = cellval(infile, act, SX, L, "h_var") / cellval(infile, act, SX, 1, "h_var")
bwd = cellval(infile, act, SX, 1, "gx_var") / cellval(infile, act, SX, L, "gx_var")
fwdt = cellval(infile, act, SX, L, "h_var_theory") / cellval(infile, act, SX, 1, "h_var_theory")
bwdt = cellval(infile, act, SX, 1, "gx_var_theory") / cellval(infile, act, SX, L, "gx_var_theory")

do for [fmt in formats] {
  eval figure(fmt, 1500, 820, 14)
  set termoption enhanced
  set multiplot layout 1, 2 margins 0.08, 0.98, 0.1, 0.82 spacing 0.08, 0.1 \
      title sprintf("ReLU, %d layers of %s: Xavier's n Var(W) = 1 halves the signal at every layer, 2^{-%d} over the depth,\nforward and backward; He's n Var(W) = 2 keeps both.  Measured: solid, mean of %d trials.  Mean-field theory: dashed", L, widthsof(infile), L - 1, ntrials) font ",16"
  set logscale y
  set yrange [1e-11:1e3]
  set format y "10^{%T}"
  set xrange [0:L + 1]
  set xtics 5
  set xlabel "layer l"

  set title "forward: signal variance, read upward"
  set ylabel "Var(H_l)  (log scale)"
  set key bottom left Left reverse samplen 2.5 spacing 1.15 noenhanced
  set arrow 1 from L + 0.4, cellval(infile, act, SX, 1, "h_var") to L + 0.4, cellval(infile, act, SX, L, "h_var") heads size char 0.6, 90 lw 1.5 lc rgb "#2ca02c"
  set label 1 sprintf("Var(H_{%d}) / Var(H_1):\n2^{-%d} = %s predicted\n%s measured", L, L - 1, sci(fwdt), sci(fwd)) at L - 0.8, 1e-2 right
  plot trials(layersfile, act, SX, "h_var") using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb color(SX) notitle, \
       trials(layersfile, act, SH, "h_var") using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb color(SH) notitle, \
       cell(infile, act, SX) using "layer":"h_var" with linespoints pi 3 ps 1.3 pt 7 lw 2.5 lc rgb color(SX) title "glorot_normal (Xavier)", \
       cell(infile, act, SH) using "layer":"h_var" with linespoints pi 3 ps 1.3 pt 7 lw 2.5 lc rgb color(SH) title "he_normal", \
       cell(infile, act, SX) using "layer":"h_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle, \
       cell(infile, act, SH) using "layer":"h_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" title "mean-field theory", \
       NaN with filledcurves fs transparent solid 0.2 noborder lc rgb "#888888" title sprintf("range over the %d trials", ntrials)
  unset arrow 1
  unset label 1

  set title "backward: gradient variance, read downward"
  set ylabel "Var(dL/dX_l)  (log scale)"
  unset key
  set arrow 1 from 0.6, cellval(infile, act, SX, L, "gx_var") to 0.6, cellval(infile, act, SX, 1, "gx_var") heads size char 0.6, 90 lw 1.5 lc rgb "#2ca02c"
  set label 1 sprintf("Var(dL/dX_1) / Var(dL/dX_{%d}):\n2^{-%d} = %s predicted\n%s measured", L, L - 1, sci(bwdt), sci(bwd)) at 1.5, 1e-2 left
  plot trials(layersfile, act, SX, "gx_var") using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb color(SX) notitle, \
       trials(layersfile, act, SH, "gx_var") using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb color(SH) notitle, \
       cell(infile, act, SX) using "layer":"gx_var" with linespoints pi 3 ps 1.3 pt 7 lw 2.5 lc rgb color(SX) notitle, \
       cell(infile, act, SH) using "layer":"gx_var" with linespoints pi 3 ps 1.3 pt 7 lw 2.5 lc rgb color(SH) notitle, \
       cell(infile, act, SX) using "layer":"gx_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle, \
       cell(infile, act, SH) using "layer":"gx_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle
  unset arrow 1
  unset label 1
  unset multiplot
  unset output
}
