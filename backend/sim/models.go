package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// model is a ModelInfo as shared/registry/model-info.ts shapes it, plus what the simulator
// needs to price and time a generation.
type model struct {
	Name               string            `json:"name"`
	Aliases            []string          `json:"aliases,omitempty"`
	Category           string            `json:"category"`
	Title              string            `json:"title"`
	Description        string            `json:"description"`
	Publisher          string            `json:"publisher"`
	Community          bool              `json:"community"`
	PaidOnly           bool              `json:"paid_only"`
	Pricing            map[string]string `json:"pricing"` // values are strings, as the registry serialises them
	InputModalities    []string          `json:"input_modalities"`
	OutputModalities   []string          `json:"output_modalities"`
	SupportedEndpoints []string          `json:"supported_endpoints"`
	VideoCapabilities  []string          `json:"video_capabilities,omitempty"`
	MinDuration        float64           `json:"min_duration,omitempty"`
	MaxDuration        float64           `json:"max_duration,omitempty"`
	DefaultDuration    float64           `json:"default_duration,omitempty"`
	AllowedDurations   []float64         `json:"allowed_durations,omitempty"`
	DurationStep       float64           `json:"duration_step,omitempty"`
	MaxReferenceImages int               `json:"max_reference_images,omitempty"`
	Resolutions        []string          `json:"resolutions,omitempty"`
	Voices             []string          `json:"voices,omitempty"`
	Capabilities       []string          `json:"capabilities,omitempty"`
	Reasoning          bool              `json:"reasoning,omitempty"`
	ContextLength      int               `json:"context_length,omitempty"`
	Tools              bool              `json:"tools,omitempty"`

	// price per unit in pollen, and the unit: "image", "second", "kchar", "token".
	price float64
	unit  string
	// maxPixels clamps image sizes (0 = 4096²).
	maxPixels int
	// kind is the route family: image, video, text, audio, transcription.
	kind string
	// spokenVoices: a text model that can answer aloud with these voices.
	spokenVoices []string
}

var openAIVoices = []string{"alloy", "echo", "fable", "onyx", "nova", "shimmer", "ash", "ballad", "coral", "sage", "verse",
	"rachel", "domi", "bella", "adam", "antoni", "josh", "sam", "daniel", "charlotte", "lily"}

// priceString writes a price as the registry does: a decimal string.
func priceString(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// catalogue builds the simulated registry snapshot (see the reference's §3.4, §4, §5.4).
func catalogue() []*model {
	img := func(name, title, publisher string, price float64, paid bool, refs int, aliases ...string) *model {
		in := []string{"text"}
		eps := []string{"/image/{prompt}", "/v1/images/generations"}
		if refs > 0 {
			in = append(in, "image")
			eps = append(eps, "/v1/images/edits")
		}
		return &model{Name: name, Aliases: aliases, Category: "image", Title: title, Publisher: publisher,
			Description: title + " image generation", PaidOnly: paid,
			Pricing:         map[string]string{"currency": "pollen", "completionImageTokens": priceString(price)},
			InputModalities: in, OutputModalities: []string{"image"}, SupportedEndpoints: eps,
			MaxReferenceImages: refs, price: price, unit: "image", maxPixels: 2359296, kind: "image"}
	}
	vid := func(name, title string, perSec float64, paid bool, caps []string, minD, maxD, defD, step float64, allowed []float64, aliases ...string) *model {
		pricing := map[string]string{"currency": "pollen", "completionVideoSeconds": priceString(perSec)}
		if contains(caps, "audio_output") {
			pricing["completionAudioSeconds"] = "0.02" // the soundtrack surcharge (video.go)
		}
		return &model{Name: name, Aliases: aliases, Category: "video", Title: title, Publisher: "Various",
			Description: title + " video generation", PaidOnly: paid,
			Pricing:         pricing,
			InputModalities: []string{"text", "image"}, OutputModalities: []string{"video"},
			SupportedEndpoints: []string{"/video/{prompt}", "/image/{prompt}"}, VideoCapabilities: caps,
			MinDuration: minD, MaxDuration: maxD, DefaultDuration: defD, DurationStep: step, AllowedDurations: allowed,
			Resolutions: []string{"720p"}, MaxReferenceImages: 2, price: perSec, unit: "second", kind: "video"}
	}
	txt := func(name, title, publisher string, perTok float64, paid bool, in []string, reasoning bool, aliases ...string) *model {
		m := &model{Name: name, Aliases: aliases, Category: "text", Title: title, Publisher: publisher,
			Description: title, PaidOnly: paid,
			Pricing: map[string]string{"currency": "pollen", "promptTextTokens": priceString(perTok / 4),
				"completionTextTokens": priceString(perTok)},
			InputModalities: in, OutputModalities: []string{"text"},
			SupportedEndpoints: []string{"/text/{prompt}", "/v1/chat/completions"},
			Reasoning:          reasoning, ContextLength: 128000, Tools: true, price: perTok, unit: "token", kind: "text"}
		if reasoning {
			m.Capabilities = []string{"reasoning"}
		}
		return m
	}
	tts := func(name, title string, perKChar float64, paid bool, aliases ...string) *model {
		return &model{Name: name, Aliases: aliases, Category: "audio", Title: title, Publisher: "ElevenLabs",
			Description: title + " text to speech", PaidOnly: paid,
			Pricing:         map[string]string{"currency": "pollen", "completionAudioTokens": priceString(perKChar / 1000)},
			InputModalities: []string{"text"}, OutputModalities: []string{"audio"},
			SupportedEndpoints: []string{"/audio/{text}", "/v1/audio/speech"}, Voices: openAIVoices,
			price: perKChar, unit: "kchar", kind: "audio"}
	}
	stt := func(name, title string, perSec float64, paid bool, aliases ...string) *model {
		return &model{Name: name, Aliases: aliases, Category: "audio", Title: title, Publisher: "OpenAI",
			Description: title + " speech to text", PaidOnly: paid,
			Pricing:         map[string]string{"currency": "pollen", "promptAudioSeconds": priceString(perSec)},
			InputModalities: []string{"audio"}, OutputModalities: []string{"text"},
			SupportedEndpoints: []string{"/v1/audio/transcriptions"}, price: perSec, unit: "audio-second", kind: "transcription"}
	}
	// openai-audio hears audio and can answer aloud (GET /text with a voice). The real registry
	// may list "audio" among its outputs and its voices; the catalogue here keeps them out
	// (spokenVoices is internal) because backend/api files any model with audio output under
	// text-to-speech, where this one cannot serve /v1/audio/speech.
	openaiAudio := txt("openai-audio", "GPT Audio Mini", "OpenAI", 0.000002, false, []string{"text", "audio"}, false)
	openaiAudio.spokenVoices = []string{"alloy", "echo", "fable", "onyx", "nova", "shimmer", "coral", "verse", "ballad", "ash", "sage", "amuch", "dan"}
	gptimage := img("gptimage", "GPT Image 1 Mini", "OpenAI", 0.011, false, 16, "gpt-image", "gpt-image-1-mini")
	gptimage.Resolutions = nil
	return []*model{
		img("zimage", "Z-Image Turbo", "Tongyi", 0.004, false, 0, "z-image", "z-image-turbo"),
		img("flux", "Flux Schnell", "Black Forest Labs", 0.002, false, 0, "flux-schnell"),
		img("kontext", "FLUX.1 Kontext", "Black Forest Labs", 0.04, false, 1),
		gptimage,
		img("seedream", "Seedream 4.0", "ByteDance", 0.03, true, 10),
		img("nanobanana", "Nano Banana", "Google", 0.039, true, 3, "gemini-2.5-flash-image"),
		vid("veo", "Veo 3.1 Fast", 0.08, true, []string{"start_frame", "end_frame", "audio_output"}, 4, 8, 4, 2, []float64{4, 6, 8}, "veo-3.1-fast", "video"),
		vid("seedance-pro", "Seedance Pro", 0.025, true, []string{"start_frame"}, 2, 10, 5, 1, nil),
		vid("nova-reel", "Amazon Nova Reel", 0.08, false, []string{"start_frame"}, 6, 120, 6, 6, nil),
		txt("openai", "GPT-5 Mini", "OpenAI", 0.000002, false, []string{"text", "image"}, false, "gpt-5-mini"),
		txt("openai-fast", "GPT-5 Nano", "OpenAI", 0.0000004, false, []string{"text", "image"}, false, "gpt-5-nano"),
		txt("gemini", "Gemini 2.5 Flash", "Google", 0.0000025, true, []string{"text", "image", "audio"}, false, "gemini-2.5-flash"),
		txt("claude", "Claude Sonnet", "Anthropic", 0.000015, true, []string{"text", "image"}, false, "claude-sonnet"),
		txt("deepseek", "DeepSeek V3.2", "DeepSeek", 0.0000011, false, []string{"text"}, true, "deepseek-v3"),
		txt("qwen-coder", "Qwen 3 Coder", "Alibaba", 0.0000009, false, []string{"text"}, false),
		openaiAudio,
		tts("elevenlabs", "ElevenLabs v3", 0.1, false, "elevenlabs/eleven-v3", "eleven-v3"),
		tts("elevenflash", "ElevenLabs Flash v2.5", 0.05, false),
		stt("whisper", "Whisper Large v3", 0.0000453, false, "whisper-1", "openai/whisper-large-v3"),
		stt("scribe", "ElevenLabs Scribe v2", 0.0001, true, "elevenlabs/scribe-v2"),
	}
}

// defaultModel is the registry's DEFAULT_*_MODEL for a route.
func defaultModel(route string) string {
	switch route {
	case "image", "images":
		return "zimage"
	case "video":
		return "veo"
	case "text":
		return "openai"
	case "audio":
		return "elevenlabs"
	case "transcription":
		return "whisper"
	}
	return ""
}

// findModel resolves a name or alias.
func (s *Server) findModel(name string) *model {
	for _, m := range s.models {
		if m.Name == name || contains(m.Aliases, name) {
			return m
		}
	}
	return nil
}

// routeAccepts reports whether a model of kind may run on a route: GET /image also serves
// video; "images" (the OpenAI image routes) takes image models only.
func routeAccepts(route, kind string) bool {
	return kind == route || (route == "image" && kind == "video") || (route == "images" && kind == "image")
}

// endpointName is how model.ts names a route family in its messages.
func endpointName(kind string) string {
	switch kind {
	case "transcription":
		return "audio"
	case "images":
		return "image"
	}
	return kind
}

// resolveModel finds the model for a route, or writes the 400 the real gateway sends.
func (s *Server) resolveModel(w http.ResponseWriter, name, route string) *model {
	if name == "" {
		name = defaultModel(route)
	}
	m := s.findModel(name)
	if m == nil {
		var names []string
		for _, c := range s.models {
			if routeAccepts(route, c.kind) {
				names = append(names, `"`+c.Name+`"`)
				for _, a := range c.Aliases {
					names = append(names, `"`+a+`"`)
				}
			}
		}
		badRequest(w, "model", "Invalid option: expected one of "+strings.Join(names, "|"))
		return nil
	}
	if !routeAccepts(route, m.kind) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Model %q is a %s model and cannot be used on the %s endpoint. Use the %s endpoint instead.",
			m.Name, m.Category, endpointName(route), endpointName(m.kind)), nil)
		return nil
	}
	return m
}

// visibleModels lists the models of the given kinds (all when none) that the request may see:
// everything without a key; with a key, only its allowed models and, when the account has no
// paid pollen, no paid-only ones.
func (s *Server) visibleModels(r *http.Request, kinds ...string) []*model {
	a := s.optionalAccount(r)
	out := []*model{}
	for _, m := range s.models {
		if len(kinds) > 0 && !contains(kinds, m.kind) {
			continue
		}
		if a != nil {
			s.mu.Lock()
			allowed, paid := a.allows(m.Name), a.wallet.paid > 0
			s.mu.Unlock()
			if !allowed || (m.PaidOnly && !paid) {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// validCommunity checks the community= filter: true|1|false|0, anything else is a 400.
func validCommunity(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Query().Get("community") {
	case "", "true", "1", "false", "0":
		return true
	}
	badRequest(w, "community", "Invalid option: expected one of \"true\"|\"false\"|\"1\"|\"0\"")
	return false
}

// handleModels serves /models and the per-kind lists (ModelInfo arrays).
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request, kinds ...string) {
	if !validCommunity(w, r) {
		return
	}
	list := s.visibleModels(r, kinds...)
	if v := r.URL.Query().Get("community"); v == "true" || v == "1" {
		list = []*model{} // every simulated model is official
	}
	writeJSON(w, http.StatusOK, list)
}

// handleV1Models is the OpenAI-compatible list.
func (s *Server) handleV1Models(w http.ResponseWriter, r *http.Request) {
	data := []map[string]any{}
	for _, m := range s.visibleModels(r) {
		d := map[string]any{"id": m.Name, "object": "model", "created": 1759795200,
			"input_modalities": m.InputModalities, "output_modalities": m.OutputModalities,
			"supported_endpoints": m.SupportedEndpoints, "pricing": m.Pricing, "capabilities": m.Capabilities}
		if m.kind == "text" {
			d["tools"], d["reasoning"], d["context_length"] = m.Tools, m.Reasoning, m.ContextLength
		}
		data = append(data, d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}
