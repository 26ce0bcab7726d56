# SPDX-License-Identifier: GPL-2.0-only
# tlb.gp - the primitives (TLB shootdowns) vs CPUs, one panel per placement
# and size (plot 4). One style per variant; the thin lines are the cost per
# remote CPU that the run derived (derived.remote_cpu_cost), labelled with it
# and its 95% interval.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set format y "%g"
set xtics 1
set mxtics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
