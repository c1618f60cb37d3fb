package server

import (
	"net"

	"golang.org/x/sys/unix"
)

// unreadBytes returns the number of bytes received on c that were not read yet
// (SIOCINQ).
func unreadBytes(c *net.TCPConn) (int, bool) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, false
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCINQ) }); err != nil || ierr != nil {
		return 0, false
	}
	return n, true
}
