package sim

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestVideo(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.002}) // veo 4 s: 62 s → 124 ms
	key := s.Key("secret")
	start := time.Now()
	r := do(t, s, "GET", "/video/waves%20at%20dusk?duration=4&aspectRatio=16:9&audio=true", key, nil)
	took := time.Since(start)
	if r.status != 200 || r.header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("%d %s %.200s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if len(r.body) < 1000 || !bytes.Equal(r.body[4:8], []byte("ftyp")) || !bytes.Contains(r.body, []byte("avc1")) && !bytes.Contains(r.body, []byte("mp4v")) {
		t.Fatalf("not an MP4: % x", r.body[:min(16, len(r.body))])
	}
	if took < 100*time.Millisecond {
		t.Errorf("a 4 s veo clip took %s (want ~62 s scaled to 124 ms)", took)
	}
	for k, v := range map[string]string{"x-model-used": "google/veo-3.1-fast", "x-usage-completion-video-seconds": "4",
		"x-usage-completion-audio-seconds": "4", "x-pollen-cost": "0.4", "x-cache": "MISS"} {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// Through /image with a video model; audio=1 is not "true", so no soundtrack is billed.
	r = do(t, s, "GET", "/image/waves?model=wan-fast&duration=12&audio=1", key, nil)
	if r.status != 200 || r.header.Get("Content-Type") != "video/mp4" || r.header.Get("x-pollen-cost") != "0.96" ||
		r.header.Get("x-usage-completion-audio-seconds") != "" {
		t.Errorf("wan-fast via /image: %d %s cost %s", r.status, r.header.Get("Content-Type"), r.header.Get("x-pollen-cost"))
	}
}

func TestVideoValidation(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	cases := []struct {
		query string
		ok    bool
	}{
		{"duration=5", false}, // veo: 4, 6, 8
		{"duration=6", true},
		{"duration=121", false},
		{"duration=abc", false},
		{"model=seedance-pro&duration=2", true},
		{"model=seedance-pro&duration=11", false},
		{"model=wan-fast&duration=7", false}, // multiples of 6
		{"model=wan-fast&duration=120", true},
		{"aspectRatio=2:1", false},
		{"image=https://a/start.png|https://a/end.png", true}, // veo takes an end frame
		{"model=wan-fast&image=https://a/start.png|https://a/end.png", false},
		{"image=https://a/1.png|https://a/2.png|https://a/3.png", false},
		{"model=zimage", false},
		{"resolution=1080p", true},                // veo lists 720p and 1080p
		{"resolution=4K", false},                  // not a tier veo lists
		{"model=wan-fast&resolution=720p", false}, // a model without tiers takes none
	}
	for _, tc := range cases {
		r := do(t, s, "GET", "/video/clip?"+tc.query, key, nil)
		if (r.status == 200) != tc.ok {
			t.Errorf("%s: %d %.200s", tc.query, r.status, r.body)
		}
		if !tc.ok && r.status == 400 && !strings.Contains(tc.query, "zimage") && !strings.Contains(tc.query, "resolution") && !strings.Contains(string(r.body), "fieldErrors") {
			t.Errorf("%s: no fieldErrors: %s", tc.query, r.body)
		}
	}
}

func TestDurationAllowed(t *testing.T) {
	s := New(Options{})
	for _, tc := range []struct {
		model string
		d     float64
		ok    bool
	}{
		{"veo", 4, true}, {"veo", 8, true}, {"veo", 5, false},
		{"seedance-pro", 2, true}, {"seedance-pro", 10, true}, {"seedance-pro", 1, false}, {"seedance-pro", 3.5, false},
		{"wan-fast", 6, true}, {"wan-fast", 60, true}, {"wan-fast", 61, false}, {"wan-fast", 126, false},
	} {
		if got := durationAllowed(s.findModel(tc.model), tc.d); got != tc.ok {
			t.Errorf("%s %g: %v", tc.model, tc.d, got)
		}
	}
}
