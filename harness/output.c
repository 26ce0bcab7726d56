// SPDX-License-Identifier: GPL-2.0-only
/*
 * output.c - the run directory (output.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "out_json.h"
#include "output.h"
#include "summary.h"

#define LONGEST_NAME sizeof("/.summary.txt.tmp")

/* "what path: reason", the path cut in the middle so the reason fits. */
static int path_error(char *err, size_t len, const char *what, const char *path, int e)
{
	size_t n = strlen(path);

	if (n <= 120)
		snprintf(err, len, "%s %s: %s", what, path, strerror(e));
	else
		snprintf(err, len, "%s %.50s...%s: %s", what, path, path + n - 60,
			 strerror(e));
	return -e;
}

int output_prepare(const char *out, struct out_dir *od, char *err, size_t len)
{
	char ts[32], host[64], *slash;
	struct stat st;
	time_t t = time(NULL);
	struct tm tm;
	int n;

	if (out && !*out) {
		snprintf(err, len, "--out: an empty path is not a directory name");
		return -EINVAL;
	}
	if (out) {
		n = snprintf(od->final, sizeof(od->final), "%s", out);
	} else {
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
		gethostname(host, sizeof(host));
		host[sizeof(host) - 1] = 0;
		if (mkdir("results", 0777) && errno != EEXIST)
			return path_error(err, len, "cannot create", "results/", errno);
		n = snprintf(od->final, sizeof(od->final), "results/%s-%s", ts, host);
	}
	while (strlen(od->final) > 1 && od->final[strlen(od->final) - 1] == '/')
		od->final[strlen(od->final) - 1] = 0;
	slash = strrchr(od->final, '/');
	if (n < 0 || (size_t)n + 32 + LONGEST_NAME >= sizeof(od->final) ||
	    strlen(slash ? slash + 1 : od->final) > 200) {
		snprintf(err, len, "--out: the path is too long (%d characters; at most %zu, "
			 "and 200 for its last part)", n, sizeof(od->final) - 32 - LONGEST_NAME);
		return -ENAMETOOLONG;
	}
	if (!strcmp(slash ? slash + 1 : od->final, ".") ||
	    !strcmp(slash ? slash + 1 : od->final, "..")) {
		snprintf(err, len, "--out: \"%s\" names an existing directory; give a new "
			 "name for the run", od->final);
		return -EEXIST;
	}
	if (!stat(od->final, &st)) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, len, "--out: %s already exists and is not a directory",
				 od->final);
			return -EEXIST;
		}
		if (rmdir(od->final)) {
			int e = errno;

			if (e == ENOTEMPTY || e == EEXIST)
				snprintf(err, len, "--out: %s already exists and is not empty",
					 od->final);
			else
				path_error(err, len, "--out: cannot replace the empty directory",
					   od->final, e);
			return -e;
		}
	}
	snprintf(od->tmp, sizeof(od->tmp), "%.*s.%s.tmp-%d",
		 slash ? (int)(slash - od->final + 1) : 0, od->final,
		 slash ? slash + 1 : od->final, (int)getpid());
	if (mkdir(od->tmp, 0777))
		return path_error(err, len, "--out: cannot create the run directory beside",
				  od->final, errno);
	return 0;
}

enum kind { OUT_JSON, OUT_CSV, OUT_SUMMARY, OUT_DETAILS };

/* Write dir/name through dir/.name.tmp and rename. */
static int write_file(const struct run *r, const char *dir, const char *name,
		      enum kind kind, char *err, size_t len)
{
	char tmp[PATH_MAX + 64], path[PATH_MAX + 64];
	FILE *f;
	int rc = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(tmp, "w");
	if (!f)
		return path_error(err, len, "cannot write", tmp, errno);
	errno = 0;
	if (kind == OUT_JSON)
		out_json_run(r, f);
	else if (kind == OUT_CSV)
		out_csv(r, f);
	else if (kind == OUT_SUMMARY)
		summary_write(r, f);
	else
		summary_details(r, f);
	if (fflush(f) || ferror(f))
		rc = -(errno ? errno : EIO);
	if (fsync(fileno(f)) && !rc)
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return path_error(err, len, "cannot write", path, -rc);
	}
	return 0;
}

void output_abandon(const struct out_dir *od)
{
	DIR *d = opendir(od->tmp);
	struct dirent *e;
	char p[PATH_MAX + 300];

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", od->tmp, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(od->tmp);
}

int output_commit(const struct run *r, const struct out_dir *od, char *err, size_t len)
{
	int rc = write_file(r, od->tmp, "run.json", OUT_JSON, err, len);

	rc = rc ? rc : write_file(r, od->tmp, "results.csv", OUT_CSV, err, len);
	rc = rc ? rc : write_file(r, od->tmp, "summary.txt", OUT_SUMMARY, err, len);
	rc = rc ? rc : write_file(r, od->tmp, "details.txt", OUT_DETAILS, err, len);
	if (!rc && rename(od->tmp, od->final))
		rc = path_error(err, len, "cannot rename the run directory to", od->final,
				errno);
	if (rc)
		output_abandon(od);
	return rc;
}
