package cli

import (
	"io"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
)

// music is `music PROMPT -o FILE [--model M] [--duration S] [--instrumental] [--play]`.
func (c *command) music(args []string) error {
	fs := newFlagSet("music", c.env)
	out := fs.String("o", "", "output MP3 file")
	model := fs.String("model", api.DefaultMusicModel, "music model (elevenlabs/music-v2, lyria-3-clip-preview, stable-audio-3…)")
	duration := fs.Float64("duration", 0, "length in seconds (ElevenLabs 3–300, Stable Audio 1–380; Lyria: none, say it in the prompt)")
	instrumental := fs.Bool("instrumental", false, "no vocals")
	play := fs.Bool("play", false, "play the music while it downloads")
	asJSON := fs.Bool("json", false, "print the saved library item as JSON on stdout")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	req := api.MusicRequest{Model: *model, Duration: *duration, Instrumental: *instrumental}
	return c.runMusic("music", pos, *out, *play, *asJSON, req)
}

// sound is `sound PROMPT -o FILE [--duration S] [--loop] [--play]`.
func (c *command) sound(args []string) error {
	fs := newFlagSet("sound", c.env)
	out := fs.String("o", "", "output MP3 file")
	model := fs.String("model", api.DefaultSoundModel, "sound-effect model")
	duration := fs.Float64("duration", 0, "length in seconds, 0.5–30 (default: the model chooses)")
	loop := fs.Bool("loop", false, "a sound that loops seamlessly")
	play := fs.Bool("play", false, "play the sound while it downloads")
	asJSON := fs.Bool("json", false, "print the saved library item as JSON on stdout")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	req := api.MusicRequest{Model: *model, Duration: *duration, Loop: *loop}
	return c.runMusic("sound", pos, *out, *play, *asJSON, req)
}

// runMusic is what music and sound share, written as speak is: the job lands in the library,
// the file is written whole or not at all, and --play starts with the first bytes.
func (c *command) runMusic(name string, pos []string, out string, play, asJSON bool, req api.MusicRequest) error {
	prompt, err := onePositional(pos, "PROMPT")
	if err != nil {
		return err
	}
	if prompt, err = readPromptArg(prompt, c.env.Stdin); err != nil {
		return err
	}
	if err := requireOutput(name, out, &play); err != nil {
		return err
	}
	req.Prompt = prompt
	if req.Duration < 0 {
		return usagef("%s: --duration must be a positive number of seconds", name)
	}
	c.progress("generating %s%s…", name, c.estimateNote(api.KindMusic, req.Model, jobs.EstimateParams{Seconds: req.Duration}))
	var playErr error
	hooks := jobHooks{libraryNote: true}
	if play {
		hooks.onAudio = func(r io.Reader) {
			playErr = c.playStream(r, "mp3")
			io.Copy(io.Discard, r)
		}
	}
	it, lib, err := c.runJob(jobs.Request{Music: &req}, hooks)
	if err != nil {
		if e, ok := api.AsError(err); ok && e.Kind == api.KindBadRequest && e.Status == 0 {
			// Refused before sending (a length the model does not take): a usage mistake.
			return usagef("%s: %s", name, e.Message)
		}
		return streamErr(err)
	}
	defer lib.Close()
	if out != "" {
		if err := copyMedia(lib, it, out); err != nil {
			return err
		}
		c.progress("saved %s (%s, %.1f s, model %s%s)", out, it.ContentType, it.DurationSec, it.ModelUsed, itemCost(it))
	}
	if asJSON {
		if err := c.printItem(lib, it); err != nil {
			return err
		}
	}
	return playErr
}
