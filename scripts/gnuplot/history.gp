# SPDX-License-Identifier: GPL-2.0-only
# history.gp - a metric across runs (scripts/history): each series is one
# cell, relative to its first run (or absolute with --absolute), with its
# 95% CI as a band; dotted lines mark the detected steps, labelled with
# the change.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set format y "%g"
if (ylog) { set logscale y 10 }
set mxtics 1
set xtics rotate by 35 right
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
