# SPDX-License-Identifier: GPL-2.0-only
# cost.gp - cost per KiB vs buffer size, one panel per CPU count (plot 1).
# Log-log: buffer sizes on binary ticks (4K ... 64M), ns per KiB in decades;
# one line per variant coloured by strategy, the 95% interval over the
# repetitions (derived.cells[].ns_per_kib) as error bars.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set logscale x 2
set logscale y 10
set format y "%.0s %cs"
set mxtics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
