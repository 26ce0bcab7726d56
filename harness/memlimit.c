// SPDX-License-Identifier: GPL-2.0-only
/*
 * memlimit.c - memory limits and OOM kills (memlimit.h).
 *
 * The memory cgroup is found as the kernel shows it: the process's path
 * in /proc/self/cgroup (the v1 line that names "memory", else the v2 line
 * "0::"), under the mount point of that hierarchy in /proc/self/mountinfo
 * (not assumed to be /sys/fs/cgroup: hybrid machines mount v2 at
 * /sys/fs/cgroup/unified, containers mount a subtree).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "memlimit.h"

#define MIB (1ull << 20)
#define V1_UNLIMITED (1ull << 62)	/* v1 says "none" as ~2^63 rounded to pages */

struct memcg {
	bool found, v1;
	char dir[PATH_MAX];		/* the process's cgroup */
	char top[PATH_MAX];		/* the hierarchy's mount point */
	uint64_t limit;			/* least along dir..top, MEM_NO_LIMIT */
};

struct limit {
	uint64_t bytes;
	char what[64];
};

static struct {
	bool loaded;
	struct memcg cg;
	struct limit lim[4];
	unsigned int n;
} mem;

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == ',' || !p[n] || p[n] == '\n'))
			return true;
	return false;
}

/* The memory cgroup's path: the v1 line for "memory", else the v2 one.
 * A line is ID:CONTROLLERS:PATH; v2's is 0::PATH. */
static bool cgroup_path(FILE *f, char *path, size_t len, bool *v1)
{
	char line[PATH_MAX + 64], v2[PATH_MAX] = "";

	*v1 = false;
	while (f && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *p = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!p)
			continue;
		*ctl++ = 0;
		*p++ = 0;
		p[strcspn(p, "\n")] = 0;
		if (has_word(ctl, "memory")) {
			snprintf(path, len, "%s", p);
			*v1 = true;
		} else if (!strcmp(line, "0") && !*ctl) {
			snprintf(v2, sizeof(v2), "%s", p);
		}
	}
	if (!*v1 && v2[0])
		snprintf(path, len, "%s", v2);
	return *v1 || v2[0];
}

/* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPER */
static bool hierarchy_mount(FILE *f, bool v1, char *root, char *point)
{
	char line[3 * PATH_MAX];
	bool found = false;

	while (!found && f && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - "), type[32], super[512];

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
		    sscanf(sep + 3, "%31s %*s %511s", type, super) != 2)
			continue;
		found = v1 ? !strcmp(type, "cgroup") && has_word(super, "memory") :
			     !strcmp(type, "cgroup2");
	}
	return found;
}

/* A limit file's value: MEM_NO_LIMIT for "max", v1's "none", or no file. */
static uint64_t read_limit(const char *dir, const char *name)
{
	char path[PATH_MAX + 32], buf[64] = "";
	FILE *f;
	unsigned long long v;
	char *end;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return MEM_NO_LIMIT;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	v = strtoull(buf, &end, 10);
	if (end == buf || v >= V1_UNLIMITED)
		return MEM_NO_LIMIT;
	return v;
}

static const char *limit_file(const struct memcg *cg)
{
	return cg->v1 ? "memory.limit_in_bytes" : "memory.max";
}

bool mem_cgroup_dir(FILE *cgroup, FILE *mountinfo, bool *v1, char *dir, char *top,
		    size_t len)
{
	char path[PATH_MAX], root[PATH_MAX], point[PATH_MAX];
	size_t n;
	const char *rel;

	if (!cgroup_path(cgroup, path, sizeof(path), v1) ||
	    !hierarchy_mount(mountinfo, *v1, root, point))
		return false;
	rel = path;
	n = strlen(root);
	if (strcmp(root, "/") && !strncmp(path, root, n) && (!path[n] || path[n] == '/'))
		rel = path + n;		/* the mount shows a subtree (a container) */
	if (!strcmp(rel, "/"))
		rel = "";
	return snprintf(top, len, "%s", point) < (int)len &&
	       snprintf(dir, len, "%s%s", point, rel) < (int)len;
}

static void find_memcg(struct memcg *cg)
{
	FILE *c = fopen("/proc/self/cgroup", "re");
	FILE *m = fopen("/proc/self/mountinfo", "re");
	char d[PATH_MAX];
	size_t top;

	cg->limit = MEM_NO_LIMIT;
	cg->found = c && m && mem_cgroup_dir(c, m, &cg->v1, cg->dir, cg->top, PATH_MAX);
	if (c)
		fclose(c);
	if (m)
		fclose(m);
	if (!cg->found)
		return;
	/* the least limit from the process's cgroup up to the root */
	snprintf(d, sizeof(d), "%s", cg->dir);
	top = strlen(cg->top);
	for (;;) {
		uint64_t v = read_limit(d, limit_file(cg));
		char *slash = strrchr(d, '/');

		if (v < cg->limit)
			cg->limit = v;
		if (strlen(d) <= top || !slash)
			break;
		*slash = 0;
	}
}

static uint64_t meminfo_total(void)
{
	char line[256];
	unsigned long long kib;
	uint64_t v = MEM_NO_LIMIT;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			v = kib * 1024;
	if (f)
		fclose(f);
	return v;
}

static void add_limit(uint64_t bytes, const char *what)
{
	struct limit *l = &mem.lim[mem.n++];

	l->bytes = bytes;
	snprintf(l->what, sizeof(l->what), "%s", what);
}

static void add_rlimit(int res, const char *what)
{
	struct rlimit rl;

	if (!getrlimit(res, &rl) && rl.rlim_cur != RLIM_INFINITY)
		add_limit(rl.rlim_cur, what);
}

static void load(void)
{
	char what[64];

	if (mem.loaded)
		return;
	mem.loaded = true;
	add_limit(meminfo_total(), "MemTotal");
	add_rlimit(RLIMIT_AS, "RLIMIT_AS");
	add_rlimit(RLIMIT_DATA, "RLIMIT_DATA");
	find_memcg(&mem.cg);
	snprintf(what, sizeof(what), "the memory cgroup's %s", limit_file(&mem.cg));
	if (mem.cg.limit != MEM_NO_LIMIT)
		add_limit(mem.cg.limit, what);
}

uint64_t mem_cell_need(size_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (size > UINT64_MAX - page)
		return UINT64_MAX;
	return (size + page - 1) / page * page;
}

bool mem_too_big(size_t size, char *why, size_t len)
{
	uint64_t need = mem_cell_need(size);
	const struct limit *least = NULL;

	load();
	for (unsigned int i = 0; i < mem.n; i++)
		if (need > mem.lim[i].bytes && (!least || mem.lim[i].bytes < least->bytes))
			least = &mem.lim[i];
	if (least)
		snprintf(why, len, "needs %llu MiB, more than %s (%llu MiB)",
			 (unsigned long long)((need + MIB - 1) / MIB), least->what,
			 (unsigned long long)(least->bytes / MIB));
	return least;
}

/* The number after `key` in a file of "key value" lines, -1 when none. */
static long read_key(const char *path, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ')
			v = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

void mem_oom_count(struct mem_oom *o)
{
	char path[PATH_MAX + 32];

	load();
	o->cgroup = -1;
	if (mem.cg.found) {
		snprintf(path, sizeof(path), "%s/%s", mem.cg.dir,
			 mem.cg.v1 ? "memory.oom_control" : "memory.events");
		o->cgroup = read_key(path, "oom_kill");
	}
	o->system = read_key("/proc/vmstat", "oom_kill");
}

void mem_kill_reason(const struct mem_oom *before, const struct mem_oom *after,
		     char *buf, size_t len)
{
	bool cg_known = before->cgroup >= 0 && after->cgroup >= 0;
	bool sys_known = before->system >= 0 && after->system >= 0;

	load();
	if (cg_known && after->cgroup > before->cgroup && mem.cg.limit != MEM_NO_LIMIT)
		snprintf(buf, len, "killed by SIGKILL: the memory cgroup's OOM killer "
			 "(%s %llu MiB)", limit_file(&mem.cg),
			 (unsigned long long)(mem.cg.limit / MIB));
	else if (cg_known && after->cgroup > before->cgroup)
		snprintf(buf, len, "killed by SIGKILL: the OOM killer (the machine is "
			 "out of memory)");
	else if (!cg_known && sys_known && after->system > before->system)
		snprintf(buf, len, "killed by SIGKILL (perhaps the OOM killer: it killed "
			 "%ld process%s meanwhile)", after->system - before->system,
			 after->system - before->system == 1 ? "" : "es");
	else if (!cg_known && !sys_known)
		snprintf(buf, len, "killed by SIGKILL (perhaps the OOM killer)");
	else
		snprintf(buf, len, "the cell's process died of SIGKILL");
}
