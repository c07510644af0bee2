// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's rules for uprobe instructions (arch/x86/kernel/uprobes.c:
 * is_prefix_bad(), the good_insns tables, is_trap_insn()), as far as they
 * matter for the first instruction of compiled functions, decoded with
 * Zydis. Where this lets one through that the kernel refuses, the link
 * fails and the core splits it (probes.c): this is the fast path.
 */
#include "x86probe.h"

#include <Zydis/Zydis.h>

const char *x86_probe_refused(const uint8_t *code, size_t len)
{
	ZydisDecodedInstruction insn;
	ZydisDecoder dec;

	if (ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
	    ZYAN_FAILED(ZydisDecoderDecodeInstruction(&dec, NULL, code, len, &insn)))
		return "an instruction that does not decode";
	/* the bytes, not their effect: 64-bit mode ignores CS/DS/ES/SS */
	for (ZyanU8 i = 0; i < insn.raw.prefix_count && i < ZYDIS_MAX_INSTRUCTION_LENGTH; i++) {
		switch (insn.raw.prefixes[i].value) {
		case 0xf0:
			return "a LOCK-prefixed instruction";
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			return "an instruction with an ES, CS, SS or DS segment prefix";
		}
	}
	switch (insn.encoding) {
	case ZYDIS_INSTRUCTION_ENCODING_VEX:
		return "a VEX-encoded (AVX) instruction";
	case ZYDIS_INSTRUCTION_ENCODING_EVEX:
	case ZYDIS_INSTRUCTION_ENCODING_MVEX:
		return "an EVEX-encoded (AVX-512) instruction";
	case ZYDIS_INSTRUCTION_ENCODING_XOP:
		return "an XOP-encoded instruction";
	default:
		break;
	}
	if (insn.mnemonic == ZYDIS_MNEMONIC_INT3)
		return "a breakpoint (INT3)";
	return NULL;
}
