/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Can the kernel put a uprobe on this instruction? It decodes the first
 * instruction at the probed address to single-step it out of line, and
 * refuses (ENOTSUPP) what it does not know how to: the legacy segment
 * prefixes ES/CS/SS/DS and LOCK, VEX and EVEX encodings (AVX code: the
 * memcpy and strlen variants glibc picks for a modern CPU start with
 * one), and a breakpoint already there. One such offset fails a whole
 * uprobe_multi link, so offsets are checked before they are asked for.
 */
#ifndef UTRACE_X86PROBE_H
#define UTRACE_X86PROBE_H

#include <stddef.h>
#include <stdint.h>

/*
 * NULL when the kernel takes a probe on the instruction at @code (@len
 * bytes available, 15 are enough), else what is wrong with it ("a LOCK
 * prefix", "a VEX-encoded instruction"); also when it does not decode.
 */
const char *x86_probe_refused(const uint8_t *code, size_t len);

#endif
