package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"pollinations-studio/audio"
)

func (c *command) engine() (*audio.Engine, error) {
	e, err := audio.NewEngine(audio.EngineOptions{})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoAudio, err)
	}
	return e, nil
}

// playStream plays audio as it arrives and returns when it has been heard to the end.
func (c *command) playStream(r io.Reader, format string) error {
	e, err := c.engine()
	if err != nil {
		return err
	}
	defer e.Close()
	p, err := e.NewPlayer(audio.PlayerOptions{})
	if err != nil {
		return fmt.Errorf("opening the speakers: %w", err)
	}
	if err := p.Play(c.ctx, r, audio.FormatFromName(format)); err != nil {
		return fmt.Errorf("playing: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		return err
	case <-c.ctx.Done():
		p.Stop()
		return c.ctx.Err()
	}
}

func (c *command) play(args []string) error {
	fs := newFlagSet("play", c.env)
	file, err := parseOne(fs, args, "FILE")
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return usagef("play: %v", err)
	}
	defer f.Close()
	c.progress("playing %s", file)
	return c.playStream(f, strings.TrimPrefix(strings.ToLower(filepath.Ext(file)), "."))
}

func (c *command) record(args []string) error {
	fs := newFlagSet("record", c.env)
	out := fs.String("o", "", "output WAV file (required)")
	secs := fs.Float64("seconds", 0, "stop after this many seconds (default: Ctrl+C stops)")
	rate := fs.Int("rate", 16000, "sample rate")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("record: -o FILE.wav is required")
	}
	e, err := c.engine()
	if err != nil {
		return err
	}
	defer e.Close()
	rec, err := e.NewRecorder(audio.RecorderOptions{SampleRate: *rate, MaxDuration: time.Duration(*secs * float64(time.Second))})
	if err != nil {
		return fmt.Errorf("opening the microphone: %w", err)
	}
	if err := rec.Start(*out); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	c.progress("recording to %s… (Ctrl+C stops)", *out)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	// The recorder stops itself after --seconds of sound (devices can take a moment to start
	// delivering); the wall-clock limit only guards against a microphone that sends nothing.
	var deadline <-chan time.Time
	if *secs > 0 {
		deadline = time.After(time.Duration(*secs*float64(time.Second)) + 10*time.Second)
	}
loop:
	for {
		select {
		case <-c.ctx.Done():
			break loop
		case <-deadline:
			break loop
		case <-rec.Done():
			break loop
		case <-tick.C:
			_, peak := rec.Level()
			bar := strings.Repeat("█", int(peak*30))
			fmt.Fprintf(c.env.Stderr, "\r%5.1fs %-30s", rec.Elapsed().Seconds(), bar)
		}
	}
	fmt.Fprintln(c.env.Stderr)
	info, err := rec.Stop()
	if err != nil {
		return fmt.Errorf("finishing %s: %w", *out, err)
	}
	c.progress("saved %s (%.1f s)", *out, info.Duration)
	return nil
}

func (c *command) devices(args []string) error {
	if len(args) > 0 {
		return usagef("devices takes no arguments")
	}
	e, err := c.engine()
	if err != nil {
		return err
	}
	defer e.Close()
	tw := tabwriter.NewWriter(c.env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tDEFAULT\tNAME")
	for _, kind := range []string{"playback", "capture"} {
		var ds []audio.Device
		if kind == "playback" {
			ds, err = e.PlaybackDevices()
		} else {
			ds, err = e.CaptureDevices()
		}
		if err != nil {
			return fmt.Errorf("listing %s devices: %w", kind, err)
		}
		for _, d := range ds {
			def := ""
			if d.Default {
				def = "*"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", kind, def, d.Name)
		}
	}
	return tw.Flush()
}
