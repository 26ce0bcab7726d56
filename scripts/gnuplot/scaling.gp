# SPDX-License-Identifier: GPL-2.0-only
# scaling.gp - cost per operation vs CPU count, one panel per buffer size
# (plot 3): how each strategy scales with cores.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set logscale x 2
set logscale y 10
set format y "%.0s %cs"
set mxtics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
