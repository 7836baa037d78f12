# The claims figure of 'initlab plot', from claims.tsv: a row per claim, its
# interval [lo, hi] drawn as the band from 0 to 1 and the measured value (a
# bar from the smallest to the largest layer for an 'all' claim) placed on
# that scale, green when the claim holds, red when it fails; the claim's text
# on the left, the numbers on the right.
# Not run by hand: 'initlab plot' writes the datablock $claims (columns: row,
# measured min and max on the interval's scale, 1 if it holds) and the arrays
# ctext, cval, cpass, then loads this.
load plotdir."/style.gp"

W = 1850
H = headpx(title, subtitle) + 100 + n * 46
ok = "#2ca02c"
bad = "#d62728"

do for [fmt in formats] {
  eval figure(fmt, W, H, 15)
  set datafile nocolumnheaders
  set lmargin at screen 0.42
  set rmargin at screen 0.70
  set tmargin at screen 1 - headpx(title, subtitle) / H
  set bmargin at screen 75.0 / H
  eval headings(H)
  set xrange [-0.8:1.8]
  set yrange [n + 0.7:0.3]
  set xtics ("lo" 0, "hi" 1, "" 0.5) scale 0
  unset ytics
  unset mxtics
  set grid noxtics noytics
  set border 1
  set xlabel "measured value on the scale of the claim's interval (lo = 0, hi = 1; clipped at -0.75 and 1.75)"
  do for [i=1:n] {
    set label 200 + 2 * i ctext[i] at graph 0, first i right offset char -1, 0 noenhanced font ",13"
    set label 201 + 2 * i cval[i].(cpass[i] ? "   holds" : "   FAILS") at graph 1, first i left offset char 1, 0 noenhanced font ",13" tc rgb (cpass[i] ? ok : bad)
  }
  unset key
  plot $claims using (0.5):1:(0):(1):($1 - 0.3):($1 + 0.3) with boxxyerror fs solid 0.25 noborder lc rgb "#888888", \
       $claims using ($2 == $3 ? $2 : NaN):1:($4 > 0.5 ? 0x2ca02c : 0xd62728) with points pt 7 ps 2 lc rgb variable, \
       $claims using ($2 == $3 ? NaN : $2):1:($3 - $2):(0):($4 > 0.5 ? 0x2ca02c : 0xd62728) with vectors nohead lw 8 lc rgb variable
  unset output
}
