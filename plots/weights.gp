# The weights figure: what each preset draws for a layer of fans (512, 512),
# one small panel per scheme: the histogram of 200000 draws (initlab sample)
# beside the exact density (initlab sample --pdf), with He's N(0, 2/fan_in)
# drawn in every panel as a common yardstick.  The tables come from
# scripts/weights.sh.
# Usage: gnuplot -e "infile='results/weights/hist.tsv'; outfile='results/weights/weights'" plots/weights.gp
#   (pdffile and momfile default to pdf.tsv and moments.tsv beside infile)
if (!exists("infile")) infile = "results/weights/hist.tsv"
if (!exists("outfile")) outfile = "results/weights/weights"
dir = (strstrt(infile, "/") > 0) ? system(sprintf("dirname '%s'", infile)) : "."
if (!exists("pdffile")) pdffile = dir."/pdf.tsv"
if (!exists("momfile")) momfile = dir."/moments.tsv"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"

schemes = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {next} !seen[$1]++ {printf \"%%s \", $1}' '%s'", infile))
ns = words(schemes)
ncol = 3
nrow = int((ns + ncol - 1) / ncol)
fans = system(sprintf("awk '/^#/ && match($0, /fans \\([0-9]+, [0-9]+\\)/) {print substr($0, RSTART, RLENGTH); exit}' '%s'", infile))
fan_in = system(sprintf("awk '/^#/ && match($0, /fans \\([0-9]+,/) {s = substr($0, RSTART + 6, RLENGTH - 7); print s; exit}' '%s'", infile)) + 0
ndraws = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {next} {print $2; exit}' '%s'", momfile)) + 0
# rows of one scheme (with the header) of a table whose first column is the scheme
rows(f, s) = sprintf("< awk -F'\t' '!/^#/ && (!h++ || $1 == \"%s\")' '%s'", s, f)
mom(s, c) = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} $1 == \"%s\" {print $k[\"%s\"]; exit}' '%s'", s, c, momfile)) + 0
sdhe = sqrt(2.0 / fan_in)
hepdf(x) = exp(-x * x / (2 * sdhe**2)) / (sdhe * sqrt(2 * pi))
# the per-scheme colour of the shared style, the two truncated He variants told apart
col(s) = (strstrt(s, "correct=0") > 0) ? "#9467bd" : (strstrt(s, "truncated") > 0) ? "#f28e2b" : (s eq "tf1_contrib") ? "#e377c2" : color(s)
ymax = 1.1 * system(sprintf("awk -F'\t' '/^#/ {next} !h++ {next} $3 > m {m = $3} END {print m}' '%s'", pdffile))

do for [fmt in formats] {
  H = 480 * nrow + 200
  eval figure(fmt, 1500, H, 14)
  set termoption enhanced
  bot = 75.0 / H
  top = 1 - 170.0 / H
  set multiplot layout nrow, ncol margins 0.065, 0.99, bot, top spacing 0.06, 190.0 / H \
      title sprintf("What each initializer draws for a layer of %s: histogram of %d draws against the exact density.\nThe truncated normal without its correction promises He's variance but is visibly narrower (sd %.4f);\nPyTorch's default draws a third of LeCun's variance, a sixth of He's", fans, ndraws, mom("he_normal:dist=truncated_normal,correct=0", "sd")) font ",16"
  set xrange [-0.3:0.3]
  set xtics 0.1
  set mxtics 2
  set yrange [0:ymax]
  set xlabel "weight value W_{ij}"
  do for [i=1:ns] {
    s = word(schemes, i)
    set title sprintf("%s\nsd of the draws %.4f  (He: %.4f)", s, mom(s, "sd"), sdhe) noenhanced
    set ylabel ((i - 1) % ncol == 0 ? "density" : "")
    if (i == 1) { set key top left Left reverse samplen 2.5 spacing 1.1 noenhanced } else { unset key }
    plot rows(infile, s) using "center":"density" with boxes fs solid 0.35 noborder lc rgb col(s) title "histogram of the draws", \
         hepdf(x) with lines dt (6,4) lw 1.5 lc rgb "#666666" title "He's N(0, 2/fan_in), for reference", \
         rows(pdffile, s) using "x":"pdf" with lines lw 2.5 lc rgb "#000000" title "exact density (sample --pdf)"
  }
  unset multiplot
  unset output
}
