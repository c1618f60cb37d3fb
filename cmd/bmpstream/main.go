// Command bmpstream is a BGP Monitoring Protocol (RFC 7854) collector: it accepts BMP
// sessions from routers and publishes every event as a JSON record. See internal/app.
package main

import (
	"os"

	"github.com/bmpstream/bmpstream/internal/app"
)

func main() { os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr)) }
