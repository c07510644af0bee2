// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace readline: one event per line an interactive bash read.
 *
 * The core attaches line_returned as a return probe on
 * readline_internal_teardown() where the binary has it (it runs after Enter
 * and returns the line, so a shell already waiting at its prompt when the
 * probe appears is still caught), or on readline() otherwise.
 */
#include "common.bpf.h"
#include "readline.h"

SEC("uretprobe")
int BPF_KRETPROBE(line_returned, const char *line)
{
	__u64 ts = bpf_ktime_get_boot_ns();
	struct readline_event *e;
	long n;
	char next;

	if (!line)
		return 0;	/* EOF (Ctrl-D) */
	e = utrace_reserve(sizeof(*e));
	if (!e)
		return 0;
	n = bpf_probe_read_user_str(e->line, sizeof(e->line), line);
	if (n <= 1) {
		/* empty line, or unreadable memory: nothing to show */
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	utrace_fill_hdr(&e->hdr, ts);
	e->len = n - 1;
	/* A full buffer means the line may go on: look at the byte after. */
	if (n == sizeof(e->line) &&
	    bpf_probe_read_user(&next, 1, line + READLINE_MAX) == 0 && next)
		e->hdr.flags |= READLINE_TRUNCATED;
	utrace_submit(e);
	return 0;
}
