# SPDX-License-Identifier: GPL-2.0-only
"""cowbench_plots - what the figures of scripts/plot share: the run's order
of strategy classes and variants, a variant's series style, figure titles,
the x86 flush ceiling as a line on a size axis, and the text of labels
(time units, costs per remote CPU). Like the figures it serves, it draws
numbers the run's analysis wrote and computes none.
"""
import cowbench_results as cr

CI_NOTE = "95% interval over repetitions"
NS = 1e-9                     # time axes are drawn in seconds
PRIMITIVE = "primitive"       # the class of variants measured alone, vs CPUs
PAGE_BYTES = 4096             # the model counts a buffer's 4 KiB pages


def class_order(run):
    """The strategy classes as the run lists them, the primitives last."""
    return [c for c in run.classes if c != PRIMITIVE] + [PRIMITIVE]


def variant_order(run, names):
    """Classes in class_order(), variants in the run's order within them."""
    classes = class_order(run)
    order = {v: i for i, v in enumerate(run.variants)}
    return sorted(names, key=lambda v: (classes.index(run.variant_class(v))
                                        if run.variant_class(v) in classes else 99,
                                        order.get(v, 1 << 30), v))


def is_primitive(run, v):
    return run.variant_class(v) == PRIMITIVE


def titles(run, what):
    return [what] + run.summary_lines() + [cr.run_line(run)]


def cpu_label(cpus, placement, placements):
    s = "%d CPU%s" % (cpus, "" if cpus == 1 else "s")
    return s + (", %s" % placement if len(placements) > 1 else "")


def variant_style(run, v):
    """(colour, dash, point) of variant v: its class's family, its place
    among the run's variants of that class (the same in every figure)."""
    cls = run.variant_class(v)
    same = [n for n in run.variants if run.variant_class(n) == cls]
    return cr.class_style(class_order(run), cls, same.index(v) if v in same else len(same))


def add_variant_series(fig, run, variants, style="err", suffix="", dash=None):
    """One series per variant: a colour family per class, and within it a
    different colour, dash pattern and point type per variant."""
    ids = {}
    for v in variants:
        color, d, pt = variant_style(run, v)
        title = "%s (%s)%s" % (v, run.variant_class(v), suffix)
        ids[v] = fig.add_series(v + suffix, title, color, dash or d, pt, style)
    return ids


def open_point(pt):
    """The hollow twin of a filled point type (a hollow one stays)."""
    return cr.OPEN_POINTS[cr.POINTS.index(pt)] if pt in cr.POINTS else pt


def derived(run, cell, name):
    """The run's derived figure `name` of a cell (an Interval), or None."""
    fig = (run.derived.get(cell.id) or {}).get(name)
    return fig if fig is not None and fig.value is not None else None


def size_text(n):
    """Bytes as the run labels sizes: 4K, 132K, 1M, 1.5M."""
    for div, unit in ((1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")):
        if n >= div:
            return "%g%s" % (float("%.3g" % (n / div)), unit)
    return "%d" % n


def pow2_size_tics(lo, hi, most=9):
    """Tics at powers of two from lo to hi (every 2nd, 4th... to keep at
    most `most`), labelled like the run's sizes."""
    e0, e1 = (int(x).bit_length() - 1 for x in (lo, hi))
    e0 += int(lo) > 1 << e0
    step = 1
    while (e1 - e0) // step + 1 > most:
        step += 1
    return "(" + ", ".join('"%s" %d' % (size_text(1 << e), 1 << e)
                           for e in range(e0, e1 + 1, step)) + ")"


def mark_ceiling(panel, model, sizes):
    """A dotted line at derived.model.ceiling_pages pages, where the flush
    of page by page becomes a full flush, on a panel whose sizes straddle it."""
    pages = (model or {}).get("ceiling_pages")
    if not pages or not sizes:
        return
    at = pages * PAGE_BYTES
    if min(sizes) < at < max(sizes):
        panel.vlines.append(at)
        panel.vlabel = "full flush above %g pages" % pages


UNITS = ((1e6, "ms"), (1e3, "µs"), (1.0, "ns"))


def time_unit(ns):
    """(divisor, name) that shows ns values with at most 4 digits."""
    for div, name in UNITS[:2]:
        if ns >= 10 * div:
            return div, name
    return 1.0, "ns"


def cost_label(ns, ci):
    """+23.4 µs/remote CPU [20 to 26.6]: the interval in the same unit."""
    div, name = next(((d, n) for d, n in UNITS if abs(ns) >= d), UNITS[-1])
    s = "%s %s/remote CPU" % (num3(ns / div, "+"), name)
    if ci:
        s += " [%s to %s]" % (num3(ci[0] / div), num3(ci[1] / div))
    return s


def num3(x, sign=""):
    """Three significant digits, never in e-notation: 23.4, 0.394, -1020."""
    return ("%" + sign + ".0f") % x if abs(x) >= 100 else ("%" + sign + ".3g") % x


def spread(labels, gap):
    """Move label y positions apart (at least gap) so no two overlap;
    labels are [x, y, ...] lists, changed in place and returned."""
    labels.sort(key=lambda t: t[1])
    for i in range(1, len(labels)):
        if labels[i][1] - labels[i - 1][1] < gap:
            labels[i][1] = labels[i - 1][1] + gap
    return labels
