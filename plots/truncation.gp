# The truncation figure: Var(H_l) through 50 ReLU layers for He's normal, He's
# truncated normal with the variance correction and without it (log scale,
# mean over trials, band from the smallest to the largest trial, mean-field
# theory dashed), and below, the ratio measured / theory for each.  From
# summary.tsv and the layers.tsv beside it (or layersfile).
# Usage: gnuplot -e "infile='results/truncation/summary.tsv'; outfile='results/truncation/truncation'" plots/truncation.gp
if (!exists("infile")) infile = "results/truncation/summary.tsv"
if (!exists("outfile")) outfile = "results/truncation/truncation"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
if (!exists("layersfile")) layersfile = layersof(infile)

act = "relu"
S1 = "he_normal";                                 T1 = "he_normal";                                    C1 = "#d62728"; P1 = 7; W1 = 2.5
S2 = "he_normal:dist=truncated_normal";           T2 = "he_normal:dist=truncated_normal (sd / 0.8796)"; C2 = "#f28e2b"; P2 = 5; W2 = 2.5
S3 = "he_normal:dist=truncated_normal,correct=0"; T3 = "he_normal:dist=truncated_normal,correct=0";     C3 = "#9467bd"; P3 = 9; W3 = 2.5

L = system(sprintf("awk -F'\t' '!/^#/ && $2 == \"%s\" && $3 + 0 > m {m = $3 + 0} END {print m}' '%s'", S3, infile)) + 0
f3 = cellval(infile, act, S3, 1, "w_var") / cellval(infile, act, S1, 1, "w_var")
pred = cellval(infile, act, S3, L, "h_var_theory")
meas = cellval(infile, act, S3, L, "h_var")
frac = pred / cellval(infile, act, S1, L, "h_var_theory")
# the two truncated schemes share their unit draws, so at every layer their
# measured ratio is exactly the per-layer factor compounded
mfrac = meas / cellval(infile, act, S2, L, "h_var")

do for [fmt in formats] {
  eval figure(fmt, 1300, 1000, 14)
  set termoption enhanced
  set multiplot title sprintf("A truncated normal without its variance correction keeps %.4f of He's variance:\nthrough %d ReLU layers the signal falls to %.4f^{%d} = %s of He's", f3, L, f3, L, sci(frac)) font ",16"
  set lmargin at screen 0.10
  set rmargin at screen 0.97
  set xrange [0:L + 1]
  set logscale y

  # top: the variances
  set tmargin at screen 0.86
  set bmargin at screen 0.36
  set yrange [1e-7:1e4]
  set format y "10^{%T}"
  set format x ""
  set ylabel "Var(H_l)  (log scale)"
  set key top right Left reverse samplen 2.5 spacing 1.1 noenhanced
  set arrow 1 from L - 6, 2.2e-6 to L - 0.5, meas * 0.8 head filled size char 1, 20 lw 1.5 lc rgb "#333333"
  set label 1 sprintf("correct=0: theory Var(H_l) = 2 · %.4f^{l}\nlayer %d: predicted %s, measured %s,\n%s of the corrected network's (same draws)", f3, L, sci(pred), sci(meas), sci(mfrac)) at L - 31, 3e-5 left font ",14"
  plot for [i=1:3] trials(layersfile, act, value("S".i), "h_var") using 1:2:3 with filledcurves fs transparent solid 0.18 noborder lc rgb value("C".i) notitle, \
       for [i=1:3] cell(infile, act, value("S".i)) using "layer":"h_var" with linespoints pi 5 ps 1.3 pt value("P".i) lw value("W".i) lc rgb value("C".i) title value("T".i), \
       for [i=1:3] cell(infile, act, value("S".i)) using "layer":"h_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle, \
       NaN with lines dt (6,4) lw 1.5 lc rgb "#000000" title "mean-field theory", \
       NaN with filledcurves fs transparent solid 0.18 noborder lc rgb "#888888" title sprintf("range over the %d trials", cellval(infile, act, S1, 1, "trials"))
  unset arrow 1
  unset label 1

  # bottom: measured / theory
  set tmargin at screen 0.32
  set bmargin at screen 0.08
  set yrange [0.25:4]
  set ytics (0.25, 0.5, 1, 2, 4)
  set format y "%g"
  set format x "%g"
  set xlabel "layer l"
  set ylabel "measured / theory\n(log scale)"
  unset key
  set label 3 sprintf("below 1 at depth: at %s each layer's factor is random, and a product of many\ntypically falls below its mean.  The two truncated normals share their draws: equal ratios", widthsof(infile)) at 2, 2.9 left font ",13"
  plot 1 with lines lc rgb "#000000" lw 1 notitle, \
       for [i=1:3] cell(infile, act, value("S".i)) using "layer":"h_var_ratio" with lines lw (i == 2 ? 7 : 2.5) lc rgb value("C".i) notitle
  unset label 3
  unset multiplot
  unset output
}
