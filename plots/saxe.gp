# Saxe, McClelland & Ganguli (2014): the steps a deep linear network needs to
# bring its loss below a fixed level (thr, 0.05 in the experiment: a tenth
# of a zero output's loss), against depth, orthogonal weights against scaled
# Gaussian ones (lecun_normal); each trial a dot (drawn at the top, open,
# when it never got there), the median a line.  From train.tsv.
# Usage: gnuplot -e "infile='results/saxe/train.tsv'; outfile='results/saxe/saxe'" plots/saxe.gp
if (!exists("infile")) infile = "results/saxe/train.tsv"
if (!exists("outfile")) outfile = "results/saxe/saxe"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
if (!exists("thr")) thr = 0.05
load plotdir."/style.gp"

nsteps = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" && $6 > m {m = $6} END {print m}' '%s'", infile)) + 0
ntrials = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" && $5 + 1 > m {m = $5 + 1} END {print m}' '%s'", infile)) + 0
width = system(sprintf("awk -F'\t' '!/^#/ && $1 != \"act\" {print $3; exit}' '%s'", infile)) + 0
# rows "depth trial steps": the first step whose loss is below thr, or -1
hits(s) = sprintf("< awk -F'\t' '!/^#/ && $2 == \"%s\" {k = $4 \"\\t\" $5; if (!(k in h)) h[k] = -1; if (h[k] < 0 && $7 < %g) h[k] = $6} END {print \"depth\\ttrial\\tsteps\"; for (k in h) print k \"\\t\" h[k]}' '%s' | sort -n -s -k1,1", s, thr, infile)
# rows "depth median": the median over trials, counting a miss as beyond the run
med(s) = sprintf("< awk -F'\t' '!/^#/ && $2 == \"%s\" {k = $4 \"\\t\" $5; if (!(k in h)) h[k] = -1; if (h[k] < 0 && $7 < %g) h[k] = $6} END {for (k in h) {split(k, a, \"\\t\"); v = h[k] < 0 ? 1e9 : h[k]; print a[1] \"\\t\" v}}' '%s' | sort -k1,1n -k2,2n | awk -F'\t' '{d[NR] = $1; v[NR] = $2} END {print \"depth\\tmedian\"; i = 1; while (i <= NR) {j = i; while (j <= NR && d[j] == d[i]) j++; n = j - i; m = n %% 2 ? v[i + (n - 1) / 2] : (v[i + n / 2 - 1] + v[i + n / 2]) / 2; if (m < 1e9) print d[i] \"\\t\" m; i = j}}'", s, thr, infile)
S1 = "orthogonal"
S2 = "lecun_normal"

do for [fmt in formats] {
  eval figure(fmt, 1350, 760, 14)
  set termoption enhanced
  set title sprintf("Deep linear networks of width %d, gradient descent with the learning rate divided by the number of layers:\nsteps to bring the loss below %g, against depth (Saxe et al. 2014).  Dots: %d trials; open at the top: not within %d steps", width, thr, ntrials, nsteps) font ",15"
  set logscale x 2
  set xrange [0.8:90]
  set xlabel "depth L (hidden layers; the read-out adds one)"
  set ylabel sprintf("steps until loss < %g", thr)
  set yrange [0:nsteps * 1.12]
  set key top left Left reverse noenhanced
  set arrow 1 from graph 0, first nsteps to graph 1, first nsteps nohead dt 3 lc rgb "#888888"
  plot hits(S1) using 1:($3 >= 0 ? $3 : NaN) with points pt 7 ps 1.1 lc rgb "#1f5fbf" notitle, \
       hits(S1) using 1:($3 < 0 ? nsteps * 1.05 : NaN) with points pt 6 ps 1.4 lc rgb "#1f5fbf" notitle, \
       hits(S2) using ($1 * 1.06):($3 >= 0 ? $3 : NaN) with points pt 7 ps 1.1 lc rgb "#d62728" notitle, \
       hits(S2) using ($1 * 1.06):($3 < 0 ? nsteps * 1.05 : NaN) with points pt 6 ps 1.4 lc rgb "#d62728" notitle, \
       med(S1) using 1:2 with lines lw 2.5 lc rgb "#1f5fbf" title "orthogonal: median", \
       med(S2) using ($1 * 1.06):2 with lines lw 2.5 lc rgb "#d62728" title "lecun_normal (Var(W) = 1/n): median"
  unset output
}
