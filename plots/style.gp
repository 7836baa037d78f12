# Shared style for initlab's figures: tab-separated tables with a header row,
# readable in print and on a slide.  Every figure script draws each format
# of 'formats' (png and svg unless set; pdf through cairo) in a loop:
#   do for [fmt in formats] {
#     eval figure(fmt, WIDTH, HEIGHT, FONTSIZE)   # reset, terminal, output, this style
#     ...
#     unset output
#   }
# and reads the facts it quotes (depth, widths, trials, seed) from its table
# with the functions below, never from constants of its own.
formats = exists("formats") ? formats : "png svg"
plotdir = exists("plotdir") ? plotdir : "plots"
# The terminal of one format, sized in pixels (the PDF at 72 pixels an inch,
# so that the same font size keeps the same proportions).
term(fmt, w, h, fs) = (fmt eq "png") ? sprintf("set terminal pngcairo size %d, %d font 'DejaVu Sans,%d'", w, h, fs) : \
                      (fmt eq "svg") ? sprintf("set terminal svg size %d, %d font 'DejaVu Sans,%d' dynamic", w, h, fs) : \
                      sprintf("set terminal pdfcairo size %.3fin, %.3fin font 'DejaVu Sans,%d'", w / 72.0, h / 72.0, fs)
# Starts one format of a figure: nothing set for an earlier format leaks in.
figure(fmt, w, h, fs) = sprintf("reset; %s; set output outfile.'.%s'; load plotdir.'/style.gp'", term(fmt, w, h, fs), fmt)
# A number as m·10^{e} in enhanced text.
sci(x) = (_e = floor(log10(x)), sprintf("%.2g·10^{%d}", x / 10.0**_e, _e))

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
# The facts of an experiment, from a table's provenance: the text after
# "# KEY: " (meta(f, "seed")), and the value of "KEY = VALUE" in the
# experiment file quoted there (cfg(f, "width"), "" if the file has no such key).
meta(f, k) = system(sprintf("awk '/^# %s: / {sub(/^# %s: /, \"\"); print; exit}' '%s'", k, k, f))
cfg(f, k) = system(sprintf("awk '/^# \\| *%s *=/ {sub(/^# \\| *%s *= */, \"\"); sub(/ *#.*/, \"\"); print; exit}' '%s'", k, k, f))
# The seed, the first word of the seed line.
seedof(f) = word(meta(f, "seed"), 1)
# The largest value of column c over the rows of one cell (act a, scheme s).
cellmax(f, a, s, c) = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} $1 == \"%s\" && $2 == \"%s\" && (m == \"\" || $k[\"%s\"] + 0 > m) {m = $k[\"%s\"] + 0} END {print m}' '%s'", a, s, c, c, f)) + 0
# "width 512" or "widths 256 to 1024", from the fans of a summary or layers table.
widthsof(f) = system(sprintf("awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} {v[$k[\"fan_out\"] + 0]; if ($k[\"layer\"] == 1) v[$k[\"fan_in\"] + 0]} END {lo = \"\"; for (w in v) {if (lo == \"\" || w + 0 < lo) lo = w + 0; if (w + 0 > hi) hi = w + 0}; if (lo == hi) printf \"width %%d\", lo; else printf \"widths %%d to %%d\", lo, hi}' '%s'", f))
# The heading of initlab plot's figures: 'title' (19 pt) over 'subtitle'
# (13 pt), as labels 101 and 102 of a figure h pixels high; headpx, the
# pixels they take from the top (headpx(title, subtitle)).
nlines(s) = 1 + sum [i=1:strlen(s)] (s[i:i] eq "\n" ? 1 : 0)
# (A label of several lines is placed by its first line.)
headings(h) = sprintf("set label 101 title at screen 0.5, %.6f center font ',19' noenhanced; set label 102 subtitle at screen 0.5, %.6f center font ',13' noenhanced", \
                      1 - 34.0 / h, 1 - (38.0 + 30 * nlines(title)) / h)
headpx(t, s) = 92.0 + 30 * nlines(t) + 20 * nlines(s)
