package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/jobs"
)

// snakeKey is what every key of the --json output looks like.
var snakeKey = regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)

// badKeys walks a decoded JSON value and returns the path of every object key that is not
// snake_case (a Go field name such as "HasBreakdown" leaking through, or camelCase).
func badKeys(v any, path string) []string {
	var bad []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !snakeKey.MatchString(k) {
				bad = append(bad, path+"."+k)
			}
			bad = append(bad, badKeys(x, path+"."+k)...)
		}
	case []any:
		for i, x := range v {
			bad = append(bad, badKeys(x, path+"["+strconv.Itoa(i)+"]")...)
		}
	}
	sort.Strings(bad)
	return bad
}

// decodeOne decodes stdout as exactly one JSON value: nothing printed before or after it.
func decodeOne(t *testing.T, what, stdout string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: stdout is not JSON: %v\n%s", what, err, stdout)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: more than one JSON value on stdout:\n%s", what, stdout)
	}
	if bad := badKeys(v, what); len(bad) > 0 {
		t.Errorf("%s: keys not in snake_case: %v", what, bad)
	}
	return v
}

func hasKeys(t *testing.T, what string, v any, keys []string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: not a JSON object: %v", what, v)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: key %q missing", what, k)
		}
	}
	return m
}

var itemKeys = []string{"id", "kind", "status", "error", "prompt", "negative_prompt", "model_requested", "model_used",
	"seed", "width", "height", "duration_seconds", "content_type", "media_path", "media_size", "media_missing",
	"hosted_url", "text", "cost", "cost_known", "currency", "parent_id", "relation", "references", "favourite",
	"tags", "collections", "created_at", "finished_at", "trashed_at", "params"}

var modelKeys = []string{"name", "kind", "aliases", "category", "title", "description", "publisher", "paid_only",
	"community", "input_modalities", "output_modalities", "supported_endpoints", "pricing", "price_unit",
	"pricing_default_label", "pricing_variants", "flat_rate", "voices", "min_duration", "max_duration",
	"default_duration", "duration_step", "allowed_durations", "max_reference_images", "resolutions",
	"video_capabilities", "capabilities", "context_length", "reasoning", "per_user_rpm", "health", "degraded"}

// The checker itself must catch a Go field name, nested or not.
func TestBadKeysFindsGoFieldNames(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{"id":1,"params":{"seed":2}}`, nil},
		{`{"ID":1}`, []string{"x.ID"}},
		{`{"balance":{"HasBreakdown":true}}`, []string{"x.balance.HasBreakdown"}},
		{`[{"segments":[{"Start":0}]}]`, []string{"x[0].segments[0].Start"}},
		{`{"pricing":{"completionImageTokens":1}}`, []string{"x.pricing.completionImageTokens"}},
	} {
		var v any
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
			t.Fatal(err)
		}
		if got := badKeys(v, "x"); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTidy(t *testing.T) {
	for in, want := range map[float64]string{
		0.00041040000000000006: "0.0004104", 0.000014999999999999999: "0.000015", 0.1 + 0.2: "0.3", 25: "25", 0: "0",
	} {
		b, _ := json.Marshal(tidy(in))
		if string(b) != want {
			t.Errorf("tidy(%v) = %s, want %s", in, b, want)
		}
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"completionImageTokens": "completion_image_tokens",
		"price":                 "price",
		"HasBreakdown":          "has_breakdown",
		"costUSD":               "cost_usd",
		"promptTextTokens":      "prompt_text_tokens",
		"HTTPStatus":            "http_status",
		"already_snake":         "already_snake",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every command's --json prints one JSON value with the documented snake_case keys and no Go
// field name, against the simulator.
func TestJSONOutputIsSnakeCase(t *testing.T) {
	h := newHarness(t)
	runJSON := func(args ...string) any {
		t.Helper()
		code, stdout, stderr := h.run(args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return decodeOne(t, strings.Join(args[:1], " "), stdout)
	}
	item := func(kind string, args ...string) map[string]any {
		t.Helper()
		m := hasKeys(t, args[0], runJSON(args...), itemKeys)
		if m["kind"] != kind || m["status"] != "done" || m["currency"] != "pollen" {
			t.Errorf("%s: kind %v status %v currency %v", args[0], m["kind"], m["status"], m["currency"])
		}
		if _, ok := m["params"].(map[string]any); !ok {
			t.Errorf("%s: params is not an object: %v", args[0], m["params"])
		}
		return m
	}

	img := item("image", "image", "a lighthouse", "-o", h.path("l.jpg"), "--seed", "7", "--width", "320", "--height", "200", "--json")
	if img["seed"] != 7.0 || img["width"] != 320.0 || img["params"].(map[string]any)["seed"] != 7.0 {
		t.Errorf("image: %v", img)
	}
	out, _ := os.ReadFile(h.path("l.jpg"))
	kept, _ := os.ReadFile(img["media_path"].(string))
	if len(out) == 0 || !bytes.Equal(out, kept) {
		t.Errorf("media_path %v is not the file written to -o", img["media_path"])
	}
	for _, k := range []string{"created_at", "finished_at"} {
		if s, _ := img[k].(string); s == "" {
			t.Errorf("%s missing", k)
		} else if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Errorf("%s is not RFC 3339: %v", k, err)
		}
	}

	txt := item("text", "text", "hello there", "--json")
	if s, _ := txt["text"].(string); s == "" {
		t.Errorf("text --json has no reply: %v", txt)
	}
	speech := item("speech", "speak", "Hello from the simulator", "-o", h.path("hello.mp3"), "--json")
	if speech["content_type"] != "audio/mpeg" {
		t.Errorf("speak: %v", speech["content_type"])
	}
	tr := item("transcript", "transcribe", h.path("hello.mp3"), "--model", "scribe", "--format", "diarized_json", "--speakers", "2", "--json")
	segs, _ := tr["segments"].([]any)
	if len(segs) == 0 {
		t.Fatalf("transcribe --json has no segments: %v", tr)
	}
	for i, s := range segs {
		hasKeys(t, "segment "+strconv.Itoa(i), s, []string{"start", "end", "text", "speaker"})
	}
	// The transcript formats of --format carry snake_case segments too.
	decodeOne(t, "transcribe --format verbose_json", func() string {
		_, stdout, _ := h.run("transcribe", h.path("hello.mp3"), "--format", "verbose_json")
		return stdout
	}())
	item("video", "video", "waves", "-o", h.path("clip.mp4"), "--model", "wan-fast", "--duration", "6", "--json")
	item("music", "music", "a calm piano loop", "-o", h.path("piano.mp3"), "--duration", "4", "--json")
	item("sound", "sound", "glass breaking", "-o", h.path("glass.mp3"), "--duration", "1.5", "--json")
	talk := h.voiceWAV("talk.wav", 5)
	iso := item("speech", "isolate", talk, "-o", h.path("voice.mp3"), "--json")
	if iso["parent_id"] == nil || iso["relation"] == "" {
		t.Errorf("isolate: not linked to its source: %v %v", iso["parent_id"], iso["relation"])
	}
	item("speech", "revoice", talk, "--voice", "rachel", "-o", h.path("rachel.mp3"), "--json")

	stems, ok := runJSON("stems", h.voiceWAV("song.wav", 6), "-o", h.path("stems"), "--two", "--json").([]any)
	if !ok || len(stems) != 2 {
		t.Fatalf("stems --json: want an array of 2 items, got %v", stems)
	}
	for i, s := range stems {
		m := hasKeys(t, "stem "+strconv.Itoa(i), s, itemKeys)
		if m["relation"] != jobs.RelationStem || m["parent_id"] == nil {
			t.Errorf("stem %d: relation %v parent %v", i, m["relation"], m["parent_id"])
		}
	}

	models, ok := runJSON("models", "--json").([]any)
	if !ok || len(models) < 10 {
		t.Fatalf("models --json: %d models", len(models))
	}
	for _, m := range models {
		hasKeys(t, "model", m, modelKeys)
	}
	acct := hasKeys(t, "account", runJSON("account", "--json"), []string{"key", "balance", "balance_error"})
	hasKeys(t, "account.key", acct["key"], []string{"valid", "type", "name", "expires_at", "allowed_categories",
		"allowed_models", "account_permissions", "pollen_budget", "rate_limit_enabled", "quest_pollen_only"})
	bal := hasKeys(t, "account.balance", acct["balance"], []string{"available", "quest_pollen", "paid_pollen",
		"account_total", "key_budget_left", "text"})
	if _, ok := bal["quest_pollen"].(float64); !ok {
		t.Errorf("the secret key's balance has no Quest Pollen: %v", bal)
	}

	list, ok := runJSON("library", "list", "--json", "--limit", "100").([]any)
	if !ok || len(list) < 12 {
		t.Fatalf("library list --json: %d items", len(list))
	}
	for _, it := range list {
		hasKeys(t, "library list", it, itemKeys)
	}
	found, _ := runJSON("library", "search", "lighthouse", "--json").([]any)
	if len(found) != 1 {
		t.Errorf("library search --json: %v", found)
	}
	shown, _ := runJSON("library", "show", strconv.Itoa(int(tr["id"].(float64))), "--json").([]any)
	if len(shown) != 1 || len(shown[0].(map[string]any)["segments"].([]any)) != len(segs) {
		t.Errorf("library show --json of the transcript: %v", shown)
	}
	if code, _, stderr := h.run("library", "export", "-o", h.path("all.zip")); code != ExitOK {
		t.Fatalf("export: %s", stderr)
	}
	h.env["POLLINATIONS_STUDIO_DATA"] = h.path("other")
	rep := hasKeys(t, "library import", runJSON("library", "import", h.path("all.zip"), "--json"), []string{"added", "skipped", "media"})
	if added, skipped := rep["added"].(float64), rep["skipped"].(float64); added == 0 || int(added+skipped) != len(list) {
		t.Errorf("import of %d items: %v", len(list), rep)
	}
}
