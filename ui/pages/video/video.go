// Package video is the video page: a generation that takes minutes, its elapsed time set
// against what the model usually takes.
package video

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// Page: video generation, which takes minutes.
type Page struct {
	h            kit.Host
	prompt       *widget.Entry
	model        *widget.Select
	modelNames   map[string]string
	duration     *widget.Select
	resolution   *widget.Select // the model's resolutions; hidden when it lists none
	resRow       *fyne.Container
	aspect       *widget.Select
	withAudio    *widget.Check
	start, end   *frame // the start and end frames
	genB         *widget.Button
	upBar        *widget.ProgressBar // the local frames' upload
	cancelUpload context.CancelFunc  // stops the upload (nil when none runs)
	cost         *widget.Label
	status       *widget.Label
	bar          *widget.ProgressBarInfinite
	jobID        int64
	cancelB      *widget.Button // enabled only while an upload or a generation runs
	started      time.Time
	running      string // the model of the running video
	runningModel api.Model
	typical      map[string]typicalTime
	content      fyne.CanvasObject
}

// typicalTime is how long a model took for the videos in the library.
type typicalTime struct {
	d time.Duration
	n int
}

// New builds the video page on its host.
func New(h kit.Host) *Page {
	p := &Page{h: h, modelNames: map[string]string{}, typical: map[string]typicalTime{}}
	p.cost = widget.NewLabel("")
	p.prompt = widget.NewMultiLineEntry()
	p.prompt.SetPlaceHolder("Describe the video… (Ctrl+Enter generates)")
	p.prompt.Wrapping = fyne.TextWrapWord
	p.prompt.SetMinRowsVisible(4)
	p.model = widget.NewSelect(nil, func(string) { p.fillDurations() })
	p.duration = widget.NewSelect(nil, func(string) { p.updateCost() })
	p.resolution = widget.NewSelect(nil, func(string) { p.updateCost() })
	p.resRow = container.NewBorder(nil, nil, widget.NewLabel("Resolution"), nil, p.resolution)
	p.resRow.Hide()
	p.aspect = widget.NewSelect([]string{"16:9", "9:16", "1:1"}, nil)
	p.aspect.SetSelected("16:9")
	p.withAudio = widget.NewCheck("With sound", func(bool) { p.updateCost() })
	p.start = p.newFrame("start frame", "https://… image to start from (optional)")
	p.end = p.newFrame("end frame", "https://… image to end on (optional)")
	p.status = widget.NewLabel("")
	p.bar = widget.NewProgressBarInfinite()
	p.bar.Hide()
	p.upBar = widget.NewProgressBar()
	p.upBar.Hide()
	gen := widget.NewButtonWithIcon("Generate video", theme.MediaVideoIcon(), p.generate)
	gen.Importance = widget.HighImportance
	p.genB = gen
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if p.cancelUpload != nil {
			p.cancelUpload()
		}
		if p.jobID != 0 {
			h.Jobs().Cancel(p.jobID)
		}
	})
	p.cancelB = cancel
	cancel.Disable()
	form := widget.NewForm(widget.NewFormItem("Model", p.model), widget.NewFormItem("Duration", container.NewGridWithColumns(2, p.duration, p.resRow)),
		widget.NewFormItem("Aspect ratio", p.aspect), widget.NewFormItem("", p.withAudio),
		widget.NewFormItem("Start frame", p.start.row), widget.NewFormItem("End frame", p.end.row))
	note := widget.NewLabelWithStyle("Videos take one to two minutes. You can keep working: a notification says when it is ready.", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	note.Wrapping = fyne.TextWrapWord
	p.content = container.NewPadded(container.NewVBox(kit.Heading("Video"), p.prompt, form, p.cost, container.NewHBox(gen, cancel), p.upBar, p.bar, p.status, note))
	h.OnAccount(p.fillModels)
	h.OnJob(p.onJob)

	return p
}

// defaultVideoModel is the service's default video model.
const defaultVideoModel = "google/veo-3.1-fast"

func (p *Page) fillModels() {
	p.modelNames = map[string]string{}
	models := p.h.Models("video")
	var labels []string
	// The default (from Settings, or the service's) may be stored under an alias or an older
	// id: matched through the catalogue.
	want := api.Canonical(models, kit.DefaultModel(p.h.Preferences(), "video", defaultVideoModel))
	sel := ""
	for _, m := range kit.PickerOrder(models, p.h.Allowed) {
		l := kit.ModelLabel(m, p.h.Allowed)
		labels = append(labels, l)
		p.modelNames[l] = m.Name
		if m.Name == want {
			sel = l
		}
	}
	p.model.Options = labels
	if p.model.Selected == "" && len(labels) > 0 {
		if sel == "" {
			sel = labels[0]
		}
		p.model.SetSelected(sel)
	}
	p.model.Refresh()
}

func (p *Page) current() (api.Model, bool) {
	return api.FindModel(p.h.Models("video"), p.modelNames[p.model.Selected])
}

func (p *Page) fillDurations() {
	m, ok := p.current()
	if !ok {
		return
	}
	var opts []string
	for _, d := range m.Durations() {
		opts = append(opts, strconv.FormatFloat(d, 'f', -1, 64)+" s")
	}
	p.duration.Options = opts
	if len(opts) > 0 {
		// The model's default length when it names one, otherwise its shortest.
		i := 0
		for j, d := range m.Durations() {
			if d == m.DefaultDuration {
				i = j
			}
		}
		p.duration.SetSelectedIndex(i)
	}
	p.resolution.Options = m.Resolutions
	if len(m.Resolutions) > 0 {
		if !slices.Contains(m.Resolutions, p.resolution.Selected) {
			p.resolution.Selected = m.Resolutions[0]
		}
		p.resolution.Refresh()
		p.resRow.Show()
	} else {
		p.resolution.Selected = ""
		p.resRow.Hide()
	}
	if m.HasCapability("audio_output") {
		p.withAudio.Enable()
	} else {
		p.withAudio.SetChecked(false)
		p.withAudio.Disable()
	}
	p.loadTypical(m)
	p.start.setEnabled(m.HasCapability("start_frame"))
	p.end.setEnabled(m.HasCapability("end_frame"))
	p.duration.Refresh()
	p.updateCost()
}

func (p *Page) seconds() int {
	v, _ := strconv.Atoi(strings.TrimSuffix(p.duration.Selected, " s"))
	return v
}

// updateCost shows the price per second of the chosen length (with the soundtrack's, when
// asked), or nothing when the catalogue gives no price.
func (p *Page) updateCost() {
	m, ok := p.current()
	if !ok {
		return
	}
	est := jobs.Estimate(m, jobs.EstimateParams{Seconds: float64(p.seconds()), Audio: p.withAudio.Checked,
		Resolution: p.resolution.Selected}, nil)
	if est.Label == "" {
		p.cost.SetText("")
		return
	}
	p.cost.SetText("Estimated cost: " + est.Label)
}

func (p *Page) generate() {
	prompt := strings.TrimSpace(p.prompt.Text)
	m, ok := p.current()
	if prompt == "" || !ok {
		p.h.ShowError(fmt.Errorf("write a prompt and choose a model first"))
		return
	}
	req := api.VideoRequest{Prompt: prompt, Model: m.Name, Duration: p.seconds(), AspectRatio: p.aspect.Selected,
		Audio: p.withAudio.Checked, Resolution: p.resolution.Selected}.FitTo(m) // lengths and resolutions the model takes
	if p.cancelUpload != nil {
		return // the frames are still going up; this request is sent once they are
	}
	var local []*frame
	for _, f := range []struct {
		f   *frame
		dst *string
	}{{p.start, &req.StartFrame}, {p.end, &req.EndFrame}} {
		url, upload, err := f.f.frameURL()
		if err != nil {
			p.h.ShowError(err)
			return
		}
		if upload {
			local = append(local, f.f)
		}
		*f.dst = url
	}
	hasStart := req.StartFrame != "" || slices.Contains(local, p.start)
	if (req.EndFrame != "" || slices.Contains(local, p.end)) && !hasStart {
		p.h.ShowError(fmt.Errorf("an end frame needs a start frame"))
		return
	}
	if len(local) > 0 {
		p.upload(req, m, local)
		return
	}
	p.submit(req, m)
}

// submit queues the video once its frames are addresses.
func (p *Page) submit(req api.VideoRequest, m api.Model) {
	if id, ok := p.h.Submit(jobs.Request{Video: &req}); ok {
		p.jobID, p.started, p.running, p.runningModel = id, time.Now(), m.Name, m
		p.syncCancel()
		p.bar.Show()
		p.bar.Start()
		p.status.SetText("Queued…")
	}
}

func (p *Page) onJob(ev jobs.Event) {
	if ev.ID != p.jobID {
		return
	}
	defer p.syncCancel()
	switch ev.State {
	case jobs.Done:
		p.jobID = 0
		p.bar.Stop()
		p.bar.Hide()
		p.status.SetText(fmt.Sprintf("Done in %s: the video is in your library.", ev.Elapsed.Round(time.Second)))
		p.loadTypical(p.runningModel)
		if ev.ItemID != nil {
			p.h.Navigate(kit.Nav{Page: kit.PageLibrary, Action: kit.ActShow, ItemID: *ev.ItemID, Quiet: true})
		}
	case jobs.Failed, jobs.Canceled:
		p.jobID = 0
		p.bar.Stop()
		p.bar.Hide()
		p.status.SetText(string(ev.State))
		if ev.State == jobs.Failed {
			p.h.ShowError(ev.Err)
		}
	}
}

// Start shows the elapsed time of the running video, until the window closes.
func (p *Page) Start() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.h.Context().Done():
			return
		case <-t.C:
		}
		p.h.RunOnUI(func() {
			if p.jobID != 0 {
				p.status.SetText(p.progressText(time.Since(p.started)))
			}
		})
	}
}

// progressText sets the running video's elapsed time against what its model usually takes.
func (p *Page) progressText(elapsed time.Duration) string {
	t, ok := p.typical[p.running]
	if !ok {
		// Nothing in the library to go by: the service's published range.
		return fmt.Sprintf("Generating… %s (videos usually take 0:30–2:10)", kit.Clock(elapsed))
	}
	s := fmt.Sprintf("Generating… %s of about %s (typical for %s, from your last %d)", kit.Clock(elapsed), kit.Clock(t.d), p.running, t.n)
	if elapsed > t.d*3/2 {
		s += ": slower than usual, still waiting"
	}
	return s
}

// loadTypical learns, off the UI goroutine, how long a model took for the videos in the
// library (made under its id or any of its aliases).
func (p *Page) loadTypical(m api.Model) {
	model := m.Name
	if model == "" {
		return
	}
	go func() {
		page, err := p.h.Library().Search(p.h.Context(), lib.Query{Kinds: []lib.Kind{lib.KindVideo}, Limit: 200})
		if err != nil {
			return // the published range is shown instead
		}
		d, n, ok := jobs.TypicalTime(page.Items, model, m.Aliases...)
		if !ok {
			return
		}
		p.h.RunOnUI(func() { p.typical[model] = typicalTime{d, n} })
	}()
}

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// Primary generates (Ctrl+Enter).
func (p *Page) Primary() { p.generate() }

// Navigate takes a library image's "Animate": it becomes the start frame.
func (p *Page) Navigate(v kit.Nav) {
	if v.Action == kit.ActAnimate {
		p.animate(v)
	}
}

// syncCancel enables Cancel only while there is something to cancel.
func (p *Page) syncCancel() {
	if p.cancelUpload != nil || p.jobID != 0 {
		p.cancelB.Enable()
	} else {
		p.cancelB.Disable()
	}
}
