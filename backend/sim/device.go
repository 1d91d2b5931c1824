package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// deviceCode is one device-flow sign-in in progress.
type deviceCode struct {
	userCode  string
	clientID  string
	issued    time.Time
	expires   time.Time
	approveAt time.Time
	key       string
	used      bool
	// Outcomes a test can force (DenyDevice, ExpireDevice, SlowDownDevice).
	denied, expired bool
	slowDowns       int
	slowInterval    time.Duration
}

// handleDeviceCode is POST /api/device/code {"client_id"?}.
func (s *Server) handleDeviceCode(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ClientID string `json:"client_id"`
	}
	if b := requestBody(r); len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			writeJSON(w, 400, map[string]any{"error": "invalid_request"})
			return
		}
	}
	now := time.Now()
	user := s.userCode()
	life := s.scaled(deviceCodeLife)
	dc := &deviceCode{userCode: user, clientID: body.ClientID, issued: now, expires: now.Add(life),
		approveAt: now.Add(s.scaled(s.opts.DeviceApproveAfter))}
	id := uuid()
	s.mu.Lock()
	s.devices[id] = dc
	s.mu.Unlock()
	// The interval is scaled (a fraction of a second in tests, which the client accepts). The
	// contract fixes expires_in at the real 1800 although the code itself expires after the
	// scaled life: a client then learns of the expiry from the server's expired_token.
	interval := max(s.scaled(s.opts.DeviceInterval), time.Millisecond).Seconds()
	uri, complete := "http://"+r.Host+"/device", "http://"+r.Host+"/device?user_code="+user
	if s.opts.DeviceRelativeURIs {
		// As the older docs and better-auth's device plugin send them: relative to the sign-in host.
		uri, complete = "/device", "/device?user_code="+user
	}
	writeJSON(w, http.StatusOK, map[string]any{"device_code": id, "user_code": user, "verification_uri": uri,
		"verification_uri_complete": complete, "expires_in": int(deviceCodeLife.Seconds()), "interval": interval})
}

// deviceCodeLife is how long a device code stays valid (expires_in 1800).
const deviceCodeLife = 1800 * time.Second

// userCode makes a code like "ABCD-1234" (no I or O, which read as digits). With relative
// URIs the simulator sends better-auth's shape instead: eight characters, no dash.
func (s *Server) userCode() string {
	c := userCode()
	if s.opts.DeviceRelativeURIs {
		return c[:4] + c[5:]
	}
	return c
}

func userCode() string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, 8)
	rand.Read(b)
	out := make([]byte, 0, 9)
	for i := 0; i < 4; i++ {
		out = append(out, letters[int(b[i])%len(letters)])
	}
	out = append(out, '-')
	for i := 4; i < 8; i++ {
		out = append(out, byte('0'+int(b[i])%10))
	}
	return string(out)
}

// uuid makes a random version-4 UUID, the real device_code's shape.
func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// handleDeviceToken is POST /api/device/token {"device_code"}.
func (s *Server) handleDeviceToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		DeviceCode string `json:"device_code"`
	}
	if err := json.Unmarshal(requestBody(r), &body); err != nil || body.DeviceCode == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	s.exchangeDeviceCode(w, body.DeviceCode)
}

// handleOAuthToken is the RFC 8628 form of the same exchange on POST /api/oauth/token
// (grant_type=urn:ietf:params:oauth:grant-type:device_code, form-encoded). Other grants are
// not simulated.
func (s *Server) handleOAuthToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	code := r.PostForm.Get("device_code")
	if code == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	s.exchangeDeviceCode(w, code)
}

// exchangeDeviceCode answers a poll: pending until approved, then a new key, once.
func (s *Server) exchangeDeviceCode(w http.ResponseWriter, code string) {
	now := time.Now()
	s.mu.Lock()
	dc := s.devices[code]
	state := "approved"
	out := map[string]any{}
	switch {
	case dc == nil || dc.used:
		state = "invalid_grant"
	case dc.expired || now.After(dc.expires):
		state = "expired_token"
	case dc.denied:
		state = "access_denied"
	case dc.slowDowns > 0:
		dc.slowDowns--
		state = "slow_down"
		if dc.slowInterval > 0 {
			out["interval"] = dc.slowInterval.Seconds()
		}
	case now.Before(dc.approveAt):
		state = "authorization_pending"
	default:
		dc.used = true
	}
	s.mu.Unlock()
	if state != "approved" {
		out["error"] = state
		writeJSON(w, http.StatusBadRequest, out)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": s.newSecretKey(), "token_type": "bearer"})
}

// handleUserInfo is GET /api/device/userinfo: who a key belongs to.
func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{"sub": "user_" + fmt.Sprintf("%x", sha256.Sum256([]byte(a.wallet.name)))[:16],
		"preferred_username": "pollinator", "picture": nil}
	if contains(a.permissions, "profile") {
		out["name"], out["email"] = a.wallet.name, "pollinator@example.com"
	}
	writeJSON(w, http.StatusOK, out)
}

// deviceByUserCode finds a pending sign-in by the code the user sees. Caller holds s.mu.
func (s *Server) deviceByUserCode(user string) *deviceCode {
	for _, dc := range s.devices {
		if dc.userCode == user {
			return dc
		}
	}
	return nil
}

// DenyDevice makes the user refuse the sign-in: its polls get access_denied.
func (s *Server) DenyDevice(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dc := s.deviceByUserCode(user); dc != nil {
		dc.denied = true
	}
}

// ExpireDevice ends the code's life now: its polls get expired_token.
func (s *Server) ExpireDevice(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dc := s.deviceByUserCode(user); dc != nil {
		dc.expired = true
	}
}

// SlowDownDevice answers the code's next n polls with slow_down, carrying a new interval when
// interval > 0 (not scaled: tests pass small values).
func (s *Server) SlowDownDevice(user string, n int, interval time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dc := s.deviceByUserCode(user); dc != nil {
		dc.slowDowns, dc.slowInterval = n, interval
	}
}
