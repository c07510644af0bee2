// SPDX-License-Identifier: GPL-2.0-only
/*
 * A TLS client with OpenSSL linked in statically and its functions
 * exported (as node ships it): no libssl.so is mapped, the executable
 * itself defines SSL_write and SSL_read.
 *
 *   embed_client PORT MESSAGE [wait]   send MESSAGE to 127.0.0.1:PORT,
 *                                      print what comes back until the
 *                                      peer closes; with "wait", print
 *                                      "ready" and wait for a byte on
 *                                      stdin first
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char buf[4096];
	SSL_CTX *ctx;
	SSL *ssl;
	int fd, n;

	if (argc != 3 && argc != 4)
		return 2;
	if (argc == 4) {
		puts("ready");
		fflush(stdout);
		if (read(0, buf, 1) != 1)
			return 3;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return perror("connect"), 1;
	ctx = SSL_CTX_new(TLS_client_method());
	ssl = ctx ? SSL_new(ctx) : NULL;
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1)
		return fputs("handshake failed\n", stderr), 1;
	if (SSL_write(ssl, argv[2], (int)strlen(argv[2])) <= 0)
		return fputs("write failed\n", stderr), 1;
	while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return 0;
}
