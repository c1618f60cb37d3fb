//go:build race

package session

// vpnRace: under the race detector sync.Pool drops items at random, so allocation counts
// of a whole session (batches come from a pool) are not meaningful.
const vpnRace = true
