package api

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxSSELine bounds one SSE line (a chunk with a large tool call or an image data URI).
const maxSSELine = 8 << 20

// sseReader reads Server-Sent Events: "data:" lines joined into events, comments (keep-alives)
// and other fields skipped.
type sseReader struct {
	r *bufio.Reader
}

func newSSEReader(r io.Reader) *sseReader { return &sseReader{r: bufio.NewReaderSize(r, 64<<10)} }

// errSSELineTooLong reports a line over maxSSELine.
var errSSELineTooLong = errors.New("an event line is too long")

// Next returns the data of the next event, or io.EOF when the stream ends cleanly between
// events. An event cut in the middle gives io.ErrUnexpectedEOF.
func (s *sseReader) Next() ([]byte, error) {
	var data []byte
	have := false
	for {
		line, err := s.readLine()
		if err != nil {
			if err == io.EOF && have {
				// The last event had no blank line after it: deliver it.
				return data, nil
			}
			if err == io.EOF && len(line) == 0 {
				return nil, io.EOF
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if len(line) == 0 {
			if have {
				return data, nil
			}
			continue
		}
		if line[0] == ':' {
			continue // a comment: keep-alive
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if string(field) != "data" {
			continue // event:, id:, retry:
		}
		if have {
			data = append(data, '\n')
		}
		data = append(data, value...)
		have = true
	}
}

// readLine returns one line without its terminator (\n, \r\n or \r).
func (s *sseReader) readLine() ([]byte, error) {
	var line []byte
	for {
		frag, err := s.r.ReadSlice('\n')
		line = append(line, frag...)
		if len(line) > maxSSELine {
			return nil, errSSELineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if len(line) > 0 && err == io.EOF {
				// A final line without a newline is an incomplete line.
				return line, io.ErrUnexpectedEOF
			}
			return line, err
		}
		break
	}
	line = bytes.TrimRight(line, "\r\n")
	return line, nil
}
