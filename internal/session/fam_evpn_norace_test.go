//go:build !race

package session

const evpnRace = false
