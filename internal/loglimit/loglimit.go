// Package loglimit rate-limits log lines per key (a router address and an event, say):
// the first Burst lines of a key in each Interval pass, the others are counted and the
// count is appended to the next line that passes (" suppressed=N"), so a flood of
// connections or failures costs a few lines a minute, never silence about it.
package loglimit

import (
	"strconv"
	"sync"
	"time"
)

// Limiter decides which lines to log. It keeps at most MaxKeys keys: when full, keys
// whose window ended are forgotten, and while it is still full new keys share one
// overflow entry. It is safe for concurrent use.
type Limiter struct {
	interval time.Duration
	burst    int
	maxKeys  int
	mu       sync.Mutex
	m        map[string]*entry
}

type entry struct {
	start      time.Time // of the current window
	count      int       // lines logged in the window
	suppressed int       // lines held back since the last one logged
}

// Overflow is the key that stands for every new key while the limiter is full.
const Overflow = "*"

// New returns a limiter letting burst lines per key through per interval.
func New(interval time.Duration, burst, maxKeys int) *Limiter {
	return &Limiter{interval: interval, burst: max(burst, 1), maxKeys: max(maxKeys, 1), m: make(map[string]*entry)}
}

// Allow reports whether a line for key may be logged at now; when it may, suffix is
// " suppressed=N" if N lines of that key were held back since the last one (else empty).
func (l *Limiter) Allow(key string, now time.Time) (suffix string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[key]
	if e == nil {
		if len(l.m) >= l.maxKeys {
			for k, old := range l.m {
				if now.Sub(old.start) >= l.interval && old.suppressed == 0 && k != Overflow {
					delete(l.m, k)
				}
			}
		}
		if len(l.m) >= l.maxKeys {
			key = Overflow
			e = l.m[key]
		}
		if e == nil {
			e = &entry{start: now}
			l.m[key] = e
		}
	}
	if now.Sub(e.start) >= l.interval {
		e.start, e.count = now, 0
	}
	if e.count >= l.burst {
		e.suppressed++
		return "", false
	}
	e.count++
	if e.suppressed > 0 {
		suffix = " suppressed=" + strconv.Itoa(e.suppressed)
		e.suppressed = 0
	}
	return suffix, true
}
