# The width figure of 'initlab plot', from a summary.tsv whose 'width' column
# has several values: each quantity at the last layer of each network against
# its width, log-log, one curve per cell without width (activation, scheme,
# ...), measured points joined by lines, theory dashed; each legend entry
# carries the least-squares slope d ln y / d ln n of its measured points.
# Not run by hand: 'initlab plot' writes the datablocks $wC_Q (columns:
# width, measured, theory) and the variables read below, then loads this.
load plotdir."/style.gp"

array col[nc]
pal = "#1f5fbf #d62728 #2ca02c #ff7f0e #9467bd #8c564b #e377c2 #17becf #bcbd22 #555555"
dup = 0
do for [i=1:nc] { do for [j=1:nc] { if (i != j && color(cscheme[i]) eq color(cscheme[j])) { dup = 1 } } }
do for [i=1:nc] { col[i] = dup ? word(pal, (i - 1) % 10 + 1) : color(cscheme[i]) }
npan = nq > 0 ? nq : 1
W = 100 + npan * 620
H = headpx(title, subtitle) + 200 + 620 + nc * 26

do for [fmt in formats] {
  eval figure(fmt, W, H, 15)
  set termoption enhanced
  set datafile nocolumnheaders
  set multiplot layout 1, npan margins 100.0 / W, 1 - 30.0 / W, (150.0 + nc * 26) / H, 1 - headpx(title, subtitle) / H spacing 90.0 / W, 0.1
  eval headings(H)
  set logscale xy
  set format y "10^{%T}"
  set xlabel "width n  (log scale)"
  do for [q=1:nq] {
    set title qname[q] noenhanced
    set ylabel (q == 1 ? "(log scale)" : "")
    pw = (W - 130.0 - (npan - 1) * 90) / npan
    set key at screen (100.0 + (q - 1) * (pw + 90)) / W, (30.0 + nc * 26) / H left top Left reverse samplen 2.5 spacing 1.1 noenhanced maxrows nc
    plot for [i=1:nc] sprintf("$w%d_%d", i, q) using 1:2 with linespoints pt 7 ps 1.3 lw 2.5 lc rgb col[i] notitle, \
         for [i=1:nc] sprintf("$w%d_%d", i, q) using 1:3 with lines dt (8,5) lw 1.8 lc rgb col[i] notitle, \
         for [i=1:nc] NaN with linespoints pt 7 ps 1.3 lw 2.5 lc rgb col[i] title clabel[(i - 1) * nq + q]
    unset label 101
    unset label 102
  }
  unset multiplot
  unset output
}
