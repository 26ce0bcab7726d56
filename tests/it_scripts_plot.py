# SPDX-License-Identifier: GPL-2.0-only
"""scripts/plot on two real quick runs: the copy bench, and one with a
primitive (class "primitive": TLB shootdowns), a COW variant with its
copying twin and declared phases. Every expected figure exists as a valid
PNG and SVG of non-trivial size, titled with the machine (machine.summary)
and the run, no text of it (legends, titles) past the canvas; figures for
what a run lacks (twins, primitives, phases, model) are not drawn; the
shootdown figure's per-remote-CPU labels come from
derived.remote_cpu_cost (a planted value shows, and without the entries no
label is drawn); the model's figures draw derived.model (planted counts
and tolerance show in the title, planted crossovers as measured and
extrapolated points, none as a "no crossover" note) and the flush ceiling
shows where the sizes straddle it; a run without derived.model draws the
rest; a malformed model is bad input (exit 2, one line); a counter is
drawn only where measured; plots/ is mode 0755 and its files 0644 under
any umask, replaced as a whole; a class's variants are never drawn alike;
without machine.summary the title says "unknown machine"; `make plot
RUN=dir` works; without gnuplot the script says how to install it and
exits 1."""
import os
import re
import shutil
import stat
import subprocess
import sys

import itlib
import it_scripts_fixtures as fx

cr = fx.cr
cowbench, src = itlib.args()
if not cr.gnuplot_path():
    itlib.skip(cr.GNUPLOT_MISSING)
plot = os.path.join(src, "scripts", "plot")
tmp = itlib.tmpdir()
real = fx.real_run(cowbench, os.path.join(tmp, "real"))
mixed = fx.real_run(cowbench, os.path.join(tmp, "mixed"),
                    variants="copy/memcpy,cow/mprotect-fresh,tlb/mprotect-busy,"
                             "tlb/mprotect-idle")


def expected(rdir):
    """The figures a run calls for, from its content."""
    run = cr.load_run(rdir)
    ok = run.ok_cells()
    prim = [c for c in ok if run.variant_class(c.variant) == "primitive"]
    rest = [c for c in ok if c not in prim]
    want = []
    if rest:
        want.append("cost-per-kib")
    if any(c.ok and t.ok and s.value for c, t, s in run.twins):
        want.append("speedup-vs-twin")
    if len({c.cpus for c in rest}) > 1:
        want.append("scaling-vs-cpus")
    if prim:
        want.append("tlb-shootdown")
    if len({c.size for c in prim}) > 1:
        want.append("tlb-vs-size")
    model = run.doc["derived"].get("model") or {}
    if any(run.by_id[p["cell"]].ok and (p["measured_ns"] or 0) > 0 and
           (p["predicted_ns"]["value"] or 0) > 0 for p in model.get("predictions") or []):
        want.append("predicted-vs-measured")
    if run.doc["derived"].get("crossovers") or model.get("crossovers"):
        want.append("crossover-vs-cpus")
    for cpus in sorted({c.cpus for c in ok}):
        pl = sorted({c.placement for c in ok if c.cpus == cpus})[0]
        if any(m.value and m.value > 0 for c in ok if c.cpus == cpus and c.placement == pl
               for (role, name), m in c.metrics.items()
               if role in ("op", "bystanders") and m.unit != "ns/op"):
            want.append("counters-cpus%d" % cpus)
    if any(c.metric("producer", "phase.%s.wall_ns" % n) for c in ok
           for n in run.phases(c.variant)):
        want.append("phases")
    return run, want


def svg_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


EM = 0.62           # a generous mean character width in Sans, in font sizes


def off_canvas(path):
    """The horizontal texts of an SVG (legend entries, titles, notes) that
    would run past its canvas, their width estimated from their length."""
    root = fx.ET.parse(path).getroot()
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    out = []

    def walk(el, x, y, size, anchor):
        t = el.get("transform") or ""
        m = re.match(r"translate\(([-\d.]+),([-\d.]+)\)", t)
        if m:
            x, y = float(m.group(1)), float(m.group(2))
        if "rotate" in t:
            return                      # y labels: vertical
        size = float(el.get("font-size") or size)
        anchor = el.get("text-anchor") or anchor
        if el.tag.endswith("}text"):
            text = "".join(el.itertext())
            w = EM * size * len(text)
            left = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
            if left < -1 or left + w > width + 1 or not 0 <= y <= height:
                out.append(text)
        for ch in el:
            walk(ch, x, y, size, anchor)
    walk(root, 0.0, 0.0, 10.0, "start")
    return out


def plot_svg(rdir, *extra):
    p = itlib.run([plot, rdir, "--format", "svg"] + list(extra), timeout=180)
    itlib.check(p.returncode == 0, "%s: plot exit %d %s"
                % (os.path.basename(rdir), p.returncode, p.stderr[-400:]))
    return os.path.join(rdir, "plots")


for rdir, must in ((real, ["cost-per-kib"]),
                   (mixed, ["cost-per-kib", "speedup-vs-twin", "tlb-shootdown", "tlb-vs-size",
                            "phases", "predicted-vs-measured", "crossover-vs-cpus"])):
    tag = os.path.basename(rdir)
    p = itlib.run([plot, rdir], timeout=180)
    itlib.check(p.returncode == 0, "%s: plot exit %d: %s" % (tag, p.returncode, p.stderr[-500:]))
    run, want = expected(rdir)
    for m in must:
        itlib.check(m in want, "%s: the run calls for %s" % (tag, m))
    out = os.path.join(rdir, "plots")
    got = sorted(f for f in os.listdir(out)) if os.path.isdir(out) else []
    itlib.check(got == sorted("%s.%s" % (w, e) for w in want for e in ("png", "svg")),
                "%s: figures %s, want %s" % (tag, got, want))
    fx.check_images(out, want)
    itlib.check(sorted(p.stdout.split()) == sorted(os.path.join(os.path.abspath(out), g)
                                                   for g in got),
                "%s: prints the files it wrote" % tag)
    mode = stat.S_IMODE(os.stat(out).st_mode) if os.path.isdir(out) else 0
    itlib.check(mode == 0o755, "%s: plots/ is mode %o, want 755" % (tag, mode))
    summary = run.summary_lines()
    itlib.check(summary != [cr.UNKNOWN_MACHINE], "%s: the run has machine.summary" % tag)
    for w in want:
        svg = svg_text(os.path.join(out, w + ".svg"))
        itlib.check(summary[0] in svg and "run %s," % run.name in svg,
                    "%s/%s: title names the machine and the run" % (tag, w))
        gone = off_canvas(os.path.join(out, w + ".svg"))
        itlib.check(not gone, "%s/%s: text past the canvas: %s" % (tag, w, gone[:3]))
    # gnuplot drops the legend entries that do not fit its box: all there?
    svg = svg_text(os.path.join(out, "cost-per-kib.svg"))
    lost = {">%s (%s)<" % (c.variant, run.variant_class(c.variant)) for c in run.ok_cells()
            if run.variant_class(c.variant) != "primitive"}
    lost = sorted(lost - set(re.findall(r">[^<]*<", svg)))
    itlib.check(not lost, "%s/cost-per-kib: every variant in the legend, missing %s" % (tag, lost))
    itlib.check(not [d for d in os.listdir(rdir) if d.startswith(".plots")],
                "%s: no staging directory left" % tag)

# the copy-only run: no twin, primitive, crossover or phase figures
for absent in ("speedup-vs-twin", "tlb-shootdown", "tlb-vs-size", "phases", "crossover-vs-cpus"):
    itlib.check(not os.path.exists(os.path.join(real, "plots", absent + ".png")),
                "copy-only run: no %s figure" % absent)

# replotting replaces plots/ as a whole
with open(os.path.join(real, "plots", "stale.txt"), "w") as f:
    f.write("from before\n")
p = itlib.run([plot, real, "--format", "svg"], timeout=180)
itlib.check(p.returncode == 0 and not os.path.exists(os.path.join(real, "plots", "stale.txt")),
            "replotting replaces plots/ (exit %d)" % p.returncode)
itlib.check(all(f.endswith(".svg") for f in os.listdir(os.path.join(real, "plots"))),
            "--format svg writes only SVG")


# the shootdown figure draws derived.remote_cpu_cost: plant a value and see it
def plant_cost(d):
    for e in d["derived"]["remote_cpu_cost"]:
        e["ns_per_remote_cpu"].update(value=12345.0, lo=11111.0, hi=13579.0)
        e["intercept_ns"] = 1000.0


planted = fx.clone(mixed, os.path.join(tmp, "planted"), plant_cost)
p = itlib.run([plot, planted, "--format", "svg"], timeout=180)
itlib.check(p.returncode == 0, "planted remote cost: exit %d %s" % (p.returncode, p.stderr))
svg = svg_text(os.path.join(planted, "plots", "tlb-shootdown.svg"))
itlib.check("+12.3 µs/remote CPU [11.1 to 13.6]" in svg,
            "the shootdown figure labels the derived cost per remote CPU")
nocost = fx.clone(mixed, os.path.join(tmp, "nocost"),
                  lambda d: d["derived"].update(remote_cpu_cost=[]))
p = itlib.run([plot, nocost, "--format", "svg"], timeout=180)
svg = svg_text(os.path.join(nocost, "plots", "tlb-shootdown.svg"))
itlib.check(p.returncode == 0 and "/remote CPU" not in svg and "tlb/mprotect-busy" in svg,
            "without derived.remote_cpu_cost: the figure, no cost line or label")

# no machine.summary: a plain "unknown machine"
anon = fx.clone(real, os.path.join(tmp, "anon"), lambda d: d["machine"].pop("summary", None))
p = itlib.run([plot, anon, "--format", "svg"], timeout=180)
itlib.check(p.returncode == 0 and cr.UNKNOWN_MACHINE in svg_text(
    os.path.join(anon, "plots", "cost-per-kib.svg")), "no machine.summary: 'unknown machine'")


# unmeasured counters are not drawn: a run whose page_faults counter is
# unavailable has no page_faults panel (checked in the SVG's text)
def drop_pf(d):
    for c in d["counters"]:
        if c["key"] == "page_faults":
            c.update(available=False, reason="test: not measured")
    for c in d["cells"]:
        c["metrics"] = [m for m in c.get("metrics") or [] if m["metric"] != "page_faults"]


nopf = fx.clone(mixed, os.path.join(tmp, "nopf"), drop_pf)
p = itlib.run([plot, nopf, "--format", "svg"], timeout=180)
itlib.check(p.returncode == 0, "plot --format svg: exit %d" % p.returncode)
counters = [f for f in os.listdir(os.path.join(nopf, "plots")) if f.startswith("counters")]
itlib.check(bool(counters), "counter figures drawn")
for f in counters:
    svg = svg_text(os.path.join(nopf, "plots", f))
    itlib.check(">page_faults<" not in svg, "%s: no page_faults panel when unmeasured" % f)
    itlib.check("Not measured here" in svg and "page_faults" in svg,
                "%s: lists page_faults as not measured" % f)

# the model's figures draw derived.model as it is: plant the summary, the
# tolerance, a ceiling between the run's sizes and crossovers of one variant
def plant_model(d):
    m = d["derived"]["model"]
    m["summary"].update(independent=7, independent_within=5)
    m["tolerance"] = 0.2
    m["ceiling_pages"] = 8                      # 32K, between 4K and 64K
    v = m["crossovers"][0]["variant"]
    for e in m["crossovers"] + d["derived"]["crossovers"]:
        if e["variant"] == v:
            e.update(kind="at", size=12000.0 + 100.0 * e["cpus"])
    for e in d["derived"]["crossovers"]:
        e.update(lo=8000.0 if e["kind"] == "at" else None, hi=None)


doc = fx.read_doc(mixed)
model = doc["derived"]["model"]
itlib.check(bool(model["predictions"] and model["crossovers"] and doc["derived"]["crossovers"]),
            "the mixed run has the model's predictions and crossovers, and measured ones")
if not any(e["kind"] == "at" for e in model["crossovers"] + doc["derived"]["crossovers"]):
    svg = svg_text(os.path.join(mixed, "plots", "crossover-vs-cpus.svg"))
    itlib.check("No crossover in 4K-64K" in svg, "no crossover anywhere: a note says so")
for f in ("cost-per-kib", "tlb-vs-size"):
    itlib.check("full flush above" not in svg_text(os.path.join(mixed, "plots", f + ".svg")),
                "%s: no ceiling line when the sizes (4K, 64K) do not straddle 33 pages" % f)
planted = plot_svg(fx.clone(mixed, os.path.join(tmp, "model"), plant_model))
svg = svg_text(os.path.join(planted, "predicted-vs-measured.svg"))
itlib.check("5 of 7 independent predictions within 20%" in svg and "within 20%" in svg,
            "predicted-vs-measured: title and band from derived.model's summary and tolerance")
svg = svg_text(os.path.join(planted, "crossover-vs-cpus.svg"))
v = model["crossovers"][0]
itlib.check("%s over %s" % (v["variant"], v["twin"]) in svg and "measured: where" in svg and
            "No crossover in" not in svg, "crossover-vs-cpus: the planted variant, measured")
if any(e["extrapolated"] for e in model["crossovers"]):
    itlib.check("model (extrapolated" in svg, "crossover-vs-cpus: extrapolated by the model")
for f in ("cost-per-kib", "tlb-vs-size"):
    itlib.check("full flush above 8 pages" in svg_text(os.path.join(planted, f + ".svg")),
                "%s: the planted flush ceiling (8 pages) as a line" % f)

# an older run.json, without derived.model (and verdict): the rest is drawn
old = fx.clone(mixed, os.path.join(tmp, "old"),
               lambda d: [d["derived"].pop(k, None) for k in ("model", "verdict")])
p = itlib.run([plot, old], timeout=180)
run, want = expected(old)
got = sorted(os.listdir(os.path.join(old, "plots"))) if p.returncode == 0 else []
itlib.check(p.returncode == 0 and "predicted-vs-measured" not in want and
            "crossover-vs-cpus" in want and
            got == sorted("%s.%s" % (w, e) for w in want for e in ("png", "svg")),
            "no derived.model: exit %d, figures %s (want %s)" % (p.returncode, got, want))

# a malformed model is bad input: exit 2 and one line
for name, edit in (
        ("model not an object", lambda d: d["derived"].update(model=[1])),
        ("own_line not a bool",
         lambda d: d["derived"]["model"]["predictions"][0].update(own_line="no")),
        ("a prediction of no cell",
         lambda d: d["derived"]["model"]["predictions"][0].update(cell=99999)),
        ("a crossover of no kind",
         lambda d: d["derived"]["model"]["crossovers"][0].update(kind="sometimes")),
        ("a measured crossover at no size",
         lambda d: d["derived"]["crossovers"][0].update(kind="at", size=None))):
    bad = fx.clone(mixed, os.path.join(tmp, "bad-" + name.replace(" ", "-")), edit)
    p = itlib.run([plot, bad], timeout=60)
    err = p.stderr.strip().splitlines()
    itlib.check(p.returncode == 2 and len(err) == 1 and "error:" in err[0] and
                "Traceback" not in p.stderr, "%s: exit %d, %r" % (name, p.returncode, p.stderr))

# others may read the plots whatever the umask: plots/ 0755, files 0644
p = itlib.run([plot, real], timeout=180, preexec_fn=lambda: os.umask(0o077))
out = os.path.join(real, "plots")
modes = {f: stat.S_IMODE(os.stat(os.path.join(out, f)).st_mode) for f in os.listdir(out)}
itlib.check(p.returncode == 0 and stat.S_IMODE(os.stat(out).st_mode) == 0o755 and
            modes and set(modes.values()) == {0o644},
            "umask 077: plots/ %o, files %s" % (stat.S_IMODE(os.stat(out).st_mode),
                                              sorted({"%o" % m for m in modes.values()})))

# no two variants of a class drawn alike: colour, dash and point together
styles = [cr.class_style(["copy", "cow", "notify", "primitive"], "cow", i) for i in range(12)]
itlib.check(len(set(styles)) == 12 and len({s[0] for s in styles[:8]}) == 8,
            "twelve variants of a class: twelve styles, the first eight in eight colours")

# make plot RUN=dir (replaces the plots directory)
if shutil.which("make"):
    p = itlib.run(["make", "-s", "-C", src, "plot", "RUN=" + real], timeout=180)
    itlib.check(p.returncode == 0, "make plot RUN=dir: exit %d %s" % (p.returncode, p.stderr))
    fx.check_images(os.path.join(real, "plots"), ["cost-per-kib"])

# without gnuplot: exit 1 and the install hint
nobin = os.path.join(tmp, "nobin")
os.makedirs(nobin)
p = subprocess.run([sys.executable, plot, real], capture_output=True, text=True,
                   env=dict(os.environ, PATH=nobin))
itlib.check(p.returncode == 1 and cr.GNUPLOT_MISSING in p.stderr,
            "no gnuplot: exit %d, %r" % (p.returncode, p.stderr))
itlib.done("it_scripts_plot")
