# SPDX-License-Identifier: GPL-2.0-only
# crossover.gp - the buffer size above which a variant beats its twin vs the
# CPU count (derived.crossovers measured, derived.model.crossovers by the
# model), both axes binary-logarithmic: CPU counts and sizes on the tics
# the caller gives.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set logscale x 2
set logscale y 2
set mxtics 1
set mytics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
