# The variance figure of 'initlab plot', from summary.tsv (and the same
# figure of any other per-layer table with theory columns): one column of
# panels per activation; a row per quantity (Var(H_l) forward, Var(dL/dX_l)
# backward, Var(dL/dW_l)), and a last row of measured / theory.  A curve per
# cell (scheme, and any other key such as width), measured solid with its
# 95% t interval shaded, theory dashed, the finite-width theory band in grey
# where the table has one (columns Q_theory_lo, Q_theory_hi).
# Not run by hand: 'initlab plot' writes the data as datablocks $c1..$cN
# (columns: layer, then for each of the nq quantities: mean lo hi theory
# ratio theory_lo theory_hi) and the variables read below, then loads this.
load plotdir."/style.gp"

# Colours: each scheme's own (style.gp) unless two different curves would
# share one; then a palette, one colour per distinct label.
array col[nc]
pal = "#1f5fbf #d62728 #2ca02c #ff7f0e #9467bd #8c564b #e377c2 #17becf #bcbd22 #555555"
dup = 0
do for [i=1:nc] { do for [j=1:nc] { if (clabel[i] ne clabel[j] && color(cscheme[i]) eq color(cscheme[j])) { dup = 1 } } }
nlab = 0
array lab1[nc]
do for [i=1:nc] {
  first = 1
  do for [j=1:i-1] { if (clabel[j] eq clabel[i]) { first = 0; col[i] = col[j] } }
  lab1[i] = first
  if (first) { nlab = nlab + 1; col[i] = dup ? word(pal, (nlab - 1) % 10 + 1) : color(cscheme[i]) }
}
# the curves of panel p, as a list of indices
ids(p) = (_s = "", sum [i=1:nc] (cpanel[i] == p ? (_s = _s.sprintf("%d ", i), 0) : 0), _s)

nr = hasratio + sum [q=1:nq] has[q]
# the ratio row's line of each quantity: solid, dotted, dash-dot, dashed, ...
rdt(q) = word("1 3 4 2 5 1", q) + 0
rdtname(q) = word("solid dotted dash-dot dashed dash-dot-dot solid", q)
rlw(q) = q == 1 ? 2.5 : 2
legpx = legw * 10.5 + 110 > 320 ? legw * 10.5 + 110 : 320
W = 140 + np * 560 + legpx
H = headpx(title, subtitle) + 75 + nr * 380
base(q) = 1 + (q - 1) * 7

do for [fmt in formats] {
  eval figure(fmt, W, H, 15)
  set termoption enhanced
  set datafile nocolumnheaders
  set multiplot layout nr, np margins 130.0 / W, 1 - (legpx + 20) / W, 90.0 / H, 1 - headpx(title, subtitle) / H spacing 95.0 / W, 115.0 / H
  eval headings(H)
  set mxtics
  row = 0
  do for [q=1:nq] {
    if (has[q]) {
      row = row + 1
      b = base(q)
      if (row == nr) { set xlabel xlabel } else { unset xlabel }
      if (logy[q]) { set logscale y; set format y "10^{%T}"; set yrange [ylo[q]:yhi[q]] } \
      else { unset logscale y; set format y "%g"; set yrange [0:yhi[q]] }
      do for [p=1:np] {
        set title qtitle[q].", ".pname[p] noenhanced
        set ylabel (p == 1 ? sprintf("%s%s", qlabel[q], logy[q] ? "  (log scale)" : "") : "") noenhanced
        unset key
        plot for [id in ids(p)] sprintf("$c%s", id) using 1:(column(b + 6)):(column(b + 7)) with filledcurves fs transparent solid 0.12 noborder lc rgb "#000000" notitle, \
             for [id in ids(p)] sprintf("$c%s", id) using 1:(column(b + 2)):(column(b + 3)) with filledcurves fs transparent solid 0.18 noborder lc rgb col[id + 0] notitle, \
             for [id in ids(p)] sprintf("$c%s", id) using 1:(column(b + 1)) with linespoints pi 4 ps 1.3 pt pt(cscheme[id + 0]) lw lw(cscheme[id + 0]) lc rgb col[id + 0] notitle, \
             for [id in ids(p)] sprintf("$c%s", id) using 1:(column(b + 4)) with lines dt (8,5) lw 1.8 lc rgb "#000000" notitle
        unset label 101
        unset label 102
      }
    }
  }
  if (hasratio) {
    set logscale y
    set format y "%g"
    set yrange [rlo:rhi]
    # round ratios when they stay within two decades, powers of ten beyond
    if (rhi / rlo <= 100) { set ytics ("0.01" 0.01, "0.1" 0.1, "0.25" 0.25, "0.5" 0.5, "1" 1, "2" 2, "4" 4, "10" 10, "100" 100) } \
    else { set ytics autofreq; set format y "10^{%T}" }
    set mytics 1
    set xlabel xlabel
    do for [p=1:np] {
      set title "measured / theory, ".pname[p] noenhanced
      set ylabel (p == 1 ? "ratio  (log scale)" : "")
      unset key
      plot 1 with lines lc rgb "#000000" lw 1 notitle, \
           for [q=1:nq] for [id in ids(p)] sprintf("$c%s", id) using 1:(column(base(q) + 5)) with lines lw rlw(q) dt rdt(q) lc rgb col[id + 0] notitle
    }
  }
  # the legend, alone in the right-hand column, as tall as the figure
  set lmargin at screen 1 - legpx / W
  set rmargin at screen 0.995
  set tmargin at screen 1 - headpx(title, subtitle) / H
  set bmargin at screen 90.0 / H
  unset border; unset tics; unset xlabel; unset ylabel; unset title; unset grid; unset logscale
  set xrange [0:1]; set yrange [0:1]
  set key at graph 0, graph 1 left top Left reverse samplen 2.5 spacing 1.25 noenhanced
  plot for [i=1:nc] NaN with linespoints ps 1.1 pt pt(cscheme[i]) lw lw(cscheme[i]) lc rgb col[i] title (lab1[i] ? clabel[i] : ""), \
       NaN with lines dt (8,5) lw 1.8 lc rgb "#000000" title (hastheory ? theorylabel : ""), \
       NaN with filledcurves fs transparent solid 0.18 noborder lc rgb "#777777" title (hasband ? bandlabel : ""), \
       NaN with filledcurves fs transparent solid 0.12 noborder lc rgb "#000000" title ((sum [q=1:nq] hasfw[q]) > 0 ? "finite-width theory" : ""), \
       NaN with lines lc rgb "#ffffff" title (hasratio ? " " : ""), \
       NaN with lines lc rgb "#ffffff" title (hasratio ? "measured / theory:" : ""), \
       for [q=1:nq] NaN with lines lw rlw(q) dt rdt(q) lc rgb "#555555" title (hasratio && has[q] ? qlabel[q].", ".rdtname(q) : "")
  unset multiplot
  unset output
}
