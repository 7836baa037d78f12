# The phase figure: the order-chaos phase diagram of a deep tanh network.
# Left, chi_1 measured in every cell of the (sigma_w2, sigma_b2) grid of the
# phase experiment (colour, log scale: blue ordered, red chaotic), the
# critical line of mean-field theory (black, from 'initlab theory --critical';
# its points by fixed point q* from '--critical-line' as circles) and the
# measured chi_1 = 1 contour (gnuplot's contour of ln chi_1 over the grid).
# Right, the depth scales beside three rows of the grid: mean field's xi_c
# (two inputs' correlation, ordered phase only), its gradient depth scale
# 1/|ln chi_1| (both phases), and the measured 1/|ln chi_1|.
# The tables come from scripts/phase.sh.
# Usage: gnuplot -e "infile='results/phase/grid.tsv'; outfile='results/phase/phase'" plots/phase.gp
#   (critfile, linefile and xifile default to critical.tsv, critical_line.tsv and xi.tsv beside infile)
if (!exists("infile")) infile = "results/phase/grid.tsv"
if (!exists("outfile")) outfile = "results/phase/phase"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
dir = (strstrt(infile, "/") > 0) ? system(sprintf("dirname '%s'", infile)) : "."
if (!exists("critfile")) critfile = dir."/critical.tsv"
if (!exists("linefile")) linefile = dir."/critical_line.tsv"
if (!exists("xifile")) xifile = dir."/xi.tsv"
# the facts of the run, from the rates table's provenance and rows
ratesfile = dir."/rates.tsv"
fact(c) = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} {print $k[\"%s\"]; exit}' '%s'", c, ratesfile))
la = fact("layer_a") + 0
lb = fact("layer_b") + 0
ntrials = fact("trials") + 0
width = fact("width") + 0
batch = fact("batch") + 0
# the grid's extent and spacing
stat = system(sprintf("awk -F'\t' '/^#/ || NF < 2 || $1 == \"sigma_w2\" {next} {if (n++ == 0 || $1 < x0) x0 = $1; if ($1 > x1) x1 = $1; if (n == 1 || $2 < y0) y0 = $2; if ($2 > y1) y1 = $2; xs[$1]; ys[$2]} END {nx = 0; for (i in xs) nx++; ny = 0; for (i in ys) ny++; print x0, x1, y0, y1, nx, ny}' '%s'", infile))
x0 = word(stat, 1) + 0; x1 = word(stat, 2) + 0; y0 = word(stat, 3) + 0; y1 = word(stat, 4) + 0
nx = word(stat, 5) + 0; ny = word(stat, 6) + 0
dx = (x1 - x0) / (nx - 1) / 2
dy = (y1 - y0) / (ny - 1) / 2
# the contour of ln chi_1 = 0 over the measured grid, into a datablock
set contour base
set cntrparam levels discrete 0
set cntrparam linear
unset surface
set table $table
splot infile using 1:2:(log($3)) with lines notitle
unset table
unset contour
set surface
# tab-separated, with a header row of its own, as the tables are (style.gp
# reads them so); blank lines keep the contour's pieces apart
set print $contour
print "sigma_w2\tsigma_b2"
do for [i=1:|$table|] {
  s = $table[i]
  if (words(s) >= 2 && strstrt(s, "#") == 0) { print word(s, 1)."\t".word(s, 2) } else { print "" }
}
unset print
# three rows of the grid for the depth scales (xi.tsv's sigma_b2 values)
sb(i) = word(system(sprintf("awk -F'\t' '/^#/ {next} !h++ {next} !s[$3]++ {print $3}' '%s'", xifile)), i) + 0
rowcol(i) = (i == 1) ? "#1f5fbf" : (i == 2) ? "#2ca02c" : "#d62728"
near(a, b) = abs(a - b) < 1e-9

do for [fmt in formats] {
  eval figure(fmt, 1900, 1000, 14)
  set termoption enhanced
  set key enhanced
  set multiplot layout 1, 2 margins 0.06, 0.98, 0.25, 0.80 spacing 0.15, 0
  set label 101 "The order-chaos phase diagram of a deep tanh network: χ_1 measured over the (σ_w^2, σ_b^2) grid, beside mean field's critical line" at screen 0.5, 0.96 center font ",19"
  set label 102 sprintf("χ_1 = (Var(dL/dX_{%d}) / Var(dL/dX_{%d}))^{1/%d} from the means over %d trials; width %d, batch %d, %d x %d cells.\nLeft of the line gradients vanish going down (order), right of it they explode (chaos)", la, lb, lb - la, ntrials, width, batch, nx, ny) at screen 0.5, 0.905 center font ",14"
  # left: the heat map
  set xrange [x0 - dx:x1 + dx]
  set yrange [y0 - dy:y1 + dy]
  set xlabel "σ_w^2 = n Var(W)"
  set ylabel "σ_b^2 (bias variance)"
  set palette defined (-1 "#1f5fbf", 0 "#f7f7f7", 1 "#d62728")
  cbmax = log(1.4)
  set cbrange [-cbmax:cbmax]
  set cbtics ("0.7" log(0.7), "0.8" log(0.8), "0.9" log(0.9), "1" 0, "1.1" log(1.1), "1.2" log(1.2), "1.3" log(1.3), "1.4" log(1.4))
  set cblabel "χ_1 measured (log scale)"
  set grid noxtics noytics
  set key at screen 0.06, screen 0.15 left top Left reverse samplen 3 spacing 1.3 box lc rgb "#cccccc"
  set title "χ_1 measured per cell, and the line χ_1 = 1" font ",15"
  plot infile using 1:2:($1 - dx):($1 + dx):($2 - dy):($2 + dy):(log(column("chi1_measured"))) with boxxyerror fs solid 1 noborder lc palette notitle, \
       critfile using "sigma_w2_crit":"sigma_b2" with lines lw 3 lc rgb "#000000" title "mean field: χ_1 = 1 (initlab theory --critical)", \
       linefile using "sigma_w2":"sigma_b2" with points pt 6 ps 1.6 lw 2 lc rgb "#000000" title "its points at q* = 10^{k/4} (--critical-line)", \
       $contour using 1:2 with lines lw 3 dt (8,5) lc rgb "#7b3294" title "measured: χ_1 = 1 (contour over the grid)"
  unset label 101
  unset label 102
  # right: the depth scales
  set title "Depth scales: layers over which two inputs merge (order)\nor the gradient grows e-fold (chaos), at three rows of the grid" font ",15"
  set xrange [0.9:4]
  set yrange [1:300]
  set logscale y
  set grid xtics ytics mytics
  set xlabel "σ_w^2 = n Var(W)"
  set ylabel "depth scale (layers)"
  unset colorbox
  unset cblabel
  set key at screen 0.52, screen 0.15 left top Left reverse samplen 3 spacing 1.3 maxrows 3 box lc rgb "#cccccc"
  plot for [i=1:3] xifile using "sigma_w2":(near(column("sigma_b2"), sb(i)) ? column("xi_c") : NaN) with lines lw 3 lc rgb rowcol(i) notitle, \
       for [i=1:3] xifile using "sigma_w2":(near(column("sigma_b2"), sb(i)) ? 1 / abs(log(column("chi1"))) : NaN) with lines lw 1.5 dt (6,4) lc rgb rowcol(i) notitle, \
       for [i=1:3] infile using 1:(near($2, sb(i)) ? 1 / abs(log(column("chi1_measured"))) : NaN) with points pt 7 ps 1.3 lc rgb rowcol(i) notitle, \
       keyentry with lines lw 3 lc rgb "#000000" title "ξ_c = -1/ln χ_1, mean field (order: c* = 1)", \
       keyentry with lines lw 1.5 dt (6,4) lc rgb "#000000" title "1/|ln χ_1|, mean field (the gradient's ξ_∇)", \
       keyentry with points pt 7 ps 1.3 lc rgb "#000000" title sprintf("1/|ln χ_1| measured, layers %d-%d", la, lb), \
       for [i=1:3] keyentry with lines lw 6 lc rgb rowcol(i) title sprintf("σ_b^2 = %g", sb(i))
  unset logscale y
  unset multiplot
  unset output
}
