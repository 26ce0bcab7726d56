# SPDX-License-Identifier: GPL-2.0-only
# tlbsize.gp - the primitives' time per 4 KiB page vs buffer size, one panel
# per CPU count (derived.cells[].ns_per_page), log-log: binary size ticks,
# times in seconds. The dotted line is the flush ceiling
# (derived.model.ceiling_pages): above it x86 flushes the whole TLB.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set logscale x 2
set logscale y 10
set format y "%.0s %cs"
set mxtics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
