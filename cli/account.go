package cli

import (
	"bufio"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"pollinations-studio/backend/api"
)

func (c *command) models(args []string) error {
	fs := newFlagSet("models", c.env)
	kind := fs.String("type", "", "image|video|text|audio|transcription (default: all)")
	asJSON := fs.Bool("json", false, "machine-readable output")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	switch *kind {
	case "", "image", "video", "text", "audio", "transcription":
	default:
		return usagef("models: --type must be image, video, text, audio or transcription")
	}
	cl, err := c.client(false)
	if err != nil {
		return err
	}
	ms, err := cl.Models(c.ctx, *kind)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]modelJSON, 0, len(ms))
		for _, m := range ms {
			out = append(out, newModelJSON(m))
		}
		return writeJSON(c.env.Stdout, out)
	}
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Kind != ms[j].Kind {
			return ms[i].Kind < ms[j].Kind
		}
		return ms[i].Name < ms[j].Name
	})
	tw := tabwriter.NewWriter(c.env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tMODEL\tPAID ONLY\tTITLE\tDETAILS")
	for _, m := range ms {
		paid := ""
		if m.PaidOnly {
			paid = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Kind, m.Name, paid, m.Title, modelDetails(m))
	}
	return tw.Flush()
}

func modelDetails(m api.Model) string {
	var parts []string
	if len(m.Aliases) > 0 {
		parts = append(parts, "aka "+strings.Join(m.Aliases, ","))
	}
	if m.MaxReferenceImages > 0 {
		parts = append(parts, fmt.Sprintf("%d ref images", m.MaxReferenceImages))
	}
	if len(m.AllowedDurations) > 0 {
		var ds []string
		for _, d := range m.AllowedDurations {
			ds = append(ds, fmt.Sprintf("%g", d))
		}
		parts = append(parts, "durations "+strings.Join(ds, "/")+"s")
	} else if m.MaxDuration > 0 {
		parts = append(parts, fmt.Sprintf("%g–%gs", m.MinDuration, m.MaxDuration))
	}
	if len(m.Voices) > 0 {
		v := m.Voices
		more := ""
		if len(v) > 6 {
			v, more = v[:6], fmt.Sprintf(" +%d", len(m.Voices)-6)
		}
		parts = append(parts, "voices "+strings.Join(v, ",")+more)
	}
	return strings.Join(parts, "; ")
}

func (c *command) account(args []string) error {
	fs := newFlagSet("account", c.env)
	asJSON := fs.Bool("json", false, "machine-readable output")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	cl, err := c.client(true)
	if err != nil {
		return err
	}
	info, err := cl.KeyInfo(c.ctx)
	if err != nil {
		return err
	}
	// The balance needs a permission some keys lack: report that rather than fail.
	bal, balErr := cl.Balance(c.ctx)
	if *asJSON {
		return writeJSON(c.env.Stdout, newAccountJSON(info, bal, balErr))
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Key\t%s (%s)\n", info.Type, info.Name)
	if info.ExpiresAt != nil {
		fmt.Fprintf(tw, "Expires\t%s (in %s)\n", info.ExpiresAt.Local().Format(time.DateTime), time.Until(*info.ExpiresAt).Round(time.Minute))
	} else {
		fmt.Fprintf(tw, "Expires\tnever\n")
	}
	switch {
	case info.AllowedCategories != nil && len(info.AllowedCategories) == 0, info.AllowedModels != nil && len(info.AllowedModels) == 0:
		fmt.Fprintf(tw, "May make\tnothing\n")
	case info.AllowedCategories != nil:
		fmt.Fprintf(tw, "May make\t%s\n", strings.Join(info.AllowedCategories, ", "))
	case info.AllowedModels == nil:
		fmt.Fprintf(tw, "May make\tall kinds\n")
	}
	if len(info.AllowedModels) > 0 {
		fmt.Fprintf(tw, "Models\t%s\n", strings.Join(info.AllowedModels, ", "))
	}
	if info.PollenBudget != nil {
		fmt.Fprintf(tw, "Key budget\t%.4f Pollen\n", *info.PollenBudget)
	}
	if info.QuestPollenOnly != nil && *info.QuestPollenOnly {
		fmt.Fprintf(tw, "Spends\tQuest Pollen only\n")
	}
	if balErr != nil {
		fmt.Fprintf(tw, "Balance\tunavailable: %s\n", api.Redact(balErr.Error()))
	} else {
		fmt.Fprintf(tw, "Balance\t%s\n", bal.String())
	}
	return tw.Flush()
}

func (c *command) key(args []string) error {
	if len(args) == 0 {
		return usagef("key: set, show or clear")
	}
	if c.env.Keychain == nil {
		return errors.New("key: no keychain in this build")
	}
	switch args[0] {
	case "set":
		key := ""
		if len(args) > 1 {
			key = args[1]
		} else {
			fmt.Fprint(c.env.Stderr, "Paste your key (sk_… or pk_…) and press Enter: ")
			line, err := bufio.NewReader(c.env.Stdin).ReadString('\n')
			if err != nil && line == "" {
				return usagef("key set: no key given")
			}
			key = line
		}
		key = strings.TrimSpace(key)
		if err := api.ValidateKey(key); err != nil {
			return usagef("%v", err)
		}
		if err := c.env.Keychain.Set(c.ctx, key); err != nil {
			return fmt.Errorf("storing the key in the keychain: %w (use POLLINATIONS_API_KEY instead)", err)
		}
		c.progress("key %s stored in the system keychain", api.MaskKey(key))
		return nil
	case "show":
		key, err := c.env.Keychain.Get(c.ctx)
		if err != nil {
			return fmt.Errorf("reading the key: %w", err)
		}
		fmt.Fprintln(c.env.Stdout, api.MaskKey(key))
		return nil
	case "clear":
		if err := c.env.Keychain.Delete(c.ctx); err != nil {
			return fmt.Errorf("removing the key: %w", err)
		}
		c.progress("key removed from the system keychain")
		return nil
	}
	return usagef("key: unknown action %q (set, show or clear)", args[0])
}
