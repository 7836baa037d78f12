# The Glorot & Bengio (2010) figure: their figures 6 and 7 side by side, and
# their eq. 14.  Five tanh layers of width 1000 in the experiment (the depth
# and width are read from the table); columns: the "standard"
# initialization U(+-1/sqrt(n)) (torch_linear) and the "normalized" one
# (glorot_uniform).  Row 1: density of the activations X_l per layer; row 2:
# density of the back-propagated gradients dL/dX_l per layer (a symmetric
# x-range shared by both panels); row 3: the variance of the weight gradients
# dL/dW_l against layer, measured and mean-field theory.
# From hist.tsv (histograms) and summary.tsv.
# Usage: gnuplot -e "infile='results/glorot2010/summary.tsv'; outfile='results/glorot2010/glorot2010'" plots/glorot2010.gp
#   (histfile defaults to the hist.tsv beside infile)
if (!exists("infile")) infile = "results/glorot2010/summary.tsv"
if (!exists("outfile")) outfile = "results/glorot2010/glorot2010"
if (!exists("histfile")) histfile = (strstrt(infile, "/") > 0) ? system(sprintf("dirname '%s'", infile))."/hist.tsv" : "hist.tsv"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"

act = "tanh"
SA = "torch_linear";   NA = "standard init U(±1/√n)  [torch\\_linear]"
SB = "glorot_uniform"; NB = "normalized init U(±√(6/(n_{in}+n_{out})))  [glorot\\_uniform]"
nl = cellmax(infile, act, SA, "layer")
width = widthsof(infile)
# one histogram: the rows of (scheme s, layer l, quantity q) with the header
hcell(s, q, l) = sprintf("< awk -F'\t' '!/^#/ && (!h++ || ($1 == \"%s\" && $2 == \"%s\" && $3 == %d && $4 == \"%s\"))' '%s'", act, s, l, q, histfile)
# the largest |value| binned for quantity q, and the largest density, over both schemes
hmax(q, c) = system(sprintf("awk -F'\t' '!/^#/ && !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} !/^#/ && $4 == \"%s\" && ($2 == \"%s\" || $2 == \"%s\") {v = $k[\"%s\"]; if (v < 0) v = -v; if (v > m) m = v} END {print m}' '%s'", q, SA, SB, c, histfile)) + 0
gxr = hmax("gx", "hi") > hmax("gx", "lo") ? hmax("gx", "hi") : hmax("gx", "lo")
gxr = ceil(gxr)
xtop = hmax("x", "density") * 1.08
gtop = hmax("gx", "density") * 1.08
# layer colours, light to dark
lc(l) = (_f = nl > 1 ? (l - 1.0) / (nl - 1) : 1, _f < 0.25 ? "#7ad151" : _f < 0.5 ? "#22a884" : _f < 0.75 ? "#2a788e" : _f < 1 ? "#414487" : "#440154")
# the numbers quoted in the titles
sdA1 = sqrt(cellval(infile, act, SA, 1, "gx_var")); sdA5 = sqrt(cellval(infile, act, SA, nl, "gx_var"))
sdB1 = sqrt(cellval(infile, act, SB, 1, "gx_var")); sdB5 = sqrt(cellval(infile, act, SB, nl, "gx_var"))
xA1 = sqrt(cellval(infile, act, SA, 1, "x_sq")); xA5 = sqrt(cellval(infile, act, SA, nl, "x_sq"))
xB1 = sqrt(cellval(infile, act, SB, 1, "x_sq")); xB5 = sqrt(cellval(infile, act, SB, nl, "x_sq"))
gwA = cellval(infile, act, SA, 1, "gw_var") / cellval(infile, act, SA, nl, "gw_var")
gwB = cellval(infile, act, SB, 1, "gw_var") / cellval(infile, act, SB, nl, "gw_var")

do for [fmt in formats] {
  eval figure(fmt, 1500, 1550, 14)
  set termoption enhanced
  set multiplot title sprintf("Glorot and Bengio (2010), figs. 6-7 and eq. 14, %d tanh layers of %s: with the standard init the activations\nshrink toward 0 going up and the gradients shrink going down; the normalized init keeps both closer to one scale", nl, width) font ",16"

  # rows 1 and 2: histograms, one curve per layer
  set ylabel "density"
  set yrange [0:*]
  do for [row=1:2] {
    q = (row == 1) ? "x" : "gx"
    if (row == 1) {
      set xrange [-1:1]; set xtics 0.5; set yrange [0:xtop]
      set xlabel "activation value X_l = tanh(H_l)"
      set tmargin at screen 0.905; set bmargin at screen 0.675
    } else {
      set xrange [-gxr:gxr]; set xtics 1; set yrange [0:gtop]
      set xlabel "back-propagated gradient dL/dX_l"
      set tmargin at screen 0.565; set bmargin at screen 0.335
    }
    do for [c=1:2] {
      s = (c == 1) ? SA : SB
      if (c == 1) { set lmargin at screen 0.07; set rmargin at screen 0.49 } else { set lmargin at screen 0.56; set rmargin at screen 0.98 }
      if (row == 1) {
        set title sprintf("activations, %s\nrms(X_l): %.3f at layer 1, %.3f at layer %d", (c == 1 ? NA : NB), (c == 1 ? xA1 : xB1), (c == 1 ? xA5 : xB5), nl)
      } else {
        set title sprintf("gradients, %s\nsd(dL/dX_l): %.3f at layer 1, %.3f at layer %d", (c == 1 ? NA : NB), (c == 1 ? sdA1 : sdB1), (c == 1 ? sdA5 : sdB5), nl)
      }
      if (c == 1 && row == 1) { set key top right Left reverse samplen 2.5 spacing 1.2 noenhanced title "same colours\nin every panel" } else { unset key }
      plot for [l=1:nl] hcell(s, q, l) using "center":"density" with lines lw 2.5 lc rgb lc(l) title sprintf("layer %d", l)
    }
  }

  # row 3: the weight gradients, eq. 14
  set lmargin at screen 0.07; set rmargin at screen 0.98
  set tmargin at screen 0.235; set bmargin at screen 0.055
  set title sprintf("eq. 14: the weight gradients' variance is nearly the same in every layer, whichever init (Var at layer 1 / layer %d: %.2f standard, %.2f normalized)", nl, gwA, gwB)
  set xrange [0.8:nl + 0.2]
  set xtics 1
  set mxtics 1
  set logscale y
  set yrange [1e-6:1e-3]
  set format y "10^{%T}"
  set xlabel "layer l"
  set ylabel "Var(dL/dW_l)  (log scale)"
  set key top right Left reverse samplen 2.5 spacing 1.1 noenhanced notitle maxrows 2 width -6
  plot for [s in SA." ".SB] cell(infile, act, s) using "layer":"gw_var" with linespoints ps 1.6 pt (s eq SA ? 5 : 7) lw 2.5 lc rgb color(s) title (s eq SA ? "standard init (torch_linear)" : "normalized init (glorot_uniform)"), \
       for [s in SA." ".SB] cell(infile, act, s) using "layer":"gw_var_theory" with lines dt (6,4) lw 1.5 lc rgb "#000000" notitle, \
       NaN with lines dt (6,4) lw 1.5 lc rgb "#000000" title "mean-field theory"
  unset multiplot
  unset output
}
