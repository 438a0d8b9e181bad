//go:build ktfdw_ext

package main

import "runtime"

// exportsMapHash is set by the Makefile (-X main.exportsMapHash=...) to a
// hash of pgext/exports.map. Go's build cache keys the link on the ldflags
// but not on the linker version script's contents, so without it an edited
// exports.map would not relink kt_fdw.so.
var exportsMapHash string

// Referenced so the variable stays in the binary (`strings kt_fdw.so` tells
// which exports.map was linked).
func init() { runtime.KeepAlive(exportsMapHash) }
