/* SPDX-License-Identifier: GPL-2.0-only */
/* utrace dnslat's Go part (dnslat_go.c), as the rest of the tool sees it. */
#ifndef UTRACE_CMD_DNSLAT_GO_H
#define UTRACE_CMD_DNSLAT_GO_H

#include <stddef.h>

#include "dnslat.h"
#include "utrace.h"

/*
 * The Go part's programs: loaded when a Go target is first found (most
 * runs meet none, and these are half of dnslat's verification).
 */
extern const char *const dnslat_go_programs[];

/* Go executables that resolve names themselves (net.(*Resolver)). */
extern const char *const dnslat_go_functions[];
int dnslat_go_attach(struct utrace_session *s, const struct utrace_target *t,
		     struct tfile *f, pid_t pid);

#define DNSLAT_GO_TARGET {						\
	.what = "Go resolver",						\
	.match = { .kind = UTRACE_EXE, .go = true, .any = dnslat_go_functions }, \
	.attach = dnslat_go_attach,					\
}

/* The Go event in @h, if it is one. */
const struct dnslat_go_event *dnslat_go_event(const struct event_hdr *h,
					      size_t size);

/* RESULT: ok, the kind of *net.DNSError (NOT_FOUND...), or "error". */
const char *dnslat_go_result(const struct dnslat_go_event *g);

/* JSON "error" and "server": the *net.DNSError's Err and Server. */
void dnslat_go_get_error(struct utrace_session *s, const struct event_hdr *h,
			 size_t size, struct utrace_value *v);
void dnslat_go_get_server(struct utrace_session *s, const struct event_hdr *h,
			  size_t size, struct utrace_value *v);

#endif
