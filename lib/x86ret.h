/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every return instruction of an x86-64 function, found by decoding it.
 *
 * Go moves goroutine stacks, so a uretprobe (which overwrites the return
 * address on the stack) crashes Go programs. A Go function's return is
 * traced instead with a plain uprobe on each of its RET instructions,
 * which only a real decoder finds: a 0xC3 byte is as likely to be part of
 * an immediate, a displacement or a ModRM byte as to be a RET.
 */
#ifndef UTRACE_X86RET_H
#define UTRACE_X86RET_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode @code[0..len), the bytes of one function whose first byte is at
 * virtual address @vaddr, linearly from its first byte to @len: give @len
 * from the function's end (pclntab's next entry, a symbol's size), not a
 * guess, as whatever follows is someone else's code or data. The INT3
 * (0xCC) padding Go and GCC put between functions decodes as instructions
 * like any other, so an end that includes it is fine.
 *
 * Each return instruction (RET C3, RET imm16 C2, far RET CB/CA, with any
 * prefixes: F3 C3 "rep ret", F2 C3 "bnd ret", 66) has the address of its
 * first prefix byte stored in @rets, in address order, up to @max of them;
 * *@n is set to the number found, even past @max.
 *
 * Returns 0; -E2BIG when more than @max were found (*@n says how many to
 * make room for; @rets NULL and @max 0 just count); -EILSEQ when a byte
 * sequence does not decode or the last instruction runs past @len (linear
 * decoding is then lost: *@n counts the RETs before that point, none of
 * them to be trusted); -EINVAL for bad arguments or when the range wraps
 * around the address space.
 *
 * Only RETs are found: a function that leaves by a jump elsewhere (a tail
 * call) or by a call that never returns (a panic) is not seen leaving.
 */
int x86_find_returns(const uint8_t *code, size_t len, uint64_t vaddr,
		     uint64_t *rets, size_t max, size_t *n);

#endif
