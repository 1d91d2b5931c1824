package api

import "testing"

func TestFitImageSize(t *testing.T) {
	for _, tc := range []struct {
		model   string
		w, h    int
		wantW   int
		wantH   int
		wantErr bool
	}{
		{"flux", 1024, 768, 1024, 768, false},
		{"flux", 1000, 1001, 1000, 1001, false},
		{"flux-2-pro", 1000, 1001, 1008, 1008, false},
		{"flux-2-flex", 4090, 64, 4096, 64, false},
		{"black-forest-labs/flux.2-pro", 1000, 1001, 1008, 1008, false},
		{"black-forest-labs/flux.2-max", 1000, 1001, 1000, 1001, false},
		{"flux", 63, 512, 0, 0, true},
		{"flux", 512, 4097, 0, 0, true},
		{"gptimage", 0, 0, 0, 0, true},
	} {
		w, h, err := FitImageSize(tc.model, tc.w, tc.h)
		if (err != nil) != tc.wantErr || w != tc.wantW || h != tc.wantH {
			t.Errorf("FitImageSize(%q, %d, %d) = %d, %d, %v; want %d, %d, error %v", tc.model, tc.w, tc.h, w, h, err, tc.wantW, tc.wantH, tc.wantErr)
		}
	}
}
