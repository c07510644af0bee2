// SPDX-License-Identifier: GPL-2.0-only
/*
 * A TLS client on NSS: PR_Write and PR_Read on an SSL descriptor (NSS's
 * SSL layer pushed on a TCP socket). It also reads a plain file with
 * PR_Read first: that descriptor is no TLS, and must not be shown.
 *
 *   nss_client PORT FILE MESSAGE   read FILE, send MESSAGE to
 *                                  127.0.0.1:PORT, print the answer
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nss.h>
#include <prerror.h>
#include <prio.h>
#include <prnetdb.h>
#include <ssl.h>

/* The tests' certificate is self-signed and made at test time. */
static SECStatus accept_any(void *arg, PRFileDesc *fd, PRBool checksig, PRBool server)
{
	(void)arg, (void)fd, (void)checksig, (void)server;
	return SECSuccess;
}

int main(int argc, char **argv)
{
	PRFileDesc *file, *tcp, *ssl;
	PRNetAddr addr;
	char buf[4096];
	PRInt32 n;

	if (argc != 4)
		return 2;
	file = PR_Open(argv[2], PR_RDONLY, 0);
	if (!file || PR_Read(file, buf, sizeof(buf)) < 0)
		return fputs("cannot read the file\n", stderr), 1;
	PR_Close(file);
	if (NSS_NoDB_Init(NULL) != SECSuccess || NSS_SetDomesticPolicy() != SECSuccess)
		return fputs("NSS init failed\n", stderr), 1;
	tcp = PR_OpenTCPSocket(PR_AF_INET);
	ssl = tcp ? SSL_ImportFD(NULL, tcp) : NULL;
	if (!ssl)
		return fputs("no SSL socket\n", stderr), 1;
	SSL_OptionSet(ssl, SSL_SECURITY, PR_TRUE);
	SSL_OptionSet(ssl, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE);
	SSL_AuthCertificateHook(ssl, accept_any, NULL);
	SSL_SetURL(ssl, "127.0.0.1");
	PR_InitializeNetAddr(PR_IpAddrLoopback, (PRUint16)atoi(argv[1]), &addr);
	if (PR_Connect(ssl, &addr, PR_SecondsToInterval(30)) != PR_SUCCESS ||
	    SSL_ForceHandshake(ssl) != SECSuccess)
		return fprintf(stderr, "handshake failed: %d\n", PR_GetError()), 1;
	if (PR_Write(ssl, argv[3], (PRInt32)strlen(argv[3])) <= 0)
		return fputs("write failed\n", stderr), 1;
	while ((n = PR_Read(ssl, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	PR_Close(ssl);
	NSS_Shutdown();
	return 0;
}
