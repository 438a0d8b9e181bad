//go:build ktfdw_ext

package main

import (
	"runtime/cgo"
	"sync/atomic"
)

// Go state referenced from C is reached only through cgo handles
// (doc/design.md, rule 4). C releases each one from a memory context reset callback.

type releaser interface{ release() }

var openHandles atomic.Int64

func newHandle(v releaser) uintptr {
	openHandles.Add(1)
	return uintptr(cgo.NewHandle(v))
}

// handleValue returns the object of a live handle, or nil for 0.
func handleValue(h uintptr) any {
	if h == 0 {
		return nil
	}
	return cgo.Handle(h).Value()
}

func releaseHandle(h uintptr) {
	if h == 0 {
		return
	}
	ch := cgo.Handle(h)
	v := ch.Value()
	ch.Delete()
	openHandles.Add(-1)
	if r, ok := v.(releaser); ok {
		r.release()
	}
}
