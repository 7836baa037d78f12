# The phase diagram of 'initlab plot', from a summary.tsv whose sigma_b2 key
# column has several values: for each cell, the gradient's per-layer factor
# chi_1 measured (left) and from the mean-field theory columns (right), over
# the grid (sigma_w2, sigma_b2), one row of panels per activation; colour on
# a log scale centred at chi_1 = 1 (blue ordered, red chaotic), each cell
# labelled with its value when the grid is small enough to read.
# Not run by hand: 'initlab plot' writes the datablocks $phP (columns:
# sigma_w2, sigma_b2, ln chi_1 measured, ln chi_1 theory, chi_1 measured,
# chi_1 theory) and the variables read below, then loads this.
load plotdir."/style.gp"

ncol = hastheory ? 2 : 1
W = 130 + ncol * 640 + (ncol - 1) * 100 + 120
H = headpx(title, subtitle) + 80 + np * 520

do for [fmt in formats] {
  eval figure(fmt, W, H, 15)
  set termoption enhanced
  set datafile nocolumnheaders
  set palette defined (-1 "#1f5fbf", 0 "#f7f7f7", 1 "#d62728")
  set cbrange [-cbmax:cbmax]
  set cbtics ("0.1" log(0.1), "0.25" log(0.25), "0.5" log(0.5), "0.6" log(0.6), "0.7" log(0.7), "0.8" log(0.8), "0.9" log(0.9), "1" 0, \
              "1.1" log(1.1), "1.25" log(1.25), "1.5" log(1.5), "2" log(2), "4" log(4), "10" log(10))
  set multiplot layout np, ncol margins 130.0 / W, 1 - 120.0 / W, 90.0 / H, 1 - headpx(title, subtitle) / H spacing 250.0 / W, 120.0 / H
  eval headings(H)
  set xlabel "σ_w^2 = fan_{in} Var(W)"
  set ylabel "σ_b^2"
  set grid noxtics noytics
  unset key
  do for [p=1:np] {
    set title sprintf("chi_1 measured, %s", pname[p]) noenhanced
    plot sprintf("$ph%d", p) using 1:2:($1 - dx[p]):($1 + dx[p]):($2 - dy[p]):($2 + dy[p]):3 with boxxyerror fs solid 1 noborder lc palette, \
         sprintf("$ph%d", p) using 1:2:(sprintf("%.2f", $5)) with labels font ",10" tc rgb "#333333"
    unset label 101
    unset label 102
    if (hastheory) {
      set title sprintf("chi_1 in mean-field theory, %s", pname[p]) noenhanced
      plot sprintf("$ph%d", p) using 1:2:($1 - dx[p]):($1 + dx[p]):($2 - dy[p]):($2 + dy[p]):4 with boxxyerror fs solid 1 noborder lc palette, \
           sprintf("$ph%d", p) using 1:2:(sprintf("%.2f", $6)) with labels font ",10" tc rgb "#333333"
    }
  }
  unset multiplot
  unset output
}
