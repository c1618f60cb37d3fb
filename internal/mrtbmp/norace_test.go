//go:build !race

package mrtbmp

const raceEnabled = false
