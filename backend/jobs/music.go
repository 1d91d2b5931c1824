package jobs

import (
	"context"
	"os"

	mp3 "github.com/hajimehoshi/go-mp3"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// The library kinds of music and sound effects.
const (
	KindMusic storage.Kind = storage.KindMusic
	KindSound storage.Kind = storage.KindSound
)

// musicKind is the library kind a music request makes: sound for the sound-effect model,
// music otherwise.
func musicKind(r *api.MusicRequest) storage.Kind {
	if r != nil && api.IsSoundModel(r.Model) {
		return KindSound
	}
	return KindMusic
}

// music runs like speech: the audio is stored as it downloads, and the first bytes are offered
// for live playback.
func (r *runner) music(ctx context.Context, req api.MusicRequest) (*storage.Item, error) {
	if req.Model == "" {
		req.Model = api.DefaultMusicModel
	}
	ms, err := r.client.Music(ctx, req)
	if err != nil {
		return nil, err
	}
	defer ms.Body.Close()
	tap := newTapBuffer()
	hash, n, err := r.store(ctx, ms.Body, extFor(ms.Meta.ContentType, ".mp3"), tap)
	tap.CloseWithError(err)
	if err != nil {
		return nil, err
	}
	it, err := r.base(musicKind(&req), req.Prompt, req.Model, req, ms.Meta)
	if err != nil {
		return nil, err
	}
	it.MediaHash, it.MediaSize, it.Seed = hash, n, req.Seed
	if it.ContentType == "" {
		it.ContentType = "audio/mpeg"
	}
	// The length is the file's own (Lyria's depends on the prompt); what was asked otherwise.
	it.DurationSec = req.Duration
	if secs, ok := mp3Length(r.s.lib.MediaPath(hash)); ok {
		it.DurationSec = secs
	}
	return r.save(ctx, it)
}

// mp3Length reads an MP3's length from its frame headers. go-mp3 panics on some corrupt
// frames: that counts as unknown.
func mp3Length(path string) (secs float64, ok bool) {
	defer func() {
		if recover() != nil {
			secs, ok = 0, false
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	d, err := mp3.NewDecoder(f)
	if err != nil || d.Length() <= 0 || d.SampleRate() <= 0 {
		return 0, false
	}
	return float64(d.Length()) / 4 / float64(d.SampleRate()), true
}
