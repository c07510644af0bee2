// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program that maps no TLS library until it dlopen()s the host's
 * libssl.so.3, and then writes at once: a TLS handshake and one
 * SSL_write() between two SSL objects joined by memory BIOs, no network.
 * The tests' question: is that very first write traced?
 *
 *   dlopen_client CERT KEY    print "ready", wait for a byte on stdin,
 *                             then dlopen, handshake, write "first write"
 */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

/* Each function through dlsym(): nothing links libssl at start. */
#define F(name) __typeof__(name) *p_##name = (__typeof__(name) *)dlsym(h, #name)

int main(int argc, char **argv)
{
	static char buf[65536];
	char go;
	void *h;
	int n;

	if (argc != 3)
		return 2;
	puts("ready");
	fflush(stdout);
	if (read(0, &go, 1) != 1)
		return 3;
	h = dlopen("libssl.so.3", RTLD_NOW);
	if (!h)
		return fprintf(stderr, "%s\n", dlerror()), 1;
	F(SSL_CTX_new); F(TLS_method); F(SSL_new); F(SSL_set_bio); F(BIO_new);
	F(BIO_s_mem); F(SSL_write); F(SSL_set_connect_state); F(SSL_set_accept_state);
	F(SSL_do_handshake); F(SSL_CTX_use_certificate_chain_file);
	F(SSL_CTX_use_PrivateKey_file); F(BIO_read); F(BIO_write);
	SSL_CTX *sctx = p_SSL_CTX_new(p_TLS_method()), *cctx = p_SSL_CTX_new(p_TLS_method());
	if (p_SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1 ||
	    p_SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1)
		return fputs("bad certificate or key\n", stderr), 1;
	SSL *c = p_SSL_new(cctx), *s = p_SSL_new(sctx);
	/* each side reads its own BIO; what one writes is copied to the other's */
	BIO *c_in = p_BIO_new(p_BIO_s_mem()), *c_out = p_BIO_new(p_BIO_s_mem());
	BIO *s_in = p_BIO_new(p_BIO_s_mem()), *s_out = p_BIO_new(p_BIO_s_mem());
	int cdone = 0, sdone = 0;

	p_SSL_set_bio(c, c_in, c_out);
	p_SSL_set_bio(s, s_in, s_out);
	p_SSL_set_connect_state(c);
	p_SSL_set_accept_state(s);
	for (int i = 0; i < 100 && !(cdone && sdone); i++) {
		if (!cdone)
			cdone = p_SSL_do_handshake(c) == 1;
		while ((n = p_BIO_read(c_out, buf, sizeof(buf))) > 0)
			p_BIO_write(s_in, buf, n);
		if (!sdone)
			sdone = p_SSL_do_handshake(s) == 1;
		while ((n = p_BIO_read(s_out, buf, sizeof(buf))) > 0)
			p_BIO_write(c_in, buf, n);
	}
	if (!cdone || !sdone)
		return fputs("handshake failed\n", stderr), 1;
	if (p_SSL_write(c, "first write", 11) != 11)
		return fputs("write failed\n", stderr), 1;
	puts("written");
	return 0;
}
