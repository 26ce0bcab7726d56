// SPDX-License-Identifier: GPL-2.0-only
/*
 * out_stale.c - the temporary run directories (".NAME.tmp-PID") that runs
 * killed outright leave beside their final name, and their removal by the
 * next run into the same parent.
 *
 * A live run holds an flock() on its temporary directory and keeps in it
 * an owner file naming its pid, the process's start time and the boot id.
 * A directory is stale only when nobody holds the lock and its pid is dead,
 * or alive but a different process (the boot or the start time differ: the
 * pid was reused). Without an owner file (a run that died before writing
 * it) only an empty directory of a dead pid is removed. Nothing but
 * directories of that name pattern, and in them only plain files, is ever
 * removed; a directory someone else owns is left to them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

struct owner {
	long pid;
	unsigned long long start;	/* clock ticks after boot, /proc/PID/stat */
	char boot[40];
};

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f && !fgets(buf, len, f))
		buf[0] = 0;
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/* Field 22 of /proc/PID/stat, after the command name in parentheses. */
static bool start_time(long pid, unsigned long long *start)
{
	char path[64], line[1024], *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	read_line(path, line, sizeof(line));
	p = strrchr(line, ')');
	if (!p)
		return false;
	return sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d "
		      "%*d %*d %*d %*d %*d %llu", start) == 1;
}

static void boot_id(char *buf, size_t len)
{
	read_line("/proc/sys/kernel/random/boot_id", buf, len);
	if (!buf[0] || strchr(buf, ' '))
		snprintf(buf, len, "-");
}

int out_owner_text(const struct run *r, FILE *f)
{
	unsigned long long start = 0;
	char boot[40];

	(void)r;
	start_time(getpid(), &start);
	boot_id(boot, sizeof(boot));
	fprintf(f, "cowbench-run pid %ld start %llu boot %s\n", (long)getpid(), start,
		boot);
	return ferror(f) ? -1 : 0;
}

/* ".NAME.tmp-PID" with a PID that can be a process's: its pid, else 0. */
static long name_pid(const char *name)
{
	const char *t = strstr(name, ".tmp-");
	char *end;
	long pid;

	if (name[0] != '.' || !t || t == name + 1)
		return 0;
	while (strstr(t + 1, ".tmp-"))
		t = strstr(t + 1, ".tmp-");
	if (t[5] < '1' || t[5] > '9' || strlen(t + 5) > 10)
		return 0;
	errno = 0;
	pid = strtol(t + 5, &end, 10);
	return *end || errno || pid > INT_MAX ? 0 : pid;
}

static bool read_owner(int dfd, struct owner *o)
{
	int fd = openat(dfd, OUT_OWNER_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[256];
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return sscanf(buf, "cowbench-run pid %ld start %llu boot %39s", &o->pid,
		      &o->start, o->boot) == 3;
}

static bool empty_dir(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	bool empty = true;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	rewinddir(d);	/* the offset is shared with dfd's other dups */
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* dfd is locked by us: nobody alive holds it. */
static bool is_stale(int dfd, long pid)
{
	bool dead = kill((pid_t)pid, 0) && errno == ESRCH;
	unsigned long long now;
	struct owner o;
	char boot[40];

	if (!read_owner(dfd, &o))
		return dead && empty_dir(dfd);
	if (o.pid != pid)
		return false;	/* not what a run writes: leave it */
	if (dead)
		return true;
	boot_id(boot, sizeof(boot));
	if (strcmp(boot, "-") && strcmp(o.boot, "-") && strcmp(boot, o.boot))
		return true;	/* written before this boot */
	return start_time(pid, &now) && o.start && now != o.start;
}

/* Plain files (and links, never followed) only; rmdir tells the rest. */
static int remove_dir(int pfd, int dfd, const char *name)
{
	int fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	struct stat st;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((e = readdir(d)))
		if (!fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
			unlinkat(dfd, e->d_name, 0);
	closedir(d);
	return unlinkat(pfd, name, AT_REMOVEDIR) ? -errno : 0;
}

static void consider(int pfd, const char *parent, const char *name, FILE *log)
{
	long pid = name_pid(name);
	char path[PATH_MAX], msg[512];
	struct stat st;
	int dfd, rc;

	if (!pid || fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISDIR(st.st_mode) || (geteuid() && st.st_uid != geteuid()))
		return;
	dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	if (flock(dfd, LOCK_EX | LOCK_NB) || !is_stale(dfd, pid)) {
		close(dfd);
		return;
	}
	snprintf(path, sizeof(path), "%s%s%s", parent,
		 parent[strlen(parent) - 1] == '/' ? "" : "/", name);
	rc = remove_dir(pfd, dfd, name);
	close(dfd);
	if (!rc) {
		fprintf(log, "cowbench: removed stale temp directory %s of a run that died "
			"(pid %ld)\n", out_short_path(path, msg, sizeof(msg)), pid);
		return;
	}
	out_path_error(msg, sizeof(msg), "cannot remove stale temp directory", path, -rc);
	fprintf(log, "cowbench: %s (of a run that died, pid %ld)\n", msg, pid);
}

void out_stale_clean(const char *parent, FILE *log)
{
	DIR *d = opendir(parent);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-"))
			consider(dirfd(d), parent, e->d_name, log);
	if (d)
		closedir(d);
}
