// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace readline: one event per line an interactive bash read.
 *
 * The core attaches line_returned as a return probe on
 * readline_internal_teardown() where the binary has it (it runs after Enter
 * and returns the line, so a shell already waiting at its prompt when the
 * probe appears is still caught), or on readline() otherwise.
 */
#include <stdbool.h>

#include "common.bpf.h"
#include "readline.h"

#define SHORT_SIZE (sizeof(struct readline_event) + READLINE_SHORT + 1)
#define FULL_SIZE (sizeof(struct readline_event) + READLINE_MAX + 1)

/*
 * Read the line into a record of @cap bytes of text. Returns the record,
 * or NULL when there is nothing to send or (with @retry) when the line did
 * not fit and the caller should try again with a bigger record.
 */
static __always_inline struct readline_event *
read_line(const char *line, __u64 size, __u32 cap, bool *retry)
{
	struct readline_event *e = utrace_reserve(size);
	long n;
	char next;

	*retry = false;
	if (!e)
		return NULL;
	n = bpf_probe_read_user_str(e->line, cap + 1, line);
	if (n <= 1) {
		/* empty line, or unreadable memory: nothing to show */
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return NULL;
	}
	e->len = n - 1;
	e->hdr.flags = 0;
	/* A full record means the line may go on: look at the byte after. */
	if (n == cap + 1 &&
	    bpf_probe_read_user(&next, 1, line + cap) == 0 && next) {
		if (cap < READLINE_MAX) {
			bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
			*retry = true;
			return NULL;
		}
		e->hdr.flags = READLINE_TRUNCATED;
	}
	return e;
}

SEC("uretprobe")
int BPF_KRETPROBE(line_returned, const char *line)
{
	__u64 ts = bpf_ktime_get_boot_ns();
	struct readline_event *e;
	__u32 flags;
	bool retry;

	if (!line || !utrace_traced())
		return 0;	/* EOF (Ctrl-D), or not a -p process */
	e = read_line(line, SHORT_SIZE, READLINE_SHORT, &retry);
	if (!e && retry)
		e = read_line(line, FULL_SIZE, READLINE_MAX, &retry);
	if (!e)
		return 0;
	flags = e->hdr.flags;
	utrace_fill_hdr(&e->hdr, ts);
	e->hdr.flags = flags;
	utrace_submit(e);
	return 0;
}
