// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark loop for utrace sslsniff: SSL_write() of SIZE bytes, N per
 * round (rounds.h), over a TLS connection on a socketpair to a child that
 * reads everything with SSL_read(). The child is another process, so a
 * tracer given -p of this one traces the writes only.
 *
 *   tls_loop CERT KEY N SIZE
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "rounds.h"

static SSL *ssl;
static char *buf;
static size_t size;

static unsigned long run(unsigned long n)
{
	unsigned long bad = 0;

	for (unsigned long i = 0; i < n; i++)
		if (SSL_write(ssl, buf, (int)size) != (int)size)
			bad++;
	return bad;
}

/* The reader: everything the loop writes, until it closes. */
static void drain(SSL_CTX *ctx, int fd)
{
	static char in[65536];
	SSL *s = SSL_new(ctx);

	SSL_set_fd(s, fd);
	if (SSL_accept(s) != 1)
		_exit(1);
	while (SSL_read(s, in, sizeof(in)) > 0)
		;
	_exit(0);
}

int main(int argc, char **argv)
{
	SSL_CTX *sctx, *cctx;
	int sv[2], rc;
	pid_t child;

	if (argc != 5)
		return fputs("usage: tls_loop CERT KEY N SIZE\n", stderr), 2;
	size = strtoul(argv[4], NULL, 10);
	buf = malloc(size);
	if (!buf || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	memset(buf, 'x', size);
	sctx = SSL_CTX_new(TLS_server_method());
	if (!sctx || SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1)
		return fputs("bad certificate or key\n", stderr), 1;
	child = fork();
	if (child == 0) {
		close(sv[0]);
		drain(sctx, sv[1]);
	}
	close(sv[1]);
	cctx = SSL_CTX_new(TLS_client_method());
	ssl = SSL_new(cctx);
	SSL_set_fd(ssl, sv[0]);
	if (SSL_connect(ssl) != 1)
		return fputs("handshake failed\n", stderr), 1;
	rc = serve_rounds(strtoul(argv[3], NULL, 10), NULL, run);
	SSL_shutdown(ssl);
	close(sv[0]);
	waitpid(child, NULL, 0);
	return rc;
}
