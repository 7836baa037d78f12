# Shared style for initlab's figures: tab-separated tables with a header row,
# readable in print and on a slide.  Load after choosing the terminal.
set datafile separator tab
set datafile commentschars "#"
set key noenhanced
set termoption noenhanced
set grid lc rgb "#dddddd" lw 1
set border lw 1.2
set tics nomirror out
set mxtics
# Schemes keep one colour each across figures: naive scales grey/black,
# LeCun blue, Glorot green, He red; the uniform variant of each carries
# open circles; dashes are kept for theory.  LeCun is drawn wider than the
# rest, so that it shows beneath Glorot where the two coincide (square layers).
color(s) = (s[1:6] eq "normal" && strstrt(s, "std=1") > 0 && strlen(s) == 12) ? "#000000" : \
           (s[1:6] eq "normal") ? "#999999" : \
           (strstrt(s, "lecun") > 0) ? "#1f5fbf" : \
           (strstrt(s, "glorot") > 0 || strstrt(s, "xavier") > 0) ? "#2ca02c" : \
           (strstrt(s, "he_") > 0 || strstrt(s, "kaiming") > 0) ? "#d62728" : \
           (strstrt(s, "torch") > 0) ? "#ff7f0e" : \
           (strstrt(s, "tf1") > 0) ? "#9467bd" : "#8c564b"
pt(s) = (strstrt(s, "uniform") > 0) ? 6 : -1
lw(s) = (strstrt(s, "lecun") > 0) ? 6 : 2.5
set datafile columnheaders
# The rows of one cell (act a, scheme s) of a table, with its header line:
# plot cell(file, a, s) using "layer":"h_var" ...
cell(f, a, s) = sprintf("< awk -F'\t' '!/^#/ && (!h++ || ($1 == \"%s\" && $2 == \"%s\"))' '%s'", a, s, f)
# A lower band edge that a log axis can draw, or NaN.
pos(x) = x > 0 ? x : NaN
