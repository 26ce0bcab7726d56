# SPDX-License-Identifier: GPL-2.0-only
# predicted.gp - the model's prediction of each cell's op time vs the time
# measured (derived.model.predictions), log-log in seconds; one point per
# cell with the prediction's 95% interval as a bar, the y = x line and the
# tolerance band (derived.model.tolerance) around it.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set logscale x 10
set logscale y 10
set format x "%.0s %cs"
set format y "%.0s %cs"
set size ratio -1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
