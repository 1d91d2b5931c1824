package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// openLibrary opens the library in --data-dir, POLLINATIONS_STUDIO_DATA or the platform's
// app-data folder.
func (c *command) openLibrary() (*storage.Library, error) {
	dir := c.g.dataDir
	if dir == "" {
		d, err := storage.DefaultDir()
		if err != nil {
			return nil, fmt.Errorf("finding the library folder: %w (use --data-dir)", err)
		}
		dir = d
	}
	lib, err := storage.Open(c.ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("opening the library in %s: %w", dir, err)
	}
	return lib, nil
}

func (c *command) library(args []string) error {
	if len(args) == 0 {
		return usagef("library: list, search, show, export, import, trash, restore, empty-trash or path")
	}
	action, args := args[0], args[1:]
	fs := newFlagSet("library "+action, c.env)
	asJSON := fs.Bool("json", false, "machine-readable output")
	kind := fs.String("kind", "", "image|video|speech|recording|transcript|chat|text|music|sound|3d")
	model := fs.String("model", "", "only items made with this model")
	fav := fs.Bool("favourites", false, "only favourites")
	tag := fs.String("tag", "", "only items with this tag")
	limit := fs.Int("limit", 50, "how many items")
	out := fs.String("o", "", "output file (export)")
	trashed := fs.Bool("trashed", false, "list the trash")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	lib, err := c.openLibrary()
	if err != nil {
		return err
	}
	defer lib.Close()

	query := storage.Query{Model: *model, Favourite: *fav, Tag: *tag, Limit: *limit, Trashed: *trashed}
	if *model != "" && (action == "list" || action == "search") {
		query.Models = c.modelNames(*model)
	}
	if *kind != "" {
		query.Kinds = []storage.Kind{storage.Kind(*kind)}
	}
	switch action {
	case "path":
		fmt.Fprintln(c.env.Stdout, lib.Dir())
		return nil
	case "list", "search":
		if action == "search" {
			if query.Text, err = onePositional(pos, "search text"); err != nil {
				return err
			}
		}
		page, err := lib.Search(c.ctx, query)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.printItems(lib, page.Items)
		}
		if len(page.Items) == 0 {
			c.progress("no items (library: %s)", lib.Dir())
			return nil
		}
		tw := tabwriter.NewWriter(c.env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tMODEL\tCREATED\tCOST\tPROMPT")
		for _, it := range page.Items {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", it.ID, termCell(string(it.Kind)), termCell(it.ModelUsed),
				it.CreatedAt.Local().Format("2006-01-02 15:04"), costCell(it), oneLine(it.Prompt, 60))
		}
		return tw.Flush()
	case "show":
		ids, err := parseIDs(pos)
		if err != nil {
			return err
		}
		var items []*storage.Item
		for _, id := range ids {
			it, err := lib.Item(c.ctx, id)
			if err != nil {
				return fmt.Errorf("item %d: %w", id, err)
			}
			items = append(items, it)
		}
		if *asJSON {
			out := make([]itemJSON, 0, len(items))
			for _, it := range items {
				j := newItemJSON(lib, it)
				if it.Kind == storage.KindTranscript {
					segs, err := lib.Segments(c.ctx, it.ID)
					if err != nil {
						return fmt.Errorf("item %d: %w", it.ID, err)
					}
					j.Segments = newSegmentsJSON(segs)
				}
				out = append(out, j)
			}
			return writeJSON(c.env.Stdout, out)
		}
		for _, it := range items {
			showItem(c, it)
		}
		return nil
	case "export":
		if *out == "" {
			return usagef("library export: -o FILE.zip is required")
		}
		ids, err := parseIDs(pos)
		if err != nil && len(pos) > 0 {
			return err
		}
		f, err := createAtomic(*out)
		if err != nil {
			return err
		}
		defer f.Abort()
		if err := lib.Export(c.ctx, ids, f); err != nil {
			return fmt.Errorf("exporting: %w", err)
		}
		if err := f.Commit(); err != nil {
			return err
		}
		c.progress("exported to %s", *out)
		return nil
	case "import":
		file, err := onePositional(pos, "FILE.zip")
		if err != nil {
			return err
		}
		if _, err := os.Stat(file); err != nil {
			return usagef("library import: %v", err)
		}
		rep, err := lib.Import(c.ctx, file)
		if err != nil {
			return fmt.Errorf("importing %s: %w", file, err)
		}
		if *asJSON {
			return writeJSON(c.env.Stdout, importJSON{Added: rep.Added, Skipped: rep.Skipped, Media: rep.Media})
		}
		fmt.Fprintf(c.env.Stdout, "%+v\n", rep)
		return nil
	case "trash", "restore":
		ids, err := parseIDs(pos)
		if err != nil {
			return err
		}
		if action == "trash" {
			err = lib.Trash(c.ctx, ids...)
		} else {
			err = lib.Restore(c.ctx, ids...)
		}
		if err != nil {
			return err
		}
		c.progress("%s: %d item(s)", action, len(ids))
		return nil
	case "empty-trash":
		n, err := lib.EmptyTrash(c.ctx)
		if err != nil {
			return err
		}
		c.progress("removed %d item(s) for good", n)
		return nil
	}
	return usagef("library: unknown action %q", action)
}

func parseIDs(pos []string) ([]int64, error) {
	if len(pos) == 0 {
		return nil, usagef("give one or more item ids")
	}
	var ids []int64
	for _, p := range pos {
		for _, f := range strings.Split(p, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil || id <= 0 {
				return nil, usagef("%q is not an item id", f)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func costCell(it storage.Item) string {
	if !it.CostKnown {
		return "–"
	}
	return fmt.Sprintf("%.4f", it.Cost)
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(termCell(s)), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

func showItem(c *command, it *storage.Item) {
	tw := tabwriter.NewWriter(c.env.Stdout, 2, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			// Library text came from a server or a file: shown without what could drive the
			// terminal, and not longer than a message.
			fmt.Fprintf(tw, "%s\t%s\n", k, termMessage(v))
		}
	}
	row("ID", strconv.FormatInt(it.ID, 10))
	row("Kind", string(it.Kind))
	row("Status", string(it.Status))
	row("Prompt", it.Prompt)
	row("Model", it.ModelUsed)
	if it.ModelRequested != "" && it.ModelRequested != it.ModelUsed {
		row("Requested", it.ModelRequested)
	}
	if it.Seed != nil {
		row("Seed", strconv.FormatInt(*it.Seed, 10))
	}
	if it.Width > 0 {
		row("Size", fmt.Sprintf("%d×%d", it.Width, it.Height))
	}
	if it.DurationSec > 0 {
		row("Duration", (time.Duration(it.DurationSec * float64(time.Second))).Round(100*time.Millisecond).String())
	}
	row("Cost", costCell(*it)+" pollen")
	row("Hosted", it.HostedURL)
	row("Created", it.CreatedAt.Local().Format(time.DateTime))
	if it.MediaHash != "" {
		row("File", it.MediaPath)
	}
	if len(it.Tags) > 0 {
		row("Tags", strings.Join(it.Tags, ", "))
	}
	if it.Favourite {
		row("Favourite", "yes")
	}
	if it.Text != "" && it.Kind != "chat" {
		row("Text", oneLine(it.Text, 200))
	}
	if len(it.Params) > 0 {
		var compact json.RawMessage = it.Params
		row("Parameters", string(compact))
	}
	tw.Flush()
	fmt.Fprintln(c.env.Stdout)
}

var errNoAudio = errors.New("no sound device is available")

// modelNames is every name a model may be stored under (its id and aliases), from the
// catalogue when it can be read quickly; otherwise the name as given.
func (c *command) modelNames(model string) []string {
	cl, err := c.client(false)
	if err != nil {
		return []string{model}
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	ms, err := cl.Models(ctx, "")
	if err != nil {
		return []string{model}
	}
	return api.ModelNames(ms, model)
}
