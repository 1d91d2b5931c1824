//go:build !unix

package cli

import "time"

// cpuTime is not measured where getrusage does not exist (Windows): the playback test then
// reports latency alone.
func cpuTime() time.Duration { return 0 }
