//go:build !unix

package audio

import "time"

// cpuTime is not measured where getrusage does not exist (Windows): the streaming figures then
// have a CPU share of 0.
func cpuTime() time.Duration { return 0 }
