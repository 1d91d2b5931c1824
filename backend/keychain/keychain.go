// Package keychain keeps the user's Pollinations key in the operating system's keychain
// (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows) and never on disk
// in clear.
package keychain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Service and account names under which the key is stored.
const (
	Service = "pollinations-studio"
	Account = "api-key"
)

var (
	// ErrNotFound means no key is stored.
	ErrNotFound = errors.New("no key is stored in the keychain")
	// ErrUnavailable means the system has no usable keychain (no Secret Service running,
	// a locked collection, a prompt that never answers).
	ErrUnavailable = errors.New("the system keychain is not available")
)

// Store keeps one secret.
type Store interface {
	Get(ctx context.Context) (string, error)
	Set(ctx context.Context, secret string) error
	Delete(ctx context.Context) error
}

// OS is the Store backed by the operating system's keychain.
type OS struct {
	Service, Account string
	// Timeout bounds each call: some Secret Service providers show an unlock prompt that may
	// never be answered (go-keyring issue #88), and the UI must not wait for ever.
	Timeout time.Duration
}

// NewOS returns the keychain store for the app's key.
func NewOS() *OS { return &OS{Service: Service, Account: Account, Timeout: 5 * time.Second} }

// Get returns the stored key, ErrNotFound, or an error wrapping ErrUnavailable.
func (s *OS) Get(ctx context.Context) (string, error) {
	var v string
	err := s.call(ctx, func() error {
		var err error
		v, err = keyring.Get(s.Service, s.Account)
		return err
	})
	return v, err
}

// Set stores the key.
func (s *OS) Set(ctx context.Context, secret string) error {
	return s.call(ctx, func() error { return keyring.Set(s.Service, s.Account, secret) })
}

// Delete removes the key; deleting a key that is not there is not an error.
func (s *OS) Delete(ctx context.Context) error {
	err := s.call(ctx, func() error { return keyring.Delete(s.Service, s.Account) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func (s *OS) call(ctx context.Context, f func() error) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return classify(err)
	case <-ctx.Done():
		return fmt.Errorf("%w: it did not answer within %s (is it locked?)", ErrUnavailable, timeout)
	}
}

// classify maps go-keyring's errors to ours; the text of the provider error is kept because it
// tells the user what is missing (no D-Bus, no Secret Service, locked collection).
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("keychain: the key is too long to store: %w", err)
	default:
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
}

// Memory is an in-memory Store, for tests and for a session where the user chose not to keep
// the key.
type Memory struct {
	mu     sync.Mutex
	secret string
	set    bool
	// Fail, when set, is returned by every call (to test the app's handling of a broken keychain).
	Fail error
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{} }

// Get returns the stored secret or ErrNotFound.
func (m *Memory) Get(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return "", m.Fail
	}
	if !m.set {
		return "", ErrNotFound
	}
	return m.secret, nil
}

// Set stores the secret.
func (m *Memory) Set(_ context.Context, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	m.secret, m.set = secret, true
	return nil
}

// Delete forgets the secret.
func (m *Memory) Delete(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	m.secret, m.set = "", false
	return nil
}
