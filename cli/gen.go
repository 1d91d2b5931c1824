package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/textutil"
	"pollinations-studio/storage"
)

func (c *command) image(args []string) error {
	fs := newFlagSet("image", c.env)
	out := fs.String("o", "", "output file (required)")
	model := fs.String("model", "", "image model")
	width := fs.Int("width", 0, "width in pixels")
	height := fs.Int("height", 0, "height in pixels")
	var seed optInt64
	fs.Var(&seed, "seed", "`int` seed (-1: random on the server; not sent unless given)")
	quality := fs.String("quality", "", "low|medium|high|hd")
	transparent := fs.Bool("transparent", false, "transparent background (gptimage)")
	noCache := fs.Bool("no-cache", false, "regenerate instead of returning a cached result")
	asJSON := fs.Bool("json", false, "print the saved library item as JSON on stdout")
	var refs listFlag
	fs.Var(&refs, "ref", "reference image: a local FILE or an http(s) URL (repeatable)")
	prompt, err := parseOne(fs, args, "PROMPT")
	if err != nil {
		return err
	}
	if prompt, err = readPromptArg(prompt, c.env.Stdin); err != nil {
		return err
	}
	if err := requireOutput("image", *out, nil); err != nil {
		return err
	}
	req := api.ImageRequest{Prompt: prompt, Model: *model, Width: *width, Height: *height,
		Quality: *quality, Transparent: *transparent, NoCache: *noCache}
	req.Seed = seed.v
	for _, r := range refs {
		if strings.HasPrefix(r, "http://") || strings.HasPrefix(r, "https://") {
			req.RefURLs = append(req.RefURLs, r)
			continue
		}
		if _, err := os.Stat(r); err != nil {
			return usagef("reference image %q: %v", r, err)
		}
		req.RefFiles = append(req.RefFiles, r)
	}
	c.progress("generating image%s…", c.estimateNote("image", *model, jobs.EstimateParams{Width: *width, Height: *height}))
	it, lib, err := c.runJob(jobs.Request{Image: &req}, jobHooks{libraryNote: true})
	if err != nil {
		return err
	}
	defer lib.Close()
	written, note, err := saveImage(lib, it, *out)
	if err != nil {
		return err
	}
	seedText := "seed not fixed: an edit of a local file takes none"
	if it.Seed != nil {
		seedText = fmt.Sprintf("seed %d", *it.Seed)
	}
	if note != "" {
		note = "; " + note
	}
	c.progress("saved %s (%dx%d, %s, model %s, %s%s%s)", written, it.Width, it.Height, it.ContentType, it.ModelUsed, seedText, itemCost(it), note)
	if *asJSON {
		return c.printItem(lib, it)
	}
	return nil
}

func (c *command) text(args []string) error {
	fs := newFlagSet("text", c.env)
	model := fs.String("model", "", "text model")
	system := fs.String("system", "", "system prompt")
	jsonOut := fs.Bool("json", false, "print the saved library item (the reply in its text) as JSON at the end instead of streaming")
	prompt, err := parseOne(fs, args, "PROMPT")
	if err != nil {
		return err
	}
	if prompt, err = readPromptArg(prompt, c.env.Stdin); err != nil {
		return err
	}
	var msgs []api.Message
	if *system != "" {
		msgs = append(msgs, api.Message{Role: "system", Content: *system})
	}
	msgs = append(msgs, api.Message{Role: "user", Content: prompt})
	// Piped or redirected, stdout gets the library's text byte for byte, and nothing else. On
	// a terminal the content is cleaned of escape sequences and controls (a reply could
	// otherwise drive the terminal), and the line is ended.
	toTerm := isTerminal(c.env.Stdout)
	var filter termText
	inReasoning, wrote := false, false
	var printed int
	var writeErr error
	emit := func(s string) {
		if writeErr != nil || s == "" {
			return
		}
		n, err := io.WriteString(c.env.Stdout, s)
		printed += n
		if err != nil {
			writeErr = fmt.Errorf("writing the reply: %w", err)
		}
		wrote = true
	}
	onText := func(content, reasoning string) {
		if *jsonOut {
			return
		}
		if reasoning != "" {
			// Reasoning goes to stderr: stdout carries only the answer.
			if !inReasoning {
				fmt.Fprint(c.env.Stderr, "[thinking] ")
				inReasoning = true
			}
			fmt.Fprint(c.env.Stderr, textutil.StripControls(reasoning, true))
		}
		if content != "" {
			if inReasoning {
				fmt.Fprintln(c.env.Stderr)
				inReasoning = false
			}
			if toTerm {
				content = filter.filter(content)
			}
			emit(content)
		}
	}
	it, lib, err := c.runJob(jobs.Request{Text: &api.ChatRequest{Model: *model, Messages: msgs}}, jobHooks{onText: onText})
	if toTerm {
		emit(filter.flush())
	}
	if err != nil {
		if wrote && toTerm {
			fmt.Fprintln(c.env.Stdout)
		}
		if api.IsKind(err, api.KindIncomplete) {
			return &incompleteError{fmt.Errorf("the reply was cut short: %w", err)}
		}
		return err
	}
	defer lib.Close()
	if *jsonOut {
		c.progress("model %s%s; saved to the library as item %d", termCell(it.ModelUsed), itemCost(it), it.ID)
		return c.printItem(lib, it)
	}
	if writeErr != nil {
		return writeErr
	}
	if !toTerm && printed != len(it.Text) {
		// Never a success with a reply that is not the one kept.
		return fmt.Errorf("printed %d bytes of a %d-byte reply (item %d has it whole)", printed, len(it.Text), it.ID)
	}
	if toTerm && !strings.HasSuffix(it.Text, "\n") {
		fmt.Fprintln(c.env.Stdout)
	}
	c.progress("model %s%s; saved to the library as item %d", termCell(it.ModelUsed), itemCost(it), it.ID)
	return nil
}

func (c *command) speak(args []string) error {
	fs := newFlagSet("speak", c.env)
	out := fs.String("o", "", "output file")
	model := fs.String("model", "", "speech model")
	voice := fs.String("voice", "", "voice")
	format := fs.String("format", "", "mp3|wav|pcm (default: from the -o extension, else mp3)")
	play := fs.Bool("play", false, "play the speech while it downloads")
	asJSON := fs.Bool("json", false, "print the saved library item as JSON on stdout")
	text, err := parseOne(fs, args, "TEXT")
	if err != nil {
		return err
	}
	if text, err = readPromptArg(text, c.env.Stdin); err != nil {
		return err
	}
	if err := requireOutput("speak", *out, play); err != nil {
		return err
	}
	if *format == "" {
		*format = "mp3"
		if ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), "."); ext == "wav" || ext == "pcm" {
			*format = ext
		}
	}
	c.progress("generating speech…")
	var playErr error
	hooks := jobHooks{libraryNote: true}
	if *play {
		hooks.onAudio = func(r io.Reader) {
			// Playback starts with the first bytes while the rest downloads.
			playErr = c.playStream(r, *format)
			io.Copy(io.Discard, r)
		}
	}
	it, lib, err := c.runJob(jobs.Request{Speech: &api.SpeechRequest{Text: text, Model: *model, Voice: *voice, Format: *format}}, hooks)
	if err != nil {
		return streamErr(err)
	}
	defer lib.Close()
	if *out != "" {
		if err := copyMedia(lib, it, *out); err != nil {
			return err
		}
		c.progress("saved %s (%s, model %s%s)", *out, it.ContentType, it.ModelUsed, itemCost(it))
	}
	if *asJSON {
		if err := c.printItem(lib, it); err != nil {
			return err
		}
	}
	return playErr
}

func (c *command) transcribe(args []string) error {
	fs := newFlagSet("transcribe", c.env)
	model := fs.String("model", "", "transcription model")
	lang := fs.String("language", "", "ISO-639-1 language (default: detected)")
	prompt := fs.String("prompt", "", "hint text for the model")
	format := fs.String("format", "text", "json|text|srt|vtt|verbose_json|diarized_json")
	speakers := fs.Int("speakers", 0, "how many people speak (with --format diarized_json)")
	isolate := fs.Bool("isolate", false, "isolate the voice first (noise, music; audio or video, at least 4.6 s)")
	asJSON := fs.Bool("json", false, "print the saved library item with its segments as JSON instead of the transcript")
	file, err := parseOne(fs, args, "FILE")
	if err != nil {
		return err
	}
	switch *format {
	case "json", "text", "srt", "vtt", "verbose_json", "diarized_json":
	default:
		return usagef("transcribe: --format must be json, text, srt, vtt, verbose_json or diarized_json")
	}
	if *speakers < 0 || (*speakers > 0 && *format != "diarized_json") {
		return usagef("transcribe: --speakers N goes with --format diarized_json (N at least 1)")
	}
	// The transcript is kept with its timings; diarized_json adds who speaks.
	sent := "verbose_json"
	if *format == "diarized_json" {
		sent = "diarized_json"
	}
	if _, err := os.Stat(file); err != nil {
		return usagef("transcribe: %v", err)
	}
	if *isolate {
		if _, err := api.CheckVoiceToolFile(file, api.MinIsolatorSeconds); err != nil {
			return usagef("transcribe: %v", err)
		}
	} else if err := jobs.CheckTranscribable(file); err != nil { // a big WAV goes in parts
		return usagef("transcribe: %v", err)
	}
	// By its content, before it is copied into the library: a file that is not audio would be
	// kept there with no item pointing at it once the service refused it.
	if err := storage.CheckMediaFile(file, storage.KindTranscript); err != nil {
		return usagef("transcribe: %v", err)
	}
	c.progress("transcribing %s…", file)
	it, lib, err := c.runJob(jobs.Request{Transcribe: &api.TranscribeRequest{File: file, Model: *model, Language: *lang, Prompt: *prompt, Format: sent, SpeakersExpected: *speakers, IsolateFirst: *isolate}}, jobHooks{})
	if err != nil {
		return err
	}
	defer lib.Close()
	segs, err := lib.Segments(c.ctx, it.ID)
	if err != nil {
		return err
	}
	switch {
	case *asJSON:
		j := newItemJSON(lib, it)
		j.Segments = newSegmentsJSON(segs)
		err = writeJSON(c.env.Stdout, j)
	case *format == "text":
		fmt.Fprintln(c.env.Stdout, it.Text)
	case *format == "json":
		err = writeJSON(c.env.Stdout, map[string]any{"text": it.Text})
	case *format == "verbose_json", *format == "diarized_json":
		err = writeJSON(c.env.Stdout, map[string]any{"text": it.Text, "duration": it.DurationSec, "segments": newSegmentsJSON(segs), "model": it.ModelUsed, "item": it.ID})
	default:
		err = storage.ExportTranscript(segs, *format, c.env.Stdout)
	}
	if err == nil {
		c.progress("saved to the library as item %d%s", it.ID, itemCost(it))
	}
	return err
}

func (c *command) video(args []string) error {
	fs := newFlagSet("video", c.env)
	out := fs.String("o", "", "output file (required)")
	model := fs.String("model", "", "video model")
	duration := fs.Int("duration", 0, "seconds")
	aspect := fs.String("aspect", "", "aspect ratio, e.g. 16:9")
	audio := fs.Bool("audio", false, "with sound (models that offer it)")
	start := fs.String("start-frame", "", "start frame image URL")
	end := fs.String("end-frame", "", "end frame image URL")
	var seed optInt64
	fs.Var(&seed, "seed", "`int` seed (not sent unless given)")
	asJSON := fs.Bool("json", false, "print the saved library item as JSON on stdout")
	prompt, err := parseOne(fs, args, "PROMPT")
	if err != nil {
		return err
	}
	if err := requireOutput("video", *out, nil); err != nil {
		return err
	}
	for _, f := range []string{*start, *end} {
		if f != "" && !strings.HasPrefix(f, "http://") && !strings.HasPrefix(f, "https://") {
			return usagef("video: frames are passed as http(s) URLs (the video route cannot take local files)")
		}
	}
	req := api.VideoRequest{Prompt: prompt, Model: *model, Duration: *duration, AspectRatio: *aspect,
		Audio: *audio, StartFrame: *start, EndFrame: *end}
	req.Seed = seed.v
	c.progress("generating video%s (this takes minutes)…", c.estimateNote("video", *model, jobs.EstimateParams{Seconds: float64(*duration), Audio: *audio}))
	it, lib, err := c.runJob(jobs.Request{Video: &req}, jobHooks{libraryNote: true, showBytes: true})
	if err != nil {
		return streamErr(err)
	}
	defer lib.Close()
	if err := copyMedia(lib, it, *out); err != nil {
		return err
	}
	c.progress("saved %s (%s, model %s%s)", *out, it.ContentType, it.ModelUsed, itemCost(it))
	if *asJSON {
		return c.printItem(lib, it)
	}
	return nil
}

func streamErr(err error) error {
	if api.IsKind(err, api.KindIncomplete) {
		return &incompleteError{fmt.Errorf("the download was cut short: %w", err)}
	}
	return err
}

func costText(m api.Meta) string {
	if !m.CostKnown {
		return ""
	}
	return fmt.Sprintf(", cost %.4f pollen", m.Cost)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// estimateNote is " (≈… pollen …)" for a request about to be sent, or "" when the model or
// its price cannot be found quickly. A token-priced model is estimated from the library's past
// costs of it, and says "priced by tokens" without any.
func (c *command) estimateNote(kind, model string, p jobs.EstimateParams) string {
	if model == "" {
		return ""
	}
	cl, err := c.client(false)
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	ms, err := cl.Models(ctx, kind)
	if err != nil {
		return ""
	}
	m, ok := api.FindModel(ms, model)
	if !ok {
		return ""
	}
	var hist []float64
	if m.TokenPriced() {
		if lib, err := c.openLibrary(); err == nil {
			hist, _ = jobs.CostHistory(ctx, lib, ms, m.Name)
			lib.Close()
		}
	}
	e := jobs.Estimate(m, p, hist)
	if e.Label == "" || (!e.Known && e.Label != jobs.PricedByTokens) {
		return ""
	}
	return " (" + e.Label + ")"
}
