package sim

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

type deviceStart struct {
	DeviceCode              string  `json:"device_code"`
	UserCode                string  `json:"user_code"`
	VerificationURI         string  `json:"verification_uri"`
	VerificationURIComplete string  `json:"verification_uri_complete"`
	ExpiresIn               float64 `json:"expires_in"`
	Interval                float64 `json:"interval"`
}

func startDevice(t *testing.T, s *Server, body string) deviceStart {
	t.Helper()
	r := do(t, s, "POST", "/api/device/code", "", body)
	var d deviceStart
	if err := json.Unmarshal(r.body, &d); err != nil || r.status != 200 {
		t.Fatalf("%d %v %s", r.status, err, r.body)
	}
	return d
}

func pollDevice(t *testing.T, s *Server, code string) (int, map[string]any) {
	t.Helper()
	r := do(t, s, "POST", "/api/device/token", "", `{"device_code":"`+code+`"}`)
	return r.status, r.json(t)
}

var (
	userCodeShape = regexp.MustCompile(`^[A-Z]{4}-[0-9]{4}$`)
	uuidShape     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

func TestDeviceFlow(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.001, DeviceApproveAfter: 100 * time.Second}) // approved after 100 ms
	d := startDevice(t, s, `{"client_id":"pk_app"}`)
	if !userCodeShape.MatchString(d.UserCode) || !uuidShape.MatchString(d.DeviceCode) || d.ExpiresIn != 1800 {
		t.Fatalf("%+v", d)
	}
	if d.VerificationURI != s.URL()+"/device" || d.VerificationURIComplete != s.URL()+"/device?user_code="+d.UserCode {
		t.Fatalf("verification URIs %q %q", d.VerificationURI, d.VerificationURIComplete)
	}
	if d.Interval != 0.005 { // 5 s scaled by 0.001, a fraction the client must accept
		t.Fatalf("interval %g", d.Interval)
	}
	if r := do(t, s, "GET", strings.TrimPrefix(d.VerificationURIComplete, s.URL()), "", nil); r.status != 200 {
		t.Fatalf("verification page: %d", r.status)
	}
	pending := 0
	var key string
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		status, v := pollDevice(t, s, d.DeviceCode)
		if status == 400 && v["error"] == "authorization_pending" {
			pending++
			continue
		}
		if status != 200 || v["token_type"] != "bearer" {
			t.Fatalf("%d %v", status, v)
		}
		key, _ = v["access_token"].(string)
		break
	}
	if pending == 0 || !strings.HasPrefix(key, "sk_") {
		t.Fatalf("pending %d times, key %q", pending, key)
	}
	// The new key works, and has paid pollen.
	if r := do(t, s, "GET", "/account/key", key, nil); r.status != 200 || !strings.Contains(string(r.body), `"type":"secret"`) {
		t.Fatalf("new key: %d %s", r.status, r.body)
	}
	if _, paid := s.Balance(key); paid <= 0 {
		t.Fatal("device key has no paid pollen")
	}
	if r := do(t, s, "GET", "/api/device/userinfo", key, nil); r.status != 200 || r.json(t)["sub"] == nil {
		t.Fatalf("userinfo: %d %s", r.status, r.body)
	}
	// A code is exchanged once.
	if status, v := pollDevice(t, s, d.DeviceCode); status != 400 || v["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", status, v)
	}
	if status, v := pollDevice(t, s, "no-such-code"); status != 400 || v["error"] != "invalid_grant" {
		t.Fatalf("unknown: %d %v", status, v)
	}
	if r := do(t, s, "POST", "/api/device/token", "", `{}`); r.status != 400 || r.json(t)["error"] != "invalid_request" {
		t.Fatalf("no code: %d %s", r.status, r.body)
	}
	// A body is optional when starting.
	if d := startDevice(t, s, ""); d.DeviceCode == "" {
		t.Fatal("no code without a body")
	}
}

func TestDeviceCodeExpires(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.00003, DeviceApproveAfter: time.Hour}) // expires after 54 ms
	d := startDevice(t, s, "")
	if status, v := pollDevice(t, s, d.DeviceCode); status != 400 || v["error"] != "authorization_pending" {
		t.Fatalf("fresh: %d %v", status, v)
	}
	time.Sleep(80 * time.Millisecond)
	if status, v := pollDevice(t, s, d.DeviceCode); status != 400 || v["error"] != "expired_token" {
		t.Fatalf("expired: %d %v", status, v)
	}
}

func TestOAuthDeviceGrant(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.001, DeviceApproveAfter: time.Millisecond})
	d := startDevice(t, s, "")
	time.Sleep(5 * time.Millisecond)
	form := func(v url.Values) resp {
		return do(t, s, "POST", "/api/oauth/token", "", []byte(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	}
	if r := form(url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}); r.status != 400 || r.json(t)["error"] != "unsupported_grant_type" {
		t.Fatalf("other grant: %d %s", r.status, r.body)
	}
	r := form(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {d.DeviceCode}})
	if r.status != 200 || !strings.HasPrefix(r.json(t)["access_token"].(string), "sk_") {
		t.Fatalf("device grant: %d %s", r.status, r.body)
	}
}

func TestDeviceIntervalOption(t *testing.T) {
	for _, tc := range []struct {
		scale    float64
		interval time.Duration
		want     float64
	}{
		{1, 0, 5},
		{1, 2 * time.Second, 2},
		{0.5, 0, 2.5},
		{0.00001, 0, 0.001}, // at least 1 ms
	} {
		s := startSim(t, Options{TimeScale: tc.scale, DeviceInterval: tc.interval})
		if d := startDevice(t, s, ""); d.Interval != tc.want {
			t.Errorf("scale %g interval %s: %g, want %g", tc.scale, tc.interval, d.Interval, tc.want)
		}
	}
}

// TestDeviceOutcomes: every way a poll can end besides a key, and the relative-URI mode.
func TestDeviceOutcomes(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.001, DeviceApproveAfter: time.Hour, DeviceRelativeURIs: true})
	d := startDevice(t, s, "")
	if d.VerificationURI != "/device" || d.VerificationURIComplete != "/device?user_code="+d.UserCode || len(d.UserCode) != 8 || strings.Contains(d.UserCode, "-") {
		t.Fatalf("relative mode: %+v", d)
	}
	s.SlowDownDevice(d.UserCode, 1, 20*time.Millisecond)
	if status, v := pollDevice(t, s, d.DeviceCode); status != 400 || v["error"] != "slow_down" || v["interval"] != 0.02 {
		t.Fatalf("slow_down: %d %v", status, v)
	}
	if _, v := pollDevice(t, s, d.DeviceCode); v["error"] != "authorization_pending" {
		t.Fatalf("after slow_down: %v", v)
	}
	s.DenyDevice(d.UserCode)
	if _, v := pollDevice(t, s, d.DeviceCode); v["error"] != "access_denied" {
		t.Fatalf("denied: %v", v)
	}
	e := startDevice(t, s, "")
	s.ExpireDevice(e.UserCode)
	if _, v := pollDevice(t, s, e.DeviceCode); v["error"] != "expired_token" {
		t.Fatalf("expired: %v", v)
	}
}

// TestDeviceKeyDefaults: the signed-in key has the consent screen's defaults, readable at
// /account/key: a 5-Pollen budget and a 7-day expiry.
func TestDeviceKeyDefaults(t *testing.T) {
	s := startSim(t, Options{})
	key := s.newSecretKey()
	v := do(t, s, "GET", "/account/key", key, nil).json(t)
	exp, err := time.Parse(time.RFC3339, v["expiresAt"].(string))
	if v["pollenBudget"] != 5.0 || err != nil || time.Until(exp) < 6*24*time.Hour || time.Until(exp) > 7*24*time.Hour+time.Minute {
		t.Fatalf("device key: %v", v)
	}
}
