/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's first uprobe registration after a quiet spell waits for an
 * RCU grace period: registering takes the percpu rwsem dup_mmap_sem for
 * writing, whose rcu_sync must first see one pass (6 to 25 ms here, more
 * than all the rest of dnslat's attach). Registrations within a grace
 * period of the last one do not wait again. So while the BPF programs are
 * loaded and verified, a thread registers one throwaway probe, and takes
 * that wait at the same time: the tool's links then go in at once.
 *
 * The throwaway probe is on a function of our own executable that is never
 * called, for our own process only, and is removed right away.
 */
#ifndef UTRACE_UPROBE_WARM_H
#define UTRACE_UPROBE_WARM_H

#include <pthread.h>
#include <stdbool.h>

struct uprobe_warm {
	pthread_t thread;
	bool started;
};

/* Start the throwaway registration, if uprobe_multi links are in use. */
void uprobe_warm_start(struct uprobe_warm *w, bool multi);
/* Wait for it to be over (its removal waits for grace periods too). */
void uprobe_warm_end(struct uprobe_warm *w);

#endif
