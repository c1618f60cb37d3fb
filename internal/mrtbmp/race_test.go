//go:build race

package mrtbmp

// raceEnabled limits the route-views comparison to a few peers under the race detector
// (5-10x slower).
const raceEnabled = true
