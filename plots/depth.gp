# The depth figure: variance of the pre-activations H_l (top row) and of the
# back-propagated gradients dL/dX_l (bottom row) against depth, one panel per
# activation, one line per scheme, log scale.  From summary.tsv.
# Usage: gnuplot -e "infile='results/depth/summary.tsv'; outfile='results/depth/depth'" plots/depth.gp
if (!exists("infile")) infile = "results/depth/summary.tsv"
if (!exists("outfile")) outfile = "results/depth/depth"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
acts = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && !seen[$1]++ {printf \"%s \", $1}'")
schemes = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && !seen[$2]++ {printf \"%s \", $2}'")
na = words(acts)

do for [fmt in formats] {
  eval figure(fmt, 480*na+300, 1250, 13)
  set label 1 "bottom row:\nsolid  Var(H_l)\ndotted Var(dL/dX_l)" at screen 0.855, 0.25 noenhanced
  set multiplot layout 3, na margins 0.07, 0.84, 0.06, 0.92 spacing 0.06, 0.09 title "Signal and gradient variance through depth: measured (solid, mean over trials) and mean-field theory (dashed)" font ",15"
  set logscale y
  set format y "10^{%T}"
  set termoption enhanced
  set yrange [1e-40:1e40]
  set xlabel "layer l"
  do for [i=1:na] {
    a = word(acts, i)
    set title "forward, ".a
    set ylabel (i == 1 ? "Var(H_l)  (log scale)" : "")
    if (i == na) { set key at screen 0.995, 0.88 Left reverse samplen 2 } else { unset key }
    plot for [s in schemes] cell(infile, a, s) using "layer":(pos(column("h_var_lo"))):"h_var_hi" with filledcurves fs transparent solid 0.2 noborder lc rgb color(s) notitle, \
         for [s in schemes] cell(infile, a, s) using "layer":"h_var" with linespoints pi 5 ps 1.2 pt pt(s) lw lw(s) lc rgb color(s) title s, \
         for [s in schemes] cell(infile, a, s) using "layer":"h_var_theory" with lines dt (4,4) lw 1.5 lc rgb "#000000" notitle, \
         NaN with lines dt (4,4) lw 1.5 lc rgb "#000000" title "mean-field theory", \
         NaN with filledcurves fs transparent solid 0.2 noborder lc rgb "#888888" title "95% interval over trials"
  }
  do for [i=1:na] {
    a = word(acts, i)
    set title "backward, ".a
    set ylabel (i == 1 ? "Var(dL/dX_l)  (log scale)" : "")
    unset key
    plot for [s in schemes] cell(infile, a, s) using "layer":(pos(column("gx_var_lo"))):"gx_var_hi" with filledcurves fs transparent solid 0.2 noborder lc rgb color(s) notitle, \
         for [s in schemes] cell(infile, a, s) using "layer":"gx_var" with linespoints pi 5 ps 1.2 pt pt(s) lw lw(s) lc rgb color(s) notitle, \
         for [s in schemes] cell(infile, a, s) using "layer":"gx_var_theory" with lines dt (4,4) lw 1.5 lc rgb "#000000" notitle
  }
  # third row: how far each measurement drifts from its prediction
  set yrange [0.25:4]
  set format y "%g"
  set ytics (0.25, 0.5, 1, 2, 4)
  do for [i=1:na] {
    a = word(acts, i)
    set title "measured / theory, ".a
    set ylabel (i == 1 ? "ratio (log scale)" : "")
    unset key
    plot 1 with lines lc rgb "#000000" lw 1 notitle, \
         for [s in schemes] cell(infile, a, s) using "layer":"h_var_ratio" with lines lw 2 lc rgb color(s) notitle, \
         for [s in schemes] cell(infile, a, s) using "layer":"gx_var_ratio" with lines lw 1.5 dt (1,2) lc rgb color(s) notitle
  }
  unset multiplot
  unset label 1
  unset output
}
