package guard

import (
	"strconv"
	"sync"
	"time"
)

// logLimiter lets one log line per key through per interval and counts the others. It
// keeps at most max keys: when full, keys idle for an interval are forgotten, and while it
// is still full, new keys share one overflow entry.
type logLimiter struct {
	interval time.Duration
	max      int
	mu       sync.Mutex
	m        map[string]*logEntry
}

type logEntry struct {
	last       time.Time
	suppressed int
}

const overflowKey = "*"

func newLogLimiter(interval time.Duration, max int) *logLimiter {
	return &logLimiter{interval: interval, max: max, m: make(map[string]*logEntry)}
}

// allow reports whether a line for key may be logged at now; when it may, suffix is
// " suppressed=N" if N lines were held back since the last one (else empty).
func (l *logLimiter) allow(key string, now time.Time) (suffix string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[key]
	if e == nil {
		if len(l.m) >= l.max {
			for k, old := range l.m {
				if now.Sub(old.last) >= l.interval && k != overflowKey {
					delete(l.m, k)
				}
			}
		}
		if len(l.m) >= l.max {
			key = overflowKey
			e = l.m[key]
		}
		if e == nil {
			l.m[key] = &logEntry{last: now}
			return "", true
		}
	}
	if now.Sub(e.last) < l.interval {
		e.suppressed++
		return "", false
	}
	if e.suppressed > 0 {
		suffix = " suppressed=" + strconv.Itoa(e.suppressed)
	}
	e.last, e.suppressed = now, 0
	return suffix, true
}
