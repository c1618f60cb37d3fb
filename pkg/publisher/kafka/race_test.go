//go:build race

package kafka

// raceEnabled scales down the throughput run under the race detector (5-10x slower).
const raceEnabled = true
