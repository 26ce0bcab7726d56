// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_memlimit.c - memlimit.c: the rule for what a cell needs, the
 * pre-check's message, and the cause given for a SIGKILL from the OOM
 * counts before and after (tests/it_limits.py sets real limits up).
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "memlimit.h"

static void test_need(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	CHECK(mem_cell_need(1) == page);
	CHECK(mem_cell_need(page) == page);
	CHECK(mem_cell_need(page + 1) == 2 * page);
	CHECK(mem_cell_need(64u << 20) == 64u << 20);
	CHECK(mem_cell_need(SIZE_MAX) == UINT64_MAX);	/* no wrap to 0 */
}

static void test_too_big(void)
{
	char why[256] = "";

	CHECK(!mem_too_big(4096, why, sizeof(why)));
	CHECK(!why[0]);
	/* more than any machine's memory: MemTotal at least says no */
	CHECK(mem_too_big((size_t)1 << 60, why, sizeof(why)));
	CHECK(!strncmp(why, "needs 1099511627776 MiB, more than ", 35));
	CHECK(strstr(why, " MiB)") && why[strlen(why) - 1] == ')');
	CHECK(mem_too_big(SIZE_MAX, why, sizeof(why)));
}

struct kill_case {
	struct mem_oom before, after;
	const char *want;	/* the reason's start */
};

static const struct kill_case kill_cases[] = {
	/* nothing readable: say what it may be, not what it is */
	{ { -1, -1 }, { -1, -1 }, "killed by SIGKILL (perhaps the OOM killer)" },
	/* no cgroup counter, the system's rose: perhaps */
	{ { -1, 5 }, { -1, 6 }, "killed by SIGKILL (perhaps the OOM killer: it killed "
				"1 process meanwhile)" },
	{ { -1, 5 }, { -1, 8 }, "killed by SIGKILL (perhaps the OOM killer: it killed "
				"3 processes meanwhile)" },
	/* counters readable and still: someone else's SIGKILL */
	{ { -1, 5 }, { -1, 5 }, "the cell's process died of SIGKILL" },
	{ { 2, 5 }, { 2, 5 }, "the cell's process died of SIGKILL" },
	/* the OOM killer took another process, not one of this cgroup */
	{ { 2, 5 }, { 2, 6 }, "the cell's process died of SIGKILL" },
	/* this cgroup's counter rose: the OOM killer, whatever the limit */
	{ { 2, 5 }, { 3, 6 }, "killed by SIGKILL: the " },
};

static void test_kill_reason(void)
{
	for (size_t i = 0; i < sizeof(kill_cases) / sizeof(kill_cases[0]); i++) {
		const struct kill_case *k = &kill_cases[i];
		char why[256];

		mem_kill_reason(&k->before, &k->after, why, sizeof(why));
		if (strncmp(why, k->want, strlen(k->want))) {
			fprintf(stderr, "case %zu: \"%s\", want \"%s...\"\n", i, why, k->want);
			CHECK(false);
		}
		if (k->after.cgroup > k->before.cgroup)
			CHECK(strstr(why, "OOM killer (") != NULL);
	}
}

static void test_count(void)
{
	struct mem_oom o = { -2, -2 };

	mem_oom_count(&o);
	CHECK(o.cgroup >= -1 && o.system >= -1);
	if (!access("/proc/vmstat", R_OK))
		CHECK(o.system >= 0);	/* oom_kill is there since Linux 4.13 */
}

#define MI_V2 "35 24 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 " \
	      "rw,nsdelegate,memory_recursiveprot\n"
#define MI_HYBRID "26 25 0:23 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n" \
		  "27 26 0:24 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n" \
		  "31 26 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"

struct dir_case {
	const char *cgroup, *mountinfo;
	bool found, v1;
	const char *dir, *top;
};

static const struct dir_case dir_cases[] = {
	/* v1 memory beside a v2 mount without it (hybrid): v1 */
	{ "9:name=systemd:/\n4:memory:/process_api/2da5\n0::/\n", MI_HYBRID, true, true,
	  "/sys/fs/cgroup/memory/process_api/2da5", "/sys/fs/cgroup/memory" },
	{ "5:cpu,memory:/a\n", MI_HYBRID, true, true, "/sys/fs/cgroup/memory/a",
	  "/sys/fs/cgroup/memory" },
	/* v2 only: memory_recursiveprot is no v1 "memory" */
	{ "0::/user.slice/session-1.scope\n", MI_V2, true, false,
	  "/sys/fs/cgroup/user.slice/session-1.scope", "/sys/fs/cgroup" },
	{ "0::/\n", MI_V2, true, false, "/sys/fs/cgroup", "/sys/fs/cgroup" },
	/* a container's mount of its own subtree */
	{ "0::/docker/abc\n", "40 30 0:30 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n",
	  true, false, "/sys/fs/cgroup", "/sys/fs/cgroup" },
	{ "0::/docker/abc/x\n", "40 30 0:30 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n",
	  true, false, "/sys/fs/cgroup/x", "/sys/fs/cgroup" },
	/* a root that is only a prefix of the path's first name is no subtree */
	{ "0::/dockerx/y\n", "40 30 0:30 /docker /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n",
	  true, false, "/sys/fs/cgroup/dockerx/y", "/sys/fs/cgroup" },
	/* nothing to find */
	{ "4:cpu:/a\n", MI_HYBRID, false, false, NULL, NULL },
	{ "4:memory:/a\n", MI_V2, false, true, NULL, NULL },
	{ "0::/a\n", "26 25 0:23 / /sys rw - sysfs sysfs rw\n", false, false, NULL, NULL },
};

static void test_cgroup_dir(void)
{
	for (size_t i = 0; i < sizeof(dir_cases) / sizeof(dir_cases[0]); i++) {
		const struct dir_case *d = &dir_cases[i];
		FILE *c = fmemopen((void *)d->cgroup, strlen(d->cgroup), "r");
		FILE *m = fmemopen((void *)d->mountinfo, strlen(d->mountinfo), "r");
		char dir[256] = "", top[256] = "";
		bool v1 = !d->v1, found;

		CHECK(c && m);
		if (!c || !m)
			return;
		found = mem_cgroup_dir(c, m, &v1, dir, top, sizeof(dir));
		fclose(c);
		fclose(m);
		if (found != d->found || v1 != d->v1 ||
		    (found && (strcmp(dir, d->dir) || strcmp(top, d->top)))) {
			fprintf(stderr, "case %zu: found %d v1 %d dir \"%s\" top \"%s\"\n",
				i, found, v1, dir, top);
			CHECK(false);
		}
	}
}

int main(void)
{
	test_cgroup_dir();
	test_need();
	test_too_big();
	test_kill_reason();
	test_count();
	return check_done("test_memlimit");
}
