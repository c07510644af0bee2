// SPDX-License-Identifier: GPL-2.0-only

// Test helper for test_dnslat_go.py: name lookups made by a Go program
// through the net package, built at test time every way a Go program may
// be built (cgo or not, PIE or not, stripped or not). Its COMM is its file
// name.
//
//	lookup_go [-w] [-sleep S] [-hold] [-g N] [-grow D] [-repeat R] [-port P] OP NAME [OP NAME...]
//
// OP is ipaddr (net.DefaultResolver.LookupIPAddr), host (net.LookupHost),
// addr (net.LookupAddr), dial (net.Dial("tcp", NAME:P), closed at once),
// or clibc (libc's getaddrinfo called from C through cgo, not through the
// net package; "error" without cgo). The pairs are looked up in order, R
// times; -g N runs N goroutines doing so at once. -grow D makes goroutine
// i look up from recursion depth i mod D, some 80 bytes of stack per
// level, so that calls land at every position of a small goroutine stack:
// some right where it must grow (the function's prologue then calls
// morestack and starts again), many grow it (and move it) inside. -w prints "ready" and waits for a
// line on stdin first; -sleep waits S seconds first. -hold prints "done"
// after the results and waits for a line on stdin before it exits.
//
// Each lookup prints one JSON line, in goroutine and call order (so the
// output does not depend on scheduling): what utrace dnslat must report
// for it. "result" is ok or the kind of *net.DNSError (NOT_FOUND, TIMEOUT,
// TEMPORARY, DNS_ERROR), "error" for any other error; "n" the number of
// results; "err" and "server" the DNSError's fields.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

type result struct {
	G      int    `json:"g"`
	I      int    `json:"i"`
	Op     string `json:"op"`
	Name   string `json:"name"`
	Result string `json:"result"`
	N      int    `json:"n"`
	Err    string `json:"err"`
	Server string `json:"server"`
}

var port = flag.Int("port", 0, "dial: the port to connect to")

func classify(err error, r *result) {
	var dnsErr *net.DNSError

	r.Result = "ok"
	if err == nil {
		return
	}
	r.Result = "error"
	if !errors.As(err, &dnsErr) {
		return
	}
	r.Err, r.Server = dnsErr.Err, dnsErr.Server
	switch {
	case dnsErr.IsNotFound:
		r.Result = "NOT_FOUND"
	case dnsErr.IsTimeout:
		r.Result = "TIMEOUT"
	case dnsErr.IsTemporary:
		r.Result = "TEMPORARY"
	default:
		r.Result = "DNS_ERROR"
	}
}

func lookup(op, name string) (int, error) {
	ctx := context.Background()

	switch op {
	case "ipaddr":
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, name)
		return len(ips), err
	case "host":
		addrs, err := net.LookupHost(name)
		return len(addrs), err
	case "addr":
		names, err := net.LookupAddr(name)
		return len(names), err
	case "dial":
		c, err := net.Dial("tcp", net.JoinHostPort(name, strconv.Itoa(*port)))
		if err != nil {
			return 0, err
		}
		c.Close()
		return 1, nil
	case "clibc":
		return cLookup(name)
	}
	fmt.Fprintf(os.Stderr, "lookup_go: unknown OP %q\n", op)
	os.Exit(64)
	return 0, nil
}

// deep recurses @depth times with a frame of its own each, then looks up;
// the sums of its frames, checked on the way back, would tell a stack that
// was corrupted while it moved (the program then exits 3).
func deep(depth int, op, name string, r *result) {
	var pad [4]uint64

	for i := range pad {
		pad[i] = uint64(depth*131 + i)
	}
	if depth > 0 {
		deep(depth-1, op, name, r)
	} else {
		n, err := lookup(op, name)
		r.N = n
		classify(err, r)
	}
	for i := range pad {
		if pad[i] != uint64(depth*131+i) {
			fmt.Fprintf(os.Stderr, "lookup_go: stack corrupted at depth %d\n", depth)
			os.Exit(3)
		}
	}
}

func main() {
	wait := flag.Bool("w", false, "print ready and wait for a line on stdin")
	goroutines := flag.Int("g", 1, "goroutines looking up at once")
	grow := flag.Int("grow", 0, "recursion depths to look up from (0: none)")
	repeat := flag.Int("repeat", 1, "times each goroutine makes its lookups")
	sleep := flag.Float64("sleep", 0, "seconds to wait before the first lookup")
	hold := flag.Bool("hold", false, "print done and wait for a line on stdin at the end")
	flag.Parse()
	args := flag.Args()
	if len(args) < 2 || len(args)%2 != 0 {
		fmt.Fprintln(os.Stderr, "usage: lookup_go [-w] [-sleep S] [-hold] [-g N] [-grow D] [-repeat R] [-port P] OP NAME [OP NAME...]")
		os.Exit(64)
	}
	stdin := bufio.NewReader(os.Stdin)
	if *wait {
		fmt.Println("ready")
		if _, err := stdin.ReadString('\n'); err != nil {
			os.Exit(1)
		}
	}
	time.Sleep(time.Duration(*sleep * float64(time.Second)))
	results := make([][]result, *goroutines)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < *goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			depth := 0
			if *grow > 0 {
				depth = g % *grow
			}
			<-start
			for i := 0; i < *repeat; i++ {
				for j := 0; j < len(args); j += 2 {
					r := result{G: g, I: i, Op: args[j], Name: args[j+1]}
					deep(depth, r.Op, r.Name, &r)
					results[g] = append(results[g], r)
				}
			}
		}(g)
	}
	close(start)
	wg.Wait()
	out := json.NewEncoder(os.Stdout)
	for _, rs := range results {
		for _, r := range rs {
			out.Encode(r)
		}
	}
	if *hold {
		fmt.Println("done")
		stdin.ReadString('\n')
	}
}
