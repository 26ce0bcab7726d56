# SPDX-License-Identifier: GPL-2.0-only
# common.gp - terminal, fonts and the multiplot frame shared by every plot.
# Set by the caller (scripts/cowbench_results.py run_gnuplot):
#   params   the generated parameter file (panels, series, layout, titles)
#   outfile  fmt ("png" | "svg" | "png-small")  width height (pixels)
#   gpdir    (this folder)
# Time axes are in seconds with SI-prefixed ticks ("%.0s %cs": 100 ns,
# 10 µs); the y label names the quantity.
# Data: one CSV per (panel, series), <datadir>/p<P>_s<S>.csv, columns
#   x, y, y_lo, y_hi[, label]  (y_lo/y_hi: the 95% CI; equal to y when none)
load params
if (fmt eq "svg") {
	set terminal svg size width, height dynamic font "Sans,11" background "white"
}
if (fmt eq "png-small") {
	# libgd: a palette PNG, a third of the size, for committing (docs/)
	set terminal png size width, height font "DejaVuSans,9" background "white"
}
if (fmt eq "png") {
	set terminal pngcairo size width, height font "Sans,10" background "white"
}
set output outfile
set termoption noenhanced
set encoding utf8
set micro
set datafile separator comma
set datafile missing "NaN"
set grid xtics ytics lt 1 lc rgb "#d4d4d4" lw 0.8
set border 3 lc rgb "#404040"
set tics nomirror out scale 0.6
set key noautotitle
set multiplot title figtitle font ",12"
