// Package audio is sound in and out: a streaming player (MP3, WAV, raw PCM) and a WAV recorder
// on miniaudio through malgo, and the helpers the library needs (duration, waveform, repair of a
// recording cut short). It imports nothing else of the app.
package audio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	mp3 "github.com/hajimehoshi/go-mp3"

	"pollinations-studio/internal/wav"
)

// Format is an audio container or encoding.
type Format int

// The formats.
const (
	FormatAuto Format = iota
	FormatWAV
	FormatMP3
	FormatPCM // raw signed 16-bit little-endian, 24 kHz mono (what TTS "pcm" means)
)

// FormatFromName maps "mp3", "wav", "pcm" (or a MIME type) to a Format; anything else is Auto.
func FormatFromName(s string) Format {
	s = strings.ToLower(strings.TrimPrefix(s, "."))
	switch {
	case s == "mp3" || s == "mpga" || s == "mpeg" || s == "audio/mpeg":
		return FormatMP3
	case s == "wav" || s == "wave" || strings.Contains(s, "wav"):
		return FormatWAV
	case s == "pcm" || s == "audio/pcm" || s == "s16le":
		return FormatPCM
	}
	return FormatAuto
}

func (f Format) String() string {
	return [...]string{"auto", "wav", "mp3", "pcm"}[f]
}

// ErrUnsupported means the bytes are not audio this package can play.
var ErrUnsupported = errors.New("audio: not a supported format (MP3, WAV or raw PCM)")

// Stream is decoded audio: interleaved 16-bit samples.
type Stream interface {
	SampleRate() int
	Channels() int
	// ReadSamples fills p with interleaved samples; io.EOF at the end.
	ReadSamples(p []int16) (int, error)
	// Frames is the total length in frames, or -1 if unknown (a stream still downloading).
	Frames() int64
}

// Decode opens a stream of audio. With FormatAuto the first bytes decide. A reader that can
// seek (a file) gives MP3s a known length; any other reader is read only forwards, as it arrives.
func Decode(r io.Reader, hint Format) (Stream, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if s, ok, err := decodeSeekable(rs, hint); ok {
			return s, err
		}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if hint == FormatAuto {
		head, _ := br.Peek(12)
		if hint = sniffFormat(head); hint == FormatAuto {
			return nil, ErrUnsupported
		}
	}
	switch hint {
	case FormatWAV:
		return decodeWAV(br)
	case FormatMP3:
		return decodeMP3(&limitedReader{r: br, n: maxMP3Bytes})
	case FormatPCM:
		return NewPCMStream(br, 24000, 1)
	}
	return nil, ErrUnsupported
}

// decodeSeekable opens MP3s straight on the seeker, so go-mp3 measures their length and can
// seek; it declines (ok false) anything else, which is then read through a buffer.
func decodeSeekable(rs io.ReadSeeker, hint Format) (s Stream, ok bool, err error) {
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, false, nil
	}
	if hint == FormatAuto {
		var head [12]byte
		n, _ := io.ReadFull(rs, head[:])
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return nil, true, fmt.Errorf("audio: rewinding after the header: %w", err)
		}
		hint = sniffFormat(head[:n])
	}
	if hint != FormatMP3 {
		return nil, false, nil
	}
	s, err = decodeMP3(rs)
	return s, true, err
}

// NewPCMStream reads raw signed 16-bit little-endian PCM (interleaved when channels > 1), for
// TTS "pcm" output at rates other than the 24 kHz mono that FormatPCM assumes.
func NewPCMStream(r io.Reader, rate, channels int) (Stream, error) {
	if rate < 1000 || rate > 384000 || channels < 1 || channels > 8 {
		return nil, fmt.Errorf("audio: raw PCM with %d channels at %d Hz is not supported", channels, rate)
	}
	return &pcmStream{r: r, rate: rate, channels: channels, bits: 16, frames: -1, remain: -1}, nil
}

// pcmStream reads integer or float PCM and converts it to int16.
type pcmStream struct {
	r        io.Reader
	rate     int
	channels int
	bits     int
	float    bool
	frames   int64
	remain   int64 // bytes left in the data chunk, -1 = until EOF
	buf      []byte
}

func (s *pcmStream) SampleRate() int { return s.rate }
func (s *pcmStream) Channels() int   { return s.channels }
func (s *pcmStream) Frames() int64   { return s.frames }

func (s *pcmStream) ReadSamples(p []int16) (int, error) {
	bps := s.bits / 8
	want := len(p) * bps
	if s.remain >= 0 && int64(want) > s.remain {
		want = int(s.remain) / bps * bps
	}
	if want == 0 {
		return 0, io.EOF
	}
	if cap(s.buf) < want {
		s.buf = make([]byte, want)
	}
	b := s.buf[:want]
	n, err := io.ReadAtLeast(s.r, b, bps)
	n = n / bps * bps
	if s.remain >= 0 {
		s.remain -= int64(n)
	}
	for i := 0; i < n/bps; i++ {
		o := i * bps
		switch {
		case s.float && bps == 4:
			f := math.Float32frombits(binary.LittleEndian.Uint32(b[o:]))
			p[i] = floatToS16(float64(f))
		case bps == 2:
			p[i] = int16(binary.LittleEndian.Uint16(b[o:]))
		case bps == 3:
			p[i] = int16(uint16(b[o+1]) | uint16(b[o+2])<<8)
		case bps == 4:
			p[i] = int16(binary.LittleEndian.Uint32(b[o:]) >> 16)
		case bps == 1:
			p[i] = int16(int(b[o])-128) << 8
		}
	}
	if err == io.ErrUnexpectedEOF || (err == io.EOF && n > 0) {
		err = nil
	}
	if n == 0 && err == nil {
		err = io.EOF
	}
	return n / bps, err
}

func floatToS16(f float64) int16 {
	if math.IsNaN(f) {
		return 0
	}
	f = math.Max(-1, math.Min(1, f))
	return int16(f * 32767)
}

func decodeWAV(r io.Reader) (Stream, error) {
	h, err := wav.ReadHeader(r)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	s := &pcmStream{r: r, frames: -1, remain: -1, channels: h.Channels(), rate: h.SampleRate(), bits: h.Bits()}
	switch tag := h.Format(); {
	case tag == wav.FormatPCM && (s.bits == 8 || s.bits == 16 || s.bits == 24 || s.bits == 32):
	case tag == wav.FormatFloat && s.bits == 32:
		s.float = true
	default:
		return nil, fmt.Errorf("audio: WAV encoding %d with %d bits is not supported", tag, s.bits)
	}
	if s.channels < 1 || s.channels > 8 || s.rate < 1000 || s.rate > 384000 {
		return nil, fmt.Errorf("audio: WAV with %d channels at %d Hz is not supported", s.channels, s.rate)
	}
	if h.DataSize != wav.UnknownSize {
		s.remain = h.DataSize
		s.frames = h.DataSize / int64(s.bits/8*s.channels)
	}
	return s, nil
}

type mp3Stream struct {
	d   *mp3.Decoder
	buf []byte
}

// maxMP3Bytes bounds what go-mp3 may read from a stream looking for frames in junk.
const maxMP3Bytes = 2 << 30

// decodeMP3 opens an MP3; r is a bounded stream or a seekable file.
func decodeMP3(r io.Reader) (s Stream, err error) {
	defer func() {
		// go-mp3 panics on some corrupt headers (found by FuzzDecodeMP3): an error, not a crash.
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("audio: damaged MP3: %v", p)
		}
	}()
	d, err := mp3.NewDecoder(r)
	if err != nil {
		return nil, fmt.Errorf("audio: not a playable MP3: %w", err)
	}
	if d.SampleRate() <= 0 {
		return nil, errors.New("audio: MP3 without a sample rate")
	}
	return &mp3Stream{d: d}, nil
}

func (s *mp3Stream) SampleRate() int { return s.d.SampleRate() }
func (s *mp3Stream) Channels() int   { return 2 } // go-mp3 always decodes to stereo
func (s *mp3Stream) Frames() int64 {
	if n := s.d.Length(); n > 0 {
		return n / 4
	}
	return -1
}

// seekFrame jumps to a frame; only MP3s opened on a seekable source can.
func (s *mp3Stream) seekFrame(f int64) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("audio: damaged MP3: %v", p)
		}
	}()
	if s.d.Length() < 0 {
		return ErrNotSeekable
	}
	_, err = s.d.Seek(f*4, io.SeekStart)
	return err
}

func (s *mp3Stream) ReadSamples(p []int16) (n int, err error) {
	defer func() {
		// go-mp3 can panic on some corrupt frames: a damaged file is an error, not a crash.
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("audio: damaged MP3: %v", r)
		}
	}()
	want := len(p) * 2
	if cap(s.buf) < want {
		s.buf = make([]byte, want)
	}
	b := s.buf[:want]
	got, err := io.ReadAtLeast(s.d, b, 2)
	got = got / 2 * 2
	for i := 0; i < got/2; i++ {
		p[i] = int16(binary.LittleEndian.Uint16(b[i*2:]))
	}
	if err == io.ErrUnexpectedEOF || (err == io.EOF && got > 0) {
		err = nil
	}
	return got / 2, err
}

type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("audio: file too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// Info describes an audio file.
type Info struct {
	Format     Format
	SampleRate int
	Channels   int
	Duration   float64 // seconds
}

// ProbeReader reads a whole stream to measure it (for files whose header says nothing).
func ProbeReader(r io.Reader, hint Format) (Info, error) {
	s, err := Decode(r, hint)
	if err != nil {
		return Info{}, err
	}
	info := Info{SampleRate: s.SampleRate(), Channels: s.Channels()}
	switch {
	case hint == FormatPCM:
		info.Format = FormatPCM
	case isMP3(s):
		info.Format = FormatMP3
	default:
		info.Format = FormatWAV
	}
	if f := s.Frames(); f >= 0 {
		info.Duration = float64(f) / float64(s.SampleRate())
		return info, nil
	}
	buf := make([]int16, 8192)
	var total int64
	for {
		n, err := s.ReadSamples(buf)
		total += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, err
		}
	}
	info.Duration = float64(total/int64(s.Channels())) / float64(s.SampleRate())
	return info, nil
}

func isMP3(s Stream) bool { _, ok := s.(*mp3Stream); return ok }

// peaks decodes a stream and returns n peak levels (0..1) spread over its length.
func peaks(s Stream, n int) ([]float64, error) {
	var all []float64 // one peak per 10 ms block, then folded to n
	block := s.SampleRate() / 100 * s.Channels()
	if block < 1 {
		block = 1
	}
	buf := make([]int16, block)
	for {
		got, err := s.ReadSamples(buf)
		if got > 0 {
			pk := 0
			for _, v := range buf[:got] {
				a := int(v)
				if a < 0 {
					a = -a
				}
				pk = max(pk, a)
			}
			all = append(all, float64(pk)/32768)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	out := make([]float64, n)
	if len(all) == 0 {
		return out, nil
	}
	for i := range out {
		lo, hi := i*len(all)/n, (i+1)*len(all)/n
		if hi <= lo {
			hi = lo + 1
		}
		for _, v := range all[lo:min(hi, len(all))] {
			out[i] = math.Max(out[i], v)
		}
	}
	return out, nil
}

// sniffFormat looks at the first bytes.
func sniffFormat(head []byte) Format {
	switch {
	case len(head) >= 12 && bytes.Equal(head[0:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WAVE")):
		return FormatWAV
	case len(head) >= 3 && (bytes.Equal(head[0:3], []byte("ID3")) || (head[0] == 0xFF && head[1]&0xE0 == 0xE0)):
		return FormatMP3
	}
	return FormatAuto
}
