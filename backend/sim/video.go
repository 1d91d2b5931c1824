package sim

import (
	_ "embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// clipMP4 is a real 2 s, 320×180 H.264 clip (ffmpeg testsrc), served for every video.
//
//go:embed media/clip.mp4
var clipMP4 []byte

// runVideo generates a clip once the GET's shared parameters are validated: synchronous, tens
// of (scaled) seconds, then the whole MP4.
func (s *Server) runVideo(w http.ResponseWriter, r *http.Request, a *account, m *model, prompt string, q map[string][]string, seed int64, refs []string, cacheKey string) {
	dur := m.DefaultDuration
	if v := first(q, "duration"); v != "" {
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || d < 1 || d > 120 {
			badRequest(w, "duration", "Number must be between 1 and 120")
			return
		}
		dur = d
	}
	if !durationAllowed(m, dur) {
		badRequest(w, "duration", fmt.Sprintf("Duration %gs is not supported by %s (allowed: %s)", dur, m.Name, durationsText(m)))
		return
	}
	if len(refs) > 2 {
		badRequest(w, "image", fmt.Sprintf("Model %s takes at most a start and an end frame", m.Name))
		return
	}
	if len(refs) > 1 && !contains(m.VideoCapabilities, "end_frame") {
		badRequest(w, "image", fmt.Sprintf("Model %s does not take an end frame", m.Name))
		return
	}
	// audio=true matters only for models that can add a soundtrack.
	withAudio := queryBool(q, "audio") && contains(m.VideoCapabilities, "audio_output")
	if ar := first(q, "aspectRatio"); ar != "" && !contains([]string{"16:9", "9:16", "1:1", "4:3", "3:4", "21:9"}, ar) {
		badRequest(w, "aspectRatio", "Unsupported aspect ratio")
		return
	}
	cost := m.price * dur
	if withAudio {
		cost += 0.02 * dur // veo's audio surcharge per second
	}
	// Real runs take 30–130 s: longer clips take longer.
	lat := 30*time.Second + time.Duration(dur*8)*time.Second
	if lat > 130*time.Second {
		lat = 130 * time.Second
	}
	s.run(w, r, a, job{route: "video", m: m, estimate: cost, cacheKey: cacheKey, latency: lat,
		produce: func() (*result, error) {
			h := http.Header{}
			usageHeaders(h, m, "completion-video-seconds", dur)
			if withAudio {
				h.Set("x-usage-completion-audio-seconds", strconv.FormatFloat(dur, 'f', -1, 64))
			}
			h.Set("Content-Type", "video/mp4")
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", slug(prompt)+".mp4"))
			return &result{status: 200, header: h, chunks: chunk(clipMP4, 16<<10), cost: cost}, nil
		}})
}

// first is the first value of a query parameter, or "".
func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// durationAllowed checks a duration against allowed_durations, or min/max/step.
func durationAllowed(m *model, d float64) bool {
	if len(m.AllowedDurations) > 0 {
		for _, a := range m.AllowedDurations {
			if a == d {
				return true
			}
		}
		return false
	}
	if d < m.MinDuration || d > m.MaxDuration {
		return false
	}
	if m.DurationStep > 0 {
		k := (d - m.MinDuration) / m.DurationStep
		return k == float64(int(k))
	}
	return true
}

// durationsText describes the durations a model takes, for the 400 message.
func durationsText(m *model) string {
	if len(m.AllowedDurations) > 0 {
		var s []string
		for _, d := range m.AllowedDurations {
			s = append(s, strconv.FormatFloat(d, 'f', -1, 64))
		}
		return strings.Join(s, ", ") + " s"
	}
	return fmt.Sprintf("%g–%g s in steps of %g", m.MinDuration, m.MaxDuration, m.DurationStep)
}
