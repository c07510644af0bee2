// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for lib/gopclntab.c: the input bytes are a table.
 * Beyond not crashing (ASan/UBSan watch every read), what the callback
 * gets must hold for any input: each name lies inside the input with its
 * NUL, entries are <= their ends and follow one another without gaps or
 * overlaps, and an error comes with no callback at all. The walk runs
 * with the header's text start and with one of the caller's, whose
 * results must agree where both succeed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gopclntab.h"

#define CALLER_TEXT	0x401000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	const uint8_t *data;
	size_t size;
	uint64_t n, last_end;
	uint64_t sum;		/* of entries and name lengths, to compare */
};

static void fail(const char *why, long a, long b)
{
	fprintf(stderr, "fuzz_gopclntab: %s (%ld, %ld)\n", why, a, b);
	abort();
}

static int check_cb(const char *name, size_t len, uint64_t entry,
		    uint64_t end, void *arg)
{
	struct walk *w = arg;
	const uint8_t *p = (const uint8_t *)name;

	if (p < w->data || p >= w->data + w->size ||
	    len >= (size_t)(w->data + w->size - p))
		fail("name outside the table", (long)(p - w->data), (long)len);
	if (name[len] || memchr(name, 0, len))
		fail("name not ended by its NUL", (long)len, 0);
	if (entry > end)
		fail("entry past end", (long)entry, (long)end);
	if (w->n && entry != w->last_end)
		fail("functions not back to back", (long)entry,
		     (long)w->last_end);
	w->last_end = end;
	w->n++;
	w->sum += entry + len;
	return 0;
}

static int walk(const uint8_t *data, size_t size, uint64_t text,
		struct walk *w)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->data = data;
	w->size = size;
	err = gopclntab_for_each_func(data, size, text, check_cb, w);
	if (err && w->n)
		fail("callbacks before an error", err, (long)w->n);
	if (err > 0)
		fail("positive error without a callback asking", err, 0);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gopclntab_info info;
	struct walk hdr, caller;
	uint64_t entry, end;
	int ierr, err, err2;

	ierr = gopclntab_info(data, size, &info);
	err = walk(data, size, 0, &hdr);
	err2 = walk(data, size, CALLER_TEXT, &caller);
	if (ierr && (err != ierr || err2 != ierr))
		fail("walk and info disagree on the header", err, ierr);
	if (!err && hdr.n != info.nfunc)
		fail("not every function seen", (long)hdr.n, (long)info.nfunc);
	/* the header's text start, when there is one, wins or refuses */
	if (!err && !err2 && (hdr.n != caller.n || hdr.sum != caller.sum))
		fail("text start changed a table that has its own", 0, 0);
	if (!ierr && info.text_start_off &&
	    info.text_start_off + info.ptr_size > size)
		fail("text_start_off outside the table", 0, 0);

	err = gopclntab_find_func(data, size, CALLER_TEXT, "main.main",
				  &entry, &end);
	if (!err && entry > end)
		fail("found function ends before it starts", 0, 0);
	return 0;
}
