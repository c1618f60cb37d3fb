package file

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// fullDisk is a regular file that accepts room more bytes and then fails like a full
// disk: a short write, then ENOSPC, until more room is given. Truncate frees room, as on
// a real file system.
type fullDisk struct {
	*os.File
	mu   sync.Mutex
	room int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(p) <= d.room {
		n, err := d.File.Write(p)
		d.room -= n
		return n, err
	}
	n, _ := d.File.Write(p[:d.room])
	d.room -= n
	return n, &os.PathError{Op: "write", Path: d.Name(), Err: syscall.ENOSPC}
}

func (d *fullDisk) Truncate(size int64) error {
	st, err := d.Stat()
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.room += int(st.Size() - size)
	d.mu.Unlock()
	return d.File.Truncate(size)
}

func (d *fullDisk) setRoom(n int) { d.mu.Lock(); d.room = n; d.mu.Unlock() }

// unicastBatch returns a batch of n unicast records numbered from first.
func unicastBatch(first, n int) *record.Batch {
	b := record.NewBatch()
	for i := 0; i < n; i++ {
		b.Add(&record.UnicastPrefix{Head: record.Head{Action: record.ActionAdd, Sequence: uint64(first + i)}},
			record.Meta{Type: record.TypeUnicastPrefix})
	}
	return b
}

// checkFile reads the file: every line complete, sequences 1..n in order; returns n.
func checkFile(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("file ends with a torn line: …%q", data[max(0, len(data)-40):])
	}
	n := 0
	for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		n++
		if !bytes.Contains(l, []byte(fmt.Sprintf(`"sequence":%d,`, n))) {
			t.Fatalf("line %d: %s", n, l)
		}
	}
	return n
}

// TestDiskFullRecovers: the disk fills up mid-record; the sink cuts the torn record off,
// reports not ready, retries — holding the queue, so the publisher blocks — and once room
// is freed writes everything, in order, nothing counted as failed.
func TestDiskFullRecovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	disk := &fullDisk{File: f, room: 50000}
	s := New("file", disk, Options{})
	s.RetryMin, s.RetryMax = 5*time.Millisecond, 20*time.Millisecond
	q := publisher.NewQueue(s, 2, publisher.Block)
	const batches, per = 200, 100
	published := make(chan struct{})
	go func() {
		defer close(published)
		for i := 0; i < batches; i++ {
			if err := q.Publish(t.Context(), unicastBatch(i*per+1, per)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for s.Ready() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the sink never reported the failure")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // retries happen
	select {
	case <-published:
		t.Fatal("every batch was accepted while the disk was full: no backpressure")
	default:
	}
	if n := checkFile(t, path); n == 0 || n > 50000/100 {
		t.Fatalf("%d records in the file while full", n)
	}
	disk.setRoom(1 << 30)
	<-published
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(); err != nil {
		t.Fatalf("still not ready after recovery: %v", err)
	}
	if n := checkFile(t, path); n != batches*per {
		t.Fatalf("%d records in the file, want %d", n, batches*per)
	}
	if q.Stats.Failed.Load() != 0 || q.Stats.Dropped.Load() != 0 {
		t.Fatalf("failed %d dropped %d", q.Stats.Failed.Load(), q.Stats.Dropped.Load())
	}
}

// TestDiskFullGivesUpAtDeadline: when the disk stays full until the deadline, the records
// not written are counted as failed — exactly those missing from the file — and the file
// holds no torn line.
func TestDiskFullGivesUpAtDeadline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	disk := &fullDisk{File: f, room: 1 << 30}
	s := New("file", disk, Options{})
	s.RetryMin, s.RetryMax = 5*time.Millisecond, 20*time.Millisecond
	q := publisher.NewQueue(s, 4, publisher.Block)
	const batches, per = 30, 100
	for i := 0; i < batches; i++ {
		if i == 10 {
			// Let the first batches reach the file, then fill the disk mid-record.
			for q.Stats.Records.Load() < 10*per {
				time.Sleep(time.Millisecond)
			}
			disk.setRoom(12345)
			s.SetDeadline(time.Now().Add(300 * time.Millisecond)) // the shutdown deadline
		}
		if err := q.Publish(t.Context(), unicastBatch(i*per+1, per)); err != nil {
			t.Fatal(err)
		}
	}
	_ = q.Close()
	n := checkFile(t, path)
	failed := int(q.Stats.Failed.Load())
	if n+failed != batches*per || failed == 0 {
		t.Fatalf("%d records in the file + %d failed != %d", n, failed, batches*per)
	}
	if q.Stats.Records.Load()-q.Stats.Failed.Load() != uint64(n) {
		t.Fatalf("records written %d, file has %d", q.Stats.Records.Load()-q.Stats.Failed.Load(), n)
	}
}
