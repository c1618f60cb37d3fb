//go:build !linux

package server

import "net"

// unreadBytes is not available on this platform: shutdown stops at the bytes already
// read.
func unreadBytes(*net.TCPConn) (int, bool) { return 0, false }
