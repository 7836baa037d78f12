# The figure of 'initlab check --plot': one weight tensor's histogram (as a
# density, grey bars) against the exact density of the law it is expected to
# follow (blue, solid) and of the law that fits it best (red, dashed).  A
# point mass is a vertical line at its value.
# Not run by hand: 'initlab check --plot' writes the datablocks $hist
# (bin center, density), $expect and $best (x, density) and the variables
# read below, then loads this.  The y axis leaves room above the tallest
# bar or curve for the key.
load plotdir."/style.gp"

W = 1100
H = headpx(title, subtitle) + 560

do for [fmt in formats] {
  eval figure(fmt, W, H, 15)
  set datafile nocolumnheaders
  set lmargin at screen 110.0 / W
  set rmargin at screen 1 - 40.0 / W
  set bmargin at screen 80.0 / H
  set tmargin at screen 1 - headpx(title, subtitle) / H
  eval headings(H)
  set xlabel "weight"
  set ylabel "density"
  set xrange [xlo:xhi]
  if (ytop > 0) { set yrange [0:ytop] } else { set yrange [0:*] }
  set key top right noenhanced box opaque samplen 3 spacing 1.3
  set style fill solid 1.0 noborder
  set boxwidth binw absolute
  pc = "$hist using 1:2 with boxes lc rgb '#c4c4c4' title histname"
  if (hasexp) { pc = pc.", $expect using 1:2 with lines lw 3.5 lc rgb '#1f5fbf' title expname" }
  if (hasbest) { pc = pc.", $best using 1:2 with lines lw 3.5 dt (12, 8) lc rgb '#d62728' title bestname" }
  eval "plot ".pc
  unset output
}
