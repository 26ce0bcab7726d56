/*
 * pmu.c - counters for the calling thread: libpfm4 names encoded into
 * perf_event_attr, the tlb:tlb_flush tracepoint split by reason with
 * filters, and the TLB row of /proc/interrupts.
 *
 * pmu_setup probes every event once on the calling thread, so what cannot
 * be counted here is known, with a reason, before any bench runs. Counts are
 * user+kernel (faults and IPIs are kernel work) and exclude the hypervisor;
 * where the paranoid level forbids kernel counting the event is counted
 * user-only and its key ends in "_u": the two are never mixed silently.
 * A read costs one rdpmc per hardware counter when the kernel allows it,
 * else one read() per fd (one for the whole hardware group).
 */
#include <linux/perf_event.h>	/* first: libpfm4 bundles an older copy */
#include <perfmon/pfmlib_perf_event.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pmu.h"

#define TRACEFS_MOUNT "/sys/kernel/tracing"
#define FMT_ONE (PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING)
#define FMT_GROUP (FMT_ONE | PERF_FORMAT_GROUP)
#define CAL_BYTES (64ul << 20)	/* more 4 KiB pages than any STLB maps */
#define MAX_REASONS 16

struct pmu_thread {
	const struct pmu_set *set;
	int fd[PMU_MAX_EVENTS];		/* by event index; -1: not opened */
	struct perf_event_mmap_page *pc[PMU_MAX_EVENTS]; /* hardware only */
	int leader;			/* event index of the group leader, -1:
					   hardware events have separate fds */
	bool rdpmc;
	double min_ratio;
};

/* tlb:tlb_flush as its format file describes it. */
struct tp_reason {
	int value;
	char text[48];
};

struct tp_info {
	unsigned int id;
	char field[32];			/* "reason" */
	struct tp_reason r[MAX_REASONS];
	int n;
};

#if defined(__x86_64__) || defined(__i386__)
static const bool have_rdpmc = true;
static uint64_t rdpmc(uint32_t counter)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
	return (uint64_t)hi << 32 | lo;
}
#else
static const bool have_rdpmc = false;
static uint64_t rdpmc(uint32_t counter)
{
	(void)counter;
	return 0;
}
#endif

#define barrier() __asm__ __volatile__("" ::: "memory")

static int pfm_status = PFM_ERR_NOINIT;
static pthread_once_t pfm_once = PTHREAD_ONCE_INIT;

static void pfm_init(void)
{
	pfm_status = pfm_initialize();
}

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

static const char *paranoid(char *buf, size_t len)
{
	if (read_file("/proc/sys/kernel/perf_event_paranoid", buf, len) < 0)
		return "?";
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Lower case, runs of anything outside [a-z0-9] become one '_', no '_' at
 * either end: "DTLB-LOAD-MISSES" -> "dtlb_load_misses". */
static void snake(const char *s, char *out, size_t len)
{
	size_t i = 0;

	for (; *s && i + 1 < len; s++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*s);

		if (isalnum(c))
			out[i++] = (char)c;
		else if (i > 0 && out[i - 1] != '_')
			out[i++] = '_';
	}
	while (i > 0 && out[i - 1] == '_')
		i--;
	out[i] = '\0';
}

static void name_key(const char *name, char *key, size_t len)
{
	if (strncasecmp(name, "perf::", 6) == 0)
		name += 6;
	snake(name, key, len);
}

/* "flush on task switch" -> "tlb_flush.task_switch" */
static void reason_key(const char *text, char *key, size_t len)
{
	char s[48];

	if (strncasecmp(text, "flush on ", 9) == 0)
		text += 9;
	snake(text, s, sizeof(s));
	snprintf(key, len, "tlb_flush.%s", s);
}

static struct pmu_event *new_event(struct pmu_set *set, const char *name,
				   const char *key, enum pmu_source src,
				   char *err, size_t errlen)
{
	struct pmu_event *ev;

	if (pmu_find(set, key) >= 0) {
		snprintf(err, errlen, "duplicate event \"%s\" (key %s)", name, key);
		return NULL;
	}
	if (set->n == PMU_MAX_EVENTS) {
		snprintf(err, errlen, "too many events at \"%s\" (at most %d counters)",
			 name, PMU_MAX_EVENTS);
		return NULL;
	}
	ev = &set->ev[set->n++];
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->name, sizeof(ev->name), "%s", name);
	snprintf(ev->key, sizeof(ev->key), "%s", key);
	ev->source = src;
	return ev;
}

/* An event known to be unavailable before probing (its reason is set). */
static int add_unavailable(struct pmu_set *set, const char *name, const char *key,
			   enum pmu_source src, const char *why,
			   char *err, size_t errlen)
{
	struct pmu_event *ev = new_event(set, name, key, src, err, errlen);

	if (!ev)
		return -EINVAL;
	snprintf(ev->reason, sizeof(ev->reason), "%s", why);
	return 0;
}

static int add_pfm_event(struct pmu_set *set, const char *name, char *err, size_t errlen)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	pfm_perf_encode_arg_t arg = { .attr = &attr, .size = sizeof(arg) };
	struct pmu_event *ev;
	char key[sizeof(ev->key)], why[sizeof(ev->reason)];
	int ret;

	name_key(name, key, sizeof(key));
	pthread_once(&pfm_once, pfm_init);
	if (pfm_status != PFM_SUCCESS) {
		snprintf(why, sizeof(why), "libpfm4 failed to initialize: %s",
			 pfm_strerror(pfm_status));
		return add_unavailable(set, name, key, PMU_SRC_HARDWARE, why, err, errlen);
	}
	ret = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3,
					PFM_OS_PERF_EVENT_EXT, &arg);
	if (ret != PFM_SUCCESS) {
		snprintf(err, errlen, "%s event \"%s\": libpfm4: %s (see 'showevtinfo' "
			 "or use perf::... generic names)",
			 ret == PFM_ERR_NOTFOUND ? "unknown" : "bad", name,
			 pfm_strerror(ret));
		return -EINVAL;
	}
	ev = new_event(set, name, key,
		       attr.type == PERF_TYPE_SOFTWARE ? PMU_SRC_SOFTWARE :
		       attr.type == PERF_TYPE_TRACEPOINT ? PMU_SRC_TRACEPOINT :
		       PMU_SRC_HARDWARE, err, errlen);
	if (!ev)
		return -EINVAL;
	ev->type = attr.type;
	ev->config = attr.config;
	ev->config1 = attr.config1;
	ev->config2 = attr.config2;
	ev->user_only = attr.exclude_kernel;
	return 0;
}

static const char *const tracefs_dirs[] = {
	TRACEFS_MOUNT, "/sys/kernel/debug/tracing",
};

/* The tracefs mount that has events/; -ENOENT or -EACCES. */
static int find_tracefs(const char **dir)
{
	char path[64];
	struct stat st;
	int ret = -ENOENT;

	for (size_t i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", tracefs_dirs[i]);
		if (stat(path, &st) < 0) {
			if (errno == EACCES)
				ret = -EACCES;
		} else if (S_ISDIR(st.st_mode)) {
			*dir = tracefs_dirs[i];
			return 0;
		}
	}
	return ret;
}

/* Finds tracefs; as root, mounts it when it is nowhere (recorded in set). */
static int open_tracefs(struct pmu_set *set, const char **dir, char *why, size_t len)
{
	int ret = find_tracefs(dir);

	if (ret == -ENOENT && geteuid() == 0) {
		if (mount("nodev", TRACEFS_MOUNT, "tracefs", 0, NULL) < 0) {
			ret = -errno;
			snprintf(why, len, "tracefs not mounted and mounting it failed (%s); "
				 "mount -t tracefs nodev " TRACEFS_MOUNT, strerror(-ret));
			return ret;
		}
		set->mounted_tracefs = true;
		ret = find_tracefs(dir);
	}
	if (ret == -EACCES)
		snprintf(why, len, "tracefs not readable (EACCES): tlb:tlb_flush needs root");
	else if (ret == -ENOENT)
		snprintf(why, len, "tracefs not mounted; mount -t tracefs nodev "
			 TRACEFS_MOUNT " (as root)");
	return ret;
}

/* One "{ 1, "remote shootdown" }" pair; returns the text after it or NULL. */
static const char *next_pair(const char *p, struct tp_reason *r)
{
	char *end;
	size_t k;

	p += strspn(p, " ,");
	if (*p++ != '{')
		return NULL;
	r->value = (int)strtol(p, &end, 0);
	if (end == p)
		return NULL;
	p = end + strspn(end, " ,");
	if (*p++ != '"')
		return NULL;
	k = strcspn(p, "\"");
	if (p[k] != '"' || k >= sizeof(r->text))
		return NULL;
	memcpy(r->text, p, k);
	r->text[k] = '\0';
	p += k + 1;
	p += strspn(p, " ");
	return *p == '}' ? p + 1 : NULL;
}

/* print fmt: "...", __print_symbolic(REC->reason, { 0, "flush on task
 * switch" }, { 1, "remote shootdown" }, ...), ... */
static int parse_symbolic(const char *fmt, struct tp_info *tp)
{
	static const char tag[] = "__print_symbolic(REC->";
	const char *p = strstr(fmt, tag);
	size_t k;

	if (!p)
		return -EINVAL;
	p += sizeof(tag) - 1;
	k = strcspn(p, ", )");
	if (k == 0 || k >= sizeof(tp->field))
		return -EINVAL;
	memcpy(tp->field, p, k);
	tp->field[k] = '\0';
	p += k;
	tp->n = 0;
	while (tp->n < MAX_REASONS && (p = next_pair(p, &tp->r[tp->n])))
		tp->n++;
	return tp->n > 0 ? 0 : -EINVAL;
}

static int read_tlb_flush(const char *dir, struct tp_info *tp, char *why, size_t len)
{
	char path[96], buf[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/events/tlb/tlb_flush/id", dir);
	ret = read_file(path, buf, sizeof(buf));
	if (ret == 0 && sscanf(buf, "%u", &tp->id) != 1)
		ret = -EINVAL;
	snprintf(path, sizeof(path), "%s/events/tlb/tlb_flush/format", dir);
	if (ret == 0)
		ret = read_file(path, buf, sizeof(buf));
	if (ret < 0) {
		snprintf(why, len, "cannot read tlb:tlb_flush under %s/events: %s",
			 dir, strerror(-ret));
		return ret;
	}
	ret = parse_symbolic(buf, tp);
	if (ret < 0)
		snprintf(why, len, "cannot parse the reasons in %s", path);
	return ret;
}

/* One tracepoint counter per reason, each with a "reason == N" filter. */
static int add_tlb_flush(struct pmu_set *set, const char *name, char *err, size_t errlen)
{
	struct tp_info tp;
	char why[sizeof(set->ev[0].reason)], key[sizeof(set->ev[0].key)];
	const char *dir = TRACEFS_MOUNT;
	int ret = open_tracefs(set, &dir, why, sizeof(why));

	if (ret == 0)
		ret = read_tlb_flush(dir, &tp, why, sizeof(why));
	if (ret < 0)
		return add_unavailable(set, name, "tlb_flush", PMU_SRC_TRACEPOINT,
				       why, err, errlen);
	for (int i = 0; i < tp.n; i++) {
		struct pmu_event *ev;

		reason_key(tp.r[i].text, key, sizeof(key));
		ev = new_event(set, name, key, PMU_SRC_TRACEPOINT, err, errlen);
		if (!ev)
			return -EINVAL;
		ev->type = PERF_TYPE_TRACEPOINT;
		ev->config = tp.id;
		snprintf(ev->filter, sizeof(ev->filter), "%s == %d",
			 tp.field, tp.r[i].value);
	}
	return 0;
}

static int add_event(struct pmu_set *set, const char *name, char *err, size_t errlen)
{
	if (strcmp(name, "tlb:tlb_flush") == 0)
		return add_tlb_flush(set, name, err, errlen);
	if (strcmp(name, "interrupts:TLB") == 0)
		return new_event(set, name, "tlb_ipi", PMU_SRC_INTERRUPTS,
				 err, errlen) ? 0 : -EINVAL;
	return add_pfm_event(set, name, err, errlen);
}

/* Walks the "CPU0 CPU1 CPU3" header (offline CPUs are absent) and the
 * row's columns together; CPUs missing from the header read 0. */
static int split_row(const char *head, const char *row, uint64_t *counts,
		     unsigned int *ncpu)
{
	unsigned int cpu, n = 0, cap = *ncpu ? *ncpu : PMU_MAX_CPUS;
	int used;
	char *end;

	while (sscanf(head, " CPU%u%n", &cpu, &used) == 1) {
		uint64_t v = strtoull(row, &end, 10);

		if (end == row)
			return -EIO;
		head += used;
		row = end;
		if (cpu >= cap || cpu >= PMU_MAX_CPUS)
			continue;
		while (n <= cpu)
			counts[n++] = 0;
		counts[cpu] = v;
	}
	*ncpu = n;
	return n > 0 ? 0 : -EIO;
}

int pmu_read_tlb_interrupts(uint64_t *counts, unsigned int *ncpu)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char *head = NULL, *line = NULL;
	size_t hlen = 0, llen = 0;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	if (getline(&head, &hlen, f) < 0)
		goto out_close;
	while (getline(&line, &llen, f) >= 0) {
		const char *p = line + strspn(line, " ");

		if (strncmp(p, "TLB:", 4) == 0) {
			ret = split_row(head, p + 4, counts, ncpu);
			break;
		}
	}
out_close:
	free(head);
	free(line);
	fclose(f);
	return ret;
}

static int open_event(const struct pmu_event *ev, int group_fd, uint64_t fmt,
		      bool disabled)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = ev->type,
		.config = ev->config,
		.config1 = ev->config1,
		.config2 = ev->config2,
		.read_format = fmt,
		.disabled = disabled,
		.exclude_kernel = ev->user_only,
		.exclude_hv = 1,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, group_fd,
			      PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ev->filter[0] && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, ev->filter) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/* pmu_seen: some hardware event opened, so ENOENT means "not this event". */
static void set_reason(struct pmu_event *ev, int err, bool pmu_seen)
{
	char *r = ev->reason, p[16], filter[sizeof(ev->filter)];
	size_t len = sizeof(ev->reason);

	memcpy(filter, ev->filter, sizeof(filter));

	if (err == ENOENT && ev->source != PMU_SRC_HARDWARE)
		snprintf(r, len, "not supported by this kernel (ENOENT)");
	else if (err == ENOENT && pmu_seen)
		snprintf(r, len, "not supported by this CPU's PMU (ENOENT)");
	else if (err == ENOENT)
		snprintf(r, len, "no hardware PMU exposed here (ENOENT): run on bare "
			 "metal or a VM with a virtual PMU");
	else if (err == EACCES)
		snprintf(r, len, "blocked by kernel.perf_event_paranoid=%s (EACCES): "
			 "sysctl kernel.perf_event_paranoid=1, or CAP_PERFMON",
			 paranoid(p, sizeof(p)));
	else if (err == EPERM)
		snprintf(r, len, "denied (seccomp, LSM or missing CAP_PERFMON) (EPERM)%s",
			 ev->source == PMU_SRC_TRACEPOINT ?
			 ": tracepoints need root or CAP_PERFMON" :
			 ": e.g. --cap-add PERFMON or a seccomp profile");
	else if (err == EINVAL && filter[0])
		snprintf(r, len, "tracepoint or filter \"%s\" rejected (EINVAL)", filter);
	else
		snprintf(r, len, "perf_event_open: %s (errno %d)", strerror(err), err);
}

/* Opens ev on the calling thread, retrying user-only on EACCES (then the
 * key says "_u"). Returns the fd, left counting, or -errno: the retry's
 * when it fails otherwise (ENOENT: no PMU even for user-only counting). */
static int probe_open(struct pmu_event *ev)
{
	char p[16];
	size_t k;
	int fd = open_event(ev, -1, FMT_ONE, false);

	if (fd != -EACCES || ev->user_only || ev->source == PMU_SRC_TRACEPOINT)
		return fd;
	ev->user_only = true;
	fd = open_event(ev, -1, FMT_ONE, false);
	if (fd < 0) {
		ev->user_only = false;
		return fd;
	}
	k = strlen(ev->key);
	if (k + 3 <= sizeof(ev->key))
		memcpy(ev->key + k, "_u", 3);
	snprintf(ev->reason, sizeof(ev->reason), "kernel.perf_event_paranoid=%s "
		 "forbids kernel counting: user only; sysctl "
		 "kernel.perf_event_paranoid=1 counts both", paranoid(p, sizeof(p)));
	return fd;
}

static void probe_interrupts(struct pmu_event *ev)
{
	uint64_t *counts = malloc(PMU_MAX_CPUS * sizeof(*counts));
	unsigned int n = PMU_MAX_CPUS;
	int ret = counts ? pmu_read_tlb_interrupts(counts, &n) : -ENOMEM;

	free(counts);
	if (ret == 0)
		ev->available = true;
	else if (ret == -ENOENT)
		snprintf(ev->reason, sizeof(ev->reason),
			 "no TLB row in /proc/interrupts (x86 only)");
	else
		snprintf(ev->reason, sizeof(ev->reason),
			 "cannot read /proc/interrupts: %s", strerror(-ret));
}

/* Work every hardware event should see: page faults (kernel code), stores
 * and loads over more pages than a TLB maps and more bytes than most LLCs. */
static void calibration_work(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	volatile char *p = mmap(NULL, CAL_BYTES, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int sum = 0;

	if (p == MAP_FAILED) {
		for (volatile unsigned int i = 0; i < 10000000; i++)
			;
		return;
	}
	madvise((void *)p, CAL_BYTES, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < CAL_BYTES; off += pg)
		p[off] = 1;
	for (size_t off = 64; off < CAL_BYTES; off += pg)
		sum += (unsigned int)p[off] + p[off - 64];
	p[0] = (char)sum;
	munmap((void *)p, CAL_BYTES);
}

/* fd[i]: hardware events that opened, still counting since the probe. */
static void calibrate(struct pmu_set *set, int *fd)
{
	bool any = false;

	for (unsigned int i = 0; i < set->n; i++)
		any |= fd[i] >= 0;
	if (!any)
		return;
	calibration_work();
	for (unsigned int i = 0; i < set->n; i++) {
		struct pmu_event *ev = &set->ev[i];
		uint64_t v[3];	/* value, time enabled, time running */
		const char *why = NULL;

		if (fd[i] < 0)
			continue;
		if (read(fd[i], v, sizeof(v)) != (ssize_t)sizeof(v))
			why = "opens but cannot be read";
		else if (v[2] == 0)
			why = "opens but never ran in calibration (counters busy? "
			      "nmi_watchdog holds one)";
		else if (v[0] == 0)
			why = "reads zero over a calibration loop";
		if (why)
			snprintf(ev->reason, sizeof(ev->reason), "%s", why);
		ev->available = !why;
		set->any_hardware |= ev->available;
		close(fd[i]);
	}
}

static void probe_all(struct pmu_set *set)
{
	int fd[PMU_MAX_EVENTS], err[PMU_MAX_EVENTS] = { 0 };
	bool pmu_seen = false;

	for (unsigned int i = 0; i < set->n; i++) {
		struct pmu_event *ev = &set->ev[i];

		fd[i] = -1;
		if (ev->reason[0])
			continue;	/* known unavailable: placeholder */
		if (ev->source == PMU_SRC_INTERRUPTS) {
			probe_interrupts(ev);
			continue;
		}
		fd[i] = probe_open(ev);
		if (fd[i] < 0) {
			err[i] = -fd[i];
			fd[i] = -1;
		} else if (ev->source == PMU_SRC_HARDWARE) {
			pmu_seen = true;
		} else {
			ev->available = true;
			close(fd[i]);
			fd[i] = -1;
		}
	}
	calibrate(set, fd);
	for (unsigned int i = 0; i < set->n; i++)
		if (err[i])
			set_reason(&set->ev[i], err[i], pmu_seen);
}

/* Copies the next comma-separated name, blanks trimmed, empty ones
 * skipped; returns its length, 0 at the end, -EINVAL when too long. */
static int next_name(const char **list, char *name, size_t len)
{
	const char *p = *list + strspn(*list, " \t,");
	size_t k = strcspn(p, ","), n;

	*list = p + k;
	while (k > 0 && isspace((unsigned char)p[k - 1]))
		k--;
	n = k < len ? k : len - 1;
	memcpy(name, p, n);
	name[n] = '\0';
	return k < len ? (int)k : -EINVAL;
}

int pmu_setup(struct pmu_set *set, const char *list, char *err, size_t errlen)
{
	char name[sizeof(set->ev[0].name)];
	int ret;

	memset(set, 0, sizeof(*set));
	if (errlen)
		err[0] = '\0';
	if (!list)
		list = PMU_DEFAULT_EVENTS;
	while ((ret = next_name(&list, name, sizeof(name))) > 0) {
		ret = add_event(set, name, err, errlen);
		if (ret < 0)
			goto out_cleanup;
	}
	if (ret < 0) {
		snprintf(err, errlen, "event name too long: \"%s...\"", name);
		goto out_cleanup;
	}
	probe_all(set);
	return 0;

out_cleanup:
	pmu_cleanup(set);
	set->n = 0;
	return ret;
}

void pmu_cleanup(struct pmu_set *set)
{
	if (set->mounted_tracefs && umount(TRACEFS_MOUNT) == 0)
		set->mounted_tracefs = false;
}

int pmu_find(const struct pmu_set *set, const char *key)
{
	for (unsigned int i = 0; i < set->n; i++)
		if (strcmp(set->ev[i].key, key) == 0)
			return (int)i;
	return -1;
}

static bool is_hw(const struct pmu_event *ev)
{
	return ev->available && ev->source == PMU_SRC_HARDWARE;
}

static void close_fds(struct pmu_thread *pt, bool hw_only)
{
	for (unsigned int i = 0; i < pt->set->n; i++) {
		if (hw_only && !is_hw(&pt->set->ev[i]))
			continue;
		if (pt->pc[i])
			munmap(pt->pc[i], (size_t)sysconf(_SC_PAGESIZE));
		if (pt->fd[i] >= 0)
			close(pt->fd[i]);
		pt->pc[i] = NULL;
		pt->fd[i] = -1;
	}
	pt->leader = -1;
}

/* A group that fits the PMU but cannot get its counters (held by pinned
 * events such as the NMI watchdog) never runs: time_running stays 0. */
static bool group_runs(const struct pmu_thread *pt)
{
	uint64_t buf[3 + PMU_MAX_EVENTS];	/* nr, enabled, running, values */

	for (volatile unsigned int spin = 0; spin < 100000; spin++)
		;
	if (read(pt->fd[pt->leader], buf, sizeof(buf)) < (ssize_t)(3 * sizeof(buf[0])))
		return false;
	return buf[2] > 0;
}

static int open_hw_group(struct pmu_thread *pt)
{
	int leader_fd = -1;

	for (unsigned int i = 0; i < pt->set->n; i++) {
		int fd;

		if (!is_hw(&pt->set->ev[i]))
			continue;
		fd = open_event(&pt->set->ev[i], leader_fd, FMT_GROUP, leader_fd < 0);
		if (fd < 0)
			return fd;
		pt->fd[i] = fd;
		if (leader_fd < 0) {
			leader_fd = fd;
			pt->leader = (int)i;
		}
	}
	if (ioctl(leader_fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) < 0)
		return -errno;
	return group_runs(pt) ? 0 : -ENOSPC;
}

static int open_hw_separate(struct pmu_thread *pt)
{
	for (unsigned int i = 0; i < pt->set->n; i++) {
		if (!is_hw(&pt->set->ev[i]))
			continue;
		pt->fd[i] = open_event(&pt->set->ev[i], -1, FMT_ONE, false);
		if (pt->fd[i] < 0)
			return pt->fd[i];
	}
	return 0;
}

/* rdpmc only when every hardware counter's mmap page allows it. */
static void map_hw(struct pmu_thread *pt)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	bool ok = have_rdpmc;

	for (unsigned int i = 0; i < pt->set->n; i++) {
		void *p;

		if (!is_hw(&pt->set->ev[i]))
			continue;
		p = mmap(NULL, pg, PROT_READ, MAP_SHARED, pt->fd[i], 0);
		if (p == MAP_FAILED) {
			ok = false;
			continue;
		}
		pt->pc[i] = p;
		ok = ok && pt->pc[i]->cap_user_rdpmc;
	}
	pt->rdpmc = ok;
}

static int open_hw(struct pmu_thread *pt)
{
	int ret = open_hw_group(pt);

	if (ret == -EINVAL || ret == -ENOSPC) {
		close_fds(pt, true);
		ret = open_hw_separate(pt);
	}
	if (ret == 0)
		map_hw(pt);
	return ret;
}

static int open_others(struct pmu_thread *pt)
{
	for (unsigned int i = 0; i < pt->set->n; i++) {
		const struct pmu_event *ev = &pt->set->ev[i];

		if (!ev->available || ev->source == PMU_SRC_HARDWARE ||
		    ev->source == PMU_SRC_INTERRUPTS)
			continue;
		pt->fd[i] = open_event(ev, -1, FMT_ONE, false);
		if (pt->fd[i] < 0)
			return pt->fd[i];
	}
	return 0;
}

int pmu_thread_open(const struct pmu_set *set, struct pmu_thread **ptp)
{
	struct pmu_thread *pt = calloc(1, sizeof(*pt));
	int ret = 0;

	if (!pt)
		return -ENOMEM;
	pt->set = set;
	pt->leader = -1;
	pt->min_ratio = 1.0;
	for (unsigned int i = 0; i < PMU_MAX_EVENTS; i++)
		pt->fd[i] = -1;
	if (set->any_hardware)
		ret = open_hw(pt);
	if (ret == 0)
		ret = open_others(pt);
	if (ret < 0) {
		pmu_thread_close(pt);
		return ret;
	}
	*ptp = pt;
	return 0;
}

/*
 * The perf mmap page's seqlock (include/uapi/linux/perf_event.h): retry
 * while pc->lock changes. count = offset + rdpmc(index - 1) sign-extended
 * from pmc_width bits. index == 0 means "not on a counter now"; enabled !=
 * running means the event has been multiplexed and needs scaling: both go
 * to read(), which scales.
 */
static bool rdpmc_read(const volatile struct perf_event_mmap_page *pc, uint64_t *val)
{
	uint64_t enabled, running;
	uint32_t seq, idx;
	int64_t count;
	bool cap;

	do {
		seq = pc->lock;
		barrier();
		enabled = pc->time_enabled;
		running = pc->time_running;
		idx = pc->index;
		count = pc->offset;
		cap = pc->cap_user_rdpmc;
		if (cap && idx) {
			unsigned int shift = 64 - pc->pmc_width;
			int64_t pmc = (int64_t)(rdpmc(idx - 1) << (shift & 63));

			count += pmc >> (shift & 63);
		}
		barrier();
	} while (pc->lock != seq);
	if (!cap || !idx || enabled != running)
		return false;
	*val = (uint64_t)count;
	return true;
}

static bool read_hw_rdpmc(struct pmu_thread *pt, uint64_t *vals)
{
	uint64_t v[PMU_MAX_EVENTS];

	for (unsigned int i = 0; i < pt->set->n; i++)
		if (is_hw(&pt->set->ev[i]) && !rdpmc_read(pt->pc[i], &v[i]))
			return false;
	for (unsigned int i = 0; i < pt->set->n; i++)
		if (is_hw(&pt->set->ev[i]))
			vals[i] = v[i];
	return true;
}

static uint64_t scale(struct pmu_thread *pt, uint64_t v, uint64_t enabled,
		      uint64_t running)
{
	double ratio;

	if (enabled == 0)
		return v;
	ratio = (double)running / (double)enabled;
	if (ratio < pt->min_ratio)
		pt->min_ratio = ratio;
	if (running == 0 || running >= enabled)
		return v;
	return (uint64_t)((double)v * (double)enabled / (double)running);
}

static int read_hw_group(struct pmu_thread *pt, uint64_t *vals)
{
	uint64_t buf[3 + PMU_MAX_EVENTS];	/* nr, enabled, running, values */
	ssize_t got = read(pt->fd[pt->leader], buf, sizeof(buf));
	uint64_t k = 0;

	if (got < 0)
		return -errno;
	if (got < (ssize_t)(3 * sizeof(buf[0])) ||
	    (size_t)got < (3 + buf[0]) * sizeof(buf[0]))
		return -EIO;
	for (unsigned int i = 0; i < pt->set->n && k < buf[0]; i++)
		if (is_hw(&pt->set->ev[i]))
			vals[i] = scale(pt, buf[3 + k++], buf[1], buf[2]);
	return 0;
}

/* Separate hardware fds (scaled), or the other per-thread fds. */
static int read_each(struct pmu_thread *pt, uint64_t *vals, bool hw)
{
	for (unsigned int i = 0; i < pt->set->n; i++) {
		uint64_t v[3];	/* value, time enabled, time running */
		ssize_t got;

		if (pt->fd[i] < 0 || is_hw(&pt->set->ev[i]) != hw)
			continue;
		got = read(pt->fd[i], v, sizeof(v));
		if (got < 0)
			return -errno;
		if (got != (ssize_t)sizeof(v))
			return -EIO;
		vals[i] = hw ? scale(pt, v[0], v[1], v[2]) : v[0];
	}
	return 0;
}

int pmu_thread_read(struct pmu_thread *pt, uint64_t *vals)
{
	int ret = 0;

	if (pt->set->any_hardware && !(pt->rdpmc && read_hw_rdpmc(pt, vals)))
		ret = pt->leader >= 0 ? read_hw_group(pt, vals) : read_each(pt, vals, true);
	if (ret == 0)
		ret = read_each(pt, vals, false);
	return ret;
}

double pmu_thread_running_ratio(const struct pmu_thread *pt)
{
	return pt->min_ratio;
}

bool pmu_thread_uses_rdpmc(const struct pmu_thread *pt)
{
	return pt->rdpmc;
}

void pmu_thread_close(struct pmu_thread *pt)
{
	if (!pt)
		return;
	close_fds(pt, false);
	free(pt);
}
