package ktdev

import (
	"sync"
	"time"
)

// condMap implements WAIT/SIGNAL: named conditions that requests wait on.
type condMap struct {
	mu      sync.Mutex
	waiters map[string][]chan struct{}
}

func newCondMap() *condMap { return &condMap{waiters: map[string][]chan struct{}{}} }

// wait blocks until name is signalled (true), the timeout passes or done is
// closed (false).
func (m *condMap) wait(name string, timeout time.Duration, done <-chan struct{}) bool {
	ch := make(chan struct{})
	m.mu.Lock()
	m.waiters[name] = append(m.waiters[name], ch)
	m.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-done:
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.waiters[name]
	for i, w := range list {
		if w == ch {
			m.waiters[name] = append(list[:i:i], list[i+1:]...)
			if len(m.waiters[name]) == 0 {
				delete(m.waiters, name)
			}
			return false
		}
	}
	return true // signalled while timing out
}

// signal wakes one waiter (all with broadcast) and returns how many woke.
func (m *condMap) signal(name string, broadcast bool) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.waiters[name]
	n := len(list)
	if !broadcast && n > 1 {
		n = 1
	}
	for _, ch := range list[:n] {
		close(ch)
	}
	if n == len(list) {
		delete(m.waiters, name)
	} else {
		m.waiters[name] = list[n:]
	}
	return n
}
