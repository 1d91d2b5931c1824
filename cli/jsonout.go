package cli

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// The --json output: explicit structs with snake_case keys, mapped from the library's and the
// API client's types, so that renaming a Go field never changes what scripts read. Every key
// is always present (null when there is no value), except where docs/cli.md says otherwise.
// docs/cli.md documents each shape; change both together.

// timeLayout is RFC 3339 in UTC with milliseconds, the library's precision.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// itemJSON is one library item.
type itemJSON struct {
	ID              int64           `json:"id"`
	Kind            string          `json:"kind"`
	Status          string          `json:"status"`
	Error           string          `json:"error"`
	Prompt          string          `json:"prompt"`
	NegativePrompt  string          `json:"negative_prompt"`
	ModelRequested  string          `json:"model_requested"`
	ModelUsed       string          `json:"model_used"`
	Seed            *int64          `json:"seed"`
	Width           int             `json:"width"`
	Height          int             `json:"height"`
	DurationSeconds float64         `json:"duration_seconds"`
	ContentType     string          `json:"content_type"`
	MediaPath       string          `json:"media_path"`
	MediaSize       int64           `json:"media_size"`
	MediaMissing    bool            `json:"media_missing"`
	HostedURL       string          `json:"hosted_url"`
	Text            string          `json:"text"`
	Cost            float64         `json:"cost"`
	CostKnown       bool            `json:"cost_known"`
	Currency        string          `json:"currency"`
	ParentID        *int64          `json:"parent_id"`
	Relation        string          `json:"relation"`
	References      []string        `json:"references"`
	Favourite       bool            `json:"favourite"`
	Tags            []string        `json:"tags"`
	Collections     []string        `json:"collections"`
	CreatedAt       string          `json:"created_at"`
	FinishedAt      *string         `json:"finished_at"`
	TrashedAt       *string         `json:"trashed_at"`
	Params          json.RawMessage `json:"params"`
	// Segments are a transcript's timed pieces: present only for transcripts, in
	// `transcribe --json` and `library show --json`.
	Segments []segmentJSON `json:"segments,omitempty"`
}

// segmentJSON is one timed piece of a transcript.
type segmentJSON struct {
	Start   float64 `json:"start"`
	End     float64 `json:"end"`
	Text    string  `json:"text"`
	Speaker string  `json:"speaker"`
}

// modelJSON is one catalogue entry.
type modelJSON struct {
	Name                string               `json:"name"`
	Kind                string               `json:"kind"`
	Aliases             []string             `json:"aliases"`
	Category            string               `json:"category"`
	Title               string               `json:"title"`
	Description         string               `json:"description"`
	Publisher           string               `json:"publisher"`
	PaidOnly            bool                 `json:"paid_only"`
	Community           bool                 `json:"community"`
	InputModalities     []string             `json:"input_modalities"`
	OutputModalities    []string             `json:"output_modalities"`
	SupportedEndpoints  []string             `json:"supported_endpoints"`
	Pricing             map[string]float64   `json:"pricing"`
	PriceUnit           string               `json:"price_unit"`
	PricingDefaultLabel string               `json:"pricing_default_label"`
	PricingVariants     []pricingVariantJSON `json:"pricing_variants"`
	FlatRate            *bool                `json:"flat_rate"`
	Voices              []string             `json:"voices"`
	MinDuration         float64              `json:"min_duration"`
	MaxDuration         float64              `json:"max_duration"`
	DefaultDuration     float64              `json:"default_duration"`
	DurationStep        float64              `json:"duration_step"`
	AllowedDurations    []float64            `json:"allowed_durations"`
	MaxReferenceImages  int                  `json:"max_reference_images"`
	Resolutions         []string             `json:"resolutions"`
	VideoCapabilities   []string             `json:"video_capabilities"`
	Capabilities        []string             `json:"capabilities"`
	ContextLength       int                  `json:"context_length"`
	Reasoning           bool                 `json:"reasoning"`
	PerUserRPM          int                  `json:"per_user_rpm"`
	Health              *healthJSON          `json:"health"`
	Degraded            bool                 `json:"degraded"`
}

// pricingVariantJSON is a priced variant (a resolution tier, diarization…): a list rather than
// an object keyed by name, so that every key in the output is part of the schema.
type pricingVariantJSON struct {
	Name    string             `json:"name"`
	Pricing map[string]float64 `json:"pricing"`
}

type healthJSON struct {
	Status      string  `json:"status"`
	SuccessRate float64 `json:"success_rate"`
	Requests    int     `json:"requests"`
}

// accountJSON is what `account --json` prints.
type accountJSON struct {
	Key          keyJSON      `json:"key"`
	Balance      *balanceJSON `json:"balance"`
	BalanceError *string      `json:"balance_error"`
}

type keyJSON struct {
	Valid              bool     `json:"valid"`
	Type               string   `json:"type"`
	Name               string   `json:"name"`
	ExpiresAt          *string  `json:"expires_at"`
	AllowedCategories  []string `json:"allowed_categories"` // null: all kinds; []: none
	AllowedModels      []string `json:"allowed_models"`     // null: no model list
	AccountPermissions []string `json:"account_permissions"`
	PollenBudget       *float64 `json:"pollen_budget"`
	RateLimitEnabled   bool     `json:"rate_limit_enabled"`
	QuestPollenOnly    *bool    `json:"quest_pollen_only"`
}

// balanceJSON: available is what the key may spend; the parts the service did not show this
// key are null.
type balanceJSON struct {
	Available     float64  `json:"available"`
	QuestPollen   *float64 `json:"quest_pollen"`
	PaidPollen    *float64 `json:"paid_pollen"`
	AccountTotal  *float64 `json:"account_total"`
	KeyBudgetLeft *float64 `json:"key_budget_left"`
	Text          string   `json:"text"`
}

// importJSON is what `library import --json` prints.
type importJSON struct {
	Added   int `json:"added"`
	Skipped int `json:"skipped"`
	Media   int `json:"media"`
}

// tidy drops the binary noise of sums and products (0.00041040000000000006 → 0.0004104):
// twelve significant digits are more than any price or cost has.
func tidy(f float64) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
	if err != nil {
		return f
	}
	return v
}

func timeText(t time.Time) string { return t.UTC().Format(timeLayout) }

func optTime(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := timeText(*t)
	return &s
}

// orEmpty keeps a list a list in the output: [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// newItemJSON maps a library item; lib finds its media file (nil: media_path stays as loaded).
func newItemJSON(lib *storage.Library, it *storage.Item) itemJSON {
	out := itemJSON{
		ID: it.ID, Kind: string(it.Kind), Status: string(it.Status), Error: it.Error,
		Prompt: it.Prompt, NegativePrompt: it.NegativePrompt,
		ModelRequested: it.ModelRequested, ModelUsed: it.ModelUsed, Seed: it.Seed,
		Width: it.Width, Height: it.Height, DurationSeconds: it.DurationSec,
		ContentType: it.ContentType, MediaPath: it.MediaPath, MediaSize: it.MediaSize, MediaMissing: it.Missing,
		HostedURL: it.HostedURL, Text: it.Text,
		Cost: tidy(it.Cost), CostKnown: it.CostKnown, Currency: "pollen",
		ParentID: it.ParentID, Relation: it.Relation, References: orEmpty(it.References),
		Favourite: it.Favourite, Tags: orEmpty(it.Tags), Collections: orEmpty(it.Collections),
		CreatedAt: timeText(it.CreatedAt), FinishedAt: optTime(&it.FinishedAt), TrashedAt: optTime(it.TrashedAt),
		Params: json.RawMessage("{}"),
	}
	if out.MediaPath == "" && lib != nil && it.MediaHash != "" {
		out.MediaPath = lib.MediaPath(it.MediaHash)
	}
	// Parameters are kept as the request was: shown as they are when they are a JSON object.
	if p := bytes.TrimSpace(it.Params); len(p) > 0 && p[0] == '{' && json.Valid(p) {
		out.Params = json.RawMessage(p)
	}
	return out
}

func newSegmentsJSON(segs []storage.Segment) []segmentJSON {
	out := make([]segmentJSON, 0, len(segs))
	for _, s := range segs {
		out = append(out, segmentJSON{Start: s.Start, End: s.End, Text: s.Text, Speaker: s.Speaker})
	}
	return out
}

func newModelJSON(m api.Model) modelJSON {
	out := modelJSON{
		Name: m.Name, Kind: m.Kind, Aliases: orEmpty(m.Aliases), Category: m.Category, Title: m.Title,
		Description: m.Description, Publisher: m.Publisher, PaidOnly: m.PaidOnly, Community: m.Community,
		InputModalities: orEmpty(m.InputModalities), OutputModalities: orEmpty(m.OutputModalities),
		SupportedEndpoints: orEmpty(m.SupportedEndpoints), Pricing: pricingJSON(m.Pricing),
		PriceUnit: m.PriceUnit, PricingDefaultLabel: m.PricingDefaultLabel, PricingVariants: []pricingVariantJSON{},
		FlatRate: m.FlatRate, Voices: orEmpty(m.Voices),
		MinDuration: m.MinDuration, MaxDuration: m.MaxDuration, DefaultDuration: m.DefaultDuration,
		DurationStep: m.DurationStep, AllowedDurations: orEmpty(m.AllowedDurations),
		MaxReferenceImages: m.MaxReferenceImages, Resolutions: orEmpty(m.Resolutions),
		VideoCapabilities: orEmpty(m.VideoCapabilities), Capabilities: orEmpty(m.Capabilities),
		ContextLength: m.ContextLength, Reasoning: m.Reasoning, PerUserRPM: m.PerUserRPM,
		Degraded: m.Degraded(),
	}
	names := make([]string, 0, len(m.PricingVariants))
	for n := range m.PricingVariants {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out.PricingVariants = append(out.PricingVariants, pricingVariantJSON{Name: n, Pricing: pricingJSON(m.PricingVariants[n])})
	}
	if m.Health != nil {
		out.Health = &healthJSON{Status: m.Health.Status, SuccessRate: m.Health.SuccessRate, Requests: m.Health.Requests}
	}
	return out
}

// pricingJSON is a price list keyed by the API's usage names in snake_case
// (completionImageTokens → completion_image_tokens).
func pricingJSON(p api.Pricing) map[string]float64 {
	out := make(map[string]float64, len(p))
	for k, v := range p {
		out[snakeCase(k)] = tidy(v)
	}
	return out
}

// snakeCase turns a camelCase or PascalCase name into snake_case; an acronym stays one word
// ("costUSD" → "cost_usd").
func snakeCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]))
			nextLower := i > 0 && i+1 < len(rs) && unicode.IsUpper(rs[i-1]) && unicode.IsLower(rs[i+1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		} else if r == '-' || r == ' ' {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func newAccountJSON(info *api.KeyInfo, bal *api.Balance, balErr error) accountJSON {
	out := accountJSON{Key: keyJSON{
		Valid: info.Valid, Type: info.Type, Name: info.Name, ExpiresAt: optTime(info.ExpiresAt),
		AllowedCategories: info.AllowedCategories, AllowedModels: info.AllowedModels,
		AccountPermissions: orEmpty(info.AccountPermissions), PollenBudget: info.PollenBudget,
		RateLimitEnabled: info.RateLimitEnabled, QuestPollenOnly: info.QuestPollenOnly,
	}}
	if balErr != nil {
		msg := api.Redact(balErr.Error())
		out.BalanceError = &msg
		return out
	}
	b := &balanceJSON{Available: tidy(bal.Balance), Text: bal.String()}
	if bal.HasBreakdown {
		q, p, t := tidy(bal.Quest), tidy(bal.Paid), tidy(bal.Total)
		b.QuestPollen, b.PaidPollen, b.AccountTotal = &q, &p, &t
	}
	if bal.KeyBudget {
		left := tidy(bal.Balance)
		b.KeyBudgetLeft = &left
	}
	out.Balance = b
	return out
}

// printItems prints items as a JSON array.
func (c *command) printItems(lib *storage.Library, items []storage.Item) error {
	out := make([]itemJSON, 0, len(items))
	for i := range items {
		out = append(out, newItemJSON(lib, &items[i]))
	}
	return writeJSON(c.env.Stdout, out)
}

// printItem prints one item as a JSON object: what every generation command's --json gives.
func (c *command) printItem(lib *storage.Library, it *storage.Item) error {
	return writeJSON(c.env.Stdout, newItemJSON(lib, it))
}
