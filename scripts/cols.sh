# cols NAME[:NEWNAME]...: the named columns of a table on stdin (renamed
# where asked), its '#' lines kept and one added naming the command in $me;
# with $only set, only the rows whose first column is $only.  Sourced by the
# scripts that make a figure's tables from initlab's.
cols() {
  prog=${me%% *}
  awk -F'\t' -v want="$*" -v only="${only:-}" -v cmd="$me" -v prog="${prog##*/}" '
    /^#/ {print; next}
    !h++ {
      print "# columns picked by: " cmd
      n = split(want, w, " "); for (i = 1; i <= NF; i++) k[$i] = i
      for (i = 1; i <= n; i++) {
        m = split(w[i], p, ":"); w[i] = p[1]; name[i] = p[m]
        if (!(w[i] in k)) { print prog ": no column " w[i] > "/dev/stderr"; exit 1 }
      }
      line = name[1]; for (i = 2; i <= n; i++) line = line "\t" name[i]; print line; next
    }
    only != "" && $1 != only {next}
    {line = $k[w[1]]; for (i = 2; i <= n; i++) line = line "\t" $k[w[i]]; print line}'
}
