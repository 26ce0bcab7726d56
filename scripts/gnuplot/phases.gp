# SPDX-License-Identifier: GPL-2.0-only
# phases.gp - time per operation in each phase vs buffer size, one
# panel per variant that marks phases (plot 6); the black line is the whole
# producer operation.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set logscale x 2
set logscale y 10
set format y "%.0s %cs"
set mxtics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
