package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startSim serves a simulator at a fast pace for one test.
func startSim(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.TimeScale == 0 {
		opts.TimeScale = 0.001
	}
	s, err := Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// resp is a finished exchange.
type resp struct {
	status int
	header http.Header
	body   []byte
	err    error // a body read error (e.g. a cut connection)
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("status %d: body is not a JSON object: %v: %.200s", r.status, err, r.body)
	}
	return v
}

// errorMessage returns error.message of the standard envelope.
func (r resp) errorMessage(t *testing.T) string {
	t.Helper()
	v := r.json(t)
	e, ok := v["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object in %.300s", r.body)
	}
	code, _ := e["code"].(string)
	override := map[string]bool{"INSUFFICIENT_BALANCE": true, "KEY_BUDGET_EXHAUSTED": true, "QUEST_POLLEN_ONLY": true,
		"content_blocked": true, "content_policy_violation": true, "community_model_rate_limit": true}
	// The envelope of the service: no requestId (never filled) and no cause any more.
	_, hasID := e["requestId"]
	_, hasCause := e["cause"]
	if v["success"] != false || v["status"] != float64(r.status) || code != codeFor(r.status) && !override[code] || hasID || hasCause || e["timestamp"] == "" {
		t.Fatalf("not the standard envelope for %d: %.300s", r.status, r.body)
	}
	msg, _ := e["message"].(string)
	return msg
}

// do sends a request with an optional key (Bearer) and body; a string body is sent as JSON.
func do(t *testing.T, s *Server, method, path, key string, body any, header ...string) resp {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd = bytes.NewReader(b)
	default:
		t.Fatalf("body type %T", body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, rerr := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: data, err: rerr}
}

// waitFor polls cond for up to two seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func approx(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// errorField returns error.<name> of the envelope as a string ("" when absent).
func (r resp) errorField(t *testing.T, name string) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	v, _ := e[name].(string)
	return v
}
