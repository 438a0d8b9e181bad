package kt

import (
	"syscall"
	"time"
	"unsafe"
)

type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollIn_ = 0x1 // POLLIN

// pollIn waits until fd is readable, for at most d; errors and timeouts
// are left to the read that follows. A raw syscall: the goroutine keeps its
// P, so the runtime does not hand the P to another thread for the wait
// (a stop-the-world may wait up to d for it).
var pollIn = func(fd uintptr, d time.Duration) {
	pfd := pollFd{fd: int32(fd), events: pollIn_}
	ts := syscall.NsecToTimespec(int64(d))
	_, _, _ = syscall.RawSyscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
}
