// SPDX-License-Identifier: GPL-2.0-only
/*
 * utrace sslsniff: the plaintext of TLS traffic, at the TLS library's API.
 *
 * Probes go on the read and write calls of every TLS library a process
 * uses: OpenSSL (libssl.so.*), GnuTLS (libgnutls.so.*), NSS (through
 * NSPR's libnspr4.so), and any executable that embeds OpenSSL or GnuTLS
 * and exports their functions (node does). The core finds the files in
 * every process, containers included, and those a process loads later
 * with dlopen() (python maps libssl when a script imports ssl). Each row
 * is one call, or one numbered part of a call larger than a record.
 *
 * This tool shows secrets (passwords, tokens, keys in transit): it prints
 * them on stdout only, and needs the privileges of every tool.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "numparse.h"
#include "sslsniff.h"
#include "sslsniff.skel.h"
#include "utrace.h"

#define FUNC_WIDTH	16
#define EVENT_WIDTH	9
#define LEN_WIDTH	7
#define PART_WIDTH	5
#define LAT_WIDTH	9

#define MAX_LIBS	16

/* Whole records are large: a burst of them wants room. */
#define BUFFER_DEFAULT	(4ULL << 20)

enum direction { DIR_READ, DIR_WRITE, DIR_HANDSHAKE };

static const struct {
	const char *name;
	enum direction dir;
} funcs[SSLSNIFF_NFUNCS] = {
	[SSLSNIFF_SSL_READ] = { "SSL_read", DIR_READ },
	[SSLSNIFF_SSL_READ_EX] = { "SSL_read_ex", DIR_READ },
	[SSLSNIFF_SSL_PEEK] = { "SSL_peek", DIR_READ },
	[SSLSNIFF_SSL_PEEK_EX] = { "SSL_peek_ex", DIR_READ },
	[SSLSNIFF_SSL_READ_EARLY] = { "SSL_read_early_data", DIR_READ },
	[SSLSNIFF_SSL_WRITE] = { "SSL_write", DIR_WRITE },
	[SSLSNIFF_SSL_WRITE_EX] = { "SSL_write_ex", DIR_WRITE },
	[SSLSNIFF_SSL_WRITE_EARLY] = { "SSL_write_early_data", DIR_WRITE },
	[SSLSNIFF_GNUTLS_RECV] = { "gnutls_record_recv", DIR_READ },
	[SSLSNIFF_GNUTLS_RECV_SEQ] = { "gnutls_record_recv_seq", DIR_READ },
	[SSLSNIFF_GNUTLS_RECV_EARLY] = { "gnutls_record_recv_early_data", DIR_READ },
	[SSLSNIFF_GNUTLS_SEND] = { "gnutls_record_send", DIR_WRITE },
	[SSLSNIFF_GNUTLS_SEND2] = { "gnutls_record_send2", DIR_WRITE },
	[SSLSNIFF_GNUTLS_SEND_RANGE] = { "gnutls_record_send_range", DIR_WRITE },
	[SSLSNIFF_GNUTLS_SEND_EARLY] = { "gnutls_record_send_early_data", DIR_WRITE },
	[SSLSNIFF_PR_READ] = { "PR_Read", DIR_READ },
	[SSLSNIFF_PR_RECV] = { "PR_Recv", DIR_READ },
	[SSLSNIFF_PR_WRITE] = { "PR_Write", DIR_WRITE },
	[SSLSNIFF_PR_SEND] = { "PR_Send", DIR_WRITE },
	[SSLSNIFF_SSL_DO_HANDSHAKE] = { "SSL_do_handshake", DIR_HANDSHAKE },
	[SSLSNIFF_GNUTLS_HANDSHAKE] = { "gnutls_handshake", DIR_HANDSHAKE },
};

/* ---- what is traced ---- */

/* Every function may be missing: a file needs only one (match.any). */
/* its entry and return: the pair "tls" (bpf/common.bpf.h) */
#define CALL(fn, id) { .func = fn, .prog = "tls", .flags = UTRACE_OPTIONAL, .cookie = (id) }

#define OPENSSL_DATA							\
	CALL("SSL_read", SSLSNIFF_SSL_READ),				\
	CALL("SSL_read_ex", SSLSNIFF_SSL_READ_EX),			\
	CALL("SSL_peek", SSLSNIFF_SSL_PEEK),				\
	CALL("SSL_peek_ex", SSLSNIFF_SSL_PEEK_EX),			\
	CALL("SSL_read_early_data", SSLSNIFF_SSL_READ_EARLY),		\
	CALL("SSL_write", SSLSNIFF_SSL_WRITE),				\
	CALL("SSL_write_ex", SSLSNIFF_SSL_WRITE_EX),			\
	CALL("SSL_write_early_data", SSLSNIFF_SSL_WRITE_EARLY)

/* SSL_get_error() tells a handshake that must be retried from one that failed. */
#define OPENSSL_HANDSHAKE						\
	CALL("SSL_do_handshake", SSLSNIFF_SSL_DO_HANDSHAKE),		\
	{ .func = "SSL_get_error", .prog = "ssl_error", .flags = UTRACE_OPTIONAL }

/*
 * gnutls_record_send() is gnutls_record_send2() in GnuTLS 3.6+ (the outer
 * one is reported); _send_range and the early-data calls go elsewhere.
 * gnutls_record_send_file() reads a file and calls gnutls_record_send().
 */
#define GNUTLS_DATA							\
	CALL("gnutls_record_recv", SSLSNIFF_GNUTLS_RECV),		\
	CALL("gnutls_record_recv_seq", SSLSNIFF_GNUTLS_RECV_SEQ),	\
	CALL("gnutls_record_recv_early_data", SSLSNIFF_GNUTLS_RECV_EARLY), \
	CALL("gnutls_record_send", SSLSNIFF_GNUTLS_SEND),		\
	CALL("gnutls_record_send2", SSLSNIFF_GNUTLS_SEND2),		\
	CALL("gnutls_record_send_range", SSLSNIFF_GNUTLS_SEND_RANGE),	\
	CALL("gnutls_record_send_early_data", SSLSNIFF_GNUTLS_SEND_EARLY)

#define GNUTLS_HANDSHAKE CALL("gnutls_handshake", SSLSNIFF_GNUTLS_HANDSHAKE)

#define NSPR_DATA							\
	CALL("PR_Read", SSLSNIFF_PR_READ),				\
	CALL("PR_Recv", SSLSNIFF_PR_RECV),				\
	CALL("PR_Write", SSLSNIFF_PR_WRITE),				\
	CALL("PR_Send", SSLSNIFF_PR_SEND)

static const struct utrace_probe openssl_data[] = { OPENSSL_DATA, { 0 } };
static const struct utrace_probe openssl_all[] = { OPENSSL_DATA, OPENSSL_HANDSHAKE, { 0 } };
static const struct utrace_probe gnutls_data[] = { GNUTLS_DATA, { 0 } };
static const struct utrace_probe gnutls_all[] = { GNUTLS_DATA, GNUTLS_HANDSHAKE, { 0 } };
static const struct utrace_probe nspr_data[] = { NSPR_DATA, { 0 } };
static const struct utrace_probe embedded_data[] = { OPENSSL_DATA, GNUTLS_DATA, { 0 } };
static const struct utrace_probe embedded_all[] = {
	OPENSSL_DATA, OPENSSL_HANDSHAKE, GNUTLS_DATA, GNUTLS_HANDSHAKE, { 0 },
};

static const char *const openssl_defines[] = {
	"SSL_read", "SSL_read_ex", "SSL_write", "SSL_write_ex", "SSL_peek", "SSL_peek_ex", NULL,
};
static const char *const gnutls_defines[] = {
	"gnutls_record_recv", "gnutls_record_send", "gnutls_record_send2",
	"gnutls_record_recv_seq", "gnutls_record_send_range", NULL,
};
static const char *const nspr_defines[] = { "PR_Read", "PR_Write", NULL };
static const char *const embedded_defines[] = {
	"SSL_read", "SSL_read_ex", "SSL_write", "SSL_write_ex",
	"gnutls_record_recv", "gnutls_record_send", NULL,
};

/* OpenSSL 3 and 1.1; NSS's own libssl3.so is not OpenSSL's. */
static const char *const openssl_names[] = { "libssl.so*", NULL };
static const char *const gnutls_names[] = { "libgnutls.so*", NULL };
static const char *const nspr_names[] = { "libnspr4.so*", NULL };

/*
 * The host's own copies, probed at start: a program that loads one later
 * (python's import ssl) is traced by the kernel from its first call.
 */
static const char *const openssl_hosts[] = {
	"/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.1.1",
	"/usr/lib64/libssl.so.3", "/usr/lib64/libssl.so.1.1",
	"/usr/lib/libssl.so.3", "/usr/lib/libssl.so.1.1", NULL,
};
static const char *const gnutls_hosts[] = {
	"/usr/lib/x86_64-linux-gnu/libgnutls.so.30", "/usr/lib64/libgnutls.so.30",
	"/usr/lib/libgnutls.so.30", NULL,
};
static const char *const nspr_hosts[] = {
	"/usr/lib/x86_64-linux-gnu/libnspr4.so", "/usr/lib64/libnspr4.so",
	"/usr/lib/libnspr4.so", NULL,
};

#define LIB_TARGET(name, lib, probes_)					\
	{								\
		.what = name,						\
		.match = { .kind = UTRACE_LIB, .names = lib##_names, .any = lib##_defines }, \
		.flags = UTRACE_DLOPEN,					\
		.host = lib##_hosts,					\
		.probes = probes_,					\
	}

/*
 * An executable with no name to go by: the core reads the symbols of each
 * distinct executable once, to find those that embed a TLS library.
 */
#define EMBEDDED_TARGET(probes_)					\
	{								\
		.what = "executable embedding TLS",			\
		.match = { .kind = UTRACE_EXE, .any = embedded_defines }, \
		.probes = probes_,					\
	}

enum { OPENSSL, GNUTLS, NSS, EMBEDDED, NTARGETS };

static const struct utrace_target data_targets[] = {
	[OPENSSL] = LIB_TARGET("OpenSSL", openssl, openssl_data),
	[GNUTLS] = LIB_TARGET("GnuTLS", gnutls, gnutls_data),
	[NSS] = LIB_TARGET("NSS (NSPR)", nspr, nspr_data),
	[EMBEDDED] = EMBEDDED_TARGET(embedded_data),
	{ 0 },
};

/* --handshake: the same, with the handshake functions. */
static const struct utrace_target handshake_targets[] = {
	[OPENSSL] = LIB_TARGET("OpenSSL", openssl, openssl_all),
	[GNUTLS] = LIB_TARGET("GnuTLS", gnutls, gnutls_all),
	[NSS] = LIB_TARGET("NSS (NSPR)", nspr, nspr_data),
	[EMBEDDED] = EMBEDDED_TARGET(embedded_all),
	{ 0 },
};

/* ---- options ---- */

struct sslsniff {
	bool hex;
	bool no_data;
	bool handshake;
	uint64_t max_bytes;		/* 0: no limit */
	const char *libs[MAX_LIBS];
	int nlibs;
	const struct utrace_target *targets;
};

enum {
	OPT_MAX_BYTES = 0x100,
	OPT_NO_DATA,
	OPT_HANDSHAKE,
};

static const struct argp_option options[] = {
	{ "hex", 'x', NULL, 0,
	  "Print the data as a hex dump under each row instead of escaped text", 0 },
	{ "max-bytes", OPT_MAX_BYTES, "SIZE", 0,
	  "Keep at most SIZE bytes of each call (K or M suffix); the rest is marked truncated", 0 },
	{ "no-data", OPT_NO_DATA, NULL, 0,
	  "Print no data: function, length and latency of each call only", 0 },
	{ "handshake", OPT_HANDSHAKE, NULL, 0,
	  "Add a row for each handshake: how long it took, and how it ended", 0 },
	{ "lib", 'l', "PATH", 0,
	  "Trace this library (or executable) file only (repeatable)", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct utrace_session *s = state->input;
	struct sslsniff *cfg = s->priv;
	uint64_t v;

	switch (key) {
	case 'x':
		cfg->hex = true;
		return 0;
	case OPT_MAX_BYTES:
		if (parse_size(arg, 1, 1ULL << 40, &v))
			argp_error(state, "invalid --max-bytes '%s' (1 to 1024G, K, M or G suffix)", arg);
		cfg->max_bytes = v;
		return 0;
	case OPT_NO_DATA:
		cfg->no_data = true;
		return 0;
	case OPT_HANDSHAKE:
		cfg->handshake = true;
		return 0;
	case 'l':
		if (cfg->nlibs == MAX_LIBS)
			argp_error(state, "at most %d -l options", MAX_LIBS);
		if (!*arg)
			argp_error(state, "empty path for -l");
		cfg->libs[cfg->nlibs++] = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return 0;
	case ARGP_KEY_END:
		if (cfg->no_data && cfg->hex)
			argp_error(state, "-x dumps the data: not with --no-data");
		if (cfg->no_data && cfg->max_bytes)
			argp_error(state, "--max-bytes limits the data: not with --no-data");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Print the plaintext of TLS traffic: what programs write to and read from\n"
	       "OpenSSL, GnuTLS and NSS, captured at the library's API (no keys, no\n"
	       "proxy, no restart). THIS TOOL REVEALS SECRETS (see below).\v"
	       "THIS TOOL REVEALS SECRETS: passwords, tokens and keys in transit appear\n"
	       "in its output, to whoever reads it. It writes them to standard output\n"
	       "only; it needs root or CAP_BPF and CAP_PERFMON, as every tool.\n\n"
	       "Every TLS library in use is traced, in every process (containers\n"
	       "too), including libraries loaded later with dlopen() and executables\n"
	       "that embed OpenSSL or GnuTLS and export its functions. A call larger\n"
	       "than 16 KiB is printed as numbered parts (PART) that join back exactly;\n"
	       "LATms is the time inside the call, waiting for the peer included.\n\n"
	       "EXAMPLES:\n"
	       "  utrace sslsniff                  # all TLS plaintext on the machine\n"
	       "  utrace sslsniff -p 1234          # only process 1234\n"
	       "  utrace sslsniff --no-data --handshake   # calls and handshakes, no data\n"
	       "  utrace sslsniff -x --max-bytes 256      # hex dumps of the first bytes\n"
	       "  utrace sslsniff -l /opt/app/lib/libssl.so.3   # one library file only\n"
	       "  utrace sslsniff -j -d 60 > tls.json      # a minute of JSON lines\n",
};

static int ss_prepare(struct utrace_session *s)
{
	struct sslsniff *cfg = s->priv;

	if (s->opt.json && cfg->hex) {
		utrace_error(s, "-x is for the table: -j has the exact bytes in data_base64");
		return UTRACE_EXIT_USAGE;
	}
	cfg->targets = cfg->handshake ? handshake_targets : data_targets;
	if (cfg->nlibs)
		return UTRACE_EXIT_OK;		/* -l: those files only (ss_attach) */
	for (int i = 0; i < NTARGETS; i++)
		if (utrace_target_add(s, &cfg->targets[i]) < 0) {
			utrace_error(s, "too many targets");
			return UTRACE_EXIT_ERROR;
		}
	return UTRACE_EXIT_OK;
}

static int ss_configure(struct utrace_session *s)
{
	struct sslsniff *cfg = s->priv;
	uint64_t max = cfg->no_data ? 0 : cfg->max_bytes ? cfg->max_bytes : ~0ULL;
	bool no_data = cfg->no_data;

	if (utrace_set_rodata(s, "max_bytes", &max, sizeof(max)) ||
	    utrace_set_rodata(s, "no_data", &no_data, sizeof(no_data))) {
		utrace_error(s, "BPF object lacks its settings");
		return UTRACE_EXIT_ERROR;
	}
	return UTRACE_EXIT_OK;
}

static bool no_symbol(int err)
{
	return utrace_err_layer(err) == UTRACE_L_ELF && utrace_err_errno(err) == ESRCH;
}

/* -l PATH: the file as whichever library it is; it must be one of them. */
static int trace_lib(struct utrace_session *s, const char *path)
{
	struct sslsniff *cfg = s->priv;
	int traced = 0, err = 0;

	for (int i = OPENSSL; i <= NSS && (!err || no_symbol(err)); i++) {
		err = utrace_trace_path(s, &cfg->targets[i], path);
		if (!err)
			traced++;
	}
	if (traced && no_symbol(err))
		return 0;
	if (no_symbol(err)) {
		utrace_error(s, "%s: no TLS functions in it (SSL_read, gnutls_record_recv, PR_Read...)",
			     path);
		return UTRACE_EXIT_ERROR;
	}
	if (err) {
		utrace_error(s, "%s: %s", path, utrace_why(err));
		return UTRACE_EXIT_ERROR;
	}
	return 0;
}

static int ss_attach(struct utrace_session *s)
{
	struct sslsniff *cfg = s->priv;
	int rc;

	for (int i = 0; i < cfg->nlibs; i++)
		if ((rc = trace_lib(s, cfg->libs[i])))
			return rc;
	return UTRACE_EXIT_OK;
}

/* ---- rows ---- */

/* The event, if it is one: a record from the ring buffer is checked once. */
static const struct sslsniff_event *event(const struct event_hdr *h, size_t size)
{
	const struct sslsniff_event *e = (const void *)h;

	if (size < sizeof(*e) || e->func >= SSLSNIFF_NFUNCS ||
	    e->data_len > size - sizeof(*e))
		return NULL;
	return e;
}

static bool is_handshake(const struct sslsniff_event *e)
{
	return e->hdr.flags & SSLSNIFF_HANDSHAKE;
}

static bool ss_event_end(const struct event_hdr *h, size_t size)
{
	const struct sslsniff_event *e = event(h, size);

	return !e || e->part >= e->parts;
}

struct name_code {
	int code;
	const char *name;
};

static const struct name_code ssl_errors[] = {
	{ 0, "SSL_ERROR_NONE" }, { 1, "SSL_ERROR_SSL" }, { 5, "SSL_ERROR_SYSCALL" },
	{ 6, "SSL_ERROR_ZERO_RETURN" }, { 0, NULL },
};

static const struct name_code gnutls_errors[] = {
	{ -8, "GNUTLS_E_UNSUPPORTED_VERSION_PACKET" },
	{ -9, "GNUTLS_E_UNEXPECTED_PACKET_LENGTH" }, { -10, "GNUTLS_E_INVALID_SESSION" },
	{ -12, "GNUTLS_E_FATAL_ALERT_RECEIVED" }, { -15, "GNUTLS_E_UNEXPECTED_PACKET" },
	{ -16, "GNUTLS_E_WARNING_ALERT_RECEIVED" },
	{ -18, "GNUTLS_E_ERROR_IN_FINISHED_PACKET" },
	{ -19, "GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET" }, { -24, "GNUTLS_E_DECRYPTION_FAILED" },
	{ -32, "GNUTLS_E_INSUFFICIENT_CREDENTIALS" }, { -43, "GNUTLS_E_CERTIFICATE_ERROR" },
	{ -49, "GNUTLS_E_NO_CERTIFICATE_FOUND" }, { -53, "GNUTLS_E_PUSH_ERROR" },
	{ -54, "GNUTLS_E_PULL_ERROR" }, { -55, "GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER" },
	{ -87, "GNUTLS_E_NO_CIPHER_SUITES" }, { -110, "GNUTLS_E_PREMATURE_TERMINATION" },
	{ -294, "GNUTLS_E_UNRECOGNIZED_NAME" }, { -319, "GNUTLS_E_TIMEDOUT" },
	{ -348, "GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR" },
	{ -423, "GNUTLS_E_NO_COMMON_KEY_SHARE" }, { 0, NULL },
};

static const char *code_name(const struct name_code *t, int code)
{
	for (; t->name; t++)
		if (t->code == code)
			return t->name;
	return NULL;
}

/* Formatted text lives until the next row: one row at a time. */
static char row_buf[96];
static char result_buf[48];	/* handshake_result(), which row_buf may quote */

/* "ok", or the library's name for why the handshake failed. */
static const char *handshake_result(const struct sslsniff_event *e)
{
	const char *name = NULL;

	switch (e->result) {
	case SSLSNIFF_HS_OK:
		return "ok";
	case SSLSNIFF_HS_SSL_ERROR:
		if ((name = code_name(ssl_errors, (int)e->ret)))
			return name;
		snprintf(result_buf, sizeof(result_buf), "SSL_get_error %lld", (long long)e->ret);
		return result_buf;
	case SSLSNIFF_HS_GNUTLS:
		if ((name = code_name(gnutls_errors, (int)e->ret)))
			return name;
		snprintf(result_buf, sizeof(result_buf), "GnuTLS error %lld", (long long)e->ret);
		return result_buf;
	}
	snprintf(result_buf, sizeof(result_buf), "returned %lld", (long long)e->ret);
	return result_buf;
}

static void get_func(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e)
		return;
	v->type = UTRACE_V_STR;
	v->str = funcs[e->func].name;
}

static void get_event(struct utrace_session *s, const struct event_hdr *h,
		      size_t size, struct utrace_value *v)
{
	static const char *const names[] = {
		[DIR_READ] = "read", [DIR_WRITE] = "write", [DIR_HANDSHAKE] = "handshake",
	};
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e)
		return;
	v->type = UTRACE_V_STR;
	v->str = is_handshake(e) ? names[DIR_HANDSHAKE] : names[funcs[e->func].dir];
}

static void get_len(struct utrace_session *s, const struct event_hdr *h,
		    size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e || is_handshake(e))
		return;
	v->type = UTRACE_V_U64;
	v->u64 = e->len;
}

/* Table: "2/7", "-" for a whole call; JSON: the part's number. */
static void get_part(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	if (!e || is_handshake(e))
		return;
	if (s->opt.json) {
		v->type = UTRACE_V_U64;
		v->u64 = e->part;
		return;
	}
	if (e->parts <= 1)
		return;
	snprintf(row_buf, sizeof(row_buf), "%u/%u", e->part, e->parts);
	v->type = UTRACE_V_STR;
	v->str = row_buf;
}

static void get_parts(struct utrace_session *s, const struct event_hdr *h,
		      size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e || is_handshake(e))
		return;
	v->type = UTRACE_V_U64;
	v->u64 = e->parts;
}

static void get_offset(struct utrace_session *s, const struct event_hdr *h,
		       size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e || is_handshake(e))
		return;
	v->type = UTRACE_V_U64;
	v->u64 = e->offset;
}

static void get_call(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e)
		return;
	v->type = UTRACE_V_U64;
	v->u64 = e->call;
}

static void get_latency(struct utrace_session *s, const struct event_hdr *h,
			size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e)
		return;
	v->type = UTRACE_V_MS;
	v->u64 = e->latency_ns;
}

static void get_result(struct utrace_session *s, const struct event_hdr *h,
		       size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e || !is_handshake(e))
		return;
	v->type = UTRACE_V_STR;
	v->str = handshake_result(e);
}

static void get_calls(struct utrace_session *s, const struct event_hdr *h,
		      size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);

	(void)s;
	if (!e || !is_handshake(e))
		return;
	v->type = UTRACE_V_U64;
	v->u64 = e->calls;
}

static void get_data(struct utrace_session *s, const struct event_hdr *h,
		     size_t size, struct utrace_value *v)
{
	const struct sslsniff_event *e = event(h, size);
	const struct sslsniff *cfg = s->priv;

	if (!e)
		return;
	if (!is_handshake(e) && cfg->no_data) {
		v->type = UTRACE_V_STR;		/* --no-data --handshake: nothing */
		v->str = "";
		return;
	}
	if (is_handshake(e)) {
		if (s->opt.json)
			return;		/* "result" and "calls" say it */
		snprintf(row_buf, sizeof(row_buf), "[handshake %s, %u call%s]",
			 handshake_result(e), e->calls, e->calls == 1 ? "" : "s");
		v->type = UTRACE_V_STR;
		v->str = row_buf;
		return;
	}
	if (h->flags & SSLSNIFF_UNREADABLE) {
		if (s->opt.json)
			return;
		snprintf(row_buf, sizeof(row_buf), "[bytes %llu to %llu unreadable]",
			 (unsigned long long)e->offset,
			 (unsigned long long)(e->offset + (e->len - e->offset < SSLSNIFF_PART_MAX ?
							   e->len - e->offset : SSLSNIFF_PART_MAX)));
		v->type = UTRACE_V_STR;
		v->str = row_buf;
		return;
	}
	v->type = UTRACE_V_BYTES;
	v->str = (const char *)(e + 1);
	v->len = e->data_len;
	v->truncated = h->flags & SSLSNIFF_TRUNCATED;
	v->hexdump = cfg->hex;
	v->offset = e->offset;
}

static bool with_data(const struct utrace_session *s, bool json)
{
	(void)json;
	return !((const struct sslsniff *)s->priv)->no_data;
}

/* The table's last column: the data, and how each handshake ended. */
static bool data_column(const struct utrace_session *s, bool json)
{
	const struct sslsniff *cfg = s->priv;

	return !cfg->no_data || (!json && cfg->handshake);
}

static const struct utrace_column columns[] = {
	UTRACE_COLUMN_COMM,
	{ "FUNC", FUNC_WIDTH, "function", get_func, NULL, false },
	{ "EVENT", EVENT_WIDTH, "event", get_event, NULL, false },
	{ "LEN", LEN_WIDTH, "len", get_len, NULL, false },
	{ "PART", PART_WIDTH, "part", get_part, with_data, false },
	{ "PARTS", 0, "parts", get_parts, with_data, true },
	{ "OFFSET", 0, "offset", get_offset, with_data, true },
	{ "CALL", 0, "call", get_call, NULL, true },
	{ "LATms", LAT_WIDTH, "latency_ms", get_latency, NULL, false },
	{ "RESULT", 0, "result", get_result, NULL, true },
	{ "CALLS", 0, "calls", get_calls, NULL, true },
	{ "DATA", 0, "data", get_data, data_column, false },
	{ 0 },
};

const struct utrace_tool utrace_tool_sslsniff = {
	.name = "sslsniff",
	.summary = "Print the plaintext of TLS traffic (OpenSSL, GnuTLS, NSS)",
	.argp = &argp,
	.tracing = "TLS plaintext",
	.priv_size = sizeof(struct sslsniff),
	.bpf_elf = sslsniff_bpf__elf_bytes,
	.absent = "maps no TLS library (libssl, libgnutls, libnspr4) and has no dynamic loader to load one",
	.prepare = ss_prepare,
	.configure = ss_configure,
	.attach = ss_attach,
	.buffer_default = BUFFER_DEFAULT,
	/* the largest record: a whole part and the event before it */
	.max_record = sizeof(struct sslsniff_event) + SSLSNIFF_PART_MAX,
	.event_end = ss_event_end,
	.time_width = 8,
	.columns = columns,
};
