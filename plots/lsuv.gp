# The LSUV figure: Var(H_l) through 50 ReLU and tanh layers for LSUV, He and
# orthogonal (gain 1), and the factor LSUV fitted to each layer in every trial,
# on a batch of 256 (lsuv.cfg) and of 4 (lsuv_batch4.cfg), beside the mean-field
# factor 1/sqrt(E[phi(z)^2]): sqrt(2) for ReLU, 1.5925 for tanh.
# From summary.tsv and layers.tsv of results/lsuv, and results/lsuv_batch4/layers.tsv.
# Usage: gnuplot -e "infile='results/lsuv/summary.tsv'; outfile='results/lsuv/lsuv'" plots/lsuv.gp
if (!exists("infile")) infile = "results/lsuv/summary.tsv"
if (!exists("outfile")) outfile = "results/lsuv/lsuv"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
if (!exists("formats")) formats = "png svg"
dir = infile[1:strlen(infile)-11]
lfile = dir."layers.tsv"
l4file = dir."../lsuv_batch4/layers.tsv"
schemes = "lsuv he_normal orthogonal"
sc(i) = word("#8c564b #d62728 #1f5fbf", i)

do for [fmt in formats] {
  eval figure(fmt, 1400, 600, 13)
  set termoption enhanced
  set multiplot layout 1, 2 margins 0.07, 0.98, 0.12, 0.82 spacing 0.08 title "LSUV (Mishkin and Matas 2016): 50 layers of 128 units, orthogonal base rescaled layer by layer on the batch.\nLeft: Var(H_l), mean of 10 trials (solid ReLU, dashed tanh). Right: the factor LSUV fitted per layer and trial" font ",15"
  set xlabel "layer l"
  set title "Var(H_l) on the batch of 256"
  set logscale y
  set format y "10^{%T}"
  set yrange [1e-16:10]
  set key bottom left
  plot for [i=1:3] cell(infile, "relu", word(schemes, i)) using "layer":"h_var" with lines lw 2.5 lc rgb sc(i) title "relu ".word(schemes, i), \
       for [i=1:3] cell(infile, "tanh", word(schemes, i)) using "layer":"h_var" with lines lw 2 dt (6,3) lc rgb sc(i) title "tanh ".word(schemes, i)
  unset logscale y
  set format y "%g"
  set title "LSUV's factor on W_l (dashed: mean field)"
  set yrange [1.1:1.9]
  set xrange [2:50]
  set key top right
  plot sqrt(2) with lines dt (4,4) lw 1.5 lc rgb "#000000" notitle, \
       1.5925374197228315 with lines dt (4,4) lw 1.5 lc rgb "#000000" notitle, \
       cell(l4file, "relu", "lsuv") using "layer":"lsuv_scale" with points pt 7 ps 0.5 lc rgb "#ff9896" title "relu, batch 4", \
       cell(l4file, "tanh", "lsuv") using "layer":"lsuv_scale" with points pt 7 ps 0.5 lc rgb "#aec7e8" title "tanh, batch 4", \
       cell(lfile, "relu", "lsuv") using "layer":"lsuv_scale" with points pt 7 ps 0.6 lc rgb "#d62728" title "relu, batch 256", \
       cell(lfile, "tanh", "lsuv") using "layer":"lsuv_scale" with points pt 7 ps 0.6 lc rgb "#1f5fbf" title "tanh, batch 256"
  unset multiplot
  unset output
}
