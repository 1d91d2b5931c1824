package jobs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"pollinations-studio/backend/api"
)

func TestEnsureHostedUploadsOncePerContent(t *testing.T) {
	f := newFixture(t)
	c, err := api.New(api.Options{BaseURL: f.sim.URL(), MediaURL: f.sim.URL(), Key: f.sim.Key("secret")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := filepath.Join(f.dir, "a.mp3")
	copyOfA := filepath.Join(f.dir, "same content.mp3")
	b := filepath.Join(f.dir, "b.mp3")
	os.WriteFile(a, []byte("the same bytes"), 0o644)
	os.WriteFile(copyOfA, []byte("the same bytes"), 0o644)
	os.WriteFile(b, []byte("other bytes"), 0o644)

	u1, err := EnsureHosted(ctx, c, f.lib, a)
	if err != nil || u1 == "" {
		t.Fatal(u1, err)
	}
	u2, err := EnsureHosted(ctx, c, f.lib, copyOfA)
	if err != nil || u2 != u1 || f.sim.Uploads() != 1 {
		t.Fatalf("the same content must not go up twice: %q %q, %d uploads, %v", u1, u2, f.sim.Uploads(), err)
	}
	if u3, err := EnsureHosted(ctx, c, f.lib, b); err != nil || u3 == u1 || f.sim.Uploads() != 2 {
		t.Fatalf("other content: %q, %d uploads, %v", u3, f.sim.Uploads(), err)
	}
	// Past 25 days the host may have forgotten it: uploaded again, and the new address kept.
	later := time.Now().Add(HostedReuseFor + time.Hour)
	u4, err := ensureHosted(ctx, c, f.lib, a, later)
	if err != nil || u4 == u1 || f.sim.Uploads() != 3 {
		t.Fatalf("stale: %q, %d uploads, %v", u4, f.sim.Uploads(), err)
	}
	if got, _ := EnsureHosted(ctx, c, f.lib, a); got != u4 {
		t.Fatalf("the fresh address must be remembered: %q, want %q", got, u4)
	}
	if _, err := EnsureHosted(ctx, c, f.lib, filepath.Join(f.dir, "missing.mp3")); err == nil {
		t.Fatal("a missing file is accepted")
	}
}

func TestEnsureHostedProgressReportsTheBytesSent(t *testing.T) {
	f := newFixture(t)
	c, err := api.New(api.Options{BaseURL: f.sim.URL(), MediaURL: f.sim.URL(), Key: f.sim.Key("secret")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := filepath.Join(f.dir, "frame.png")
	data := make([]byte, 200<<10)
	os.WriteFile(a, data, 0o644)
	var last int64
	calls := 0
	progress := func(n int64) { last, calls = n, calls+1 }
	if _, err := EnsureHostedProgress(ctx, c, f.lib, a, progress); err != nil {
		t.Fatal(err)
	}
	if last != int64(len(data)) || calls == 0 {
		t.Fatalf("progress ended at %d after %d calls, want %d", last, calls, len(data))
	}
	calls = 0
	if _, err := EnsureHostedProgress(ctx, c, f.lib, a, progress); err != nil || calls != 0 || f.sim.Uploads() != 1 {
		t.Fatalf("a known file: %d progress calls, %d uploads, %v", calls, f.sim.Uploads(), err)
	}
}
