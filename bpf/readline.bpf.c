// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace readline: one event per command line an interactive shell read,
 * and with -S one more for what became of the command.
 *
 * bash: line_returned is a return probe on readline_internal_teardown()
 * (or readline()), which runs after Enter and returns the line, so a shell
 * already waiting at its prompt when the probe appears is still caught.
 * bash_prompt, on readline()'s entry, tells a command's first line from
 * the lines that continue it (PS2) and from `read -e` (not a command),
 * and at a new prompt reads $? for the line before.
 *
 * zsh: zle is the module zle.so. zleread() returns the line, but a return
 * probe placed while it waits would miss that line; zleread() hands it
 * over with a last call of zlegetline(NULL, NULL) once the line is done,
 * after Enter: zle_line is a return probe there. zle_read keeps
 * zleread()'s context (PS1, PS2, select, vared) for it. zsh_prompt, on
 * zleentry() in the zsh binary, reads $? (lastval) when a new command's
 * line is about to be read.
 *
 * -S: shells with a command in progress are in `running`; its end is the
 * next prompt, the shell's exit or its exec() (tracepoints).
 */
#include <stdbool.h>

#include <bpf/bpf_core_read.h>

#include "common.bpf.h"
#include "readline.h"

const volatile bool with_status = false;
/*
 * -s: zsh binaries named. Their zle.so is one file for every zsh of the
 * same install, so its lines count only in processes that run one of
 * them: zsh_exes holds their inode numbers. Not the device: stat() and
 * the superblock disagree on it on btrfs subvolumes; another file with
 * the same inode number on another file system is the (rare) cost.
 */
const volatile bool zle_exe_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u8);
} zsh_exes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, READLINE_MAX_FILES);
	__type(key, __u32);
	__type(value, struct readline_file);
} shell_files SEC(".maps");

/* What an entry probe learnt about the line being read, per thread. */
struct reading {
	__u8 skip;		/* not a command line (read -e, select, vared) */
	__u8 cont;		/* continues a command */
	__u8 zle_done;		/* zlegetline() is zleread()'s last call */
};

/* LRU: a thread that dies while reading leaves nothing for long. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct reading);
} reading SEC(".maps");

/* -S: shells whose last line's command is still running (tgid). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} running SEC(".maps");

/* A struct readline_line is built here, then sent as long as it is. */
struct line_buf {
	struct event_hdr hdr;
	__u32 len;
	__u32 shell;
	char text[READLINE_ZSH_CAP + 1];
};
_Static_assert(__builtin_offsetof(struct line_buf, text) == sizeof(struct readline_line),
	       "line_buf is laid out as struct readline_line");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct line_buf);
} line_bufs SEC(".maps");

/* Kernel types read with CO-RE: only what is used. */
struct inode {
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct mm_struct {
	struct file *exe_file;
} __attribute__((preserve_access_index));

struct task_struct {
	int exit_code;
	struct mm_struct *mm;
} __attribute__((preserve_access_index));

/* Does this process run one of the zsh binaries named with -s? */
static __always_inline bool zsh_exe_named(void)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u64 ino = BPF_CORE_READ(t, mm, exe_file, f_inode, i_ino);

	return bpf_map_lookup_elem(&zsh_exes, &ino) != NULL;
}

static __always_inline const struct readline_file *file_of(void *ctx)
{
	__u32 slot = (__u32)bpf_get_attach_cookie(ctx);

	return slot ? bpf_map_lookup_elem(&shell_files, &slot) : NULL;
}

/* The traced program's variable at link-time address @vaddr (entry probes). */
static __always_inline bool read_var(struct pt_regs *ctx, const struct readline_file *f,
				     __u64 vaddr, __u32 size, __s64 *v)
{
	const void *addr = (const void *)(PT_REGS_IP(ctx) - f->func + vaddr);
	__s32 v32;

	if (!vaddr)
		return false;
	if (size == 8)
		return !bpf_probe_read_user(v, 8, addr);
	if (bpf_probe_read_user(&v32, 4, addr))
		return false;
	*v = v32;
	return true;
}

/* -S: the command of this shell's last lines ended (how, status). */
static __always_inline void command_done(__u32 how, __s64 status)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct readline_done *d;

	if (!bpf_map_lookup_elem(&running, &tgid))
		return;
	bpf_map_delete_elem(&running, &tgid);
	d = utrace_reserve(sizeof(*d));
	if (!d)
		return;
	utrace_fill_hdr(&d->hdr, bpf_ktime_get_boot_ns());
	d->hdr.flags = READLINE_DONE;
	d->how = how;
	d->pad = 0;
	d->status = status;
	utrace_submit(d);
}

/*
 * Send the line at @line, at most @cap bytes of it (the reader cuts it to
 * READLINE_MAX; readline.h). Empty lines are not sent.
 */
static __always_inline void send_line(const char *line, __u32 cap, __u32 shell,
				       __u32 flags, __u64 ts)
{
	__u32 zero = 0, tgid;
	struct line_buf *b = bpf_map_lookup_elem(&line_bufs, &zero);
	__u8 one = 1;
	long n;

	if (!b)
		return;
	n = bpf_probe_read_user_str(b->text, cap + 1, line);
	if (n <= 1 || n > cap + 1)
		return;		/* empty, or unreadable memory */
	if (shell == READLINE_ZSH && n == 2 && b->text[0] == '\n')
		return;		/* zsh's empty line */
	utrace_fill_hdr(&b->hdr, ts);
	b->hdr.flags = flags;
	b->len = n - 1;
	b->shell = shell;
	utrace_output(b, sizeof(struct readline_line) + (__u32)(n - 1));
	if (flags & READLINE_STATUS) {
		tgid = bpf_get_current_pid_tgid() >> 32;
		bpf_map_update_elem(&running, &tgid, &one, BPF_ANY);
	}
}

/* What the entry probe of this thread's read said, taken (NULL: nothing). */
static __always_inline bool take_reading(struct reading *out)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct reading *r = bpf_map_lookup_elem(&reading, &id);

	if (!r)
		return false;
	*out = *r;
	bpf_map_delete_elem(&reading, &id);
	return true;
}

/* ---- bash, and other programs using readline ---- */

SEC("uprobe")
int bash_prompt(struct pt_regs *ctx)
{
	const struct readline_file *f = file_of(ctx);
	__u64 id = bpf_get_current_pid_tgid();
	struct reading r = {};
	__s64 v;

	if (!f || !utrace_traced())
		return 0;
	if (read_var(ctx, f, f->in_builtin, 4, &v) && v)
		r.skip = 1;	/* read -e: an answer, not a command */
	if (read_var(ctx, f, f->line_count, 4, &v) && v > 0)
		r.cont = 1;	/* the parser wants more of this command */
	bpf_map_update_elem(&reading, &id, &r, BPF_ANY);
	if (with_status && !r.skip && !r.cont &&
	    read_var(ctx, f, f->status, f->status_size, &v))
		command_done(READLINE_PROMPT, v);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(line_returned, const char *line)
{
	__u64 ts = bpf_ktime_get_boot_ns();
	const struct readline_file *f;
	struct reading r = {};
	__u32 flags = 0;

	if (!utrace_traced())
		return 0;
	/* no entry seen: the shell was waiting when tracing began */
	take_reading(&r);
	if (!line || r.skip)
		return 0;	/* EOF (Ctrl-D), or read -e */
	f = file_of(ctx);
	if (r.cont)
		flags |= READLINE_CONT;
	if (with_status && f && f->status)
		flags |= READLINE_STATUS;
	send_line(line, READLINE_BASH_CAP, f ? f->shell : READLINE_LIB, flags, ts);
	return 0;
}

/* ---- zsh ---- */

/* zleentry(ZLE_CMD_READ, lp, rp, flags, context): a line is to be read. */
SEC("uprobe")
int zsh_prompt(struct pt_regs *ctx)
{
	const struct readline_file *f;
	__s64 v;

	if (!with_status || PT_REGS_PARM1(ctx) != ZLE_CMD_READ ||
	    PT_REGS_PARM5(ctx) != ZLCON_LINE_START || !utrace_traced())
		return 0;
	f = file_of(ctx);
	if (f && read_var(ctx, f, f->status, f->status_size, &v))
		command_done(READLINE_PROMPT, v);
	return 0;
}

/* zleread(lp, rp, flags, context, init, finish) */
SEC("uprobe")
int zle_read(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 context = PT_REGS_PARM4(ctx);
	struct reading r = {};

	if (!utrace_traced())
		return 0;
	r.cont = context == ZLCON_LINE_CONT;
	r.skip = context != ZLCON_LINE_START && context != ZLCON_LINE_CONT;
	bpf_map_update_elem(&reading, &id, &r, BPF_ANY);
	return 0;
}

/*
 * zlegetline(ll, cs): zleread() calls it with NULL, NULL for the line it
 * returns, once zlereadflags is 0 again; with the flags still set it is
 * the line of an aborted read (Ctrl-C), and with pointers a widget's.
 */
SEC("uprobe")
int zle_getline(struct pt_regs *ctx)
{
	const struct readline_file *f = file_of(ctx);
	__u64 id = bpf_get_current_pid_tgid();
	struct reading *r, fresh = {};
	__s64 flags;

	if (PT_REGS_PARM1(ctx) || PT_REGS_PARM2(ctx) || !f || !utrace_traced())
		return 0;
	if (!read_var(ctx, f, f->read_flags, 4, &flags) || flags)
		return 0;
	r = bpf_map_lookup_elem(&reading, &id);
	if (r) {
		r->zle_done = 1;
	} else {
		/* the zleread() began before tracing: take it as a command */
		fresh.zle_done = 1;
		bpf_map_update_elem(&reading, &id, &fresh, BPF_ANY);
	}
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(zle_line, const char *line)
{
	__u64 ts = bpf_ktime_get_boot_ns();
	__u64 id = bpf_get_current_pid_tgid();
	struct reading *p = bpf_map_lookup_elem(&reading, &id), r;
	__u32 flags = 0;

	/* other calls leave zleread()'s context for its last one */
	if (!p || !p->zle_done || !utrace_traced())
		return 0;
	r = *p;
	bpf_map_delete_elem(&reading, &id);
	if (!line || r.skip || (zle_exe_only && !zsh_exe_named()))
		return 0;
	if (r.cont)
		flags |= READLINE_CONT;
	if (with_status)
		flags |= READLINE_STATUS;
	send_line(line, READLINE_ZSH_CAP, READLINE_ZSH, flags, ts);
	return 0;
}

/* ---- -S: a shell that does not come back to its prompt ---- */

SEC("raw_tp/sched_process_exit")
int shell_exit(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	/* the process, not one of its threads (shells have one) */
	if ((__u32)id != id >> 32)
		return 0;
	command_done(READLINE_EXIT, BPF_CORE_READ(t, exit_code));
	return 0;
}

SEC("raw_tp/sched_process_exec")
int shell_exec(void *ctx)
{
	command_done(READLINE_EXEC, 0);
	return 0;
}
