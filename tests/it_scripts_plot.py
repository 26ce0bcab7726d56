# SPDX-License-Identifier: GPL-2.0-only
"""scripts/plot on two real quick runs: the copy bench, and one with a
primitive (class "primitive": TLB shootdowns), a COW variant with its
copying twin and declared phases. Every expected figure exists as a valid
PNG and SVG of non-trivial size, titled with the machine (machine.summary)
and the run; figures for what a run lacks (twins, primitives, phases) are
not drawn; the shootdown figure's per-remote-CPU labels come from
derived.remote_cpu_cost (a planted value shows, and without the entries no
label is drawn); a counter is drawn only where measured; plots/ is mode
0755 and replaced as a whole; without machine.summary the title says
"unknown machine"; `make plot RUN=dir` works; without gnuplot the script
says how to install it and exits 1."""
import os
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


for rdir, must in ((real, ["cost-per-kib"]),
                   (mixed, ["cost-per-kib", "speedup-vs-twin", "tlb-shootdown", "phases"])):
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
    itlib.check(not [d for d in os.listdir(rdir) if d.startswith(".plots")],
                "%s: no staging directory left" % tag)

# the copy-only run: no twin, primitive or phase figures
for absent in ("speedup-vs-twin", "tlb-shootdown", "phases"):
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
