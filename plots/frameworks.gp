# The frameworks figure: Var(H_l) through 50 ReLU layers for the framework
# defaults (log scale, mean over trials, mean-field theory dashed), each
# labelled with its per-layer factor (1/2) fan_in Var(W), read from the table's
# w_var.  From summary.tsv.
# Usage: gnuplot -e "infile='results/frameworks/summary.tsv'; outfile='results/frameworks/frameworks'" plots/frameworks.gp
if (!exists("infile")) infile = "results/frameworks/summary.tsv"
if (!exists("outfile")) outfile = "results/frameworks/frameworks"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"

act = "relu"
schemes = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {next} $1 == \"%s\" && !seen[$2]++ {printf \"%%s \", $2}' '%s'", act, infile))
ns = words(schemes)
L = system(sprintf("awk -F'\t' '!/^#/ && $1 == \"%s\" && $3 + 0 > m {m = $3 + 0} END {print m}' '%s'", act, infile)) + 0
ntrials = cellval(infile, act, word(schemes, 1), 1, "trials")
# the per-layer factor of ReLU, (1/2) fan_in Var(W), as x1, x1/N or x0.7737
factor(s) = cellval(infile, act, s, 2, "fan_in") * cellval(infile, act, s, 2, "w_var") / 2
ffmt(f) = abs(f - 1) < 1e-9 ? "×1" : \
          (f < 1 && abs(1 / f - floor(1 / f + 0.5)) < 1e-6) ? sprintf("×1/%d", floor(1 / f + 0.5)) : sprintf("×%.4f", f)
label(s) = sprintf("%s  (%s per layer)", s, ffmt(factor(s)))
# colours: He red, PyTorch orange, the uncorrected truncated normal purple as
# in the truncation figure, TF1 contrib pink, darknet brown
col(s) = (s eq "tf1_contrib") ? "#e377c2" : (strstrt(s, "tf1_truncated") > 0) ? "#9467bd" : color(s)
ptype(s) = (s eq "he_normal") ? 7 : (s eq "torch_linear") ? 5 : (s eq "tf1_contrib") ? 9 : (strstrt(s, "tf1_truncated") > 0) ? 11 : 13
f_c = factor("tf1_contrib")

do for [fmt in formats] {
  eval figure(fmt, 1300, 900, 14)
  set termoption enhanced
  set title sprintf("Framework defaults in a %d-layer ReLU network: each layer multiplies Var(H_l) by (1/2) n Var(W),\nso PyTorch's nn.Linear default ends at Var(H_{%d}) = %s where He keeps 2.\nMeasured: solid, mean of %d trials.  Mean-field theory: dashed", L, L, sci(cellval(infile, act, "torch_linear", L, "h_var")), ntrials) font ",15"
  set lmargin 12
  set logscale y
  set yrange [1e-42:1e5]
  set ytics 1e-40, 1e5, 1e5
  set mytics 5
  set format y "10^{%T}"
  set xrange [0:L + 1]
  set xlabel "layer l"
  set ylabel "Var(H_l)  (log scale)"
  set key bottom left Left reverse samplen 2.5 spacing 1.2 noenhanced
  set label 1 sprintf("tf1_contrib's ×%.4f compounds to ×%.2f over %d layers:\nless than the spread between trials at %s", f_c, f_c ** L, L, widthsof(infile)) at L - 1, 1e-8 right noenhanced font ",13"
  plot for [s in schemes] cell(infile, act, s) using "layer":"h_var" with linespoints pi 5 ps 1.3 pt ptype(s) lw 2.5 lc rgb col(s) title label(s), \
       for [s in schemes] cell(infile, act, s) using "layer":"h_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle, \
       NaN with lines dt (6,4) lw 1.5 lc rgb "#000000" title "mean-field theory: Var(H_1) × factor^(l-1)"
  unset label 1
  unset output
}
