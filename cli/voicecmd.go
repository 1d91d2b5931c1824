package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/internal/safename"
	"pollinations-studio/storage"
)

// The voice tools: isolate, revoice and stems. Each runs as a job (the results land in the
// library, linked to the source file, which is kept there too) and writes its output
// atomically. A file the service would refuse (not audio, over 50 MB, too short to isolate) is
// refused here, before anything is uploaded.

func (c *command) isolate(args []string) error {
	fs := newFlagSet("isolate", c.env)
	out := fs.String("o", "", "output MP3 file (required)")
	asJSON := fs.Bool("json", false, "print the saved library item as JSON on stdout")
	file, err := parseOne(fs, args, "FILE")
	if err != nil {
		return err
	}
	if err := requireOutput("isolate", *out, nil); err != nil {
		return err
	}
	v := jobs.VoiceTool{Tool: jobs.ToolIsolate, File: file}
	if _, err := v.Check(); err != nil {
		return usagef("isolate: %v", err)
	}
	c.progress("isolating the voice of %s…", file)
	return c.voiceToFile(v, *out, *asJSON)
}

func (c *command) revoice(args []string) error {
	fs := newFlagSet("revoice", c.env)
	out := fs.String("o", "", "output file (required)")
	voice := fs.String("voice", "", "the new voice (required)")
	model := fs.String("model", "", "voice changer model (default "+api.DefaultVoiceChangerModel+")")
	format := fs.String("format", "", "mp3|opus|aac|wav|pcm (default: from the -o extension, else mp3)")
	asJSON := fs.Bool("json", false, "print the saved library item as JSON on stdout")
	file, err := parseOne(fs, args, "FILE")
	if err != nil {
		return err
	}
	if err := requireOutput("revoice", *out, nil); err != nil {
		return err
	}
	if strings.TrimSpace(*voice) == "" {
		return usagef("revoice: --voice V is required")
	}
	if *format == "" {
		*format = "mp3"
		if ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), "."); slices.Contains(api.VoiceChangerFormats, ext) {
			*format = ext
		}
	}
	if !slices.Contains(api.VoiceChangerFormats, *format) {
		return usagef("revoice: --format must be mp3, opus, aac, wav or pcm")
	}
	v := jobs.VoiceTool{Tool: jobs.ToolRevoice, File: file, Voice: *voice, Model: *model, Format: *format}
	if _, err := v.Check(); err != nil {
		return usagef("revoice: %v", err)
	}
	c.progress("changing the voice of %s to %s…", file, *voice)
	return c.voiceToFile(v, *out, *asJSON)
}

func (c *command) voiceToFile(v jobs.VoiceTool, out string, asJSON bool) error {
	it, lib, err := c.runJob(jobs.Request{Voice: &v}, jobHooks{libraryNote: true})
	if err != nil {
		return err
	}
	defer lib.Close()
	if err := copyMedia(lib, it, out); err != nil {
		return err
	}
	c.progress("saved %s (%s, model %s%s)", out, it.ContentType, it.ModelUsed, itemCost(it))
	if asJSON {
		return c.printItem(lib, it)
	}
	return nil
}

func (c *command) stems(args []string) error {
	fs := newFlagSet("stems", c.env)
	out := fs.String("o", "", "output folder (required; created if missing)")
	two := fs.Bool("two", false, "two stems (vocals and the rest) instead of six")
	asJSON := fs.Bool("json", false, "print the saved stems (library items) as a JSON array on stdout")
	file, err := parseOne(fs, args, "FILE")
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("stems: -o DIR is required")
	}
	if st, err := os.Stat(*out); err == nil && !st.IsDir() {
		return usagef("stems: %s is a file, not a folder", *out)
	}
	v := jobs.VoiceTool{Tool: jobs.ToolStems, File: file, Two: *two}
	if _, err := v.Check(); err != nil {
		return usagef("stems: %v", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("stems: %w", err)
	}
	c.progress("separating %s into stems…", file)
	it, lib, err := c.runJob(jobs.Request{Voice: &v}, jobHooks{})
	if err != nil {
		return err
	}
	defer lib.Close()
	stems, err := stemItems(c, lib, it)
	if err != nil {
		return err
	}
	total := 0.0
	for _, s := range stems {
		dst := filepath.Join(*out, stemFile(s))
		if err := copyMedia(lib, &s, dst); err != nil {
			return err
		}
		total += s.Cost
		c.progress("saved %s (item %d)", dst, s.ID)
	}
	c.progress("%d stems of %s in the library, linked to item %d%s", len(stems), filepath.Base(file), *it.ParentID,
		itemCost(&storage.Item{Cost: total, CostKnown: it.CostKnown}))
	if *asJSON {
		return c.printItems(lib, stems)
	}
	return nil
}

// stemItems are the stems the job made: the source's children of the stem relation, from the
// first one the job returned on.
func stemItems(c *command, lib *storage.Library, first *storage.Item) ([]storage.Item, error) {
	if first.ParentID == nil {
		return []storage.Item{*first}, nil
	}
	all, err := lib.Children(c.ctx, *first.ParentID)
	if err != nil {
		return nil, err
	}
	var out []storage.Item
	seen := map[string]bool{}
	for _, s := range all {
		if s.ID < first.ID || s.Relation != jobs.RelationStem || seen[stemOf(s)] {
			continue // an earlier separation of the same source
		}
		seen[stemOf(s)] = true
		out = append(out, s)
	}
	return out, nil
}

// stemOf is a stem item's name ("vocals"), already made safe when the archive was read.
// stemFile is the file a stem is saved as: its name comes from the service, so it is made a
// name every OS accepts that stays in the -o folder ("../x", "con" or "a:b" included).
func stemFile(it storage.Item) string {
	return safename.File(stemOf(it), ".mp3", fmt.Sprintf("stem-%d", it.ID))
}

func stemOf(it storage.Item) string {
	var p struct {
		Stem string `json:"stem"`
	}
	if err := json.Unmarshal(it.Params, &p); err != nil || p.Stem == "" {
		return fmt.Sprintf("stem-%d", it.ID)
	}
	return p.Stem
}
