# The depth figure: variance of the pre-activations H_l (top row) and of the
# back-propagated gradients dL/dX_l (bottom row) against depth, one panel per
# activation, one line per scheme, log scale.  From summary.tsv.
# Usage: gnuplot -e "infile='results/depth/summary.tsv'; outfile='results/depth/depth'" plots/depth.gp
if (!exists("infile")) infile = "results/depth/summary.tsv"
if (!exists("outfile")) outfile = "results/depth/depth"
acts = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && !seen[$1]++ {printf \"%s \", $1}'")
schemes = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && !seen[$2]++ {printf \"%s \", $2}'")
na = words(acts)

do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 480*na+300, 900 font "DejaVu Sans,13" }
  else { set terminal svg size 480*na+300, 900 font "DejaVu Sans,13" dynamic }
  set output outfile.".".fmt
  load "plots/style.gp"
  set multiplot layout 2, na margins 0.07, 0.84, 0.08, 0.9 spacing 0.06, 0.13 title "Signal and gradient variance through depth (width 512, batch 256; mean over trials)" font ",15"
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
    plot for [s in schemes] infile using "layer":(pick(a, s, "h_var")) with linespoints pi 5 ps 1.2 pt pt(s) lw lw(s) lc rgb color(s) title s
  }
  do for [i=1:na] {
    a = word(acts, i)
    set title "backward, ".a
    set ylabel (i == 1 ? "Var(dL/dX_l)  (log scale)" : "")
    unset key
    plot for [s in schemes] infile using "layer":(pick(a, s, "gx_var")) with linespoints pi 5 ps 1.2 pt pt(s) lw lw(s) lc rgb color(s) title s
  }
  unset multiplot
  unset output
}
