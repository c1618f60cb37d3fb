// Package publisher owns the path from router sessions to the sinks: the Publisher
// interface sessions publish batches to, a bounded queue per sink with a declared policy
// for a full queue (block, which pushes TCP backpressure back to the routers, or drop,
// which counts every dropped record), and the fan-out to several sinks. Sinks themselves
// live in sub-packages (file, …) and see one batch at a time from one goroutine.
package publisher

import (
	"context"
	"errors"
	"fmt"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// Publisher receives the batches of every router session. Publish takes over the caller's
// reference to b. Batches of one session are published from one goroutine, in order, and
// every implementation keeps that order. Close drains what was accepted and closes.
type Publisher interface {
	Publish(ctx context.Context, b *record.Batch) error
	Close() error
}

// Sink writes batches somewhere. Its methods are called from a single goroutine.
type Sink interface {
	// Name identifies the sink in logs and metrics ("file", "console", "kafka", …).
	Name() string
	// Write delivers every record of b (it must not keep b after returning). An error means
	// the records of b that were not delivered are lost; return how many were lost through
	// a *LossError when it is not all of them.
	Write(b *record.Batch) error
	// Flush pushes buffered output; the queue calls it whenever it has nothing to do.
	Flush() error
	Close() error
}

// Needer is implemented by sinks that read other encodings than JSON (Batch.Proto,
// Batch.Value) or no JSON at all. A sink without it needs record.EncJSON.
type Needer interface {
	Needs() record.Encodings
}

// Needs returns the encodings p needs: the sink's own (Needer) for a sink or a Queue, the
// union for a Fanout, record.EncJSON otherwise. The collector computes it once, before
// sessions start, and every batch carries exactly those encodings.
func Needs(p any) record.Encodings {
	if n, ok := p.(Needer); ok {
		if e := n.Needs(); e != 0 {
			return e
		}
	}
	return record.EncJSON
}

// Pender is implemented by a sink that keeps records after Write returned (to batch them
// into larger writes): Pending is how many it accepted and has not delivered (or counted
// lost) yet. A shutdown that gives up counts them as undelivered.
type Pender interface {
	Pending() uint64
}

// LossError reports how many records of a batch a sink could not deliver.
type LossError struct {
	Records int
	Err     error
}

func (e *LossError) Error() string { return fmt.Sprintf("%d records lost: %v", e.Records, e.Err) }
func (e *LossError) Unwrap() error { return e.Err }

// Policy says what a full queue does.
type Policy int

const (
	// Block makes Publish wait for room: the session stops reading from its router.
	Block Policy = iota
	// Drop makes Publish drop the batch and count its records.
	Drop
)

func (p Policy) String() string {
	if p == Drop {
		return "drop"
	}
	return "block"
}

// ParsePolicy parses "block" or "drop".
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "block", "":
		return Block, nil
	case "drop":
		return Drop, nil
	}
	return Block, fmt.Errorf("unknown queue policy %q (want block or drop)", s)
}

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("publisher: closed")

// Fanout publishes every batch to several publishers (each normally a Queue), so that a
// slow sink only holds back the others when its own queue is full and its policy is Block.
type Fanout []Publisher

func (f Fanout) Publish(ctx context.Context, b *record.Batch) error {
	if len(f) == 0 {
		b.Release()
		return nil
	}
	if len(f) > 1 {
		b.Retain(len(f) - 1)
	}
	var errs []error
	for _, p := range f {
		if err := p.Publish(ctx, b); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Needs is the union of the needs of f's publishers.
func (f Fanout) Needs() record.Encodings {
	var e record.Encodings
	for _, p := range f {
		e |= Needs(p)
	}
	if e == 0 {
		e = record.EncJSON
	}
	return e
}

func (f Fanout) Close() error {
	var errs []error
	for _, p := range f {
		if err := p.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
