// SPDX-License-Identifier: GPL-2.0-only

// A Go program for utrace funclat to refuse: return probes would corrupt
// its goroutine stacks.
package main

import (
	"fmt"
	"os"
	"time"
)

//go:noinline
func work(n int) int {
	time.Sleep(time.Millisecond)
	return n + 1
}

func main() {
	s := 0
	for i := 0; i < len(os.Args); i++ {
		s += work(i)
	}
	fmt.Println(s)
}
