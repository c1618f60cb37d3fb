package session

import (
	"sort"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// How a session ended, for the end_reason of the records End synthesizes.
const (
	EndEOF          = "eof"            // the router closed the connection cleanly
	EndReset        = "reset"          // the connection was reset (ECONNRESET)
	EndTimeout      = "timeout"        // nothing received for --read-timeout
	EndShutdown     = "shutdown"       // the collector stopped
	EndFramingError = "framing_error"  // torn message, bad version, bad or too large length
	EndReadError    = "read_error"     // any other read error
	EndOutputError  = "output_error"   // the output failed (the records may not get out)
	EndTooManyPeers = "too_many_peers" // the router named more peers than Config.MaxPeers
	// EndTermination is the end_reason of the peer down records synthesized after a
	// Termination message.
	EndTermination = "termination"
)

// End finishes the session when its connection is gone (reason: one of the End*
// constants). Consumers then see a down for every up: when the router sent no Termination
// message, End appends a synthesized "down" peer record for every peer still up (in the
// order they came up) and a synthesized router "term" record with the reason. A session
// that handled no message at all (a connection that sent nothing) gets nothing. Flush
// afterwards. Calling End again does nothing.
func (s *Session) End(reason string, now time.Time) {
	if s.ended {
		return
	}
	s.ended = true
	if s.terminated || s.MessagesDecoded == 0 {
		return
	}
	if s.batch == nil {
		s.newBatch()
	}
	n := s.downAll(reason, now)
	r := &record.Router{
		Head:               record.Head{Action: record.ActionTerm, Sequence: s.nextSeq()},
		RouterFields:       s.router,
		RouterPort:         s.remote.Port(),
		BMPVersion:         s.msg.Header.Version,
		CollectorTimestamp: now,
		Synthesized:        true,
		EndReason:          reason,
	}
	glog.Infof("router=%s event=session_end_without_termination reason=%s peers_down_synthesized=%d", s.id, reason, n)
	s.add(r, record.TypeRouter, s.router.RouterIP.Is4(), record.MD5{})
}

// downAll appends a synthesized peer "down" record for every peer still up, in the order
// they came up, forgets them, and returns how many there were.
func (s *Session) downAll(reason string, now time.Time) int {
	var up []*peerState
	for _, p := range s.peers {
		if p.up {
			up = append(up, p)
		}
	}
	sort.Slice(up, func(i, j int) bool { return up[i].upSeq < up[j].upSeq })
	for _, p := range up {
		h := &p.hdr
		var r record.Peer
		s.peerRecord(&r, h, p, false)
		r.Timestamp, r.CollectorTimestamp = time.Time{}, now
		r.Synthesized, r.EndReason = true, reason
		r.TableName = p.tableName
		s.add(&r, record.TypePeer, r.IsIPv4, p.hash)
		delete(s.peers, keyOf(h))
	}
	return len(up)
}

// PeersUp returns the number of peers up in the session.
func (s *Session) PeersUp() int {
	n := 0
	for _, p := range s.peers {
		if p.up {
			n++
		}
	}
	return n
}
