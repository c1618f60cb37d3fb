package nats

import (
	"context"
	"errors"
	"fmt"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// notConnected rewords the error nats.go gives for a publish while disconnected (the
// JetStream connection has no reconnect buffer).
func notConnected(err error) error {
	if errors.Is(err, natsgo.ErrReconnectBufExceeded) {
		return fmt.Errorf("nats: not connected (%w)", err)
	}
	return err
}

// permanent reports errors that no retry can fix.
func permanent(err error) bool {
	return errors.Is(err, natsgo.ErrMaxPayload) || errors.Is(err, natsgo.ErrBadSubject)
}

// writeJetStream publishes every record of b and waits for all the acks. Failed records
// are published again, in batch order, until they are acknowledged or the retry budget
// is spent.
func (s *Sink) writeJetStream(b *record.Batch) error {
	n := b.Len()
	if cap(s.state) < n {
		s.state = make([]uint8, n)
	}
	s.state = s.state[:n]
	clear(s.state)
	var lastErr error
	lostNow := 0 // records failed for good (permanent errors)
	for round := 0; ; round++ {
		if round > 0 {
			for i, st := range s.state {
				if st == recFailed {
					s.state[i] = recPending
				}
			}
		}
		var failed, acked int
		var err error
		if s.streamReady.Load() {
			failed, acked, lostNow, err = s.publishRound(b, lostNow)
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), s.opts.AckTimeout)
			err = s.ensureStream(ctx)
			cancel()
			if err == nil {
				failed, acked, lostNow, err = s.publishRound(b, lostNow)
			} else {
				for i, st := range s.state {
					if st == recPending {
						s.state[i] = recFailed
						failed++
					}
				}
			}
		}
		if err != nil {
			lastErr = notConnected(err)
		}
		if round > 0 {
			s.stats.Retried.Add(uint64(failed + acked))
		}
		if failed == 0 {
			s.failingSince = time.Time{}
			break
		}
		if acked > 0 || s.failingSince.IsZero() {
			s.failingSince = time.Now() // the outage clock restarts on any progress
		}
		s.logf("sink=nats event=publish_failed stream=%s records=%d err=%q", s.opts.Stream, failed, errString(lastErr))
		if !s.waitRetry() {
			lostNow += failed
			break
		}
	}
	if lostNow > 0 {
		s.stats.Lost.Add(uint64(lostNow))
		return &publisher.LossError{Records: lostNow, Err: lastErr}
	}
	return nil
}

// publishRound publishes the pending records of b with at most Window in flight and
// waits for every ack. It returns how many failed (retryable) and how many were
// acknowledged, with lost updated for records that failed for good.
func (s *Sink) publishRound(b *record.Batch, lost int) (failed, acked, lostOut int, lastErr error) {
	w := len(s.slots)
	head, count := 0, 0
	resolve := func() {
		sl := &s.slots[head]
		select {
		case ack := <-sl.paf.Ok():
			s.state[sl.idx] = recDone
			acked++
			s.stats.Published.Add(1)
			if ack.Duplicate {
				s.stats.Duplicates.Add(1)
			}
		case err := <-sl.paf.Err():
			s.state[sl.idx] = recFailed
			failed++
			lastErr = err
			if errors.Is(err, jetstream.ErrNoStreamResponse) {
				s.streamReady.Store(false)
			}
		}
		sl.paf = nil
		sl.msg.Data = nil
		head = (head + 1) % w
		count--
	}
	for i := range s.state {
		if s.state[i] != recPending {
			continue
		}
		if count == w {
			resolve()
		}
		sl := &s.slots[(head+count)%w]
		sl.idx = i
		s.prepare(&sl.msg, &sl.vals, b, i)
		s.idBuf = MsgID(s.idBuf[:0], &b.Recs[i])
		sl.vals[2][0] = string(s.idBuf)
		sl.msg.Header[jetstream.MsgIDHeader] = sl.vals[2][:]
		paf, err := s.js.PublishMsgAsync(&sl.msg)
		if err != nil {
			lastErr = notConnected(err)
			if permanent(err) {
				s.state[i] = recDone
				lost++
			} else {
				s.state[i] = recFailed
				failed++
			}
			sl.msg.Data = nil
			continue
		}
		sl.paf = paf
		count++
	}
	for count > 0 {
		resolve()
	}
	return failed, acked, lost, lastErr
}

// waitRetry waits until the connection is up again. It returns false when the retry
// budget (Options.RetryTimeout, counted from the start of the outage) is spent or the
// connection is closed.
func (s *Sink) waitRetry() bool {
	var deadline time.Time
	if s.opts.RetryTimeout > 0 {
		deadline = s.failingSince.Add(s.opts.RetryTimeout)
	}
	pause := 50 * time.Millisecond
	for {
		if s.nc.IsClosed() {
			return false
		}
		now := time.Now()
		if !deadline.IsZero() && !now.Before(deadline) {
			return false
		}
		if s.nc.IsConnected() {
			// Give a just-restarted server a moment (its JetStream may still be recovering).
			time.Sleep(pause)
			return true
		}
		d := pause
		if !deadline.IsZero() && deadline.Sub(now) < d {
			d = deadline.Sub(now)
		}
		time.Sleep(d)
		pause = min(2*pause, time.Second)
	}
}
