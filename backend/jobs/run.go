package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// progressEvery throttles byte-progress events.
const progressEvery = 100 * time.Millisecond

type runner struct {
	s      *Service
	e      *entry
	client *api.Client
	bytes  atomic.Int64
	last   time.Time
}

func (r *runner) execute(ctx context.Context) (*storage.Item, error) {
	req := r.e.req
	switch {
	case req.Image != nil:
		return r.image(ctx, *req.Image)
	case req.Video != nil:
		return r.video(ctx, *req.Video)
	case req.Speech != nil:
		return r.speech(ctx, *req.Speech)
	case req.Transcribe != nil:
		return r.transcribe(ctx, *req.Transcribe)
	case req.Text != nil:
		return r.text(ctx, *req.Text)
	case req.Chat != nil:
		return r.chat(ctx, *req.Chat)
	case req.Voice != nil:
		return r.voiceTool(ctx, *req.Voice)
	case req.Music != nil:
		return r.music(ctx, *req.Music)
	case req.Model3D != nil:
		return r.model3D(ctx, *req.Model3D)
	}
	return nil, errors.New("jobs: empty request")
}

// base fills what every library item shares.
func (r *runner) base(kind storage.Kind, prompt, model string, params any, meta api.Meta) (*storage.Item, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("jobs: encoding the parameters: %w", err)
	}
	used := meta.ModelUsed
	if used == "" {
		used = model
	}
	return &storage.Item{
		Kind: kind, Status: Done, Prompt: prompt, Params: p,
		ModelRequested: model, ModelUsed: used, ContentType: meta.ContentType,
		Cost: meta.Cost, CostKnown: meta.CostKnown, HostedURL: meta.HostedURL,
		CreatedAt: r.e.info.Created, FinishedAt: time.Now(),
		ParentID: r.e.req.ParentID, Relation: r.e.req.Relation,
	}, nil
}

func (r *runner) save(ctx context.Context, it *storage.Item) (*storage.Item, error) {
	// The result is saved even if the job was cancelled while saving: it has been paid for.
	ctx = context.WithoutCancel(ctx)
	if _, err := r.s.lib.AddItem(ctx, it); err != nil {
		return nil, fmt.Errorf("jobs: saving to the library: %w", err)
	}
	return it, nil
}

func (r *runner) image(ctx context.Context, req api.ImageRequest) (*storage.Item, error) {
	res, err := r.client.Image(ctx, req)
	if err != nil {
		return nil, err
	}
	hash, err := r.s.lib.PutMedia(context.WithoutCancel(ctx), bytes.NewReader(res.Data), extFor(res.Meta.ContentType, ".jpg"))
	if err != nil {
		return nil, fmt.Errorf("jobs: storing the image: %w", err)
	}
	var params any = req
	if res.Meta.SeedIgnored {
		// The edit went up as multipart, which takes no seed: the item must not claim one.
		params = imageParams{req, true}
	}
	it, err := r.base(storage.KindImage, req.Prompt, req.Model, params, res.Meta)
	if err != nil {
		return nil, err
	}
	it.Seed, it.Width, it.Height, it.MediaHash, it.MediaSize = req.Seed, res.Width, res.Height, hash, int64(len(res.Data))
	it.References = append(it.References, req.RefURLs...)
	for _, f := range req.RefFiles {
		// Reference files are kept too, so the lineage survives the originals being moved.
		if h, err := r.putFile(ctx, f); err == nil {
			it.References = append(it.References, h)
		}
	}
	if len(req.RefFiles)+len(req.RefURLs) > 0 && it.Relation == "" {
		it.Relation = "edit"
	}
	if res.Meta.SeedIgnored {
		it.Seed = nil
	}
	return r.save(ctx, it)
}

// imageParams are an image request's parameters as kept with the item, with whether the
// service ignored its seed.
type imageParams struct {
	api.ImageRequest
	SeedIgnored bool `json:"seed_ignored,omitempty"`
}

// SeedIgnored reports an image item whose request's seed the service did not apply (an edit
// of local files, sent as multipart): the window says so, and a remix cannot repeat it.
func SeedIgnored(it storage.Item) bool {
	var p struct {
		SeedIgnored bool `json:"seed_ignored"`
	}
	return len(it.Params) > 0 && json.Unmarshal(it.Params, &p) == nil && p.SeedIgnored
}

func (r *runner) putFile(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return r.s.lib.PutMedia(context.WithoutCancel(ctx), f, strings.ToLower(filepath.Ext(path)))
}

func (r *runner) video(ctx context.Context, req api.VideoRequest) (*storage.Item, error) {
	ms, err := r.client.Video(ctx, req)
	if err != nil {
		return nil, err
	}
	defer ms.Body.Close()
	hash, n, err := r.store(ctx, ms.Body, extFor(ms.Meta.ContentType, ".mp4"), nil)
	if err != nil {
		return nil, err
	}
	it, err := r.base(storage.KindVideo, req.Prompt, req.Model, req, ms.Meta)
	if err != nil {
		return nil, err
	}
	it.Seed, it.DurationSec, it.MediaHash, it.MediaSize = req.Seed, float64(req.Duration), hash, n
	if it.ContentType == "" {
		it.ContentType = "video/mp4"
	}
	return r.save(ctx, it)
}

func (r *runner) speech(ctx context.Context, req api.SpeechRequest) (*storage.Item, error) {
	parts, err := SpeechParts(req)
	if err != nil {
		return nil, err
	}
	if len(parts) > 1 {
		return r.longSpeech(ctx, req, parts)
	}
	ms, err := r.client.Speech(ctx, req)
	if err != nil {
		return nil, err
	}
	defer ms.Body.Close()
	tap := newTapBuffer()
	hash, n, err := r.store(ctx, ms.Body, extFor(ms.Meta.ContentType, "."+orDefault(req.Format, "mp3")), tap)
	tap.CloseWithError(err)
	if err != nil {
		return nil, err
	}
	it, err := r.base(storage.KindSpeech, req.Text, req.Model, req, ms.Meta)
	if err != nil {
		return nil, err
	}
	it.MediaHash, it.MediaSize = hash, n
	return r.save(ctx, it)
}

func (r *runner) transcribe(ctx context.Context, req api.TranscribeRequest) (*storage.Item, error) {
	// The audio is kept with its transcript, so a segment can be played from the library.
	hash, err := r.putFile(ctx, req.File)
	if err != nil {
		return nil, fmt.Errorf("jobs: reading %s: %w", req.File, err)
	}
	var t *api.Transcript
	var params any = req
	if !req.IsolateFirst && r.needsParts(req.File) { // the isolator takes the whole file (50 MB)
		var n int
		t, n, err = r.transcribeParts(ctx, req)
		params = struct {
			api.TranscribeRequest
			Parts int `json:"parts"`
		}{req, n}
	} else {
		t, err = r.client.Transcribe(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	it, err := r.base(storage.KindTranscript, filepath.Base(req.File), req.Model, params, t.Meta)
	if err != nil {
		return nil, err
	}
	it.Text, it.DurationSec, it.MediaHash = t.Text, t.Duration, hash
	it.ContentType = api.ContentTypeOf(req.File)
	if it.Relation == "" && it.ParentID != nil {
		it.Relation = "transcript_of"
	}
	if _, err := r.save(ctx, it); err != nil {
		return nil, err
	}
	segs := make([]storage.Segment, 0, len(t.Segments))
	for _, s := range t.Segments {
		segs = append(segs, storage.Segment{Start: s.Start, End: s.End, Text: s.Text, Speaker: s.Speaker})
	}
	if len(segs) == 0 && t.Text != "" {
		segs = append(segs, storage.Segment{Start: 0, End: t.Duration, Text: t.Text})
	}
	if err := r.s.lib.SetSegments(context.WithoutCancel(ctx), it.ID, segs); err != nil {
		return nil, fmt.Errorf("jobs: saving the segments: %w", err)
	}
	return it, nil
}

// streamChat runs a streaming completion, emitting deltas; it returns what arrived even on error.
func (r *runner) streamChat(ctx context.Context, req api.ChatRequest) (api.ChatResult, error) {
	st, err := r.client.ChatStream(ctx, req)
	if err != nil {
		return api.ChatResult{}, err
	}
	defer st.Close()
	for {
		d, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return st.Result(), nil
		}
		if err != nil {
			return st.Result(), err
		}
		if d.Content != "" || d.Reasoning != "" {
			r.s.mu.Lock()
			info := r.e.info
			r.s.mu.Unlock()
			r.s.emit(Event{Info: info, TextDelta: d.Content, ReasoningDelta: d.Reasoning})
		}
	}
}

func (r *runner) text(ctx context.Context, req api.ChatRequest) (*storage.Item, error) {
	res, err := r.streamChat(ctx, req)
	if err != nil {
		return nil, err
	}
	it, err := r.base(storage.KindText, lastUserText(req.Messages), req.Model, req, res.Meta)
	if err != nil {
		return nil, err
	}
	it.Text = res.Content
	it.ContentType = "text/markdown"
	return r.save(ctx, it)
}

func (r *runner) chat(ctx context.Context, turn ChatTurn) (*storage.Item, error) {
	lib := r.s.lib
	bg := context.WithoutCancel(ctx)
	msg := &storage.Message{ChatID: turn.ChatID, ParentID: turn.ParentMessageID, Role: "assistant",
		Model: turn.Request.Model, Status: Running, CreatedAt: time.Now()}
	if _, err := lib.AddMessage(bg, msg); err != nil {
		return nil, fmt.Errorf("jobs: saving the reply: %w", err)
	}
	res, err := r.streamChat(ctx, turn.Request)
	msg.Content, msg.Reasoning = res.Content, res.Reasoning
	if res.Meta.ModelUsed != "" {
		msg.Model = res.Meta.ModelUsed
	}
	msg.Cost = res.Meta.Cost
	switch {
	case err == nil:
		msg.Status = Done
	case ctx.Err() != nil:
		// Stopped by the user: the partial text stays, marked.
		msg.Status, msg.Partial = Canceled, true
	default:
		msg.Status, msg.Partial = Failed, res.Content != ""
	}
	if err != nil && res.Content == "" {
		// Nothing arrived (a refusal, a notice, a stop before the first word): no empty reply is
		// left in the conversation.
		if derr := lib.DeleteMessage(bg, msg.ID); derr != nil {
			err = errors.Join(err, derr)
		}
	} else if uerr := lib.UpdateMessage(bg, msg); uerr != nil && err == nil {
		err = fmt.Errorf("jobs: saving the reply: %w", uerr)
	}
	chat, gerr := lib.Item(bg, turn.ChatID)
	if gerr != nil {
		return nil, errors.Join(err, gerr)
	}
	return chat, err
}

// store streams a body into the library, counting bytes for progress and copying into tap (for
// live playback) when given.
func (r *runner) store(ctx context.Context, body io.Reader, ext string, tap *tapBuffer) (string, int64, error) {
	var w io.Writer = progressWriter{r}
	if tap != nil {
		w = r.liveWriter(tap)
	}
	hash, err := r.s.lib.PutMedia(context.WithoutCancel(ctx), io.TeeReader(ctxReader{ctx, body}, w), ext)
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, ctx.Err()
		}
		var apiErr *api.Error
		if errors.As(err, &apiErr) {
			return "", 0, apiErr
		}
		return "", 0, fmt.Errorf("jobs: storing the download: %w", err)
	}
	return hash, r.bytes.Load(), nil
}

// liveWriter copies into tap for live playback, counts bytes for progress, and offers the
// stream in an event on the first byte.
func (r *runner) liveWriter(tap *tapBuffer) io.Writer {
	first := true
	return io.MultiWriter(tap, progressWriter{r}, writerFunc(func(p []byte) (int, error) {
		if first && len(p) > 0 {
			first = false
			r.s.mu.Lock()
			info := r.e.info
			r.s.mu.Unlock()
			r.s.emit(Event{Info: info, Audio: tap.NewReader()})
		}
		return len(p), nil
	}))
}

type progressWriter struct{ r *runner }

func (p progressWriter) Write(b []byte) (int, error) {
	r := p.r
	n := r.bytes.Add(int64(len(b)))
	if time.Since(r.last) >= progressEvery {
		r.last = time.Now()
		r.s.mu.Lock()
		r.e.info.Bytes = n
		info := r.e.info
		r.s.mu.Unlock()
		r.s.emit(Event{Info: info})
	}
	return len(b), nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// ctxReader stops a copy when the job is cancelled even if the body blocks between chunks.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func extFor(contentType, def string) string {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "image/gif":
		return ".gif"
	case "image/svg+xml":
		return ".svg"
	case "audio/mpeg", "audio/mp3":
		return ".mp3"
	case "audio/wav", "audio/x-wav", "audio/wave":
		return ".wav"
	case "audio/ogg", "audio/opus":
		return ".ogg"
	case "audio/flac":
		return ".flac"
	case "audio/aac":
		return ".aac"
	case "audio/pcm", "audio/l16":
		return ".pcm"
	case "video/mp4":
		return ".mp4"
	case "video/webm":
		return ".webm"
	}
	return def
}
