//go:build !linux

package kt

import "time"

// pollIn is a no-op here: reads wait in Go's network poller.
var pollIn = func(fd uintptr, d time.Duration) {}
