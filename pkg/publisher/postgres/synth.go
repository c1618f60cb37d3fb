package postgres

import "github.com/bmpstream/bmpstream/pkg/record"

// synthesized tells whether a Peer Down was made up by the collector at the end of a
// router session rather than received from the router.
func synthesized(p *record.Peer) bool { return p.Synthesized }

// sessionEndText describes a collector-made down or term record ("session ended: eof"),
// for the reason text columns; "" for the router's own records.
func sessionEndText(synth bool, endReason string) string {
	if !synth {
		return ""
	}
	if endReason == "" {
		return "session ended"
	}
	return "session ended: " + endReason
}
