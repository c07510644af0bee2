/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What bpf/readline.bpf.c and cmd/readline*.c share: the events (a line
 * read, a command's outcome) and where each traced file keeps the
 * variables the programs read.
 */
#ifndef UTRACE_READLINE_H
#define UTRACE_READLINE_H

#include "event.h"

/* Lines up to this many bytes are shown whole; longer ones are cut. */
#define READLINE_MAX 4096
/*
 * Bytes read from a line: a few more than are shown, so that the cut can
 * tell a character that straddles it (utf8cut.h). zsh's lines come
 * metafied (a byte may take two, see readline_text.c): twice as many.
 */
#define READLINE_BASH_CAP (READLINE_MAX + 4)
#define READLINE_ZSH_CAP (2 * READLINE_MAX + 8)

/* What read a line: readline_line.shell, readline_file.shell */
#define READLINE_LIB	0	/* libreadline in another program (-s) */
#define READLINE_BASH	1
#define READLINE_ZSH	2	/* zle: metafied, with its newline */

/* event_hdr.flags */
#define READLINE_DONE	0x1	/* a struct readline_done, not a line */
#define READLINE_CONT	0x2	/* the line continues a command (PS2) */
#define READLINE_STATUS	0x4	/* -S: the line's outcome follows */

/* A line, as read from the program's memory; sent as long as it is. */
struct readline_line {
	struct event_hdr hdr;
	__u32 len;			/* bytes in line[] */
	__u32 shell;
	char line[];
};

/* readline_done.how */
#define READLINE_PROMPT	1	/* back at the prompt: status is $? */
#define READLINE_EXIT	2	/* the shell exited: status is its wait status */
#define READLINE_EXEC	3	/* the shell exec()ed another program */
#define READLINE_GONE	4	/* the shell exited, how is not known */

/* -S: the outcome of the command a shell's last lines made. */
struct readline_done {
	struct event_hdr hdr;
	__u32 how;
	__u32 pad;
	__s64 status;
};

/*
 * Per shell executable, in the BPF map shell_exes keyed by its inode
 * (probes carry no cookie: ioctl-attached perf events cannot): the
 * link-time addresses (st_value) of the function probed at entry and of
 * the variables read, 0 where the file has none. A variable is at
 * PT_REGS_IP - func + its address in that function's entry probe,
 * whatever the load address.
 */
struct readline_file {
	__u64 func;		/* bash readline(), zsh zleentry() */
	__u64 status;		/* $?: bash last_command_exit_value, zsh lastval */
	__u64 line_count;	/* bash current_command_line_count: > 0 at PS2 */
	__u64 in_builtin;	/* bash executing_builtin: read -e */
	__u64 zle_active;	/* zsh zleactive: 0 once zleread() is done */
	__u32 status_size;	/* 4 or 8 bytes */
	__u32 shell;
};

#define READLINE_MAX_FILES 256

/*
 * Where the running kernel keeps the fields the programs read, in bytes
 * (cmd/readline.c finds them in the kernel's BTF, lib/kbtf.h): the inode
 * of the current process's executable, task->mm->exe_file->f_inode->i_ino,
 * and with -S task->exit_code. A flag is 0 where they are not known.
 */
struct readline_kernel {
	__u32 task_mm;
	__u32 mm_exe_file;
	__u32 file_inode;
	__u32 inode_ino;
	__u32 task_exit_code;
	__u8 mm;		/* task_mm is known */
	__u8 exe;		/* ... and the three after it */
	__u8 exit_code;		/* task_exit_code is known */
	__u8 pad;
};

/* zsh's own numbers (Src/zsh.h) */
#define ZLE_CMD_READ		1
#define ZLCON_LINE_START	0
#define ZLCON_LINE_CONT		1

#endif
