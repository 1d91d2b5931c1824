package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Pricing is pollen per unit of each usage type (promptTextTokens, completionImageTokens…).
type Pricing map[string]float64

// CostOf prices usage as the x-usage-* headers report it ("completion-image-tokens": 1).
func (p Pricing) CostOf(usage map[string]float64) float64 {
	total := 0.0
	for k, v := range usage {
		if price, ok := p[camel(k)]; ok {
			total += price * v
		}
	}
	return total
}

// camel turns "completion-image-tokens" into "completionImageTokens".
func camel(s string) string {
	parts := strings.Split(s, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// Model is one entry of the catalogue, in one shape whatever the service sent.
type Model struct {
	Name, Kind                                   string
	Aliases                                      []string `json:",omitempty"`
	Category, Title, Description, Publisher      string   `json:",omitempty"`
	PaidOnly                                     bool
	InputModalities, OutputModalities            []string `json:",omitempty"`
	SupportedEndpoints                           []string `json:",omitempty"`
	Pricing                                      Pricing  `json:",omitempty"`
	Voices                                       []string `json:",omitempty"`
	MinDuration, MaxDuration, DefaultDuration    float64  `json:",omitempty"`
	DurationStep                                 float64  `json:",omitempty"`
	AllowedDurations                             []float64
	MaxReferenceImages                           int      `json:",omitempty"`
	Resolutions, VideoCapabilities, Capabilities []string `json:",omitempty"`
	ContextLength                                int      `json:",omitempty"`
	Reasoning                                    bool     `json:",omitempty"`
}

// AcceptsImages reports whether the model takes images as input (vision, references).
func (m Model) AcceptsImages() bool { return containsStr(m.InputModalities, "image") }

// AcceptsAudio reports whether the model takes audio input.
func (m Model) AcceptsAudio() bool { return containsStr(m.InputModalities, "audio") }

// HasCapability reports a capability or video capability ("end_frame", "reasoning"…).
func (m Model) HasCapability(c string) bool {
	return containsStr(m.Capabilities, c) || containsStr(m.VideoCapabilities, c)
}

// Durations lists the durations a video model takes, in seconds.
func (m Model) Durations() []float64 {
	if len(m.AllowedDurations) > 0 {
		return m.AllowedDurations
	}
	if m.MaxDuration <= 0 {
		return nil
	}
	step := m.DurationStep
	if step <= 0 {
		step = 1
	}
	var out []float64
	for d := math.Max(m.MinDuration, step); d <= m.MaxDuration && len(out) < 200; d += step {
		out = append(out, d)
	}
	return out
}

// EstimateCost is the catalogue price of one generation: units is images, seconds of video,
// characters of speech or tokens of text, by the model's kind.
func (m Model) EstimateCost(units float64) (float64, bool) {
	keys := map[string][]string{
		"image": {"completionImageTokens"}, "video": {"completionVideoSeconds", "completionVideoTokens"},
		"audio": {"completionAudioTokens", "completionAudioSeconds"}, "text": {"completionTextTokens"},
		"transcription": {"promptAudioSeconds"},
	}[m.Kind]
	for _, k := range keys {
		if p, ok := m.Pricing[k]; ok {
			return p * units, true
		}
	}
	return 0, false
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// FindModel finds a model by name or alias.
func FindModel(models []Model, name string) (Model, bool) {
	for _, m := range models {
		if m.Name == name {
			return m, true
		}
	}
	for _, m := range models {
		if containsStr(m.Aliases, name) {
			return m, true
		}
	}
	return Model{}, false
}

// rawModel accepts every shape the catalogue has had: ModelInfo (2026), the OpenAI list entry,
// and the 2025 shape with tier/vision/audio flags and numeric prices.
type rawModel struct {
	Name               string          `json:"name"`
	ID                 string          `json:"id"`
	Aliases            json.RawMessage `json:"aliases"`
	Category           string          `json:"category"`
	Type               string          `json:"type"`
	Title              string          `json:"title"`
	Description        string          `json:"description"`
	Publisher          string          `json:"publisher"`
	PaidOnly           flexBool        `json:"paid_only"`
	Tier               string          `json:"tier"`
	Vision             flexBool        `json:"vision"`
	Audio              flexBool        `json:"audio"`
	Reasoning          flexBool        `json:"reasoning"`
	InputModalities    []string        `json:"input_modalities"`
	OutputModalities   []string        `json:"output_modalities"`
	SupportedEndpoints []string        `json:"supported_endpoints"`
	Pricing            json.RawMessage `json:"pricing"`
	Voices             json.RawMessage `json:"voices"`
	MinDuration        flexNum         `json:"min_duration"`
	MaxDuration        flexNum         `json:"max_duration"`
	DefaultDuration    flexNum         `json:"default_duration"`
	DurationStep       flexNum         `json:"duration_step"`
	AllowedDurations   []flexNum       `json:"allowed_durations"`
	MaxReferenceImages flexNum         `json:"max_reference_images"`
	Resolutions        []string        `json:"resolutions"`
	VideoCapabilities  []string        `json:"video_capabilities"`
	Capabilities       json.RawMessage `json:"capabilities"`
	ContextLength      flexNum         `json:"context_length"`
	InputTokenPrice    flexNum         `json:"input_token_price"`
	OutputTokenPrice   flexNum         `json:"output_token_price"`
	ImagePrice         flexNum         `json:"image_price"`
}

// flexNum is a number sent as a number or a string.
type flexNum struct {
	V   float64
	Set bool
}

func (f *flexNum) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil // tolerated: an unparseable figure is as good as a missing one
	}
	f.V, f.Set = v, true
	return nil
}

// flexBool is a boolean sent as true/false, "true"/"false" or 0/1.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(b), `"`) {
	case "true", "1", "yes":
		*f = true
	}
	return nil
}

// stringsOf reads a list of strings, or a single string, or a list of {name|id} objects.
func stringsOf(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	list = nil // a failed decode leaves placeholders behind
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	var objs []map[string]any
	if json.Unmarshal(raw, &objs) == nil {
		for _, o := range objs {
			for _, k := range []string{"name", "id", "voice_id"} {
				if s, ok := o[k].(string); ok && s != "" {
					list = append(list, s)
					break
				}
			}
		}
	}
	var bools map[string]bool
	if json.Unmarshal(raw, &bools) == nil {
		for k, v := range bools {
			if v {
				list = append(list, k)
			}
		}
		sort.Strings(list)
	}
	return list
}

func pricingOf(raw json.RawMessage) Pricing {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	p := Pricing{}
	for k, v := range m {
		var f flexNum
		if f.UnmarshalJSON(v) == nil && f.Set {
			p[k] = f.V
		}
	}
	if len(p) == 0 {
		return nil
	}
	return p
}

// ParseModels reads a catalogue in any shape the service has used: a JSON array, an object
// with "data" or "models", entries as objects or bare names.
func ParseModels(data []byte) ([]Model, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		var wrapped struct {
			Data   []json.RawMessage `json:"data"`
			Models []json.RawMessage `json:"models"`
		}
		if err2 := json.Unmarshal(data, &wrapped); err2 != nil {
			return nil, fmt.Errorf("the model list is not JSON: %w", err)
		}
		raws = append(wrapped.Data, wrapped.Models...)
	}
	out := make([]Model, 0, len(raws))
	for _, r := range raws {
		var name string
		if json.Unmarshal(r, &name) == nil {
			if name = strings.TrimSpace(name); name != "" {
				out = append(out, Model{Name: name, Kind: "other"})
			}
			continue
		}
		var rm rawModel
		if json.Unmarshal(r, &rm) != nil {
			continue // one bad entry does not hide the others
		}
		if m, ok := rm.model(); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func (rm rawModel) model() (Model, bool) {
	name := strings.TrimSpace(rm.Name)
	if name == "" {
		name = strings.TrimSpace(rm.ID)
	}
	if name == "" || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return Model{}, false
	}
	m := Model{Name: name, Aliases: stringsOf(rm.Aliases), Category: rm.Category, Title: rm.Title,
		Description: rm.Description, Publisher: rm.Publisher, PaidOnly: bool(rm.PaidOnly),
		InputModalities: rm.InputModalities, OutputModalities: rm.OutputModalities,
		SupportedEndpoints: rm.SupportedEndpoints, Pricing: pricingOf(rm.Pricing), Voices: stringsOf(rm.Voices),
		MinDuration: rm.MinDuration.V, MaxDuration: rm.MaxDuration.V, DefaultDuration: rm.DefaultDuration.V,
		DurationStep: rm.DurationStep.V, MaxReferenceImages: int(rm.MaxReferenceImages.V),
		Resolutions: rm.Resolutions, VideoCapabilities: rm.VideoCapabilities, Capabilities: stringsOf(rm.Capabilities),
		ContextLength: int(rm.ContextLength.V), Reasoning: bool(rm.Reasoning)}
	for _, d := range rm.AllowedDurations {
		if d.Set {
			m.AllowedDurations = append(m.AllowedDurations, d.V)
		}
	}
	if m.Category == "" {
		m.Category = rm.Type
	}
	// The 2025 shape: flags instead of modalities, numeric prices, "tier" instead of paid_only.
	if len(m.InputModalities) == 0 {
		m.InputModalities = []string{"text"}
		if rm.Vision {
			m.InputModalities = append(m.InputModalities, "image")
		}
		if rm.Audio {
			m.InputModalities = append(m.InputModalities, "audio")
		}
	}
	if rm.Tier == "nectar" || rm.Tier == "flower" {
		m.PaidOnly = m.PaidOnly || rm.Tier == "nectar"
	}
	if m.Pricing == nil {
		p := Pricing{}
		if rm.InputTokenPrice.Set {
			p["promptTextTokens"] = rm.InputTokenPrice.V
		}
		if rm.OutputTokenPrice.Set {
			p["completionTextTokens"] = rm.OutputTokenPrice.V
		}
		if rm.ImagePrice.Set {
			p["completionImageTokens"] = rm.ImagePrice.V
		}
		if len(p) > 0 {
			m.Pricing = p
		}
	}
	if containsStr(m.Capabilities, "reasoning") {
		m.Reasoning = true
	}
	m.Kind = kindOf(m)
	return m, true
}

// kindOf decides which page a model belongs to.
func kindOf(m Model) string {
	out := m.OutputModalities
	switch {
	case containsStr(out, "video") || m.Category == "video":
		return "video"
	case containsStr(out, "image") || m.Category == "image":
		return "image"
	case containsStr(m.SupportedEndpoints, "/v1/audio/transcriptions") ||
		(containsStr(m.InputModalities, "audio") && containsStr(out, "text") && m.Category == "audio"):
		return "transcription"
	case containsStr(out, "audio") || m.Category == "audio":
		return "audio"
	case containsStr(out, "text") || m.Category == "text":
		return "text"
	case m.Category == "embedding", m.Category == "3d":
		return m.Category
	}
	return "other"
}

// Models lists the catalogue: kind "" for every model, or image, video, text, audio or
// transcription. With a key, the list is what the key may use.
func (c *Client) Models(ctx context.Context, kind string) ([]Model, error) {
	path := "/models"
	switch kind {
	case "":
	case "image", "video", "text", "audio":
		path = "/" + kind + "/models"
	case "transcription":
		path = "/audio/models"
	default:
		return nil, fmt.Errorf("unknown model kind %q", kind)
	}
	ctx, cancel := context.WithTimeout(ctx, c.tm.meta)
	defer cancel()
	resp, err := c.send(ctx, request{method: http.MethodGet, url: endpoint(c.base, path, nil), buffer: 16 << 20})
	if err != nil {
		return nil, err
	}
	data, err := readAll(resp, 16<<20)
	if err != nil {
		return nil, err
	}
	all, err := ParseModels(data)
	if err != nil {
		return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the model list could not be read: " + err.Error(), Err: err}
	}
	c.mu.Lock()
	for _, m := range all {
		if m.Pricing != nil {
			c.pricing[m.Name] = m.Pricing
		}
	}
	c.mu.Unlock()
	if kind == "" || kind == "text" {
		return all, nil
	}
	var out []Model
	for _, m := range all {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out, nil
}
