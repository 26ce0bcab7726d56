// SPDX-License-Identifier: GPL-2.0-only
/*
 * output.c - the run directory (output.h).
 *
 * Every file goes through a stdio stream whose writes we do ourselves
 * (fopencookie): the first write error is kept with its errno, so that a
 * full disk reads "No space left on device" and names the file, whatever
 * the writer did with errno afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "out_json.h"
#include "output.h"
#include "summary.h"

/* The longest name written inside the run directory, with its slash. */
#define LONGEST_NAME sizeof("/." OUT_OWNER_FILE ".tmp")
#define LONGEST_PART 200

const char *out_short_path(const char *path, char *buf, size_t len)
{
	char q[4 * PATH_MAX + 8];	/* each byte escaped at most as \xNN */
	size_t n;

	fmt_quote(path, q, sizeof(q));	/* a newline in a path stays one line */
	n = strlen(q);
	if (n <= 120)
		snprintf(buf, len, "%s", q);
	else
		snprintf(buf, len, "%.50s...%s", q, q + n - 60);
	return buf;
}

int out_path_error(char *err, size_t len, const char *what, const char *path, int e)
{
	char sp[128];

	snprintf(err, len, "%s %s: %s", what, out_short_path(path, sp, sizeof(sp)),
		 strerror(e));
	return -e;
}

/* Bad input before anything is touched: too long, or a part over NAME_MAX. */
static int check_length(const char *final, int n, char *err, size_t len)
{
	const char *slash = strrchr(final, '/');
	const char *p = final;
	size_t most = PATH_MAX - 32 - LONGEST_NAME;

	if (n < 0 || (size_t)n >= most) {
		snprintf(err, len, "--out: the path is too long (%d characters; at most %zu)",
			 n, most - 1);
		return -ENAMETOOLONG;
	}
	if (strlen(slash ? slash + 1 : final) > LONGEST_PART) {
		snprintf(err, len, "--out: the run directory's name is too long (%zu "
			 "characters; at most %d)", strlen(slash ? slash + 1 : final),
			 LONGEST_PART);
		return -ENAMETOOLONG;
	}
	while (*p) {
		size_t part = strcspn(p, "/");

		if (part > NAME_MAX) {
			snprintf(err, len, "--out: a directory name in the path is %zu "
				 "characters long (at most %d)", part, NAME_MAX);
			return -ENAMETOOLONG;
		}
		p += part + !!p[part];
	}
	return 0;
}

static int choose_final(const char *out, struct out_dir *od, char *err, size_t len)
{
	char ts[32], host[64];
	time_t t = time(NULL);
	struct tm tm;
	size_t l;
	int n;

	if (out) {
		n = snprintf(od->final, sizeof(od->final), "%s", out);
	} else {
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
		gethostname(host, sizeof(host));
		host[sizeof(host) - 1] = 0;
		if (mkdir("results", 0777) && errno != EEXIST)
			return out_path_error(err, len, "cannot create", "results/", errno);
		n = snprintf(od->final, sizeof(od->final), "results/%s-%s", ts, host);
	}
	while ((l = strlen(od->final)) > 1 && od->final[l - 1] == '/')
		od->final[l - 1] = 0;
	return check_length(od->final, n, err, len);
}

struct sink {
	int fd;
	int err;	/* the first write error */
};

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
	struct sink *s = cookie;
	size_t done = 0;

	while (!s->err && done < n) {
		ssize_t w = write(s->fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			s->err = w < 0 ? errno : ENOSPC;
		else
			done += w;
	}
	return s->err ? 0 : (ssize_t)n;	/* 0: an error, for stdio */
}

typedef int (*fill_fn)(const struct run *r, FILE *f);

static int fill_json(const struct run *r, FILE *f)
{
	out_json_run(r, f);
	return 0;
}

/* Write dir/name through dir/.name.tmp and rename. */
static int write_file(const struct run *r, const char *dir, const char *name,
		      fill_fn fill, char *err, size_t len)
{
	cookie_io_functions_t io = { .write = sink_write };
	char tmp[PATH_MAX], path[PATH_MAX];
	struct sink s = { .fd = -1 };
	int rc = 0;
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return out_path_error(err, len, "cannot write in", dir, ENAMETOOLONG);
	s.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (s.fd < 0)
		return out_path_error(err, len, "cannot write", path, errno);
	f = fopencookie(&s, "w", io);
	if (!f) {
		rc = -errno;
		goto out_close;
	}
	fill(r, f);
	if ((fflush(f) || ferror(f)) && !s.err)
		s.err = EIO;	/* stdio failed without a write failing */
	fclose(f);
	if (s.err)
		rc = -s.err;
	else if (fsync(s.fd))
		rc = -errno;
out_close:
	if (close(s.fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return out_path_error(err, len, "cannot write", path, -rc);
	}
	return 0;
}

/* Remove an empty directory that --out names, after the temporary one
 * proved the parent writable: what stops it is the real cause. */
static int replace_existing(const struct out_dir *od, char *err, size_t len)
{
	char sp[128];
	struct stat st;
	int e;

	if (lstat(od->final, &st))
		return errno == ENOENT ? 0 : out_path_error(err, len, "--out: cannot use",
							     od->final, errno);
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, len, "--out: %s already exists and is not a directory",
			 out_short_path(od->final, sp, sizeof(sp)));
		return -EEXIST;
	}
	if (!rmdir(od->final))
		return 0;
	e = errno;
	if (e == ENOTEMPTY || e == EEXIST) {
		snprintf(err, len, "--out: %s already exists and is not empty",
			 out_short_path(od->final, sp, sizeof(sp)));
		return -e;
	}
	return out_path_error(err, len, "--out: cannot replace the empty directory",
			      od->final, e);
}

static void parent_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, len, ".");
	else
		snprintf(buf, len, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

int output_prepare(const char *out, struct out_dir *od, FILE *log, char *err,
		   size_t len)
{
	char parent[PATH_MAX], sp[128];
	const char *slash, *base;
	int rc;

	od->lock_fd = -1;
	od->tmp[0] = 0;
	if (out && !*out) {
		snprintf(err, len, "--out: an empty path is not a directory name");
		return -EINVAL;
	}
	rc = choose_final(out, od, err, len);
	if (rc)
		return rc;
	slash = strrchr(od->final, '/');
	base = slash ? slash + 1 : od->final;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		snprintf(err, len, "--out: \"%s\" is a directory in use, which cannot be "
			 "replaced; name a new directory for the run",
			 out_short_path(od->final, sp, sizeof(sp)));
		return -EEXIST;
	}
	parent_of(od->final, parent, sizeof(parent));
	out_stale_clean(parent, log);
	if ((size_t)snprintf(od->tmp, sizeof(od->tmp), "%.*s.%s.tmp-%d",
			     slash ? (int)(slash - od->final + 1) : 0, od->final, base,
			     (int)getpid()) >= sizeof(od->tmp))
		errno = ENAMETOOLONG;	/* cannot be: check_length() left room */
	else if (!mkdir(od->tmp, 0777))
		errno = 0;
	if (errno) {
		od->tmp[0] = 0;
		return out_path_error(err, len, "--out: cannot create the run directory beside",
				      od->final, errno);
	}
	/* Held until we exit, by no cell (cloexec): it says this run is alive. */
	od->lock_fd = open(od->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (od->lock_fd < 0 || flock(od->lock_fd, LOCK_EX | LOCK_NB))
		rc = out_path_error(err, len, "--out: cannot lock", od->tmp, errno);
	rc = rc ? rc : write_file(NULL, od->tmp, OUT_OWNER_FILE, out_owner_text, err, len);
	rc = rc ? rc : replace_existing(od, err, len);
	if (rc)
		output_abandon(od);
	return rc;
}

void output_abandon(struct out_dir *od)
{
	DIR *d = od->tmp[0] ? opendir(od->tmp) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	if (od->tmp[0])
		rmdir(od->tmp);
	od->tmp[0] = 0;
	if (od->lock_fd >= 0)
		close(od->lock_fd);
	od->lock_fd = -1;
}

int output_commit(const struct run *r, struct out_dir *od, char *err, size_t len)
{
	char owner[PATH_MAX];
	int rc = write_file(r, od->tmp, "run.json", fill_json, err, len);

	rc = rc ? rc : write_file(r, od->tmp, "results.csv", out_csv, err, len);
	rc = rc ? rc : write_file(r, od->tmp, "summary.txt", summary_write, err, len);
	rc = rc ? rc : write_file(r, od->tmp, "details.txt", summary_details, err, len);
	if ((size_t)snprintf(owner, sizeof(owner), "%s/%s", od->tmp, OUT_OWNER_FILE) >=
	    sizeof(owner))
		rc = rc ? rc : out_path_error(err, len, "cannot write in", od->tmp, ENAMETOOLONG);
	if (!rc && unlink(owner))
		rc = out_path_error(err, len, "cannot remove", owner, errno);
	if (!rc && rename(od->tmp, od->final))
		rc = out_path_error(err, len, "cannot rename the run directory to", od->final,
				    errno);
	if (rc) {
		output_abandon(od);
		return rc;
	}
	close(od->lock_fd);
	od->lock_fd = -1;
	return 0;
}
