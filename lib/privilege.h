/* SPDX-License-Identifier: GPL-2.0-only */
/* Which capabilities utrace runs with. */
#ifndef UTRACE_PRIVILEGE_H
#define UTRACE_PRIVILEGE_H

#include <stdbool.h>

/* Is capability @cap (CAP_SYS_PTRACE, ...) in the effective set? */
bool privilege_has(int cap);

#endif
