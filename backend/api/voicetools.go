package api

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path"
	"path/filepath"
	"strings"

	"pollinations-studio/internal/wav"
)

// The voice tools: the voice isolator, the voice changer (speech to speech) and stem
// separation. Each takes one uploaded audio or video file (multipart "file") and is billed per
// minute of that input.
const (
	// MaxVoiceToolBytes is the largest file the three routes take.
	MaxVoiceToolBytes = 50 << 20
	// MinIsolatorSeconds is the shortest audio the voice isolator takes.
	MinIsolatorSeconds = 4.6

	DefaultVoiceChangerModel = "elevenlabs/eleven-multilingual-sts-v2"
	// VoiceIsolatorModel and StemSeparationModel are the catalogue ids the routes bill under
	// [I]: the routes take no model field.
	VoiceIsolatorModel  = "elevenlabs/voice-isolator"
	StemSeparationModel = "elevenlabs/stem-separation"

	StemsTwo = "two_stems_v1"
	StemsSix = "six_stems_v1"
)

// Pollen per minute of input audio.
const (
	PricePerMinuteVoiceTool = 0.12 // isolator and changer
	PricePerMinuteStemsSix  = 0.30
	PricePerMinuteStemsTwo  = 0.15
)

// VoiceToolPerMinute is the price per input minute of a voice tool's model; variant is the
// stem variation for stem separation ("" means six stems, the route's default).
func VoiceToolPerMinute(model, variant string) (float64, bool) {
	switch {
	case model == StemSeparationModel || strings.Contains(model, "stem-separation"):
		if variant == StemsTwo {
			return PricePerMinuteStemsTwo, true
		}
		return PricePerMinuteStemsSix, true
	case model == VoiceIsolatorModel, strings.Contains(model, "voice-isolator"), strings.Contains(model, "-sts"):
		return PricePerMinuteVoiceTool, true
	}
	return 0, false
}

// Errors the voice tools refuse a file with before uploading it, wrapped in an *Error.
var (
	ErrAudioTooShort = errors.New("audio too short")
	ErrFileTooLarge  = errors.New("file too large")
	ErrNotAudio      = errors.New("not an audio or video file")
)

// VoiceToolExtensions are the audio and video formats the voice tools are sent.
var VoiceToolExtensions = []string{".mp3", ".mpga", ".mpeg", ".wav", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".webm", ".mp4", ".mov"}

// VoiceInput is what is known of a file before it is sent.
type VoiceInput struct {
	Size    int64
	Seconds float64 // 0 when not known
	Known   bool    // Seconds was measured (WAV, MP3)
	Video   bool
}

// CheckVoiceToolFile refuses, before anything is sent, a file the voice tools will not take:
// not audio or video, empty, over 50 MB, or (minSeconds > 0) measurably shorter than that.
// The length is measured for WAV (its header) and MP3 (its frame headers); other formats,
// video included, are checked for size only and the service refuses what is too short.
func CheckVoiceToolFile(p string, minSeconds float64) (VoiceInput, error) {
	base := filepath.Base(p)
	ext := strings.ToLower(filepath.Ext(p))
	notAudio := &Error{Kind: KindBadRequest, Err: ErrNotAudio,
		Message: base + " is not an audio or video file (mp3, wav, m4a, aac, ogg, opus, flac, webm, mp4 or mov)"}
	if !containsStr(VoiceToolExtensions, ext) {
		return VoiceInput{}, notAudio
	}
	st, err := os.Stat(p)
	if err != nil {
		return VoiceInput{}, &Error{Kind: KindBadRequest, Message: "cannot read the file: " + err.Error(), Err: err}
	}
	if st.IsDir() {
		return VoiceInput{}, notAudio
	}
	in := VoiceInput{Size: st.Size(), Video: ext == ".mp4" || ext == ".mov"}
	if st.Size() == 0 {
		return in, &Error{Kind: KindBadRequest, Err: ErrNotAudio, Message: base + " is empty"}
	}
	if st.Size() > MaxVoiceToolBytes {
		return in, &Error{Kind: KindTooLarge, Err: ErrFileTooLarge,
			Message: fmt.Sprintf("%s is %.1f MB; the voice tools take files up to %d MB", base, float64(st.Size())/(1<<20), MaxVoiceToolBytes>>20)}
	}
	secs, known, err := probeDuration(p, ext, st.Size())
	if err != nil {
		return in, &Error{Kind: KindBadRequest, Err: ErrNotAudio, Message: base + ": " + err.Error()}
	}
	in.Seconds, in.Known = secs, known
	if known && minSeconds > 0 && secs < minSeconds {
		return in, &Error{Kind: KindBadRequest, Err: ErrAudioTooShort,
			Message: fmt.Sprintf("%s is %.1f s long; the voice isolator needs at least %.1f s", base, secs, minSeconds)}
	}
	return in, nil
}

// probeDuration measures WAV and MP3 files; any other format is "unknown".
func probeDuration(p, ext string, size int64) (float64, bool, error) {
	switch ext {
	case ".wav", ".mp3", ".mpga", ".mpeg":
	default:
		return 0, false, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	if ext == ".wav" {
		h, err := wav.ReadHeader(bufio.NewReader(f))
		if err != nil {
			return 0, false, errors.New("not a readable WAV file")
		}
		data := h.DataSize
		if data == wav.UnknownSize {
			data = size - 44 // a stream's header: the samples run to the end
		}
		return float64(data) / float64(h.ByteRate()), true, nil
	}
	return mp3Seconds(f, size)
}

// mp3Seconds reads an MP3's length from its first frame: the Xing/Info frame count when there
// is one (VBR), else the size over the first frame's bit rate (CBR). A file with no frame in
// its first 64 KiB after the ID3 tag is not MP3.
func mp3Seconds(r io.ReaderAt, size int64) (float64, bool, error) {
	var start int64
	id3 := make([]byte, 10)
	if n, _ := r.ReadAt(id3, 0); n == 10 && string(id3[:3]) == "ID3" {
		tag := int64(id3[6]&0x7f)<<21 | int64(id3[7]&0x7f)<<14 | int64(id3[8]&0x7f)<<7 | int64(id3[9]&0x7f)
		start = 10 + tag
		if id3[5]&0x10 != 0 {
			start += 10 // a footer
		}
	}
	buf := make([]byte, 64<<10)
	n, _ := r.ReadAt(buf, start)
	buf = buf[:n]
	for i := 0; i+4 <= len(buf); i++ {
		fh, ok := parseMP3Header(buf[i:])
		if !ok {
			continue
		}
		frame := buf[i:]
		if x := fh.xingOffset(); len(frame) >= x+12 && (string(frame[x:x+4]) == "Xing" || string(frame[x:x+4]) == "Info") &&
			binary.BigEndian.Uint32(frame[x+4:x+8])&1 != 0 {
			frames := binary.BigEndian.Uint32(frame[x+8 : x+12])
			return float64(frames) * float64(fh.samples) / float64(fh.rate), true, nil
		}
		return float64(size-start-int64(i)) * 8 / float64(fh.bitrate), true, nil
	}
	return 0, false, errors.New("no MP3 audio frame found")
}

type mp3Header struct {
	mpeg1, mono            bool
	bitrate, rate, samples int
}

var (
	mp3Bitrates = [2][3][16]int{ // [mpeg1?][layer-1][index] in kbit/s
		{{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256}, {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}, {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}},
		{{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384}, {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}},
	}
	mp3Rates = [4][3]int{{11025, 12000, 8000}, {0, 0, 0}, {22050, 24000, 16000}, {44100, 48000, 32000}} // by version bits
)

// parseMP3Header reads a 4-byte MPEG audio frame header, refusing reserved values.
func parseMP3Header(b []byte) (mp3Header, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mp3Header{}, false
	}
	version, layerBits := (b[1]>>3)&3, (b[1]>>1)&3
	bri, sri := b[2]>>4, (b[2]>>2)&3
	if version == 1 || layerBits == 0 || bri == 0 || bri == 15 || sri == 3 {
		return mp3Header{}, false
	}
	layer := 4 - int(layerBits) // 1, 2 or 3
	mpeg1 := version == 3
	h := mp3Header{mpeg1: mpeg1, mono: b[3]>>6 == 3, rate: mp3Rates[version][sri]}
	h.bitrate = mp3Bitrates[b2i(mpeg1)][layer-1][bri] * 1000
	switch {
	case layer == 1:
		h.samples = 384
	case layer == 3 && !mpeg1:
		h.samples = 576
	default:
		h.samples = 1152
	}
	return h, h.bitrate > 0 && h.rate > 0
}

// xingOffset is where a Xing/Info tag sits in a Layer III frame: after the side information.
func (h mp3Header) xingOffset() int {
	switch {
	case h.mpeg1 && !h.mono:
		return 36
	case h.mpeg1, !h.mono:
		return 21
	}
	return 13
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fileForm makes a multipart body (text fields, then the file under fileField), streamed from
// disk afresh for each attempt: an upload is never read whole into memory.
func fileForm(boundary string, fields [][2]string, fileField, p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, &Error{Kind: KindBadRequest, Message: "cannot read the file: " + err.Error(), Err: err}
		}
		pr, pw := io.Pipe()
		go func() {
			defer f.Close()
			mw := multipart.NewWriter(pw)
			mw.SetBoundary(boundary)
			err := func() error {
				for _, kv := range fields {
					if kv[1] != "" {
						if err := mw.WriteField(kv[0], kv[1]); err != nil {
							return err
						}
					}
				}
				h := make(textproto.MIMEHeader)
				h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, fileField, filepath.Base(p)))
				h.Set("Content-Type", ContentTypeOf(p))
				w, err := mw.CreatePart(h)
				if err != nil {
					return err
				}
				if _, err := io.Copy(w, f); err != nil {
					return err
				}
				return mw.Close()
			}()
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
}

const voiceBoundary = "pollinations-studio-voice-boundary-7c1e"

// sendVoiceTool uploads a checked file to a voice tool route.
func (c *Client) sendVoiceTool(ctx context.Context, route, p string, fields [][2]string, r request) (*http.Response, error) {
	r.method, r.url, r.auth = http.MethodPost, endpoint(c.base, route, nil), true
	r.body = fileForm(voiceBoundary, fields, "file", p)
	r.contentType = "multipart/form-data; boundary=" + voiceBoundary
	return c.send(ctx, r)
}

// IsolateVoice removes everything but the voice from an audio or video file (at least 4.6 s,
// at most 50 MB, both checked before the upload) and returns the voice as MP3, streamed.
func (c *Client) IsolateVoice(ctx context.Context, p string) (*MediaStream, error) {
	if _, err := CheckVoiceToolFile(p, MinIsolatorSeconds); err != nil {
		return nil, err
	}
	resp, err := c.sendVoiceTool(ctx, "/v1/audio/voice-isolator", p, nil, request{headerTimeout: c.tm.video})
	if err != nil {
		return nil, err
	}
	return c.mediaStream(resp, VoiceIsolatorModel, "audio/")
}

// VoiceChangerFormats are the voice changer's response formats.
var VoiceChangerFormats = []string{"mp3", "opus", "aac", "wav", "pcm"}

// ChangeVoice says what is spoken in a file again in another voice. model "" is the default
// (elevenlabs/eleven-multilingual-sts-v2), format "" is mp3.
func (c *Client) ChangeVoice(ctx context.Context, p, voice, model, format string) (*MediaStream, error) {
	if strings.TrimSpace(voice) == "" {
		return nil, &Error{Kind: KindBadRequest, Message: "the voice changer needs a voice"}
	}
	if format != "" && !containsStr(VoiceChangerFormats, format) {
		return nil, &Error{Kind: KindBadRequest, Message: "the voice changer answers in mp3, opus, aac, wav or pcm, not " + format}
	}
	if _, err := CheckVoiceToolFile(p, 0); err != nil {
		return nil, err
	}
	if model == "" {
		model = DefaultVoiceChangerModel
	}
	fields := [][2]string{{"voice", voice}, {"model", model}, {"response_format", format}}
	resp, err := c.sendVoiceTool(ctx, "/v1/audio/voice-changer", p, fields, request{headerTimeout: c.tm.video})
	if err != nil {
		return nil, err
	}
	return c.mediaStream(resp, model, "audio/")
}

// Stem is one separated track, kept in a temporary file the caller removes.
type Stem struct {
	Name string // "vocals", "drums"… (the archive entry's base name without .mp3)
	Path string
	Size int64
}

// Bounds on the stems archive, which comes from the network and is treated as hostile.
const (
	maxStemEntries   = 16
	maxStemBytes     = 200 << 20
	maxStemsTotal    = 1 << 30
	maxStemZipBytes  = maxStemsTotal + 1<<20
	maxStemRatio     = 20 // MP3 hardly compresses: a higher ratio is a zip bomb
	stemRatioMinSize = 1 << 20
)

// SeparateStems splits music into stems (six, or two when two is set) and returns them as MP3
// files in a temporary folder, which the caller removes with RemoveStems.
func (c *Client) SeparateStems(ctx context.Context, p string, two bool) ([]Stem, Meta, error) {
	if _, err := CheckVoiceToolFile(p, 0); err != nil {
		return nil, Meta{}, err
	}
	variant := StemsSix
	if two {
		variant = StemsTwo
	}
	resp, err := c.sendVoiceTool(ctx, "/alpha/audio/stem-separation", p, [][2]string{{"stem_variation_id", variant}}, request{headerTimeout: c.tm.video})
	if err != nil {
		return nil, Meta{}, err
	}
	defer resp.Body.Close()
	meta := c.metaFrom(resp, StemSeparationModel, nil)
	meta.HostedURL = HostedLink(resp.Header)
	tmp, err := os.CreateTemp("", "stems-*.zip")
	if err != nil {
		return nil, meta, fmt.Errorf("keeping the stems: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, maxStemZipBytes+1))
	if err != nil {
		if e, ok := AsError(err); ok {
			return nil, meta, e
		}
		return nil, meta, &Error{Kind: KindIncomplete, Message: Redact(err.Error()), Err: err}
	}
	if n > maxStemZipBytes {
		return nil, meta, &Error{Kind: KindTooLarge, Message: "the stems archive is too large"}
	}
	if resp.ContentLength > 0 && n < resp.ContentLength {
		return nil, meta, &Error{Kind: KindIncomplete, Message: fmt.Sprintf("got %d of %d bytes", n, resp.ContentLength)}
	}
	meta.ContentType = "application/zip"
	stems, err := ReadStems(tmp, n)
	if err != nil {
		return nil, meta, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the stems could not be read: " + err.Error(), Err: err}
	}
	return stems, meta, nil
}

// ReadStems unpacks a stems archive into a new temporary folder, with bounds on everything a
// hostile archive could inflate: entries, sizes (declared and real), the compression ratio and
// the names (a base name of letters, digits, '-' and '_', ending in .mp3; other entries are
// skipped).
func ReadStems(r io.ReaderAt, size int64) ([]Stem, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a ZIP archive: %w", err)
	}
	if len(zr.File) > maxStemEntries {
		return nil, fmt.Errorf("the archive has %d entries; at most %d are read", len(zr.File), maxStemEntries)
	}
	dir, err := os.MkdirTemp("", "stems-")
	if err != nil {
		return nil, err
	}
	var out []Stem
	var total int64
	fail := func(err error) ([]Stem, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	for _, f := range zr.File {
		name, ok := stemName(f.Name)
		if !ok || f.FileInfo().IsDir() {
			continue
		}
		for _, s := range out {
			if s.Name == name {
				return fail(fmt.Errorf("the stem %q is in the archive twice", name))
			}
		}
		if f.UncompressedSize64 > maxStemBytes {
			return fail(fmt.Errorf("the stem %q is %d MB; at most %d MB is read", name, f.UncompressedSize64>>20, maxStemBytes>>20))
		}
		if f.UncompressedSize64 > stemRatioMinSize && f.UncompressedSize64 > maxStemRatio*max(f.CompressedSize64, 1) {
			return fail(fmt.Errorf("the stem %q is compressed %d:1, more than audio can be", name, f.UncompressedSize64/max(f.CompressedSize64, 1)))
		}
		n, err := extractStem(f, filepath.Join(dir, name+".mp3"), min(maxStemBytes, maxStemsTotal-total))
		if err != nil {
			return fail(fmt.Errorf("the stem %q: %w", name, err))
		}
		total += n
		out = append(out, Stem{Name: name, Path: filepath.Join(dir, name+".mp3"), Size: n})
	}
	if len(out) == 0 {
		return fail(errors.New("the archive holds no MP3 stem"))
	}
	return out, nil
}

// extractStem copies one entry, never more than limit bytes whatever its header claims, and
// checks that it is MPEG audio.
func extractStem(f *zip.File, dst string, limit int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(w, io.LimitReader(rc, limit+1))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if n > limit {
		return n, errors.New("larger than its bound")
	}
	head := make([]byte, 4)
	if g, err := os.Open(dst); err == nil {
		io.ReadFull(g, head)
		g.Close()
	}
	if SniffContentType(head, "") != "audio/mpeg" {
		return n, errors.New("not MP3 audio")
	}
	return n, nil
}

// stemName is an entry's name made safe: the base name (any folders dropped, "\" counted as a
// separator), .mp3 only, lower case, letters, digits, '-' and '_'.
func stemName(entry string) (string, bool) {
	base := path.Base(strings.ReplaceAll(entry, `\`, "/"))
	if !strings.HasSuffix(strings.ToLower(base), ".mp3") || strings.HasPrefix(base, ".") {
		return "", false
	}
	base = strings.ToLower(base[:len(base)-4])
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ' || r == '.':
			b.WriteRune('_')
		}
	}
	s := b.String()
	if s == "" || len(s) > 64 {
		return "", false
	}
	return s, true
}

// RemoveStems deletes the temporary folder SeparateStems made.
func RemoveStems(stems []Stem) {
	if len(stems) > 0 {
		os.RemoveAll(filepath.Dir(stems[0].Path))
	}
}

// transcribeIsolated is Transcribe with IsolateFirst: the voice is isolated into a temporary
// MP3, which is transcribed; the transcript's cost includes the isolation's.
func (c *Client) transcribeIsolated(ctx context.Context, r TranscribeRequest) (*Transcript, error) {
	ms, err := c.IsolateVoice(ctx, r.File)
	if err != nil {
		return nil, err
	}
	defer ms.Body.Close()
	dir, err := os.MkdirTemp("", "isolated-")
	if err != nil {
		return nil, fmt.Errorf("keeping the isolated voice: %w", err)
	}
	defer os.RemoveAll(dir)
	name := strings.TrimSuffix(filepath.Base(r.File), filepath.Ext(r.File)) + ".mp3"
	voice := filepath.Join(dir, name)
	f, err := os.Create(voice)
	if err != nil {
		return nil, fmt.Errorf("keeping the isolated voice: %w", err)
	}
	_, err = io.Copy(f, ms.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if e, ok := AsError(err); ok {
			return nil, e
		}
		return nil, fmt.Errorf("keeping the isolated voice: %w", err)
	}
	r.File, r.IsolateFirst = voice, false
	t, err := c.Transcribe(ctx, r)
	if err != nil {
		return nil, err
	}
	t.Meta.Cost += ms.Meta.Cost
	t.Meta.CostKnown = t.Meta.CostKnown && ms.Meta.CostKnown
	return t, nil
}
