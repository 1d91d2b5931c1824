package keychain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

func TestMemoryRoundTrip(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	if _, err := m.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty store: got %v, want ErrNotFound", err)
	}
	if err := m.Set(ctx, "sk_test"); err != nil {
		t.Fatal(err)
	}
	if v, err := m.Get(ctx); err != nil || v != "sk_test" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := m.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: got %v", err)
	}
	m.Fail = ErrUnavailable
	if err := m.Set(ctx, "x"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("failing store: got %v", err)
	}
}

// The OS store runs against go-keyring's mock provider: the mapping of its errors is ours.
func TestOSStoreWithMockProvider(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	s := NewOS()
	if _, err := s.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	if err := s.Set(ctx, "sk_abc"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx); err != nil || v != "sk_abc" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx); err != nil {
		t.Fatalf("second delete should be a no-op, got %v", err)
	}

	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	_, err := s.Get(ctx)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if want := "org.freedesktop.secrets"; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q should keep the provider's reason %q", err, want)
	}
}

func TestOSStoreTimesOut(t *testing.T) {
	s := &OS{Service: Service, Account: Account, Timeout: 20 * time.Millisecond}
	start := time.Now()
	err := s.call(context.Background(), func() error { time.Sleep(time.Second); return nil })
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if time.Since(start) >= time.Second { // the call it must not wait for
		t.Fatalf("timeout not honoured: took %s", time.Since(start))
	}
}
