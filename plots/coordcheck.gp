# The coordinate check (Yang & Hu 2021; the mup package's coord_check): mean
# |x_l| of every layer (1 the input weights' output, 2 and 3 hidden, 'out'
# the read-out y) against width, log-log, after 0 to 3 training steps (one
# column a step), under the standard parametrization (top row) and muP
# (bottom row).  Dots: trials; lines: the mean over trials.  Flat lines mean
# the layer's scale does not depend on width.  Loaded by coordcheck_sgd.gp
# and coordcheck_adam.gp, with infile the muP run's train_layers.tsv; the
# standard run's is the folder's name + "_sp" beside it (or spfile).
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
if (!exists("spfile")) spfile = system(sprintf("d=$(dirname '%s'); echo \"${d}_sp/$(basename '%s')\"", infile, infile))
L = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" {print $4; exit}' '%s'", infile)) + 0
ntrials = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" && $5 + 1 > m {m = $5 + 1} END {print m}' '%s'", infile)) + 0
lcol(l) = l == 1 ? "#1f77b4" : l == 2 ? "#ff7f0e" : l == 3 ? "#2ca02c" : l == 4 ? "#9467bd" : "#000000"
lname(l) = l <= L ? sprintf("layer %d", l) : "output y"
# the mean over trials of mean|x| at step s, layer l, per width: rows "width mean"
means(f, s, l) = sprintf("< awk -F'\t' '!/^#/ && $1 != \"act\" && $6 == %d && $7 == %d {n[$3]++; m[$3] += $15} END {print \"width\\tmean\"; for (w in n) printf \"%%d\\t%%.17g\\n\", w, m[w] / n[w]}' '%s' | sort -n -s -k1,1", s, l, f)

do for [fmt in formats] {
  eval figure(fmt, 1700, 980, 13)
  set termoption enhanced
  set multiplot layout 2, 4 margins 0.07, 0.98, 0.08, 0.86 spacing 0.05, 0.09 \
      title sprintf("Coordinate check, %s: mean |x| of each layer against width after 0 to 3 steps (a ReLU MLP of %d layers and a read-out).\nTop: standard parametrization.  Bottom: muP (Yang et al. 2022, Table 3, base width 64).  Dots: %d trials; lines: their mean", optname, L, ntrials) font ",15"
  set logscale x 2
  set logscale y 10
  set format y "10^{%T}"
  set xtics (64, 128, 256, 512, 1024, 2048)
  set xrange [50:2600]
  set key top left Left reverse noenhanced samplen 1.5
  do for [row = 0:1] {
    f = row == 0 ? spfile : infile
    do for [s = 0:3] {
      set title sprintf("%s, step %d", row == 0 ? "standard" : "muP", s)
      set xlabel row == 1 ? "width" : ""
      set ylabel s == 0 ? "mean |x|  (log scale)" : ""
      if (s == 0) { set key top left Left reverse noenhanced samplen 1.5 } else { unset key }
      plot for [l = 1:L + 1] f using (($6 == s && $7 == l) ? $3 : NaN):15 with points pt 7 ps 0.5 lc rgb lcol(l) notitle, \
           for [l = 1:L + 1] means(f, s, l) using 1:2 with linespoints pt 7 ps 1 lw 2 lc rgb lcol(l) title lname(l)
    }
  }
  unset multiplot
  unset output
}
