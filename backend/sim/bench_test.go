package sim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkRenderImage is the cost of drawing and encoding one default-size picture.
func BenchmarkRenderImage(b *testing.B) {
	for _, size := range []int{256, 1024} {
		for _, png := range []bool{false, true} {
			b.Run(fmt.Sprintf("%d/png=%v", size, png), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := renderImage("flux", "bench", int64(i), size, size, png, false); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCachedImageGET is a cache hit through the whole handler (auth, checks, cache).
func BenchmarkCachedImageGET(b *testing.B) {
	s := New(Options{TimeScale: 0.00001})
	key := s.Key("secret")
	req := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/image/bench?width=256&height=256&seed=1", nil)
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	if w := req(); w.Code != http.StatusOK {
		b.Fatal(w.Code)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if w := req(); w.Header().Get("x-cache") != "HIT" {
			b.Fatal("not a hit")
		}
	}
}
