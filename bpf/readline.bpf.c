// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace readline: one event per command line an interactive shell read,
 * and with -S one more for what became of the command.
 *
 * bash: line_returned is a return probe on readline_internal_teardown()
 * (or readline()), which runs after Enter and returns the line, so a shell
 * already waiting at its prompt when the probe appears is still caught.
 * shell_prompt, on readline()'s entry, tells a command's first line from
 * the lines that continue it (PS2) and from `read -e` (not a command),
 * and at a new prompt reads $? for the line before.
 *
 * zsh: zle is the module zle.so. zleread() returns the line, but a return
 * probe placed while it waits would miss that line; zleread() hands it
 * over with a last call of zlegetline(NULL, NULL) once the line is done,
 * after Enter: zle_line is a return probe there. zle_read keeps
 * zleread()'s context (PS1, PS2, select, vared) for it. shell_prompt, on
 * zleentry() in the zsh binary, learns where the binary is loaded and
 * reads $? (lastval) when a new command's line is about to be read.
 * One program serves both shells' prompts, and the per-thread record of
 * a read serves both: each program and map costs the start more than
 * running it costs a prompt.
 *
 * What a program knows of a shell's binary is found by the inode of the
 * process's executable (shell_exes), not by an attach cookie: probes
 * attached as perf events by ioctl (bpf(BPF_LINK_CREATE) denied, kernels
 * before 5.15) carry none. The kernel's fields are read at offsets that
 * user space found in the kernel's BTF (struct readline_kernel), not with
 * CO-RE: that makes libbpf load all of that BTF at every start (15-20 ms
 * and 11 MB of peak RSS here, more than the rest of the start).
 *
 * -S: shells with a command in progress are in `running`; its end is the
 * next prompt, the shell's exit or its exec() (tracepoints).
 */
#include <stdbool.h>

#include "common.bpf.h"
#include "readline.h"

const volatile bool with_status = false;
/*
 * -s: the zle.so of a zsh named is one file for every zsh of the same
 * install; its lines count only in a process that runs a zsh named (one
 * in shell_exes: with -s, only the binaries named are).
 */
const volatile bool zle_exe_only = false;
/* Where the kernel's fields are (readline.h); set before load. */
const volatile struct readline_kernel kfields = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, READLINE_MAX_FILES);
	__type(key, __u64);		/* inode number */
	__type(value, struct readline_file);
} shell_exes SEC(".maps");

/* What the entry probes learnt about the line being read, per thread. */
struct reading {
	__u8 skip;		/* not a command line (read -e, select, vared) */
	__u8 cont;		/* continues a command */
	__u8 zle_done;		/* zlegetline() is zleread()'s last call */
	__u8 pad[5];
	/*
	 * zsh, from zleentry(): where its zleactive is, for zle.so's probes
	 * (0: not known), in the address space @mm, so that a thread id
	 * reused by another process is not read at the old one's address.
	 */
	__u64 zle_active;
	__u64 mm;
};

/*
 * Per thread, in its task-local storage (freed with the thread: nothing
 * left by a shell killed at its prompt, no table to fill): the read in
 * progress, and what this_shell() said of the process, kept until its
 * exec() or until user space knows another shell binary (shells_gen).
 * A line's return probe then reads no kernel pointer and makes no lookup
 * by inode: for a program using readline that is no shell, or bash, each
 * line the same answer.
 */
struct rl_task {
	struct reading r;
	__u8 have;		/* r is an entry probe's, not yet taken */
	__u8 shell;		/* READLINE_BASH, READLINE_ZSH, 0: no traced shell */
	__u8 shell_status;	/* that shell's readline_file.status is known */
	__u8 pad;
	__u32 shell_gen;	/* shells_gen + 1 when shell* were found; 0: not */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rl_task);
} tasks SEC(".maps");

/* Bumped by user space each time shell_exes gains a binary. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} shells_gen SEC(".maps");

/* This thread's record; with @create, made if it has none (NULL: no memory). */
static __always_inline struct rl_task *task_rec(bool create)
{
	return bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* The read an entry probe recorded for this thread, or NULL. */
static __always_inline struct reading *reading_of(struct rl_task *t)
{
	return t && t->have ? &t->r : NULL;
}

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

/* The kernel's 8 bytes at @addr; 0 if they cannot be read. */
static __always_inline __u64 kread(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (const void *)addr);
	return v;
}

/* The current process's address space (task->mm): 0 if not known. */
static __always_inline __u64 current_mm(void)
{
	if (!kfields.mm)
		return 0;
	return kread(bpf_get_current_task() + kfields.task_mm);
}

/* The shell binary this process runs, or NULL: not one traced. */
static __always_inline const struct readline_file *this_shell(void)
{
	__u64 p = current_mm(), ino;

	if (!kfields.exe || !p)
		return NULL;
	p = kread(p + kfields.mm_exe_file);
	if (!p)
		return NULL;
	p = kread(p + kfields.file_inode);
	if (!p)
		return NULL;
	ino = kread(p + kfields.inode_ino);
	return bpf_map_lookup_elem(&shell_exes, &ino);
}

/* The shell's variable at link-time address @vaddr, with load bias @bias. */
static __always_inline bool read_var(__u64 bias, __u64 vaddr, __u32 size, __s64 *v)
{
	const void *addr = (const void *)(bias + vaddr);
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

/* Take what the entry probe of this thread's read said; false: nothing. */
static __always_inline bool take_reading(struct rl_task *t, struct reading *out)
{
	if (!reading_of(t))
		return false;
	*out = t->r;
	t->have = 0;
	return true;
}

/* Record @r as this thread's read in progress. */
static __always_inline void put_reading(const struct reading *r)
{
	struct rl_task *t = task_rec(true);

	if (!t)
		return;
	t->r = *r;
	t->have = 1;
}

/*
 * this_shell()'s answer for the current process as a kind (0: none), and
 * whether its $? is known: from this thread's record while it holds (no
 * exec since, no new shell binary known), else found and kept there.
 */
static __always_inline __u32 shell_kind(struct rl_task *t, bool *status)
{
	const struct readline_file *f;
	__u32 zero = 0, *gen = bpf_map_lookup_elem(&shells_gen, &zero);
	__u32 want = gen ? *gen + 1 : 0;
	__u32 kind = 0;

	if (t && want && t->shell_gen == want) {
		*status = t->shell_status;
		return t->shell;
	}
	f = this_shell();
	*status = f && f->status;
	if (f)
		kind = f->shell;
	if (t && want) {
		t->shell = (__u8)kind;
		t->shell_status = *status;
		t->shell_gen = want;
	}
	return kind;
}

/* ---- a shell about to read a line ---- */

/* bash's readline(prompt): what the line will be, and $? of the last. */
static __always_inline void bash_prompt(struct pt_regs *ctx, const struct readline_file *f)
{
	__u64 bias = PT_REGS_IP(ctx) - f->func;
	struct reading r = {};
	__s64 v;

	if (read_var(bias, f->in_builtin, 4, &v) && v)
		r.skip = 1;	/* read -e: an answer, not a command */
	if (read_var(bias, f->line_count, 4, &v) && v > 0)
		r.cont = 1;	/* the parser wants more of this command */
	put_reading(&r);
	if (with_status && !r.skip && !r.cont &&
	    read_var(bias, f->status, f->status_size, &v))
		command_done(READLINE_PROMPT, v);
}

/* zsh's zleentry(ZLE_CMD_READ, lp, rp, flags, context): a line is to be read. */
static __always_inline void zsh_prompt(struct pt_regs *ctx, const struct readline_file *f)
{
	__u64 bias = PT_REGS_IP(ctx) - f->func;
	struct reading r = {};
	__s64 v;

	if (PT_REGS_PARM1(ctx) != ZLE_CMD_READ)
		return;
	r.zle_active = f->zle_active ? bias + f->zle_active : 0;
	r.mm = current_mm();
	put_reading(&r);
	if (with_status && PT_REGS_PARM5(ctx) == ZLCON_LINE_START &&
	    read_var(bias, f->status, f->status_size, &v))
		command_done(READLINE_PROMPT, v);
}

/* On the function of the shell's binary in readline_file.func. */
SEC("uprobe")
int shell_prompt(struct pt_regs *ctx)
{
	const struct readline_file *f = this_shell();

	if (!f || !utrace_traced())
		return 0;
	if (f->shell == READLINE_BASH)
		bash_prompt(ctx, f);
	else if (f->shell == READLINE_ZSH)
		zsh_prompt(ctx, f);
	return 0;
}

/* ---- bash, and other programs using readline ---- */

SEC("uretprobe")
int BPF_KRETPROBE(line_returned, const char *line)
{
	__u64 ts = bpf_ktime_get_boot_ns();
	struct reading r = {};
	__u32 flags = 0, shell = READLINE_LIB;
	struct rl_task *t;
	bool status;

	if (!utrace_traced())
		return 0;
	t = task_rec(true);
	/* no entry seen: the shell was waiting when tracing began */
	take_reading(t, &r);
	if (!line || r.skip)
		return 0;	/* EOF (Ctrl-D), or read -e */
	if (shell_kind(t, &status) == READLINE_BASH) {
		shell = READLINE_BASH;
		if (with_status && status)
			flags |= READLINE_STATUS;
	}
	if (r.cont)
		flags |= READLINE_CONT;
	send_line(line, READLINE_BASH_CAP, shell, flags, ts);
	return 0;
}

/* ---- zsh ---- */

/* zleread(lp, rp, flags, context, init, finish) */
SEC("uprobe")
int zle_read(struct pt_regs *ctx)
{
	__u64 context = PT_REGS_PARM4(ctx);
	struct reading *p, r = {};

	if (!utrace_traced())
		return 0;
	r.cont = context == ZLCON_LINE_CONT;
	r.skip = context != ZLCON_LINE_START && context != ZLCON_LINE_CONT;
	/* what zleentry() learnt just before stays (vared comes without) */
	p = reading_of(task_rec(false));
	if (p) {
		p->cont = r.cont;
		p->skip = r.skip;
		p->zle_done = 0;
	} else {
		put_reading(&r);
	}
	return 0;
}

/*
 * zlegetline(ll, cs): zleread() calls it with NULL, NULL for the line it
 * returns, once zleactive is 0 again; with zleactive still set it is the
 * line of an aborted read (Ctrl-C), and with pointers a widget's. Where
 * zleactive cannot be read (the zsh has not been seen at zleentry since
 * tracing began), the line is taken.
 */
SEC("uprobe")
int zle_getline(struct pt_regs *ctx)
{
	struct reading *r, fresh = {};
	__s64 active;

	if (PT_REGS_PARM1(ctx) || PT_REGS_PARM2(ctx) || !utrace_traced())
		return 0;
	r = reading_of(task_rec(false));
	if (r && r->zle_active && r->mm == current_mm() &&
	    read_var(0, r->zle_active, 4, &active) && active)
		return 0;
	if (r) {
		r->zle_done = 1;
	} else {
		/* the zleread() began before tracing: take it as a command */
		fresh.zle_done = 1;
		put_reading(&fresh);
	}
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(zle_line, const char *line)
{
	__u64 ts = bpf_ktime_get_boot_ns();
	struct rl_task *t = task_rec(false);
	struct reading *p = reading_of(t), r;
	__u32 flags = 0;
	bool status;

	/* other calls leave zleread()'s context for its last one */
	if (!p || !p->zle_done || !utrace_traced())
		return 0;
	r = *p;
	/*
	 * This read is done; where zleactive is stays for the next, also for
	 * a vared or a read begun without zleentry() (as zle_getline needs).
	 */
	p->skip = p->cont = p->zle_done = 0;
	if (!line || r.skip || (zle_exe_only && !shell_kind(t, &status)))
		return 0;
	if (r.cont)
		flags |= READLINE_CONT;
	/* shell_prompt says how it ended, if it can tell a zsh */
	if (with_status && kfields.exe)
		flags |= READLINE_STATUS;
	send_line(line, READLINE_ZSH_CAP, READLINE_ZSH, flags, ts);
	return 0;
}

/* ---- -S: a shell that does not come back to its prompt ---- */

SEC("raw_tp/sched_process_exit")
int shell_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__s32 code = 0;

	/* the process, not one of its threads (shells have one) */
	if ((__u32)id != id >> 32)
		return 0;
	if (!kfields.exit_code) {
		command_done(READLINE_GONE, 0);
		return 0;
	}
	/* the wait status, set before this tracepoint */
	bpf_probe_read_kernel(&code, sizeof(code),
			      (const void *)(bpf_get_current_task() + kfields.task_exit_code));
	command_done(READLINE_EXIT, code);
	return 0;
}

/*
 * Also without -S: another program now, so what the thread's record says
 * of the old one (which shell, the read in progress) goes.
 */
SEC("raw_tp/sched_process_exec")
int shell_exec(void *ctx)
{
	struct rl_task *t = task_rec(false);

	if (t) {
		t->have = 0;
		t->shell_gen = 0;
	}
	if (with_status)
		command_done(READLINE_EXEC, 0);
	return 0;
}
