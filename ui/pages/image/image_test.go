package image

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	lib "pollinations-studio/storage"

	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the image studio alone on a test host.
func newPage(t *testing.T, keyKind string) (*kittest.Host, *Page) {
	h := kittest.New(t, keyKind)
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	h.Eventually("the image models", func() bool { return p.model.Selected != "" })
	return h, p
}

func tinyPNG() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 4, 4)))
	return b.Bytes()
}

func TestGenerateImageLandsInLibrary(t *testing.T) {
	h, p := newPage(t, "secret")
	h.UI(func() {
		test.Type(p.prompt, "a lighthouse at dawn")
		test.Tap(p.generateB)
	})
	h.Eventually("the result", func() bool { return len(p.results) == 1 })
	var id int64
	h.UI(func() { id = p.results[0].ID })
	got, err := h.Lib.Item(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Prompt != "a lighthouse at dawn" || got.ModelUsed == "" || got.Seed == nil || got.Width != 1024 || !got.CostKnown {
		t.Fatalf("library item lacks metadata: %+v", got)
	}
	if _, err := os.Stat(got.MediaPath); err != nil {
		t.Fatalf("media file: %v", err)
	}
	// "Open in library" asks the shell for the library page with the item, not the page itself.
	h.UI(func() { p.grid.Select(0); test.Tap(p.openB) })
	navs := h.Navs()
	if len(navs) != 1 || navs[0].Page != kit.PageLibrary || navs[0].Action != kit.ActOpen || navs[0].ItemID != id {
		t.Fatalf("Open in library should navigate to the item: %+v", navs)
	}
}

func TestPaymentErrorKeepsThePrompt(t *testing.T) {
	h, p := newPage(t, "exhausted")
	h.UI(func() {
		test.Type(p.prompt, "an expensive painting")
		test.Tap(p.generateB)
	})
	h.Eventually("the error dialog", func() bool { return h.Win.Canvas().Overlays().Top() != nil })
	var prompt string
	h.UI(func() { prompt = p.prompt.Text })
	texts := h.TopText()
	if prompt != "an expensive painting" {
		t.Fatalf("the prompt was lost: %q", prompt)
	}
	// A spent key budget is raised on the key's page: topping up the wallet cannot help.
	if !strings.Contains(texts, "budget") || !strings.Contains(texts, "Raise this key's budget") || strings.Contains(texts, "Top up") {
		t.Fatalf("the dialog should explain the budget and offer to raise it, not a top-up: %q", texts)
	}
	if !strings.Contains(texts, "costs 0.0020 pollen/image") {
		t.Fatalf("the dialog should say what the generation costs: %q", texts)
	}
}

func TestImageCustomSizeAndSafety(t *testing.T) {
	h, p := newPage(t, "secret")
	var err error
	h.UI(func() {
		test.Type(p.prompt, "a harbour at night")
		p.size.SetSelected(customSize)
		p.width.SetText("20")
		p.height.SetText("600")
		_, err = p.request()
	})
	if err == nil || !strings.Contains(err.Error(), "from 64") {
		t.Fatalf("a 20-pixel width must be refused with the allowed range: %v", err)
	}
	h.UI(func() {
		p.width.SetText("1000")
		p.safe.SetSelectedIndex(1)
		test.Tap(p.generateB)
	})
	h.Eventually("the result", func() bool { return len(p.results) == 1 })
	var id int64
	h.UI(func() { id = p.results[0].ID })
	it, err := h.Lib.Item(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if it.Width != 1000 || it.Height != 600 {
		t.Fatalf("custom size: got %d × %d, want 1000 × 600", it.Width, it.Height)
	}
	if !strings.Contains(string(it.Params), `"safe":"privacy,secrets"`) {
		t.Fatalf("the safety level is not in the parameters as sent: %s", it.Params)
	}
}

func TestRemixKeepsSettingsWithANewSeed(t *testing.T) {
	h, p := newPage(t, "secret")
	h.UI(func() {
		test.Type(p.prompt, "a paper boat")
		p.size.SetSelected("Small 512 × 512")
		p.seed.SetText("42")
		p.lockSeed.SetChecked(true)
		test.Tap(p.generateB)
	})
	h.Eventually("the first result", func() bool { return len(p.results) == 1 })
	var first int64
	h.UI(func() {
		first = p.results[0].ID
		p.size.SetSelectedIndex(0) // the form moves on; the remix must use the item's own settings
		// A remix asked from the library arrives as a navigation value.
		it := p.results[0]
		p.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActRemix, Item: &it})
	})
	h.Eventually("the remix", func() bool { return len(p.results) == 2 })
	var remixID int64
	h.UI(func() { remixID = p.results[0].ID })
	got, err := h.Lib.Item(context.Background(), remixID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ParentID == nil || *got.ParentID != first || got.Relation != "remix" {
		t.Fatalf("the remix is not linked to its source: parent %v relation %q", got.ParentID, got.Relation)
	}
	if got.Width != 512 || got.Prompt != "a paper boat" {
		t.Fatalf("the remix did not keep the settings: %d × %d %q", got.Width, got.Height, got.Prompt)
	}
	if got.Seed == nil || *got.Seed == 42 {
		t.Fatalf("the remix must have a new seed, got %v", got.Seed)
	}
	var caption string
	h.UI(func() { p.grid.Select(0); caption = p.caption.Text })
	if !strings.Contains(caption, "512 × 512") || !strings.Contains(caption, "pollen") {
		t.Fatalf("the result caption should tell the real size and cost: %q", caption)
	}
	// "Reuse seed" from the library puts the item's seed in the form, locked.
	var seed string
	var locked bool
	h.UI(func() {
		p.seed.SetText("")
		p.lockSeed.SetChecked(false)
		it := p.results[0]
		p.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActUseSeed, Item: &it})
		seed, locked = p.seed.Text, p.lockSeed.Checked
	})
	if seed == "" || seed == "42" || !locked {
		t.Fatalf("the remix's seed should be reused and locked: %q %v", seed, locked)
	}
}

func TestPasteReferenceAndHistory(t *testing.T) {
	h, p := newPage(t, "secret")
	ref := filepath.Join(t.TempDir(), "ref.png")
	if err := os.WriteFile(ref, tinyPNG(), 0o644); err != nil {
		t.Fatal(err)
	}
	h.UI(func() { h.Clipboard().SetContent("file://" + ref); p.pasteRef() })
	h.Eventually("the pasted reference", func() bool { return len(p.refs) == 1 && p.refs[0] == ref })
	h.UI(func() { h.Clipboard().SetContent("https://example.com/cat.jpg"); p.pasteRef() })
	h.Eventually("the pasted address", func() bool { return len(p.refs) == 2 })
	var r struct{ urls, files []string }
	h.UI(func() {
		test.Type(p.prompt, "in this style")
		// kontext takes reference images in the simulator's catalogue.
		if !p.selectModel("kontext") { // an alias of black-forest-labs/flux.1-kontext
			t.Error("kontext is not offered")
		}
		req, err := p.request()
		if err != nil {
			t.Error(err)
		}
		r.urls, r.files = req.RefURLs, req.RefFiles
	})
	if len(r.urls) != 1 || len(r.files) != 1 || r.files[0] != ref {
		t.Fatalf("references must go as URLs and files: %v %v", r.urls, r.files)
	}
	// Text that is neither is refused, and nothing is added.
	h.UI(func() { h.Clipboard().SetContent("just some words"); p.pasteRef() })
	h.Eventually("the refusal", func() bool { return h.Win.Canvas().Overlays().Top() != nil })
	var n int
	h.UI(func() { n = len(p.refs) })
	if n != 2 {
		t.Fatalf("a refused paste changed the references: %d", n)
	}

	// Prompts generated are offered again by the history menu.
	h.UI(func() { p.rememberPrompt("an old prompt"); p.rememberPrompt("a newer prompt") })
	h.CloseOverlays()
	h.UI(func() { p.showHistory(p.prompt) })
	shown := h.TopText()
	if !strings.Contains(shown, "a newer prompt") || !strings.Contains(shown, "an old prompt") {
		t.Fatalf("the history menu should list earlier prompts: %q", shown)
	}
}

// The picker groups the catalogue: models the key may use for free first, paid-only after,
// each with its price.
func TestModelPickerGroupsPaidOnlyLast(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the image models", func() bool { return len(p.model.Options) > 2 })
	var opts []string
	h.UI(func() { opts = p.model.Options })
	seenPaid, paid := false, 0
	for _, o := range opts {
		isPaid := strings.Contains(o, " · paid")
		if seenPaid && !isPaid {
			t.Fatalf("free models must come before the paid-only ones: %q", opts)
		}
		seenPaid = seenPaid || isPaid
		if isPaid {
			paid++
		}
		if kit.ModelOfLabel(o) == "black-forest-labs/flux-schnell" && !strings.Contains(o, "pollen") {
			t.Errorf("a picker entry should show its price: %q", o)
		}
	}
	if paid == 0 || paid == len(opts) {
		t.Fatalf("the simulator's catalogue has free and paid-only image models: %q", opts)
	}
}

// Images dropped on the window arrive as a navigation value and become references.
func TestDroppedImagesBecomeReferences(t *testing.T) {
	h, p := newPage(t, "secret")
	ref := filepath.Join(t.TempDir(), "drop.png")
	os.WriteFile(ref, tinyPNG(), 0o644)
	var refs []string
	h.UI(func() {
		p.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActUseRef, Paths: []string{ref}})
		refs = p.refs
	})
	if len(refs) != 1 || refs[0] != ref {
		t.Fatalf("the dropped image should be a reference: %v", refs)
	}
}

// costText is the estimate shown under the form.
func costText(h *kittest.Host, p *Page) string {
	var s string
	h.UI(func() { s = p.cost.Text })
	return s
}

// The estimate before generating follows the model's way of pricing: flat per image (by the
// chosen resolution tier), per megapixel, or by tokens, where the library's past costs of the
// model stand in once there are some; after, the real cost shows beside the estimate.
func TestEstimateBeforeAndCostAfter(t *testing.T) {
	h, p := newPage(t, "secret")
	for _, tc := range []struct {
		model, size, res, count string
		want                    string
	}{
		{"flux", "", "", "1", "about 0.002 pollen (0.002 per image)"},
		{"flux", "", "", "2", "about 0.004 pollen (0.002 per image)"},
		{"seedream", "", "4K", "1", "(0.06 per image)"},
		{"seedream", "", "1K", "1", "(0.03 per image)"},
		{"flux-2-pro", "Landscape 1344 × 768", "", "1", "per megapixel × 1.03 MP"},
		{"gptimage", "", "", "1", "priced by tokens"},
	} {
		h.UI(func() {
			p.count.SetSelected(tc.count)
			if tc.size != "" {
				p.size.SetSelected(tc.size)
			} else {
				p.size.SetSelectedIndex(0)
			}
			if !p.selectModel(tc.model) {
				t.Errorf("%s is not offered", tc.model)
			}
			if tc.res != "" {
				p.resolution.SetSelected(tc.res)
			}
		})
		h.Eventually("the estimate of "+tc.model, func() bool { return strings.Contains(p.cost.Text, tc.want) })
	}
	var hidden bool
	h.UI(func() { p.selectModel("flux"); hidden = !p.resolutionRow.Visible() })
	if !hidden {
		t.Fatal("a model without resolution tiers offers none")
	}

	// A token-priced model: generate once, then the estimate is what the library paid.
	h.UI(func() {
		p.count.SetSelected("1")
		p.selectModel("gptimage")
		test.Type(p.prompt, "a teapot")
		test.Tap(p.generateB)
	})
	h.Eventually("the result", func() bool { return len(p.results) == 1 })
	h.Eventually("the estimate from history", func() bool { return strings.Contains(p.cost.Text, "typical of your last 1") })
	var caption string
	h.UI(func() { p.grid.Select(0); caption = p.caption.Text })
	if !strings.Contains(caption, "cost ") || !strings.Contains(caption, "estimated priced by tokens") {
		t.Fatalf("the caption must show the real cost beside the estimate: %q", caption)
	}
}

// An edit of local files goes as multipart, where the service applies no seed: the form says
// so before sending, and the result does not promise one.
func TestLocalEditSaysTheSeedCannotBeFixed(t *testing.T) {
	h, p := newPage(t, "secret")
	ref := filepath.Join(t.TempDir(), "ref.png")
	os.WriteFile(ref, tinyPNG(), 0o644)
	h.UI(func() { p.selectModel("kontext"); test.Type(p.prompt, "make it blue") })
	if strings.Contains(costText(h, p), "seed cannot be fixed") {
		t.Fatal("no edit yet: nothing to say about the seed")
	}
	h.UI(func() { p.addRefs([]string{ref}) })
	if !strings.Contains(costText(h, p), "the seed cannot be fixed for this edit") {
		t.Fatalf("a local edit must say the seed cannot be fixed: %q", costText(h, p))
	}
	h.UI(func() { test.Tap(p.generateB) })
	h.Eventually("the result", func() bool { return len(p.results) == 1 })
	var caption string
	h.UI(func() { p.grid.Select(0); caption = p.caption.Text })
	if !strings.Contains(caption, "no fixed seed") {
		t.Fatalf("the caption must not promise a seed: %q", caption)
	}
}

// A library item with a fresh hosted link goes as that address (nothing uploaded again); an
// item without one goes as its file.
func TestLibraryReferencesGoAsTheirHostedLink(t *testing.T) {
	h, p := newPage(t, "secret")
	hosted := lib.Item{ID: 7, Kind: lib.KindImage, MediaPath: "/library/a.png", HostedURL: "https://media.pollinations.ai/abc123", CreatedAt: time.Now()}
	local := lib.Item{ID: 8, Kind: lib.KindImage, MediaPath: "/library/b.png", CreatedAt: time.Now()}
	var refs []string
	h.UI(func() {
		p.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActUseRef, Item: &hosted})
		p.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActUseRef, Item: &local})
		refs = append(refs, p.refs...)
	})
	if len(refs) != 2 || refs[0] != hosted.HostedURL || refs[1] != local.MediaPath {
		t.Fatalf("references: %v", refs)
	}
}

// A remix of an item made under a model's alias picks that model (its id today).
func TestRemixFindsTheModelByAlias(t *testing.T) {
	h, p := newPage(t, "secret")
	it := lib.Item{ID: 0, Kind: lib.KindImage, Prompt: "a fox", ModelRequested: "kontext",
		Params: []byte(`{"prompt":"a fox","model":"kontext","width":1024,"height":1024}`)}
	h.UI(func() { p.remix(it) })
	var picked string
	h.UI(func() { picked = p.modelNames[p.model.Selected] })
	if picked != "black-forest-labs/flux.1-kontext" {
		t.Fatalf("the remix must pick kontext's entry: %q", picked)
	}
}
