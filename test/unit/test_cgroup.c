// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/cgroup.c and lib/cgroup_cache.c without privilege: container ids from
 * the runtimes' cgroup names (table-driven), the cgroup2 mount from
 * mountinfo text, the line of /proc/PID/cgroup to believe, and the id ->
 * path cache walking a directory tree built under $TMPDIR (its inode
 * numbers stand in for cgroup ids). Last, read-only, the real hierarchy
 * when one is mounted: this process's own cgroup must resolve to itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"


#define FAIL(...) do { \
	fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	failures++; \
} while (0)


/* Two container ids, and ones that are not */
#define A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define A63 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define A65 A "0"
#define AUP "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90"
#define AG "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9g"
/* shares A's first 8 digits */
#define C "a1b2c3d40123456789abcdef0123456789abcdef0123456789abcdef01234567"
#define SHORT_A "a1b2c3d4e5f6"
#define SHORT_B "0123456789ab"
#define POD "pod6f1c2b4e-8a1d-4e7b-9c3f-2d5e6f7a8b9c"
#define PODU "pod6f1c2b4e_8a1d_4e7b_9c3f_2d5e6f7a8b9c"

/* --- container ids -------------------------------------------------------- */

struct cid_case {
	const char *path;
	const char *label;	/* what the CONTAINER column shows */
	const char *full;	/* the full id; NULL: no container */
	size_t end;		/* path[0..end) is the container's cgroup */
	unsigned int level;
};

#define NONE(p) { p, p, NULL, 0, 0 }
#define CONT(p, short, full, cg, level) { p, short, full, sizeof(cg) - 1, level }

static const struct cid_case cid_cases[] = {
	/* Docker: systemd driver, cgroupfs driver */
	CONT("/system.slice/docker-" A ".scope", SHORT_A, A,
	     "/system.slice/docker-" A ".scope", 2),
	CONT("/docker/" A, SHORT_A, A, "/docker/" A, 2),
	/* sub-cgroups of a container are the container's */
	CONT("/docker/" A "/init", SHORT_A, A, "/docker/" A, 2),
	CONT("/system.slice/docker-" A ".scope/init.scope", SHORT_A, A,
	     "/system.slice/docker-" A ".scope", 2),
	CONT("/system.slice/docker-" A ".scope/system.slice/cron.service",
	     SHORT_A, A, "/system.slice/docker-" A ".scope", 2),
	/* nested: the outermost, the one the host's runtime knows */
	CONT("/docker/" A "/docker/" B, SHORT_A, A, "/docker/" A, 2),
	CONT("/system.slice/docker-" B ".scope/kubelet.slice/"
	     "kubelet-kubepods.slice/cri-containerd-" A ".scope",
	     SHORT_B, B, "/system.slice/docker-" B ".scope", 2),
	/* containerd (CRI), under kubepods slices */
	CONT("/system.slice/cri-containerd-" A ".scope", SHORT_A, A,
	     "/system.slice/cri-containerd-" A ".scope", 2),
	CONT("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
	     PODU ".slice/cri-containerd-" A ".scope", SHORT_A, A,
	     "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
	     PODU ".slice/cri-containerd-" A ".scope", 4),
	CONT("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-"
	     PODU ".slice/cri-containerd-" B ".scope", SHORT_B, B,
	     "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-"
	     PODU ".slice/cri-containerd-" B ".scope", 4),
	CONT("/kubepods.slice/kubepods-" PODU ".slice/cri-containerd-" A
	     ".scope", SHORT_A, A,
	     "/kubepods.slice/kubepods-" PODU ".slice/cri-containerd-" A
	     ".scope", 3),
	/* Kubernetes, cgroupfs driver: the bare id below the pod */
	CONT("/kubepods/burstable/" POD "/" A, SHORT_A, A,
	     "/kubepods/burstable/" POD "/" A, 4),
	CONT("/kubepods/besteffort/" POD "/" B, SHORT_B, B,
	     "/kubepods/besteffort/" POD "/" B, 4),
	CONT("/kubepods/" POD "/" A, SHORT_A, A, "/kubepods/" POD "/" A, 3),
	/* CRI-O: systemd and cgroupfs managers */
	CONT("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
	     PODU ".slice/crio-" A ".scope", SHORT_A, A,
	     "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
	     PODU ".slice/crio-" A ".scope", 4),
	CONT("/kubepods/burstable/" POD "/crio-" A, SHORT_A, A,
	     "/kubepods/burstable/" POD "/crio-" A, 4),
	NONE("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
	     PODU ".slice/crio-conmon-" A ".scope"),
	/* Podman: rootful, rootless, cgroupfs, and the container's own child */
	CONT("/machine.slice/libpod-" A ".scope", SHORT_A, A,
	     "/machine.slice/libpod-" A ".scope", 2),
	CONT("/machine.slice/libpod-" A ".scope/container", SHORT_A, A,
	     "/machine.slice/libpod-" A ".scope", 2),
	CONT("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-"
	     A ".scope", SHORT_A, A,
	     "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-"
	     A ".scope", 5),
	CONT("/libpod_parent/libpod-" A, SHORT_A, A, "/libpod_parent/libpod-" A, 2),
	/* conmon, podman's monitor, runs next to the container, not in it */
	NONE("/machine.slice/libpod-conmon-" A ".scope"),
	NONE("/user.slice/user-1000.slice/user@1000.service/user.slice/"
	     "libpod-conmon-" A ".scope"),
	/* a pod's slice is not a container */
	NONE("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-"
	     PODU ".slice"),
	NONE("/kubepods/burstable/" POD),
	/* ids of the wrong length, case or alphabet */
	NONE("/docker/" A63),
	NONE("/docker/" A65),
	NONE("/docker/" AUP),
	NONE("/docker/" AG),
	NONE("/system.slice/docker-" A63 ".scope"),
	NONE("/system.slice/docker-" A65 ".scope"),
	NONE("/system.slice/docker-" AUP ".scope"),
	NONE("/system.slice/cri-containerd-" A65 ".scope"),
	NONE("/system.slice/crio-" A63 ".scope"),
	NONE("/system.slice/libpod-" AG),
	/* the .scope suffix: required of docker and containerd, exact */
	NONE("/system.slice/docker-" A),
	NONE("/system.slice/cri-containerd-" A),
	NONE("/system.slice/docker-" A ".scop"),
	NONE("/system.slice/docker-" A ".scope.d"),
	NONE("/system.slice/docker-" A ".slice"),
	NONE("/system.slice/" A ".scope"),
	NONE("/system.slice/docker-.scope"),
	NONE("/system.slice/docker" A ".scope"),
	NONE("/system.slice/moby-" A ".scope"),
	/* an id inside a longer name */
	NONE("/x" A),
	NONE("/" A "x"),
	NONE("/docker/" A ".scope"),
	/* not containers at all */
	NONE("/system.slice/cron.service"),
	NONE("/user.slice/user-1000.slice/session-3.scope"),
	NONE("/process_api/b191edd7996d6f43d3d8c9e960d4d623"),
	NONE("/docker"),
	NONE(""),
	/* doubled and trailing slashes separate the same components */
	CONT("//docker//" A "/", SHORT_A, A, "//docker//" A, 2),
	/* what /proc/PID/cgroup shows from inside a cgroup namespace */
	CONT("/../docker-" A ".scope", SHORT_A, A, "/../docker-" A ".scope", 2),
};

static void container_ids(void)
{
	for (size_t i = 0; i < sizeof(cid_cases) / sizeof(cid_cases[0]); i++) {
		const struct cid_case *t = &cid_cases[i];
		struct cgroup_container c;
		char buf[CGROUP_LABEL_MAX];
		const char *label;
		bool got;

		memset(&c, 0x5a, sizeof(c));
		got = cgroup_container(t->path, &c);
		CHECK(got == !!t->full, "\"%s\": %s", t->path,
		      got ? "taken for a container" : "no container found");
		CHECK(cgroup_container(t->path, NULL) == got,
		      "\"%s\": NULL changes the answer", t->path);
		if (got && t->full) {
			CHECK(!strcmp(c.id, t->full), "\"%s\": id %s", t->path,
			      c.id);
			CHECK(c.end == t->end, "\"%s\": end %zu, not %zu",
			      t->path, c.end, t->end);
			CHECK(c.level == t->level, "\"%s\": level %u, not %u",
			      t->path, c.level, t->level);
		}
		label = cgroup_label(t->path, 1, buf);
		CHECK(!strcmp(label, t->label), "\"%s\": label \"%s\"", t->path,
		      label);
	}
}

static void labels(void)
{
	char buf[CGROUP_LABEL_MAX];

	CHECK(!strcmp(cgroup_label("/", 1, buf), "-"), "the root is not -");
	CHECK(!strcmp(cgroup_label(NULL, 4242, buf), "cgroup:4242"),
	      "an unknown id: %s", buf);
	CHECK(!strcmp(cgroup_label(NULL, UINT64_MAX, buf),
		      "cgroup:18446744073709551615"), "the largest id: %s", buf);
	CHECK(!strcmp(cgroup_label("/system.slice", 7, buf), "/system.slice"),
	      "a host cgroup is not its path");
}

/* --- mountinfo ------------------------------------------------------------ */

/* This machine's (hybrid: v1 controllers and v2 at .../unified), trimmed. */
static const char hybrid[] =
	"22 28 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char unified[] =
	"25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - "
	"cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

static const char v1_only[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n";

static void mount_err(const char *what, const char *text, int want)
{
	char mnt[PATH_MAX];
	int err = cgroup_parse_mountinfo(text, strlen(text), mnt, sizeof(mnt));

	CHECK(err == want, "%s: %d, not %d", what, err, want);
}

static void mount_ok(const char *what, const char *text, const char *want)
{
	char mnt[PATH_MAX];
	int err = cgroup_parse_mountinfo(text, strlen(text), mnt, sizeof(mnt));

	CHECK(!err, "%s: error %d", what, err);
	if (!err)
		CHECK(!strcmp(mnt, want), "%s: \"%s\", not \"%s\"", what, mnt,
		      want);
}

static void mountinfo(void)
{
	char small[8], mnt[PATH_MAX];
	int err;

	mount_ok("hybrid", hybrid, "/sys/fs/cgroup/unified");
	mount_ok("unified", unified, "/sys/fs/cgroup");
	/* several optional fields; none at all is above */
	mount_ok("optional fields",
		 "41 31 0:38 / /cg rw shared:9 master:2 propagate_from:1 - "
		 "cgroup2 cgroup2 rw\n", "/cg");
	/* the kernel's escapes: space, tab, newline, backslash */
	mount_ok("\\040", "41 31 0:38 / /mnt/cgroup\\040two rw - cgroup2 none rw\n",
		 "/mnt/cgroup two");
	mount_ok("all escapes",
		 "41 31 0:38 / /a\\011b\\012c\\134d rw - cgroup2 none rw\n",
		 "/a\tb\nc\\d");
	/* a backslash that begins no escape stays */
	mount_ok("no escape", "41 31 0:38 / /a\\x\\04\\999\\000 rw - cgroup2 c rw\n",
		 "/a\\x\\04\\999\\000");
	/* the escaped " - " in a mount point is not the separator */
	mount_ok("escaped separator",
		 "41 31 0:38 / /x\\040-\\040cgroup2 rw - tmpfs tmpfs rw\n"
		 "42 31 0:38 / /real rw - cgroup2 cgroup2 rw\n", "/real");
	/* a bind mount of a sub-cgroup first, then the hierarchy's root */
	mount_ok("bind first",
		 "50 31 0:38 /system.slice /bound rw - cgroup2 cgroup2 rw\n"
		 "41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		 "/sys/fs/cgroup");
	/* inside a container: only the sub-cgroup is mounted */
	mount_ok("only a bind",
		 "50 31 0:38 /docker/" A " /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n",
		 "/sys/fs/cgroup");
	/* no newline at the end; CRLF is not the kernel's, tolerated as text */
	mount_ok("last line", "41 31 0:38 / /cg rw - cgroup2 cgroup2 rw", "/cg");
	/* a mount whose *source* is called cgroup2 is not one */
	mount_err("tmpfs named cgroup2", "41 31 0:38 / /x rw - tmpfs cgroup2 rw\n",
		  -ENOENT);
	mount_err("v1 only", v1_only, -ENOENT);
	mount_err("empty", "", -ENOENT);
	/* malformed lines: too few fields, no separator */
	mount_err("malformed", "41 31 0:38 / /x - cgroup2\n"
		  "cgroup2 cgroup2 cgroup2\n1 2 3 4 5 6 cgroup2\n", -ENOENT);
	err = cgroup_parse_mountinfo(unified, strlen(unified), small,
				     sizeof(small));
	CHECK(err == -ENAMETOOLONG, "small buffer: %d", err);
	/* this process's own table: whatever it says, the parser's answer */
	err = cgroup2_mount(mnt, sizeof(mnt));
	CHECK(!err || err == -ENOENT, "/proc/self/mountinfo: %d", err);
}

/* --- /proc/PID/cgroup ----------------------------------------------------- */

static void proc_ok(const char *what, const char *text, const char *want,
		    bool want_v2)
{
	char path[PATH_MAX];
	bool v2 = !want_v2;
	int err = cgroup_parse_proc(text, strlen(text), path, sizeof(path), &v2);

	CHECK(!err, "%s: error %d", what, err);
	if (err)
		return;
	CHECK(!strcmp(path, want), "%s: \"%s\", not \"%s\"", what, path, want);
	CHECK(v2 == want_v2, "%s: v2 %d", what, v2);
}

static void proc_cgroup(void)
{
	static const char junk[] = "3:memory:/m\nbogus\n7\n";
	static const char toolong[] = "0::/toolong\n";
	char path[PATH_MAX], small[4];
	bool v2;
	int err;

	proc_ok("unified", "0::/system.slice/docker-" A ".scope\n",
		"/system.slice/docker-" A ".scope", true);
	proc_ok("unified host", "0::/user.slice/user-0.slice/session-1.scope\n",
		"/user.slice/user-0.slice/session-1.scope", true);
	/* this machine's: v2 says "/", a v1 line says something else */
	proc_ok("hybrid host",
		"9:name=systemd:/\n8:pids:/\n4:memory:/process_api/b191edd7\n"
		"1:cpu:/\n0::/\n", "/", true);
	/* hybrid, Docker with the cgroupfs driver: the container is in v1 only */
	proc_ok("hybrid docker",
		"12:pids:/docker/" A "\n11:cpu,cpuacct:/docker/" A "\n"
		"1:name=systemd:/docker/" A "\n0::/system.slice/containerd.service\n",
		"/docker/" A, false);
	/* hybrid, systemd driver: the v2 line names it, and wins */
	proc_ok("hybrid systemd",
		"1:name=systemd:/system.slice/docker-" A ".scope\n"
		"0::/system.slice/docker-" A ".scope\n",
		"/system.slice/docker-" A ".scope", true);
	/* v1 only: name=systemd before pids before cpu, whatever the order */
	proc_ok("v1 systemd",
		"11:cpu,cpuacct:/docker/" B "\n6:pids:/docker/" B "\n"
		"1:name=systemd:/system.slice/docker-" A ".scope\n",
		"/system.slice/docker-" A ".scope", false);
	proc_ok("v1 pids", "11:cpu,cpuacct:/x/" B "\n6:pids:/docker/" A "\n",
		"/docker/" A, false);
	proc_ok("v1 cpu", "11:cpuacct,cpu:/docker/" A "\n3:memory:/docker/" B "\n",
		"/docker/" A, false);
	/* a controller list is split at commas: "cpuset" is not "cpu" */
	proc_ok("cpuset", "5:cpuset:/docker/" B "\n11:cpu:/y\n", "/y", false);
	/* no container anywhere: the v2 path, else the best v1 one */
	proc_ok("no container", "1:name=systemd:/a\n0::/b\n", "/b", true);
	proc_ok("no container v1", "6:pids:/p\n1:name=systemd:/s\n", "/s", false);
	/* the path may hold colons; the first of a kind counts */
	proc_ok("colons", "0::/a:b:c\n0::/second\n", "/a:b:c", true);
	/* a v2 line has no controllers; "0:x:" is not one */
	proc_ok("not v2", "0:x:/nope\n6:pids:/yes\n", "/yes", false);
	/* no newline at the end */
	proc_ok("last line", "0::/last", "/last", true);

	err = cgroup_parse_proc("", 0, path, sizeof(path), &v2);
	CHECK(err == -ENOENT, "empty: %d", err);
	err = cgroup_parse_proc(junk, strlen(junk), path, sizeof(path), &v2);
	CHECK(err == -ENOENT, "no useful line: %d", err);
	err = cgroup_parse_proc(toolong, strlen(toolong), small, sizeof(small),
				&v2);
	CHECK(err == -ENAMETOOLONG, "small buffer: %d", err);
	err = cgroup_read_proc(getpid(), path, sizeof(path), &v2);
	CHECK(!err && path[0] == '/', "own /proc/PID/cgroup: %d", err);
}

/* --- the cache, on a tree in $TMPDIR --------------------------------------- */

static char top[PATH_MAX];
static const char *made[64];
static int nmade;

static uint64_t mk(const char *rel)
{
	char p[PATH_MAX];
	uint64_t id = 0;

	snprintf(p, sizeof(p), "%s%s", top, rel);
	if (mkdir(p, 0700) || cgroup_id_of_path(p, &id)) {
		FAIL("mkdir %s: %s", p, strerror(errno));
		return 0;
	}
	if (nmade < 64)
		made[nmade++] = rel;
	return id;
}

static void rm(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", top, rel);
	if (rmdir(p))
		FAIL("rmdir %s: %s", p, strerror(errno));
	for (int i = 0; i < nmade; i++)
		if (made[i] && !strcmp(made[i], rel))
			made[i] = NULL;
}

static void rm_all(void)
{
	/* children were made after their parents */
	for (int i = nmade; i-- > 0;)
		if (made[i])
			rm(made[i]);
	nmade = 0;
}

static void expect_path(struct cgroup_cache *c, uint64_t id, uint64_t now,
			const char *want, int line)
{
	const char *path = NULL;
	int err = cgroup_cache_lookup(c, id, now, &path);

	checks++;
	if (err)
		fprintf(stderr, "FAIL line %d: id %" PRIu64 " (%s): error %d\n",
			line, id, want, err), failures++;
	else if (strcmp(path, want))
		fprintf(stderr, "FAIL line %d: id %" PRIu64 ": \"%s\", not \"%s\"\n",
			line, id, path, want), failures++;
}

static void expect_err(struct cgroup_cache *c, uint64_t id, uint64_t now,
		       int want, int line)
{
	const char *path = NULL;
	int err = cgroup_cache_lookup(c, id, now, &path);

	checks++;
	if (err != want)
		fprintf(stderr, "FAIL line %d: id %" PRIu64 ": %d (%s), not %d\n",
			line, id, err, err ? "" : path, want), failures++;
}

#define PATH_IS(c, id, now, want) expect_path(c, id, now, want, __LINE__)
#define ERR_IS(c, id, now, want) expect_err(c, id, now, want, __LINE__)

static uint64_t walks(struct cgroup_cache *c)
{
	struct cgroup_cache_stats st;

	cgroup_cache_stats(c, &st);
	return st.walks;
}

static const uint64_t MS = 1000000;

/* A regular file's inode number: an id no walk of directories finds. */
static uint64_t mkfile(const char *rel)
{
	char p[PATH_MAX];
	uint64_t id = 0;
	int fd;

	snprintf(p, sizeof(p), "%s%s", top, rel);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || cgroup_id_of_path(p, &id))
		FAIL("%s: %s", p, strerror(errno));
	if (fd >= 0)
		close(fd);
	return id;
}

static void rmfile(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", top, rel);
	if (unlink(p))
		FAIL("unlink %s: %s", p, strerror(errno));
}

/*
 * The file system under $TMPDIR reuses a freed inode number at once, where
 * cgroupfs never reuses an id: nothing is made after the first removal.
 */
static void cache_basics(void)
{
	struct cgroup_cache_limits lim = { .rescan_ns = 100 * MS };
	struct cgroup_cache_stats st;
	struct cgroup_cache *c;
	uint64_t root = 0, sys, dock, init, user, late, later, ghost, ghost2;
	char from[2 * PATH_MAX], to[2 * PATH_MAX];
	int err;

	if (cgroup_id_of_path(top, &root))
		FAIL("no id for %s", top);
	sys = mk("/system.slice");
	dock = mk("/system.slice/docker-" A ".scope");
	init = mk("/system.slice/docker-" A ".scope/init");
	user = mk("/user.slice");
	ghost = mkfile("/ghost");
	ghost2 = mkfile("/ghost2");

	err = cgroup_cache_open(&c, top, &lim);
	CHECK(!err, "open %s: %d", top, err);
	if (err)
		return;
	PATH_IS(c, root, 0, "/");
	PATH_IS(c, sys, 0, "/system.slice");
	PATH_IS(c, dock, 0, "/system.slice/docker-" A ".scope");
	PATH_IS(c, init, 0, "/system.slice/docker-" A ".scope/init");
	CHECK(walks(c) == 1, "hits walked: %" PRIu64, walks(c));

	/* made after the walk: the first miss walks and finds it */
	late = mk("/system.slice/late.service");
	PATH_IS(c, late, 10 * MS, "/system.slice/late.service");
	CHECK(walks(c) == 2, "a miss did not walk: %" PRIu64, walks(c));
	/* another one too soon after: not yet, and no walk */
	later = mk("/later");
	ERR_IS(c, later, 60 * MS, -EAGAIN);
	CHECK(walks(c) == 2, "walked within rescan_ns");
	/* once rescan_ns has passed since the last walk on a miss */
	PATH_IS(c, later, 110 * MS, "/later");
	CHECK(walks(c) == 3, "no walk after rescan_ns");

	/* gone since the walk: still attributed, without walking */
	rm("/system.slice/docker-" A ".scope/init");
	rm("/system.slice/docker-" A ".scope");
	PATH_IS(c, dock, 120 * MS, "/system.slice/docker-" A ".scope");
	PATH_IS(c, init, 120 * MS, "/system.slice/docker-" A ".scope/init");
	CHECK(walks(c) == 3, "gone entries walked");

	/*
	 * An id no complete walk finds is gone for good: not walked for
	 * again, even when walks are allowed. Too soon: not known yet.
	 */
	ERR_IS(c, ghost, 150 * MS, -EAGAIN);
	ERR_IS(c, ghost, 300 * MS, -ENOENT);
	CHECK(walks(c) == 4, "the ghost did not walk");
	ERR_IS(c, ghost, 900 * MS, -ENOENT);
	ERR_IS(c, ghost, 5000 * MS, -ENOENT);
	ERR_IS(c, 0, 9000 * MS, -ENOENT);
	CHECK(walks(c) == 4, "a remembered ghost walked again");
	/* the walk that saw them gone did not forget them */
	PATH_IS(c, dock, 9000 * MS, "/system.slice/docker-" A ".scope");

	cgroup_cache_stats(c, &st);
	/* live: root, system.slice, user.slice, late, later; gone: 3 */
	CHECK(st.live == 5 && st.gone == 3 && !st.truncated,
	      "stats: live %zu gone %zu truncated %" PRIu64, st.live, st.gone,
	      st.truncated);

	/* a renamed cgroup is found under its new name by the next walk */
	snprintf(from, sizeof(from), "%s/user.slice", top);
	snprintf(to, sizeof(to), "%s/renamed.slice", top);
	if (rename(from, to) == 0) {
		for (int i = 0; i < nmade; i++)
			if (made[i] && !strcmp(made[i], "/user.slice"))
				made[i] = "/renamed.slice";
		ERR_IS(c, ghost2, 10000 * MS, -ENOENT);
		PATH_IS(c, user, 10000 * MS, "/renamed.slice");
	} else {
		FAIL("rename: %s", strerror(errno));
	}
	cgroup_cache_close(c);
	rmfile("/ghost");
	rmfile("/ghost2");
	rm_all();
}

static void cache_limits(void)
{
	struct cgroup_cache_limits lim = { .max_depth = 2, .rescan_ns = MS };
	struct cgroup_cache_stats st;
	struct cgroup_cache *c;
	uint64_t a, ab, abc;
	int err;

	a = mk("/a");
	ab = mk("/a/b");
	abc = mk("/a/b/c");
	err = cgroup_cache_open(&c, top, &lim);
	CHECK(!err, "open: %d", err);
	if (err)
		return;
	cgroup_cache_stats(c, &st);
	CHECK(st.truncated == 1, "depth 3 under max_depth 2 not truncated");
	PATH_IS(c, a, 0, "/a");
	PATH_IS(c, ab, 0, "/a/b");
	/* beyond the depth: not found, but not known to be gone either */
	ERR_IS(c, abc, 10 * MS, -EAGAIN);
	ERR_IS(c, abc, 20 * MS, -EAGAIN);
	CHECK(walks(c) == 3, "truncated misses did not walk again: %" PRIu64,
	      walks(c));
	cgroup_cache_close(c);

	/* max_dirs: a walk visits no more directories than that */
	lim = (struct cgroup_cache_limits){ .max_dirs = 2 };
	err = cgroup_cache_open(&c, top, &lim);
	CHECK(!err, "open: %d", err);
	if (!err) {
		cgroup_cache_stats(c, &st);
		CHECK(st.truncated == 1 && st.live == 3,
		      "max_dirs 2: truncated %" PRIu64 " live %zu", st.truncated,
		      st.live);
		cgroup_cache_close(c);
	}

	/*
	 * max_gone: the gone seen longest ago are forgotten first. Each
	 * round removes a cgroup and looks up an id no walk finds (a file's:
	 * see cache_basics() on making nothing after a removal), so each
	 * walk sees one more cgroup gone and remembers one more unfound id.
	 */
	rm("/a/b/c");
	rm("/a/b");
	rm("/a");
	{
		uint64_t g[8], f[8];
		char name[32];

		for (int i = 0; i < 8; i++) {
			snprintf(name, sizeof(name), "/g%d", i);
			g[i] = mk(name);
			snprintf(name, sizeof(name), "/f%d", i);
			f[i] = mkfile(name);
		}
		lim = (struct cgroup_cache_limits){ .max_gone = 4, .rescan_ns = 1 };
		err = cgroup_cache_open(&c, top, &lim);
		CHECK(!err, "open: %d", err);
		if (err)
			return;
		for (int i = 0; i < 8; i++) {
			snprintf(name, sizeof(name), "/g%d", i);
			rm(name);
			ERR_IS(c, f[i], (uint64_t)(i + 1) * MS, -ENOENT);
		}
		cgroup_cache_stats(c, &st);
		CHECK(st.gone <= 4 && st.live == 1,
		      "max_gone 4: %zu gone, %zu live", st.gone, st.live);
		/* the last removed is still attributed */
		PATH_IS(c, g[7], 100 * MS, "/g7");
		/* the first was forgotten: looked for again, not found */
		ERR_IS(c, g[0], 200 * MS, -ENOENT);
		CHECK(walks(c) == 10, "walks: %" PRIu64, walks(c));
		cgroup_cache_close(c);
		for (int i = 0; i < 8; i++) {
			snprintf(name, sizeof(name), "/f%d", i);
			rmfile(name);
		}
	}
	rm_all();
}

static void cache_containers(void)
{
	struct cgroup_cache *c;
	struct cgroup_container cont;
	uint64_t id = 0, a, b;
	int err;

	mk("/system.slice");
	a = mk("/system.slice/docker-" A ".scope");
	mk("/system.slice/docker-" A ".scope/init");
	mk("/machine.slice");
	mk("/machine.slice/libpod-conmon-" B ".scope");
	b = mk("/machine.slice/libpod-" B ".scope");
	mk("/machine.slice/libpod-" B ".scope/container");
	/* a second container whose id shares A's first 8 digits */
	mk("/docker");
	mk("/docker/" C);
	err = cgroup_cache_open(&c, top, NULL);
	CHECK(!err, "open: %d", err);
	if (err) {
		rm_all();
		return;
	}
	err = cgroup_cache_find_container(c, SHORT_A, &id, &cont);
	CHECK(!err && id == a && !strcmp(cont.id, A) && cont.level == 2,
	      "short A: %d", err);
	err = cgroup_cache_find_container(c, A, &id, NULL);
	CHECK(!err && id == a, "full A: %d", err);
	err = cgroup_cache_find_container(c, "A1B2C3D4E5F6", &id, NULL);
	CHECK(!err && id == a, "uppercase A: %d", err);
	/* the container, not its conmon, not its sub-cgroup */
	err = cgroup_cache_find_container(c, SHORT_B, &id, &cont);
	CHECK(!err && id == b, "B: %d", err);
	err = cgroup_cache_find_container(c, "a1b2c3d4", &id, NULL);
	CHECK(err == -ENOTUNIQ, "ambiguous prefix: %d", err);
	err = cgroup_cache_find_container(c, "fedcba", &id, NULL);
	CHECK(err == -ENOENT, "no such container: %d", err);
	err = cgroup_cache_find_container(c, "", &id, NULL);
	CHECK(err == -EINVAL, "empty: %d", err);
	err = cgroup_cache_find_container(c, "a1b2-c3", &id, NULL);
	CHECK(err == -EINVAL, "not hex: %d", err);
	err = cgroup_cache_find_container(c, A "0", &id, NULL);
	CHECK(err == -EINVAL, "65 digits: %d", err);
	cgroup_cache_close(c);
	rm_all();
}

/* --- the real hierarchy, read only ------------------------------------------ */

static void real_hierarchy(void)
{
	char mnt[PATH_MAX], own[PATH_MAX], dir[2 * PATH_MAX];
	struct cgroup_cache *c;
	struct stat st;
	uint64_t id = 0;
	const char *path;
	bool v2 = false;
	int err;

	if (cgroup2_mount(mnt, sizeof(mnt))) {
		printf("no cgroup2 mount: real hierarchy part skipped\n");
		return;
	}
	err = cgroup_read_proc(getpid(), own, sizeof(own), &v2);
	if (err || !v2) {
		printf("no 0:: line: real hierarchy part skipped\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s%s", mnt, strcmp(own, "/") ? own : "");
	err = cgroup_id_of_path(dir, &id);
	CHECK(!err, "id of %s: %d", dir, err);
	/* on 64-bit the kernfs id is also the inode number */
	if (!err && !stat(dir, &st) && sizeof(st.st_ino) == 8)
		CHECK((uint64_t)st.st_ino == id, "%s: handle %" PRIu64 " ino %"
		      PRIu64, dir, id, (uint64_t)st.st_ino);
	err = cgroup_cache_open(&c, NULL, NULL);
	CHECK(!err, "open the cgroup2 mount: %d", err);
	if (err)
		return;
	err = cgroup_cache_lookup(c, id, 0, &path);
	CHECK(!err && !strcmp(path, own), "own cgroup %" PRIu64 ": %d %s", id,
	      err, err ? "" : path);
	cgroup_cache_close(c);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	container_ids();
	labels();
	mountinfo();
	proc_cgroup();

	snprintf(top, sizeof(top), "%s/test_cgroup.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(top)) {
		perror(top);
		return 1;
	}
	cache_basics();
	cache_limits();
	cache_containers();
	if (rmdir(top))
		FAIL("%s left behind: %s", top, strerror(errno));

	real_hierarchy();
	return check_summary();
}
