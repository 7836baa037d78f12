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
# One number of a table: column c of the row (act a, scheme s, layer l), or NaN.
# cellval(file, "relu", "he_normal", 20, "h_var")
cellval(f, a, s, l, c) = (_v = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} $1 == \"%s\" && $2 == \"%s\" && $3 == %d {print $k[\"%s\"]; exit}' '%s'", a, s, l, c, f)), strlen(_v) > 0 ? _v + 0 : NaN)
# The per-layer factor (Q[l2] / Q[l1])^(1/(l2 - l1)) of column c.
rate(f, a, s, c, l1, l2) = (cellval(f, a, s, l2, c) / cellval(f, a, s, l1, c)) ** (1.0 / (l2 - l1))
# The smallest and largest value over trials of column q of layers.tsv, per
# layer of the cell (act a, scheme s), as columns layer lo hi: a band that a
# log axis can draw (a t interval over 3 trials often reaches below zero).
trials(f, a, s, q) = sprintf("< awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; print \"layer\\tlo\\thi\"; next} $1 == \"%s\" && $2 == \"%s\" {l = $k[\"layer\"] + 0; v = $k[\"%s\"] + 0; if (!(l in lo) || v < lo[l]) lo[l] = v; if (!(l in hi) || v > hi[l]) hi[l] = v; if (l > n) n = l} END {for (l = 1; l <= n; l++) if (l in lo) printf \"%%d\\t%%.17g\\t%%.17g\\n\", l, lo[l], hi[l]}' '%s'", a, s, q, f)
# layers.tsv beside a summary.tsv
layersof(f) = (strlen(f) >= 11 && f[strlen(f)-10:] eq "summary.tsv") ? f[1:strlen(f)-11]."layers.tsv" : f
