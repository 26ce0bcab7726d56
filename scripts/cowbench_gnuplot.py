# SPDX-License-Identifier: GPL-2.0-only
"""cowbench_gnuplot - drawing for scripts/plot and scripts/history: running
gnuplot on the scripts in scripts/gnuplot/, figure and panel layout, axis
ranges and tics, colours a reader can tell apart. It draws what it is
given and computes no figure.
"""
import math
import os
import shutil
import subprocess

GNUPLOT_MISSING = "gnuplot not found: apt-get install gnuplot-nox"
SCRIPTS_DIR = os.path.dirname(os.path.abspath(__file__))
GNUPLOT_DIR = os.path.join(SCRIPTS_DIR, "gnuplot")


class ToolError(Exception):
    """A missing or failing tool (gnuplot): the scripts exit 1."""


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def gnuplot_path():
    return shutil.which("gnuplot")


def gp_string(s):
    """A gnuplot double-quoted string literal."""
    s = str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"%s"' % s


def run_gnuplot(script, params_file, outfile, fmt, width, height):
    """Render scripts/gnuplot/<script> with the generated parameters into
    outfile (fmt 'png' or 'svg'). Raises ToolError on failure."""
    gp = gnuplot_path()
    if not gp:
        raise ToolError(GNUPLOT_MISSING)
    setup = "params=%s; outfile=%s; fmt=%s; width=%d; height=%d; gpdir=%s" % (
        gp_string(params_file), gp_string(outfile), gp_string(fmt), width, height,
        gp_string(GNUPLOT_DIR))
    p = subprocess.run([gp, "-e", setup, os.path.join(GNUPLOT_DIR, script)],
                       capture_output=True, text=True)
    if p.returncode != 0 or not os.path.isfile(outfile) or os.path.getsize(outfile) == 0:
        raise ToolError("gnuplot failed on %s (%s): %s"
                        % (script, os.path.basename(outfile), p.stderr.strip()[-600:]))
    return p.stderr


# ----------------------------------------------------------------- figures ---

# Colours: each strategy class gets a family of hues (cool for the
# copies, warm for COW, greens for notification, purples for the
# primitives), in the order the caller gives (the run's, see plot). Within
# a family the hues differ strongly (red, orange, pink, gold, plum, brown:
# no two shades of one hue next to each other), and variant i also gets
# dash pattern i and point type i, so the first five variants of a class
# differ in all three; past six the points go hollow, so no two variants
# of a class are drawn alike.
FAMILIES = [
    ["#1f4e9c", "#17a2b8", "#6a5acd", "#0b2447", "#5dade2", "#708090", "#4682b4",
     "#2f4f4f"],                                                          # copy: blues
    ["#d62728", "#ff7f0e", "#e377c2", "#c7a000", "#8e0152", "#5b3a29", "#b35806",
     "#ff6f61"],                                                          # cow: warm
    ["#2ca02c", "#9acd32", "#00796b", "#556b2f", "#66cdaa", "#00441b", "#8c9e3a",
     "#1b9e77"],                                                          # greens
    ["#6a3d9a", "#b07cd6", "#3f007d", "#aa4499", "#303030", "#c2a5cf", "#5c5c8a",
     "#9e9ac8"],                                                          # purples
    ["#505050", "#a0a0a0", "#202020", "#787878", "#c0c0c0", "#383838"],   # greys
]
DISTINCT = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
            "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
DASHES = [1, 2, 4, 5, 3]                # solid, dashed, dash-dot, dash-dot-dot, dotted
POINTS = [7, 5, 9, 13, 11, 15]          # filled circle, square, triangles, diamond...
OPEN_POINTS = [6, 4, 8, 12, 10, 14]


def class_style(classes, cls, i):
    """(colour, dash, point) of the i-th variant of class cls, the classes
    taking the colour families in the order given."""
    k = classes.index(cls) if cls in classes else len(classes)
    fam = FAMILIES[k % len(FAMILIES)]
    pts = POINTS if (i // len(POINTS)) % 2 == 0 else OPEN_POINTS
    return fam[i % len(fam)], DASHES[i % len(DASHES)], pts[i % len(pts)]


def size_tics(cells):
    """Explicit x tics at the cells' buffer sizes, labelled as the run
    labels them (size_label); every other one when there are many."""
    pairs = sorted({(c.size, c.size_label) for c in cells})
    step = 1 if len(pairs) <= 8 else 2
    return "(" + ", ".join('"%s" %d' % (lab, s) for s, lab in pairs[::step]) + ")"


def count_tics(values):
    return "(" + ", ".join('"%d" %d' % (v, v) for v in sorted(set(values))) + ")"


def log_range(values, pad=1.35):
    lo, hi = min(values), max(values)
    return "[%.6g:%.6g]" % (lo / pad, hi * pad)


def log_tics(rng):
    """Tick positions for a log axis over the range string "[lo:hi]": the
    decades, or 1-2-5 steps when it spans less than two decades (gnuplot
    would label a single tick)."""
    lo, hi = (float(x) for x in rng.strip("[]").split(":"))
    if lo <= 0 or hi <= lo:
        return ""
    steps = (1,) if hi / lo >= 100 else (1, 2, 5)
    out = []
    e = int(math.floor(math.log10(lo)))
    while 10.0 ** e <= hi:
        for m in steps:
            v = m * 10.0 ** e
            if lo <= v <= hi:
                out.append("%.6g" % v)
        e += 1
    return "(" + ", ".join(out) + ")" if len(out) >= 2 else ""


def lin_range(values, pad=0.08, zero=False):
    lo, hi = min(values), max(values)
    if zero:
        lo = min(lo, 0.0)
    span = (hi - lo) or abs(hi) or 1.0
    return "[%.6g:%.6g]" % (lo - pad * span if not zero else lo, hi + pad * span)


class Panel:
    def __init__(self, title, xlabel, ylabel, xrange="[*:*]", yrange="[*:*]",
                 xtics="", ytics="", hline=None, hlabel="", vlines=(), ytics_set="",
                 vlabel=""):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.ytics_set = ytics_set      # replaces the automatic y tics
        self.xrange, self.yrange, self.xtics, self.ytics = xrange, yrange, xtics, ytics
        self.hline, self.hlabel, self.vlines = hline, hlabel, list(vlines)
        self.vlabel = vlabel            # written at the top of each vertical line
        self.data = {}          # series index -> [(x, y, lo, hi[, label])]

    def add(self, sindex, x, y, lo=None, hi=None, label=None):
        row = [x, y, y if lo is None else lo, y if hi is None else hi]
        if label is not None:
            row.append(label)
        self.data.setdefault(sindex, []).append(row)


# Legend geometry, in pixels: an entry is its sample line (samplen 3 plus
# the gaps gnuplot leaves, ~70 px) and its title at ~7.5 px per character
# (Sans 10 in PNG, a little more in SVG's Sans 11: 8.2 px is the widest).
KEY_CHAR_PX = 8.2
KEY_SAMPLE_PX = 78
KEY_ROW_PX = 19


class Figure:
    """A multi-panel figure: series (style shared by all panels), panels
    with data, a title, a legend strip. render() writes the parameters and
    CSVs for scripts/gnuplot/<script> and runs gnuplot once per format."""

    def __init__(self, name, script, title_lines, note=""):
        self.name, self.script = name, script
        self.title_lines = [t for t in title_lines if t]
        self.note = note
        self.series = []
        self.ids = {}
        self.panels = []
        self.vars = {}          # extra numeric gnuplot variables for the script
        self.xtic_room = 0      # extra pixels under each panel for long x tics
        self.panel_px = None    # (width, height) of a panel instead of the default

    def add_series(self, sid, title, color, dash=1, pt=7, style="err", lw=1.5, key=True):
        """A series: style "err" (line, points, CI bars), "band" (line, CI
        band), "lp", "line", "pts" (points with CI bars, no line) or "lab"
        (labelled points); key: in the legend where it has data, "always"
        (a legend entry that explains a style) or False."""
        if sid in self.ids:
            return self.ids[sid]
        self.series.append(dict(title=title, color=color, dash=dash, pt=pt,
                                style=style, lw=lw, key=key))
        self.ids[sid] = len(self.series)
        return self.ids[sid]

    def add_panel(self, panel):
        self.panels.append(panel)
        return panel

    def used_series(self):
        used = set()
        for p in self.panels:
            used.update(s for s, rows in p.data.items() if rows)
        return used

    def _layout(self):
        n = len(self.panels)
        cols = 1 if n == 1 else 2 if n in (2, 4) else 3
        rows = (n + cols - 1) // cols
        pw, ph = (880, 520) if cols == 1 else (600, 420) if cols == 2 else (520, 400)
        pw, ph = self.panel_px or (pw, ph)
        ph += self.xtic_room
        used = self.used_series()
        keyed = [i for i in range(1, len(self.series) + 1) if self.series[i - 1]["key"] and
                 (i in used or self.series[i - 1]["key"] == "always")]
        longest = max([len(self.series[i - 1]["title"]) for i in keyed] or [10])
        colw = int(KEY_CHAR_PX * longest + KEY_SAMPLE_PX)
        # never narrower than one legend entry (or the note's lines)
        note_w = max([len(ln) for ln in self.note.split("\n")] or [0]) * 6.5
        width = max(cols * pw + 30, colw + 40, int(note_w) + 40)
        kcols = max(1, min(len(keyed), (width - 40) // colw))
        krows = (len(keyed) + kcols - 1) // kcols
        note_lines = self.note.count("\n") + 1 if self.note else 0
        key_h = 20 + KEY_ROW_PX * krows + 15 * note_lines + (8 if note_lines else 0)
        self.title_lines = wrap("\n".join(self.title_lines), int(width / 8.8)).split("\n")
        title_h = 22 + 17 * len(self.title_lines)
        height = title_h + rows * ph + key_h
        boxes = []
        x_off = (width - cols * pw) / 2.0
        for i in range(n):
            r, c = divmod(i, cols)
            x0, y0 = x_off + c * pw, title_h + r * ph
            boxes.append(((x0 + 82.0) / width, (x0 + pw - 22.0) / width,
                          1.0 - (y0 + ph - 58.0 - self.xtic_room) / height,
                          1.0 - (y0 + 30.0) / height))
        return width, height, boxes, keyed, kcols, (key_h - 6.0) / height, \
            (15.0 * note_lines) / height

    def render(self, workdir, outdir, formats=("png", "svg")):
        if not self.panels:
            return []
        ddir = os.path.join(workdir, self.name)
        os.makedirs(ddir, exist_ok=True)
        width, height, boxes, keyed, kcols, key_t, note_h = self._layout()
        lines = ["datadir = %s" % gp_string(ddir),
                 "figtitle = %s" % gp_string("\n".join(self.title_lines)),
                 "note = %s" % gp_string(self.note),
                 "npanels = %d" % len(self.panels),
                 "key_b = %.5f" % max(note_h, 0.002), "key_t = %.5f" % key_t,
                 "key_cols = %d" % kcols]
        lines += ["%s = %s" % (k, v) for k, v in sorted(self.vars.items())]
        for i, s in enumerate(self.series, 1):
            lines += ["s_title_%d = %s" % (i, gp_string(s["title"])),
                      "s_color_%d = %s" % (i, gp_string(s["color"])),
                      "s_dash_%d = %d" % (i, s["dash"]), "s_pt_%d = %d" % (i, s["pt"]),
                      "s_lw_%d = %.2f" % (i, s["lw"])]
        for name, styles in (("lp", ("err", "band", "lp", "lab")), ("line", ("line",)),
                             ("pts", ("pts",))):
            ids = [str(i) for i in keyed if self.series[i - 1]["style"] in styles]
            lines.append("key_%s = %s" % (name, gp_string(" ".join(ids))))
        for pi, (p, box) in enumerate(zip(self.panels, boxes), 1):
            by_style = {k: [] for k in ("err", "band", "lp", "line", "pts", "lab")}
            for si in sorted(p.data):
                rows = p.data[si]
                if not rows:
                    continue
                by_style[self.series[si - 1]["style"]].append(str(si))
                with open(os.path.join(ddir, "p%d_s%d.csv" % (pi, si)), "w") as f:
                    for row in sorted(rows, key=lambda r: r[0]):
                        f.write(",".join(_csv_val(v) for v in row) + "\n")
            for k, v in by_style.items():
                lines.append("p_%s_%d = %s" % (k, pi, gp_string(" ".join(v))))
            l, r, b, t = box
            hline = "NaN" if p.hline is None else "%.6g" % p.hline
            lines += ["p_l_%d = %.5f" % (pi, l), "p_r_%d = %.5f" % (pi, r),
                      "p_b_%d = %.5f" % (pi, b), "p_t_%d = %.5f" % (pi, t),
                      "p_title_%d = %s" % (pi, gp_string(p.title)),
                      "p_xlabel_%d = %s" % (pi, gp_string(p.xlabel)),
                      "p_ylabel_%d = %s" % (pi, gp_string(p.ylabel)),
                      "p_xrange_%d = %s" % (pi, gp_string(p.xrange)),
                      "p_yrange_%d = %s" % (pi, gp_string(p.yrange)),
                      "p_xtics_%d = %s" % (pi, gp_string(p.xtics)),
                      "p_ytics_%d = %s" % (pi, gp_string(p.ytics)),
                      "p_yticsset_%d = %s" % (pi, gp_string(p.ytics_set)),
                      "p_hline_%d = %s" % (pi, hline),
                      "p_hlabel_%d = %s" % (pi, gp_string(p.hlabel)),
                      "p_vlines_%d = %s" % (pi, gp_string(" ".join("%.6g" % v for v in p.vlines))),
                      "p_vlabel_%d = %s" % (pi, gp_string(p.vlabel))]
        params = os.path.join(ddir, "params.gp")
        with open(params, "w") as f:
            f.write("\n".join(lines) + "\n")
        out = []
        for fmt in formats:
            path = os.path.join(outdir, "%s.%s" % (self.name, fmt.split("-")[0]))
            run_gnuplot(self.script, params, path, fmt, width, height)
            out.append(path)
        return out


def _csv_val(v):
    if isinstance(v, str):
        return v.replace(",", " ")
    if v is None or not _finite(v):
        return "NaN"
    return "%.9g" % v


def wrap(text, width):
    """Greedy word wrap of each line; lines joined by newlines."""
    out = []
    for line in text.split("\n"):
        cur = ""
        for w in line.split(" "):
            if cur and len(cur) + 1 + len(w) > width:
                out.append(cur)
                cur = w
            else:
                cur = (cur + " " + w) if cur else w
        out.append(cur)
    return "\n".join(out)

