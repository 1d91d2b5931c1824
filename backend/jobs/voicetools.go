package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// The voice tools as jobs: isolate the voice of a file, say it again in another voice
// (revoice), or separate music into stems.
const (
	ToolIsolate = "isolate"
	ToolRevoice = "revoice"
	ToolStems   = "stems"
)

// KindVoiceResult is the library kind of an isolated or changed voice; stems are music.
const KindVoiceResult = storage.KindSpeech

// Relations of a voice tool's results to their source item.
const (
	RelationIsolated = "isolated_from"
	RelationRevoiced = "revoiced_from"
	RelationStem     = "stem_of"
)

// VoiceTool is one voice tool job. Request.ParentID names the library item the file is from;
// without one, the file is first kept in the library as a recording (or video) so that the
// results are linked to their source.
type VoiceTool struct {
	Tool   string `json:"tool"` // isolate | revoice | stems
	File   string `json:"file"`
	Voice  string `json:"voice,omitempty"`  // revoice
	Model  string `json:"model,omitempty"`  // revoice; "" = the default
	Format string `json:"format,omitempty"` // revoice: mp3|opus|aac|wav|pcm; "" = mp3
	Two    bool   `json:"two,omitempty"`    // stems: two instead of six
}

// model is the catalogue id the tool bills under.
func (v VoiceTool) model() string {
	switch v.Tool {
	case ToolRevoice:
		return orDefault(v.Model, api.DefaultVoiceChangerModel)
	case ToolStems:
		return api.StemSeparationModel
	}
	return api.VoiceIsolatorModel
}

// Check refuses, before queueing, what the service would refuse: an unknown tool, a revoice
// without a voice, and a file that is not audio or video, over 50 MB, or (isolate) shorter
// than 4.6 s.
func (v VoiceTool) Check() (api.VoiceInput, error) {
	minSecs := 0.0
	switch v.Tool {
	case ToolIsolate:
		minSecs = api.MinIsolatorSeconds
	case ToolRevoice:
		if strings.TrimSpace(v.Voice) == "" {
			return api.VoiceInput{}, &api.Error{Kind: api.KindBadRequest, Message: "revoice needs a voice"}
		}
	case ToolStems:
	default:
		return api.VoiceInput{}, fmt.Errorf("jobs: unknown voice tool %q", v.Tool)
	}
	return api.CheckVoiceToolFile(v.File, minSecs)
}

// voiceParams are a voice tool result's parameters as kept with the item.
type voiceParams struct {
	VoiceTool
	Source     string `json:"source"`                // the file's name
	SourceItem int64  `json:"source_item,omitempty"` // its library item
	Stem       string `json:"stem,omitempty"`
	Variant    string `json:"stem_variation_id,omitempty"`
}

func (r *runner) voiceTool(ctx context.Context, v VoiceTool) (*storage.Item, error) {
	in, err := v.Check()
	if err != nil {
		return nil, err
	}
	src, err := r.voiceSource(ctx, v, in)
	if err != nil {
		return nil, err
	}
	p := voiceParams{VoiceTool: v, Source: filepath.Base(v.File), SourceItem: src}
	link := func(it *storage.Item, rel string) {
		it.ParentID, it.Relation = &src, rel
		if in.Known {
			it.DurationSec = in.Seconds
		}
	}
	switch v.Tool {
	case ToolStems:
		return r.stems(ctx, v, p, link)
	case ToolRevoice:
		ms, err := r.client.ChangeVoice(ctx, v.File, v.Voice, v.Model, v.Format)
		if err != nil {
			return nil, err
		}
		defer ms.Body.Close()
		hash, n, err := r.store(ctx, ms.Body, extFor(ms.Meta.ContentType, "."+orDefault(v.Format, "mp3")), nil)
		if err != nil {
			return nil, err
		}
		it, err := r.base(KindVoiceResult, p.Source+" in the voice "+v.Voice, v.model(), p, ms.Meta)
		if err != nil {
			return nil, err
		}
		it.MediaHash, it.MediaSize = hash, n
		link(it, RelationRevoiced)
		return r.save(ctx, it)
	}
	ms, err := r.client.IsolateVoice(ctx, v.File)
	if err != nil {
		return nil, err
	}
	defer ms.Body.Close()
	hash, n, err := r.store(ctx, ms.Body, extFor(ms.Meta.ContentType, ".mp3"), nil)
	if err != nil {
		return nil, err
	}
	it, err := r.base(KindVoiceResult, "voice of "+p.Source, v.model(), p, ms.Meta)
	if err != nil {
		return nil, err
	}
	it.MediaHash, it.MediaSize = hash, n
	link(it, RelationIsolated)
	return r.save(ctx, it)
}

// stems saves each stem as its own item, linked to the source, and returns the first (the
// vocals); Library.Children lists them all. The request's cost is shared out between them.
func (r *runner) stems(ctx context.Context, v VoiceTool, p voiceParams, link func(*storage.Item, string)) (*storage.Item, error) {
	stems, meta, err := r.client.SeparateStems(ctx, v.File, v.Two)
	if err != nil {
		return nil, err
	}
	defer api.RemoveStems(stems)
	p.Variant = api.StemsSix
	if v.Two {
		p.Variant = api.StemsTwo
	}
	meta.ContentType = "audio/mpeg"
	meta.HostedURL = "" // the service's copy is the whole archive, not this stem
	meta.Cost /= float64(len(stems))
	var first *storage.Item
	for _, s := range stems {
		p.Stem = s.Name
		f, err := os.Open(s.Path)
		if err != nil {
			return first, fmt.Errorf("jobs: reading the stem %s: %w", s.Name, err)
		}
		hash, err := r.s.lib.PutMedia(context.WithoutCancel(ctx), f, ".mp3")
		f.Close()
		if err != nil {
			return first, fmt.Errorf("jobs: storing the stem %s: %w", s.Name, err)
		}
		it, err := r.base(storage.KindMusic, s.Name+" of "+p.Source, v.model(), p, meta)
		if err != nil {
			return first, err
		}
		it.MediaHash, it.MediaSize = hash, s.Size
		link(it, RelationStem)
		if _, err := r.save(ctx, it); err != nil {
			return first, err
		}
		if first == nil {
			first = it
		}
	}
	return first, nil
}

// voiceSource is the library item the file is from: the request's parent, or a new item
// keeping the file (a recording, or a video).
func (r *runner) voiceSource(ctx context.Context, v VoiceTool, in api.VoiceInput) (int64, error) {
	if r.e.req.ParentID != nil {
		return *r.e.req.ParentID, nil
	}
	hash, err := r.putFile(ctx, v.File)
	if err != nil {
		return 0, fmt.Errorf("jobs: reading %s: %w", v.File, err)
	}
	kind := storage.KindRecording
	if in.Video {
		kind = storage.KindVideo
	}
	it := &storage.Item{Kind: kind, Status: Done, Prompt: filepath.Base(v.File), ContentType: api.ContentTypeOf(v.File),
		MediaHash: hash, MediaSize: in.Size, CostKnown: true, CreatedAt: r.e.info.Created, FinishedAt: r.e.info.Created}
	if in.Known {
		it.DurationSec = in.Seconds
	}
	if _, err := r.save(ctx, it); err != nil {
		return 0, err
	}
	return it.ID, nil
}
