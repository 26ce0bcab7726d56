# SPDX-License-Identifier: GPL-2.0-only
# speedup.gp - speed-up of zero-copy / COW variants over their copying twin
# vs buffer size (plot 2). y = twin time / variant time (derived.twins[]
# .speedup): above the dashed 1.0 line the variant wins. Error bars: its 95%
# interval over the repetitions, paired in time.
# Parameters and data: see common.gp; panels: panel.gp; legend: key.gp.
load gpdir."/common.gp"
set logscale x 2
set logscale y 10
set format y "%gx"
set mxtics 1
do for [p=1:npanels] { load gpdir."/panel.gp" }
load gpdir."/key.gp"
