// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cgroup names: which container a cgroup path is, where the v2 hierarchy
 * is mounted, which line of /proc/PID/cgroup to believe, and the id of a
 * cgroup directory. The id -> path cache is in cgroup_cache.c.
 */
#include "cgroup.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The handle type kernfs gives name_to_handle_at() (FILEID_KERNFS in the
 * kernel's exportfs.h, not in its uapi): 8 bytes, the node's 64-bit id.
 */
#define FILEID_KERNFS_TYPE	0xfe

/* /proc/PID/cgroup and mountinfo are small; a host with more is hostile. */
#define PROC_TEXT_MAX		(1 << 20)

static bool is_cid(const char *s, size_t n)
{
	if (n != CGROUP_CID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t pn = strlen(prefix);

	return n >= pn && memcmp(s, prefix, pn) == 0;
}

/*
 * The runtimes' names for a container's cgroup, as "<prefix><id><suffix>".
 * Only CRI-O and Podman name it without ".scope" (their cgroupfs managers);
 * "docker-<id>" alone is nobody's.
 */
static const struct {
	const char *prefix;
	bool scope_only;
} runtimes[] = {
	{ "docker-", true },
	{ "cri-containerd-", true },
	{ "crio-", false },
	{ "libpod-", false },
};

/* The container id that path component @s[0..n) names, or NULL. */
static const char *component_cid(const char *s, size_t n)
{
	static const char scope[] = ".scope";
	const size_t sn = sizeof(scope) - 1;
	bool scoped = n > sn && memcmp(s + n - sn, scope, sn) == 0;
	size_t base = scoped ? n - sn : n;

	if (!scoped && is_cid(s, n))
		return s;
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		size_t pn = strlen(runtimes[i].prefix);

		if ((scoped || !runtimes[i].scope_only) &&
		    has_prefix(s, base, runtimes[i].prefix) &&
		    is_cid(s + pn, base - pn))
			return s + pn;
	}
	return NULL;
}

bool cgroup_container(const char *path, struct cgroup_container *c)
{
	unsigned int level = 0;
	const char *p = path;

	while (*p) {
		const char *s, *cid;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		level++;
		cid = component_cid(s, n);
		if (!cid)
			continue;
		if (c) {
			memcpy(c->id, cid, CGROUP_CID_LEN);
			c->id[CGROUP_CID_LEN] = '\0';
			c->end = (size_t)(p - path);
			c->level = level;
		}
		return true;
	}
	return false;
}

const char *cgroup_label(const char *path, uint64_t id,
			 char buf[CGROUP_LABEL_MAX])
{
	struct cgroup_container c;

	if (!path) {
		snprintf(buf, CGROUP_LABEL_MAX, "cgroup:%" PRIu64, id);
		return buf;
	}
	if (strcmp(path, "/") == 0)
		return "-";
	if (!cgroup_container(path, &c))
		return path;
	memcpy(buf, c.id, CGROUP_SHORT_CID_LEN);
	buf[CGROUP_SHORT_CID_LEN] = '\0';
	return buf;
}

/* --- mountinfo ------------------------------------------------------------ */

/* One line of text: [*p, returned end), *p advanced past its newline. */
static const char *next_line(const char **p, const char *end)
{
	const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));

	if (!nl)
		nl = end;
	*p = nl < end ? nl + 1 : end;
	return nl;
}

/* The next space-separated field of [*p, end) in *f, *n; false at the end. */
static bool next_field(const char **p, const char *end, const char **f,
		       size_t *n)
{
	const char *s = *p, *e;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	e = s;
	while (e < end && *e != ' ')
		e++;
	*f = s;
	*n = (size_t)(e - s);
	*p = e;
	return true;
}

static bool field_is(const char *f, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(f, s, n) == 0;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/*
 * Decode the kernel's mangling of a mount table path (space, tab, newline
 * and backslash as \040 \011 \012 \134) into @dst. A backslash that does
 * not begin three octal digits (of a byte other than NUL) is kept as it is.
 */
static int unmangle(const char *s, size_t n, char *dst, size_t dstsz)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < n && s[i + 1] >= '0' &&
		    s[i + 1] <= '3' && is_octal(s[i + 2]) &&
		    is_octal(s[i + 3])) {
			int v = ((s[i + 1] - '0') << 6) |
				((s[i + 2] - '0') << 3) | (s[i + 3] - '0');

			/* a path holds no NUL: \000 is not the kernel's */
			if (v) {
				c = (char)v;
				i += 3;
			}
		}
		if (o + 1 >= dstsz)
			return -ENAMETOOLONG;
		dst[o++] = c;
	}
	if (!dstsz)
		return -ENAMETOOLONG;
	dst[o] = '\0';
	return 0;
}

/*
 * The root and mount point fields of a mountinfo line that mounts cgroup2
 * (the file system type is the first field after the " - " separator,
 * which follows a variable number of optional fields); false otherwise.
 */
static bool cgroup2_line(const char *s, const char *e, const char **root,
			 size_t *rootn, const char **mnt, size_t *mntn)
{
	const char *f;
	size_t n;
	int i = 0;

	*root = *mnt = "";
	*rootn = *mntn = 0;
	while (next_field(&s, e, &f, &n)) {
		if (i == 3) {
			*root = f;
			*rootn = n;
		} else if (i == 4) {
			*mnt = f;
			*mntn = n;
		} else if (i >= 6 && field_is(f, n, "-")) {
			return next_field(&s, e, &f, &n) &&
			       field_is(f, n, "cgroup2");
		}
		i++;
	}
	return false;
}

int cgroup_parse_mountinfo(const char *text, size_t len, char *mnt,
			   size_t mntsz)
{
	const char *p = text, *end = text + len;
	const char *first = NULL;
	size_t firstn = 0;

	while (p < end) {
		const char *s = p, *e = next_line(&p, end);
		const char *root, *m;
		size_t rootn, mn;

		if (!cgroup2_line(s, e, &root, &rootn, &m, &mn))
			continue;
		/* a bind mount of a sub-cgroup has its root elsewhere */
		if (field_is(root, rootn, "/"))
			return unmangle(m, mn, mnt, mntsz);
		if (!first) {
			first = m;
			firstn = mn;
		}
	}
	if (!first)
		return -ENOENT;
	return unmangle(first, firstn, mnt, mntsz);
}

int cgroup2_mount(char *mnt, size_t mntsz)
{
	char *text;
	size_t len;
	int err = procfs_read_file("/proc/self/mountinfo", PROC_TEXT_MAX, &text, &len);

	if (err)
		return err;
	err = cgroup_parse_mountinfo(text, len, mnt, mntsz);
	free(text);
	return err;
}

/* --- /proc/PID/cgroup ----------------------------------------------------- */

/* v1 lines worth believing, best first; the v2 line goes before them all. */
enum { RANK_V2, RANK_SYSTEMD, RANK_PIDS, RANK_CPU, NRANKS };

static bool has_controller(const char *list, size_t n, const char *name)
{
	const char *p = list, *end = list + n;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;

		if (field_is(p, (size_t)(e - p), name))
			return true;
		p = e + 1;
	}
	return false;
}

/* The rank of the line "ID:CONTROLLERS:PATH", with its path; -1: not one. */
static int proc_line_rank(const char *s, const char *e, const char **path,
			  size_t *pathn)
{
	const char *c1 = memchr(s, ':', (size_t)(e - s)), *c2;
	size_t ctrln;

	if (!c1)
		return -1;
	/* the path may hold ':' itself: split at the first two only */
	c2 = memchr(c1 + 1, ':', (size_t)(e - c1 - 1));
	if (!c2)
		return -1;
	*path = c2 + 1;
	*pathn = (size_t)(e - c2 - 1);
	ctrln = (size_t)(c2 - c1 - 1);
	if (field_is(s, (size_t)(c1 - s), "0") && ctrln == 0)
		return RANK_V2;
	if (has_controller(c1 + 1, ctrln, "name=systemd"))
		return RANK_SYSTEMD;
	if (has_controller(c1 + 1, ctrln, "pids"))
		return RANK_PIDS;
	if (has_controller(c1 + 1, ctrln, "cpu"))
		return RANK_CPU;
	return -1;
}

static int copy_path(const char *s, size_t n, char *dst, size_t dstsz)
{
	if (n >= dstsz)
		return -ENAMETOOLONG;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int cgroup_parse_proc(const char *text, size_t len, char *path,
		      size_t pathsz, bool *v2)
{
	const char *p = text, *end = text + len;
	const char *paths[NRANKS] = { NULL };
	size_t lens[NRANKS] = { 0 };
	char *tmp;
	int best = -1;

	while (p < end) {
		const char *s = p, *e = next_line(&p, end), *ps;
		size_t pn;
		int r = proc_line_rank(s, e, &ps, &pn);

		if (r >= 0 && !paths[r]) {
			paths[r] = ps;
			lens[r] = pn;
		}
	}
	/* cgroup_container() wants a string: try each in a copy */
	tmp = malloc(len + 1);
	if (!tmp)
		return -ENOMEM;
	for (int r = 0; r < NRANKS && best < 0; r++) {
		if (!paths[r])
			continue;
		memcpy(tmp, paths[r], lens[r]);
		tmp[lens[r]] = '\0';
		if (cgroup_container(tmp, NULL))
			best = r;
	}
	free(tmp);
	for (int r = 0; r < NRANKS && best < 0; r++)
		if (paths[r])
			best = r;
	if (best < 0)
		return -ENOENT;
	*v2 = best == RANK_V2;
	return copy_path(paths[best], lens[best], path, pathsz);
}

int cgroup_read_proc(pid_t pid, char *path, size_t pathsz, bool *v2)
{
	char file[64], *text;
	size_t len;
	int err;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	err = procfs_read_file(file, PROC_TEXT_MAX, &text, &len);
	if (err)
		return err;
	err = cgroup_parse_proc(text, len, path, pathsz, v2);
	free(text);
	return err;
}

/* --- ids ------------------------------------------------------------------ */

int cgroup_id_of_path(const char *path, uint64_t *id)
{
	_Alignas(struct file_handle)
		unsigned char buf[sizeof(struct file_handle) + 64];
	struct file_handle *fh = (struct file_handle *)buf;
	struct stat st;
	int mount_id;

	fh->handle_bytes = sizeof(buf) - sizeof(*fh);
	if (name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0) == 0 &&
	    fh->handle_type == FILEID_KERNFS_TYPE &&
	    fh->handle_bytes == sizeof(*id)) {
		memcpy(id, fh->f_handle, sizeof(*id));
		return 0;
	}
	/* not kernfs (or no handles there): the inode number is the id */
	if (stat(path, &st))
		return -errno;
	*id = (uint64_t)st.st_ino;
	return 0;
}
