# The criticality figure: chi_1, the per-layer factor on the gradient variance
# of a deep tanh network at its fixed point, against sigma_w2 = n Var(W)
# (sigma_b2 = 0.05): mean-field theory (line) and the factor measured between
# layers 10 and 50 of the criticality experiment (points, bars from the
# smallest to the largest trial), with chi_1 = 1 and the critical sigma_w2.
# The tables come from scripts/criticality.sh.
# Usage: gnuplot -e "infile='results/criticality/chi.tsv'; outfile='results/criticality/criticality'" plots/criticality.gp
#   (pointsfile and critfile default to chi_measured.tsv and critical.tsv beside infile)
if (!exists("infile")) infile = "results/criticality/chi.tsv"
if (!exists("outfile")) outfile = "results/criticality/criticality"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
dir = (strstrt(infile, "/") > 0) ? system(sprintf("dirname '%s'", infile)) : "."
if (!exists("pointsfile")) pointsfile = dir."/chi_measured.tsv"
if (!exists("critfile")) critfile = dir."/critical.tsv"
col(f, c) = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} {print $k[\"%s\"]; exit}' '%s'", c, f))
scrit = col(critfile, "sigma_w2_crit") + 0
sb2 = col(critfile, "sigma_b2") + 0
qcrit = col(critfile, "q_star") + 0
act = col(critfile, "act")
# the facts of the run, from the experiment's summary.tsv: the layers the
# measured factor spans (its claim 'rate gx_var[A..B]'), the width, the trials
sumfile = dir."/summary.tsv"
rng = system(sprintf("awk 'match($0, /rate gx_var\\[[0-9]+\\.\\.[0-9]+\\]/) {s = substr($0, RSTART + 12, RLENGTH - 13); sub(/\\.\\./, \" \", s); print s; exit}' '%s'", sumfile))
la = word(rng, 1) + 0
lb = word(rng, 2) + 0
ntrials = cellval(sumfile, act, system(sprintf("awk -F'\t' '!/^#/ && h++ {print $2; exit}' '%s'", sumfile)), 1, "trials")
widths = widthsof(sumfile)

do for [fmt in formats] {
  eval figure(fmt, 1200, 850, 14)
  set termoption enhanced
  set title sprintf("The edge of chaos of a deep %s network (σ_b^2 = %g): the gradient's per-layer factor χ_1\ncrosses 1 at σ_w^2 = %.3f.  Mean-field theory (line) and measured through layers %d-%d, %s (points)", act, sb2, scrit, la, lb, widths) font ",15"
  set xrange [0.8:4.2]
  set yrange [0.6:1.45]
  set xtics 0.5
  set mxtics 5
  set ytics 0.1
  set mytics 2
  set xlabel "σ_w^2 = n Var(W)   (weight variance times fan-in)"
  set ylabel "χ_1, per-layer factor on Var(dL/dX_l)  (going down)"
  set object 1 rectangle from graph 0, graph 0 to first scrit, first 1 fc rgb "#1f5fbf" fs transparent solid 0.07 noborder behind
  set object 2 rectangle from first scrit, first 1 to graph 1, graph 1 fc rgb "#d62728" fs transparent solid 0.07 noborder behind
  set arrow 1 from scrit, graph 0 to scrit, graph 1 nohead lw 1.5 dt (8,4) lc rgb "#555555"
  set label 1 "ordered\n(gradients vanish)" at 1.0, 0.69 left font ",16" tc rgb "#1f5fbf"
  set label 2 "chaotic\n(gradients explode)" at scrit + 0.1, 1.39 left font ",16" tc rgb "#d62728"
  set label 3 sprintf("critical σ_w^2 = %.3f\n(fixed point q* = %.3f)", scrit, qcrit) at scrit + 0.06, 0.955 left
  set key bottom right Left reverse samplen 2.5 spacing 1.7 enhanced opaque box lc rgb "#cccccc"
  plot 1 with lines lw 1.5 lc rgb "#000000" title "χ_1 = 1: gradients keep scale", \
       infile using "sigma_w2":"chi1_theory" with lines lw 2.5 dt (6,4) lc rgb "#000000" title "mean-field theory σ_w^2 E[tanh'(√q* z)^2]", \
       pointsfile using "sigma_w2":"chi1_measured":"chi1_trial_min":"chi1_trial_max" with yerrorbars pt 7 ps 1.6 lw 2 lc rgb "#8c564b" title sprintf("measured (Var(dL/dX_{%d}) / Var(dL/dX_{%d}))^{1/%d}\n(bars: range over the %d trials)", la, lb, lb - la, ntrials), \
       pointsfile using "sigma_w2":"chi1_measured":(sprintf("%.3f", column("chi1_measured"))) with labels offset char 0.8, char -0.9 left font ",12" tc rgb "#8c564b" notitle
  unset object 1
  unset object 2
  unset arrow 1
  unset label 1
  unset label 2
  unset label 3
  unset output
}
