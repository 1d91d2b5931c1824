package api

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// VideoRequest is one video generation.
type VideoRequest struct {
	Prompt      string `json:"prompt"`
	Model       string `json:"model,omitempty"`
	Duration    int    `json:"duration,omitempty"`
	AspectRatio string `json:"aspect_ratio,omitempty"`
	Audio       bool   `json:"audio,omitempty"`
	StartFrame  string `json:"start_frame,omitempty"`
	EndFrame    string `json:"end_frame,omitempty"`
	Seed        *int64 `json:"seed,omitempty"`
	Resolution  string `json:"resolution,omitempty"`
}

// Video generates a video. The service answers only when the video is done (minutes, with no
// progress), so each attempt may take ten minutes; a retry re-joins the same generation.
func (c *Client) Video(ctx context.Context, r VideoRequest) (*MediaStream, error) {
	if err := checkPrompt(r.Prompt); err != nil {
		return nil, err
	}
	if err := checkSeed(r.Seed); err != nil {
		return nil, err
	}
	if r.EndFrame != "" && r.StartFrame == "" {
		return nil, &Error{Kind: KindBadRequest, Message: "an end frame needs a start frame"}
	}
	q := url.Values{}
	if r.Model != "" {
		q.Set("model", r.Model)
	}
	if r.Duration > 0 {
		q.Set("duration", strconv.Itoa(r.Duration))
	}
	if r.AspectRatio != "" {
		q.Set("aspectRatio", r.AspectRatio)
	}
	if r.Audio {
		q.Set("audio", "true")
	}
	if r.Seed != nil {
		q.Set("seed", strconv.FormatInt(*r.Seed, 10))
	}
	if r.Resolution != "" {
		q.Set("resolution", r.Resolution)
	}
	var frames []string
	for _, f := range []string{r.StartFrame, r.EndFrame} {
		if f == "" {
			continue
		}
		if !strings.HasPrefix(f, "http://") && !strings.HasPrefix(f, "https://") {
			return nil, &Error{Kind: KindBadRequest, Message: "frames are passed as http(s) URLs"}
		}
		frames = append(frames, f)
	}
	if len(frames) > 0 {
		q.Set("image", strings.Join(frames, "|"))
	}
	// Without a deadline from the caller the whole call (retries and download included) gets
	// ten minutes; the timer ends when the body is closed.
	cancel := context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		ctx, cancel = context.WithTimeout(ctx, c.tm.videoTotal)
	}
	resp, err := c.send(ctx, request{method: http.MethodGet, url: endpoint(c.base, "/video/"+escapePrompt(r.Prompt), q),
		auth: true, attemptTimeout: c.tm.video})
	if err != nil {
		cancel()
		return nil, err
	}
	ms, err := c.mediaStream(resp, r.Model, "video/")
	if err != nil {
		cancel()
		return nil, err
	}
	ms.Body = &closeFunc{ReadCloser: ms.Body, after: cancel}
	return ms, nil
}

// closeFunc runs after once the body is closed.
type closeFunc struct {
	io.ReadCloser
	after func()
}

func (c *closeFunc) Close() error {
	err := c.ReadCloser.Close()
	c.after()
	return err
}

// DefaultVideoModelID is the service's default video model (alias veo).
const DefaultVideoModelID = "google/veo-3.1-fast"

// FitTo keeps only what the model advertises: resolution is dropped unless the model lists it
// (the service answers 400 "does not accept a resolution parameter" otherwise), a duration it
// does not list becomes the nearest one it does, and audio is dropped from a model without
// audio output. The model is named by its canonical id.
func (r VideoRequest) FitTo(m Model) VideoRequest {
	r.Model = m.Name
	if r.Resolution != "" && !containsStr(m.Resolutions, r.Resolution) {
		r.Resolution = ""
	}
	if ds := m.Durations(); len(ds) > 0 && r.Duration > 0 {
		best := ds[0]
		for _, d := range ds {
			if math.Abs(d-float64(r.Duration)) < math.Abs(best-float64(r.Duration)) {
				best = d
			}
		}
		r.Duration = int(math.Round(best))
	}
	if r.Audio && len(m.VideoCapabilities) > 0 && !m.HasCapability("audio_output") && !m.HasCapability("audio") {
		r.Audio = false
	}
	return r
}
