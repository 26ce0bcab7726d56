# tlb.gp - TLB shootdown latency vs CPUs, one panel per placement and size
# (plot 4). Solid: busy bystanders, dashed: idle ones; thin lines are the
# least-squares fits, labelled with their slope (ns per remote CPU).
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set format y "%g"
set xtics 1
set mxtics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
