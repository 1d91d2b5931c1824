package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DeviceCode is a pending sign-in: the user enters UserCode at VerificationURI.
type DeviceCode struct {
	DeviceCode, UserCode, VerificationURI, VerificationURIComplete string
	ExpiresIn, Interval                                            time.Duration
	issued                                                         time.Time
}

func (c *Client) postEnter(ctx context.Context, path string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(ctx, c.tm.meta)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint(c.enter, path, nil), bytesReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctxError(ctx, ctx.Err())
		}
		return 0, nil, netError(err)
	}
	data, err := readAll(resp, 1<<20)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, data, nil
}

// StartDeviceLogin asks enter.pollinations.ai for a device code (no key needed).
func (c *Client) StartDeviceLogin(ctx context.Context, clientID string) (*DeviceCode, error) {
	body := map[string]string{}
	if clientID != "" {
		body["client_id"] = clientID
	}
	status, data, err := c.postEnter(ctx, "/api/device/code", body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, DecodeError(status, nil, data)
	}
	var v struct {
		DeviceCode              string  `json:"device_code"`
		UserCode                string  `json:"user_code"`
		VerificationURI         string  `json:"verification_uri"`
		VerificationURIComplete string  `json:"verification_uri_complete"`
		ExpiresIn               float64 `json:"expires_in"`
		Interval                float64 `json:"interval"`
	}
	if err := json.Unmarshal(data, &v); err != nil || v.DeviceCode == "" {
		return nil, &Error{Kind: KindUpstream, Status: status, Message: "the sign-in service sent an unreadable device code"}
	}
	dc := &DeviceCode{DeviceCode: v.DeviceCode, UserCode: v.UserCode, VerificationURI: c.onEnter(v.VerificationURI, "/device"),
		issued: time.Now(), ExpiresIn: seconds(v.ExpiresIn, 1800), Interval: seconds(v.Interval, 5)}
	dc.VerificationURIComplete = c.onEnter(v.VerificationURIComplete, "")
	if dc.VerificationURIComplete == "" && dc.UserCode != "" {
		u, _ := url.Parse(dc.VerificationURI)
		q := u.Query()
		q.Set("user_code", dc.UserCode)
		u.RawQuery = q.Encode()
		dc.VerificationURIComplete = u.String()
	}
	return dc, nil
}

// onEnter resolves a verification URI against the sign-in host: the service has sent both
// absolute and relative ("/device") ones. Anything but http(s) gives def (or "").
func (c *Client) onEnter(raw, def string) string {
	if strings.TrimSpace(raw) == "" {
		raw = def
	}
	if raw == "" {
		return ""
	}
	ref, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	u := c.enter.ResolveReference(ref)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return u.String()
}

// NormalizeUserCode is the code as the user may type it: upper case, with or without the dash
// the service may show ("ABCD-1234" or "8ZMYESJU").
func NormalizeUserCode(code string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
}

func seconds(v, def float64) time.Duration {
	if v <= 0 || v > 86400 {
		v = def
	}
	return time.Duration(v * float64(time.Second))
}

// DeviceError is how a device sign-in ended without a key; Code is the OAuth error
// (expired_token, access_denied, invalid_grant, slow_down).
type DeviceError struct {
	Code, Message string
}

func (e *DeviceError) Error() string { return e.Message }

// Is matches the sentinel of the same code.
func (e *DeviceError) Is(target error) bool {
	t, ok := target.(*DeviceError)
	return ok && t.Code == e.Code
}

// The ways a device sign-in ends without a key.
var (
	// ErrDeviceExpired: the code expired before the user approved it.
	ErrDeviceExpired error = &DeviceError{"expired_token", "the sign-in code expired before it was approved: start again"}
	// ErrDeviceDenied: the user refused the sign-in on the consent screen.
	ErrDeviceDenied error = &DeviceError{"access_denied", "the sign-in was refused in the browser: start again to try once more"}
	// ErrDeviceInvalidGrant: the code is unknown or was used already.
	ErrDeviceInvalidGrant error = &DeviceError{"invalid_grant", "the sign-in code is unknown or was used already: start again"}
	// ErrDeviceSlowDown: the service asked to poll more slowly. WaitDeviceToken handles it
	// itself; it is exported for callers that poll on their own.
	ErrDeviceSlowDown error = &DeviceError{"slow_down", "the sign-in service asked to check less often"}
)

// WaitDeviceToken polls until the user approves the sign-in, the code expires, or ctx ends, and
// returns the new key.
func (c *Client) WaitDeviceToken(ctx context.Context, dc *DeviceCode) (string, error) {
	interval := dc.Interval
	deadline := dc.issued.Add(dc.ExpiresIn)
	for {
		if !dc.issued.IsZero() && time.Now().After(deadline) {
			return "", ErrDeviceExpired
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctxError(ctx, ctx.Err())
		case <-t.C:
		}
		status, data, err := c.postEnter(ctx, "/api/device/token", map[string]string{"device_code": dc.DeviceCode})
		if err != nil {
			if e, ok := AsError(err); ok && (e.Kind == KindNetwork || e.Kind == KindTimeout) {
				continue // a passing network fault: keep polling until the code expires
			}
			return "", err
		}
		var v struct {
			AccessToken string   `json:"access_token"`
			Error       string   `json:"error"`
			Interval    *float64 `json:"interval"`
		}
		json.Unmarshal(data, &v)
		switch {
		case status == http.StatusOK && v.AccessToken != "":
			if err := ValidateKey(v.AccessToken); err != nil {
				return "", fmt.Errorf("the sign-in service returned an unusable key: %w", err)
			}
			return v.AccessToken, nil
		case v.Error == "authorization_pending":
		case v.Error == "slow_down":
			if v.Interval != nil && *v.Interval > 0 && *v.Interval <= 3600 {
				interval = max(interval, seconds(*v.Interval, 5)) // the service's new interval
			} else {
				interval += c.tm.slowDown // RFC 8628 §3.5: five seconds more for every later poll
			}
			dc.Interval = interval
		case v.Error == "expired_token":
			return "", ErrDeviceExpired
		case v.Error == "access_denied":
			return "", ErrDeviceDenied
		case v.Error == "invalid_grant":
			return "", ErrDeviceInvalidGrant
		default:
			return "", DecodeError(status, nil, data)
		}
	}
}
