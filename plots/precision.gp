# The precision figure: where each scheme loses the signal or overflows in
# binary16 and bfloat16 (precision.cfg, precision_bf16.cfg), and what loss
# scaling does to the gradients (precision_loss.cfg, precision_loss_scaled.cfg).
# Top row, binary16; middle row, bfloat16: the fraction of H_l below the
# format's smallest normal (h_under) and the count of entries rounded to inf
# (h_over, per trial), with the Gaussian prediction at mean field's q_l
# (dashed); and Var(H_l) against mean field.  Bottom row: the fraction of the
# stored gradient below 2^-14 with and without loss scaling.  The other
# tables are read beside infile (its folder's siblings); a panel whose table
# is missing is left out.
# Usage: gnuplot -e "infile='results/precision/summary.tsv'; outfile='results/precision/precision'" plots/precision.gp
if (!exists("infile")) infile = "results/precision/summary.tsv"
if (!exists("outfile")) outfile = "results/precision/precision"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
root = system(sprintf("dirname \"$(dirname '%s')\"", infile))
f16 = infile
fbf = root."/precision_bf16/summary.tsv"
fl1 = root."/precision_loss/summary.tsv"
fls = root."/precision_loss_scaled/summary.tsv"
have(f) = system(sprintf("test -r '%s' && echo 1 || echo 0", f)) + 0
schemes = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && !seen[$2]++ {printf \"%s \", $2}'")
# the Gaussian predictions at mean field's q (column names as in summary.tsv)
under(q, tiny) = erf(tiny / sqrt(2 * q))
over(q, big, m) = m * erfc(big / sqrt(2 * q))
m16 = cfg(f16, "batch") * cfg(f16, "width")

do for [fmt in formats] {
  eval figure(fmt, 1650, 1350, 13)
  set multiplot layout 3, 3 margins 0.06, 0.86, 0.06, 0.88 spacing 0.07, 0.1 title "Where each initialization loses the signal or overflows in binary16 and bfloat16\nReLU, ".widthsof(f16).", batch ".cfg(f16, "batch").", mean over ".cfg(f16, "trials")." trials, seed ".seedof(f16)."; dashed: the Gaussian prediction at mean field's q_l" font ",15" noenhanced
  set xlabel "layer l"
  do for [row=1:2] {
    f = (row == 1) ? f16 : fbf
    fn = (row == 1) ? "binary16" : "bfloat16"
    tiny = (row == 1) ? 2.0**-14 : 2.0**-126
    big = (row == 1) ? 65520.0 : 2.0**128 * (1 - 2.0**-9)
    if (have(f)) {
      set title fn.": fraction of H_l below ".((row == 1) ? "2^-14" : "2^-126")."\n(zero or subnormal)" noenhanced
      unset logscale y
      set yrange [-0.02:1.02]
      set format y "%g"
      set ylabel "h_under" noenhanced
      unset key
      plot for [s in schemes] cell(f, "relu", s) using "layer":"h_under" with linespoints pi 4 ps 1 lw lw(s) lc rgb color(s) notitle, \
           for [s in schemes] cell(f, "relu", s) using "layer":(under(column("h_var_theory"), tiny)) with lines dt (4,4) lw 1.5 lc rgb color(s) notitle
      set title fn.": entries of H_l rounded\nto inf, per trial" noenhanced
      set logscale y
      set yrange [0.5:1e5]
      set format y "10^{%T}"
      set termoption enhanced
      set ylabel "h_over / trials" noenhanced
      plot for [s in schemes] cell(f, "relu", s) using "layer":(pos(column("h_over") / column("trials"))) with linespoints pi 1 ps 1 lw lw(s) lc rgb color(s) notitle, \
           for [s in schemes] cell(f, "relu", s) using "layer":(pos(over(column("h_var_theory"), big, m16))) with lines dt (4,4) lw 1.5 lc rgb color(s) notitle
      set termoption noenhanced
      set title fn.": Var(H_l) measured (solid)\nand mean field (dashed)" noenhanced
      set yrange [1e-40:1e40]
      set termoption enhanced
      set ylabel "Var(H_l)"
      if (row == 1) { set key at screen 0.995, 0.88 Left reverse samplen 2 } else { unset key }
      plot for [s in schemes] cell(f, "relu", s) using "layer":(pos(column("h_var"))) with linespoints pi 5 ps 1 lw lw(s) lc rgb color(s) title s, \
           for [s in schemes] cell(f, "relu", s) using "layer":"h_var_theory" with lines dt (4,4) lw 1.5 lc rgb color(s) notitle, \
           NaN with lines dt (4,4) lw 1.5 lc rgb "#000000" title "prediction"
      set termoption noenhanced
    } else {
      set multiplot next
      set multiplot next
      set multiplot next
    }
  }
  # loss scaling
  unset key
  set logscale y
  set yrange [1e-6:1.5]
  set format y "10^{%T}"
  set termoption enhanced
  set title "binary16, Glorot: dL/dX_l stored below 2^-14,\nloss scale ".(have(fl1) ? cfg(fl1, "loss_scale") : "?")." (green) and ".(have(fls) ? cfg(fls, "loss_scale") : "?")." (blue)" noenhanced
  set ylabel "g_under" noenhanced
  S(f) = cfg(f, "loss_scale") + 0
  if (have(fl1) && have(fls)) {
    plot cell(fl1, "relu", "glorot_normal") using "layer":(pos(column("g_under"))) with linespoints pt 6 lw 2.5 lc rgb "#2ca02c" notitle, \
         cell(fl1, "relu", "glorot_normal") using "layer":(under(S(fl1)**2 * column("gx_var_theory"), 2.0**-14)) with lines dt (4,4) lw 1.5 lc rgb "#2ca02c" notitle, \
         cell(fls, "relu", "glorot_normal") using "layer":(pos(column("g_under"))) with linespoints pt 2 lw 2.5 lc rgb "#1f5fbf" notitle, \
         cell(fls, "relu", "glorot_normal") using "layer":(pos(under(S(fls)**2 * column("gx_var_theory"), 2.0**-14))) with lines dt (4,4) lw 1.5 lc rgb "#1f5fbf" notitle
  }
  unset multiplot
  unset output
}
