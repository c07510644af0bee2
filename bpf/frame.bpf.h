/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Calls in progress, one per thread: what an entry probe saw, kept for the
 * return probe. The tool defines UTRACE_FRAME_TYPE, a struct whose first
 * member is `struct utrace_frame f`, before including this header.
 *
 *   - Nesting: a traced function called while another is in progress on
 *     the same thread (glibc's gethostbyname() loops around
 *     gethostbyname_r(); musl tail-calls) is not a call of its own: only
 *     the outermost is what the program asked for. See frame_nested().
 *   - A frame whose return never comes: the thread died (its slot goes
 *     with it), or the program jumped out with siglongjmp() (a DNS
 *     timeout idiom): recognised as dead at the next call (frame_alive()).
 *   - Task-local storage: each thread's slot hangs off the thread itself,
 *     made at its first traced call and freed by the kernel with it. No
 *     hash to compute, no lock, no allocation per call (a hash map cost
 *     about a sixth of dnslat's added time per call), no limit on calls in
 *     progress, nothing left by a thread that dies inside one. A slot that
 *     cannot be made is a lost event, counted.
 */
#ifndef UTRACE_FRAME_BPF_H
#define UTRACE_FRAME_BPF_H

#include "common.bpf.h"
#include "frame.h"

#ifndef UTRACE_FRAME_TYPE
#error "define UTRACE_FRAME_TYPE (a struct starting with struct utrace_frame f)"
#endif

/* Past this age a frame is taken as dead where the stack cannot tell. */
#define UTRACE_FRAME_MAX_AGE_NS (600ULL * 1000000000ULL)

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, UTRACE_FRAME_TYPE);
} frames SEC(".maps");

/*
 * A function with a return probe returns to the kernel's trampoline, the
 * first slot of the process's [uprobes] page: the kernel writes that
 * address over the return address at entry. The page is where the kernel
 * puts it for every process (just below the top of the address space), and
 * the core writes its address here: from the [uprobes] line of a process's
 * maps once it has seen one, from the paging mode before (lib/xol.c). 0:
 * unknown. Read as kernel data it would need CO-RE, and with it the
 * kernel's whole BTF loaded at every start (15 ms, 11 MB here).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} utrace_xol SEC(".maps");

static __always_inline __u64 uretprobe_trampoline(void)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&utrace_xol, &zero);

	return v ? *v : 0;
}

/*
 * Is the call @f still in progress, seen from a call at stack pointer
 * @sp now? A frame below @sp was unwound (the kernel's own rule for its
 * return probes); one at @sp is the caller of a tail call (musl's
 * gethostbyname() jumps to gethostbyname2()). While the call runs,
 * its return address slot holds the trampoline (or for a call timed at
 * its RETs, the caller's address, f->ret): anything else there means it
 * was left with siglongjmp() or an exception and the stack reused.
 * Without the trampoline's address, only age tells.
 */
static __always_inline bool frame_alive(const struct utrace_frame *f, __u64 sp,
					__u64 now)
{
	__u64 want = f->ret, slot = 0;

	if (f->sp < sp)
		return false;
	if (!want)
		want = uretprobe_trampoline();
	if (want) {
		if (bpf_probe_read_user(&slot, sizeof(slot), (void *)f->sp))
			return true;
		return slot == want;
	}
	return now - f->ts < UTRACE_FRAME_MAX_AGE_NS;
}

/*
 * At a traced function's entry: this thread's slot, made at its first
 * traced call and freed by the kernel with the thread. NULL when it cannot
 * be made (no memory): the call is lost, and counted.
 */
static __always_inline UTRACE_FRAME_TYPE *frame_slot(void)
{
	UTRACE_FRAME_TYPE *slot = bpf_task_storage_get(&frames, bpf_get_current_task_btf(),
							0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!slot)
		utrace_count_lost();
	return slot;
}

/*
 * Is a call at stack pointer @sp now nested in the call in progress in
 * @slot? False when there is none, or it is dead (then it is dropped): this
 * call is the outermost, to be recorded with frame_push().
 */
static __always_inline bool frame_nested(UTRACE_FRAME_TYPE *slot, __u64 sp, __u64 now)
{
	if (!slot->f.sp)
		return false;
	if (frame_alive(&slot->f, sp, now))
		return true;
	slot->f.sp = 0;
	return false;
}

/* Record @c as this thread's call in progress. */
static __always_inline void frame_push(UTRACE_FRAME_TYPE *slot, const UTRACE_FRAME_TYPE *c)
{
	*slot = *c;
}

/* At a return: this thread's call in progress, or NULL. */
static __always_inline UTRACE_FRAME_TYPE *frame_current(void)
{
	UTRACE_FRAME_TYPE *slot = bpf_task_storage_get(&frames, bpf_get_current_task_btf(),
							0, 0);

	return slot && slot->f.sp ? slot : NULL;
}

/*
 * Is a return at stack pointer @sp the return of @f? After `ret` popped
 * the return address, sp is 8 above its value at entry; any other value
 * is the return of a nested call.
 */
static __always_inline bool frame_returns(const struct utrace_frame *f, __u64 sp)
{
	return f->sp + 8 == sp;
}

/*
 * The same at a RET instruction (UTRACE_AT_RETS), before it runs: sp
 * points at the return address, as at entry.
 */
static __always_inline bool frame_returns_at_ret(const struct utrace_frame *f, __u64 sp)
{
	return f->sp == sp;
}

/* The call in progress @p (from frame_current()) is over. */
static __always_inline void frame_pop(UTRACE_FRAME_TYPE *p)
{
	p->f.sp = 0;
}

/*
 * A thread that exec()s keeps its task, and so its slot: the call it made
 * execve() from (a traced function that exec()s) is gone with the old
 * image. Left there, it could pass for alive (its stack slot unreadable
 * in the new image) and make every later call of the thread a nested one.
 * The core attaches it.
 */
SEC("raw_tp/sched_process_exec")
int frames_exec(void *ctx)
{
	UTRACE_FRAME_TYPE *p = frame_current();

	if (p)
		frame_pop(p);
	return 0;
}

#endif
