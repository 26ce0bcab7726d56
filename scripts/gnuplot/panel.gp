# SPDX-License-Identifier: GPL-2.0-only
# panel.gp - one panel (index p) of a figure; loaded once per panel.
# Series ids with data in this panel, by how they are drawn:
#   p_err_P   median with CI error bars      p_band_P  median with a CI band
#   p_lp_P    line with points, no CI        p_line_P  plain line (fits)
#   p_pts_P   points with CI error bars, no line (scatter)
#   p_lab_P   a point with a text label (column 5)
# p_vlines_P: x positions of dotted vertical lines, each topped by p_vlabel_P.
ps(name) = value(sprintf("p_%s_%d", name, p))
f(s) = sprintf("%s/p%d_s%s.csv", datadir, p, s)
set lmargin at screen ps("l"); set rmargin at screen ps("r")
set bmargin at screen ps("b"); set tmargin at screen ps("t")
set title ps("title") font ",11"
set xlabel ps("xlabel")
set ylabel ps("ylabel")
eval "set xrange ".ps("xrange")
eval "set yrange ".ps("yrange")
if (strlen(ps("xtics")) > 0) { eval "set xtics ".ps("xtics") } else { set xtics autofreq }
if (strlen(ps("yticsset")) > 0) { eval "set ytics ".ps("yticsset") } else { set ytics autofreq }
if (strlen(ps("ytics")) > 0) { eval "set ytics add ".ps("ytics") }
unset arrow; unset label
if (ps("hline") == ps("hline")) {
	set arrow from graph 0, first ps("hline") to graph 1, first ps("hline") nohead lc rgb "#303030" lw 1.5 dt 2 back
}
if (strlen(ps("hlabel")) > 0) {
	set label ps("hlabel") at graph 0.02, first ps("hline") offset 0, 0.7 tc rgb "#303030" font ",9"
}
do for [v in ps("vlines")] {
	set arrow from first v+0, graph 0 to first v+0, graph 1 nohead lc rgb "#202020" lw 1.2 dt 3 back
	if (strlen(ps("vlabel")) > 0) {
		set label ps("vlabel") at first v+0, graph 0.97 left offset 0.5, 0 tc rgb "#202020" font ",9"
	}
}
plot \
  for [s in ps("band")] f(s) using 1:3:4 with filledcurves fs transparent solid 0.18 noborder lc rgb value("s_color_".s), \
  for [s in ps("band")] f(s) using 1:2 with linespoints lc rgb value("s_color_".s) dt value("s_dash_".s) pt value("s_pt_".s) ps 0.7 lw value("s_lw_".s), \
  for [s in ps("err")] f(s) using 1:2:3:4 with yerrorlines lc rgb value("s_color_".s) dt value("s_dash_".s) pt value("s_pt_".s) ps 0.8 lw value("s_lw_".s), \
  for [s in ps("lp")] f(s) using 1:2 with linespoints lc rgb value("s_color_".s) dt value("s_dash_".s) pt value("s_pt_".s) ps 0.8 lw value("s_lw_".s), \
  for [s in ps("line")] f(s) using 1:2 with lines lc rgb value("s_color_".s) dt value("s_dash_".s) lw value("s_lw_".s), \
  for [s in ps("pts")] f(s) using 1:2:3:4 with yerrorbars lc rgb value("s_color_".s) pt value("s_pt_".s) ps 1.1 lw value("s_lw_".s), \
  for [s in ps("lab")] f(s) using 1:2:5 with labels left offset 0.6, 0 point pt value("s_pt_".s) ps (value("s_pt_".s) < 0 ? 0 : 1.0) lc rgb value("s_color_".s) tc rgb value("s_color_".s) font ",9"
