package postgres

import "github.com/bmpstream/bmpstream/pkg/record"

// synthesized tells whether a Peer Down was made up by the collector at the end of a
// router session rather than received from the router.
func synthesized(p *record.Peer) bool {
	_ = p
	return false
}
