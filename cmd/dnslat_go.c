// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace dnslat, the Go part: which Go executables are traced, where the
 * probes go in them, and what their events say.
 *
 * Go's net package resolves names itself, without libc, in programs built
 * with CGO_ENABLED=0 and (with a plain resolv.conf and nsswitch.conf) in
 * cgo programs too. Its lookups all pass through three unexported methods
 * of net.Resolver, found by name in the symbol table or, in a stripped
 * binary, in the pclntab (the core reads both). The probes and the
 * register conventions are in bpf/dnslat_go.bpf.h.
 *
 * What the BPF side reads beyond registers is a *net.DNSError, whose
 * layout changed in Go 1.23: the release comes from the binary's build
 * info, and a release not listed here is not traced (-v says so once per
 * binary; with -p, a warning), rather than read with a guessed layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnslat_go.h"
#include "elfread.h"

static const struct {
	const char *sym;
	enum dnslat_func id;
} go_lookups[] = {
	{ "net.(*Resolver).lookupIPAddr", DNSLAT_GO_LOOKUPIPADDR },
	{ "net.(*Resolver).lookupHost", DNSLAT_GO_LOOKUPHOST },
	{ "net.(*Resolver).lookupAddr", DNSLAT_GO_LOOKUPADDR },
};

#define DNSERROR_ERROR "net.(*DNSError).Error"

/*
 * Go 1.x releases this knows, and where Err starts in their DNSError:
 * {Err, Name, Server string; IsTimeout, IsTemporary, IsNotFound bool}
 * until 1.22; 1.23 put UnwrapErr error (16 bytes) before Err. 1.17 has
 * the register ABI too, but its build info stores pointers, not the
 * version text, so its release cannot be told from the file alone.
 */
static const struct {
	int from, to;
	unsigned int err_at;
} go_releases[] = {
	{ 18, 22, 0 },
	{ 23, 26, 16 },
};

/* bpf/dnslat_go.bpf.h's programs (go_calls_exit forgets a dead process's calls) */
const char *const dnslat_go_programs[] = {
	"go_lookup_enter", "go_lookup_ret", "go_calls_exit", NULL,
};

const char *const dnslat_go_functions[] = {
	"net.(*Resolver).lookupIPAddr", "net.(*Resolver).lookupHost",
	"net.(*Resolver).lookupAddr", NULL,
};

/* "go1.19.8", "go1.21rc2", "go1.23.0 X:boringcrypto": 19, 21, 23; else -1. */
static int go_minor(const char *version)
{
	char *end;
	long minor;

	if (strncmp(version, "go1.", 4) || version[4] < '0' || version[4] > '9')
		return -1;
	minor = strtol(version + 4, &end, 10);
	return minor > 0 && minor < 1000 ? (int)minor : -1;
}

static int go_err_at(const char *version)
{
	int minor = go_minor(version);

	for (size_t i = 0; i < sizeof(go_releases) / sizeof(go_releases[0]); i++)
		if (minor >= go_releases[i].from && minor <= go_releases[i].to)
			return (int)go_releases[i].err_at;
	return -1;
}

/* For -p the operator named the process: a warning; else one -v line. */
static void not_traced(struct utrace_session *s, pid_t pid, const char *file,
		       const char *why)
{
	if (pid > 0)
		utrace_error(s, "warning: process %d: %s: %s: its Go lookups are not traced",
			     pid, file, why);
	else
		utrace_verbose(s, "%s: %s: its Go lookups are not traced", file, why);
}

int dnslat_go_attach(struct utrace_session *s, const struct utrace_target *t,
		     struct tfile *f, pid_t pid)
{
	const struct elf_sym *dnserror;
	const struct elf_symbols *syms;
	char version[64], why[160];
	unsigned int layout;
	int err, err_at, n = 0;

	(void)t;
	err = utrace_file_go_version(f, version, sizeof(version));
	err_at = err ? -1 : go_err_at(version);
	if (err_at < 0) {
		if (err)
			snprintf(why, sizeof(why),
				 "no Go release in its build info (%s; Go 1.18 or later is needed)",
				 utrace_why(err));
		else
			snprintf(why, sizeof(why),
				 "built with %s, whose layouts dnslat does not know (Go 1.18 to 1.26)",
				 version);
		not_traced(s, pid, utrace_file_name(f), why);
		return 0;
	}
	syms = utrace_file_symbols(f, &err);
	if (!syms)
		return err;
	dnserror = elf_symbols_find(syms, DNSERROR_ERROR, ELF_FUNCS);
	layout = dnserror ? (unsigned int)err_at : DNSLAT_GO_NO_LAYOUT;
	for (size_t i = 0; i < sizeof(go_lookups) / sizeof(go_lookups[0]); i++) {
		const struct elf_sym *sym = elf_symbols_find(syms, go_lookups[i].sym, ELF_FUNCS);
		int64_t delta;

		if (!sym)
			continue;
		delta = dnserror ? (int64_t)(dnserror->vaddr - sym->vaddr) : 0;
		/* the RETs first: cookies there are unused, the entry's carry all */
		err = utrace_probe_rets(s, f, pid, "go_lookup_ret", sym, go_lookups[i].id);
		if (!err)
			err = utrace_probe(s, f, pid, "go_lookup_enter", 0, sym->offset,
					   DNSLAT_GO_COOKIE(go_lookups[i].id, layout, delta));
		if (err)
			return err;
		n++;
	}
	utrace_verbose(s, "%s: %s, %d resolver function%s%s", utrace_file_name(f), version,
		       n, n == 1 ? "" : "s", dnserror ? "" : ", no net.DNSError");
	return 0;
}

/* ---- events ---- */

const struct dnslat_go_event *dnslat_go_event(const struct event_hdr *h,
					      size_t size)
{
	const struct dnslat_go_event *g = (const void *)h;

	return size >= sizeof(*g) && DNSLAT_IS_GO(g->e.func) ? g : NULL;
}

const char *dnslat_go_result(const struct dnslat_go_event *g)
{
	if (!(g->e.hdr.flags & DNSLAT_GO_FAILED))
		return "ok";
	if (!(g->e.hdr.flags & DNSLAT_GO_DNSERROR))
		return "error";
	/* the order of net.DNSError's own Timeout/Temporary/IsNotFound */
	if (g->is_not_found)
		return "NOT_FOUND";
	if (g->is_timeout)
		return "TIMEOUT";
	if (g->is_temporary)
		return "TEMPORARY";
	return "DNS_ERROR";
}

static void go_text(struct utrace_value *v, const char *p, size_t n)
{
	if (!n)
		return;
	v->type = UTRACE_V_TEXT;
	v->str = p;
	v->len = n;
}

void dnslat_go_get_error(struct utrace_session *s, const struct event_hdr *h,
			 size_t size, struct utrace_value *v)
{
	const struct dnslat_go_event *g = dnslat_go_event(h, size);

	(void)s;
	if (g && (h->flags & DNSLAT_GO_DNSERROR))
		go_text(v, g->err, g->err_len < sizeof(g->err) ? g->err_len : sizeof(g->err));
}

void dnslat_go_get_server(struct utrace_session *s, const struct event_hdr *h,
			  size_t size, struct utrace_value *v)
{
	const struct dnslat_go_event *g = dnslat_go_event(h, size);

	(void)s;
	if (g && (h->flags & DNSLAT_GO_DNSERROR))
		go_text(v, g->server,
			g->server_len < sizeof(g->server) ? g->server_len : sizeof(g->server));
}
