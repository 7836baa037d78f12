# The activations figure: Var(H_l) (top row), Var(dL/dX_l) (middle row) and
# both as measured/theory (bottom row) against depth for each modern activation, under He, LeCun, the activation's
# exact gain 1/sqrt(E[phi(z)^2]) and NFNets' gamma 1/sqrt(Var phi(z)), measured
# (solid, mean over trials) beside mean-field theory (dashed).  Activations,
# schemes, depth and trials come from summary.tsv; which scheme is an
# activation's exact gain or gamma comes from 'initlab theory --act A --gain'
# (INITLAB, default build/initlab), matched to the gain in the scheme's name.
# Usage: gnuplot -e "infile='results/activations/summary.tsv'; outfile='results/activations/activations'" plots/activations.gp
if (!exists("infile")) infile = "results/activations/summary.tsv"
if (!exists("outfile")) outfile = "results/activations/activations"
if (!exists("plotdir")) plotdir = system(sprintf("dirname '%s'", ARG0))
load plotdir."/style.gp"
initlab = system("echo ${INITLAB:-build/initlab}")
acts = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && !seen[$1]++ {printf \"%s \", $1}'")
schemes = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && !seen[$2]++ {printf \"%s \", $2}'")
depth = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR>1 && $3 > m {m = $3} END {print m}'") + 0
ntrials = system("grep -v '^#' '".infile."' | awk -F'\t' 'NR==1 {for (i = 1; i <= NF; i++) if ($i == \"trials\") c = i; next} {print $c; exit}'") + 0
na = words(acts)
# A scheme's gain: the number after "gain=", 1 if none.
gainof(s) = (strstrt(s, "gain=") > 0) ? s[strstrt(s, "gain=") + 5:] + 0 : 1
# Column c ("gain_second" or "gamma") of 'initlab theory --act a --gain'.
exact(a, c) = system(sprintf("'%s' theory --act '%s' --gain 2>/dev/null | awk -F'\t' '/^#/ {next} !h++ {for (i = 1; i <= NF; i++) k[$i] = i; next} {print $k[\"%s\"]}'", initlab, a, c)) + 0
# The role of scheme s for activation a: he, lecun, exact, gamma or "" (not drawn).
role(a, s, g2, gm) = (s eq "he_normal") ? "he" : (s eq "lecun_normal") ? "lecun" : \
                     (abs(gainof(s) - g2) < 1e-6) ? "exact" : (abs(gainof(s) - gm) < 1e-6) ? "gamma" : ""
rcolor(r) = (r eq "he") ? "#d62728" : (r eq "lecun") ? "#1f5fbf" : (r eq "exact") ? "#ff7f0e" : "#9467bd"
rtitle(r) = (r eq "he") ? "He (gain sqrt 2)" : (r eq "lecun") ? "LeCun (gain 1)" : \
            (r eq "exact") ? "exact gain 1/sqrt E[phi(z)^2]" : "NFNets gamma 1/sqrt Var phi(z)"

# the schemes drawn for each activation and their roles, as word lists
array dsch[na]
array drole[na]
do for [i=1:na] {
  a = word(acts, i)
  g2 = exact(a, "gain_second")
  gm = exact(a, "gamma")
  dsch[i] = ""
  drole[i] = ""
  do for [s in schemes] { r = role(a, s, g2, gm); if (strlen(r) > 0) { dsch[i] = dsch[i].s." "; drole[i] = drole[i].r." " } }
}

do for [fmt in formats] {
  eval figure(fmt, 420*na+320, 1250, 13)
  set multiplot layout 3, na margins 0.06, 0.86, 0.06, 0.91 spacing 0.05, 0.09 \
      title sprintf("Modern activations through %d layers without bias: measured (solid, mean of %d trials) and mean-field theory (dashed)", depth, ntrials) font ",15"
  set logscale y
  set format y "10^{%T}"
  set termoption enhanced
  set yrange [1e-30:1e30]
  set xrange [0:depth]
  set xlabel "layer l"
  do for [i=1:na] {
    a = word(acts, i)
    set title "forward, ".a
    set ylabel (i == 1 ? "Var(H_l)  (log scale)" : "")
    if (i == na) { set key at screen 0.995, 0.8 Left reverse samplen 2 } else { unset key }
    S = dsch[i]
    R = drole[i]
    plot for [j=1:words(S)] cell(infile, a, word(S, j)) using "layer":"h_var" with lines lw 2.5 lc rgb rcolor(word(R, j)) title rtitle(word(R, j)), \
         for [j=1:words(S)] cell(infile, a, word(S, j)) using "layer":"h_var_theory" with lines dt (4,4) lw 1.5 lc rgb "#000000" notitle, \
         NaN with lines lw 2.5 lc rgb rcolor("gamma") title (strstrt(R, "gamma") ? "" : rtitle("gamma")), \
         NaN with lines dt (4,4) lw 1.5 lc rgb "#000000" title "mean-field theory"
  }
  do for [i=1:na] {
    a = word(acts, i)
    set title "backward, ".a
    set ylabel (i == 1 ? "Var(dL/dX_l)  (log scale)" : "")
    unset key
    S = dsch[i]
    R = drole[i]
    plot for [j=1:words(S)] cell(infile, a, word(S, j)) using "layer":"gx_var" with lines lw 2.5 lc rgb rcolor(word(R, j)) notitle, \
         for [j=1:words(S)] cell(infile, a, word(S, j)) using "layer":"gx_var_theory" with lines dt (4,4) lw 1.5 lc rgb "#000000" notitle
  }
  # bottom row: how far each measurement drifts from its prediction
  set yrange [0.01:100]
  set format y "%g"
  set ytics (0.01, 0.1, 1, 10, 100)
  do for [i=1:na] {
    a = word(acts, i)
    set title "measured / theory, ".a
    set ylabel (i == 1 ? "ratio (log scale)" : "")
    if (i == na) { set key at screen 0.995, 0.25 Left reverse samplen 2 } else { unset key }
    S = dsch[i]
    R = drole[i]
    plot 1 with lines lc rgb "#000000" lw 1 notitle, \
         for [j=1:words(S)] cell(infile, a, word(S, j)) using "layer":"h_var_ratio" with lines lw 2 lc rgb rcolor(word(R, j)) notitle, \
         for [j=1:words(S)] cell(infile, a, word(S, j)) using "layer":"gx_var_ratio" with lines lw 1.5 dt (1,2) lc rgb rcolor(word(R, j)) notitle, \
         NaN with lines lw 2 lc rgb "#555555" title "Var(H_l)", \
         NaN with lines lw 1.5 dt (1,2) lc rgb "#555555" title "Var(dL/dX_l)"
  }
  unset multiplot
  unset output
}
