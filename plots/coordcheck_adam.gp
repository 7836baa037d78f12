# The coordinate check with Adam (see coordcheck.gp).
# Usage: gnuplot -e "infile='results/coordcheck_adam/train_layers.tsv'; outfile='results/coordcheck_adam/coordcheck_adam'" plots/coordcheck_adam.gp
if (!exists("infile")) infile = "results/coordcheck_adam/train_layers.tsv"
if (!exists("outfile")) outfile = "results/coordcheck_adam/coordcheck_adam"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
optname = "Adam"
load plotdir."/coordcheck.gp"
