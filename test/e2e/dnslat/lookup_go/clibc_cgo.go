// SPDX-License-Identifier: GPL-2.0-only

//go:build cgo

// lookup_go's clibc OP with cgo: libc's getaddrinfo called from C, as a
// program's own C code would, not through the net package.
package main

/*
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

static int c_lookup(const char *name)
{
	struct addrinfo hints, *res = NULL, *ai;
	int n = 0, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(name, NULL, &hints, &res);
	if (err)
		return -1;
	for (ai = res; ai; ai = ai->ai_next)
		n++;
	freeaddrinfo(res);
	return n;
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

func cLookup(name string) (int, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	n := int(C.c_lookup(cname))
	if n < 0 {
		return 0, errors.New("getaddrinfo failed")
	}
	return n, nil
}
