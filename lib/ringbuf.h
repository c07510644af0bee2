/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading BPF ring buffers (BPF_MAP_TYPE_RINGBUF), as libbpf's ring_buffer
 * does, with two differences that matter at a row per microsecond:
 *
 *   - The consumer position, a cache line every producer reads before each
 *     reservation, is written back every 1/RINGBUF_RELEASE_SHARE of the ring
 *     and at the end of a batch, not after each record: a traced program
 *     on another CPU then rarely has to fetch that line from the reader's.
 *   - The record after the current one is prefetched while the current one
 *     is handed to the callback: records were written on another CPU, and
 *     the reader would otherwise wait for each of their cache lines.
 */
#ifndef UTRACE_RINGBUF_H
#define UTRACE_RINGBUF_H

#include <stddef.h>

struct ringbufs;

/* Called for each record; a negative return stops the batch (and is returned). */
typedef int (*ringbuf_cb)(void *ctx, void *data, size_t size);

struct ringbufs *ringbufs_new(void);
/* Read the ring buffer map @map_fd too. 0 or -errno. */
int ringbufs_add(struct ringbufs *r, int map_fd, ringbuf_cb cb, void *ctx);
/*
 * An epoll fd readable once a ring's producers woke it (a record committed
 * with a wakeup, or while the reader had caught up): records sent without
 * one are seen at the next wakeup or the caller's own timeout. Waiting on it
 * edge-triggered is safe: ringbufs_consume() leaves no record behind that a
 * producer committed without waking it.
 */
int ringbufs_epoll_fd(const struct ringbufs *r);
/* Hand every committed record to its callback: how many, or < 0. */
long ringbufs_consume(struct ringbufs *r);
void ringbufs_free(struct ringbufs *r);

#endif
