package jobs

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// TypicalTime is how long a model usually takes: the median time from queueing to the result
// of the finished items made with it (by requested or reported name, or any of aliases, so that
// items stored under a model's old short name count). It reports false when there is none to
// go by.
func TypicalTime(items []storage.Item, model string, aliases ...string) (time.Duration, int, bool) {
	names := append([]string{model}, aliases...)
	var ds []time.Duration
	for _, it := range items {
		if !slices.Contains(names, it.ModelRequested) && !slices.Contains(names, it.ModelUsed) {
			continue
		}
		if it.Status != Done || it.CreatedAt.IsZero() || !it.FinishedAt.After(it.CreatedAt) {
			continue
		}
		ds = append(ds, it.FinishedAt.Sub(it.CreatedAt))
	}
	if len(ds) == 0 {
		return 0, 0, false
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		m = (ds[len(ds)/2-1] + m) / 2
	}
	return m, len(ds), true
}

// HistoryLen is how many past real costs of a model an estimate goes by.
const HistoryLen = 20

// CostHistory is the real costs of the newest items made with a model (under its id or any
// alias), newest first, for Estimate.
func CostHistory(ctx context.Context, lib *storage.Library, models []api.Model, model string) ([]float64, error) {
	return lib.RecentCosts(ctx, api.ModelNames(models, model), HistoryLen)
}

// EstimateParams is what a price depends on besides the model.
type EstimateParams struct {
	Count         int     // images (or generations); 0 = 1
	Width, Height int     // image size; 0 = 1024
	Resolution    string  // a pricing variant (resolution tier), if the model has them
	Seconds       float64 // video, music or transcribed audio length
	RefSeconds    float64 // reference audio sent with music (billed per second, as output is)
	Audio         bool    // a video with a soundtrack
	Chars         int     // characters of speech
}

// CostEstimate is what a generation will probably cost, in the unit the model is priced in.
type CostEstimate struct {
	Amount float64 // pollen for the whole request
	Unit   string  // image, megapixel, second, model, 1k characters, token
	Known  bool    // false: no honest figure before the call
	Label  string  // for people: "about 0.004 pollen (0.004 per image)", "priced by tokens"
}

// PricedByTokens is the label of a token-priced model with no past cost to go by.
const PricedByTokens = "priced by tokens"

// Estimate prices a request before it is sent. Flat-rate images are priced per image (by the
// pricing variant of the chosen resolution, if any), FLUX.2 and Qwen Image per megapixel,
// video and music per second, 3D per model and speech per 1000 characters. A token-priced image
// model's per-token price says nothing about one image: its estimate is the median of history
// (this library's real costs of the same model, newest first; the first HistoryLen count), and
// "priced by tokens" until there is one.
func Estimate(m api.Model, p EstimateParams, history []float64) CostEstimate {
	count := float64(max(1, p.Count))
	price := func(keys ...string) (float64, bool) {
		pr := m.Pricing
		if v, ok := m.PricingVariants[p.Resolution]; ok && p.Resolution != "" {
			pr = v
		}
		for _, k := range append(keys, "price") {
			if v, ok := pr[k]; ok {
				return v, true
			}
		}
		return 0, false
	}
	done := func(amount float64, unit, detail string) CostEstimate {
		return CostEstimate{Amount: amount, Unit: unit, Known: true, Label: fmt.Sprintf("about %s pollen (%s)", pollen(amount), detail)}
	}
	switch m.Kind {
	case "image":
		if m.TokenPriced() {
			if len(history) == 0 {
				return CostEstimate{Unit: "image", Label: PricedByTokens}
			}
			med := median(history[:min(len(history), HistoryLen)])
			return done(med*count, "image", fmt.Sprintf("priced by tokens; typical of your last %d: %s per image", min(len(history), HistoryLen), pollen(med)))
		}
		per, ok := price("completionImageTokens")
		if !ok {
			break
		}
		if m.PriceUnit == "megapixel" {
			w, h := orSide(p.Width), orSide(p.Height)
			mp := float64(w*h) / 1e6
			return done(per*mp*count, "megapixel", fmt.Sprintf("%s per megapixel × %.2f MP", pollen(per), mp))
		}
		return done(per*count, "image", pollen(per)+" per image")
	case "video":
		per, ok := price("completionVideoSeconds")
		if !ok || p.Seconds <= 0 {
			break
		}
		if a, ok := m.Pricing["completionAudioSeconds"]; ok && p.Audio {
			per += a
		}
		return done(per*p.Seconds, "second", pollen(per)+" per second")
	case api.KindMusic:
		if !api.MusicSpecFor(m.Name, &m).PerSecond {
			// Lyria and Stable Audio: a flat price per clip, whatever its length.
			if v, ok := api.MusicCost(m, 0); ok {
				return done(v*count, "clip", pollen(v)+" per clip")
			}
			break
		}
		per, ok := price("completionAudioSeconds")
		if !ok || p.Seconds <= 0 {
			break
		}
		return done(per*(p.Seconds+max(0, p.RefSeconds)), "second", pollen(per)+" per second")
	case "audio":
		per, ok := price("completionAudioTokens")
		if !ok || p.Chars <= 0 {
			break
		}
		return done(per*float64(p.Chars), "1k characters", pollen(per*1000)+" per 1000 characters")
	case "transcription":
		per, ok := price("promptAudioSeconds")
		if !ok || p.Seconds <= 0 {
			break
		}
		return done(per*p.Seconds, "second", pollen(per*60)+" per minute of audio")
	case api.KindAudioTool:
		// Voice isolator, voice changer and stems are billed per minute of the input; Resolution
		// names the stem variation. The registry's prices win over the catalogue's unit.
		per, ok := api.VoiceToolPerMinute(m.Name, p.Resolution)
		if !ok {
			var s float64
			s, ok = price("promptAudioSeconds")
			per = s * 60
		}
		if !ok || p.Seconds <= 0 {
			break
		}
		return done(per*p.Seconds/60, "second", pollen(per)+" per minute of input")
	case "3d":
		if v, ok := m.PricingVariants[p.Resolution]; ok && p.Resolution != "" {
			for _, x := range v {
				return done(x*count, "model", pollen(x)+" per model")
			}
		}
		for k, x := range m.Pricing {
			if k != "currency" {
				return done(x*count, "model", pollen(x)+" per model")
			}
		}
	case "text":
		return CostEstimate{Unit: "token", Label: PricedByTokens}
	}
	return CostEstimate{Label: "no price listed"}
}

func orSide(v int) int {
	if v <= 0 {
		return 1024
	}
	return v
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pollen writes an amount with three significant figures and no exponent.
func pollen(v float64) string {
	if v == 0 {
		return "0"
	}
	digits := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', digits, 64), "0"), ".")
}

// HostedReuseFor is how long after it was made an item's hosted copy is trusted to still be
// there: the service keeps files about 30 days (longer when read), so a margin is left.
const HostedReuseFor = 25 * 24 * time.Hour

// ReferenceFor is what a job sends to reuse a library item as a reference image or a start
// frame: its hosted address while that is fresh (nothing is uploaded), otherwise its media
// file. Put a URL in ImageRequest.RefURLs or VideoRequest.StartFrame, a file in RefFiles.
func ReferenceFor(it storage.Item, now time.Time) (url, file string) {
	if it.HostedURL != "" && strings.HasPrefix(it.HostedURL, "https://") && now.Sub(it.CreatedAt) < HostedReuseFor {
		return it.HostedURL, ""
	}
	return "", it.MediaPath
}
