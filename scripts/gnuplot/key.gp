# SPDX-License-Identifier: GPL-2.0-only
# key.gp - the legend of a figure, in its own strip under the panels so that
# it never covers data: an empty plot whose key lists every series once.
unset title; unset xlabel; unset ylabel; unset arrow; unset label; unset grid
unset border; unset tics; unset logscale
set xrange [0:1]; set yrange [0:1]
set lmargin at screen 0.01; set rmargin at screen 0.99
set bmargin at screen key_b; set tmargin at screen key_t
set key at screen 0.5, key_t center top horizontal maxcols key_cols width 2 samplen 3 spacing 1.1 font ",10"
if (strlen(note) > 0) { set label note at screen 0.01, key_b + 0.004 left font ",9" tc rgb "#505050" }
plot \
  for [s in key_lp] -1 with linespoints lc rgb value("s_color_".s) dt value("s_dash_".s) pt value("s_pt_".s) lw value("s_lw_".s) title value("s_title_".s), \
  for [s in key_line] -1 with lines lc rgb value("s_color_".s) dt value("s_dash_".s) lw value("s_lw_".s) title value("s_title_".s), \
  for [s in key_pts] -1 with points lc rgb value("s_color_".s) pt value("s_pt_".s) ps 1.1 title value("s_title_".s)
unset multiplot
