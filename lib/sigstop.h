/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The signals that end a trace: drained, reported, exit code as usual.
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT, and SIGALRM, SIGUSR1, SIGUSR2 (whose
 * default would kill the tracer with rows still in its buffer). They are
 * blocked and read from a signalfd, so they end any wait at once without
 * a handler racing the main loop. A signal ignored when utrace started
 * (nohup, `trap '' HUP`, a background job's SIGINT) stays ignored.
 * Process-wide state, so one of each per process.
 */
#ifndef UTRACE_SIGSTOP_H
#define UTRACE_SIGSTOP_H

#include <stdbool.h>

/* Block the stop signals and open the signalfd; 0 or -1 (errno). */
int sigstop_block(void);
int sigstop_fd(void);
/* Has a stop signal arrived (without consuming it)? */
bool sigstop_pending(void);

#endif
