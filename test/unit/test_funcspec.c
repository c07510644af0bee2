// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/funcspec.c and lib/functable.c: what a SPEC names (kind, file,
 * function glob, the base-name globs of a library name), which SPECs are
 * refused and why, function names against globs (symbol versions
 * included), the functions a return probe would harm, and the table that
 * numbers functions (dense, shared by name within a group, bounded).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "funcspec.h"
#include "functable.h"

static int failures, checks;

#define CHECK(cond, ...)						\
	do {								\
		checks++;						\
		if (!(cond)) {						\
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

static struct funcspec sp;

/* "a b c" as the NULL-terminated list @l, or "" for an empty one */
static void expect_list(const char *what, const char *arg, const char *const *l,
			const char *want)
{
	char got[2048] = "";

	for (; *l; l++) {
		if (got[0])
			strcat(got, " ");
		strncat(got, *l, sizeof(got) - strlen(got) - 2);
	}
	CHECK(!strcmp(got, want), "%s: %s: got \"%s\", want \"%s\"", arg, what, got, want);
}

static void ok(const char *arg, enum funcspec_kind kind, const char *file,
	       const char *func, const char *libs, const char *exes)
{
	const char *why = "(unset)";
	int err = funcspec_parse(arg, &sp, &why);

	CHECK(!err && !why, "%s: refused: %s", arg, why ? why : "(no reason)");
	if (err)
		return;
	CHECK(sp.kind == kind, "%s: kind %d, want %d", arg, sp.kind, kind);
	CHECK(!strcmp(sp.file, file), "%s: file \"%s\", want \"%s\"", arg, sp.file, file);
	CHECK(!strcmp(sp.func, func), "%s: func \"%s\", want \"%s\"", arg, sp.func, func);
	expect_list("libraries", arg, sp.libs, libs);
	expect_list("programs", arg, sp.exes, exes);
}

static void bad(const char *arg, const char *words)
{
	const char *why = NULL;
	int err = funcspec_parse(arg, &sp, &why);

	CHECK(err == -EINVAL, "%s: accepted (err %d)", arg, err);
	CHECK(why && strstr(why, words), "%s: why \"%s\", want \"%s\" in it", arg,
	      why ? why : "(null)", words);
}

#define GLIBC "libc.so.6 libc-[0-9]*.so libc.so ld-musl-*.so.1 libc.musl-*.so.1"

static void parse(void)
{
	ok("c:malloc", FUNCSPEC_NAME, "c", "malloc",
	   "libc.so libc.so.* libc-[0-9]*.so libc.so.6 ld-musl-*.so.1 libc.musl-*.so.1", "c");
	CHECK(sp.libc, "c:malloc: not libc");
	ok("libc:malloc", FUNCSPEC_NAME, "libc", "malloc",
	   "libc.so libc.so.* libc-[0-9]*.so libc.so.6 ld-musl-*.so.1 libc.musl-*.so.1", "");
	/* an exact soname is that library: glibc's, not musl's */
	ok("libc.so.6:malloc", FUNCSPEC_NAME, "libc.so.6", "malloc",
	   "libc.so.6 libc.so.6.*", "");
	ok("ssl:SSL_read", FUNCSPEC_NAME, "ssl", "SSL_read",
	   "libssl.so libssl.so.* libssl-[0-9]*.so", "ssl");
	CHECK(!sp.libc, "ssl:SSL_read: libc");
	ok("libssl.so:SSL_*", FUNCSPEC_NAME, "libssl.so", "SSL_*", "libssl.so libssl.so.*", "");
	ok("libcrypto.so.3:EVP_*", FUNCSPEC_NAME, "libcrypto.so.3", "EVP_*",
	   "libcrypto.so.3 libcrypto.so.3.*", "");
	/* merged into libc by glibc 2.34: the stub and libc both */
	ok("pthread:pthread_mutex_*", FUNCSPEC_NAME, "pthread", "pthread_mutex_*",
	   "libpthread.so libpthread.so.* libpthread-[0-9]*.so " GLIBC, "pthread");
	CHECK(sp.libc, "pthread:pthread_mutex_*: not libc");
	ok("libdl.so:dlopen", FUNCSPEC_NAME, "libdl.so", "dlopen",
	   "libdl.so libdl.so.* " GLIBC, "");
	ok("libpthread.so.0:f", FUNCSPEC_NAME, "libpthread.so.0", "f",
	   "libpthread.so.0 libpthread.so.0.*", "");
	/* a program, or a library of that name */
	ok("bash:readline", FUNCSPEC_NAME, "bash", "readline",
	   "libbash.so libbash.so.* libbash-[0-9]*.so", "bash");
	ok("python3.11:PyEval_*", FUNCSPEC_NAME, "python3.11", "PyEval_*",
	   "libpython3.11.so libpython3.11.so.* libpython3.11-[0-9]*.so", "python3.11");
	ok("ssl*:f", FUNCSPEC_NAME, "ssl*", "f", "libssl*.so libssl*.so.* libssl*-[0-9]*.so",
	   "ssl*");
	/* paths: no globs of names; the last ':' splits */
	ok("/usr/lib/x86_64-linux-gnu/libc.so.6:getpid", FUNCSPEC_PATH,
	   "/usr/lib/x86_64-linux-gnu/libc.so.6", "getpid", "", "");
	ok("./a.out:main", FUNCSPEC_PATH, "./a.out", "main", "", "");
	ok("/opt/a:b/libx.so:f", FUNCSPEC_PATH, "/opt/a:b/libx.so", "f", "", "");
	ok(":main", FUNCSPEC_SELF, "", "main", "", "");
	ok(":*", FUNCSPEC_SELF, "", "*", "", "");
	/* versions: "@@" is spelt "@" */
	ok("c:memcpy@@GLIBC_2.14", FUNCSPEC_NAME, "c", "memcpy@GLIBC_2.14",
	   "libc.so libc.so.* libc-[0-9]*.so libc.so.6 ld-musl-*.so.1 libc.musl-*.so.1", "c");
	CHECK(sp.versioned && !sp.glob, "memcpy@@GLIBC_2.14: versioned %d glob %d",
	      sp.versioned, sp.glob);
	ok("c:str[a-c]*", FUNCSPEC_NAME, "c", "str[a-c]*",
	   "libc.so libc.so.* libc-[0-9]*.so libc.so.6 ld-musl-*.so.1 libc.musl-*.so.1", "c");
	CHECK(sp.glob && !sp.versioned, "str[a-c]*: glob %d", sp.glob);
	ok("c:[]x]", FUNCSPEC_NAME, "c", "[]x]",
	   "libc.so libc.so.* libc-[0-9]*.so libc.so.6 ld-musl-*.so.1 libc.musl-*.so.1", "c");
	ok("c:[[:alpha:]]*", FUNCSPEC_NAME, "c", "[[:alpha:]]*",
	   "libc.so libc.so.* libc-[0-9]*.so libc.so.6 ld-musl-*.so.1 libc.musl-*.so.1", "c");
	ok("c:a\\*", FUNCSPEC_NAME, "c", "a\\*",
	   "libc.so libc.so.* libc-[0-9]*.so libc.so.6 ld-musl-*.so.1 libc.musl-*.so.1", "c");

	bad("malloc", "no ':'");
	bad("", "no ':'");
	bad("c:", "no function");
	bad(":", "no function");
	bad("c:foo[", "unmatched '['");
	bad("c:foo[!", "unmatched '['");
	bad("c:[]", "unmatched '['");
	bad("c:[[:alpha:]", "unmatched '['");
	bad("c:[[:alpha]]", "unmatched '['");
	bad("c:foo\\", "backslash");
	bad("c:fo o", "blanks");
	bad("c:fo\to", "blanks");
	bad("c:f\x1b[1m", "control");
	bad("c[:f", "unmatched '['");
	bad("li b:f", "blanks");
	{
		char longname[400];

		memset(longname, 'x', sizeof(longname));
		strcpy(longname + 300, ":f");
		bad(longname, "too long");
		memset(longname, 'y', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		longname[0] = 'c';
		longname[1] = ':';
		ok(longname, FUNCSPEC_NAME, "c", longname + 2,
		   "libc.so libc.so.* libc-[0-9]*.so libc.so.6 ld-musl-*.so.1 libc.musl-*.so.1", "c");
	}
}

static void match(const char *spec, const char *name, bool want)
{
	const char *why;

	if (funcspec_parse(spec, &sp, &why)) {
		CHECK(0, "%s: refused: %s", spec, why);
		return;
	}
	CHECK(funcspec_match(&sp, name) == want, "%s against %s: %s, want %s", spec, name,
	      want ? "no match" : "a match", want ? "a match" : "none");
}

static void matching(void)
{
	match("c:malloc", "malloc", true);
	match("c:malloc", "malloc@@GLIBC_2.2.5", true);
	match("c:malloc", "malloc@GLIBC_2.2.5", true);
	match("c:malloc", "malloc_usable_size", false);
	match("c:malloc", "__libc_malloc", false);
	match("c:*malloc", "__libc_malloc", true);
	match("c:pthread_mutex_*", "pthread_mutex_lock@@GLIBC_2.2.5", true);
	match("c:pthread_mutex_*", "pthread_mutexattr_init", false);
	match("c:pthread_mutex_*", "pthread_cond_wait", false);
	match("c:str?cpy", "strncpy", true);
	match("c:str?cpy", "strcpy", false);
	match("c:str[!n]cpy", "stpcpy", false);
	match("c:st[pr]cpy", "stpcpy", true);
	/* a version named is that version only */
	match("c:memcpy@GLIBC_2.14", "memcpy@@GLIBC_2.14", true);
	match("c:memcpy@@GLIBC_2.14", "memcpy@@GLIBC_2.14", true);
	match("c:memcpy@GLIBC_2.14", "memcpy@GLIBC_2.2.5", false);
	match("c:memcpy@GLIBC_2.2.5", "memcpy@GLIBC_2.2.5", true);
	match("c:memcpy@GLIBC_2.2.5", "memcpy", false);
	match("c:memcpy@*", "memcpy@GLIBC_2.2.5", true);
	match("c:a\\*", "a*", true);
	match("c:a\\*", "ab", false);
	/* dots and slashes are plain characters here */
	match("x:*.*", "main.main", true);
	match("x:*", "github.com/x/y.F", true);
}

static void unsafe_names(void)
{
	static const char *const bad_ones[] = {
		"setjmp", "_setjmp", "sigsetjmp", "__sigsetjmp", "__sigsetjmp_cancel",
		"getcontext", "swapcontext", "_start", "_dl_start", "__restore_rt",
		"_dl_runtime_resolve_xsavec", "_dl_runtime_profile_avx512", "_dlstart_c",
		NULL,
	};
	static const char *const fine[] = {
		"longjmp", "siglongjmp", "setcontext", "malloc", "start", "_start_thread",
		"vfork", "__libc_start_main", "pthread_create", "_dl_debug_state", NULL,
	};

	for (const char *const *n = bad_ones; *n; n++)
		CHECK(funcspec_unsafe(*n, strlen(*n)), "%s is not refused", *n);
	for (const char *const *n = fine; *n; n++)
		CHECK(!funcspec_unsafe(*n, strlen(*n)), "%s is refused: %s", *n,
		      funcspec_unsafe(*n, strlen(*n)));
	/* the length counts, not the NUL: "setjmp@@GLIBC_2.2.5" cut at '@' */
	CHECK(funcspec_unsafe("setjmp@@GLIBC_2.2.5", 6), "setjmp@@... by length");
	CHECK(!funcspec_unsafe("setjmpx", 7), "setjmpx refused");
	CHECK(funcspec_unsafe("_setjmpx", 7), "_setjmp (7 bytes of _setjmpx) not refused");
}

static void table(void)
{
	struct functable t;
	char name[32];
	int ids[3000];
	bool good = true;

	CHECK(!functable_init(&t, 3000), "init");
	CHECK(functable_add(&t, 0, "malloc", 6) == 0, "first id is not 0");
	CHECK(functable_add(&t, 0, "free", 4) == 1, "second id is not 1");
	/* the same name in another file of the group: the same function */
	CHECK(functable_add(&t, 0, "malloc@@GLIBC_2.2.5", 6) == 0, "malloc again");
	/* another group: another function */
	CHECK(functable_add(&t, 1, "malloc", 6) == 2, "malloc of group 1");
	CHECK(functable_find(&t, 1, "malloc", 6) == 2, "find group 1");
	CHECK(functable_find(&t, 0, "mallo", 5) == -ENOENT, "a prefix is found");
	CHECK(functable_find(&t, 2, "malloc", 6) == -ENOENT, "group 2 is found");
	CHECK(functable_get(&t, 2) && !strcmp(functable_get(&t, 2)->name, "malloc") &&
	      functable_get(&t, 2)->group == 1, "get 2");
	CHECK(!functable_get(&t, 3) && !functable_get(&t, ~0ULL), "get past the end");
	for (int i = 3; i < 3000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ids[i] = functable_add(&t, (unsigned int)i % 7, name, strlen(name));
		good = good && ids[i] == i;
	}
	CHECK(good, "ids are not dense");
	for (int i = 3; i < 3000 && good; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		good = functable_find(&t, (unsigned int)i % 7, name, strlen(name)) == ids[i] &&
		       !strcmp(functable_get(&t, (uint64_t)i)->name, name);
	}
	CHECK(good, "not every function found again");
	CHECK(functable_add(&t, 9, "one-more", 8) == -E2BIG, "a full table takes more");
	CHECK(functable_add(&t, 0, "free", 4) == 1, "a full table loses the old ones");
	functable_free(&t);
	CHECK(functable_find(&t, 0, "free", 4) == -ENOENT, "freed table finds");
}

int main(void)
{
	parse();
	matching();
	unsafe_names();
	table();
	if (failures) {
		fprintf(stderr, "test_funcspec: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_funcspec: %d checks passed\n", checks);
	return 0;
}
