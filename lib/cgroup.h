/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which container an event came from, for -C/--container and
 * --in-container.
 *
 * BPF stamps each event with bpf_get_current_cgroup_id(): the id of the
 * task's cgroup in the v2 hierarchy, which is the kernfs node id of the
 * cgroup's directory (the same number as its inode in cgroupfs on 64-bit,
 * and exactly the number name_to_handle_at() returns there). User space
 * turns the id into a path with a cache that keeps the paths of cgroups
 * that are gone, so a process that exited, and whose container was removed,
 * before its row was printed is still attributed. The path is named by the
 * container runtime; cgroup_container() recognises the runtimes' names.
 *
 * The parsers work on text already read (mount table, /proc/PID/cgroup),
 * so they can be tested without privilege; cgroup_cache walks a directory
 * tree, which a test can build anywhere.
 *
 * Paths come from whoever could create a cgroup (a container with
 * delegated cgroups can name one anything but '/' and newline): they are
 * untrusted bytes and are printed through escape_text() or json_string().
 */
#ifndef UTRACE_CGROUP_H
#define UTRACE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Hex digits of a full container id, and of the short one `docker ps` shows. */
#define CGROUP_CID_LEN		64
#define CGROUP_SHORT_CID_LEN	12

/* Large enough for any cgroup_label(): "cgroup:" and a decimal u64. */
#define CGROUP_LABEL_MAX	32

struct cgroup_container {
	char id[CGROUP_CID_LEN + 1];	/* the full id, lowercase hex */
	size_t end;			/* path[0..end) is the container's cgroup */
	unsigned int level;		/* its depth below the root ("/" is 0) */
};

/*
 * The container that cgroup v2 @path (as /proc/PID/cgroup shows it,
 * beginning with '/') belongs to: the outermost path component that one of
 * these runtimes names a container's cgroup with,
 *	docker-<id>.scope		Docker, systemd cgroup driver
 *	<id>				Docker (/docker/<id>) and Kubernetes
 *					(kubepods/.../pod<uid>/<id>), cgroupfs driver
 *	cri-containerd-<id>.scope	containerd's CRI plugin, systemd driver
 *	crio-<id>.scope, crio-<id>	CRI-O, systemd and cgroupfs managers
 *	libpod-<id>.scope, libpod-<id>	Podman, systemd and cgroupfs managers
 * where <id> is exactly 64 lowercase hex digits. The monitors next to a
 * container (libpod-conmon-<id>.scope, crio-conmon-<id>.scope) are not it.
 * A component below the container (Docker's /docker/<id>/init, Podman's
 * libpod-<id>.scope/container, a systemd inside) belongs to it. The
 * outermost container is the one the host's runtime lists (`docker ps`,
 * `crictl ps` where utrace runs); one nested in it is its own business.
 * Returns true and fills @c (when not NULL), or false.
 */
bool cgroup_container(const char *path, struct cgroup_container *c);

/*
 * What the CONTAINER column shows for @path: the 12-hex short id of its
 * container, "-" for the root cgroup (the host), or else @path itself;
 * NULL (a cgroup that could not be found) shows as "cgroup:@id". Returns
 * @buf (CGROUP_LABEL_MAX bytes), a static string, or @path.
 */
const char *cgroup_label(const char *path, uint64_t id,
			 char buf[CGROUP_LABEL_MAX]);

/*
 * The mount point of the cgroup v2 hierarchy in mountinfo text
 * (/proc/self/mountinfo; octal escapes such as \040 decoded): the first
 * cgroup2 mount of the hierarchy's root, else the first cgroup2 mount.
 * /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones.
 * Returns 0, -ENOENT (no cgroup2 mount: a v1-only host) or -ENAMETOOLONG.
 */
int cgroup_parse_mountinfo(const char *text, size_t len, char *mnt,
			   size_t mntsz);
/* The same for this process's /proc/self/mountinfo; also -errno. */
int cgroup2_mount(char *mnt, size_t mntsz);

/*
 * The cgroup path to attribute a process by, from /proc/PID/cgroup text,
 * for hosts where BPF's cgroup id says nothing (v1-only hosts; a hybrid
 * host whose runtime made the container's cgroups in v1 hierarchies only).
 * In order: the v2 line (0::PATH) when it names a container, else the
 * first of the v1 name=systemd, pids and cpu lines that names one, else
 * the v2 path, else the first of those v1 paths. *@v2 tells whether the
 * path is the v2 one (comparable with cgroup_cache's). Returns 0, -ENOENT
 * (none of those lines) or -ENAMETOOLONG.
 */
int cgroup_parse_proc(const char *text, size_t len, char *path,
		      size_t pathsz, bool *v2);
/* The same for /proc/@pid/cgroup; also -errno (-ENOENT: no such process). */
int cgroup_read_proc(pid_t pid, char *path, size_t pathsz, bool *v2);

/*
 * The id bpf_get_current_cgroup_id() returns for tasks in the cgroup whose
 * directory is @path: from name_to_handle_at() where the file system gives
 * kernfs handles (the whole 64-bit id on every architecture), else
 * st_ino. Returns 0 or -errno.
 */
int cgroup_id_of_path(const char *path, uint64_t *id);

/* --- id -> path ----------------------------------------------------------- */

struct cgroup_cache;

/* 0 for each field means the default. */
struct cgroup_cache_limits {
	unsigned int max_depth;	/* directories below the root walked; 32 */
	unsigned int max_dirs;	/* directories visited per walk; 65536 */
	unsigned int max_gone;	/* ids of removed or unfound cgroups kept; 4096 */
	uint64_t rescan_ns;	/* misses walk at most once per; 100 ms */
};

struct cgroup_cache_stats {
	uint64_t walks;		/* including the one at open */
	uint64_t truncated;	/* walks cut short by max_depth or max_dirs */
	size_t live;		/* cgroups present at the last walk */
	size_t gone;		/* remembered: removed, or never found */
};

/*
 * Walk the hierarchy at @root (NULL: the cgroup2 mount) once and keep it.
 * Ids are read from the directory entries (d_ino), so any tree works; on
 * cgroupfs they are the cgroup ids. Returns 0 or -errno.
 */
int cgroup_cache_open(struct cgroup_cache **out, const char *root,
		      const struct cgroup_cache_limits *lim);

/*
 * The path of cgroup @id relative to the root ("/" for the root itself,
 * "/system.slice/x.scope" below it), valid until the next call on @c.
 * On a miss the tree is walked again, unless a walk on a miss happened
 * less than rescan_ns before @now_ns (any monotonic clock, the same in
 * every call); an id not found by a complete walk is remembered as gone.
 * Returns 0, -ENOENT (gone, or never in this hierarchy: cgroup ids are not
 * reused, so it stays so) or -EAGAIN (not found, and too soon to walk
 * again: later calls may find it).
 */
int cgroup_cache_lookup(struct cgroup_cache *c, uint64_t id, uint64_t now_ns,
			const char **path);

/*
 * The cgroup of the running container whose full id begins with @cid
 * (1 to 64 hex digits, either case), as of the last walk: its id, and
 * (when not NULL) its container. For --in-container: BPF compares
 * bpf_get_current_ancestor_cgroup_id(c->level) with *@id, so the
 * container's sub-cgroups count too; c->level is the kernel's level when
 * @root is the hierarchy's root (the host's cgroup namespace). Returns 0,
 * -EINVAL (not hex), -ENOENT (no such container) or -ENOTUNIQ (the prefix
 * matches several containers).
 */
int cgroup_cache_find_container(struct cgroup_cache *c, const char *cid,
				uint64_t *id, struct cgroup_container *cont);

void cgroup_cache_stats(const struct cgroup_cache *c,
			struct cgroup_cache_stats *st);
void cgroup_cache_close(struct cgroup_cache *c);

#endif
