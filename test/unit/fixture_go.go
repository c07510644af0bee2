// SPDX-License-Identifier: GPL-2.0-only

// Go program fixture for test_gopclntab and test_x86ret: built, never run,
// in every way a traced Go program may have been built (cgo or not, PIE or
// not, internal or external linking, stripped or not). It reaches the net
// package's lookup paths so that their functions are in the binary:
// net.(*Resolver).lookupIPAddr, lookupHost and lookupAddr.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
)

func main() {
	ctx := context.Background()
	for _, arg := range os.Args[1:] {
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, arg)
		fmt.Println(ips, err)
		hosts, err := net.LookupHost(arg)
		fmt.Println(hosts, err)
		names, err := net.LookupAddr(arg)
		fmt.Println(names, err)
	}
}
