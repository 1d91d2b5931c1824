package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// DefaultMediaURL is the media storage host (uploads, and the stored copies of generations).
const DefaultMediaURL = "https://media.pollinations.ai"

// MaxUploadBytes is the largest file one raw upload takes (400 MiB).
const MaxUploadBytes = 400 << 20

// UploadRequest is one file to put on the media host: a local file (Path) or a stream (Reader,
// with its Size when known).
type UploadRequest struct {
	Path   string
	Reader io.Reader
	// Size of Reader in bytes; > 0 is checked before sending and sent as Content-Length.
	Size int64
	// ContentType defaults to the file extension's type; Name to the file's base name.
	ContentType, Name string
	// Progress, when set, is told the bytes sent so far.
	Progress func(sent int64)
}

// UploadResult is the stored file.
type UploadResult struct {
	ID          string `json:"id"`
	URL         string `json:"url"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// UploadFile uploads a local file.
func (c *Client) UploadFile(ctx context.Context, path string, progress func(sent int64)) (UploadResult, error) {
	return c.Upload(ctx, UploadRequest{Path: path, Progress: progress})
}

// Upload stores a file on the media host and returns its public address, which expires about
// 30 days after its last read. The key goes to the configured media host and nowhere else.
// Uploads are not retried: the host does not deduplicate, so a retry would store a second copy.
func (c *Client) Upload(ctx context.Context, r UploadRequest) (UploadResult, error) {
	if c.key == "" {
		return UploadResult{}, &Error{Kind: KindUnauthorized, Message: ErrNoKey.Error(), Err: ErrNoKey}
	}
	media, err := parseBase(orDefaultURL(c.opts.MediaURL))
	if err != nil {
		return UploadResult{}, &Error{Kind: KindBadRequest, Message: "media host: " + err.Error(), Err: err}
	}
	body, size, err := r.open()
	if err != nil {
		return UploadResult{}, err
	}
	defer body.Close()
	counted := &uploadCounter{r: body, progress: r.Progress, limit: MaxUploadBytes}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint(media, "/upload", nil), counted)
	if err != nil {
		return UploadResult{}, &Error{Kind: KindBadRequest, Message: "cannot build the request: " + Redact(err.Error()), Err: err}
	}
	if size > 0 {
		req.ContentLength = size
	}
	ct := r.ContentType
	if ct == "" && r.Path != "" {
		ct = ContentTypeOf(r.Path)
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	req.Header.Set("Content-Type", ct)
	if name := headerSafeName(r.name()); name != "" {
		req.Header.Set("X-File-Name", name)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.hc.Do(req)
	if err != nil {
		if counted.over {
			return UploadResult{}, tooLarge(counted.n)
		}
		if ctx.Err() != nil {
			return UploadResult{}, ctxError(ctx, ctx.Err())
		}
		var pre *Error
		if errors.As(err, &pre) {
			return UploadResult{}, pre
		}
		return UploadResult{}, netError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return UploadResult{}, &Error{Kind: KindIncomplete, Message: Redact(err.Error()), Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return UploadResult{}, decodeError(resp.StatusCode, resp.Header, data, c.enter)
	}
	var out UploadResult
	if err := json.Unmarshal(data, &out); err != nil || out.URL == "" {
		return UploadResult{}, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the upload's answer could not be read"}
	}
	if !trustedMediaURL(out.URL, media) {
		return UploadResult{}, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the media host answered with an address that is not https: " + Redact(out.URL)}
	}
	return out, nil
}

func orDefaultURL(s string) string {
	if strings.TrimSpace(s) == "" {
		return DefaultMediaURL
	}
	return s
}

// trustedMediaURL accepts an https address, or one on the configured media host itself (the
// simulator is plain http).
func trustedMediaURL(s string, media *url.URL) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == media.Scheme && u.Host == media.Host)
}

func tooLarge(n int64) *Error {
	return &Error{Kind: KindTooLarge, Message: fmt.Sprintf("the file is %.1f MB; the media host takes files up to %d MiB", float64(n)/(1<<20), MaxUploadBytes>>20)}
}

// open checks the size and returns the body to send, with its length when known.
func (r UploadRequest) open() (io.ReadCloser, int64, error) {
	if r.Path != "" {
		st, err := os.Stat(r.Path)
		if err != nil {
			return nil, 0, &Error{Kind: KindBadRequest, Message: "cannot read the file: " + err.Error(), Err: err}
		}
		if st.IsDir() {
			return nil, 0, &Error{Kind: KindBadRequest, Message: filepath.Base(r.Path) + " is a folder, not a file"}
		}
		if st.Size() == 0 {
			return nil, 0, &Error{Kind: KindBadRequest, Message: filepath.Base(r.Path) + " is empty"}
		}
		if st.Size() > MaxUploadBytes {
			return nil, 0, tooLarge(st.Size())
		}
		f, err := os.Open(r.Path)
		if err != nil {
			return nil, 0, &Error{Kind: KindBadRequest, Message: "cannot read the file: " + err.Error(), Err: err}
		}
		return f, st.Size(), nil
	}
	if r.Reader == nil {
		return nil, 0, &Error{Kind: KindBadRequest, Message: "nothing to upload"}
	}
	if r.Size > MaxUploadBytes {
		return nil, 0, tooLarge(r.Size)
	}
	return io.NopCloser(r.Reader), r.Size, nil
}

func (r UploadRequest) name() string {
	if r.Name != "" {
		return r.Name
	}
	if r.Path != "" {
		return filepath.Base(r.Path)
	}
	return ""
}

// headerSafeName keeps a file name printable ASCII for a header; other characters are
// percent-encoded [I: the host's decoding of X-File-Name is not documented].
func headerSafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 && unicode.IsPrint(r) && r != '%':
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteString(url.PathEscape(string(r)))
		}
	}
	return b.String()
}

// uploadCounter counts the bytes sent, reports progress, and stops a stream of unknown size
// at the limit.
type uploadCounter struct {
	r        io.Reader
	n, limit int64
	progress func(int64)
	over     bool
}

func (u *uploadCounter) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	u.n += int64(n)
	if u.n > u.limit {
		u.over = true
		return 0, tooLarge(u.n)
	}
	if n > 0 && u.progress != nil {
		u.progress(u.n)
	}
	return n, err
}
