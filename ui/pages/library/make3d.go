// "Make 3D" on a picture of the library: a small dialog (model, resolution, estimate) that
// queues a 3D job from the picture's hosted address (or its file, uploaded once); the model
// lands in the library like any job's result, linked to the picture.

package library

import (
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// make3DPromptLen bounds the prompt sent with a picture: it travels in the URL's path.
const make3DPromptLen = 300

// make3D is the detail view's Make 3D action and its dialog (UI goroutine only).
type make3D struct {
	button     *widget.Button // nil unless the item shown is a picture
	dlg        dialog.Dialog
	model      *widget.Select
	ids        map[string]string // picker label → model id
	models     []api.Model
	resolution *widget.Select
	estimate   *kit.EstimateLabel
	note       *kit.ModelNote
	how        *widget.Label // whether the picture goes by its address or is uploaded
	problem    *widget.Label // why Submit is off
	submit     *widget.Button
	item       lib.Item
	lastJob    int64 // the job the last Submit queued
	updating   bool  // update3D is running: the pickers' callbacks are its own
}

// addMake3D adds "Make 3D" to a picture's actions.
func (p *Page) addMake3D(actions *fyne.Container, it *lib.Item) {
	p.m3d.button = nil
	if it.Kind != lib.KindImage || it.Missing || (it.MediaHash == "" && it.HostedURL == "") {
		return
	}
	item := *it
	p.m3d.button = widget.NewButtonWithIcon("Make 3D", theme.MediaPhotoIcon(), func() { p.showMake3D(item) })
	actions.Add(p.m3d.button)
}

// showMake3D opens the dialog for a picture.
func (p *Page) showMake3D(it lib.Item) {
	h, m := p.h, &p.m3d
	m.item = it
	m.models, m.ids = nil, map[string]string{}
	var labels []string
	models, all := kit.PickerLabels(h, "3d")
	for i, mod := range models {
		if mod.AcceptsImages() {
			m.models = append(m.models, mod)
			labels = append(labels, all[i])
			m.ids[all[i]] = mod.Name
		}
	}
	m.estimate = kit.NewEstimateLabel()
	m.note = kit.NewModelNote(h)
	m.problem = widget.NewLabel("")
	m.problem.Wrapping = fyne.TextWrapWord
	m.resolution = widget.NewSelect(nil, func(string) { p.update3D() })
	m.model = widget.NewSelect(labels, func(string) { p.update3D() })
	m.submit = widget.NewButtonWithIcon("Make 3D model", theme.ConfirmIcon(), p.submit3D)
	m.submit.Importance = widget.HighImportance
	if len(labels) == 0 {
		m.problem.SetText("The catalogue lists no 3D model that takes a picture (is it loaded?).")
	} else if !kit.SelectStored(m.model, m.ids, m.models, jobs.Default3DModel) {
		m.model.SetSelected(labels[0])
	}
	p.update3D()
	form := widget.NewForm(widget.NewFormItem("Model", m.model), widget.NewFormItem("Resolution", m.resolution))
	how := "The picture goes by its hosted address."
	if url, _ := jobs.ReferenceFor(it, time.Now()); url == "" {
		how = "The picture is uploaded to the media host first (once)."
	}
	m.how = widget.NewLabel(how)
	body := container.NewVBox(widget.NewLabel("A 3D model of “"+kit.Shorten(it.Prompt, 60)+"”, saved to the library."),
		form, m.note, m.estimate, m.how, m.problem, m.submit)
	m.dlg = dialog.NewCustom("Make 3D", "Cancel", body, h.Window())
	m.dlg.Resize(fyne.NewSize(520, 0))
	m.dlg.Show()
}

// chosen3D is the model picked, if the catalogue has it.
func (p *Page) chosen3D() (api.Model, bool) {
	m := &p.m3d
	if m.model == nil {
		return api.Model{}, false
	}
	return api.FindModel(m.models, m.ids[m.model.Selected])
}

// request3D is the request the dialog stands for (Image not yet filled in).
func (p *Page) request3D() api.Model3DRequest {
	m := &p.m3d
	r := api.Model3DRequest{Prompt: kit.Shorten(m.item.Prompt, make3DPromptLen), Model: m.ids[m.model.Selected]}
	if !m.resolution.Disabled() {
		r.Resolution = m.resolution.Selected
	}
	return r
}

// update3D follows the model picked: its resolutions, its estimate, what stands in the way.
func (p *Page) update3D() {
	m := &p.m3d
	if m.submit == nil || m.updating {
		return // still building the dialog, or a change made here calling back
	}
	m.updating = true
	defer func() { m.updating = false }()
	mod, ok := p.chosen3D()
	if !ok || len(mod.Resolutions) == 0 {
		m.resolution.Options = nil
		m.resolution.ClearSelected()
		m.resolution.PlaceHolder = "(only one)"
		m.resolution.Disable()
	} else {
		m.resolution.Options = mod.Resolutions
		m.resolution.Enable()
		if !slices.Contains(mod.Resolutions, m.resolution.Selected) {
			m.resolution.SetSelected(mod.Resolutions[0])
		}
	}
	m.resolution.Refresh()
	if !ok {
		m.submit.Disable()
		return
	}
	m.note.SetModel(mod.Name)
	req := p.request3D()
	m.estimate.SetEstimate(jobs.Estimate(mod, jobs.EstimateParams{Resolution: req.Resolution}, nil))
	req.Image = []string{"https://picture"} // the picture is there; only the model's needs are checked
	if err := jobs.Check3DModel(mod, req); err != nil {
		m.problem.SetText(kit.Friendly(err))
		m.submit.Disable()
		return
	}
	m.problem.SetText("")
	m.submit.Enable()
}

// submit3D queues the job: the picture goes by its hosted address while that is fresh, else
// as the library's file (uploaded by the job, once per content).
func (p *Page) submit3D() {
	h, m := p.h, &p.m3d
	req := p.request3D()
	url, _ := jobs.ReferenceFor(m.item, time.Now())
	if url == "" {
		path, err := h.Library().ItemMediaPath(&m.item) // an imported item's file must be the library's
		if err != nil {
			h.ShowError(err)
			return
		}
		url = path
	}
	req.Image = []string{url}
	parent := m.item.ID
	id, ok := h.Submit(jobs.Request{Model3D: &req, ParentID: &parent, Relation: jobs.Relation3DFrom})
	if !ok {
		return
	}
	m.lastJob = id
	m.dlg.Hide()
}
