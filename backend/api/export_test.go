package api

import (
	"errors"
	"io"
	"time"
)

// CountStreamDeltas parses a whole SSE chat stream (for the benchmark).
func CountStreamDeltas(r io.Reader) (int, error) {
	s := &ChatStream{sse: newSSEReader(r), body: io.NopCloser(r)}
	n := 0
	for {
		_, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// Timeouts lets tests shrink the client's time limits (0 keeps a value).
type Timeouts struct{ Image, Text, Video, VideoTotal, SlowDown time.Duration }

// SetTimeouts changes c's limits; call it before using c.
func SetTimeouts(c *Client, t Timeouts) {
	set := func(dst *time.Duration, v time.Duration) {
		if v > 0 {
			*dst = v
		}
	}
	set(&c.tm.image, t.Image)
	set(&c.tm.text, t.Text)
	set(&c.tm.video, t.Video)
	set(&c.tm.videoTotal, t.VideoTotal)
	set(&c.tm.slowDown, t.SlowDown)
}
