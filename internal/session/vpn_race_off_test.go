//go:build !race

package session

const vpnRace = false
