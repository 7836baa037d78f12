# The coordinate check with SGD (see coordcheck.gp).
# Usage: gnuplot -e "infile='results/coordcheck_sgd/train_layers.tsv'; outfile='results/coordcheck_sgd/coordcheck_sgd'" plots/coordcheck_sgd.gp
if (!exists("infile")) infile = "results/coordcheck_sgd/train_layers.tsv"
if (!exists("outfile")) outfile = "results/coordcheck_sgd/coordcheck_sgd"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
optname = "SGD"
load plotdir."/coordcheck.gp"
