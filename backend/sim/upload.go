package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Media storage (media.pollinations.ai) on the same server: POST /upload takes a raw body, a
// multipart "file" or JSON {data, contentType, name}; GET /{id} serves the bytes back. There is
// no deduplication: every upload gets a new id.

// DefaultUploadLimit is the raw and multipart limit (400 MiB); JSON bodies take a quarter of
// it (100 MiB).
const DefaultUploadLimit = 400 << 20

type uploaded struct {
	data        []byte
	contentType string
	at          time.Time
}

// uploadStore holds the uploaded files of one Server.
type uploadStore struct {
	mu    sync.Mutex
	files map[string]*uploaded
}

func (s *Server) uploadLimit() int64 {
	if s.opts.UploadLimit > 0 {
		return s.opts.UploadLimit
	}
	return DefaultUploadLimit
}

// uploadReadLimit is how much of an /upload body ServeHTTP may read: the raw limit, or a JSON
// body's base64 of the JSON limit, plus room for multipart and JSON framing.
func (s *Server) uploadReadLimit() int64 {
	return max(s.uploadLimit(), s.uploadLimit()/4*4/3) + 64<<10
}

var uploadIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// handleUpload is POST /upload.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	key := requestKey(r)
	if key == "" {
		key = strings.TrimSpace(r.URL.Query().Get("key"))
	}
	s.mu.Lock()
	a := s.accounts[key]
	s.mu.Unlock()
	if a == nil || (a.expiresAt != nil && time.Now().After(*a.expiresAt)) {
		writeError(w, http.StatusUnauthorized, "A valid API key is required. Get one at https://enter.pollinations.ai/keys", nil)
		return
	}
	body := requestBody(r)
	limit := s.uploadLimit()
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var data []byte
	contentType, id := "", r.URL.Query().Get("id")
	switch {
	case ct == "multipart/form-data":
		mr, err := (&http.Request{Header: r.Header, Body: io.NopCloser(bytes.NewReader(body))}).MultipartReader()
		if err != nil || params["boundary"] == "" {
			writeError(w, 400, "Malformed multipart body", nil)
			return
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				writeError(w, 400, "Malformed multipart body", nil)
				return
			}
			v, err := io.ReadAll(io.LimitReader(p, limit+1))
			if err != nil {
				writeError(w, 400, "Malformed multipart body", nil)
				return
			}
			switch p.FormName() {
			case "file":
				data, contentType = v, p.Header.Get("Content-Type")
			case "id":
				id = string(v)
			}
		}
		if data == nil {
			writeError(w, 400, "No file provided: send a \"file\" field", nil)
			return
		}
	case ct == "application/json":
		limit = s.uploadLimit() / 4
		var v struct {
			Data        string `json:"data"`
			ContentType string `json:"contentType"`
			Name        string `json:"name"`
			ID          string `json:"id"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.Data == "" {
			writeError(w, 400, "Expected JSON {data, contentType, name} with base64 or a data URI in data", nil)
			return
		}
		raw := v.Data
		if rest, ok := strings.CutPrefix(raw, "data:"); ok {
			meta, payload, found := strings.Cut(rest, ",")
			if !found || !strings.HasSuffix(meta, ";base64") {
				writeError(w, 400, "Invalid data URI: expected base64", nil)
				return
			}
			raw = payload
			if v.ContentType == "" {
				v.ContentType = strings.TrimSuffix(meta, ";base64")
			}
		}
		d, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			writeError(w, 400, "Invalid base64 in data", nil)
			return
		}
		data, contentType = d, v.ContentType
		if v.ID != "" {
			id = v.ID
		}
	default:
		data, contentType = body, r.Header.Get("Content-Type")
	}
	if int64(len(data)) > limit {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("File too large: the maximum is %d MiB", limit>>20), nil)
		return
	}
	if len(data) == 0 {
		writeError(w, 400, "The file is empty", nil)
		return
	}
	if contentType == "" {
		contentType = http.DetectContentType(data)
	}
	if id != "" && !uploadIDRE.MatchString(id) {
		badRequest(w, "id", "Invalid id: use letters, digits, - and _ (at most 64)")
		return
	}
	st := &s.uploads
	st.mu.Lock()
	if st.files == nil {
		st.files = map[string]*uploaded{}
	}
	if id == "" {
		id = randomID(12)
	} else if st.files[id] != nil {
		st.mu.Unlock()
		writeError(w, http.StatusConflict, "The id "+id+" is already taken", nil)
		return
	}
	st.files[id] = &uploaded{data: data, contentType: contentType, at: time.Now()}
	st.mu.Unlock()
	// The stored file is served from this server, so that tests can fetch it back.
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "url": "http://" + r.Host + "/" + id,
		"contentType": contentType, "size": len(data)})
}

// uploadedFile finds an uploaded file by the path /{id}.
func (s *Server) uploadedFile(path string) *uploaded {
	id, ok := strings.CutPrefix(path, "/")
	if !ok || !uploadIDRE.MatchString(id) {
		return nil
	}
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	return s.uploads.files[id]
}

// Uploads is how many files have been uploaded (tests check that a file goes up once).
func (s *Server) Uploads() int {
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	return len(s.uploads.files)
}

// serveUpload is GET /{id}: public, no key.
func serveUpload(w http.ResponseWriter, f *uploaded) {
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(f.data)))
	w.WriteHeader(http.StatusOK)
	w.Write(f.data)
}
