// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup id -> path, from walks of the cgroup v2 hierarchy.
 *
 * There is no system call that names the cgroup of an id, and events name
 * cgroups that may be gone by the time their rows are printed, so the
 * cache learns the whole tree up front and again whenever an id it does
 * not know turns up. Entries of cgroups that have gone since are kept (a
 * late event of a removed container is still attributed), up to a bound.
 * A walk costs a getdents per cgroup, so misses may walk at most once per
 * rescan_ns, and an id no complete walk found is remembered as gone: the
 * kernel never reuses cgroup ids, so it will not turn up later.
 *
 * Entries live in an open-addressing hash table keyed by id (0 marks an
 * empty slot: no cgroup has id 0).
 */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_DEPTH	32
#define LIMIT_MAX_DEPTH		255	/* one open directory per level */
#define DEFAULT_MAX_DIRS	65536
#define DEFAULT_MAX_GONE	4096
#define DEFAULT_RESCAN_NS	100000000ULL	/* 100 ms */

struct entry {
	uint64_t id;		/* 0: empty slot */
	char *path;		/* NULL: no walk found it */
	uint64_t seen;		/* the walk that last found it (or failed to) */
};

struct cgroup_cache {
	int rootfd;
	struct cgroup_cache_limits lim;
	struct entry *tab;
	size_t cap;		/* a power of two */
	size_t used;
	uint64_t walk;		/* walks done (see is_live()) */
	bool walked_on_miss;
	uint64_t miss_walk_ns;	/* when the last walk on a miss began */
	/* the walk under way */
	unsigned int dirs;
	bool truncated;
	char path[PATH_MAX];
	struct cgroup_cache_stats st;
};

static size_t slot_of(const struct cgroup_cache *c, uint64_t id)
{
	/* Fibonacci hashing: ids are sequential, the low bits alone cluster */
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 32) & (c->cap - 1);
}

static struct entry *find(const struct cgroup_cache *c, uint64_t id)
{
	for (size_t i = slot_of(c, id);; i = (i + 1) & (c->cap - 1)) {
		if (c->tab[i].id == id)
			return &c->tab[i];
		if (!c->tab[i].id)
			return NULL;
	}
}

/* Place @e (not present) in @tab without growing it. */
static void place(struct cgroup_cache *c, const struct entry *e)
{
	size_t i = slot_of(c, e->id);

	while (c->tab[i].id)
		i = (i + 1) & (c->cap - 1);
	c->tab[i] = *e;
}

/* Rehash into @cap slots, keeping the entries @keep says yes to. */
static int rebuild(struct cgroup_cache *c, size_t cap,
		   bool (*keep)(const struct entry *e, void *arg), void *arg)
{
	struct entry *old = c->tab;
	size_t oldcap = c->cap;

	c->tab = calloc(cap, sizeof(*c->tab));
	if (!c->tab) {
		c->tab = old;
		return -ENOMEM;
	}
	c->cap = cap;
	c->used = 0;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].id)
			continue;
		if (keep && !keep(&old[i], arg)) {
			free(old[i].path);
			continue;
		}
		place(c, &old[i]);
		c->used++;
	}
	free(old);
	return 0;
}

/* A new entry for @id (not present); NULL when out of memory. */
static struct entry *insert(struct cgroup_cache *c, uint64_t id)
{
	struct entry e = { .id = id };

	/* at most half full, so probe sequences stay short */
	if ((c->used + 1) * 2 > c->cap && rebuild(c, c->cap * 2, NULL, NULL))
		return NULL;
	place(c, &e);
	c->used++;
	return find(c, id);
}

/* Walk @c->walk found cgroup @id at @c->path. */
static void note(struct cgroup_cache *c, uint64_t id)
{
	struct entry *e;

	if (!id)
		return;
	e = find(c, id);
	if (!e)
		e = insert(c, id);
	if (!e)
		return;
	/* a cgroup can be renamed within its parent */
	if (!e->path || strcmp(e->path, c->path)) {
		char *p = strdup(c->path);

		if (!p)
			return;
		free(e->path);
		e->path = p;
	}
	e->seen = c->walk;
}

static bool is_dot(const char *name)
{
	return name[0] == '.' &&
	       (!name[1] || (name[1] == '.' && !name[2]));
}

static bool is_dir(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return !fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
	       S_ISDIR(st.st_mode);
}

/*
 * Note the directories in @fd (taken over), at @depth below the root, whose
 * path is c->path[0..len), and those below them.
 */
static void walk_dir(struct cgroup_cache *c, int fd, size_t len,
		     unsigned int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int sub;

		if (is_dot(de->d_name) || !is_dir(dirfd(d), de))
			continue;
		if (depth >= c->lim.max_depth || c->dirs >= c->lim.max_dirs ||
		    len + 1 + n >= sizeof(c->path)) {
			c->truncated = true;
			if (c->dirs >= c->lim.max_dirs)
				break;
			continue;
		}
		c->dirs++;
		c->path[len] = '/';
		memcpy(c->path + len + 1, de->d_name, n + 1);
		/* on kernfs the entry's inode number is the node's id */
		note(c, de->d_ino);
		sub = openat(dirfd(d), de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			walk_dir(c, sub, len + 1 + n, depth + 1);
	}
	closedir(d);
}

static bool is_live(const struct cgroup_cache *c, const struct entry *e)
{
	return e->path && e->seen == c->walk;
}

static int by_seen(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct cut {
	const struct cgroup_cache *c;
	uint64_t seen;		/* drop the gone seen before this walk, */
	size_t ties;		/* and this many of those seen in it */
};

static bool keep_after_cut(const struct entry *e, void *arg)
{
	struct cut *cut = arg;

	if (is_live(cut->c, e) || e->seen > cut->seen)
		return true;
	if (e->seen < cut->seen)
		return false;
	if (!cut->ties)
		return true;
	cut->ties--;
	return false;
}

/*
 * Forget the gone entries seen longest ago once there are more than
 * max_gone, down to three quarters of it so that this is rare.
 */
static void evict(struct cgroup_cache *c)
{
	size_t gone = c->used - c->st.live, n = 0, drop;
	struct cut cut = { .c = c };
	uint64_t *seen;

	if (gone <= c->lim.max_gone)
		return;
	drop = gone - c->lim.max_gone * 3 / 4;
	seen = malloc(gone * sizeof(*seen));
	if (!seen)
		return;
	for (size_t i = 0; i < c->cap; i++)
		if (c->tab[i].id && !is_live(c, &c->tab[i]))
			seen[n++] = c->tab[i].seen;
	qsort(seen, n, sizeof(*seen), by_seen);
	if (drop > n)
		drop = n;
	cut.seen = seen[drop - 1];
	/* of those seen in walk cut.seen, drop the ones ranked up to drop */
	for (size_t i = drop; i-- > 0 && seen[i] == cut.seen;)
		cut.ties++;
	free(seen);
	rebuild(c, c->cap, keep_after_cut, &cut);
	c->st.gone = c->used - c->st.live;
}

static int walk(struct cgroup_cache *c)
{
	struct stat st;
	int fd;

	c->walk++;
	c->dirs = 0;
	c->truncated = false;
	c->st.walks++;
	if (fstat(c->rootfd, &st))
		return -errno;
	strcpy(c->path, "/");
	note(c, st.st_ino);
	fd = openat(c->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	walk_dir(c, fd, 0, 0);
	c->st.live = 0;
	for (size_t i = 0; i < c->cap; i++)
		if (c->tab[i].id && is_live(c, &c->tab[i]))
			c->st.live++;
	c->st.gone = c->used - c->st.live;
	if (c->truncated)
		c->st.truncated++;
	else
		evict(c);
	return 0;
}

int cgroup_cache_open(struct cgroup_cache **out, const char *root,
		      const struct cgroup_cache_limits *lim)
{
	char mnt[PATH_MAX];
	struct cgroup_cache *c;
	int err;

	if (!root) {
		err = cgroup2_mount(mnt, sizeof(mnt));
		if (err)
			return err;
		root = mnt;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (lim)
		c->lim = *lim;
	if (!c->lim.max_depth)
		c->lim.max_depth = DEFAULT_MAX_DEPTH;
	if (c->lim.max_depth > LIMIT_MAX_DEPTH)
		c->lim.max_depth = LIMIT_MAX_DEPTH;
	if (!c->lim.max_dirs)
		c->lim.max_dirs = DEFAULT_MAX_DIRS;
	if (!c->lim.max_gone)
		c->lim.max_gone = DEFAULT_MAX_GONE;
	if (!c->lim.rescan_ns)
		c->lim.rescan_ns = DEFAULT_RESCAN_NS;
	c->cap = 1024;
	c->tab = calloc(c->cap, sizeof(*c->tab));
	c->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!c->tab || c->rootfd < 0) {
		err = c->tab ? -errno : -ENOMEM;
		if (c->rootfd >= 0)
			close(c->rootfd);
		free(c->tab);
		free(c);
		return err;
	}
	err = walk(c);
	if (err) {
		cgroup_cache_close(c);
		return err;
	}
	*out = c;
	return 0;
}

/* Remember that the last, complete, walk did not find @id. */
static void remember_gone(struct cgroup_cache *c, uint64_t id)
{
	struct entry *e = insert(c, id);

	if (!e)
		return;
	e->seen = c->walk;
	c->st.gone++;
	evict(c);
}

int cgroup_cache_lookup(struct cgroup_cache *c, uint64_t id, uint64_t now_ns,
			const char **path)
{
	struct entry *e;

	if (!id)
		return -ENOENT;
	e = find(c, id);
	if (!e) {
		if (c->walked_on_miss &&
		    now_ns - c->miss_walk_ns < c->lim.rescan_ns)
			return -EAGAIN;
		c->walked_on_miss = true;
		c->miss_walk_ns = now_ns;
		if (walk(c))
			return -EAGAIN;
		e = find(c, id);
		if (!e) {
			if (c->truncated)
				return -EAGAIN;
			remember_gone(c, id);
			return -ENOENT;
		}
	}
	if (!e->path)
		return -ENOENT;
	*path = e->path;
	return 0;
}

/* Lowercase @cid into @lc when it is 1 to 64 hex digits; its length or 0. */
static size_t cid_prefix(const char *cid, char lc[CGROUP_CID_LEN + 1])
{
	size_t n = 0;

	for (; cid[n]; n++) {
		char ch = cid[n];

		if (n == CGROUP_CID_LEN)
			return 0;
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return 0;
		lc[n] = ch;
	}
	lc[n] = '\0';
	return n;
}

int cgroup_cache_find_container(struct cgroup_cache *c, const char *cid,
				uint64_t *id, struct cgroup_container *cont)
{
	char lc[CGROUP_CID_LEN + 1];
	size_t n = cid_prefix(cid, lc);
	struct cgroup_container found, cc;
	const struct entry *match = NULL;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < c->cap; i++) {
		const struct entry *e = &c->tab[i];

		/* the container's own cgroup, not one below it */
		if (!e->id || !is_live(c, e) || !cgroup_container(e->path, &cc) ||
		    cc.end != strlen(e->path) || memcmp(cc.id, lc, n))
			continue;
		if (match && strcmp(found.id, cc.id))
			return -ENOTUNIQ;
		match = e;
		found = cc;
	}
	if (!match)
		return -ENOENT;
	*id = match->id;
	if (cont)
		*cont = found;
	return 0;
}

void cgroup_cache_stats(const struct cgroup_cache *c,
			struct cgroup_cache_stats *st)
{
	*st = c->st;
}

void cgroup_cache_close(struct cgroup_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->tab[i].path);
	free(c->tab);
	close(c->rootfd);
	free(c);
}
