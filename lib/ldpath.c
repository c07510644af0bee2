// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which file the dynamic loader would map for a DT_NEEDED name: the
 * binary's own run path, /etc/ld.so.conf with its includes, then the
 * default directories, as ld.so searches them.
 */
#include "ldpath.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfread.h"

/* ld.so.conf nesting and size limits: real configs are tiny and shallow. */
#define CONF_MAX_DEPTH	8
#define CONF_MAX_FILES	256
#define CONF_MAX_BYTES	(64 * 1024)
#define CONF_MAX_GLOB	256

static const char *const default_lib_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
};

struct lib_search {
	const char *soname;	/* or a base-name glob, with @pattern */
	bool pattern;
	const char *root;	/* prefix for absolute paths, no trailing '/' */
	size_t rootlen;
	char *out;
	size_t outlen;
	unsigned int conf_budget;	/* config files we may still read */
};

/* Copy the first of @n candidate paths into @out: 1, or -ENAMETOOLONG. */
static int found(struct lib_search *ls, const char *path, size_t n)
{
	if (n >= ls->outlen)
		return -ENAMETOOLONG;
	memcpy(ls->out, path, n + 1);
	return 1;
}

static bool glob_escape(const char *s, size_t n, char *buf, size_t buflen);

/* The first file in directory @dir (a full path) matching the pattern. */
static int try_glob(struct lib_search *ls, const char *dir)
{
	char esc[2 * PATH_MAX];
	size_t n = strlen(dir);
	glob_t gl;
	int ret = 0;

	if (!glob_escape(dir, n, esc, sizeof(esc)) ||
	    strlen(esc) + 1 + strlen(ls->soname) >= sizeof(esc))
		return 0;
	strcat(esc, "/");
	strcat(esc, ls->soname);
	if (glob(esc, 0, NULL, &gl))
		return 0;
	/* sorted: libssl.so.1.1 before libssl.so.3, as ls shows them */
	for (size_t i = 0; i < gl.gl_pathc && i < CONF_MAX_GLOB && !ret; i++) {
		struct stat st;

		if (!stat(gl.gl_pathv[i], &st) && S_ISREG(st.st_mode) &&
		    !elf_check(gl.gl_pathv[i]))
			ret = found(ls, gl.gl_pathv[i], strlen(gl.gl_pathv[i]));
	}
	globfree(&gl);
	return ret;
}

/*
 * Try @dir[0..dirlen)/soname, under the root when @rooted. Returns 1 when
 * it is the library, 0 to keep looking, or -ENAMETOOLONG when it is but
 * does not fit @out (handing back a later candidate would be wrong).
 */
static int try_dir(struct lib_search *ls, bool rooted, const char *dir,
		   size_t dirlen)
{
	const char *sep = "/";
	char buf[PATH_MAX];
	struct stat st;
	int n;

	if (!dirlen)
		return 0;
	if (dir[dirlen - 1] == '/')
		sep = "";
	if (ls->pattern) {
		n = snprintf(buf, sizeof(buf), "%.*s%.*s", rooted ? (int)ls->rootlen : 0,
			     ls->root, (int)dirlen, dir);
		return n < 0 || (size_t)n >= sizeof(buf) ? 0 : try_glob(ls, buf);
	}
	n = snprintf(buf, sizeof(buf), "%.*s%.*s%s%s",
		     rooted ? (int)ls->rootlen : 0, ls->root,
		     (int)dirlen, dir, sep, ls->soname);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return 0;
	/* The loader skips files it cannot load, e.g. 32-bit ones. */
	if (stat(buf, &st) || !S_ISREG(st.st_mode) || elf_check(buf))
		return 0;
	return found(ls, buf, (size_t)n);
}

/* Does @s start with the dynamic string token $ORIGIN or ${ORIGIN}? */
static size_t origin_token(const char *s, size_t n)
{
	static const char braced[] = "${ORIGIN}", bare[] = "$ORIGIN";
	size_t bl = sizeof(bare) - 1;

	if (n >= sizeof(braced) - 1 && !memcmp(s, braced, sizeof(braced) - 1))
		return sizeof(braced) - 1;
	/* "$ORIGINX" names another (unknown) token, as in ld.so. */
	if (n >= bl && !memcmp(s, bare, bl) &&
	    (n == bl || !(s[bl] == '_' || (s[bl] >= 'A' && s[bl] <= 'Z') ||
			  (s[bl] >= 'a' && s[bl] <= 'z') ||
			  (s[bl] >= '0' && s[bl] <= '9'))))
		return bl;
	return 0;
}

/* Expand $ORIGIN in @s[0..n) into @buf; length, or -1 if it does not fit. */
static int expand_origin(const char *s, size_t n, const char *origin,
			 char *buf, size_t buflen)
{
	size_t olen = strlen(origin), len = 0, i = 0, t;

	while (i < n) {
		t = origin_token(s + i, n - i);
		if (t) {
			if (buflen - len <= olen)
				return -1;
			memcpy(buf + len, origin, olen);
			len += olen;
			i += t;
			continue;
		}
		if (buflen - len <= 1)
			return -1;
		buf[len++] = s[i++];
	}
	buf[len] = '\0';
	return (int)len;
}

/*
 * Search a colon-separated DT_RUNPATH/DT_RPATH list. Literal absolute
 * directories are under the root; $ORIGIN ones derive from @path, which
 * already includes it. Empty entries (the traced process's cwd, which we
 * do not know) are skipped.
 */
static int search_path_list(struct lib_search *ls, const char *list,
			    const char *origin)
{
	char dir[PATH_MAX];
	const char *p = list, *end;
	int len, ret;

	while (*p) {
		end = p + strcspn(p, ":");
		len = expand_origin(p, (size_t)(end - p), origin, dir,
				    sizeof(dir));
		if (len > 0) {
			ret = try_dir(ls, *p == '/', dir, (size_t)len);
			if (ret)
				return ret;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* Directory of @path as given: "." without a slash, "/" for "/x". */
static void path_dirname(const char *path, char *buf, size_t buflen)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(buf, buflen, ".");
		return;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	snprintf(buf, buflen, "%.*s", (int)n, path);
}

/* Read up to CONF_MAX_BYTES of a regular file as a NUL-terminated string. */
static char *read_small_file(const char *path)
{
	struct stat st;
	size_t len = 0;
	ssize_t r;
	char *buf;
	int fd;

	fd = elf_open_regular(path, &st);
	if (fd < 0)
		return NULL;
	buf = malloc(CONF_MAX_BYTES + 1);
	while (buf && len < CONF_MAX_BYTES) {
		r = read(fd, buf + len, CONF_MAX_BYTES - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int search_conf_file(struct lib_search *ls, const char *conf, int depth);

/* Backslash-escape glob metacharacters so the root matches literally. */
static bool glob_escape(const char *s, size_t n, char *buf, size_t buflen)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		if (strchr("*?[]\\", s[i])) {
			if (len + 1 >= buflen)
				return false;
			buf[len++] = '\\';
		}
		if (len + 1 >= buflen)
			return false;
		buf[len++] = s[i];
	}
	buf[len] = '\0';
	return true;
}

/*
 * One `include` pattern of config file @conf (a path inside the root).
 * Relative patterns are relative to the including file's directory, as
 * in ldconfig, which makes them relative to /etc for /etc/ld.so.conf.
 */
static int search_conf_include(struct lib_search *ls, const char *conf,
			       const char *pattern, int depth)
{
	char pat[PATH_MAX], esc[2 * PATH_MAX], dir[PATH_MAX];
	glob_t gl;
	size_t i;
	int n, ret = 0;

	if (*pattern == '/') {
		n = snprintf(pat, sizeof(pat), "%s", pattern);
	} else {
		path_dirname(conf, dir, sizeof(dir));
		n = snprintf(pat, sizeof(pat), "%s/%s", dir, pattern);
	}
	if (n < 0 || (size_t)n >= sizeof(pat))
		return 0;
	if (!glob_escape(ls->root, ls->rootlen, esc, sizeof(esc)) ||
	    strlen(esc) + strlen(pat) >= sizeof(esc))
		return 0;
	strcat(esc, pat);
	/* glob() sorts, and ldconfig reads the matches in that order. */
	if (glob(esc, 0, NULL, &gl))
		gl.gl_pathc = 0;
	for (i = 0; i < gl.gl_pathc && i < CONF_MAX_GLOB && !ret; i++) {
		const char *p = gl.gl_pathv[i];

		/* Matches carry the root; recurse with the path inside it. */
		if (strlen(p) > ls->rootlen && p[ls->rootlen] == '/')
			ret = search_conf_file(ls, p + ls->rootlen, depth + 1);
	}
	globfree(&gl);
	return ret;
}

static bool starts_with_word(const char *line, const char *word, size_t n)
{
	return !strncmp(line, word, n) && (line[n] == ' ' || line[n] == '\t');
}

/* One line of an ld.so.conf file, comment and blanks already stripped. */
static int search_conf_line(struct lib_search *ls, const char *conf,
			    char *line, int depth)
{
	char *save = NULL, *word;
	int ret = 0;

	if (starts_with_word(line, "include", 7)) {
		for (word = strtok_r(line + 7, " \t", &save); word && !ret;
		     word = strtok_r(NULL, " \t", &save))
			ret = search_conf_include(ls, conf, word, depth);
		return ret;
	}
	if (starts_with_word(line, "hwcap", 5))
		return 0;
	/* ldconfig ignores relative directories. */
	if (*line != '/')
		return 0;
	return try_dir(ls, true, line, strlen(line));
}

static char *trim(char *s)
{
	char *end;

	s[strcspn(s, "#")] = '\0';
	s += strspn(s, " \t\r\f\v");
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\f\v", end[-1]))
		*--end = '\0';
	return s;
}

/* Search the directories of config file @conf, a path inside the root. */
static int search_conf_file(struct lib_search *ls, const char *conf, int depth)
{
	char full[PATH_MAX], *buf, *line, *save = NULL;
	int n, ret = 0;

	if (depth > CONF_MAX_DEPTH || !ls->conf_budget)
		return 0;
	ls->conf_budget--;
	n = snprintf(full, sizeof(full), "%.*s%s", (int)ls->rootlen, ls->root,
		     conf);
	if (n < 0 || (size_t)n >= sizeof(full))
		return 0;
	buf = read_small_file(full);
	if (!buf)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		line = trim(line);
		if (*line)
			ret = search_conf_line(ls, conf, line, depth);
	}
	free(buf);
	return ret;
}

static int search_defaults(struct lib_search *ls)
{
	size_t n = sizeof(default_lib_dirs) / sizeof(*default_lib_dirs), i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = try_dir(ls, true, default_lib_dirs[i],
			      strlen(default_lib_dirs[i]));
		if (ret)
			return ret;
	}
	return 0;
}

/* A soname with a slash is a path to the loader, used without search. */
static int try_soname_path(struct lib_search *ls)
{
	const char *slash = strrchr(ls->soname, '/');
	struct lib_search one = *ls;

	/* Relative to the traced process's cwd, which we do not know. */
	if (ls->soname[0] != '/')
		return 0;
	one.soname = slash + 1;
	if (slash == ls->soname)
		return try_dir(&one, true, "/", 1);
	return try_dir(&one, true, ls->soname, (size_t)(slash - ls->soname));
}

/* The run path of @path, or NULL. */
static char *run_path(const char *path)
{
	struct elf_file *ef;
	char *s;

	if (elf_open(path, &ef))
		return NULL;
	s = elf_search_path(ef);
	elf_close(ef);
	return s;
}

int elf_find_library(const char *path, const char *soname, const char *root,
		     char *out, size_t outlen)
{
	struct lib_search ls = {
		.soname = soname,
		.root = root ? root : "",
		.out = out,
		.outlen = outlen,
		.conf_budget = CONF_MAX_FILES,
	};
	char origin[PATH_MAX], *list;
	int ret;

	if (!path || !soname || !out)
		return -EFAULT;
	if (!*soname)
		return -ENOENT;
	/* "/" and "" both mean the host; drop trailing slashes either way. */
	ls.rootlen = strlen(ls.root);
	while (ls.rootlen && ls.root[ls.rootlen - 1] == '/')
		ls.rootlen--;

	if (strchr(soname, '/')) {
		ret = try_soname_path(&ls);
		goto out;
	}
	ret = 0;
	list = run_path(path);
	if (list) {
		path_dirname(path, origin, sizeof(origin));
		ret = search_path_list(&ls, list, origin);
		free(list);
	}
	if (!ret)
		ret = search_conf_file(&ls, "/etc/ld.so.conf", 0);
	if (!ret)
		ret = search_defaults(&ls);
out:
	if (ret > 0)
		return 0;
	return ret < 0 ? ret : -ENOENT;
}

int elf_find_library_glob(const char *pattern, const char *root, char *out,
			  size_t outlen)
{
	struct lib_search ls = {
		.soname = pattern,
		.pattern = true,
		.root = root ? root : "",
		.out = out,
		.outlen = outlen,
		.conf_budget = CONF_MAX_FILES,
	};
	int ret;

	if (!pattern || !out)
		return -EFAULT;
	if (!*pattern || strchr(pattern, '/'))
		return -ENOENT;
	ls.rootlen = strlen(ls.root);
	while (ls.rootlen && ls.root[ls.rootlen - 1] == '/')
		ls.rootlen--;
	ret = search_conf_file(&ls, "/etc/ld.so.conf", 0);
	if (!ret)
		ret = search_defaults(&ls);
	if (ret > 0)
		return 0;
	return ret < 0 ? ret : -ENOENT;
}
