"""scripts/plot on a real quick run and on the same run with cow, notify and
tlb variants derived from it: every expected figure exists as a valid PNG
and SVG of non-trivial size, titled with the machine and the run; figures
for what the run lacks (twins, tlb/*, phases) are not drawn; a counter is
drawn only where measured; `make plot RUN=dir` works; without gnuplot the
script says how to install it and exits 1."""
import os
import shutil
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
syn = fx.clone(real, os.path.join(tmp, "synthetic"), fx.add_synthetic_families)


def expected(rdir):
    """The figures a run calls for, from its content."""
    run = cr.load_run(rdir)
    ok = run.ok_cells()
    names = {c.variant for c in ok}
    want = ["cost-per-kib"]
    if any(run.twin(v) in names and run.variant_class(v) != "copy" for v in names):
        want.append("speedup-vs-twin")
    if len({c.cpus for c in ok if not c.variant.startswith("tlb/")}) > 1:
        want.append("scaling-vs-cpus")
    if any(v.startswith("tlb/") for v in names):
        want.append("tlb-shootdown")
    for cpus in sorted({c.cpus for c in ok}):
        pl = sorted({c.placement for c in ok if c.cpus == cpus})[0]
        if any(m.median > 0 for c in ok if c.cpus == cpus and c.placement == pl
               for (role, name), m in c.metrics.items()
               if role in ("op", "bystanders") and name not in ("wall_ns", "cpu_ns")
               and not name.startswith("phase.")):
            want.append("counters-cpus%d" % cpus)
    if any(n.startswith("phase.") for c in ok for (_, n) in c.metrics):
        want.append("phases")
    return run, want


for rdir, must in ((real, ["cost-per-kib"]),
                   (syn, ["cost-per-kib", "speedup-vs-twin", "tlb-shootdown", "phases"])):
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
    for w in want:
        with open(os.path.join(out, w + ".svg"), encoding="utf-8") as f:
            svg = f.read()
        itlib.check(cr.fingerprint(run) in svg and "run %s," % run.name in svg,
                    "%s/%s: title names the machine and the run" % (tag, w))
    itlib.check(not [d for d in os.listdir(rdir) if d.startswith(".plots")],
                "%s: no staging directory left" % tag)

# real copy-only run: no twin, tlb or phase figures
for absent in ("speedup-vs-twin", "tlb-shootdown", "phases"):
    itlib.check(not os.path.exists(os.path.join(real, "plots", absent + ".png")),
                "copy-only run: no %s figure" % absent)

# unmeasured counters are not drawn: a run whose page_faults counter is
# unavailable has no page_faults panel (checked in the SVG's text)
def drop_pf(d):
    for c in d["counters"]:
        if c["key"] == "page_faults":
            c.update(available=False, reason="test: not measured")
    for c in d["cells"]:
        c["metrics"] = [m for m in c["metrics"] if m["metric"] != "page_faults"]


nopf = fx.clone(syn, os.path.join(tmp, "nopf"), drop_pf)
p = itlib.run([plot, nopf, "--format", "svg"], timeout=180)
itlib.check(p.returncode == 0, "plot --format svg: exit %d" % p.returncode)
counters = [f for f in os.listdir(os.path.join(nopf, "plots")) if f.startswith("counters")]
itlib.check(counters and all(f.endswith(".svg") for f in os.listdir(os.path.join(nopf, "plots"))),
            "--format svg writes only SVG")
for f in counters:
    with open(os.path.join(nopf, "plots", f), encoding="utf-8") as fh:
        svg = fh.read()
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
