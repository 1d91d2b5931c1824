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
	// Community is a community-hosted model (source "community" or an id under community/):
	// pages leave these out unless the user opts in.
	Community bool `json:",omitempty"`
	// Health is the list response's {status, success_rate, requests}; nil when not sent.
	Health *Health `json:",omitempty"`
	// FlatRate is false for image models priced by tokens (GPT Image, Gemini image models):
	// their price per image is unknown before the call.
	FlatRate *bool `json:",omitempty"`
	// PricingVariants are priced variants (a resolution tier, diarization…) by name.
	PricingVariants map[string]Pricing `json:",omitempty"`
	// PriceUnit overrides the unit of the output price ("megapixel"); "" = the kind's unit.
	PriceUnit           string `json:",omitempty"`
	PricingDefaultLabel string `json:",omitempty"`
	PerUserRPM          int    `json:",omitempty"`
}

// Health is how a model has been doing lately, as the catalogue reports it.
type Health struct {
	Status      string  `json:"status"`
	SuccessRate float64 `json:"success_rate"`
	Requests    int     `json:"requests"`
}

// Degraded reports a model that is failing more than it should: a status other than healthy
// or ok, or a success rate under 90% over at least a handful of requests.
func (h *Health) Degraded() bool {
	if h == nil {
		return false
	}
	switch strings.ToLower(h.Status) {
	case "", "healthy", "ok", "operational", "up":
	default:
		return true
	}
	return h.Requests >= 10 && h.SuccessRate > 0 && h.SuccessRate < 0.9
}

// Degraded reports whether the catalogue says the model is failing lately.
func (m Model) Degraded() bool { return m.Health.Degraded() }

// Kinds a model may have beyond the pages': music and sound generation, audio tools (voice
// changer, isolator, stem separation) and realtime sessions. Unknown categories keep their own
// name as kind ("3d", "embedding", anything later).
const (
	KindMusic     = "music"
	KindAudioTool = "audio-tool"
	KindRealtime  = "realtime"
)

// Page names the studio page a model belongs to: image, video, text, speech or transcription;
// "" for a model no page shows (music, audio tools, realtime, 3d, embeddings, anything unknown).
func (m Model) Page() string {
	switch m.Kind {
	case "image", "video", "text", "transcription":
		return m.Kind
	case "audio":
		return "speech"
	}
	return ""
}

// IsSpeech reports a text-to-speech model (the Speech page's voices).
func (m Model) IsSpeech() bool { return m.Kind == "audio" }

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

// TokenPriced reports an image model whose price is per output token: the cost of one image is
// unknown before the call, and its completionImageTokens price is NOT a price per image.
func (m Model) TokenPriced() bool {
	if m.Kind != "image" {
		return false
	}
	if m.FlatRate != nil {
		return !*m.FlatRate
	}
	_, hasTokens := m.Pricing["promptTextTokens"]
	return hasTokens
}

// EstimateCost is the catalogue price of one generation: units is images, seconds of video,
// characters of speech or tokens of text, by the model's kind. Token-priced and per-megapixel
// image models have no price per image here (see jobs.Estimate).
func (m Model) EstimateCost(units float64) (float64, bool) {
	if m.TokenPriced() || (m.Kind == "image" && m.PriceUnit == "megapixel") {
		return 0, false
	}
	if m.Kind == KindMusic {
		return MusicCost(m, units) // units: seconds of output; a flat-rate model's clip price
	}
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

// FindModel finds a model by its canonical id or one of its aliases, so that a name stored
// before ids became publisher/model ("flux") still finds its model. Matching ignores case and
// surrounding space; an exact id wins over an alias.
func FindModel(models []Model, name string) (Model, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Model{}, false
	}
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
	for _, m := range models {
		if strings.EqualFold(m.Name, name) || containsFold(m.Aliases, name) {
			return m, true
		}
	}
	return Model{}, false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Canonical is the catalogue's id for a stored model name (an id or an alias); a name the
// catalogue does not know is returned as it is.
func Canonical(models []Model, name string) string {
	if m, ok := FindModel(models, name); ok {
		return m.Name
	}
	return strings.TrimSpace(name)
}

// SameModel reports whether two stored names mean one model ("flux" and its publisher/model
// id). Names the catalogue does not know are the same only when equal.
func SameModel(models []Model, a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == b {
		return a != ""
	}
	ma, okA := FindModel(models, a)
	mb, okB := FindModel(models, b)
	return okA && okB && ma.Name == mb.Name
}

// ModelNames is a model's id and its aliases: every name a stored item may carry for it.
func ModelNames(models []Model, name string) []string {
	m, ok := FindModel(models, name)
	if !ok {
		return []string{strings.TrimSpace(name)}
	}
	return append([]string{m.Name}, m.Aliases...)
}

// DefaultSpeechModelID is the service's default voice model, free on Quest Pollen.
const DefaultSpeechModelID = "openai/tts-1"

// StartSpeechModel picks the speech model an account starts on: openai/tts-1 when listed and
// usable, otherwise the first speech model the account may use. A free account (paid=false)
// never starts on a paid-only model. It reports false when there is none.
func StartSpeechModel(models []Model, paid bool) (Model, bool) {
	usable := func(m Model) bool { return m.IsSpeech() && (paid || !m.PaidOnly) }
	if m, ok := FindModel(models, DefaultSpeechModelID); ok && usable(m) {
		return m, true
	}
	for _, m := range models {
		if usable(m) && !m.Community {
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
	Brand              string          `json:"brand"`
	Source             string          `json:"source"`
	Community          flexBool        `json:"community"`
	Health             json.RawMessage `json:"health"`
	FlatRate           *flexBool       `json:"flat_rate"`
	PricingVariants    json.RawMessage `json:"pricing_variants"`
	PriceUnit          string          `json:"price_unit"`
	Unit               string          `json:"unit"`
	PricingLabel       string          `json:"pricing_default_label"`
	PerUserRPM         flexNum         `json:"per_user_rpm"`
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
		ContextLength: int(rm.ContextLength.V), Reasoning: bool(rm.Reasoning),
		PricingDefaultLabel: rm.PricingLabel, PerUserRPM: int(rm.PerUserRPM.V)}
	if m.Publisher == "" {
		m.Publisher = rm.Brand // the name before publisher
	}
	m.Community = bool(rm.Community) || strings.EqualFold(rm.Source, "community") || strings.HasPrefix(name, "community/")
	m.Health = healthOf(rm.Health)
	if rm.FlatRate != nil {
		v := bool(*rm.FlatRate)
		m.FlatRate = &v
	}
	m.PricingVariants = variantsOf(rm.PricingVariants)
	m.PriceUnit, m.Pricing = unitOf(name, rm, rm.Pricing, m.Pricing)
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

// kindOf decides which page a model belongs to: by its category first, then (for catalogues
// without one) by what it outputs and serves.
func kindOf(m Model) string {
	switch strings.ToLower(m.Category) {
	case "image", "video", "text":
		return strings.ToLower(m.Category)
	case "audio", "speech", "tts", "stt", "transcription", "music":
		return audioKind(m)
	case "embedding", "embeddings":
		return "embedding"
	case "realtime":
		return KindRealtime
	case "":
	default:
		// A category this build does not know (3d, anything later): kept under its own name.
		return strings.ToLower(m.Category)
	}
	out := m.OutputModalities
	switch {
	case containsStr(out, "audio") && containsStr(out, "text") && len(m.SupportedEndpoints) > 0 && !servesSpeech(m):
		// openai-audio: a chat model that can answer aloud, not a voice.
		return "text"
	case containsStr(out, "audio") && !containsStr(out, "video"):
		return audioKind(m)
	}
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
	}
	return "other"
}

// servesSpeech reports a model that takes /v1/audio/speech (or GET /audio), where the
// catalogue lists endpoints; without a list it is assumed.
func servesSpeech(m Model) bool {
	if len(m.SupportedEndpoints) == 0 {
		return true
	}
	for _, e := range m.SupportedEndpoints {
		if e == "/v1/audio/speech" || strings.HasPrefix(e, "/audio/{") {
			return true
		}
	}
	return false
}

// nonVoiceMarks name audio models that make sound but are not text-to-speech voices. The
// catalogue has no field for it, so the ids tell [I]: music, sound effects, stem separation,
// voice changer and isolator, realtime sessions.
var nonVoiceMarks = []struct{ mark, kind string }{
	{"realtime", KindRealtime}, {"live-transcribe", KindRealtime},
	{"voice-changer", KindAudioTool}, {"voice-isolator", KindAudioTool}, {"isolator", KindAudioTool},
	{"stem", KindAudioTool}, {"-sts", KindAudioTool},
	{"music", KindMusic}, {"lyria", KindMusic}, {"stable-audio", KindMusic}, {"text-to-sound", KindMusic}, {"sound-effect", KindMusic},
}

// audioKind sorts an audio model: transcription, a text-to-speech voice ("audio"), or one of
// the audio kinds no page shows.
func audioKind(m Model) string {
	if containsStr(m.SupportedEndpoints, "/v1/audio/transcriptions") ||
		(containsStr(m.InputModalities, "audio") && containsStr(m.OutputModalities, "text") && !containsStr(m.OutputModalities, "audio")) {
		if strings.Contains(strings.ToLower(m.Name), "realtime") {
			return KindRealtime
		}
		return "transcription"
	}
	names := append([]string{m.Name}, m.Aliases...)
	for _, n := range names {
		n = strings.ToLower(n)
		for _, mk := range nonVoiceMarks {
			if strings.Contains(n, mk.mark) {
				return mk.kind
			}
		}
	}
	for _, e := range m.SupportedEndpoints {
		switch {
		case strings.Contains(e, "realtime"):
			return KindRealtime
		case strings.Contains(e, "voice-changer"), strings.Contains(e, "voice-isolator"), strings.Contains(e, "stem-separation"):
			return KindAudioTool
		}
	}
	if containsStr(m.OutputModalities, "text") && !servesSpeech(m) {
		return "text"
	}
	if !servesSpeech(m) {
		return KindAudioTool
	}
	return "audio"
}

// healthOf reads {status, success_rate, requests}; a success rate may come as 0–1 or 0–100.
func healthOf(raw json.RawMessage) *Health {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var v struct {
		Status      string  `json:"status"`
		SuccessRate flexNum `json:"success_rate"`
		Requests    flexNum `json:"requests"`
	}
	if json.Unmarshal(raw, &v) != nil {
		var status string
		if json.Unmarshal(raw, &status) == nil && status != "" {
			return &Health{Status: status}
		}
		return nil
	}
	h := &Health{Status: v.Status, SuccessRate: v.SuccessRate.V, Requests: int(v.Requests.V)}
	if h.SuccessRate > 1 {
		h.SuccessRate /= 100
	}
	return h
}

// variantsOf reads pricing_variants, whose shape is not documented [I]: an object of
// name -> pricing (or price), or a list of objects naming the variant (resolution, name, label,
// id or variant) with a pricing object or price fields beside it.
func variantsOf(raw json.RawMessage) map[string]Pricing {
	if len(raw) == 0 {
		return nil
	}
	out := map[string]Pricing{}
	var byName map[string]json.RawMessage
	if json.Unmarshal(raw, &byName) == nil {
		for k, v := range byName {
			if p := variantPricing(v); p != nil {
				out[k] = p
			}
		}
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		for _, o := range list {
			var name string
			for _, k := range []string{"resolution", "name", "label", "id", "variant", "tier"} {
				if json.Unmarshal(o[k], &name) == nil && name != "" {
					break
				}
			}
			if name == "" {
				continue
			}
			if p := pricingOf(o["pricing"]); p != nil {
				out[name] = p
				continue
			}
			b, _ := json.Marshal(o)
			if p := pricingOf(b); p != nil {
				out[name] = p
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func variantPricing(v json.RawMessage) Pricing {
	var f flexNum
	if f.UnmarshalJSON(v) == nil && f.Set {
		return Pricing{"price": f.V}
	}
	var o map[string]json.RawMessage
	if json.Unmarshal(v, &o) == nil {
		if p := pricingOf(o["pricing"]); p != nil {
			return p
		}
	}
	return pricingOf(v)
}

// megapixelModels are priced per megapixel of output (docs/api.md), whatever their pricing
// object says.
var megapixelModels = []string{"black-forest-labs/flux.2-pro", "black-forest-labs/flux.2-flex", "black-forest-labs/flux.2-max", "qwen/qwen-image-2.1"}

// unitOf finds the unit of the output price: an explicit unit on the entry or in its pricing
// ({"unit":"megapixel"}), or the known per-megapixel models.
func unitOf(name string, rm rawModel, raw json.RawMessage, p Pricing) (string, Pricing) {
	unit := strings.ToLower(strings.TrimSpace(rm.PriceUnit))
	if unit == "" {
		unit = strings.ToLower(strings.TrimSpace(rm.Unit))
	}
	var obj map[string]json.RawMessage
	if len(raw) > 0 && json.Unmarshal(raw, &obj) == nil {
		var u string
		if json.Unmarshal(obj["unit"], &u) == nil && u != "" && unit == "" {
			unit = strings.ToLower(u)
		}
		// {"completionImageTokens": {"price": 0.03, "unit": "megapixel"}}
		for k, v := range obj {
			var inner struct {
				Price flexNum `json:"price"`
				Value flexNum `json:"value"`
				Unit  string  `json:"unit"`
			}
			if json.Unmarshal(v, &inner) != nil {
				continue
			}
			val := inner.Price
			if !val.Set {
				val = inner.Value
			}
			if val.Set {
				if p == nil {
					p = Pricing{}
				}
				p[k] = val.V
			}
			if inner.Unit != "" && unit == "" {
				unit = strings.ToLower(inner.Unit)
			}
		}
	}
	if unit == "" {
		for _, n := range megapixelModels {
			if strings.EqualFold(name, n) {
				unit = "megapixel"
			}
		}
	}
	if unit != "megapixel" {
		unit = "" // only the exception is kept; the kind gives every other unit
	}
	return unit, p
}

// Models lists the catalogue: kind "" for every model, or image, video, text, audio (speech
// voices), transcription, music, audio-tool, 3d or embedding. With a key, the list is what the
// key may use.
func (c *Client) Models(ctx context.Context, kind string) ([]Model, error) {
	path := "/models"
	switch kind {
	case "":
	case "image", "video", "text", "audio":
		path = "/" + kind + "/models"
	case "transcription", KindMusic, KindAudioTool:
		path = "/audio/models"
	case "3d":
		path = "/3d/models"
	case "embedding":
		path = "/embeddings/models"
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
			// By every name, as x-model-used may give either.
			for _, n := range append([]string{m.Name}, m.Aliases...) {
				c.pricing[n] = m.Pricing
			}
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
