//go:build race

package session

// evpnRace: the race detector makes sync.Pool drop items at random, so allocation counts
// of the EVPN handler are not meaningful.
const evpnRace = true
