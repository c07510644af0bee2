// SPDX-License-Identifier: GPL-2.0-only
/*
 * Entry and return pairs (bpf/common.bpf.h, UTRACE_ENTRY_RETURN): a tool
 * probes a function's entry and return by one name, and the core attaches
 * whichever of the pair's forms the kernel takes.
 *
 *   NAME         SEC("uprobe.session"): one program, run at the entry and
 *                at the return, in one link (Linux 6.13+);
 *   NAME_enter   SEC("uprobe") and NAME_return SEC("uretprobe"): two
 *                programs in two links, everywhere else.
 *
 * Why: closing a uprobe link waits in the kernel for RCU grace periods,
 * and a second link closed at the same moment mostly waits for one of its
 * own (probes.c, close_links()): one link per pair instead of two is about
 * a grace period off the tracer's exit. Only the form attached is loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "core.h"
#include "uprobe_multi.h"

#define SESSION_SEC "uprobe.session"

bool pair_is_session(const struct bpf_program *p)
{
	return !strcmp(bpf_program__section_name(p), SESSION_SEC);
}

bool pairs_use_session(void)
{
	return uprobe_session_supported() && !getenv("UTRACE_NO_UPROBE_SESSION");
}

/* The split form's program names: NAME_enter, NAME_return. */
static const char *variant_name(char v[128], const char *name, const char *suffix)
{
	snprintf(v, 128, "%s_%s", name, suffix);
	return v;
}

static struct bpf_program *variant(struct bpf_object *obj, const char *name,
				   const char *suffix)
{
	char v[128];

	return bpf_object__find_program_by_name(obj, variant_name(v, name, suffix));
}

static void set_autoload(struct bpf_program *p, bool on)
{
	if (p)
		bpf_program__set_autoload(p, on);
}

void pairs_prepare_object(struct utrace_session *s, struct bpf_object *obj)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		const char *name = bpf_program__name(p);
		bool wanted = bpf_program__autoload(p);

		if (!pair_is_session(p))
			continue;
		/* the tool turns a pair on or off by its name: both forms follow */
		if (s->core->session && wanted) {
			/* libbpf 1.1 knows no such section: it is said here */
			bpf_program__set_type(p, BPF_PROG_TYPE_KPROBE);
			bpf_program__set_expected_attach_type(p,
				(enum bpf_attach_type)UTRACE_BPF_TRACE_UPROBE_SESSION);
			wanted = false;
		} else {
			bpf_program__set_autoload(p, false);
		}
		set_autoload(variant(obj, name, "enter"), wanted);
		set_autoload(variant(obj, name, "return"), wanted);
	}
}

int pair_split(struct utrace_session *s, struct tfile *f, pid_t pid,
	       const char *prog, unsigned int flags, uint64_t offset,
	       uint64_t cookie)
{
	char name[128];
	int err;

	/* the return first: no entry is recorded whose return goes unseen */
	err = utrace_probe(s, f, pid, variant_name(name, prog, "return"),
			   flags | UTRACE_RETURN, offset, cookie);
	if (err)
		return err;
	return utrace_probe(s, f, pid, variant_name(name, prog, "enter"),
			    flags & ~UTRACE_RETURN, offset, cookie);
}
