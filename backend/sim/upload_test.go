package sim

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"strings"
	"testing"
)

func TestUploadFormsAndServeBack(t *testing.T) {
	s := startSim(t, Options{UploadLimit: 4096})
	key := s.Key("secret")
	raw := bytes.Repeat([]byte("ID3 not really"), 10)

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("file", "a.bin")
	fw.Write(raw)
	mw.Close()

	for name, send := range map[string]func() resp{
		"raw": func() resp {
			return do(t, s, "POST", "/upload", key, raw, "Content-Type", "audio/mpeg", "X-File-Name", "a.mp3")
		},
		"multipart": func() resp {
			return do(t, s, "POST", "/upload", key, mp.Bytes(), "Content-Type", mw.FormDataContentType())
		},
		"json": func() resp {
			return do(t, s, "POST", "/upload", key, `{"data":"data:audio/mpeg;base64,`+base64.StdEncoding.EncodeToString(raw)+`","name":"a.mp3"}`)
		},
	} {
		r := send()
		if r.status != 200 {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		v := r.json(t)
		id, _ := v["id"].(string)
		url, _ := v["url"].(string)
		if id == "" || !strings.HasSuffix(url, "/"+id) || v["size"] != float64(len(raw)) {
			t.Fatalf("%s: %s", name, r.body)
		}
		back := do(t, s, "GET", "/"+id, "", nil)
		if back.status != 200 || !bytes.Equal(back.body, raw) {
			t.Fatalf("%s: serving back: %d", name, back.status)
		}
	}
	if s.Uploads() != 3 {
		t.Errorf("%d uploads, want 3 (no deduplication)", s.Uploads())
	}
}

func TestUploadLimitsAndAuth(t *testing.T) {
	s := startSim(t, Options{UploadLimit: 4096})
	key := s.Key("secret")
	if r := do(t, s, "POST", "/upload", "", []byte("x"), "Content-Type", "text/plain"); r.status != 401 {
		t.Errorf("no key: %d", r.status)
	}
	if r := do(t, s, "POST", "/upload", key, make([]byte, 4097), "Content-Type", "application/octet-stream"); r.status != 413 {
		t.Errorf("raw over the limit: %d %s", r.status, r.body)
	}
	if r := do(t, s, "POST", "/upload", key, make([]byte, 4096), "Content-Type", "application/octet-stream"); r.status != 200 {
		t.Errorf("raw at the limit: %d %s", r.status, r.body)
	}
	// JSON takes a quarter of the raw limit (100 of 400 MiB).
	js := `{"data":"` + base64.StdEncoding.EncodeToString(make([]byte, 1025)) + `","contentType":"application/octet-stream"}`
	if r := do(t, s, "POST", "/upload", key, js); r.status != 413 {
		t.Errorf("JSON over its limit: %d %s", r.status, r.body)
	}
	if r := do(t, s, "POST", "/upload?id=mine", key, []byte("one"), "Content-Type", "text/plain"); r.status != 200 {
		t.Errorf("custom id: %d", r.status)
	}
	if r := do(t, s, "POST", "/upload?id=mine", key, []byte("two"), "Content-Type", "text/plain"); r.status != 409 {
		t.Errorf("taken id: %d", r.status)
	}
	if r := do(t, s, "GET", "/nosuchid", "", nil); r.status != 404 {
		t.Errorf("unknown id: %d", r.status)
	}
}
