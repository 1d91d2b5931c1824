package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
)

func uploadClient(t *testing.T, base, media, key string) *api.Client {
	t.Helper()
	c, err := api.New(api.Options{BaseURL: base, MediaURL: media, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUploadFileAndFetchItBack(t *testing.T) {
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001, UploadLimit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := uploadClient(t, s.URL(), s.URL(), s.Key("secret"))
	data := bytes.Repeat([]byte("0123456789"), 20000)
	path := filepath.Join(t.TempDir(), "clip é.mp3")
	os.WriteFile(path, data, 0o644)
	var last int64
	res, err := c.UploadFile(context.Background(), path, func(n int64) { last = n })
	if err != nil {
		t.Fatal(err)
	}
	if res.ID == "" || res.Size != int64(len(data)) || res.ContentType != "audio/mpeg" || last != int64(len(data)) {
		t.Fatalf("%+v, progress %d", res, last)
	}
	got, err := http.Get(res.URL)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(back, data) {
		t.Fatal("the stored file differs")
	}
	reqs := s.Requests()
	up := reqs[0]
	if up.Path != "/upload" || up.Header.Get("X-File-Name") != "clip %C3%A9.mp3" || up.Header.Get("Authorization") != "Bearer "+s.Key("secret") {
		t.Fatalf("upload request: %s %v", up.Path, up.Header)
	}

	// Over the host's limit: its 413 is KindTooLarge.
	big := filepath.Join(t.TempDir(), "big.wav")
	os.WriteFile(big, make([]byte, 1<<20+1), 0o644)
	if _, err := c.UploadFile(context.Background(), big, nil); !api.IsKind(err, api.KindTooLarge) {
		t.Fatalf("over the host's limit: %v", err)
	}
	// A stream of known size.
	if res, err := c.Upload(context.Background(), api.UploadRequest{Reader: strings.NewReader("hello"), Size: 5, ContentType: "text/plain", Name: "a.txt"}); err != nil || res.Size != 5 {
		t.Fatalf("stream: %+v %v", res, err)
	}
}

func TestUploadRefusesBeforeSending(t *testing.T) {
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := uploadClient(t, s.URL(), s.URL(), s.Key("secret"))
	// A sparse file: 400 MiB + 1 on paper, nothing on disk.
	path := filepath.Join(t.TempDir(), "huge.mp4")
	f, _ := os.Create(path)
	f.Truncate(api.MaxUploadBytes + 1)
	f.Close()
	if _, err := c.UploadFile(context.Background(), path, nil); !api.IsKind(err, api.KindTooLarge) {
		t.Fatalf("400 MiB + 1: %v", err)
	}
	if _, err := c.Upload(context.Background(), api.UploadRequest{Reader: strings.NewReader(""), Size: api.MaxUploadBytes + 1}); !api.IsKind(err, api.KindTooLarge) {
		t.Fatalf("a stream announced over the limit: %v", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
	noKey := uploadClient(t, s.URL(), s.URL(), "")
	if _, err := noKey.Upload(context.Background(), api.UploadRequest{Reader: strings.NewReader("x")}); !api.IsKind(err, api.KindUnauthorized) {
		t.Fatalf("no key: %v", err)
	}
}

func TestUploadKeyGoesOnlyToTheMediaHost(t *testing.T) {
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var auth, reply string
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, reply)
	}))
	t.Cleanup(media.Close)
	c := uploadClient(t, s.URL(), media.URL, s.Key("secret"))
	for _, tc := range []struct {
		reply string
		ok    bool
	}{
		{`{"id":"a","url":"https://media.pollinations.ai/a","contentType":"text/plain","size":1}`, true},
		{`{"id":"a","url":"` + media.URL + `/a","contentType":"text/plain","size":1}`, true},
		{`{"id":"a","url":"http://elsewhere.example/a","contentType":"text/plain","size":1}`, false},
		{`{"id":"a","url":"javascript:alert(1)"}`, false},
		{`not json`, false},
	} {
		reply = tc.reply
		_, err := c.Upload(context.Background(), api.UploadRequest{Reader: strings.NewReader("x"), ContentType: "text/plain"})
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.reply, err)
		}
	}
	if auth != "Bearer "+s.Key("secret") {
		t.Fatalf("media host got %q", auth)
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("the API host got %d requests", n)
	}
}
