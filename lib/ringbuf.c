// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF ring buffer reader: see ringbuf.h. The layout is the kernel's
 * (kernel/bpf/ringbuf.c): a consumer page we write, then a producer page
 * and the data pages, mapped twice in a row so that a record that wraps
 * around the end is contiguous. Each record starts with an 8-byte header
 * whose first word is its length with the BUSY (being written) and
 * DISCARD bits.
 */
#include "ringbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

/*
 * The consumer position is written back after this share of the ring has
 * been read (and at the end of every batch): producers see the room
 * freed at most this late, and read a line the reader wrote this seldom.
 */
#define RINGBUF_RELEASE_SHARE 16

struct ring {
	int map_fd;
	ringbuf_cb cb;
	void *ctx;
	unsigned long *consumer_pos;
	const unsigned long *producer_pos;
	const char *data;
	size_t size;		/* data bytes: a power of two */
	size_t release;
};

struct ringbufs {
	struct ring *rings;
	size_t n;
	int epoll_fd;
	size_t page;
};

struct ringbufs *ringbufs_new(void)
{
	struct ringbufs *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epoll_fd < 0) {
		free(r);
		return NULL;
	}
	return r;
}

int ringbufs_add(struct ringbufs *r, int map_fd, ringbuf_cb cb, void *ctx)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	struct epoll_event ev = { .events = EPOLLIN };
	struct ring *v, *ring;
	void *cons, *prod;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	v = realloc(r->rings, (r->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->rings = v;
	cons = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	/* the producer page, then the data twice */
	prod = mmap(NULL, r->page + 2 * (size_t)info.max_entries, PROT_READ, MAP_SHARED,
		    map_fd, (off_t)r->page);
	if (prod == MAP_FAILED) {
		int err = -errno;

		munmap(cons, r->page);
		return err;
	}
	ev.data.u32 = (uint32_t)r->n;
	if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev)) {
		int err = -errno;

		munmap(prod, r->page + 2 * (size_t)info.max_entries);
		munmap(cons, r->page);
		return err;
	}
	ring = &r->rings[r->n++];
	ring->map_fd = map_fd;
	ring->cb = cb;
	ring->ctx = ctx;
	ring->consumer_pos = cons;
	ring->producer_pos = prod;
	ring->data = (const char *)prod + r->page;
	ring->size = info.max_entries;
	ring->release = ring->size / RINGBUF_RELEASE_SHARE;
	return 0;
}

int ringbufs_epoll_fd(const struct ringbufs *r)
{
	return r->epoll_fd;
}

/* A record's room in the ring: header, data, rounded up to 8 bytes. */
static size_t room(uint32_t len)
{
	len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return ((size_t)len + BPF_RINGBUF_HDR_SZ + 7) & ~(size_t)7;
}

static void release(struct ring *ring, unsigned long pos)
{
	__atomic_store_n(ring->consumer_pos, pos, __ATOMIC_RELEASE);
}

/*
 * Write @cons back, before looking at the ring again: a producer that
 * commits after it sees the reader caught up and wakes it.
 */
static void publish(struct ring *ring, unsigned long cons, unsigned long *published)
{
	release(ring, cons);
	*published = cons;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static long consume_ring(struct ring *ring)
{
	/* only we write it: our own last value */
	unsigned long cons = *ring->consumer_pos, published = cons, prod;
	size_t mask = ring->size - 1;
	long n = 0;

	for (;;) {
		prod = __atomic_load_n(ring->producer_pos, __ATOMIC_ACQUIRE);
		if (cons >= prod) {
			if (cons == published)
				break;
			/*
			 * A record committed after our last look, while the
			 * kernel still saw the old consumer position, woke no
			 * one (a producer wakes the reader only when it has
			 * caught up): write the position back, then look again.
			 */
			publish(ring, cons, &published);
			continue;
		}
		while (cons < prod) {
			const uint32_t *hdr = (const void *)(ring->data + (cons & mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			unsigned long next;

			if (len & BPF_RINGBUF_BUSY_BIT) {
				/*
				 * Still being written: later. As above, its
				 * commit now would wake no one (and the wait may
				 * be edge-triggered): unless already written
				 * back, write our position back and look once
				 * more.
				 */
				if (cons == published)
					goto done;
				publish(ring, cons, &published);
				break;
			}
			next = cons + room(len);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				const char *after = ring->data + (next & mask);
				int err;

				__builtin_prefetch(after);
				__builtin_prefetch(after + 64);
				err = ring->cb(ring->ctx, (char *)hdr + BPF_RINGBUF_HDR_SZ,
					       len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT));
				if (err < 0) {
					release(ring, next);
					return err;
				}
				n++;
			}
			cons = next;
			if (cons - published >= ring->release) {
				release(ring, cons);
				published = cons;
			}
		}
	}
done:
	if (cons != published)
		release(ring, cons);
	return n;
}

long ringbufs_consume(struct ringbufs *r)
{
	long total = 0;

	for (size_t i = 0; i < r->n; i++) {
		long n = consume_ring(&r->rings[i]);

		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

void ringbufs_free(struct ringbufs *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		munmap(r->rings[i].consumer_pos, r->page);
		munmap((void *)r->rings[i].producer_pos, r->page + 2 * r->rings[i].size);
	}
	free(r->rings);
	close(r->epoll_fd);
	free(r);
}
