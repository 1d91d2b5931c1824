package api

import (
	"errors"
	"io"
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
