// SPDX-License-Identifier: GPL-2.0-only

//go:build !cgo

// lookup_go's clibc OP without cgo: there is no C to call.
package main

import "errors"

func cLookup(name string) (int, error) {
	return 0, errors.New("built without cgo")
}
