# Checks of drawn figures shared by tests/cli_plot.sh and tests/cli_checkplot.sh
# (sourced, not run): ImageMagick's identify and convert read the PNGs.

# png FILE MINW MINH: a PNG (signature) at least MINW x MINH pixels.
png() {
  [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || return 1
  set -- "$1" "$2" "$3" "$(identify -format '%w %h' "$1" 2>/dev/null)"
  w=${4% *} h=${4#* }
  [ "${w:-0}" -ge "$2" ] && [ "${h:-0}" -ge "$3" ]
}

# pixels FILE COLOUR: how many pixels of FILE are exactly COLOUR.
pixels() {
  convert "$1" -alpha off -fill white +opaque "$2" -fill black -opaque "$2" \
    -format '%[fx:round((1-mean)*w*h)]' info: 2>/dev/null || echo 0
}
