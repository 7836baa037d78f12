# The fan figure: layers alternate two widths (256 and 1024 units in the
# experiment; every number quoted is read from the tables).  Top row, ReLU with He
# by fan_in and by fan_out: each keeps one direction exactly and zigzags by 4
# in the other.  Bottom row, the fan_avg compromise (ReLU, He's scale) and
# Glorot (linear): 0.8 per layer both ways.  Variance of the pre-activations
# H_l (left) and of the back-propagated gradients dL/dX_l (right), log scale,
# mean over trials (solid; band from the smallest to the largest trial) and
# mean-field theory (dashed).  From summary.tsv and the layers.tsv beside it
# (or layersfile).
# Usage: gnuplot -e "infile='results/fan/summary.tsv'; outfile='results/fan/fan'" plots/fan.gp
if (!exists("infile")) infile = "results/fan/summary.tsv"
if (!exists("outfile")) outfile = "results/fan/fan"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
if (!exists("layersfile")) layersfile = layersof(infile)

# the four lines (Glorot is drawn first and wider: backward it coincides with
# fan_avg, whose ReLU halving is paid back by He's doubled scale): activation, scheme, legend text, colour, point type, width
A1 = "relu";   S1 = "he_normal";              T1 = "relu, he_normal (mode=fan_in)";   C1 = "#d62728"; P1 = 7; W1 = 2.5
A2 = "relu";   S2 = "he_normal:mode=fan_out"; T2 = "relu, he_normal:mode=fan_out";    C2 = "#6a3d9a"; P2 = 9; W2 = 2.5
A3 = "relu";   S3 = "he_normal:mode=fan_avg"; T3 = "relu, he_normal:mode=fan_avg";    C3 = "#e6550d"; P3 = 5; W3 = 2.5
A4 = "linear"; S4 = "glorot_normal";          T4 = "linear, glorot_normal (= fan_avg)"; C4 = "#2ca02c"; P4 = 6; W4 = 5
L = cellmax(infile, A1, S1, "layer")
ntrials = cellval(infile, A1, S1, 1, "trials")
# the two widths, n_in at odd and even layers, and what the fans make of them:
# fan_in and fan_out zigzag by n_b/n_a; fan_avg's per-layer factors
# 2 n_in/(n_a + n_b) multiply to 4 n_a n_b/(n_a + n_b)^2, sqrt of it per layer
na_ = cellval(infile, A1, S1, 1, "fan_in") * 1.0
nb_ = cellval(infile, A1, S1, 2, "fan_in") * 1.0
zig = nb_ / na_
avg = 2 * sqrt(na_ * nb_) / (na_ + nb_)
fa1 = 2 * na_ / (na_ + nb_)
fa2 = 2 * nb_ / (na_ + nb_)
r3f = rate(infile, A3, S3, "h_var", 2, L)
r4f = rate(infile, A4, S4, "h_var", 2, L)
r3b = 1 / rate(infile, A3, S3, "gx_var", 2, L)
r4b = 1 / rate(infile, A4, S4, "gx_var", 2, L)
tel1 = cellval(infile, A1, S1, 1, "gx_var") / cellval(infile, A1, S1, L, "gx_var")
tel2 = cellval(infile, A2, S2, L, "h_var") / cellval(infile, A2, S2, 1, "h_var")
tel1t = cellval(infile, A1, S1, 1, "gx_var_theory") / cellval(infile, A1, S1, L, "gx_var_theory")
tel2t = cellval(infile, A2, S2, L, "h_var_theory") / cellval(infile, A2, S2, 1, "h_var_theory")
# 4 as "4", 0.25 as "1/4"
frac(x) = x >= 1 ? sprintf("%g", x) : sprintf("1/%g", 1 / x)


do for [fmt in formats] {
  eval figure(fmt, 1440, 1000, 13)
  set multiplot layout 2, 2 margins 0.065, 0.985, 0.07, 0.86 spacing 0.075, 0.15 \
      title sprintf("Non-square layers (widths alternate %g, %g): fan_in keeps the forward pass, fan_out the backward,\nfan_avg keeps neither (×%.2g per layer both ways).   Measured: solid, mean of %d trials.  Mean-field theory: dashed", na_, nb_, avg, ntrials) font ",16"
  set logscale y
  set termoption enhanced
  set format y "10^{%T}"
  set xrange [0.5:L + 0.5]
  set xtics 2
  set mxtics 2
  set xlabel sprintf("layer l   (n_{in} = %g at odd l, %g at even l)", na_, nb_)

  # top row: fan_in against fan_out
  set yrange [0.05:60]
  set ytics ("0.1" 0.1, "0.25" 0.25, "0.5" 0.5, "1" 1, "2" 2, "4" 4, "10" 10)
  set title sprintf("forward: fan\\_in holds Var(H_l) = 2; fan\\_out zigzags ×%s, ×%s\n(measured Var(H_{%d}) / Var(H_1) = %.2f for fan\\_out, theory %s)", frac(1 / zig), frac(zig), L, tel2, frac(tel2t))
  set ylabel "Var(H_l)  (log scale)"
  set key default
  set key top left Left reverse samplen 2.5 spacing 1.15 noenhanced maxrows 2
  plot for [i=1:2] trials(layersfile, value("A".i), value("S".i), "h_var") using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb value("C".i) notitle, \
       for [i=1:2] cell(infile, value("A".i), value("S".i)) using "layer":"h_var" with linespoints ps 1.4 pt value("P".i) lw value("W".i) lc rgb value("C".i) title value("T".i), \
       for [i=1:2] cell(infile, value("A".i), value("S".i)) using "layer":"h_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle, \
       NaN with lines dt (6,4) lw 1.5 lc rgb "#000000" title "mean-field theory", \
       NaN with filledcurves fs transparent solid 0.2 noborder lc rgb "#888888" title sprintf("range of %d trials", ntrials)
  set title sprintf("backward: fan\\_out holds Var(dL/dX_l) = 1; fan\\_in zigzags ×%s, ×%s\n(measured Var(dL/dX_1) / Var(dL/dX_{%d}) = %.3f for fan\\_in, theory %s)", frac(zig), frac(1 / zig), L, tel1, frac(tel1t))
  set ylabel "Var(dL/dX_l)  (log scale)"
  unset key
  plot for [i=1:2] trials(layersfile, value("A".i), value("S".i), "gx_var") using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb value("C".i) notitle, \
       for [i=1:2] cell(infile, value("A".i), value("S".i)) using "layer":"gx_var" with linespoints ps 1.4 pt value("P".i) lw value("W".i) lc rgb value("C".i) notitle, \
       for [i=1:2] cell(infile, value("A".i), value("S".i)) using "layer":"gx_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle

  # bottom row: fan_avg (ReLU, He's scale) and Glorot (linear)
  set yrange [3e-3:30]
  set ytics autofreq
  set title sprintf("forward: fan\\_avg loses ×%.2g per layer (×%.2g, ×%.2g alternating)\n(measured per layer, layers 2 to %d: ×%.3f He fan\\_avg, ×%.3f Glorot)", avg, fa1, fa2, L, r3f, r4f)
  set ylabel "Var(H_l)  (log scale)"
  set key default
  set key top right Left reverse samplen 2.5 spacing 1.15 noenhanced
  plot for [i=4:3:-1] trials(layersfile, value("A".i), value("S".i), "h_var") using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb value("C".i) notitle, \
       for [i=4:3:-1] cell(infile, value("A".i), value("S".i)) using "layer":"h_var" with linespoints ps 1.4 pt value("P".i) lw value("W".i) lc rgb value("C".i) title value("T".i), \
       for [i=4:3:-1] cell(infile, value("A".i), value("S".i)) using "layer":"h_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle, \
       NaN with lines dt (6,4) lw 1.5 lc rgb "#000000" title "mean-field theory"
  set title sprintf("backward: the same ×%.2g per layer, read downward\n(measured per layer, layers %d to 2: ×%.3f He fan\\_avg, ×%.3f Glorot)", avg, L, r3b, r4b)
  set ylabel "Var(dL/dX_l)  (log scale)"
  unset key
  plot for [i=4:3:-1] trials(layersfile, value("A".i), value("S".i), "gx_var") using 1:2:3 with filledcurves fs transparent solid 0.2 noborder lc rgb value("C".i) notitle, \
       for [i=4:3:-1] cell(infile, value("A".i), value("S".i)) using "layer":"gx_var" with linespoints ps 1.4 pt value("P".i) lw value("W".i) lc rgb value("C".i) notitle, \
       for [i=4:3:-1] cell(infile, value("A".i), value("S".i)) using "layer":"gx_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle
  unset multiplot
  unset output
}
