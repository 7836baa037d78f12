# The SELU figure: the mean and the second moment of the activations through
# a deep SELU network (depth, width, trials and the input law read from the
# tables: 50 layers from inputs of variance 4 in the experiment), beside the
# mean-field theory, and
# the fixed point (0, 1) they converge to (Klambauer et al. 2017).
# From summary.tsv (and layers.tsv beside it for the mean).
# Usage: gnuplot -e "infile='results/selu/summary.tsv'; outfile='results/selu/selu'" plots/selu.gp
if (!exists("infile")) infile = "results/selu/summary.tsv"
if (!exists("outfile")) outfile = "results/selu/selu"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
lfile = infile[1:strlen(infile)-11]."layers.tsv"
schemes = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && !seen[$2]++ {printf \"%s \", $2}'")
# the mean of x_mean over trials, per layer, of one scheme
xmean(s) = sprintf("< awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; print \"layer\\tx_mean\"; next} $2 == \"%s\" {l = $k[\"layer\"] + 0; m[l] += $k[\"x_mean\"]; c[l]++; if (l > n) n = l} END {for (l = 1; l <= n; l++) printf \"%%d\\t%%.17g\\n\", l, m[l] / c[l]}' '%s'", s, lfile)

sc(i) = word("#1f5fbf #ff7f0e #2ca02c #d62728", i)
L = cellmax(infile, "selu", word(schemes, 1), "layer")
ntrials = cellval(infile, "selu", word(schemes, 1), 1, "trials")
inlaw = cfg(infile, "input")

do for [fmt in formats] {
  eval figure(fmt, 1400, 600, 13)
  set termoption enhanced
  set multiplot layout 1, 2 margins 0.07, 0.98, 0.12, 0.82 spacing 0.08 title sprintf("Self-normalization: %d SELU layers, %s, with Var(W) = 1/n, inputs %s.\nMeasured (solid, mean of %d trials) and mean-field theory (dashed) converge to the fixed point (mean 0, E[x^2] = 1)", L, widthsof(infile), strlen(inlaw) ? inlaw : "N(0, 1)", ntrials) font ",15" noenhanced
  set xlabel "layer l"
  set title "E[x_l^2] and Var(H_l)"
  set yrange [0.8:4.2]
  plot 1 with lines lc rgb "#000000" lw 1 notitle, \
       for [i=1:words(schemes)] cell(infile, "selu", word(schemes, i)) using "layer":"x_sq" with lines lw 2.5 lc rgb sc(i) title word(schemes, i)." E[x^2]", \
       for [i=1:words(schemes)] cell(infile, "selu", word(schemes, i)) using "layer":"h_var" with lines lw 1.5 dt (1,2) lc rgb sc(i) title word(schemes, i)." Var(H)", \
       for [s in schemes] cell(infile, "selu", s) using "layer":"x_sq_theory" with lines dt (4,4) lw 1.5 lc rgb "#000000" notitle
  set title "mean of x_l"
  set yrange [-0.1:0.4]
  plot 0 with lines lc rgb "#000000" lw 1 notitle, \
       for [i=1:words(schemes)] xmean(word(schemes, i)) using "layer":"x_mean" with lines lw 2.5 lc rgb sc(i) title word(schemes, i)
  unset multiplot
  unset output
}
