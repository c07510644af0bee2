// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/PID/status and /proc/PID/maps. Both are parsed by hand: maps is
 * read for every new process on a busy host, and a scanf() per line costs
 * more than the kernel took to print it. The parsers read only the bytes
 * they are given and treat them as hostile: a line that does not have the
 * exact shape the kernel prints is skipped, not guessed at.
 */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A status is ~1.5 KiB; the CPU and node masks of a huge machine fit too. */
#define STATUS_MAX	(64 * 1024)
/*
 * A maps line is ~100 bytes, at most ~4 KiB (PATH_MAX); 65530 mappings
 * (vm.max_map_count's default) of long paths still fit. Beyond, a
 * process could make us hold as much memory as it likes.
 */
#define MAPS_MAX	(256 * 1024 * 1024)
/* The first read's size: a whole status, or the maps of a small process. */
#define READ_CHUNK	4096

static const char deleted_suffix[] = " (deleted)";

/* ---- reading --------------------------------------------------------- */

int procfs_read_file(const char *path, size_t max, char **out, size_t *len)
{
	size_t n = 0, cap;
	char *buf;
	int fd, err = 0;

	*out = NULL;
	*len = 0;
	/* room for one byte past @max (to see that there is one) and a NUL */
	if (max > SIZE_MAX / 4)
		max = SIZE_MAX / 4;
	cap = max + 1 < READ_CHUNK ? max + 1 : READ_CHUNK;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t ncap = cap * 2 < max + 1 ? cap * 2 : max + 1;
			char *nbuf;

			if (cap > max) {
				err = -EFBIG;
				break;
			}
			nbuf = realloc(buf, ncap + 1);
			if (!nbuf) {
				err = -ENOMEM;
				break;
			}
			buf = nbuf;
			cap = ncap;
		}
		/* /proc files report size 0 and come a page or a record at a time */
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int procfs_read_status(pid_t pid, struct proc_status *st)
{
	char path[32], *text;
	size_t len;
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	err = procfs_read_file(path, STATUS_MAX, &text, &len);
	if (err)
		return err;
	err = procfs_parse_status(text, len, st);
	free(text);
	if (err)
		memset(st, 0, sizeof(*st));
	return err;
}

int procfs_read_maps(pid_t pid, struct proc_maps *m)
{
	char path[32], *text;
	size_t len;
	int err;

	*m = (struct proc_maps){ 0 };
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	err = procfs_read_file(path, MAPS_MAX, &text, &len);
	if (err)
		return err;
	return procfs_parse_maps(text, len, m);
}

void procfs_maps_free(struct proc_maps *m)
{
	free(m->v);
	free(m->buf);
	*m = (struct proc_maps){ 0 };
}

/* ---- maps ------------------------------------------------------------ */

static inline int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;		/* the kernel prints lower case; take both */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The hex number at @p, ending before @end: the position after its
 * digits, or NULL when there are none or it overflows 64 bits. Leading
 * zeros are no overflow: the kernel pads to a width, never truncates.
 */
static const char *parse_hex(const char *p, const char *end, uint64_t *v)
{
	const char *start = p;
	uint64_t x = 0;
	int d;

	while (p < end && (d = hex_digit((unsigned char)*p)) >= 0) {
		if (x >> 60)
			return NULL;
		x = x << 4 | (uint64_t)d;
		p++;
	}
	if (p == start)
		return NULL;
	*v = x;
	return p;
}

/* The same for a decimal number of at most @max. */
static const char *parse_dec(const char *p, const char *end, uint64_t max,
			     uint64_t *v)
{
	const char *start = p;
	uint64_t x = 0;

	while (p < end && *p >= '0' && *p <= '9') {
		unsigned int d = (unsigned int)(*p - '0');

		if (x > max / 10 || (x == max / 10 && d > max % 10))
			return NULL;
		x = x * 10 + d;
		p++;
	}
	if (p == start)
		return NULL;
	*v = x;
	return p;
}

/* @p, when it is at the character @c before @end: the position after. */
static inline const char *expect(const char *p, const char *end, char c)
{
	return p && p < end && *p == c ? p + 1 : NULL;
}

/* "rwxp": each letter or '-' in its place, and p(rivate) or s(hared). */
static const char *parse_perms(const char *p, const char *end,
			       struct proc_map *pm)
{
	if (!p || end - p < 4)
		return NULL;
	if ((p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') ||
	    (p[2] != 'x' && p[2] != '-') || (p[3] != 'p' && p[3] != 's'))
		return NULL;
	pm->r = p[0] == 'r';
	pm->w = p[1] == 'w';
	pm->x = p[2] == 'x';
	pm->shared = p[3] == 's';
	return p + 4;
}

/*
 * "START-END PERMS OFFSET MAJ:MIN INODE" at @p: the position after the
 * inode, or NULL when the line has another shape.
 */
static const char *parse_header(const char *p, const char *eol,
				struct proc_map *pm)
{
	uint64_t major, minor;

	p = parse_hex(p, eol, &pm->start);
	p = expect(p, eol, '-');
	p = p ? parse_hex(p, eol, &pm->end) : NULL;
	p = expect(p, eol, ' ');
	p = parse_perms(p, eol, pm);
	p = expect(p, eol, ' ');
	p = p ? parse_hex(p, eol, &pm->offset) : NULL;
	p = expect(p, eol, ' ');
	p = p ? parse_hex(p, eol, &major) : NULL;
	p = expect(p, eol, ':');
	p = p ? parse_hex(p, eol, &minor) : NULL;
	p = expect(p, eol, ' ');
	p = p ? parse_dec(p, eol, UINT64_MAX, &pm->inode) : NULL;
	if (!p || major > UINT_MAX || minor > UINT_MAX || pm->start > pm->end)
		return NULL;
	pm->dev_major = (unsigned int)major;
	pm->dev_minor = (unsigned int)minor;
	return p;
}

/*
 * The line [@line, @eol), where *@eol is the '\n' or the buffer's final
 * NUL: fills @pm and terminates its path in place. False for a line to
 * skip.
 */
static bool parse_map_line(char *line, char *eol, struct proc_map *pm)
{
	const size_t dn = sizeof(deleted_suffix) - 1;
	const char *p = parse_header(line, eol, pm);
	char *path;
	size_t n;

	if (!p)
		return false;
	/*
	 * After the inode: the line's end, or a blank, the padding that lines
	 * the names up, and the name. A file's name starts with '/' and a
	 * pseudo name with '[', so no name loses a leading blank to this;
	 * trailing blanks are a file's own and stay.
	 */
	if (p < eol && *p != ' ')
		return false;
	while (p < eol && *p == ' ')
		p++;
	path = line + (p - line);
	n = (size_t)(eol - path);
	/* a NUL would cut the path short of path_len: no kernel prints one */
	if (memchr(path, '\0', n))
		return false;
	pm->deleted = n > dn && !memcmp(path + n - dn, deleted_suffix, dn);
	if (pm->deleted)
		n -= dn;
	path[n] = '\0';
	pm->path = path;
	pm->path_len = n;
	return true;
}

/* Lines in @text: the '\n's, and a last line that has none. */
static size_t count_lines(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t n = 0;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p = nl + 1;
	}
	return n + (p < end);
}

int procfs_parse_maps(char *text, size_t len, struct proc_maps *m)
{
	char *p = text, *end;
	size_t lines;

	*m = (struct proc_maps){ .buf = text };
	if (!text)
		return 0;
	end = text + len;
	lines = count_lines(text, len);
	if (!lines)
		return 0;
	m->v = lines <= SIZE_MAX / sizeof(*m->v) ?
	       malloc(lines * sizeof(*m->v)) : NULL;
	if (!m->v) {
		free(text);
		m->buf = NULL;
		return -ENOMEM;
	}
	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		struct proc_map *pm = &m->v[m->n];

		/* the last line may have no '\n': then it ends at the NUL */
		if (!eol)
			eol = end;
		*pm = (struct proc_map){ 0 };
		if (parse_map_line(p, eol, pm))
			m->n++;
		if (eol == end)
			break;
		p = eol + 1;
	}
	if (!m->n) {
		free(m->v);
		m->v = NULL;
	}
	return 0;
}

/* ---- status ---------------------------------------------------------- */

enum status_field {
	F_NAME, F_STATE, F_TGID, F_PID, F_PPID, F_UID, F_THREADS, F_NSPID,
	F_KTHREAD, F_VMSIZE,
};

static const struct {
	const char *key;
	size_t len;
	enum status_field field;
} status_keys[] = {
#define KEY(k, f) { k, sizeof(k) - 1, f }
	KEY("Name", F_NAME),
	KEY("State", F_STATE),
	KEY("Tgid", F_TGID),
	KEY("Pid", F_PID),
	KEY("PPid", F_PPID),
	KEY("Uid", F_UID),
	KEY("NSpid", F_NSPID),
	KEY("Kthread", F_KTHREAD),
	KEY("VmSize", F_VMSIZE),
	KEY("Threads", F_THREADS),
#undef KEY
};

/* What the lines told beyond the fields of struct proc_status. */
struct status_seen {
	bool tgid, vmsize, kthread_line;
};

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/*
 * The blank-separated decimal numbers of [@p, @end), each at most @max:
 * the first @cap of them into @v. Returns how many there are (more than
 * @cap for a longer list), or -1 when anything else is in the way.
 */
static int parse_numbers(const char *p, const char *end, uint64_t max,
			 uint64_t *v, int cap)
{
	int n = 0;

	for (p = skip_blanks(p, end); p < end; p = skip_blanks(p, end)) {
		uint64_t x;

		if (n && !is_blank(p[-1]))
			return -1;
		p = parse_dec(p, end, max, &x);
		if (!p || n == INT_MAX)
			return -1;
		if (n < cap)
			v[n] = x;
		n++;
	}
	return n;
}

/* A field of one number, such as "Tgid:\t42". */
static bool parse_one(const char *p, const char *end, uint64_t max,
		      uint64_t *v)
{
	return parse_numbers(p, end, max, v, 1) == 1;
}

/*
 * The name as the kernel printed it after its tab; comm may start with a
 * blank of its own, so only that one separator goes.
 */
static void parse_name(const char *p, const char *end, char *name,
		       size_t size)
{
	size_t n;

	if (p < end && is_blank(*p))
		p++;
	n = (size_t)(end - p);
	if (n > size - 1)
		n = size - 1;
	memcpy(name, p, n);
	name[n] = '\0';
}

static void parse_nspid(const char *p, const char *end, struct proc_status *st)
{
	uint64_t v[PROCFS_MAX_NSPID];
	int n = parse_numbers(p, end, INT_MAX, v, PROCFS_MAX_NSPID);

	if (n < 1)
		return;
	/* deeper namespaces than we keep: the outer levels stay */
	if (n > PROCFS_MAX_NSPID)
		n = PROCFS_MAX_NSPID;
	for (int i = 0; i < n; i++)
		st->nspid[i] = (pid_t)v[i];
	st->nnspid = n;
}

static void parse_status_field(enum status_field f, const char *p,
			       const char *end, struct proc_status *st,
			       struct status_seen *seen)
{
	uint64_t v[2];

	switch (f) {
	case F_NAME:
		parse_name(p, end, st->name, sizeof(st->name));
		break;
	case F_STATE:
		p = skip_blanks(p, end);
		if (p < end && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			st->state = *p;
		break;
	case F_TGID:
		if (parse_one(p, end, INT_MAX, v)) {
			st->tgid = (pid_t)v[0];
			seen->tgid = true;
		}
		break;
	case F_PID:
		if (parse_one(p, end, INT_MAX, v))
			st->pid = (pid_t)v[0];
		break;
	case F_PPID:
		if (parse_one(p, end, INT_MAX, v))
			st->ppid = (pid_t)v[0];
		break;
	case F_UID:
		/* real, effective, saved, filesystem */
		if (parse_numbers(p, end, UINT32_MAX, v, 2) >= 2) {
			st->uid = (uid_t)v[0];
			st->euid = (uid_t)v[1];
		}
		break;
	case F_THREADS:
		if (parse_one(p, end, INT_MAX, v))
			st->threads = (int)v[0];
		break;
	case F_NSPID:
		parse_nspid(p, end, st);
		break;
	case F_KTHREAD:
		if (parse_one(p, end, 1, v)) {
			st->kthread = v[0];
			seen->kthread_line = true;
		}
		break;
	case F_VMSIZE:
		seen->vmsize = true;
		break;
	}
}

/* One "Key:\tvalue" line [@p, @eol); other lines are none of ours. */
static void parse_status_line(const char *p, const char *eol,
			      struct proc_status *st, struct status_seen *seen)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p));
	size_t klen;

	if (!colon)
		return;
	klen = (size_t)(colon - p);
	for (size_t i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++) {
		if (status_keys[i].len == klen &&
		    !memcmp(status_keys[i].key, p, klen)) {
			parse_status_field(status_keys[i].field, colon + 1, eol,
					   st, seen);
			return;
		}
	}
}

int procfs_parse_status(const char *text, size_t len, struct proc_status *st)
{
	const char *p = text, *end;
	struct status_seen seen = { 0 };

	memset(st, 0, sizeof(*st));
	if (!text)
		return -EINVAL;
	end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		parse_status_line(p, eol, st, &seen);
		if (eol == end)
			break;
		p = eol + 1;
	}
	/*
	 * Before 6.10 no Kthread line: a kernel thread is what has no memory
	 * of its own, so no VmSize. A zombie, or a task past that, has given
	 * its memory back too, and is no kernel thread.
	 */
	if (!seen.kthread_line)
		st->kthread = !seen.vmsize && st->state != 'Z' && st->state != 'X';
	return seen.tgid ? 0 : -EINVAL;
}
