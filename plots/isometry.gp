# The isometry figure (Pennington, Schoenholz & Ganguli 2017, fig. 1): the
# density of the singular values of the input-output Jacobian J_l at several
# depths, Gaussian against orthogonal weights, for tanh at its critical point
# and ReLU at He scale (top row), and the variance of the squared singular
# values against depth beside the free-probability prediction (bottom row).
# From spectrum.tsv and spectrum_values.tsv.
# Usage: gnuplot -e "infile='results/isometry/spectrum.tsv'; outfile='results/isometry/isometry'" plots/isometry.gp
if (!exists("infile")) infile = "results/isometry/spectrum.tsv"
if (!exists("outfile")) outfile = "results/isometry/isometry"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
valfile = infile[1:strlen(infile)-12]."spectrum_values.tsv"
# the width and the trials, from the experiment file quoted in the table
width = cfg(infile, "width")
ntrials = cfg(infile, "trials")
# the four cells: (activation, scheme, label)
acts = "tanh tanh relu relu"
schemes = "variance_scaling:scale=1.0860262924996922,dist=normal orthogonal:gain=1.0421258525243926 he_normal orthogonal:gain=1.4142135623730951"
labels = "Gaussian orthogonal Gaussian orthogonal"
depths = system("awk -F'\t' '/^#/ {next} !h++ {next} !s[$4]++ {printf \"%s \", $4}' '".valfile."'")
nval(a, s, l) = system(sprintf("awk -F'\t' '$1 == \"%s\" && $2 == \"%s\" && $4 == %s' '%s' | wc -l", a, s, l, valfile)) + 0
vals(a, s, l) = sprintf("< awk -F'\t' '$1 == \"%s\" && $2 == \"%s\" && $4 == %s {print $6}' '%s'", a, s, l, valfile)
array NV[16]
dcolor(i) = word("#9ecae1 #4292c6 #08519c #08306b #000000", i)
scolor(i) = word("#d62728 #1f5fbf", i)

do for [fmt in formats] {
  eval figure(fmt, 1800, 1050, 13)
  set termoption enhanced
  set multiplot layout 2, 4 margins 0.05, 0.98, 0.07, 0.9 spacing 0.05, 0.12 title sprintf("Dynamical isometry: singular values of the input-output Jacobian J_l of %s-unit networks (%s trials)\ntop: their density at several depths; bottom: the variance of their squares against depth, measured (points, 95% interval) and free-probability theory (lines)", width, ntrials) font ",15"
  set xlabel "singular value of J_l"
  set ylabel "density"
  set xrange [0:3]
  set yrange [0:*]
  do for [i=1:4] {
    a = word(acts, i); s = word(schemes, i)
    set title sprintf("%s, %s weights", a, word(labels, i)) noenhanced
    set key top right title "depth l"
    # each value weighs 1/count, so that every curve has unit area
    do for [j=1:words(depths)] { NV[j] = nval(a, s, word(depths, j)) }
    plot for [j=1:words(depths)] vals(a, s, word(depths, j)) using 1:(1.0 / NV[j]) smooth kdensity bandwidth 0.04 with lines lw 2.5 lc rgb dcolor(j) title word(depths, j)
  }
  set logscale xy
  set xrange [1:*]
  set yrange [*:*]
  set format y "10^{%T}"
  set xlabel "layer l"
  set ylabel "Var of sv^2 over the spectrum"
  set key top left title ""
  do for [k=0:1] {
    a = word(acts, 2 * k + 1)
    set title sprintf("%s: variance of sv^2", a)
    plot for [i=2*k+1:2*k+2] cell(infile, a, word(schemes, i)) using "layer":(pos(column("sq_var_lo"))):"sq_var_hi" with filledcurves fs transparent solid 0.2 noborder lc rgb scolor(i - 2 * k) notitle, \
         for [i=2*k+1:2*k+2] cell(infile, a, word(schemes, i)) using "layer":"sq_var" with points pt 7 ps 0.9 lc rgb scolor(i - 2 * k) title word(labels, i), \
         for [i=2*k+1:2*k+2] cell(infile, a, word(schemes, i)) using "layer":"sq_var_theory" with lines dt (4,4) lw 2 lc rgb "#000000" notitle, \
         NaN with lines dt (4,4) lw 2 lc rgb "#000000" title "theory"
  }
  unset logscale
  set format y "%g"
  set xrange [1:*]
  set yrange [0:2]
  set ylabel "mean of sv^2 (theory χ_1^l = 1)"
  do for [k=0:1] {
    a = word(acts, 2 * k + 1)
    set title sprintf("%s: mean of sv^2", a)
    plot 1 with lines lc rgb "#000000" lw 1 notitle, \
         for [i=2*k+1:2*k+2] cell(infile, a, word(schemes, i)) using "layer":"sq_mean_lo":"sq_mean_hi" with filledcurves fs transparent solid 0.2 noborder lc rgb scolor(i - 2 * k) notitle, \
         for [i=2*k+1:2*k+2] cell(infile, a, word(schemes, i)) using "layer":"sq_mean" with lines lw 2 lc rgb scolor(i - 2 * k) title word(labels, i)
  }
  unset multiplot
  unset output
}
