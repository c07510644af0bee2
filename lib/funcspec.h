/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FILE:FUNC specs: the functions an operator names on the command line,
 * in the form BCC's and libbpf-tools' funclatency take them:
 *
 *   c:malloc              a library by name: every libc in use (glibc's,
 *                         a container's, an LD_LIBRARY_PATH copy, musl)
 *   /opt/app/libx.so:f_*  a file by path (a library or an executable)
 *   nginx:ngx_http_*      a program by base name (or libnginx.so)
 *   :main                 the executable of the -p process
 *
 * FUNC is a glob (fnmatch(3)) over the names a file's symbol tables give
 * its functions, without their symbol version ("memcpy" matches
 * memcpy@@GLIBC_2.14 and memcpy@GLIBC_2.2.5) unless it names one.
 * Parsing needs no file and no privilege; nothing here opens anything.
 */
#ifndef UTRACE_FUNCSPEC_H
#define UTRACE_FUNCSPEC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum funcspec_kind {
	FUNCSPEC_PATH,		/* FILE has a slash: that file */
	FUNCSPEC_NAME,		/* a library name, and maybe a program's */
	FUNCSPEC_SELF,		/* FILE empty: the -p process's executable */
};

/* Longest FUNC glob: C++ names run long, none this long. */
#define FUNCSPEC_FUNC_MAX 1024
#define FUNCSPEC_MAX_GLOBS 12

/*
 * A parsed spec. Its name lists point into the struct itself: parse it
 * where it stays (it is never copied).
 */
struct funcspec {
	enum funcspec_kind kind;
	char file[PATH_MAX];		/* FILE as given */
	char func[FUNCSPEC_FUNC_MAX];	/* FUNC, "@@" spelt "@" */
	bool glob;			/* FUNC has glob characters */
	bool versioned;			/* FUNC names a symbol version */
	/*
	 * FUNCSPEC_NAME: base-name globs of the libraries FILE names, and
	 * (for a name that is not a library's, like "bash") of programs.
	 * NULL-terminated; empty lists for the other kinds.
	 */
	const char *libs[FUNCSPEC_MAX_GLOBS + 1];
	const char *exes[2];
	/* FUNCSPEC_NAME: FILE is libc (or a library glibc merged into it) */
	bool libc;
	char buf[FUNCSPEC_MAX_GLOBS + 1][NAME_MAX + 1];
	int nbuf;			/* slots of @buf in use */
};

/*
 * Parse @arg ("LIB:FUNC") into @sp. Returns 0, or -EINVAL with *@why set
 * to a constant sentence saying what is wrong ("no ':' ...", "unmatched
 * '[' in the function glob").
 */
int funcspec_parse(const char *arg, struct funcspec *sp, const char **why);

/* NULL when @glob is a well-formed fnmatch(3) pattern, else why not. */
const char *funcspec_glob_error(const char *glob);

/* Does the symbol name @name (as a symbol table gives it) match FUNC? */
bool funcspec_match(const struct funcspec *sp, const char *name);

/*
 * Why a return probe on function @name would harm the program, or NULL.
 * A uretprobe replaces the return address on the stack at entry with the
 * kernel's trampoline: a function that saves its return address to jump
 * back to later (setjmp, getcontext: the later jump lands on the
 * trampoline with no call in flight, and the program is killed), or one
 * entered with no return address at all (_start, the signal return
 * trampoline, the loader's lazy binding entry: the word overwritten is
 * the program's data) must never have one. Names without their version.
 */
const char *funcspec_unsafe(const char *name, size_t len);

#endif
