// SPDX-License-Identifier: GPL-2.0-only
/*
 * tracefs.c - tracefs and a tracepoint's format (tracefs.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracefs.h"

static const char *const dirs[] = { TRACEFS_MOUNT, "/sys/kernel/debug/tracing" };

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

/* The tracefs mount that has events/; -ENOENT or -EACCES. */
static int find(const char **dir)
{
	char path[64];
	struct stat st;
	int ret = -ENOENT;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", dirs[i]);
		if (stat(path, &st) < 0) {
			if (errno == EACCES)
				ret = -EACCES;
		} else if (S_ISDIR(st.st_mode)) {
			*dir = dirs[i];
			return 0;
		}
	}
	return ret;
}

/* Mount tracefs where only this process and the cells it starts see it:
 * a mount namespace of its own, made private so that no mount propagates
 * either way. Then a concurrent run's cleanup (or anyone's umount) cannot
 * take tracefs away in the middle of the run, and a run killed with
 * SIGKILL cannot leave it behind. Where no
 * namespace can be made (a container without CAP_SYS_ADMIN over its
 * mounts), the mount is the system's, and unmounted at the end as before.
 * The caller is single-threaded: the namespace is the calling task's. */
static void private_namespace(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return;
	/* a failure here leaves shared propagation: the mount is the
	 * system's again, which the unmount at the end undoes */
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

int tracefs_open(bool may_mount, bool *mounted, const char **dir, char *why,
		 size_t len)
{
	int ret;

	if (may_mount && geteuid() == 0)
		private_namespace();	/* the system's mounts can no longer change under us */
	ret = find(dir);
	if (ret == -ENOENT && may_mount && geteuid() == 0) {
		if (mount("nodev", TRACEFS_MOUNT, "tracefs", 0, NULL) < 0) {
			ret = -errno;
			snprintf(why, len, "tracefs not mounted and mounting it failed (%s); "
				 "mount -t tracefs nodev " TRACEFS_MOUNT, strerror(-ret));
			return ret;
		}
		*mounted = true;
		ret = find(dir);
	}
	if (ret == -EACCES)
		snprintf(why, len, "tracefs not readable (EACCES): tracepoints need root");
	else if (ret == -ENOENT)
		snprintf(why, len, "tracefs not mounted; mount -t tracefs nodev "
			 TRACEFS_MOUNT " (as root)");
	return ret;
}

void tracefs_unmount(void)
{
	umount(TRACEFS_MOUNT);
}

/* One "{ 1, "remote shootdown" }" pair; returns the text after it or NULL. */
static const char *next_pair(const char *p, struct tracefs_value *v)
{
	char *end;
	size_t k;

	p += strspn(p, " ,");
	if (*p++ != '{')
		return NULL;
	v->value = (int)strtol(p, &end, 0);
	if (end == p)
		return NULL;
	p = end + strspn(end, " ,");
	if (*p++ != '"')
		return NULL;
	k = strcspn(p, "\"");
	if (p[k] != '"' || k >= sizeof(v->text))
		return NULL;
	memcpy(v->text, p, k);
	v->text[k] = '\0';
	p += k + 1;
	p += strspn(p, " ");
	return *p == '}' ? p + 1 : NULL;
}

/* print fmt: "...", __print_symbolic(REC->reason, { 0, "flush on task
 * switch" }, { 1, "remote shootdown" }, ...), ... */
int tracefs_parse_symbolic(const char *format, struct tracefs_event *ev)
{
	static const char tag[] = "__print_symbolic(REC->";
	const char *p = strstr(format, tag);
	size_t k;

	if (!p)
		return -EINVAL;
	p += sizeof(tag) - 1;
	k = strcspn(p, ", )");
	if (k == 0 || k >= sizeof(ev->field))
		return -EINVAL;
	memcpy(ev->field, p, k);
	ev->field[k] = '\0';
	p += k;
	ev->n = 0;
	while (ev->n < TRACEFS_MAX_VALUES && (p = next_pair(p, &ev->v[ev->n])))
		ev->n++;
	return ev->n > 0 ? 0 : -EINVAL;
}

int tracefs_read_event(const char *dir, const char *system, const char *name,
		       struct tracefs_event *ev, char *why, size_t len)
{
	char path[160], buf[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", dir, system, name);
	ret = read_file(path, buf, sizeof(buf));
	if (ret == 0 && sscanf(buf, "%u", &ev->id) != 1)
		ret = -EINVAL;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", dir, system, name);
	if (ret == 0)
		ret = read_file(path, buf, sizeof(buf));
	if (ret < 0) {
		snprintf(why, len, "cannot read %s:%s under %s/events: %s", system, name,
			 dir, strerror(-ret));
		return ret;
	}
	ret = tracefs_parse_symbolic(buf, ev);
	if (ret < 0)
		snprintf(why, len, "cannot parse the values in %s", path);
	return ret;
}
