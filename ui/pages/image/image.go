// Package image is the image studio: a prompt and its settings, variations generated in
// parallel, results with their real size, seed and cost, remix and references.
package image

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/textutil"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

var sizePresets = []struct {
	label string
	w, h  int
}{
	{"Square 1024 × 1024", 1024, 1024},
	{"Landscape 1344 × 768", 1344, 768},
	{"Portrait 768 × 1344", 768, 1344},
	{"Wide 1536 × 640", 1536, 640},
	{"Small 512 × 512", 512, 512},
	{customSize, 0, 0},
}

const customSize = "Custom…"

// safetyLevels are the safe= settings offered, as the API spells them.
var safetyLevels = []struct{ label, value string }{
	{"Off", ""},
	{"Standard (privacy, secrets)", "privacy,secrets"},
	{"Strict (also sexual, violence)", "privacy,secrets,sexual,violence"},
}

const prefImageHistory = "imagePromptHistory"

// Page is the image studio.
type Page struct {
	h             kit.Host
	prompt        *kit.ImagePasteEntry // Ctrl+V of a picture adds it as a reference
	model         *widget.Select
	modelNames    map[string]string // label → model name
	size          *widget.Select
	width         *widget.Entry
	height        *widget.Entry
	customRow     *fyne.Container
	seed          *widget.Entry
	lockSeed      *widget.Check
	count         *widget.Select
	quality       *widget.Select
	transp        *widget.Check
	safe          *widget.Select
	refs          []string // local files or http(s) URLs
	refLabel      *widget.Label
	cost          *widget.Label
	estimate      string               // the estimate's words, kept beside each job's real cost
	estimates     map[int64]string     // job → the estimate it was sent with
	itemEst       map[int64]string     // result item → that estimate
	history       map[string][]float64 // model → the library's past costs, for token-priced models
	costSeq       int                  // the latest estimate; older answers are dropped
	resolution    *widget.Select       // a pricing tier (1K, 2K, 4K) for the models that have them
	resolutionRow *fyne.Container
	generateB     *widget.Button
	pending       map[int64]bool
	progress      *widget.ProgressBarInfinite
	results       []lib.Item
	grid          *widget.GridWrap
	selected      int
	caption       *widget.Label
	empty         fyne.CanvasObject // the hint shown until the first result
	actions       *fyne.Container
	openB         *widget.Button // the result's "Open in library"
	content       fyne.CanvasObject
}

// New builds the image studio on its host.
func New(h kit.Host) *Page {
	p := &Page{h: h, pending: map[int64]bool{}, selected: -1, modelNames: map[string]string{},
		estimates: map[int64]string{}, itemEst: map[int64]string{}, history: map[string][]float64{}}
	p.resolution = widget.NewSelect(nil, func(string) { p.updateCost() })
	p.cost = widget.NewLabel("")
	p.refLabel = widget.NewLabel("No reference images")
	p.prompt = kit.NewImagePasteEntry()
	p.prompt.OnPasteImage = p.pasteImage
	p.prompt.SetPlaceHolder("Describe the image… (Ctrl+Enter generates)")
	p.prompt.Wrapping = fyne.TextWrapWord
	p.prompt.SetMinRowsVisible(4)
	p.model = widget.NewSelect(nil, func(string) { p.updateCost() })
	p.model.PlaceHolder = "Loading models…"
	var sizes []string
	for _, sp := range sizePresets {
		sizes = append(sizes, sp.label)
	}
	p.width, p.height = widget.NewEntry(), widget.NewEntry()
	p.width.SetText("1024")
	p.height.SetText("1024")
	p.customRow = container.NewGridWithColumns(3, p.width, widget.NewLabelWithStyle("×", fyne.TextAlignCenter, fyne.TextStyle{}), p.height)
	p.customRow.Hide()
	p.resolutionRow = container.NewBorder(nil, nil, widget.NewLabel("Resolution"), nil, p.resolution)
	p.resolutionRow.Hide()
	p.size = widget.NewSelect(sizes, func(l string) {
		if l == customSize {
			p.customRow.Show()
		} else {
			p.customRow.Hide()
		}
		if p.model != nil {
			p.updateCost()
		}
	})
	p.width.OnChanged = func(string) { p.updateCost() }
	p.height.OnChanged = func(string) { p.updateCost() }
	p.size.SetSelectedIndex(0)
	p.seed = widget.NewEntry()
	p.seed.SetPlaceHolder("random")
	p.lockSeed = widget.NewCheck("Lock seed", nil)
	p.count = widget.NewSelect([]string{"1", "2", "3", "4"}, func(string) { p.updateCost() })
	p.count.SetSelected("1")
	p.quality = widget.NewSelect([]string{"low", "medium", "high", "hd"}, nil)
	p.quality.SetSelected("medium")
	p.transp = widget.NewCheck("Transparent background", nil)
	var safeLabels []string
	for _, l := range safetyLevels {
		safeLabels = append(safeLabels, l.label)
	}
	p.safe = widget.NewSelect(safeLabels, nil)
	p.safe.SetSelectedIndex(0)
	addRef := widget.NewButtonWithIcon("Add…", theme.ContentAddIcon(), p.chooseRef)
	pasteRef := widget.NewButtonWithIcon("", theme.ContentPasteIcon(), p.pasteRef)
	clearRef := widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { p.refs = nil; p.updateRefs() })
	p.generateB = widget.NewButtonWithIcon("Generate", theme.MediaPlayIcon(), p.generate)
	p.generateB.Importance = widget.HighImportance
	p.progress = widget.NewProgressBarInfinite()
	p.progress.Hide()

	form := widget.NewForm(
		widget.NewFormItem("Model", p.model),
		widget.NewFormItem("Size", container.NewVBox(p.size, p.customRow, p.resolutionRow)),
		widget.NewFormItem("Seed", container.NewBorder(nil, nil, nil, p.lockSeed, p.seed)),
		widget.NewFormItem("Variations", p.count),
		widget.NewFormItem("Quality", p.quality),
		widget.NewFormItem("", p.transp),
		widget.NewFormItem("Safety", p.safe),
		widget.NewFormItem("References", container.NewBorder(nil, nil, nil, container.NewHBox(addRef, pasteRef, clearRef), p.refLabel)),
	)
	var history *widget.Button
	history = widget.NewButtonWithIcon("History", theme.HistoryIcon(), func() { p.showHistory(history) })
	history.Importance = widget.LowImportance
	left := container.NewVBox(
		container.NewBorder(nil, nil, nil, history, kit.Heading("Image studio")),
		p.prompt, form, p.cost,
		p.generateB, p.progress,
	)
	p.grid = widget.NewGridWrap(func() int { return len(p.results) },
		func() fyne.CanvasObject {
			img := canvas.NewImageFromResource(nil)
			img.FillMode = canvas.ImageFillContain
			img.SetMinSize(fyne.NewSize(220, 220))
			return img
		},
		func(i widget.GridWrapItemID, o fyne.CanvasObject) {
			img := o.(*canvas.Image)
			if i < len(p.results) {
				img.File = p.results[i].MediaPath
				img.Refresh()
			}
		})
	p.grid.OnSelected = func(i widget.GridWrapItemID) {
		p.selected = i
		p.caption.SetText(resultCaption(p.results[i], p.itemEst[p.results[i].ID]))
		p.actions.Show()
	}
	p.caption = widget.NewLabel("")
	p.caption.Truncation = fyne.TextTruncateEllipsis
	p.actions = container.NewVBox(p.caption, p.resultActions())
	p.actions.Hide()
	p.empty = container.NewCenter(widget.NewLabelWithStyle("Your images appear here as they arrive.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true}))
	right := container.NewBorder(nil, p.actions, nil, nil, container.NewStack(p.empty, p.grid))
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(left)), container.NewPadded(right))
	split.Offset = 0.36
	p.content = split
	h.OnAccount(p.fillModels)
	h.OnJob(p.onJob)
	return p
}

func (p *Page) fillModels() {
	models := kit.PickerOrder(p.h.Models("image"), p.h.Allowed)
	var labels []string
	p.modelNames = map[string]string{}
	sel := ""
	// The stored default may be an alias ("flux") or an older id: match through the catalogue.
	want := api.Canonical(models, kit.DefaultModel(p.h.Preferences(), "image", "flux"))
	for _, m := range models {
		l := kit.ModelLabel(m, p.h.Allowed)
		labels = append(labels, l)
		p.modelNames[l] = m.Name
		if m.Name == want {
			sel = l
		}
	}
	p.model.Options = labels
	if sel == "" && len(labels) > 0 {
		sel = labels[0]
	}
	p.model.PlaceHolder = "Choose a model"
	if p.model.Selected == "" || p.modelNames[p.model.Selected] == "" {
		p.model.SetSelected(sel)
	}
	p.model.Refresh()
	p.updateCost()
}

func (p *Page) currentModel() (api.Model, bool) {
	return api.FindModel(p.h.Models("image"), p.modelNames[p.model.Selected])
}

// selectModel picks a model stored under any of its names (a remix's, a default's); false
// when the catalogue no longer lists it.
func (p *Page) selectModel(stored string) bool {
	return kit.SelectStored(p.model, p.modelNames, p.h.Models("image"), stored)
}

// estimateParams is what the price depends on in the form (a custom size that does not parse
// prices as the default size).
func (p *Page) estimateParams() jobs.EstimateParams {
	n, _ := strconv.Atoi(p.count.Selected)
	sp := sizePresets[max(0, p.size.SelectedIndex())]
	w, h := sp.w, sp.h
	if sp.label == customSize {
		w, _ = strconv.Atoi(strings.TrimSpace(p.width.Text))
		h, _ = strconv.Atoi(strings.TrimSpace(p.height.Text))
	}
	res := ""
	if p.resolutionRow.Visible() {
		res = p.resolution.Selected
	}
	return jobs.EstimateParams{Count: max(1, n), Width: w, Height: h, Resolution: res}
}

// seedIgnored is the estimate-time twin of jobs.SeedIgnored: an edit of local files goes as
// multipart, where the service applies no seed.
func (p *Page) seedIgnored(m api.Model) bool {
	if m.MaxReferenceImages == 0 {
		return false
	}
	for _, r := range p.refs {
		if !kit.IsWebURL(r) {
			return true
		}
	}
	return false
}

// updateCost shows what the form will cost before it is sent: the catalogue's price for flat
// and per-megapixel models, and for token-priced ones the library's past costs of the model
// (read off the UI goroutine), "priced by tokens" until there are some.
func (p *Page) updateCost() {
	m, ok := p.currentModel()
	if !ok {
		p.cost.SetText("")
		return
	}
	if len(m.Resolutions) > 0 {
		p.resolution.Options = m.Resolutions
		if !slices.Contains(m.Resolutions, p.resolution.Selected) {
			p.resolution.Selected = m.Resolutions[0]
		}
		p.resolution.Refresh()
		p.resolutionRow.Show()
	} else {
		p.resolutionRow.Hide()
	}
	params := p.estimateParams()
	notes := ""
	if m.MaxReferenceImages == 0 && len(p.refs) > 0 {
		notes += " · this model ignores reference images"
	}
	if p.seedIgnored(m) {
		notes += " · the seed cannot be fixed for this edit"
	}
	p.costSeq++
	seq := p.costSeq
	show := func(history []float64) {
		est := jobs.Estimate(m, params, history)
		p.estimate = est.Label
		p.cost.SetText("Estimated cost: " + est.Label + notes)
	}
	hist, known := p.history[m.Name]
	show(hist)
	if !m.TokenPriced() || known {
		return
	}
	go func() {
		hist, err := jobs.CostHistory(p.h.Context(), p.h.Library(), p.h.Models("image"), m.Name)
		if err != nil {
			return // the estimate without history stands
		}
		p.h.RunOnUI(func() {
			p.history[m.Name] = hist
			if seq == p.costSeq {
				show(hist)
			}
		})
	}()
}

func (p *Page) updateRefs() {
	switch len(p.refs) {
	case 0:
		p.refLabel.SetText("No reference images")
	default:
		names := make([]string, len(p.refs))
		for i, r := range p.refs {
			names[i] = filepath.Base(r)
			if kit.IsWebURL(r) {
				names[i] = r
			}
		}
		p.refLabel.SetText(kit.Shorten(strings.Join(names, ", "), 40))
	}
	p.updateCost()
}

func (p *Page) addRefs(paths []string) {
	p.refs = append(p.refs, paths...)
	if m, ok := p.currentModel(); ok && m.MaxReferenceImages > 0 && len(p.refs) > m.MaxReferenceImages {
		p.refs = p.refs[len(p.refs)-m.MaxReferenceImages:]
		p.h.ShowError(fmt.Errorf("%s takes at most %d reference images: the last ones are kept", m.Name, m.MaxReferenceImages))
	}
	p.updateRefs()
}

// pasteRef adds the references on the clipboard: images' web addresses, and image files as a
// file manager copies them (textutil.PastedFiles, which checks them on disk, so off the UI
// goroutine).
func (p *Page) pasteRef() {
	clip := p.h.Clipboard().Content()
	if strings.TrimSpace(clip) == "" {
		p.pasteImage() // no text: a picture, perhaps
		return
	}
	go func() {
		var refs, rest []string
		for _, line := range strings.Split(clip, "\n") {
			if line = strings.TrimSpace(line); kit.IsWebURL(line) {
				refs = append(refs, line)
			} else if line != "" {
				rest = append(rest, line)
			}
		}
		if len(rest) > 0 {
			files, ok := textutil.PastedFiles(strings.Join(rest, "\n"))
			if !ok {
				p.h.ShowError(fmt.Errorf("the clipboard holds %q: copy an image file (png, jpg, webp) or an image's web address", kit.Shorten(rest[0], 60)))
				return
			}
			for _, f := range files {
				if !kit.IsImageFile(f) {
					p.h.ShowError(fmt.Errorf("%s is not an image (png, jpg, webp)", filepath.Base(f)))
					return
				}
			}
			refs = append(refs, files...)
		}
		if len(refs) == 0 {
			p.h.ShowError(fmt.Errorf("the clipboard is empty: copy an image file or an image's web address first"))
			return
		}
		p.h.RunOnUI(func() { p.addRefs(refs) })
	}()
}

// pasteImage adds the clipboard's picture as a reference image, kept whole in the library's
// media folder first (read, checked and written off the UI goroutine).
func (p *Page) pasteImage() {
	h := p.h
	go func() {
		path, err := kit.PasteImage(h.Context(), h.ImageClipboard(), h.Library())
		if err != nil {
			h.ShowError(fmt.Errorf("the image was not pasted: %w", err))
			return
		}
		h.RunOnUI(func() { p.addRefs([]string{path}) })
	}()
}

// Paste adds the clipboard's references (Ctrl+V when no text field has the keyboard).
func (p *Page) Paste() { p.pasteRef() }

// showHistory offers the prompts generated before.
func (p *Page) showHistory(from fyne.CanvasObject) {
	hist := p.h.Preferences().StringList(prefImageHistory)
	var items []*fyne.MenuItem
	for _, h := range hist {
		items = append(items, fyne.NewMenuItem(kit.Shorten(h, 70), func() { p.prompt.SetText(h) }))
	}
	if len(items) == 0 {
		items = append(items, fyne.NewMenuItem("No prompts yet", nil))
		items[0].Disabled = true
	}
	c := p.h.Window().Canvas()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(from).Add(fyne.NewPos(0, from.Size().Height))
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, pos)
}

func (p *Page) chooseRef() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		p.addRefs([]string{r.URI().Path()})
	}, p.h.Window())
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".webp"}))
	d.Show()
}

// request builds the image request from the form; the prompt is never cleared.
func (p *Page) request() (api.ImageRequest, error) {
	prompt := strings.TrimSpace(p.prompt.Text)
	if prompt == "" {
		return api.ImageRequest{}, fmt.Errorf("write a prompt first")
	}
	m, ok := p.currentModel()
	if !ok {
		return api.ImageRequest{}, fmt.Errorf("choose a model first (the catalogue may still be loading)")
	}
	sp := sizePresets[max(0, p.size.SelectedIndex())]
	r := api.ImageRequest{Prompt: prompt, Model: m.Name, Width: sp.w, Height: sp.h}
	if sp.label == customSize {
		w, errW := strconv.Atoi(strings.TrimSpace(p.width.Text))
		h, errH := strconv.Atoi(strings.TrimSpace(p.height.Text))
		if errW != nil || errH != nil {
			return r, fmt.Errorf("the custom size must be two whole numbers of pixels, width × height")
		}
		w, h, err := api.FitImageSize(m.Name, w, h)
		if err != nil {
			return r, err
		}
		r.Width, r.Height = w, h
	}
	if isGPTImage(m) {
		r.Quality = p.quality.Selected
		r.Transparent = p.transp.Checked
	}
	if len(m.Resolutions) > 0 {
		r.Resolution = p.resolution.Selected
	}
	r.Safe = safetyLevels[max(0, p.safe.SelectedIndex())].value
	if t := strings.TrimSpace(p.seed.Text); t != "" {
		v, err := strconv.ParseInt(t, 10, 64)
		if err != nil || v < 0 || v > 2147483647 {
			return r, fmt.Errorf("the seed must be a whole number from 0 to 2147483647")
		}
		r.Seed = &v
	}
	if m.MaxReferenceImages > 0 {
		for _, ref := range p.refs {
			if kit.IsWebURL(ref) {
				r.RefURLs = append(r.RefURLs, ref)
			} else {
				r.RefFiles = append(r.RefFiles, ref)
			}
		}
	}
	return r, nil
}

func (p *Page) generate() {
	r, err := p.request()
	if err != nil {
		p.h.ShowError(err)
		return
	}
	n, _ := strconv.Atoi(p.count.Selected)
	p.run(r, max(1, n), nil, "")
}

// run queues n variations of a request as parallel jobs (a new seed each unless the seed is
// locked); parent and relation record the lineage of a remix.
func (p *Page) run(r api.ImageRequest, n int, parent *int64, relation string) {
	for i := 0; i < n; i++ {
		req := r
		if req.Seed == nil || (i > 0 && !p.lockSeed.Checked) {
			v := rand.Int64N(1 << 31)
			req.Seed = &v
		}
		if id, ok := p.h.Submit(jobs.Request{Image: &req, ParentID: parent, Relation: relation}); ok {
			p.pending[id] = true
			p.estimates[id] = p.estimate
		}
	}
	p.rememberPrompt(r.Prompt)
	if len(p.pending) > 0 {
		p.progress.Show()
		p.progress.Start()
	}
}

func (p *Page) rememberPrompt(prompt string) {
	prefs := p.h.Preferences()
	hist := prefs.StringList(prefImageHistory)
	out := []string{prompt}
	for _, h := range hist {
		if h != prompt && len(out) < 30 {
			out = append(out, h)
		}
	}
	prefs.SetStringList(prefImageHistory, out)
}

// onJob receives job events (UI goroutine).
func (p *Page) onJob(ev jobs.Event) {
	if !p.pending[ev.ID] {
		return
	}
	switch ev.State {
	case jobs.Done:
		delete(p.pending, ev.ID)
		est := p.estimates[ev.ID]
		delete(p.estimates, ev.ID)
		if ev.ItemID != nil {
			id := *ev.ItemID
			p.itemEst[id] = est
			go func() {
				it, err := p.h.Library().Item(p.h.Context(), id)
				if err != nil {
					return
				}
				p.h.RunOnUI(func() {
					if it.CostKnown {
						p.history = map[string][]float64{} // a new real cost: read the history again
						p.updateCost()
					}
					p.results = append([]lib.Item{*it}, p.results...)
					p.empty.Hide() // it would show through the gaps between results
					p.grid.Refresh()
					p.h.RefreshAccount() // the balance changed
				})
			}()
		}
	case jobs.Failed, jobs.Canceled:
		delete(p.pending, ev.ID)
		delete(p.estimates, ev.ID)
		if ev.State == jobs.Failed {
			p.h.ShowError(ev.Err)
		}
	}
	if len(p.pending) == 0 {
		p.progress.Stop()
		p.progress.Hide()
	}
}

func (p *Page) current() (lib.Item, bool) {
	if p.selected < 0 || p.selected >= len(p.results) {
		return lib.Item{}, false
	}
	return p.results[p.selected], true
}

// resultActions are what can be done with a result.
func (p *Page) resultActions() *fyne.Container {
	btn := func(label string, icon fyne.Resource, f func(it lib.Item)) *widget.Button {
		return widget.NewButtonWithIcon(label, icon, func() {
			if it, ok := p.current(); ok {
				f(it)
			}
		})
	}
	p.openB = btn("Open in library", theme.StorageIcon(), func(it lib.Item) {
		p.h.Navigate(kit.Nav{Page: kit.PageLibrary, Action: kit.ActOpen, ItemID: it.ID})
	})
	return container.NewHBox(
		btn("Save as…", theme.DocumentSaveIcon(), func(it lib.Item) { kit.SaveAs(p.h, it) }),
		btn("Copy path", theme.ContentCopyIcon(), func(it lib.Item) { p.h.Clipboard().SetContent(it.MediaPath) }),
		p.openB,
		btn("Use as reference", theme.ContentAddIcon(), func(it lib.Item) { p.addRefs([]string{refOf(it)}) }),
		btn("Remix", theme.ViewRefreshIcon(), func(it lib.Item) { p.remix(it) }),
		btn("Reuse seed", theme.ContentRedoIcon(), p.reuseSeed),
	)
}

// resultCaption tells what a result really was: the model the server used, the real size,
// the seed (or that the service applied none) and what it cost beside what was estimated.
func resultCaption(it lib.Item, estimate string) string {
	parts := []string{it.ModelUsed}
	if it.Width > 0 {
		parts = append(parts, fmt.Sprintf("%d × %d", it.Width, it.Height))
	}
	if jobs.SeedIgnored(it) {
		parts = append(parts, "no fixed seed (an edit of local files)")
	} else if it.Seed != nil {
		parts = append(parts, fmt.Sprintf("seed %d", *it.Seed))
	}
	if it.CostKnown {
		parts = append(parts, "cost "+kit.Pollen(it.Cost)+" pollen")
	}
	if estimate != "" {
		parts = append(parts, "estimated "+estimate)
	}
	return strings.Join(parts, " · ")
}

// isGPTImage is GPT Image under any of its names (quality and transparency are its options).
func isGPTImage(m api.Model) bool {
	for _, n := range append([]string{m.Name}, m.Aliases...) {
		if strings.HasPrefix(n[strings.LastIndex(n, "/")+1:], "gpt") {
			return true
		}
	}
	return false
}

// refOf is what reusing a library item as a reference sends: its hosted address while that is
// fresh (nothing uploaded again), its file otherwise.
func refOf(it lib.Item) string {
	u, f := jobs.ReferenceFor(it, time.Now())
	if u != "" {
		return u
	}
	return f
}

// remix makes the item again with the same settings and a new seed, as a child of it. The
// form is filled with those settings too, so they can be changed for the next run.
func (p *Page) remix(it lib.Item) {
	var r api.ImageRequest
	if len(it.Params) > 0 {
		if err := json.Unmarshal(it.Params, &r); err != nil {
			r = api.ImageRequest{}
		}
	}
	if r.Prompt == "" {
		r.Prompt = it.Prompt
	}
	if r.Model == "" {
		r.Model = it.ModelRequested
	}
	p.prompt.SetText(r.Prompt)
	p.selectModel(r.Model) // stored under the name of its day: an alias or an older id
	p.setSize(r.Width, r.Height)
	if r.Quality != "" {
		p.quality.SetSelected(r.Quality)
	}
	p.transp.SetChecked(r.Transparent)
	for i, l := range safetyLevels {
		if l.value == r.Safe {
			p.safe.SetSelectedIndex(i)
		}
	}
	p.seed.SetText("")
	p.lockSeed.SetChecked(false)
	r.Seed = nil // run picks a new one
	id := it.ID
	p.run(r, 1, &id, "remix")
}

// setSize shows a size in the form: its preset, or the custom fields.
func (p *Page) setSize(w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	for i, sp := range sizePresets {
		if sp.w == w && sp.h == h {
			p.size.SetSelectedIndex(i)
			return
		}
	}
	p.size.SetSelected(customSize)
	p.width.SetText(strconv.Itoa(w))
	p.height.SetText(strconv.Itoa(h))
}

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// Primary generates (Ctrl+Enter).
func (p *Page) Primary() { p.generate() }

// Navigate takes a library item's "remix", "use as reference" and "reuse seed", and files
// dropped on the window as references.
func (p *Page) Navigate(v kit.Nav) {
	switch v.Action {
	case kit.ActRemix:
		if v.Item != nil {
			p.remix(*v.Item)
		}
	case kit.ActUseRef:
		refs := v.Paths
		if v.Item != nil {
			refs = append(refs, refOf(*v.Item))
		}
		p.addRefs(refs)
	case kit.ActUseSeed:
		if v.Item != nil {
			p.reuseSeed(*v.Item)
		}
	}
}

// reuseSeed puts an item's seed in the form, locked.
func (p *Page) reuseSeed(it lib.Item) {
	if it.Seed != nil {
		p.seed.SetText(strconv.FormatInt(*it.Seed, 10))
		p.lockSeed.SetChecked(true)
	}
}
