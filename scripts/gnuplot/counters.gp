# SPDX-License-Identifier: GPL-2.0-only
# counters.gp - counters per operation vs buffer size, one panel per counter
# measured (plot 5). Only counters the run measured are drawn; a measured
# zero sits on the bottom tick labelled 0 (log axes have no zero).
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set logscale x 2
set logscale y 10
set format y "%g"
set mxtics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
