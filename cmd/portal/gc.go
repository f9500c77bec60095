package main

import (
	"runtime/debug"
)

// The collector's defaults for a server process. Under load a page's
// requests allocate about as much as the live heap (40 MB) many times a
// second, and with Go's default (GOGC=100) a fifth of the CPU went to the
// collector; collecting at four times the live heap instead, bounded by a
// soft limit well under the 300 MB the server is held to, gives that CPU
// back to requests. GOGC and GOMEMLIMIT in the environment win.
const (
	serverGCPercent   = 400
	serverMemoryLimit = 160 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serverMemoryLimit)
	}
}
