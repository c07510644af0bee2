// SPDX-License-Identifier: GPL-2.0-only
/*
 * FILE:FUNC specs (see funcspec.h): the split, the checks, the base-name
 * globs a library name stands for, and function names against FUNC.
 */
#include "funcspec.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

/*
 * Libraries glibc 2.34 merged into libc.so.6 (their .so files stay as
 * empty stubs): "pthread:pthread_mutex_lock" means libc's there.
 */
static const char *const merged_into_libc[] = {
	"libpthread", "libdl", "librt", "libutil", "libanl", NULL,
};

/* What libc is called: glibc, older glibc, musl (Debian's, Alpine's). */
static const char *const libc_globs[] = {
	"libc.so.6", "libc-[0-9]*.so", "libc.so", "ld-musl-*.so.1", "libc.musl-*.so.1",
	NULL,
};

/*
 * The ']' that ends the bracket expression opened at @p ("[!...]",
 * "[^...]", a ']' first is literal, classes like "[:alpha:]" inside), or
 * NULL when there is none.
 */
static const char *bracket_end(const char *p)
{
	p++;
	if (*p == '!' || *p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char end = p[1];
			const char *q = p + 2;

			while (*q && !(q[0] == end && q[1] == ']'))
				q++;
			if (!*q)
				return NULL;
			p = q + 2;
			continue;
		}
		p++;
	}
	return *p ? p : NULL;
}

const char *funcspec_glob_error(const char *g)
{
	for (const char *p = g; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f)
			return "blanks and control characters are in no name";
		if (c == '\\') {
			if (!p[1])
				return "it ends in a lone backslash";
			p++;
		} else if (c == '[') {
			const char *end = bracket_end(p);

			if (!end)
				return "unmatched '['";
			/* blanks inside are no more a name's than outside */
			for (const char *q = p; q < end; q++)
				if ((unsigned char)*q <= ' ' || *q == 0x7f)
					return "blanks and control characters are in no name";
			p = end;
		}
	}
	return NULL;
}

/*
 * The ':' that ends FILE: the last one outside a bracket expression, so
 * that a path may hold ':' and FUNC a class ("c:[[:upper:]]*").
 */
static const char *split_colon(const char *arg)
{
	const char *colon = NULL;

	for (const char *p = arg; *p; p++) {
		const char *end;

		if (*p == '\\' && p[1])
			p++;
		else if (*p == ':')
			colon = p;
		else if (*p == '[' && (end = bracket_end(p)))
			p = end;
	}
	return colon;
}

static bool has_glob_chars(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Append a glob "@a@b" to @list (sp->libs or sp->exes) unless it is there. */
static void add(struct funcspec *sp, const char **list, int *n, int max,
		const char *a, const char *b)
{
	char *slot;
	int len;

	if (*n >= max || sp->nbuf >= FUNCSPEC_MAX_GLOBS + 1)
		return;
	slot = sp->buf[sp->nbuf];
	len = snprintf(slot, sizeof(sp->buf[0]), "%s%s", a, b);
	if (len < 0 || (size_t)len >= sizeof(sp->buf[0]))
		return;
	for (int i = 0; i < *n; i++)
		if (!strcmp(list[i], slot))
			return;
	sp->nbuf++;
	list[(*n)++] = slot;
	list[*n] = NULL;
}

/*
 * The globs of a library name, the way people say them: "c", "libc",
 * "ssl", "libssl.so", "libcrypto.so.3". "lib" is implied; a name without
 * ".so" stands for its sonames (libX.so.N), its development link
 * (libX.so) and the old glibc style (libX-2.31.so).
 */
static const char *name_globs(struct funcspec *sp)
{
	char base[NAME_MAX + 1];
	const char *name = sp->file;
	bool so = strstr(name, ".so") != NULL, libc;
	int nlibs = 0, nexes = 0, len;

	len = snprintf(base, sizeof(base), "%s%s", starts_with(name, "lib") ? "" : "lib", name);
	if (len < 0 || (size_t)len > NAME_MAX - 16)
		return "the library name is too long";
	libc = !strcmp(base, "libc") || !strcmp(base, "libc.so");
	if (so) {
		add(sp, sp->libs, &nlibs, FUNCSPEC_MAX_GLOBS, base, "");
		add(sp, sp->libs, &nlibs, FUNCSPEC_MAX_GLOBS, base, ".*");
	} else {
		add(sp, sp->libs, &nlibs, FUNCSPEC_MAX_GLOBS, base, ".so");
		add(sp, sp->libs, &nlibs, FUNCSPEC_MAX_GLOBS, base, ".so.*");
		add(sp, sp->libs, &nlibs, FUNCSPEC_MAX_GLOBS, base, "-[0-9]*.so");
	}
	for (const char *const *m = merged_into_libc; *m && !libc; m++) {
		size_t ml = strlen(*m);

		libc = !strncmp(base, *m, ml) && (!base[ml] || !strcmp(base + ml, ".so"));
	}
	for (const char *const *g = libc_globs; libc && *g; g++)
		add(sp, sp->libs, &nlibs, FUNCSPEC_MAX_GLOBS, *g, "");
	sp->libc = libc;
	/* "bash", "python3.11": also a program's name ("libfoo" never is) */
	if (!starts_with(name, "lib") && !so)
		add(sp, sp->exes, &nexes, 1, name, "");
	return NULL;
}

int funcspec_parse(const char *arg, struct funcspec *sp, const char **why)
{
	const char *colon = split_colon(arg);
	size_t flen;
	char *vv;

	memset(sp, 0, sizeof(*sp));
	*why = NULL;
	if (!colon)
		*why = "no ':': a SPEC is LIB:FUNC, PROG:FUNC or :FUNC";
	else if (!colon[1])
		*why = "no function after the ':'";
	else if ((flen = (size_t)(colon - arg)) >= sizeof(sp->file))
		*why = "the file name is too long";
	else if (strlen(colon + 1) >= sizeof(sp->func))
		*why = "the function glob is too long";
	if (*why)
		return -EINVAL;
	memcpy(sp->file, arg, flen);
	sp->file[flen] = '\0';
	snprintf(sp->func, sizeof(sp->func), "%s", colon + 1);
	if ((*why = funcspec_glob_error(sp->func)))
		return -EINVAL;
	/* "memcpy@@GLIBC_2.14" and "memcpy@GLIBC_2.14" name the same symbol */
	while ((vv = strstr(sp->func, "@@")))
		memmove(vv, vv + 1, strlen(vv));
	sp->versioned = strchr(sp->func, '@') != NULL;
	sp->glob = has_glob_chars(sp->func);
	if (!sp->file[0]) {
		sp->kind = FUNCSPEC_SELF;
		return 0;
	}
	if (strchr(sp->file, '/')) {
		sp->kind = FUNCSPEC_PATH;
		return 0;
	}
	sp->kind = FUNCSPEC_NAME;
	if ((*why = funcspec_glob_error(sp->file)))
		return -EINVAL;
	if ((*why = name_globs(sp)))
		return -EINVAL;
	return 0;
}

bool funcspec_match(const struct funcspec *sp, const char *name)
{
	char buf[FUNCSPEC_FUNC_MAX + 64];
	size_t n = sp->versioned ? strlen(name) : strcspn(name, "@");
	size_t j = 0;

	if (n >= sizeof(buf))
		return false;	/* longer than any FUNC: only "*" would match */
	for (size_t i = 0; i < n; i++) {
		/* "@@VER", the default version, compares as "@VER" */
		if (name[i] == '@' && i + 1 < n && name[i + 1] == '@')
			continue;
		buf[j++] = name[i];
	}
	buf[j] = '\0';
	return !fnmatch(sp->func, buf, 0);
}

/* See funcspec.h. Base names; patterns where a family has many members. */
static const struct {
	const char *glob;
	const char *why;
} unsafe[] = {
	{ "setjmp", "returns twice" }, { "_setjmp", "returns twice" },
	{ "__setjmp", "returns twice" }, { "sigsetjmp", "returns twice" },
	{ "__sigsetjmp*", "returns twice" }, { "savectx", "returns twice" },
	{ "getcontext", "returns twice" }, { "__getcontext", "returns twice" },
	{ "swapcontext", "returns twice" }, { "__swapcontext", "returns twice" },
	{ "_start", "is entered with no return address" },
	{ "_start_c", "is entered with no return address" },
	{ "_dl_start", "is entered with no return address" },
	{ "_dl_start_user", "is entered with no return address" },
	{ "_dlstart*", "is entered with no return address" },
	{ "__restore_rt", "is the signal return trampoline, entered with no return address" },
	{ "__restore", "is the signal return trampoline, entered with no return address" },
	{ "_dl_runtime_resolve*", "is the loader's lazy binding entry, with no return address of its own" },
	{ "_dl_runtime_profile*", "is the loader's lazy binding entry, with no return address of its own" },
};

const char *funcspec_unsafe(const char *name, size_t len)
{
	char base[256];

	if (len >= sizeof(base))
		return NULL;
	memcpy(base, name, len);
	base[len] = '\0';
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++)
		if (!fnmatch(unsafe[i].glob, base, 0))
			return unsafe[i].why;
	return NULL;
}
