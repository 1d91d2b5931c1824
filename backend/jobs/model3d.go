package jobs

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// 3D generation as a job: a picture (a hosted address, or a local file uploaded once per
// content) or, for the models that take text, a prompt becomes a GLB (or a PLY splat) in the
// library.

// Default3DModel is the model the service uses when none is named.
const Default3DModel = "microsoft/trellis-2"

// Relation3DFrom links a 3D model to the picture it was made from.
const Relation3DFrom = "3d_from"

// StageUploading is Info.Stage while a job's source file goes up to the media host.
const StageUploading = "uploading"

// Default3DPrompt is the prompt of an image-to-3D request given none: the path needs one.
const Default3DPrompt = "3D model"

// isRemote reports whether an image entry is an address rather than a local file.
func isRemote(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// Check3D refuses, before anything is uploaded or paid for, a request the service would
// refuse or that cannot be sent: no prompt and no image, a bad resolution, and a local file
// that is not a picture. Image entries are http(s) addresses or local file paths.
func Check3D(r api.Model3DRequest) error {
	if strings.TrimSpace(r.Prompt) == "" && len(r.Image) == 0 {
		return &api.Error{Kind: api.KindBadRequest, Message: "a 3D model needs a picture or a prompt"}
	}
	switch r.Resolution {
	case "", "low", "medium", "high":
	default:
		return &api.Error{Kind: api.KindBadRequest, Message: fmt.Sprintf("resolution %q is not one of low, medium, high", r.Resolution)}
	}
	for _, src := range r.Image {
		if isRemote(src) {
			continue
		}
		if err := storage.CheckMediaFile(src, storage.KindImage); err != nil {
			return &api.Error{Kind: api.KindBadRequest, Message: "the picture cannot be used: " + err.Error(), Err: err}
		}
	}
	return nil
}

// prompt3D is the prompt a request is sent with: its own, or a name for the picture.
func prompt3D(r api.Model3DRequest) string {
	if strings.TrimSpace(r.Prompt) != "" {
		return r.Prompt
	}
	if len(r.Image) > 0 {
		name := r.Image[0]
		if isRemote(name) {
			if u, err := url.Parse(name); err == nil {
				name = path.Base(u.Path)
			}
		} else {
			name = filepath.Base(name)
		}
		name = strings.TrimSuffix(name, path.Ext(name))
		if strings.Trim(name, "./ ") != "" {
			return name
		}
	}
	return Default3DPrompt
}

func (r *runner) model3D(ctx context.Context, req api.Model3DRequest) (*storage.Item, error) {
	if err := Check3D(req); err != nil {
		return nil, err
	}
	req.Prompt = prompt3D(req)
	if req.Model == "" {
		req.Model = Default3DModel
	}
	local := make([]string, len(req.Image))
	req.Image = append([]string(nil), req.Image...)
	for i, src := range req.Image {
		if isRemote(src) {
			continue
		}
		u, err := r.upload(ctx, src)
		if err != nil {
			return nil, fmt.Errorf("jobs: uploading %s: %w", filepath.Base(src), err)
		}
		local[i], req.Image[i] = src, u
	}
	data, meta, err := r.client.Model3D(ctx, req)
	if err != nil {
		return nil, err
	}
	ext := ".glb"
	if meta.ContentType == api.ContentTypePLY {
		ext = ".ply"
	}
	hash, err := r.s.lib.PutMedia(context.WithoutCancel(ctx), bytes.NewReader(data), ext)
	if err != nil {
		return nil, fmt.Errorf("jobs: storing the 3D model: %w", err)
	}
	it, err := r.base(storage.Kind3D, req.Prompt, req.Model, req, meta)
	if err != nil {
		return nil, err
	}
	it.MediaHash, it.MediaSize, it.Seed = hash, int64(len(data)), req.Seed
	if it.HostedURL == "" {
		it.HostedURL = api.Model3DLink(meta)
	}
	// The picture's hosted address is its reference; a local file is kept as media, so the
	// lineage survives the original being moved.
	for i, u := range req.Image {
		if local[i] != "" {
			if h, err := r.putFile(ctx, local[i]); err == nil {
				it.References = append(it.References, h)
				continue
			}
		}
		it.References = append(it.References, u)
	}
	if it.ParentID != nil && it.Relation == "" {
		it.Relation = Relation3DFrom
	}
	return r.save(ctx, it)
}

// upload puts a local file on the media host (once per content), reporting its progress as
// the job's: Stage "uploading", Bytes sent and Progress as a fraction.
func (r *runner) upload(ctx context.Context, file string) (string, error) {
	size := int64(0)
	if st, err := os.Stat(file); err == nil {
		size = st.Size()
	}
	r.setProgress(StageUploading, 0, progressOf(0, size))
	var last time.Time
	u, err := ensureHostedProgress(ctx, r.client, r.s.lib, file, time.Now(), func(sent int64) {
		if time.Since(last) < progressEvery && sent < size {
			return
		}
		last = time.Now()
		r.setProgress(StageUploading, sent, progressOf(sent, size))
	})
	// The generation itself tells nothing of its progress.
	r.setProgress("", 0, -1)
	return u, err
}

func progressOf(sent, size int64) float64 {
	if size <= 0 {
		return -1
	}
	return min(1, float64(sent)/float64(size))
}

// setProgress updates the job's stage and progress and tells the subscribers.
func (r *runner) setProgress(stage string, bytes int64, progress float64) {
	r.s.mu.Lock()
	r.e.info.Stage, r.e.info.Bytes, r.e.info.Progress = stage, bytes, progress
	info := r.e.info
	r.s.mu.Unlock()
	r.s.emit(Event{Info: info})
}

// Takes3DText reports whether a 3D model makes a model from a prompt alone (the others need
// a picture).
func Takes3DText(m api.Model) bool { return slices.Contains(m.InputModalities, "text") }

// Check3DModel refuses, against the catalogue's entry of the model, what the service would
// answer 400 to: no picture for an image-only model, a resolution for a model without them.
func Check3DModel(m api.Model, r api.Model3DRequest) error {
	if len(r.Image) == 0 && !Takes3DText(m) {
		return &api.Error{Kind: api.KindBadRequest, Message: m.Name + " makes 3D models from a picture only: give one"}
	}
	if r.Resolution != "" && len(m.Resolutions) > 0 && !slices.Contains(m.Resolutions, r.Resolution) {
		return &api.Error{Kind: api.KindBadRequest, Message: fmt.Sprintf("%s takes a resolution of %s, not %q", m.Name, strings.Join(m.Resolutions, ", "), r.Resolution)}
	}
	if r.Resolution != "" && len(m.Resolutions) == 0 {
		return &api.Error{Kind: api.KindBadRequest, Message: m.Name + " takes no resolution"}
	}
	return nil
}
