package api_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
)

// BenchmarkImage1MB compares the client with a plain net/http GET of the same URL from the same
// simulator (cached on the server after the first request, so both measure transport and
// handling, not generation). The ratio is reported as client-ns/raw-ns.
func BenchmarkImage1MB(b *testing.B) {
	e := newEnv(b)
	c := e.client(b, "secret")
	ctx := context.Background()
	req := api.ImageRequest{Prompt: "a detailed mountain landscape", Model: "gptimage", Width: 1024, Height: 1024, Seed: seed(42)}
	first, err := c.Image(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	u, _ := c.ImageURL(req)
	key := e.sim.Key("secret")
	raw := func(presize bool) int {
		r, _ := http.NewRequest(http.MethodGet, u, nil)
		r.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		// Read into memory, as any real use of the image must: io.ReadAll (what plain code
		// does), or a buffer sized from Content-Length (the best plain code can do).
		var data []byte
		if presize {
			var buf bytes.Buffer
			buf.Grow(int(resp.ContentLength) + bytes.MinRead)
			buf.ReadFrom(resp.Body)
			data = buf.Bytes()
		} else {
			data, _ = io.ReadAll(resp.Body)
		}
		resp.Body.Close()
		if len(data) != len(first.Data) {
			b.Fatalf("raw GET read %d bytes, want %d", len(data), len(first.Data))
		}
		return len(data)
	}
	b.SetBytes(int64(len(first.Data)))
	b.Logf("image size %d bytes", len(first.Data))
	var clientNs, rawNs, sizedNs time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := c.Image(ctx, req); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		raw(false)
		t2 := time.Now()
		raw(true)
		t3 := time.Now()
		clientNs += t1.Sub(t0)
		rawNs += t2.Sub(t1)
		sizedNs += t3.Sub(t2)
	}
	b.ReportMetric(float64(clientNs.Nanoseconds())/float64(b.N), "client-ns/op")
	b.ReportMetric(float64(rawNs.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(sizedNs.Nanoseconds())/float64(b.N), "raw-sized-ns/op")
	b.ReportMetric(float64(clientNs)/float64(rawNs), "client/raw")
	b.ReportMetric(float64(clientNs)/float64(sizedNs), "client/raw-sized")
}

// BenchmarkTimeToFirstToken compares the first content delta through the client with a raw
// POST plus a bufio line scan.
func BenchmarkTimeToFirstToken(b *testing.B) {
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.0001})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, _ := api.New(api.Options{BaseURL: s.URL(), Key: s.Key("secret")})
	ctx := context.Background()
	body := `{"messages":[{"role":"user","content":"write 50 words"}],"stream":true}`
	var clientNs, rawNs time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		st, err := c.ChatStream(ctx, api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "write 50 words"}}})
		if err != nil {
			b.Fatal(err)
		}
		for {
			d, err := st.Recv()
			if err != nil {
				b.Fatal(err)
			}
			if d.Content != "" {
				break
			}
		}
		clientNs += time.Since(t0)
		st.Close()

		t1 := time.Now()
		r, _ := http.NewRequest(http.MethodPost, s.URL()+"/v1/chat/completions", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+s.Key("secret"))
		r.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.Contains(sc.Text(), `"content":"`) && !strings.Contains(sc.Text(), `"content":""`) {
				break
			}
		}
		rawNs += time.Since(t1)
		resp.Body.Close()
	}
	b.ReportMetric(float64(clientNs.Nanoseconds())/float64(b.N), "client-ns/op")
	b.ReportMetric(float64(rawNs.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(clientNs)/float64(rawNs), "client/raw")
}

// BenchmarkSSEParse measures the stream reader on a 20 000-token reply held in memory.
func BenchmarkSSEParse(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&buf, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"openai\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token%d \"},\"finish_reason\":null}]}\n\n", i)
		if i%100 == 0 {
			buf.WriteString(": keep-alive\n\n")
		}
	}
	buf.WriteString("data: [DONE]\n\n")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := api.CountStreamDeltas(bytes.NewReader(data))
		if err != nil || n != 20000 {
			b.Fatal(n, err)
		}
	}
}
