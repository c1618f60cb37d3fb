// Package buildinfo names the version of the running binary, for --version and the
// bmpstream_build_info metric of every command: the version stamped at link time
// (make build: -ldflags "-X github.com/bmpstream/bmpstream/internal/buildinfo.Version=…",
// from git describe), else the module version or the VCS revision that go build recorded,
// else "(devel)".
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Version is set at link time; empty in a plain go build or go run.
var Version string

// String returns the version of the running binary (see the package documentation).
func String() string {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Version, bi)
}

func resolve(stamped string, bi *debug.BuildInfo) string {
	if stamped != "" {
		return stamped
	}
	if bi == nil {
		return "(devel)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "(devel)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "devel-" + strings.TrimSpace(rev)
}
