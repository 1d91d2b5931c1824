package api

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxSSELine bounds one SSE line (a chunk with a large tool call or an image data URI);
// maxSSEEvent bounds one event, all its data lines together: a server that never sends the
// blank line that ends an event must not grow it without end.
const (
	maxSSELine  = 8 << 20
	maxSSEEvent = 16 << 20
)

// sseReader reads Server-Sent Events: "data:" lines joined into events, comments (keep-alives)
// and other fields skipped.
type sseReader struct {
	r *bufio.Reader
}

func newSSEReader(r io.Reader) *sseReader { return &sseReader{r: bufio.NewReaderSize(r, 64<<10)} }

// ErrSSELineTooLong and ErrSSEEventTooLarge are wrapped in a KindTooLarge *Error when a line
// or an event of a stream passes its bound.
var (
	ErrSSELineTooLong   = errors.New("an event line is too long")
	ErrSSEEventTooLarge = errors.New("an event is too large")
)

func sseTooLarge(err error, limit int) *Error {
	return &Error{Kind: KindTooLarge, Message: fmt.Sprintf("the stream sent %s (over %d MB)", err, limit>>20), Err: err}
}

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
		if len(data)+1+len(value) > maxSSEEvent {
			return nil, sseTooLarge(ErrSSEEventTooLarge, maxSSEEvent)
		}
		if have {
			data = append(data, '\n')
		}
		data = append(data, value...)
		have = true
	}
}

// readLine returns one line without its terminator (\n or \r\n). The common case, a line
// that fits the buffer, is returned without a copy: it stays valid until the next read, and
// Next copies what it keeps.
func (s *sseReader) readLine() ([]byte, error) {
	frag, err := s.r.ReadSlice('\n')
	if err == nil {
		return bytes.TrimRight(frag, "\r\n"), nil
	}
	line := append([]byte(nil), frag...)
	for err == bufio.ErrBufferFull && len(line) <= maxSSELine {
		frag, err = s.r.ReadSlice('\n')
		line = append(line, frag...)
	}
	if len(line) > maxSSELine {
		return nil, sseTooLarge(ErrSSELineTooLong, maxSSELine)
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			return line, io.ErrUnexpectedEOF // a final line without its newline: cut short
		}
		return line, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}
