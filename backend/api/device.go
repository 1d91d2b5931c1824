package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	dc := &DeviceCode{DeviceCode: v.DeviceCode, UserCode: v.UserCode, VerificationURI: v.VerificationURI,
		VerificationURIComplete: v.VerificationURIComplete, issued: time.Now(),
		ExpiresIn: seconds(v.ExpiresIn, 600), Interval: seconds(v.Interval, 5)}
	return dc, nil
}

func seconds(v, def float64) time.Duration {
	if v <= 0 || v > 86400 {
		v = def
	}
	return time.Duration(v * float64(time.Second))
}

// ErrDeviceExpired means the code expired before the user approved it.
var ErrDeviceExpired = errors.New("the sign-in code expired before it was approved: start again")

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
			AccessToken string `json:"access_token"`
			Error       string `json:"error"`
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
			interval += c.tm.slowDown // RFC 8628 §3.5: five seconds more for every later poll
		case v.Error == "expired_token":
			return "", ErrDeviceExpired
		case v.Error == "invalid_grant", v.Error == "access_denied":
			return "", &Error{Kind: KindUnauthorized, Status: status, Message: "the sign-in was refused or the code is unknown: start again"}
		default:
			return "", DecodeError(status, nil, data)
		}
	}
}
