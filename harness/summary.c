/*
 * summary.c - summary.txt: a fixed-width view (<= 80 columns) of the run,
 * made to be pasted into an email. Everything in it comes from the cells'
 * summaries; nothing is measured or computed here that is not in run.json
 * except ratios of medians (cost per KiB, per 4 KiB page, throughput).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "parse.h"

#define WIDTH 78
#define COUNTER_COLS 5

static const struct series *find(const struct cell_result *c, const char *role,
				 const char *metric)
{
	for (size_t i = 0; i < c->nseries; i++)
		if (c->series[i].has_sum && !strcmp(c->series[i].role, role) &&
		    !strcmp(c->series[i].metric, metric))
			return &c->series[i];
	return NULL;
}

/* About four significant digits in at most 10 characters. */
static const char *num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, len, "n/a");
	else if (a >= 1e9)
		snprintf(buf, len, "%.3e", v);
	else if (a >= 1000 || v == 0)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

/* The CI as +-% of the median (the larger side), or "n/a". */
static const char *ci_pct(const struct stats_summary *s, char *buf, size_t len)
{
	double hw;

	if (!s->ci_valid || s->median == 0) {
		snprintf(buf, len, "n/a");
		return buf;
	}
	hw = fmax(s->ci_hi - s->median, s->median - s->ci_lo) / fabs(s->median);
	snprintf(buf, len, hw < 0.1 ? "%.1f%%" : "%.0f%%", 100 * hw);
	return buf;
}

/* Word-wrap text to WIDTH columns after `first`; continuation lines are
 * indented. A word longer than a line is split. */
static void wrap(FILE *f, const char *first, const char *text, int indent)
{
	int col = fprintf(f, "%s", first);
	bool fresh = !*first;

	for (const char *p = text; *p;) {
		int w = (int)strcspn(p, " ");

		if (!fresh && col + 1 + w > WIDTH && col > indent) {
			col = fprintf(f, "\n%*s", indent, "") - 1;
			fresh = true;
		}
		if (!fresh) {
			fputc(' ', f);
			col++;
		}
		if (col + w > WIDTH)
			w = WIDTH - col > 8 ? WIDTH - col : w;
		col += fprintf(f, "%.*s", w, p);
		fresh = false;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

static bool same_group(const struct cell_result *a, const struct cell_result *b)
{
	return a->ncpus == b->ncpus && a->placement == b->placement;
}

/* A --hazard cell: what the deliberately broken verification saw. */
static void hazard_line(const struct cell_result *cr, FILE *f)
{
	char line[256], sz[16], first[96];
	size_t used;

	used = (size_t)snprintf(line, sizeof(line), "protocol check over %llu ops:",
				(unsigned long long)cr->verify_ops);
	for (int q = 0; q < BENCH_MAX_REPORTS && cr->hv->v->reports[q]; q++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, " %s=%llu",
					 cr->hv->v->reports[q],
					 (unsigned long long)cr->verify_reports[q]);
	snprintf(line + used, sizeof(line) - used, "%s",
		 cr->hv->v->reports[0] ? "" : " nothing to report");
	snprintf(first, sizeof(first), "%-19s %5s", cr->hv->name,
		 parse_format_size(cr->size, sz, sizeof(sz)));
	wrap(f, first, line, 26);
}

static void cost_table(const struct run *r, FILE *f)
{
	char a[24], b[24], c[24], d[24], e[24], g[24], sz[16];

	bool intro = false, header = false;

	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *cr = &r->cells[i];
		const struct series *w = find(cr, "op", "wall_ns");
		const struct series *cpu = find(cr, "op", "cpu_ns");
		double kib = (double)cr->size / 1024;

		if (cr->hv->v->class == BENCH_CLASS_PRIMITIVE)
			continue;	/* their own table: scaling_tables() */
		if (i && !same_group(cr, &r->cells[i - 1]))
			header = false;
		if (cr->hv->v->class == BENCH_CLASS_PRIMITIVE)
			continue;	/* their own table: scaling_tables() */
		if (!intro)
			fprintf(f, "\nCost per operation (op = producer + consumer): median, "
				   "95%% CI of the\nmedian as +-%%, derived per KiB and per "
				   "4 KiB page; cpu = thread CPU time\n");
		intro = true;
		if (!header)
			fprintf(f, "\ncpus=%u placement=%s\n%-19s %5s %10s %5s %8s %8s %7s %8s\n",
				cr->ncpus, topo_placement_name(cr->placement), "variant",
				"size", "ns/op", "+-CI", "ns/KiB", "ns/page", "GiB/s",
				"cpu/KiB");
		header = true;
		parse_format_size(cr->size, sz, sizeof(sz));
		if (!w && cr->status == CELL_OK && !strcmp(cr->stop_reason, "hazard")) {
			hazard_line(cr, f);
			continue;
		}
		if (!w || cr->status == CELL_FAILED) {
			char line[128];

			snprintf(line, sizeof(line), "%-19s %5s %s: ", cr->hv->name, sz,
				 cell_status_name(cr->status));
			wrap(f, line, cr->reason, 26);
			continue;
		}
		fprintf(f, "%-19s %5s %10s %5s %8s %8s %7s %8s%s\n", cr->hv->name, sz,
			num(w->sum.median, a, sizeof(a)), ci_pct(&w->sum, b, sizeof(b)),
			num(w->sum.median / kib, c, sizeof(c)),
			num(w->sum.median / kib * 4, d, sizeof(d)),
			num((double)cr->size / w->sum.median * 1e9 / (1 << 30), e, sizeof(e)),
			num(cpu ? cpu->sum.median / kib : NAN, g, sizeof(g)),
			cr->status == CELL_OK ? "" : " *");
	}
}

static bool has_phases(const struct run *r)
{
	for (size_t i = 0; i < r->nvariants; i++)
		if (r->variants[i].v->phases[0])
			return true;
	return false;
}

static void phase_table(const struct run *r, FILE *f)
{
	char m[72], a[24], b[24], sz[16];

	if (!has_phases(r))
		return;
	fprintf(f, "\nPhases of the producer's operation: median ns/op (+-CI), ns per 4 KiB page\n");
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *cr = &r->cells[i];
		const struct bench_variant *v = cr->hv->v;

		for (int p = 0; p < BENCH_MAX_PHASES && v->phases[p]; p++) {
			const struct series *s;

			snprintf(m, sizeof(m), "phase.%s.wall_ns", v->phases[p]);
			s = find(cr, "producer", m);
			if (!s)
				continue;
			fprintf(f, "%-19s %5s cpus=%-3u %-10s %9s %5s %9s ns/page\n",
				cr->hv->name, parse_format_size(cr->size, sz, sizeof(sz)),
				cr->ncpus, v->phases[p], num(s->sum.median, a, sizeof(a)),
				ci_pct(&s->sum, m, sizeof(m)),
				num(s->sum.median / ((double)cr->size / 4096), b, sizeof(b)));
		}
	}
}

/* Counters measured and non-zero somewhere, COUNTER_COLS per table. */
static void counter_tables(const struct run *r, FILE *f)
{
	int keys[PMU_MAX_EVENTS], nkeys = 0;
	char zero[512] = "";

	for (unsigned int e = 0; e < r->pmu.n; e++) {
		bool nonzero = false;

		if (!r->pmu.ev[e].available)
			continue;
		for (size_t i = 0; i < r->ncells; i++) {
			const struct series *s = find(&r->cells[i], "op", r->pmu.ev[e].key);
			const struct series *b = find(&r->cells[i], "bystanders", r->pmu.ev[e].key);

			nonzero |= (s && s->sum.max > 0) || (b && b->sum.max > 0);
		}
		if (nonzero)
			keys[nkeys++] = (int)e;
		else
			snprintf(zero + strlen(zero), sizeof(zero) - strlen(zero), "%s%s",
				 zero[0] ? ", " : "", r->pmu.ev[e].key);
	}
	for (int k0 = 0; k0 < nkeys; k0 += COUNTER_COLS) {
		int k1 = k0 + COUNTER_COLS < nkeys ? k0 + COUNTER_COLS : nkeys;

		fprintf(f, "\nCounters per operation, median (op = producer + consumer; "
			   "by = bystanders)\n");
		for (int k = k0; k < k1; k++)
			fprintf(f, "  [%d] %s\n", k - k0 + 1, r->pmu.ev[keys[k]].key);
		fprintf(f, "%-19s %5s %4s", "variant", "size", "cpus");
		for (int k = k0; k < k1; k++)
			fprintf(f, " %9s", (char[8]){ '[', (char)('1' + k - k0), ']', 0 });
		fputc('\n', f);
		for (size_t i = 0; i < r->ncells; i++) {
			const struct cell_result *cr = &r->cells[i];
			char sz[16], a[24];

			if (!find(cr, "op", "wall_ns"))
				continue;
			for (int by = 0; by < 2; by++) {
				const char *role = by ? "bystanders" : "op";

				if (by && !find(cr, "bystanders", "cpu_ns"))
					continue;
				fprintf(f, "%-19s %5s %4u", by ? "  by" : cr->hv->name,
					by ? "" : parse_format_size(cr->size, sz, sizeof(sz)),
					cr->ncpus);
				for (int k = k0; k < k1; k++) {
					const struct series *s = find(cr, role, r->pmu.ev[keys[k]].key);

					fprintf(f, " %9s", s ? num(s->sum.median, a, sizeof(a)) : "-");
				}
				fputc('\n', f);
			}
		}
	}
	if (zero[0]) {
		fputc('\n', f);
		wrap(f, "Measured and zero in every cell:", zero, 2);
	}
}

/* The fastest and second fastest hand-off (variants with a consumer) of
 * one (placement, cpus, size). */
static void best_two(const struct run *r, enum topo_placement p, unsigned int cpus,
		     size_t size, const struct cell_result **best,
		     const struct cell_result **next)
{
	double bm = INFINITY, nm = INFINITY;

	*best = *next = NULL;
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *o = &r->cells[i];
		const struct series *w = find(o, "op", "wall_ns");

		if (o->placement != p || o->ncpus != cpus || o->size != size || !w ||
		    o->status != CELL_OK || !o->hv->v->consumer)
			continue;
		if (w->sum.median < bm) {
			*next = *best, nm = bm;
			*best = o, bm = w->sum.median;
		} else if (w->sum.median < nm) {
			*next = o, nm = w->sum.median;
		}
	}
}

static void winner_group(const struct run *r, enum topo_placement p, unsigned int cpus,
			 FILE *f, bool *header)
{
	const struct cell_result *prev = NULL;
	char cross[512] = "", sz[16], sz2[16], a[24], b[24];

	for (size_t k = 0; k < r->opt.nsizes; k++) {
		const struct cell_result *best, *next;
		const struct series *bw, *nw;

		best_two(r, p, cpus, r->opt.sizes[k], &best, &next);
		if (!best || !next)
			continue;
		bw = find(best, "op", "wall_ns");
		nw = find(next, "op", "wall_ns");
		if (!*header) {
			fprintf(f, "\nFastest hand-off per size (op wall time; \"~\": CIs overlap)\n"
				   "%-4s %-7s %5s  %-19s %10s  %-19s %6s\n", "cpus", "place",
				"size", "winner", "ns/op", "next", "ratio");
			*header = true;
		}
		fprintf(f, "%-4u %-7s %5s  %-19s %10s  %-19s %5sx%s\n", cpus,
			topo_placement_name(p), parse_format_size(best->size, sz, sizeof(sz)),
			best->hv->name, num(bw->sum.median, a, sizeof(a)), next->hv->name,
			num(nw->sum.median / bw->sum.median, b, sizeof(b)),
			bw->sum.ci_valid && nw->sum.ci_valid && bw->sum.ci_hi >= nw->sum.ci_lo ?
			"~" : "");
		if (prev && prev->hv != best->hv)
			snprintf(cross + strlen(cross), sizeof(cross) - strlen(cross),
				 "%s%s (%s) -> %s (%s);", cross[0] ? " " : "", prev->hv->name,
				 parse_format_size(prev->size, sz2, sizeof(sz2)), best->hv->name,
				 parse_format_size(best->size, sz, sizeof(sz)));
		prev = best;
	}
	if (cross[0]) {
		char first[64];

		snprintf(first, sizeof(first), "  crossover, cpus=%u %s:", cpus,
			 topo_placement_name(p));
		wrap(f, first, cross, 4);
	}
}

static void winners(const struct run *r, FILE *f)
{
	bool header = false;

	for (size_t p = 0; p < r->opt.nplacements; p++)
		for (size_t c = 0; c < r->opt.ncpus; c++)
			winner_group(r, r->opt.placements[p], r->opt.cpus[c], f, &header);
}

/* The cell of a variant at (size, cpus, placement), or NULL. */
static const struct cell_result *cell_at(const struct run *r,
					 const struct harness_variant *hv, size_t size,
					 unsigned int cpus, enum topo_placement p)
{
	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i];

		if (c->hv == hv && c->size == size && c->ncpus == cpus && c->placement == p)
			return c->status == CELL_OK ? c : NULL;
	}
	return NULL;
}

static const struct stats_summary *op_at(const struct run *r,
					 const struct harness_variant *hv, size_t size,
					 unsigned int cpus, enum topo_placement p)
{
	const struct cell_result *c = cell_at(r, hv, size, cpus, p);
	const struct series *w = c ? find(c, "op", "wall_ns") : NULL;

	return w ? &w->sum : NULL;
}

/* Three significant digits with a k or M suffix, at most 5 characters. */
static const char *num3(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (fabs(v) >= 999.5e3)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else if (fabs(v) >= 999.5)
		snprintf(buf, len, "%.3gk", v / 1e3);
	else if (fabs(v) >= 1)
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "%.2f", v);
	return buf;
}

#define SCALE_COLS 4

/* Up to SCALE_COLS of the measured CPU counts: the two smallest and the
 * two largest. */
static size_t scale_columns(const struct run *r, unsigned int *cols)
{
	size_t n = r->opt.ncpus;

	for (size_t i = 0; i < n && i < SCALE_COLS; i++)
		cols[i] = r->opt.cpus[n <= SCALE_COLS || i < 2 ? i : n - SCALE_COLS + i];
	return n < SCALE_COLS ? n : SCALE_COLS;
}

/* Cost of each remote CPU: the least-squares slope of the median latency
 * over cpus-1 with its t-based 95% CI; with only two CPU counts, the
 * difference of the medians with the half-widths of their CIs combined
 * in quadrature. */
static void remote_cpu_cost(const struct run *r, const struct harness_variant *hv,
			    size_t size, enum topo_placement p, double *b, double *ci)
{
	const struct stats_summary *m[2] = { NULL, NULL };
	double x[64], y[64], a, h0, h1;
	size_t n = 0;

	*b = *ci = NAN;
	for (size_t k = 0; k < r->opt.ncpus && n < 64; k++) {
		const struct stats_summary *s = op_at(r, hv, size, r->opt.cpus[k], p);

		if (!s)
			continue;
		m[n < 2 ? n : 1] = s;
		x[n] = r->opt.cpus[k] - 1.0;
		y[n++] = s->median;
	}
	if (n >= 3) {
		stats_linfit(x, y, n, &a, b, ci);
	} else if (n == 2 && x[1] > x[0]) {
		*b = (y[1] - y[0]) / (x[1] - x[0]);
		h0 = m[0]->ci_valid ? fmax(m[0]->ci_hi - m[0]->median, m[0]->median - m[0]->ci_lo) : NAN;
		h1 = m[1]->ci_valid ? fmax(m[1]->ci_hi - m[1]->median, m[1]->median - m[1]->ci_lo) : NAN;
		*ci = sqrt(h0 * h0 + h1 * h1) / (x[1] - x[0]);
	}
}

/* The initiator's local TLB flushes per op, and the TLB IPIs each remote
 * CPU received per op, at the largest CPU count. */
static void flushes(const struct run *r, const struct harness_variant *hv, size_t size,
		    enum topo_placement p, double *fl, double *ipi)
{
	const struct cell_result *c = NULL;
	const struct series *s;
	unsigned int cpus = 0;

	*fl = *ipi = NAN;
	for (size_t k = r->opt.ncpus; k-- > 0 && !c;)
		if ((c = cell_at(r, hv, size, r->opt.cpus[k], p)))
			cpus = r->opt.cpus[k];
	if (!c)
		return;
	if ((s = find(c, "producer", "tlb_flush.local_mm_shootdown")))
		*fl = s->sum.median;
	if ((s = find(c, "producer", "tlb_flush.local_shootdown")))
		*fl = (isfinite(*fl) ? *fl : 0) + s->sum.median;
	if (cpus > 1 && (s = find(c, "bystanders", "tlb_ipi")))
		*ipi = s->sum.median / (cpus - 1);
}

static void scale_row(const struct run *r, const struct harness_variant *hv, size_t size,
		      enum topo_placement p, const unsigned int *cols, size_t ncols, FILE *f)
{
	double b, ci, fl, ipi;
	char sz[16], v[24];

	fprintf(f, "%-18s %5s %4zu", hv->name, parse_format_size(size, sz, sizeof(sz)),
		(size + 4095) / 4096);
	for (size_t k = 0; k < ncols; k++) {
		const struct stats_summary *s = op_at(r, hv, size, cols[k], p);

		fprintf(f, " %5s", num3(s ? s->median : NAN, v, sizeof(v)));
	}
	for (size_t k = ncols; k < SCALE_COLS; k++)
		fprintf(f, " %5s", "");
	remote_cpu_cost(r, hv, size, p, &b, &ci);
	fprintf(f, " %7s", num3(b, v, sizeof(v)));
	fprintf(f, " %5s", num3(ci, v, sizeof(v)));
	flushes(r, hv, size, p, &fl, &ipi);
	fprintf(f, " %4s", num3(fl, v, sizeof(v)));
	fprintf(f, " %5s\n", num3(ipi, v, sizeof(v)));
}

/* Primitives (e.g. TLB shootdowns): latency vs CPUs, per placement. */
static void scaling_tables(const struct run *r, FILE *f)
{
	unsigned int cols[SCALE_COLS];
	size_t ncols = scale_columns(r, cols);
	int ceiling = r->machine.tlb_flush_ceiling;
	bool any = false;

	for (size_t v = 0; v < r->nvariants; v++)
		any |= r->variants[v].v->class == BENCH_CLASS_PRIMITIVE;
	if (!any)
		return;
	fprintf(f, "\nPrimitives: op latency in ns (median) vs CPUs running the process.\n"
		   "per CPU: cost of each remote CPU (slope over cpus-1) and its 95%% CI;\n"
		   "fl: initiator's local TLB flushes/op; IPI/c: TLB IPIs per remote CPU\n"
		   "per op, both at the most CPUs; pg: 4 KiB pages per op. ");
	if (ceiling >= 0)
		fprintf(f, "Flush ceiling %d pages.\n", ceiling);
	else
		fprintf(f, "Flush ceiling\nunknown (debugfs not mounted; the x86 default is 33 pages).\n");
	for (size_t p = 0; p < r->opt.nplacements; p++) {
		fprintf(f, "\nplacement %s\n%-18s %5s %4s",
			topo_placement_name(r->opt.placements[p]), "variant", "size", "pg");
		for (size_t k = 0; k < SCALE_COLS; k++)
			k < ncols ? fprintf(f, " %5u", cols[k]) : fprintf(f, " %5s", "");
		fprintf(f, " %7s %5s %4s %5s\n", "per CPU", "+-CI", "fl", "IPI/c");
		for (size_t v = 0; v < r->nvariants; v++) {
			if (r->variants[v].v->class != BENCH_CLASS_PRIMITIVE)
				continue;
			for (size_t s = 0; s < r->opt.nsizes; s++)
				scale_row(r, &r->variants[v], r->opt.sizes[s],
					  r->opt.placements[p], cols, ncols, f);
		}
	}
}

/* Sum of a series' raw samples (per-op values; K is constant in a cell,
 * so ratios of these sums are ratios of totals). */
static double series_sum(const struct series *s)
{
	double t = 0;

	for (size_t i = 0; s && i < s->n; i++)
		t += s->v[i];
	return t;
}

/* "<x>_copied" over "<x>_completions" as a percentage, or NAN. */
static double copied_share(const struct cell_result *c)
{
	const struct bench_variant *v = c->hv->v;

	for (int q = 0; q < BENCH_MAX_REPORTS && v->reports[q]; q++) {
		const char *name = v->reports[q];
		size_t n = strlen(name);
		char total[80];
		const struct series *cp, *all;

		if (n < 7 || strcmp(name + n - 7, "_copied"))
			continue;
		snprintf(total, sizeof(total), "%.*s_completions", (int)(n - 7), name);
		cp = find(c, "op", name);
		all = find(c, "op", total);
		if (cp && all && series_sum(all) > 0)
			return 100 * series_sum(cp) / series_sum(all);
	}
	return NAN;
}

/* Does any "*_violations" count of the cell exceed zero? */
static bool violated(const struct cell_result *c)
{
	for (size_t i = 0; i < c->nseries; i++) {
		const char *m = c->series[i].metric;
		size_t n = strlen(m);

		if (n > 11 && !strcmp(m + n - 11, "_violations") &&
		    series_sum(&c->series[i]) > 0)
			return true;
	}
	return false;
}

static const struct harness_variant *variant_named(const struct run *r, const char *name)
{
	for (size_t i = 0; name && i < r->nvariants; i++)
		if (!strcmp(r->variants[i].name, name))
			return &r->variants[i];
	return NULL;
}

static void twin_row(const struct run *r, const struct cell_result *c,
		     const struct harness_variant *tw, FILE *f)
{
	const struct cell_result *t = cell_at(r, tw, c->size, c->ncpus, c->placement);
	const struct series *w = find(c, "op", "wall_ns"), *cpu = find(c, "op", "cpu_ns");
	const struct series *tw_w = t ? find(t, "op", "wall_ns") : NULL;
	const struct series *tw_cpu = t ? find(t, "op", "cpu_ns") : NULL;
	double kib = (double)c->size / 1024, share = copied_share(c);
	char sz[16], a[24], b[24], d[24], e[24], g[24], pct[16] = "";
	bool overlap;

	if (!w)
		return;
	overlap = tw_w && w->sum.ci_valid && tw_w->sum.ci_valid &&
		  w->sum.ci_lo <= tw_w->sum.ci_hi && tw_w->sum.ci_lo <= w->sum.ci_hi;
	if (isfinite(share))
		snprintf(pct, sizeof(pct), " %6.0f%%", share);
	fprintf(f, "%4u %5s %10s %10s %6s%-2s %8s %8s%s%s\n", c->ncpus,
		parse_format_size(c->size, sz, sizeof(sz)), num(w->sum.median, a, sizeof(a)),
		tw_w ? num(tw_w->sum.median, b, sizeof(b)) : "-",
		tw_w ? num(tw_w->sum.median / w->sum.median, d, sizeof(d)) : "-",
		tw_w ? (overlap ? "x~" : "x") : "",
		cpu ? num(cpu->sum.median / kib, e, sizeof(e)) : "-",
		tw_cpu ? num(tw_cpu->sum.median / kib, g, sizeof(g)) : "-",
		pct, violated(c) ? "  REUSE VIOLATED" : "");
}

/* Each variant that names a copying twin, beside it, cell by cell. */
static void twin_tables(const struct run *r, FILE *f)
{
	bool intro = false;

	for (size_t v = 0; v < r->nvariants; v++) {
		const struct harness_variant *hv = &r->variants[v];
		const struct harness_variant *tw = variant_named(r, hv->v->twin);
		bool header = false;

		if (!tw)
			continue;
		if (!intro)
			fprintf(f, "\nAgainst the copying twin: op ns (median), speed-up = twin/variant\n"
				   "(\"~\": CIs overlap), cpu ns per KiB; copied = share of completions\n"
				   "the kernel copied instead of sharing pages (100%%: no zero copy,\n"
				   "as always over loopback)\n");
		intro = true;
		for (size_t i = 0; i < r->ncells; i++) {
			const struct cell_result *c = &r->cells[i];

			if (c->hv != hv || c->status != CELL_OK)
				continue;
			if (!header)
				fprintf(f, "\n%s vs %s\n%4s %5s %10s %10s %8s %8s %8s %7s\n",
					hv->name, tw->name, "cpus", "size", "ns/op", "twin",
					"speed-up", "cpu/KiB", "twin", "copied");
			header = true;
			twin_row(r, c, tw, f);
		}
	}
}

/* Cells whose CI did not reach the target, and cells on SMT siblings. */
static void notes(const struct run *r, FILE *f)
{
	size_t ok = 0, loose = 0, smt = 0;
	char line[256];

	for (size_t i = 0; i < r->ncells; i++) {
		const struct cell_result *c = &r->cells[i];

		if (c->status != CELL_OK)
			continue;
		ok++;
		loose += strcmp(c->stop_reason, "ci") != 0;
		smt += c->smt_siblings;
	}
	if (!loose && !smt)
		return;
	fprintf(f, "\nNotes:\n");
	if (loose) {
		snprintf(line, sizeof(line), "%zu of %zu cells stopped (time or sample "
			 "budget) before the CI of their median reached +-%g%%; read their "
			 "+-CI column.", loose, ok, 100 * r->opt.target_ci);
		wrap(f, "  -", line, 4);
	}
	if (smt) {
		snprintf(line, sizeof(line), "%zu cells run threads on SMT siblings of "
			 "one core (run.json: smt_siblings); compare placements.", smt);
		wrap(f, "  -", line, 4);
	}
}

static void unavailable(const struct run *r, FILE *f)
{
	bool header = false;

	for (unsigned int e = 0; e < r->pmu.n; e++) {
		char first[128];

		if (r->pmu.ev[e].available)
			continue;
		if (!header)
			fprintf(f, "\nNot measured (reason):\n");
		header = true;
		snprintf(first, sizeof(first), "  %s:", r->pmu.ev[e].name);
		wrap(f, first, r->pmu.ev[e].reason, 4);
	}
	for (unsigned int i = 0; i < r->machine.warnings; i++) {
		if (!i)
			fprintf(f, "\nWarnings:\n");
		wrap(f, "  -", r->machine.warning[i], 4);
	}
}

int summary_write(const struct run *r, FILE *f)
{
	static const char *const st[] = { "complete", "INTERRUPTED", "FAILED" };
	char lines[3][80], cmd[4096];
	size_t ok = 0;

	for (size_t i = 0; i < r->ncells; i++)
		ok += r->cells[i].status == CELL_OK;
	machine_summary(&r->machine, r->topo, lines);
	fprintf(f, "cowbench run %s, %s: %zu of %zu cells measured\n", r->started,
		st[r->status], ok, r->ncells);
	for (int i = 0; i < 3; i++)
		fprintf(f, "%.78s\n", lines[i]);
	cost_table(r, f);
	phase_table(r, f);
	winners(r, f);
	twin_tables(r, f);
	scaling_tables(r, f);
	counter_tables(r, f);
	notes(r, f);
	unavailable(r, f);
	output_command_line(r, cmd, sizeof(cmd));
	fputc('\n', f);
	wrap(f, "Reproduce:", cmd, 2);
	return ferror(f) ? -EIO : 0;
}
