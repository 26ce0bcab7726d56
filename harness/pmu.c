// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmu.c - the set of counters of a run: libpfm4 names encoded into
 * perf_event_attr, the tlb:tlb_flush tracepoint split by reason with
 * filters (tracefs.c), the TLB row of /proc/interrupts (interrupts.c),
 * each probed once with a reason for what cannot be counted here. The
 * counters of each thread are pmu_thread.c's.
 *
 * pmu_setup probes every event once on the calling thread, so what cannot
 * be counted here is known, with a reason, before any bench runs. Counts are
 * user+kernel (faults and IPIs are kernel work) and exclude the hypervisor;
 * where the paranoid level forbids kernel counting the event is counted
 * user-only and its key ends in "_u": the two are never mixed silently.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "interrupts.h"
#include "pmu.h"
#include "pmu_int.h"
#include "tracefs.h"


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

const char *pmu_paranoid(char *buf, size_t len)
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
	char q[FMT_QUOTE_LEN];
	struct pmu_event *ev;

	if (pmu_find(set, key) >= 0) {
		snprintf(err, errlen, "duplicate event \"%s\" (key %s)",
			 fmt_quote(name, q, sizeof(q)), key);
		return NULL;
	}
	if (set->n == PMU_MAX_EVENTS) {
		snprintf(err, errlen, "too many events at \"%s\" (at most %d counters)",
			 fmt_quote(name, q, sizeof(q)), PMU_MAX_EVENTS);
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
		char q[FMT_QUOTE_LEN];

		snprintf(err, errlen, "%s event \"%s\": libpfm4: %s (see 'showevtinfo' "
			 "or use perf::... generic names)",
			 ret == PFM_ERR_NOTFOUND ? "unknown" : "bad",
			 fmt_quote(name, q, sizeof(q)), pfm_strerror(ret));
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
	ev->exclude_user = attr.exclude_user;	/* ":k" */
	ev->exclude_hv = attr.exclude_hv;
	ev->precise_ip = (uint8_t)attr.precise_ip;
	return 0;
}

/* What each tlb:tlb_flush reason counts (x86, 6.x): the names alone
 * mislead. Unknown reasons are described by their text. */
static const char *const reason_desc[][2] = {
	{ "flush on task switch", "flushes at a context switch (traced between "
	  "perf's sched-out and sched-in: some are not seen)" },
	{ "remote shootdown", "flushes this CPU did for another CPU's IPI while "
	  "this thread ran (an idle CPU's are the idle task's)" },
	{ "local shootdown", "flushes of kernel ranges on this CPU" },
	{ "local MM shootdown", "flushes of this process's mm by this thread" },
	{ "remote IPI send", "flush calls that may send IPIs (traced before lazy "
	  "CPUs are skipped: not IPIs sent)" },
	{ "remote wrong CPU", "IPIs to a CPU that had left the mm" },
};

static void describe_reason(struct pmu_event *ev, const char *text)
{
	for (size_t i = 0; i < sizeof(reason_desc) / sizeof(reason_desc[0]); i++)
		if (!strcasecmp(text, reason_desc[i][0])) {
			snprintf(ev->desc, sizeof(ev->desc), "%s", reason_desc[i][1]);
			return;
		}
	snprintf(ev->desc, sizeof(ev->desc), "tlb_flush events, reason \"%s\"", text);
}

/* One tracepoint counter per reason, each with a "reason == N" filter. */
static int add_tlb_flush(struct pmu_set *set, const char *name, char *err, size_t errlen)
{
	struct tracefs_event tp;
	char why[sizeof(set->ev[0].reason)], key[sizeof(set->ev[0].key)];
	const char *dir = TRACEFS_MOUNT;
	int ret = tracefs_open(!set->declare_only, &set->mounted_tracefs, &dir, why,
			       sizeof(why));

	if (ret == 0)
		ret = tracefs_read_event(dir, "tlb", "tlb_flush", &tp, why, sizeof(why));
	if (ret < 0)
		return add_unavailable(set, name, "tlb_flush", PMU_SRC_TRACEPOINT,
				       why, err, errlen);
	for (int i = 0; i < tp.n; i++) {
		struct pmu_event *ev;

		reason_key(tp.v[i].text, key, sizeof(key));
		ev = new_event(set, name, key, PMU_SRC_TRACEPOINT, err, errlen);
		if (!ev)
			return -EINVAL;
		ev->type = PERF_TYPE_TRACEPOINT;
		ev->config = tp.id;
		snprintf(ev->filter, sizeof(ev->filter), "%s == %d",
			 tp.field, tp.v[i].value);
		describe_reason(ev, tp.v[i].text);
	}
	return 0;
}

static int add_event(struct pmu_set *set, const char *name, char *err, size_t errlen)
{
	if (strcmp(name, "tlb:tlb_flush") == 0)
		return add_tlb_flush(set, name, err, errlen);
	if (strcmp(name, "interrupts:TLB") == 0) {
		struct pmu_event *ev = new_event(set, name, "tlb_ipi", PMU_SRC_INTERRUPTS,
						 err, errlen);

		if (ev)
			snprintf(ev->desc, sizeof(ev->desc), "TLB IPIs received on the "
				 "role's CPUs (/proc/interrupts: system-wide, in a window "
				 "holding every thread's counters)");
		return ev ? 0 : -EINVAL;
	}
	return add_pfm_event(set, name, err, errlen);
}

/* Copies the next comma-separated name, blanks trimmed, empty ones
 * skipped; returns its length, 0 at the end, -EINVAL when too long. */
static int next_name(const char **list, char *name, size_t len)
{
	const char *p = *list;
	size_t k, n;

	/* the blanks trimmed at the end: an item of only "\n" must not end
	 * the list (the names after it would go unchecked) */
	while (*p == ',' || isspace((unsigned char)*p))
		p++;
	k = strcspn(p, ",");
	*list = p + k;
	while (k > 0 && isspace((unsigned char)p[k - 1]))
		k--;
	n = k < len ? k : len - 1;
	memcpy(name, p, n);
	name[n] = '\0';
	return k < len ? (int)k : -EINVAL;
}

static int resolve(struct pmu_set *set, const char *list, bool declare_only,
		   char *err, size_t errlen)
{
	char name[sizeof(set->ev[0].name)];
	int ret;

	memset(set, 0, sizeof(*set));
	set->declare_only = declare_only;
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
		char q[FMT_QUOTE_LEN];

		snprintf(err, errlen, "event name too long: \"%s...\"",
			 fmt_quote(name, q, sizeof(q)));
		goto out_cleanup;
	}
	return 0;

out_cleanup:
	pmu_cleanup(set);
	set->n = 0;
	return ret;
}

int pmu_setup(struct pmu_set *set, const char *list, char *err, size_t errlen)
{
	int ret = resolve(set, list, false, err, errlen);

	if (!ret)
		pmu_probe_all(set);
	return ret;
}

int pmu_declare(struct pmu_set *set, const char *list, char *err, size_t errlen)
{
	return resolve(set, list, true, err, errlen);
}

int pmu_adopt(struct pmu_set *set, unsigned int i, const char *key,
	      bool available, bool user_only)
{
	struct pmu_event *ev;
	size_t k;

	if (i >= set->n)
		return -EINVAL;
	ev = &set->ev[i];
	k = strlen(ev->key);
	if (strncmp(ev->key, key, k) ||
	    (key[k] && strcmp(key + k, "_u")))
		return -EINVAL;
	snprintf(ev->key, sizeof(ev->key), "%s", key);
	ev->available = available;
	ev->user_only = user_only;
	if (!available && !ev->reason[0])
		snprintf(ev->reason, sizeof(ev->reason), "unavailable (probed by the run)");
	set->any_hardware |= available && ev->source == PMU_SRC_HARDWARE;
	return 0;
}

void pmu_cleanup(struct pmu_set *set)
{
	if (set->mounted_tracefs) {
		tracefs_unmount();
		set->mounted_tracefs = false;
	}
}

int pmu_find(const struct pmu_set *set, const char *key)
{
	for (unsigned int i = 0; i < set->n; i++)
		if (strcmp(set->ev[i].key, key) == 0)
			return (int)i;
	return -1;
}

