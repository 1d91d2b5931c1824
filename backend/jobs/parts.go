package jobs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/textutil"
	"pollinations-studio/internal/wav"
	"pollinations-studio/storage"
)

// MaxSpeechParts bounds the requests one speech job makes: past it the text is a book to be
// read in chapters, not a clip, and the job would cost more than anyone meant to spend at once.
const MaxSpeechParts = 50

// joinableFormats are the speech formats whose parts join into one valid file: MP3 frames
// follow each other, WAV samples go under one header, raw PCM is only samples. Opus, AAC and
// FLAC streams each carry headers that cannot simply follow another stream, so a long text in
// those is refused rather than saved as a file some players cut short.
var joinableFormats = []string{"mp3", "wav", "pcm"}

// SpeechParts is how a speech request is sent: its text as it is when the model reads it at
// once, otherwise cut at sentence boundaries into parts that each fit (api.SpeechLimit). It
// refuses, before anything is sent, a text that would take over MaxSpeechParts requests or a
// long text in a format whose parts cannot be joined.
func SpeechParts(req api.SpeechRequest) ([]string, error) {
	limit := api.SpeechLimit(req.Model)
	n := utf8.RuneCountInString(req.Text)
	if n <= limit {
		return []string{req.Text}, nil
	}
	model := req.Model
	if model == "" {
		model = "the model"
	}
	parts := textutil.SplitSentences(req.Text, limit)
	if len(parts) > MaxSpeechParts {
		return nil, &api.Error{Kind: api.KindBadRequest, Message: fmt.Sprintf("the text is %d characters: %s reads %d at a time, "+
			"so it would take %d requests, and one clip takes at most %d. Speak it in shorter pieces (chapters, for example)",
			n, model, limit, len(parts), MaxSpeechParts)}
	}
	format := orDefault(req.Format, "mp3")
	if !slices.Contains(joinableFormats, format) {
		return nil, &api.Error{Kind: api.KindBadRequest, Message: fmt.Sprintf("the text is %d characters, over the %d %s reads at a time: "+
			"it is sent in %d parts, and parts join into one clip only in mp3, wav or pcm, not %s", n, limit, model, len(parts), format)}
	}
	return parts, nil
}

// CheckTranscribable refuses, before anything is queued, a file a transcription job cannot take.
// It is api.CheckTranscribable but for WAVs over the upload limit, which the job sends in parts.
func CheckTranscribable(path string) error {
	err := api.CheckTranscribable(path)
	if api.IsKind(err, api.KindTooLarge) && strings.EqualFold(filepath.Ext(path), ".wav") {
		return nil
	}
	return err
}

// setPart records which request of a job in several runs now, and tells the window.
func (r *runner) setPart(i, n int) {
	r.s.mu.Lock()
	r.e.info.Part, r.e.info.Parts = i, n
	info := r.e.info
	r.s.mu.Unlock()
	r.s.emit(Event{Info: info})
}

// addMeta sums what the parts of a job cost; the first part's answer names the model and type.
func addMeta(total *api.Meta, m api.Meta, first bool) {
	cost, known, usage := total.Cost+m.Cost, total.CostKnown && m.CostKnown, total.Usage
	if first {
		*total = m
		cost, known, usage = m.Cost, m.CostKnown, nil
	}
	for k, v := range m.Usage {
		if usage == nil {
			usage = map[string]float64{}
		}
		usage[k] += v
	}
	total.Cost, total.CostKnown, total.Usage = cost, known, usage
}

// longSpeech speaks a text over the model's limit as consecutive requests and keeps one clip:
// the parts' audio is joined as it arrives, into the live stream (so playback runs on across
// parts) and into a spool file that becomes the library's media once all parts are in.
func (r *runner) longSpeech(ctx context.Context, req api.SpeechRequest, parts []string) (_ *storage.Item, err error) {
	format := orDefault(req.Format, "mp3")
	spool, err := os.CreateTemp(r.s.tempDir, "pollinations-speech-*")
	if err != nil {
		return nil, fmt.Errorf("jobs: a file to join the speech in: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	tap := newTapBuffer()
	defer func() { tap.CloseWithError(err) }()
	live := r.liveWriter(tap)
	j := &clipJoin{format: format, live: live}
	j.out = writerFunc(func(p []byte) (int, error) {
		if _, err := spool.Write(p); err != nil {
			return 0, fmt.Errorf("jobs: joining the speech: %w", err)
		}
		j.data += int64(len(p))
		return live.Write(p)
	})
	var meta api.Meta
	for i, text := range parts {
		r.setPart(i+1, len(parts))
		preq := req
		preq.Text = text
		ms, err := r.client.Speech(ctx, preq)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
		}
		if i > 0 && !sameType(ms.Meta.ContentType, meta.ContentType) {
			ms.Body.Close()
			return nil, fmt.Errorf("jobs: part %d of %d came back as %s, the first as %s: they cannot be joined",
				i+1, len(parts), ms.Meta.ContentType, meta.ContentType)
		}
		addMeta(&meta, ms.Meta, i == 0)
		err = j.add(ctxReader{ctx, ms.Body}, i, len(parts))
		ms.Body.Close()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
		}
	}
	tap.CloseWithError(nil) // the player hears the end now, not after the library has the file
	head, err := j.header()
	if err != nil {
		return nil, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("jobs: joining the speech: %w", err)
	}
	body := io.MultiReader(strings.NewReader(string(head)), spool)
	hash, err := r.s.lib.PutMedia(context.WithoutCancel(ctx), body, extFor(meta.ContentType, "."+format))
	if err != nil {
		return nil, fmt.Errorf("jobs: storing the speech: %w", err)
	}
	it, err := r.base(storage.KindSpeech, req.Text, req.Model, struct {
		api.SpeechRequest
		Parts int `json:"parts"`
	}{req, len(parts)}, meta)
	if err != nil {
		return nil, err
	}
	it.MediaHash, it.MediaSize = hash, int64(len(head))+j.data
	return r.save(ctx, it)
}

func sameType(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(strings.SplitN(s, ";", 2)[0])) }
	return norm(a) == norm(b)
}

// clipJoin appends the audio of consecutive parts into one clip.
type clipJoin struct {
	format string
	out    io.Writer // the clip: the spool and the live stream
	live   io.Writer // the live stream only
	wavFmt *wav.Header
	data   int64 // bytes written to out
}

func (j *clipJoin) add(body io.Reader, i, n int) error {
	switch j.format {
	case "mp3":
		return j.addMP3(body, i, n)
	case "wav":
		return j.addWAV(body, i)
	}
	_, err := io.Copy(j.out, body) // raw PCM: samples follow samples
	return err
}

// header is what goes before the joined bytes in the saved file.
func (j *clipJoin) header() ([]byte, error) {
	if j.format != "wav" {
		return nil, nil
	}
	if j.wavFmt == nil {
		return nil, errors.New("jobs: the speech had no WAV header")
	}
	if j.data > j.wavFmt.MaxData() {
		return nil, fmt.Errorf("jobs: the joined speech is %d bytes, more than a WAV file holds", j.data)
	}
	return j.wavFmt.Bytes(j.data), nil
}

// addWAV keeps the samples of each part; the live stream gets the first part's header with an
// unknown length (the player reads to the end), the file a correct one at the end.
func (j *clipJoin) addWAV(body io.Reader, i int) error {
	h, err := wav.ReadHeader(body)
	if err != nil {
		return fmt.Errorf("jobs: reading the speech: %w", err)
	}
	if i == 0 {
		j.wavFmt = &h
		if _, err := j.live.Write(h.Bytes(wav.UnknownSize)); err != nil {
			return err
		}
	} else if !h.SameFormat(*j.wavFmt) {
		return errors.New("jobs: the parts of the speech came back in different WAV formats")
	}
	src := body
	if h.DataSize != wav.UnknownSize {
		src = io.LimitReader(body, h.DataSize) // chunks after the samples are dropped
	}
	_, err = io.Copy(j.out, src)
	return err
}

// addMP3 copies a part's frames. Later parts lose their ID3v2 tag (only the file's start may
// carry one) and every part but the last its ID3v1 tag (only the end may); a Xing, Info or VBRI
// frame is dropped from every part, since its frame count would describe that part alone and
// players would show the clip that short.
func (j *clipJoin) addMP3(body io.Reader, i, n int) error {
	br := bufio.NewReaderSize(body, 64<<10)
	if head, _ := br.Peek(10); id3v2Len(head) > 0 {
		var err error
		if i == 0 {
			_, err = io.CopyN(j.out, br, int64(id3v2Len(head)))
		} else {
			_, err = br.Discard(id3v2Len(head))
		}
		if err != nil {
			return fmt.Errorf("jobs: reading the speech: %w", err)
		}
	}
	if head, _ := br.Peek(40); infoFrameLen(head) > 0 {
		if _, err := br.Discard(infoFrameLen(head)); err != nil {
			return fmt.Errorf("jobs: reading the speech: %w", err)
		}
	}
	if i < n-1 {
		return copyDroppingID3v1(j.out, br)
	}
	_, err := io.Copy(j.out, br)
	return err
}

// id3v2Len is the length of the ID3v2 tag head starts with, or 0.
func id3v2Len(head []byte) int {
	if len(head) < 10 || string(head[0:3]) != "ID3" {
		return 0
	}
	size := int(head[6]&0x7f)<<21 | int(head[7]&0x7f)<<14 | int(head[8]&0x7f)<<7 | int(head[9]&0x7f)
	if head[5]&0x10 != 0 {
		size += 10 // a footer
	}
	return 10 + size
}

// infoFrameLen is the length of the MPEG layer III frame head starts with if that frame is a
// Xing, Info or VBRI header rather than sound, or 0.
func infoFrameLen(head []byte) int {
	if len(head) < 40 || head[0] != 0xFF || head[1]&0xE0 != 0xE0 || (head[1]>>1)&3 != 1 {
		return 0
	}
	version := (head[1] >> 3) & 3 // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
	bi, si, pad := int(head[2]>>4), int((head[2]>>2)&3), int((head[2]>>1)&1)
	if version == 1 || bi == 0 || bi == 15 || si == 3 {
		return 0
	}
	mono := head[3]>>6 == 3
	var bitrate, rate, side, coef int
	if version == 3 {
		bitrate = []int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}[bi]
		rate = []int{44100, 48000, 32000}[si]
		side, coef = 32, 144
		if mono {
			side = 17
		}
	} else {
		bitrate = []int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}[bi]
		rate = []int{22050, 24000, 16000}[si]
		if version == 0 {
			rate /= 2
		}
		side, coef = 17, 72
		if mono {
			side = 9
		}
	}
	tag := string(head[4+side : 8+side])
	if tag != "Xing" && tag != "Info" && string(head[36:40]) != "VBRI" {
		return 0
	}
	return coef*bitrate*1000/rate + pad
}

// copyDroppingID3v1 copies src to dst but for a 128-byte ID3v1 tag at its very end.
func copyDroppingID3v1(dst io.Writer, src io.Reader) error {
	const tagLen = 128
	var tail []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			tail = append(tail, buf[:n]...)
			if out := len(tail) - tagLen; out > 0 {
				if _, werr := dst.Write(tail[:out]); werr != nil {
					return werr
				}
				tail = append(tail[:0], tail[out:]...)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if len(tail) == tagLen && string(tail[0:3]) == "TAG" {
		return nil
	}
	_, err := dst.Write(tail)
	return err
}

// needsParts tells whether a file is a WAV over the upload limit, which is sent in parts.
func (r *runner) needsParts(path string) bool {
	if !strings.EqualFold(filepath.Ext(path), ".wav") {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.Size() > r.s.maxUpload
}

// transcribeParts cuts a WAV over the upload limit into parts in a folder of its own, removed
// when the job ends however it ends, transcribes them in order and joins the results: segment
// times move by where their part starts, and the duration is the whole file's.
func (r *runner) transcribeParts(ctx context.Context, req api.TranscribeRequest) (*api.Transcript, int, error) {
	dir, err := os.MkdirTemp(r.s.tempDir, "pollinations-split-")
	if err != nil {
		return nil, 0, fmt.Errorf("jobs: a folder for the parts of %s: %w", filepath.Base(req.File), err)
	}
	defer os.RemoveAll(dir)
	// Leave room for the multipart form around the file.
	limit := r.s.maxUpload
	parts, err := wav.Split(req.File, limit-min(64<<10, limit/16), dir)
	if err != nil {
		return nil, 0, fmt.Errorf("jobs: %s is over the %.1f MB a transcription takes and could not be split: %w",
			filepath.Base(req.File), float64(limit)/(1<<20), err)
	}
	out := &api.Transcript{Format: req.Format}
	var texts []string
	for i, p := range parts {
		r.setPart(i+1, len(parts))
		preq := req
		preq.File = p.Path
		t, err := r.client.Transcribe(ctx, preq)
		if err != nil {
			if ctx.Err() != nil {
				return nil, 0, ctx.Err()
			}
			return nil, 0, fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
		}
		addMeta(&out.Meta, t.Meta, i == 0)
		if out.Language == "" {
			out.Language = t.Language
		}
		if t.Text != "" {
			texts = append(texts, t.Text)
		}
		segs := t.Segments
		if len(segs) == 0 && t.Text != "" {
			segs = []api.Segment{{Start: 0, End: p.EndSec - p.StartSec, Text: t.Text}}
		}
		for _, s := range segs {
			s.ID = len(out.Segments)
			s.Start += p.StartSec
			s.End += p.StartSec
			if s.Speaker != "" && len(parts) > 1 {
				// Each part is diarized alone: its "A" need not be the next part's "A".
				s.Speaker = fmt.Sprintf("%s (part %d)", speakerName(s.Speaker), i+1)
			}
			out.Segments = append(out.Segments, s)
		}
		os.Remove(p.Path) // sent: no need to keep it on disk till the end
	}
	out.Text = strings.Join(texts, " ")
	if len(parts) > 0 {
		out.Duration = parts[len(parts)-1].EndSec
	}
	return out, len(parts), nil
}

// speakerName is a diarized speaker id as people read it: "A" becomes "Speaker A".
func speakerName(sp string) string {
	if len([]rune(sp)) <= 2 {
		return "Speaker " + sp
	}
	return sp
}
