// SPDX-License-Identifier: GPL-2.0-only
/*
 * schedule.c - one process per (cell, repetition): spawn, feed, watch, reap
 * (see sched.h). The parent is single-threaded and never measures; it
 * sleeps in poll() while a cell's process runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fmt.h"
#include "memlimit.h"
#include "parse.h"
#include "peer.h"
#include "schedule.h"
#include "wire.h"

#define GRACE_S 10.0		/* after SIGTERM, before SIGKILL */

volatile sig_atomic_t sched_signal;

static void on_signal(int sig)
{
	if (sched_signal == SIGINT && sig == SIGINT)
		signal(SIGINT, SIG_DFL);	/* a second ^C kills */
	sched_signal = sig;
}

void sched_install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static double now_s(void)
{
	return (double)clock_mono_ns() / 1e9;
}

/* The run's topology for the cells' processes, exported once. */
static char *xml;
static int xml_len;

static void build_spec(const struct run *r, const struct cell_result *c, unsigned int rep,
		       double elapsed, struct cell_spec *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->variant, sizeof(s->variant), "%s", c->vr->name);
	s->size = c->size;
	s->ncpus = c->ncpus;
	memcpy(s->cpu_list, c->cpu_list, c->ncpus * sizeof(int));
	s->placement = c->placement;
	s->rep = rep;
	s->samp = r->opt.samp;
	s->samp.phase_mark_ns = r->clock.phase_mark_overhead_ns;
	if (r->opt.budget_s > 0)
		s->samp.run_left_s = fmax(r->opt.budget_s - elapsed, 1e-3);
	s->sink = r->opt.sink;
	snprintf(s->peer, sizeof(s->peer), "%s", r->opt.peer ? r->opt.peer : "");
	s->hazard = r->opt.hazard;
	s->sabotage = r->opt.sabotage;
	s->thp = c->thp;
	s->verify = true;
	for (size_t k = 0; k < c->nreps; k++)
		if (c->reps[k].ran && c->reps[k].verify_ran && c->reps[k].verified)
			s->verify = false;	/* the cell's code is verified */
	snprintf(s->events, sizeof(s->events), "%s", r->opt.events ? r->opt.events : "");
	s->nevents = r->pmu.n;
	for (unsigned int i = 0; i < r->pmu.n; i++) {
		snprintf(s->ev[i].key, sizeof(s->ev[i].key), "%s", r->pmu.ev[i].key);
		s->ev[i].available = r->pmu.ev[i].available;
		s->ev[i].user_only = r->pmu.ev[i].user_only;
	}
	s->tsc_hz = r->clock.tsc_hz;
	s->xml = xml;
	s->xml_len = xml_len;
}

/* In a cell's process before exec: should memory run out (a cgroup's
 * limit, the machine's), the OOM killer takes the cell, which is then one
 * failed repetition, rather than the parent, which holds the whole run.
 * Only open() and write(): this runs between fork() and exec. */
static void prefer_oom_victim(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;		/* then the largest process goes first */
	n = write(fd, "1000", 4);
	(void)n;
	close(fd);
}

/* The child is moved to the producer's CPU before exec: the new mm then
 * starts there, and no other CPU ever holds it at one CPU (a CPU that ran
 * the exec would stay in the mm's cpumask, lazily, and every flush would
 * be sent its way). */
static int spawn(pid_t *pid, int *to, int *from, int cpu)
{
	sigset_t stop, old;
	int in[2], out[2];

	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	fflush(NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &old);	/* none lost between fork and exec */
	*pid = fork();
	if (*pid == 0) {
		char *argv[] = { "cowbench", "cell", NULL };

		if (cpu >= 0 && cpu < CPU_SETSIZE) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		prefer_oom_victim();
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execv("/proc/self/exe", argv);	/* the mask is inherited: the cell
						   unblocks once its handlers are in */
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(in[0]);
	close(out[1]);
	if (*pid < 0) {
		close(in[1]);
		close(out[0]);
		return -errno;
	}
	*to = in[1];
	*from = out[0];
	return 0;
}

struct watch {
	pid_t pid;
	int fd;
	double start, last;		/* s: spawned, last record */
	double term_at;			/* s: SIGTERM sent, 0 not yet */
	bool killed_hung, ended, proto;
	char buf[1 << 16];
	size_t len;
};

/* Apply every complete line in the buffer. */
static void drain_lines(struct watch *w, struct rep_result *rep,
			const struct bench_variant *v, const struct pmu_set *pmu)
{
	size_t off = 0;
	char *nl;

	while ((nl = memchr(w->buf + off, '\n', w->len - off))) {
		int rc;

		*nl = 0;
		rc = wire_apply(rep, v, pmu, w->buf + off);
		if (rc == 1)
			w->ended = true;
		else if (rc < 0 && !w->proto) {
			w->proto = true;
			snprintf(rep->reason, sizeof(rep->reason), "the cell's process sent a "
				 "bad record (%s)", strerror(-rc));
		}
		if (rep->ready && !rep->spawn_ms)
			rep->spawn_ms = (now_s() - w->start) * 1e3;
		off = (size_t)(nl - w->buf) + 1;
	}
	memmove(w->buf, w->buf + off, w->len - off);
	w->len -= off;
	if (w->len == sizeof(w->buf)) {		/* a line longer than the buffer */
		w->proto = true;
		w->len = 0;
	}
}

/* Read records until the process closes its end. */
static void watch_child(struct watch *w, struct rep_result *rep,
			const struct bench_variant *v, const struct pmu_set *pmu,
			double hang_s)
{
	for (;;) {
		struct pollfd p = { .fd = w->fd, .events = POLLIN };
		double t = now_s(), left = hang_s - (t - w->last);
		int rc;

		if (sched_signal && !w->term_at) {
			kill(w->pid, SIGTERM);
			w->term_at = t;
		}
		if (w->term_at && t - w->term_at > GRACE_S)
			kill(w->pid, SIGKILL);
		if (left <= 0 && !w->killed_hung) {
			kill(w->pid, SIGKILL);
			w->killed_hung = true;
		}
		rc = poll(&p, 1, w->term_at ? 500 : left > 0 ? (int)(left * 1e3) + 1 : 500);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			continue;
		ssize_t n = read(w->fd, w->buf + w->len, sizeof(w->buf) - w->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		w->len += (size_t)n;
		w->last = now_s();
		drain_lines(w, rep, v, pmu);
	}
}

static const char *signame(int sig)
{
	const char *s = sigabbrev_np(sig);
	static char buf[16];

	snprintf(buf, sizeof(buf), "SIG%s", s ? s : "?");
	return buf;
}

/* What the process's end says about the repetition, when it said nothing. */
static void judge_exit(struct rep_result *rep, const struct watch *w, int st,
		       const struct mem_oom *oom0, double hang_s)
{
	char why[RESULTS_REASON_LEN];
	struct mem_oom oom1;

	rep->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	rep->exit_signal = WIFSIGNALED(st) ? WTERMSIG(st) : -1;
	if (w->ended && !w->proto)
		return;
	if (w->proto) {
		rep->status = CELL_FAILED;
		return;
	}
	if (w->term_at) {
		rep->status = CELL_INTERRUPTED;
		snprintf(rep->reason, sizeof(rep->reason), "interrupted by %s",
			 signame(sched_signal ? sched_signal : SIGTERM));
		return;
	}
	rep->status = CELL_FAILED;
	mem_oom_count(&oom1);
	if (w->killed_hung)
		snprintf(why, sizeof(why), "hung: no record for %g s (--hang-timeout), killed",
			 hang_s);
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		mem_kill_reason(oom0, &oom1, why, sizeof(why));
	else if (WIFSIGNALED(st))
		snprintf(why, sizeof(why), "the cell's process died of %s%s",
			 signame(WTERMSIG(st)), WCOREDUMP(st) ? " (core dumped)" : "");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		snprintf(why, sizeof(why), "cannot run the cell's process (exec failed)");
	else
		snprintf(why, sizeof(why), "the cell's process exited with code %d before "
			 "its last record", WEXITSTATUS(st));
	snprintf(rep->reason, sizeof(rep->reason), "%s", why);
}

static int run_one(struct run *r, struct cell_result *c, struct rep_result *rep)
{
	static struct cell_spec spec;
	double t0 = now_s();
	struct watch *w = calloc(1, sizeof(*w));
	struct mem_oom oom0;
	int to = -1, st = 0, rc;
	FILE *f;

	if (!w)
		return -ENOMEM;
	mem_oom_count(&oom0);
	build_spec(r, c, rep->rep, t0 - r->start_s, &spec);
	rc = spawn(&w->pid, &to, &w->fd, topo_can_bind(r->topo) ? c->cpu_list[0] : -1);
	if (rc) {
		free(w);
		return rc;
	}
	rep->ran = true;
	rep->pid = w->pid;
	rep->status = CELL_FAILED;
	rep->reason[0] = 0;
	w->start = w->last = t0;
	f = fdopen(to, "w");
	if (f) {
		wire_write_spec(f, &spec);	/* a child that died is judged below */
		fclose(f);
	} else {
		close(to);
	}
	watch_child(w, rep, c->vr->v, &r->pmu, r->opt.hang_s);
	close(w->fd);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	judge_exit(rep, w, st, &oom0, r->opt.hang_s);
	rep->duration_s = now_s() - t0;
	rep_summarize(rep);
	free(w);
	return 0;
}

static void fmt_clock(double s, char *buf, size_t len)
{
	unsigned long t = (unsigned long)(s + 0.5);

	snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

static void progress(const struct run *r, size_t i, const struct cell_result *c,
		     const struct rep_result *rep, double elapsed)
{
	const struct series *w = rep_find(rep, "op", "wall_ns");
	char sz[32], el[32], eta[32], t[FMT_LEN];

	if (r->opt.quiet)
		return;
	fmt_clock(elapsed, el, sizeof(el));
	fmt_clock(i + 1 < r->nitems ? elapsed / (double)(i + 1) *
		  (double)(r->nitems - i - 1) : 0, eta, sizeof(eta));
	fprintf(stderr, "[%4zu/%zu %s eta %s] %-20s %5s cpus=%-3u %-7s #%u ", i + 1,
		r->nitems, el, eta, c->vr->name, parse_format_size(c->size, sz, sizeof(sz)),
		c->ncpus, topo_placement_name(c->placement), rep->rep + 1);
	if (w && w->has_sum && rep->status != CELL_FAILED)
		fprintf(stderr, "%s/op n=%zu %s%s%s\n", fmt_time(w->sum.median, t), w->sum.n,
			rep->stop_reason, rep->status == CELL_OK ||
			!strcmp(rep->stop_reason, cell_status_name(rep->status)) ? "" : " ",
			rep->status == CELL_OK ||
			!strcmp(rep->stop_reason, cell_status_name(rep->status)) ? "" :
			cell_status_name(rep->status));
	else
		fprintf(stderr, "%s: %s\n", cell_status_name(rep->status), rep->reason);
}

static const struct rep_result *stopped_cell(const struct cell_result *c)
{
	for (size_t i = 0; i < c->nreps; i++)
		if (c->reps[i].ran && (c->reps[i].status == CELL_FAILED ||
				       c->reps[i].status == CELL_UNSUPPORTED))
			return &c->reps[i];
	return NULL;
}

int sched_run(struct run *r)
{
	double t0 = now_s();
	int rc = 0;

	r->status = RUN_COMPLETE;
	r->start_s = t0;
	if (topo_export_xml(r->topo, &xml, &xml_len))
		xml = NULL;	/* a fake topology: each process loads it as we did */
	for (size_t i = 0; i < r->nitems; i++) {
		struct cell_result *c = &r->cells[r->items[i].cell];
		struct rep_result *rep = &c->reps[r->items[i].rep];
		const struct rep_result *bad = stopped_cell(c);
		double el = now_s() - t0;

		rep->order = (unsigned int)i;
		if (rep->status == CELL_UNSUPPORTED && !rep->ran) {
			progress(r, i, c, rep, el);	/* too big (plan.c) */
			continue;
		}
		if (sched_signal) {
			snprintf(rep->reason, sizeof(rep->reason), "not run: the run was "
				 "interrupted");
			continue;
		}
		if (r->opt.budget_s > 0 && el >= r->opt.budget_s) {
			snprintf(rep->reason, sizeof(rep->reason), "not run: the run budget "
				 "(--budget %g s) was spent", r->opt.budget_s);
			continue;
		}
		if (bad) {
			snprintf(rep->reason, sizeof(rep->reason), "not run: repetition %u "
				 "was %s", bad->rep + 1, cell_status_name(bad->status));
			continue;
		}
		if (peer_is_down(r, c, rep))
			continue;
		rep->started_s = el;
		rc = run_one(r, c, rep);
		if (rc)
			break;
		peer_note_down(r, c, rep);
		progress(r, i, c, rep, now_s() - t0);
	}
	for (size_t i = 0; i < r->ncells; i++)
		if (cell_aggregate(&r->cells[i]) && !rc)
			rc = -ENOMEM;
	for (size_t i = 0; i < r->ncells; i++)
		if (r->cells[i].status == CELL_INTERRUPTED)
			r->status = RUN_INTERRUPTED;
	if (sched_signal) {
		r->status = RUN_INTERRUPTED;
		r->signal = sched_signal;
	}
	r->elapsed_s = now_s() - t0;
	if (xml)
		topo_free_xml(r->topo, xml);
	xml = NULL;
	return rc;
}
