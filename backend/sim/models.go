package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// model is a ModelInfo as the service shapes it, plus what the simulator
// needs to price and time a generation.
type model struct {
	Name               string            `json:"name"`
	Aliases            []string          `json:"aliases,omitempty"`
	Category           string            `json:"category"`
	Title              string            `json:"title"`
	Description        string            `json:"description"`
	Publisher          string            `json:"publisher"`
	Source             string            `json:"source"`
	Community          bool              `json:"community"`
	PaidOnly           bool              `json:"paid_only"`
	FlatRate           *bool             `json:"flat_rate,omitempty"`
	Pricing            map[string]string `json:"pricing"` // values are strings, as the registry serialises them
	PricingVariants    map[string]any    `json:"pricing_variants,omitempty"`
	PerUserRPM         int               `json:"per_user_rpm,omitempty"`
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
	Health             *health           `json:"health,omitempty"`

	// price per unit in pollen, and the unit: "image", "megapixel", "image-token", "second",
	// "kchar", "token", "audio-second", "generation".
	price float64
	unit  string
	// maxPixels clamps image sizes (0 = 4096²).
	maxPixels int
	// kind is the route family: image, video, text, audio, transcription, music, 3d, embedding.
	kind string
	// spokenVoices: a text model that can answer aloud with these voices.
	spokenVoices []string
	// anyVoice: the provider takes its own voice ids, which the simulator cannot list (ElevenLabs).
	anyVoice bool
}

// health is the list responses' {status, success_rate, requests}.
type health struct {
	Status      string  `json:"status"`
	SuccessRate float64 `json:"success_rate"`
	Requests    int     `json:"requests"`
}

// openAIVoices are the only voices of the free openai/tts-1 models.
var openAIVoices = []string{"alloy", "echo", "fable", "onyx", "nova", "shimmer"}

// priceString writes a price as the registry does: a decimal string.
func priceString(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func boolPtr(b bool) *bool { return &b }

// catalogue builds the simulated registry snapshot: canonical publisher/model ids with the old
// short ids as aliases. Prices and durations are simulated figures except where the API notes
// (docs/api-catalogue.md) give them.
func catalogue() []*model {
	img := func(name, title, publisher string, price float64, paid bool, refs int, aliases ...string) *model {
		in := []string{"text"}
		eps := []string{"/image/{prompt}", "/v1/images/generations"}
		if refs > 0 {
			in = append(in, "image")
			eps = append(eps, "/v1/images/edits")
		}
		return &model{Name: name, Aliases: aliases, Category: "image", Title: title, Publisher: publisher,
			Description: title + " image generation", PaidOnly: paid, FlatRate: boolPtr(true),
			Pricing:         map[string]string{"currency": "pollen", "completionImageTokens": priceString(price)},
			InputModalities: in, OutputModalities: []string{"image"}, SupportedEndpoints: eps,
			MaxReferenceImages: refs, price: price, unit: "image", maxPixels: 2359296, kind: "image"}
	}
	// tokenImg is priced per output image token (GPT Image, Gemini image): flat_rate false.
	tokenImg := func(name, title, publisher string, perToken float64, paid bool, refs int, aliases ...string) *model {
		m := img(name, title, publisher, perToken, paid, refs, aliases...)
		m.FlatRate = boolPtr(false)
		m.Pricing = map[string]string{"currency": "pollen", "promptTextTokens": priceString(perToken / 4),
			"promptImageTokens": priceString(perToken / 4), "completionImageTokens": priceString(perToken)}
		m.unit, m.maxPixels = "image-token", 0
		return m
	}
	vid := func(name, title, publisher string, perSec float64, paid bool, caps []string, minD, maxD, defD, step float64, allowed []float64, aliases ...string) *model {
		pricing := map[string]string{"currency": "pollen", "completionVideoSeconds": priceString(perSec)}
		if contains(caps, "audio_output") {
			pricing["completionAudioSeconds"] = "0.02" // the soundtrack surcharge (video.go)
		}
		return &model{Name: name, Aliases: aliases, Category: "video", Title: title, Publisher: publisher,
			Description: title + " video generation", PaidOnly: paid,
			Pricing:         pricing,
			InputModalities: []string{"text", "image"}, OutputModalities: []string{"video"},
			SupportedEndpoints: []string{"/video/{prompt}", "/image/{prompt}"}, VideoCapabilities: caps,
			MinDuration: minD, MaxDuration: maxD, DefaultDuration: defD, DurationStep: step, AllowedDurations: allowed,
			MaxReferenceImages: 2, price: perSec, unit: "second", kind: "video"}
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
	tts := func(name, title, publisher string, perKChar float64, paid bool, voices []string, aliases ...string) *model {
		return &model{Name: name, Aliases: aliases, Category: "audio", Title: title, Publisher: publisher,
			Description: title + " text to speech", PaidOnly: paid,
			Pricing:         map[string]string{"currency": "pollen", "completionAudioTokens": priceString(perKChar / 1000)},
			InputModalities: []string{"text"}, OutputModalities: []string{"audio"},
			SupportedEndpoints: []string{"/audio/{text}", "/v1/audio/speech"}, Voices: voices,
			price: perKChar, unit: "kchar", kind: "audio"}
	}
	stt := func(name, title, publisher string, perSec float64, paid bool, aliases ...string) *model {
		return &model{Name: name, Aliases: aliases, Category: "audio", Title: title, Publisher: publisher,
			Description: title + " speech to text", PaidOnly: paid,
			Pricing:         map[string]string{"currency": "pollen", "promptAudioSeconds": priceString(perSec)},
			InputModalities: []string{"audio"}, OutputModalities: []string{"text"},
			SupportedEndpoints: []string{"/v1/audio/transcriptions"}, price: perSec, unit: "audio-second", kind: "transcription"}
	}
	// openai-audio is a text model that hears audio and can answer aloud (GET /text with a
	// voice): it is listed with the text models, audio among its outputs, and serves chat only.
	openaiAudio := txt("openai/gpt-audio-mini", "GPT Audio Mini", "OpenAI", 0.000002, false, []string{"text", "audio"}, false, "openai-audio")
	openaiAudio.OutputModalities = []string{"audio", "text"}
	openaiAudio.SupportedEndpoints = []string{"/v1/chat/completions"}
	openaiAudio.spokenVoices = []string{"alloy", "echo", "fable", "onyx", "nova", "shimmer", "coral", "verse", "ballad", "ash", "sage", "amuch", "dan"}

	gptimage := tokenImg("openai/gpt-image-1-mini", "GPT Image 1 Mini", "OpenAI", 0.000008, false, 16, "gptimage", "gpt-image", "gpt-image-1-mini")
	nanobanana := tokenImg("google/gemini-2.5-flash-image", "Nano Banana", "Google", 0.00003, true, 3, "nanobanana", "gemini-2.5-flash-image")
	seedream := img("bytedance/seedream-4.0", "Seedream 4.0", "ByteDance", 0.03, true, 10, "seedream")
	seedream.Resolutions = []string{"1K", "2K", "4K"}
	seedream.PricingVariants = map[string]any{"1K": map[string]string{"completionImageTokens": "0.03"},
		"2K": map[string]string{"completionImageTokens": "0.03"}, "4K": map[string]string{"completionImageTokens": "0.06"}}
	seedream.Health = &health{Status: "degraded", SuccessRate: 0.71, Requests: 412}
	flux2 := img("black-forest-labs/flux.2-pro", "FLUX.2 Pro", "Black Forest Labs", 0.03, true, 8, "flux-2-pro")
	flux2.unit, flux2.maxPixels = "megapixel", 4194304
	community := img("community/pixelsmith/pixel-art", "Pixel Art (community)", "pixelsmith", 0.001, false, 0, "pixelsmith/pixel-art")
	community.Source, community.Community = "community", true
	community.Health = &health{Status: "healthy", SuccessRate: 0.93, Requests: 88}

	elevenVoices := []string{"alloy", "echo", "fable", "onyx", "nova", "shimmer", "rachel", "adam", "bella"}
	eleven := tts("elevenlabs/eleven-v3", "ElevenLabs v3", "ElevenLabs", 0.1, true, elevenVoices, "elevenlabs", "tts", "eleven-v3")
	eleven.anyVoice = true
	flash := tts("elevenlabs/eleven-flash-v2.5", "ElevenLabs Flash v2.5", "ElevenLabs", 0.05, true, elevenVoices, "elevenflash", "eleven-flash-v2.5")
	flash.anyVoice = true
	qwenTTS := tts("qwen/qwen3-tts-flash", "Qwen3 TTS Flash", "Qwen", 0.02, true, []string{"loongeva_v3.6", "cherry"}, "qwen-tts")
	qwenTTS.PerUserRPM = 60
	music := &model{Name: "elevenlabs/music-v2", Aliases: []string{"music-v2"}, Category: "audio", Title: "ElevenLabs Music v2",
		Publisher: "ElevenLabs", Description: "Music generation", PaidOnly: true,
		Pricing:         map[string]string{"currency": "pollen", "completionAudioSeconds": "0.0025"},
		InputModalities: []string{"text"}, OutputModalities: []string{"audio"}, SupportedEndpoints: []string{"/v1/audio/speech"},
		MinDuration: 3, MaxDuration: 300, price: 0.0025, unit: "second", kind: "music"}
	embed := &model{Name: "openai/text-embedding-3-small", Aliases: []string{"text-embedding-3-small"}, Category: "embedding",
		Title: "Text Embedding 3 Small", Publisher: "OpenAI", Description: "Embeddings up to 1536 dimensions",
		Pricing:         map[string]string{"currency": "pollen", "promptTextTokens": "0.00000002"},
		InputModalities: []string{"text"}, OutputModalities: []string{"embedding"}, SupportedEndpoints: []string{"/v1/embeddings"},
		price: 0.00000002, unit: "token", kind: "embedding"}
	veo := vid("google/veo-3.1-fast", "Veo 3.1 Fast", "Google", 0.08, true, []string{"start_frame", "end_frame", "audio_output"}, 4, 8, 4, 2, []float64{4, 6, 8}, "veo", "veo-3.1-fast", "video")
	veo.Resolutions = []string{"720p", "1080p"}
	wan := vid("alibaba/wan-2.2-fast", "Wan 2.2 Fast", "Alibaba", 0.08, false, []string{"start_frame"}, 6, 120, 6, 6, nil, "wan-fast")
	seedance := vid("bytedance/seedance-1-pro-fast", "Seedance 1 Pro Fast", "ByteDance", 0.025, true, []string{"start_frame"}, 2, 10, 5, 1, nil, "seedance-pro", "seedance")
	seedance.Resolutions = []string{"480p", "720p", "1080p"}
	list := []*model{
		img("tongyi-mai/z-image-turbo", "Z-Image Turbo", "Tongyi-MAI", 0.004, false, 0, "zimage", "z-image", "z-image-turbo"),
		img("black-forest-labs/flux-schnell", "Flux Schnell", "Black Forest Labs", 0.002, false, 0, "flux", "flux-schnell"),
		img("black-forest-labs/flux.1-kontext", "FLUX.1 Kontext", "Black Forest Labs", 0.04, false, 1, "kontext"),
		gptimage, seedream, nanobanana, flux2, community,
		veo, seedance, wan,
		txt("openai/gpt-5.4-nano", "GPT-5.4 Nano", "OpenAI", 0.000002, false, []string{"text", "image"}, false, "openai"),
		txt("openai/gpt-5-nano", "GPT-5 Nano", "OpenAI", 0.0000004, false, []string{"text", "image"}, false, "openai-fast"),
		txt("google/gemini-2.5-flash", "Gemini 2.5 Flash", "Google", 0.0000025, true, []string{"text", "image", "audio"}, false, "gemini", "gemini-2.5-flash"),
		txt("anthropic/claude-sonnet-4.6", "Claude Sonnet 4.6", "Anthropic", 0.000015, true, []string{"text", "image"}, false, "claude", "claude-sonnet"),
		txt("deepseek/deepseek-v3.2", "DeepSeek V3.2", "DeepSeek", 0.0000011, false, []string{"text"}, true, "deepseek", "deepseek-v3"),
		txt("qwen/qwen3-coder", "Qwen 3 Coder", "Qwen", 0.0000009, false, []string{"text"}, false, "qwen-coder"),
		openaiAudio,
		tts("openai/tts-1", "OpenAI TTS-1", "OpenAI", 0.015, false, openAIVoices, "tts-1"),
		tts("openai/tts-1-hd", "OpenAI TTS-1 HD", "OpenAI", 0.03, false, openAIVoices, "tts-1-hd"),
		eleven, flash, qwenTTS, music,
		stt("openai/whisper-large-v3", "Whisper Large v3", "OpenAI", 0.0000453, false, "whisper", "whisper-1"),
		stt("elevenlabs/scribe-v2", "ElevenLabs Scribe v2", "ElevenLabs", 0.0001, true, "scribe", "scribe-v2"),
		embed,
	}
	list = append(list, models3D()...)
	list = append(list, musicModels()...)
	for _, m := range list {
		if m.Source == "" {
			m.Source = "official"
		}
		if m.Health == nil {
			m.Health = &health{Status: "healthy", SuccessRate: 0.99, Requests: 1000}
		}
	}
	return list
}

// defaultModel is the registry's DEFAULT_*_MODEL for a route.
func defaultModel(route string) string {
	switch route {
	case "image", "images":
		return "tongyi-mai/z-image-turbo"
	case "video":
		return "google/veo-3.1-fast"
	case "text":
		return "openai/gpt-5.4-nano"
	case "audio":
		return "openai/tts-1" // free on Quest Pollen; it was elevenlabs
	case "transcription":
		return "openai/whisper-large-v3"
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
	return kind == route || (route == "image" && kind == "video") || (route == "images" && kind == "image") ||
		(route == "audio" && kind == "music")
}

// endpointName is how the service names a route family in its messages.
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

// validCommunity checks the community= filter (true|1|false|0) and source= (official|community)
// and reliability= (reliable|all); anything else is a 400.
func validCommunity(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	switch q.Get("community") {
	case "", "true", "1", "false", "0":
	default:
		badRequest(w, "community", "Invalid option: expected one of \"true\"|\"false\"|\"1\"|\"0\"")
		return false
	}
	switch q.Get("source") {
	case "", "official", "community":
	default:
		badRequest(w, "source", "Invalid option: expected one of \"official\"|\"community\"")
		return false
	}
	switch q.Get("reliability") {
	case "", "reliable", "all":
	default:
		badRequest(w, "reliability", "Invalid option: expected one of \"reliable\"|\"all\"")
		return false
	}
	return true
}

// handleModels serves /models and the per-kind lists (ModelInfo arrays, with health).
// source= picks official or community models; by default (reliability=reliable) community
// proxies at or under 80% success are left out.
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request, kinds ...string) {
	if !validCommunity(w, r) {
		return
	}
	q := r.URL.Query()
	source := q.Get("source")
	if v := q.Get("community"); v == "true" || v == "1" {
		source = "community"
	}
	out := []*model{}
	for _, m := range s.visibleModels(r, kinds...) {
		if (source == "community" && !m.Community) || (source == "official" && m.Community) {
			continue
		}
		if q.Get("reliability") != "all" && m.Community && m.Health != nil && m.Health.SuccessRate <= 0.8 {
			continue
		}
		out = append(out, m)
	}
	w.Header().Set("Pollinations-Model-Source", orAll(source))
	w.Header().Set("Pollinations-Model-Reliability", orDefault(q.Get("reliability"), "reliable"))
	writeJSON(w, http.StatusOK, out)
}

func orAll(s string) string { return orDefault(s, "all") }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// handleV1Models is the OpenAI-compatible list.
func (s *Server) handleV1Models(w http.ResponseWriter, r *http.Request) {
	data := []map[string]any{}
	for _, m := range s.visibleModels(r) {
		d := map[string]any{"id": m.Name, "object": "model", "created": 1759795200,
			"input_modalities": m.InputModalities, "output_modalities": m.OutputModalities,
			"supported_endpoints": m.SupportedEndpoints, "pricing": m.Pricing, "capabilities": m.Capabilities,
			"aliases": m.Aliases, "publisher": m.Publisher, "paid_only": m.PaidOnly, "health": m.Health}
		if m.kind == "text" {
			d["tools"], d["reasoning"], d["context_length"] = m.Tools, m.Reasoning, m.ContextLength
		}
		data = append(data, d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}
