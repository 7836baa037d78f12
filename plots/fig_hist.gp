# The histogram figure of 'initlab plot', from hist.tsv: one row of panels
# per cell (activation, scheme, ...), one column per quantity (H_l, X_l,
# dL/dX_l), one curve per histogrammed layer, light to dark with depth.
# Not run by hand: 'initlab plot' writes the datablocks $hC_Q_L (columns:
# bin center, density) and the variables read below, then loads this.
load plotdir."/style.gp"

W = 120 + nq * 520 + 190
H = headpx(title, subtitle) + 70 + ncell * 330
# layer colours along a viridis-like ramp, light (first) to dark (last)
lfrac(l) = nl > 1 ? (l - 1.0) / (nl - 1) : 1

do for [fmt in formats] {
  eval figure(fmt, W, H, 15)
  set termoption enhanced
  set datafile nocolumnheaders
  set palette defined (0 "#b5de2b", 0.35 "#35b779", 0.65 "#31688e", 1 "#440154")
  unset colorbox
  set multiplot layout ncell, nq margins 110.0 / W, 1 - 210.0 / W, 85.0 / H, 1 - headpx(title, subtitle) / H spacing 80.0 / W, 105.0 / H
  eval headings(H)
  do for [c=1:ncell] {
    do for [q=1:nq] {
      set title cname[c].":  ".qname[q] noenhanced
      set ylabel (q == 1 ? "density" : "")
      set xlabel (c == ncell ? "value" : "")
      m = ymax[(c - 1) * nq + q]
      if (m == m) { set yrange [0:m] } else { set yrange [0:*] }
      if (c == 1 && q == nq) {
        set key at screen 1 - 200.0 / W, 1 - headpx(title, subtitle) / H left top Left reverse samplen 2 spacing 1.2 noenhanced title "layer"
      } else { unset key }
      plot for [l=1:nl] sprintf("$h%d_%d_%d", c, q, l) using 1:2 with lines lw 2.5 lc palette frac lfrac(l) title (c == 1 && q == nq ? lname[l] : "")
      unset label 101
      unset label 102
    }
  }
  unset multiplot
  unset output
}
