// SPDX-License-Identifier: GPL-2.0-only
/*
 * RET instructions by linear decoding with Zydis.
 *
 * x86 instructions are 1 to 15 bytes of prefixes, opcode, ModRM, SIB,
 * displacement and immediate, and where one ends depends on all of them.
 * A table-driven decoder that tracks the ISA (Zydis, Debian libzydis-dev)
 * gets every length right; a hand-written one gets the common ones right.
 * Zydis decodes without allocating or keeping state, which suits bytes
 * read from a hostile binary: the worst a byte can do is not decode.
 */
#include "x86ret.h"

#include <errno.h>
#include <Zydis/Zydis.h>

int x86_find_returns(const uint8_t *code, size_t len, uint64_t vaddr,
		     uint64_t *rets, size_t max, size_t *n)
{
	ZydisDecodedInstruction insn;
	ZydisDecoder dec;
	size_t off = 0, found = 0;

	if (!n)
		return -EINVAL;
	*n = 0;
	if ((!code && len) || (!rets && max) ||
	    (len && len - 1 > UINT64_MAX - vaddr))
		return -EINVAL;
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64,
					 ZYDIS_STACK_WIDTH_64)))
		return -EINVAL;
	while (off < len) {
		/* operands are not needed: no context, the fast path */
		if (ZYAN_FAILED(ZydisDecoderDecodeInstruction(&dec, NULL,
				code + off, len - off, &insn))) {
			*n = found;
			return -EILSEQ;
		}
		if (insn.mnemonic == ZYDIS_MNEMONIC_RET) {
			if (found < max)
				rets[found] = vaddr + off;
			found++;
		}
		off += insn.length;
	}
	*n = found;
	return found > max ? -E2BIG : 0;
}
