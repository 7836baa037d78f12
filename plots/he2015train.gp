# He et al. (2015), fig. 3, as a training run: the loss of every trial of a
# deep ReLU network against the SGD step, Xavier (glorot_normal, green)
# against He (he_normal, red), at each depth the experiment lists (22 and 30
# layers), log scale.  From train.tsv.
# Usage: gnuplot -e "infile='results/he2015train/train.tsv'; outfile='results/he2015train/he2015train'" plots/he2015train.gp
if (!exists("infile")) infile = "results/he2015train/train.tsv"
if (!exists("outfile")) outfile = "results/he2015train/he2015train"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"

SX = "glorot_normal"
SH = "he_normal"
depths = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" {d[$4]} END {for (k in d) print k}' '%s' | sort -n | tr '\\n' ' '", infile))
ntrials = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" && $5 + 1 > m {m = $5 + 1} END {print m}' '%s'", infile)) + 0
nsteps = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" && $6 > m {m = $6} END {print m}' '%s'", infile)) + 0
width = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" {print $3; exit}' '%s'", infile)) + 0
# the geometric mean over trials of loss[last] / loss[0] (what the claims test), per scheme and depth
ratio(s, d) = system(sprintf("awk -F'\t' '!/^#/ && $2 == \"%s\" && $4 == %d {if ($6 == 0) a[$5] = $7; if ($6 == %d) b[$5] = $7} END {n = 0; for (t in a) {m += log(b[t] / a[t]); n++}; printf \"%%.3g\", exp(m / n)}' '%s'", s, d, nsteps, infile))
nd = words(depths)

do for [fmt in formats] {
  eval figure(fmt, 700 * nd + 100, 760, 14)
  set termoption enhanced
  set multiplot layout 1, nd margins 0.08, 0.98, 0.12, 0.8 spacing 0.07, 0.1 \
      title sprintf("Deep ReLU networks of width %d trained by SGD (momentum 0.9) on one batch of a linear teacher:\nXavier's initialization (n Var(W) = 1) does not learn, He's (n Var(W) = 2) does.  Each line is one of %d trials", width, ntrials) font ",16"
  set logscale y
  set format y "10^{%T}"
  set xlabel "SGD step"
  set ylabel "loss  (log scale)"
  set key bottom left Left reverse noenhanced
  do for [i = 1:nd] {
    D = word(depths, i) + 0
    set title sprintf("%d layers: loss[%d] / loss[0] = %s (Xavier), %s (He), geometric means", D, nsteps, ratio(SX, D), ratio(SH, D))
    plot for [t = 0:ntrials - 1] infile using ((strcol(2) eq SX && $4 == D && $5 == t) ? $6 : NaN):7 with lines lw 1.5 lc rgb color(SX) notitle, \
         for [t = 0:ntrials - 1] infile using ((strcol(2) eq SH && $4 == D && $5 == t) ? $6 : NaN):7 with lines lw 1.5 lc rgb color(SH) notitle, \
         NaN with lines lw 3 lc rgb color(SX) title "glorot_normal (Xavier)", \
         NaN with lines lw 3 lc rgb color(SH) title "he_normal"
  }
  unset multiplot
  unset output
}
