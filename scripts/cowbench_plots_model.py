# SPDX-License-Identifier: GPL-2.0-only
"""cowbench_plots_model - the figures of the run's cost model (scripts/plot;
results/README.md, "The model"), drawn from derived.model and
derived.crossovers as the run wrote them:

  predicted-vs-measured  each prediction (derived.model.predictions[]): the
                         model's op time and its 95% interval vs the one
                         measured, a point per cell coloured by class;
                         filled: independent (no constant of the row's own),
                         hollow: fitted on the row's own constants, +: the
                         row's own line; the y = x line and the tolerance band
  crossover-vs-cpus      the size above which a variant beats its twin vs
                         CPU count: measured (derived.crossovers, with its
                         interval) and the model's (dashed; dotted where
                         extrapolated beyond the CPUs measured)

A run without derived.model draws no predictions and only the measured
crossovers.
"""
import cowbench_results as cr
from cowbench_plots import (CI_NOTE, NS, class_order, open_point, pow2_size_tics,
                            size_text, titles, variant_order, variant_style)

BLACK = "#000000"
KINDS = (("own line", "its own line (per op + per page: tests only that it is linear)"),
         ("own constants", "fitted on constants of its own row"),
         ("independent", "independent: uses no constant of its own row"))


def _percent(tol):
    return "%g%%" % (100 * tol)


def predicted_vs_measured(run, model):
    preds = [p for p in (model or {}).get("predictions", [])
             if p["cell"].ok and (p["measured"] or 0) > 0 and (p["predicted"].value or 0) > 0]
    if not preds:
        return None
    tol, s = model["tolerance"], model["summary"]
    head = "Predicted vs measured"
    if s["independent"] is not None and s["independent_within"] is not None:
        head += ": %d of %d independent predictions within %s" % (
            s["independent_within"], s["independent"], _percent(tol) if tol else "tolerance")
    fig = cr.Figure("predicted-vs-measured", "predicted.gp", titles(
        run, head + "\nop time per cell, the model's prediction (derived.model, its %s) "
                    "vs the median measured" % CI_NOTE))
    fig.panel_px = (700, 684)           # a square plot: y = x at 45 degrees
    classes = class_order(run)
    vals = [v for p in preds for v in (p["measured"],) + p["predicted"].band()
            + (p["predicted"].value,) if v > 0]
    rng = cr.log_range([v * NS for v in vals], 1.6)
    lo, hi = (float(x) for x in rng.strip("[]").split(":"))
    p = fig.add_panel(cr.Panel(
        "one point per cell (variant × size × CPUs)", "measured op time (median)",
        "predicted op time", xrange=rng, yrange=rng, xtics=cr.log_tics(rng),
        ytics_set=cr.log_tics(rng)))
    if tol:
        line = fig.add_series("y=x", "y = x (prediction = measurement); shaded: within "
                              "%s (derived.model.tolerance)" % _percent(tol),
                              "#606060", 2, -1, "band", 1.2)
        for x in (lo, hi):
            p.add(line, x, x, x * (1 - tol), x * (1 + tol))
    ids = {}
    for kind, what in KINDS:             # the independent ones drawn last, on top
        for cls in sorted({run.variant_class(q["cell"].variant) for q in preds},
                          key=lambda c: classes.index(c) if c in classes else 99):
            color = cr.class_style(classes, cls, 0)[0]     # a class: a colour, a shape
            pt = cr.POINTS[classes.index(cls) % len(cr.POINTS)]
            pt = 1 if kind == "own line" else open_point(pt) if kind == "own constants" else pt
            ids[(kind, cls)] = fig.add_series((kind, cls), "%s, %s" % (cls, what),
                                              color, 1, pt, "pts", 1.0)
    missed = []
    for q in preds:
        kind, c = q["kind"], q["cell"]
        plo, phi = (x if x > 0 else q["predicted"].value for x in q["predicted"].band())
        p.add(ids[(kind, run.variant_class(c.variant))], q["measured"] * NS,
              q["predicted"].value * NS, plo * NS, phi * NS)
        if kind == "independent" and q["within"] is False:
            missed.append(q)
    if 0 < len(missed) <= 12:           # name the independent misses
        lab = fig.add_series("missed", "", "#303030", 1, -1, "lab", 1, False)
        for q in missed:
            c = q["cell"]
            p.add(lab, q["measured"] * NS, q["predicted"].value * NS, None, None,
                  "%s %s %d CPU%s" % (c.variant, c.size_label, c.cpus, "" if c.cpus == 1 else "s"))
    return fig


def _legend(fig, what, dash, pt, style):
    """A legend entry that explains a style, in black."""
    return fig.add_series("key " + what, what, BLACK, dash, pt, style, 1.5, "always")


def crossovers(run, model):
    measured = run.crossovers
    modelled = (model or {}).get("crossovers", [])
    cells = run.ok_cells()
    if not (measured or modelled) or not cells:
        return None
    sizes = sorted({c.size for c in cells})
    small, large = sizes[0], sizes[-1]
    span = "%s-%s" % (size_text(small), size_text(large))
    every = measured + modelled
    twin = {x["variant"]: x["twin"] for x in every}
    drawn = variant_order(run, {x["variant"] for x in every if x["kind"] == "at"})
    rest = variant_order(run, set(twin) - set(drawn))
    fig = cr.Figure("crossover-vs-cpus", "crossover.gp", titles(
        run, "Crossover size vs CPU count: the buffer size above which a variant beats "
             "its twin (derived.crossovers: measured, bars its %s; derived.model."
             "crossovers: the model's, over the sizes measured)" % CI_NOTE),
        cr.wrap(_note(every, twin, drawn, rest, span), 150))
    drawn = drawn or rest
    pls = (run.doc.get("options") or {}).get("placements")     # the model's: the first
    first = pls[0] if isinstance(pls, list) and pls and isinstance(pls[0], str) else None
    panels = sorted({x["placement"] for x in measured if x["variant"] in drawn}) or [first]
    model_panel = first if first in panels else panels[0]
    keys, used = {}, set()
    step = min(0.07, 0.5 / max(len(drawn) - 1, 1))
    for k, v in enumerate(drawn):       # side by side at a CPU count: a factor on x
        color, _, pt = variant_style(run, v)
        fig.add_series("v " + v, "%s over %s" % (v, twin[v]), color, 1, pt, "lp", 1.5, "always")
        keys[v] = (color, pt, 2 ** (step * (k - (len(drawn) - 1) / 2.0)))

    def series(v, what, style, dash, pt):
        used.add(what.split("-")[0])
        sid = fig.add_series((v, what), "", keys[v][0], dash, pt, style, 1.5, False)
        return lambda p, cpus, y, lo=None, hi=None: p.add(sid, cpus * keys[v][2], y, lo, hi)

    cpus = sorted({x["cpus"] for x in every if x["variant"] in drawn})
    measured_cpus = [x["cpus"] for x in modelled if not x["extrapolated"]]
    beyond = [x["cpus"] for x in modelled if x["extrapolated"] and x["variant"] in drawn]
    for pl in panels:
        title = "%s placement" % pl if pl else "crossovers"
        if len(panels) > 1 and pl == model_panel and modelled:
            title += " (the model's crossovers: this placement, base pages)"
        if not any(x["kind"] == "at" for x in every):
            title += ": no crossover in %s" % span
        p = fig.add_panel(cr.Panel(title, "CPUs running the process",
                                   "crossover: buffer size per operation",
                                   xrange=cr.log_range(cpus, 1.4), xtics=cr.count_tics(cpus),
                                   yrange=cr.log_range([small, large], 1.5),
                                   ytics_set=pow2_size_tics(small, large)))
        if pl == model_panel and beyond and measured_cpus:
            p.vlines.append((max(measured_cpus) * min(beyond)) ** 0.5)
            p.vlabel = "model (extrapolated) →"
        for v in drawn:
            _variant(p, series, v, keys[v][1], [x for x in measured if x["placement"] == pl],
                     modelled if pl == model_panel else [], small, large)
    for what, dash, pt, style in (
            ("measured", 1, 7, "err"), ("model", 2, 6, "lp"), ("extrapolated", 3, 6, "lp"),
            ("always", 1, 11, "pts"), ("never", 1, 9, "pts")):
        if what in used:
            _legend(fig, LEGEND[what], dash, pt, style)
    return fig


LEGEND = {
    "measured": "measured: where it becomes faster (bars: its 95% interval, to the edge "
                "where open)",
    "model": "the model, at the CPU counts measured",
    "extrapolated": "model (extrapolated beyond the CPU counts measured)",
    "always": "faster at every size measured (drawn at the smallest; hollow: the model)",
    "never": "never faster in the sizes measured (drawn at the largest; hollow: the model)"}


def _note(every, twin, drawn, rest, span):
    """The variants without a crossover (or that none has one)."""
    if not drawn:
        return ("No crossover in %s: no variant becomes faster than its twin within the "
                "sizes measured, measured or by the model." % span)
    if not rest:
        return ""
    return "No crossover in %s (measured or by the model): " % span + ", ".join(
        "%s (%s)" % (v, _kinds(every, v, twin[v])) for v in rest) + "."


def _variant(p, series, v, pt, measured, modelled, small, large):
    """Variant v's crossovers in panel p: the measured ones, then the
    model's, its extrapolated line starting from its last one measured."""
    for x in sorted((x for x in measured if x["variant"] == v), key=lambda x: x["cpus"]):
        _edge_or_at(p, series, v, x, pt, small, large, measured=True)
    mx = sorted((x for x in modelled if x["variant"] == v), key=lambda x: x["cpus"])
    for x in mx:
        _edge_or_at(p, series, v, x, pt, small, large, measured=False)
    joins = [x for x in mx if x["kind"] == "at" and not x["extrapolated"]][-1:]
    ext = [x for x in mx if x["kind"] == "at" and x["extrapolated"]]
    if ext and joins and joins[0]["cpus"] < ext[0]["cpus"]:
        series(v, "extrapolated", "lp", 3, open_point(pt))(p, joins[0]["cpus"], joins[0]["size"])


def _edge_or_at(p, series, v, x, pt, small, large, measured):
    """One crossover: at its size, or on the smallest ("always") or the
    largest ("never") size measured with a triangle."""
    hollow = not measured
    if x["kind"] == "always":
        series(v, "always" + "-m" * hollow, "pts", 1, 10 if hollow else 11)(p, x["cpus"], small)
    elif x["kind"] == "never":
        series(v, "never" + "-m" * hollow, "pts", 1, 8 if hollow else 9)(p, x["cpus"], large)
    elif measured:
        lo, hi = x["lo"] or x["size"], x["hi"] or large
        series(v, "measured", "err", 1, pt)(p, x["cpus"], x["size"], lo, hi)
    else:
        what = "extrapolated" if x["extrapolated"] else "model"
        series(v, what, "lp", 3 if x["extrapolated"] else 2, open_point(pt))(
            p, x["cpus"], x["size"])


def _kinds(every, v, twin):
    """never / always faster than the twin, over the entries of variant v."""
    kinds = sorted({x["kind"] for x in every if x["variant"] == v})
    words = {"never": "never faster than %s" % twin, "always": "always faster"}
    return " or ".join(words.get(k, k) for k in kinds)
