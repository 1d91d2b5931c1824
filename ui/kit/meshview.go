package kit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/internal/mesh"
)

// How a MeshView turns under the mouse, and the view it starts from (a three-quarter view
// from a little above, so a box shows three faces).
const (
	MeshDegreesPerUnit = 0.5 // of yaw or pitch per unit of drag
	MeshMaxPitch       = 85.0
	MeshDefaultYaw     = -30.0
	MeshDefaultPitch   = 20.0
	MeshKeyStep        = 15.0 // degrees an arrow key turns
	// MeshMaxPixels bounds the frame drawn (a full-screen view on a 4K screen would otherwise
	// hold and redraw 130 MB of buffers); above it the frame is drawn smaller and stretched.
	MeshMaxPixels = 1536 * 1024
)

// ErrPointCloud is what LoadMeshView says of a PLY file: the renderer draws triangles only.
var ErrPointCloud = errors.New("PLY point clouds are not previewed; open with your 3D viewer")

// MeshView shows a 3D model the user turns by dragging (x turns it about the vertical axis, y
// tilts it, up to ±85°) or, once tapped, with the arrow keys; a double tap (or Home) goes back
// to the starting view. Frames are drawn off the
// UI goroutine at the widget's pixel size, one at a time: angles asked for while a frame is
// being drawn are coalesced, and the newest wins.
type MeshView struct {
	widget.BaseWidget

	// The parts, by name for pages and tests.
	Back    *canvas.Rectangle // the theme's input background, under the frame
	Image   *canvas.Image     // the last frame drawn
	Message *widget.Label     // loading, error and notice text (hidden while a model shows)
	Hint    *canvas.Text      // "Drag to turn · double-click to reset"
	Focus   *canvas.Rectangle // the outline shown while the view has the keyboard

	runOnUI func(func())
	minSize fyne.Size

	mu    sync.Mutex
	m     *mesh.Mesh
	state meshState
	text  string // the message for the loading, error and notice states
	gen   int    // counts what was shown, so a Load overtaken by another is dropped
	yaw   float64
	pitch float64 // degrees
	pxW   int
	pxH   int
	bg    color.NRGBA
	busy  bool      // a frame is being drawn or waits to be applied
	want  meshFrame // the newest frame asked for
	shown meshFrame // the frame the Image holds
	// Owned by the frame in flight while busy: the renderer and the buffer it copies into
	// (the other buffer is on screen).
	rend    meshRenderer
	spare   *image.RGBA
	front   *image.RGBA
	renders int
}

type meshState int

const (
	meshLoading meshState = iota
	meshReady
	meshFailed
	meshNotice
)

// meshFrame is everything a frame depends on: two equal frames are the same picture.
type meshFrame struct {
	m          *mesh.Mesh
	yaw, pitch float64
	w, h       int
	bg         color.NRGBA
}

// NewMeshView shows m (nil: the loading state until SetMesh or SetError). runOnUI applies a
// finished frame on the UI goroutine (nil: fyne.Do); kit widgets have no Host, so pages pass
// Host.RunOnUI.
func NewMeshView(m *mesh.Mesh, runOnUI func(func())) *MeshView {
	if runOnUI == nil {
		runOnUI = fyne.Do
	}
	v := &MeshView{
		Back:    canvas.NewRectangle(color.Transparent),
		Image:   &canvas.Image{FillMode: canvas.ImageFillContain},
		Message: widget.NewLabel("Loading the 3D model…"),
		Hint:    canvas.NewText("Drag to turn · double-click to reset", theme.Color(theme.ColorNamePlaceHolder)),
		Focus:   canvas.NewRectangle(color.Transparent),
		runOnUI: runOnUI,
		minSize: fyne.NewSize(160, 160),
		yaw:     MeshDefaultYaw,
		pitch:   MeshDefaultPitch,
		text:    "Loading the 3D model…",
	}
	v.Message.Alignment = fyne.TextAlignCenter
	v.Message.Wrapping = fyne.TextWrapWord
	v.Hint.TextSize = theme.CaptionTextSize()
	v.Hint.Alignment = fyne.TextAlignCenter
	v.Focus.StrokeWidth = 2
	v.Focus.Hide()
	v.ExtendBaseWidget(v)
	if m != nil {
		v.SetMesh(m)
	}
	return v
}

// LoadMeshView reads a .glb file off the UI goroutine and shows it (see Load).
func LoadMeshView(path string, runOnUI func(func())) *MeshView {
	v := NewMeshView(nil, runOnUI)
	v.Load(path)
	return v
}

// Load reads a .glb file off the UI goroutine and shows it; until then the view shows the
// loading state, and a file that cannot be shown gives the error state (or, for a PLY point
// cloud, a notice to open it elsewhere). A later Load or Set… wins over an earlier Load still
// reading, so one view can follow a changing selection.
func (v *MeshView) Load(path string) {
	v.setText(meshLoading, "Loading the 3D model…")
	v.mu.Lock()
	gen := v.gen
	v.mu.Unlock()
	go func() {
		m, err := ReadMeshFile(path)
		v.runOnUI(func() {
			v.mu.Lock()
			stale := v.gen != gen
			v.mu.Unlock()
			switch {
			case stale:
			case errors.Is(err, ErrPointCloud):
				v.SetNotice(ErrPointCloud.Error())
			case err != nil:
				v.SetError(err)
			default:
				v.SetMesh(m)
			}
		})
	}()
}

// ReadMeshFile reads a GLB model to preview. A PLY file gives ErrPointCloud; a file with no
// triangles is an error.
func ReadMeshFile(path string) (*mesh.Mesh, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening the model: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if head, _ := br.Peek(5); bytes.HasPrefix(head, []byte("ply\n")) || bytes.HasPrefix(head, []byte("ply\r")) {
		return nil, ErrPointCloud
	}
	m, err := mesh.ReadGLB(br)
	if err != nil {
		return nil, err
	}
	if m.Triangles() == 0 {
		return nil, errors.New("it holds no triangles")
	}
	return m, nil
}

// SetMesh shows m, from the current view (UI goroutine); nil shows the loading state.
func (v *MeshView) SetMesh(m *mesh.Mesh) {
	if m == nil {
		v.setText(meshLoading, "Loading the 3D model…")
		return
	}
	v.mu.Lock()
	v.m, v.state, v.text = m, meshReady, ""
	v.gen++
	v.requestLocked()
	v.mu.Unlock()
	v.Refresh()
}

// SetError shows the error state: the file could not be read.
func (v *MeshView) SetError(err error) {
	msg := strings.TrimPrefix(err.Error(), "mesh: ")
	v.setText(meshFailed, "This 3D file could not be read: "+msg)
}

// SetNotice shows a message instead of a model.
func (v *MeshView) SetNotice(text string) { v.setText(meshNotice, text) }

func (v *MeshView) setText(s meshState, text string) {
	v.mu.Lock()
	v.m, v.state, v.text = nil, s, text
	v.gen++
	v.releaseLocked()
	v.mu.Unlock()
	v.Refresh()
}

// releaseLocked lets go of the frames and the renderer while no model shows (unless a frame
// in flight owns them: apply lets go of them then). Called with mu held, on the UI goroutine.
func (v *MeshView) releaseLocked() {
	if v.busy {
		return
	}
	v.rend, v.spare, v.front, v.shown = meshRenderer{}, nil, nil, meshFrame{}
	v.Image.Image = nil
}

// Failed reports whether the view shows the error state.
func (v *MeshView) Failed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.state == meshFailed
}

// Mesh is the model shown (nil in the loading, error and notice states).
func (v *MeshView) Mesh() *mesh.Mesh {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.m
}

// View is the current angles in degrees: yaw about the vertical axis, pitch about the
// horizontal one (positive tilts the top towards the viewer).
func (v *MeshView) View() (yaw, pitch float64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.yaw, v.pitch
}

// SetView turns the model to yaw and pitch in degrees (pitch clamped to ±85°).
func (v *MeshView) SetView(yaw, pitch float64) {
	v.mu.Lock()
	v.yaw, v.pitch = math.Remainder(yaw, 360), max(-MeshMaxPitch, min(MeshMaxPitch, pitch))
	v.requestLocked()
	v.mu.Unlock()
}

// Renders is the number of frames drawn and applied so far.
func (v *MeshView) Renders() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.renders
}

// Bytes is the memory the view holds for drawing: the renderer's buffers and the two frames
// (on screen and spare). The model itself is not counted.
func (v *MeshView) Bytes() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	if v.rend.r != nil {
		n += v.rend.r.Bytes()
	}
	for _, b := range []*image.RGBA{v.front, v.spare} {
		if b != nil {
			n += len(b.Pix)
		}
	}
	return n
}

// SetMinSize sets the size the view asks its container for (160×160 by default).
func (v *MeshView) SetMinSize(s fyne.Size) {
	v.minSize = s
	v.Refresh()
}

// Dragged turns the model: right turns its front to the right, down tilts its top towards
// the viewer.
func (v *MeshView) Dragged(e *fyne.DragEvent) {
	yaw, pitch := v.View()
	v.SetView(yaw+float64(e.Dragged.DX)*MeshDegreesPerUnit, pitch+float64(e.Dragged.DY)*MeshDegreesPerUnit)
}

// DragEnd is part of fyne.Draggable; the last frame asked for is already on its way.
func (v *MeshView) DragEnd() {}

// DoubleTapped goes back to the starting view.
func (v *MeshView) DoubleTapped(*fyne.PointEvent) { v.SetView(MeshDefaultYaw, MeshDefaultPitch) }

// Tapped takes the keyboard, for the arrow keys.
func (v *MeshView) Tapped(*fyne.PointEvent) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil {
		c.Focus(v)
	}
}

// FocusGained shows the outline.
func (v *MeshView) FocusGained() {
	v.Focus.Show()
	v.Focus.Refresh()
}

// FocusLost hides the outline.
func (v *MeshView) FocusLost() {
	v.Focus.Hide()
	v.Focus.Refresh()
}

// TypedRune is part of fyne.Focusable.
func (v *MeshView) TypedRune(rune) {}

// TypedKey turns the model by MeshKeyStep with the arrow keys; Home resets the view.
func (v *MeshView) TypedKey(e *fyne.KeyEvent) {
	yaw, pitch := v.View()
	switch e.Name {
	case fyne.KeyLeft:
		yaw -= MeshKeyStep
	case fyne.KeyRight:
		yaw += MeshKeyStep
	case fyne.KeyUp:
		pitch -= MeshKeyStep
	case fyne.KeyDown:
		pitch += MeshKeyStep
	case fyne.KeyHome:
		yaw, pitch = MeshDefaultYaw, MeshDefaultPitch
	default:
		return
	}
	v.SetView(yaw, pitch)
}

// requestLocked asks for a frame of the current view, or records it as the newest while one
// is being drawn. Called with mu held.
func (v *MeshView) requestLocked() {
	if v.state != meshReady || v.m == nil || v.pxW <= 0 || v.pxH <= 0 {
		return
	}
	v.want = meshFrame{m: v.m, yaw: v.yaw, pitch: v.pitch, w: v.pxW, h: v.pxH, bg: v.bg}
	if v.busy || v.want == v.shown {
		return
	}
	v.busy = true
	go v.draw(v.want, v.rend, v.spare)
}

// meshRenderer is a renderer with the size it draws.
type meshRenderer struct {
	r    *mesh.Renderer
	w, h int
}

// draw renders f off the UI goroutine into spare (reallocated on a size change) and hands it
// to the UI goroutine. rend and spare belong to this call until apply.
func (v *MeshView) draw(f meshFrame, rend meshRenderer, spare *image.RGBA) {
	if rend.r == nil || rend.w != f.w || rend.h != f.h {
		rend = meshRenderer{mesh.NewRenderer(f.w, f.h), f.w, f.h}
	}
	img := rend.r.Render(f.m, f.yaw*math.Pi/180, f.pitch*math.Pi/180, f.bg)
	if spare == nil || spare.Rect != img.Rect {
		spare = image.NewRGBA(img.Rect)
	}
	copy(spare.Pix, img.Pix)
	v.runOnUI(func() { v.apply(f, rend, spare) })
}

// apply shows a finished frame (UI goroutine) and starts the newest one asked for meanwhile.
func (v *MeshView) apply(f meshFrame, rend meshRenderer, img *image.RGBA) {
	v.mu.Lock()
	v.rend, v.spare, v.front = rend, v.front, img
	v.shown, v.busy = f, false
	v.renders++
	show := v.state == meshReady && f.m == v.m
	if v.state != meshReady {
		v.releaseLocked()
	}
	v.mu.Unlock()
	if show {
		// The Image takes the new frame before the old one goes back to be drawn over.
		v.Image.Image = img
		if v.Image.Visible() {
			v.Image.Refresh()
		} else {
			v.Refresh()
		}
	}
	v.mu.Lock()
	v.requestLocked()
	v.mu.Unlock()
}

// CreateRenderer is part of fyne.Widget.
func (v *MeshView) CreateRenderer() fyne.WidgetRenderer {
	r := &meshViewRenderer{v: v}
	r.Refresh()
	return r
}

type meshViewRenderer struct{ v *MeshView }

func (r *meshViewRenderer) Layout(size fyne.Size) {
	v := r.v
	v.Back.Resize(size)
	v.Image.Move(fyne.Position{})
	v.Image.Resize(size)
	pad := theme.Padding()
	ms := v.Message.MinSize()
	v.Message.Move(fyne.NewPos(pad, (size.Height-ms.Height)/2))
	v.Message.Resize(fyne.NewSize(max(size.Width-2*pad, 0), ms.Height))
	hs := v.Hint.MinSize()
	v.Hint.Move(fyne.NewPos(0, size.Height-hs.Height-pad/2))
	v.Hint.Resize(fyne.NewSize(size.Width, hs.Height))
	v.Focus.Resize(size)

	w, h := pixelSize(v, size)
	v.mu.Lock()
	v.pxW, v.pxH = w, h
	v.requestLocked()
	v.mu.Unlock()
}

// pixelSize is the frame size for the widget at size: its size in the canvas's pixels, scaled
// down to MeshMaxPixels.
func pixelSize(o fyne.CanvasObject, size fyne.Size) (int, int) {
	w, h := float64(size.Width), float64(size.Height)
	if c := fyne.CurrentApp().Driver().CanvasForObject(o); c != nil {
		x0, y0 := c.PixelCoordinateForPosition(fyne.Position{})
		x1, y1 := c.PixelCoordinateForPosition(fyne.NewPos(size.Width, size.Height))
		w, h = float64(x1-x0), float64(y1-y0)
	}
	if w*h > MeshMaxPixels {
		f := math.Sqrt(MeshMaxPixels / (w * h))
		w, h = w*f, h*f
	}
	return int(math.Round(w)), int(math.Round(h))
}

func (r *meshViewRenderer) MinSize() fyne.Size { return r.v.minSize }

func (r *meshViewRenderer) Refresh() {
	v := r.v
	th := v.Theme()
	variant := fyne.CurrentApp().Settings().ThemeVariant()
	bg := color.NRGBAModel.Convert(th.Color(theme.ColorNameInputBackground, variant)).(color.NRGBA)
	// The input background may be translucent; the frame is opaque over the page.
	page := color.NRGBAModel.Convert(th.Color(theme.ColorNameBackground, variant)).(color.NRGBA)
	bg = over(bg, page)
	v.Back.FillColor = bg
	v.Back.Refresh()
	v.Hint.Color = th.Color(theme.ColorNamePlaceHolder, variant)
	v.Focus.StrokeColor = th.Color(theme.ColorNameFocus, variant)
	v.Focus.Refresh()

	v.mu.Lock()
	v.bg = bg
	state, text, m := v.state, v.text, v.m
	showFrame := state == meshReady && v.front != nil && v.shown.m == m
	v.requestLocked()
	v.mu.Unlock()

	if showFrame {
		v.Image.Show()
		v.Hint.Show()
	} else {
		v.Image.Hide()
		v.Hint.Hide()
	}
	if state == meshReady {
		v.Message.Hide()
	} else {
		v.Message.SetText(text)
		v.Message.Show()
	}
	v.Hint.Refresh()
	v.Image.Refresh()
}

// over composes a (possibly translucent) colour over an opaque one.
func over(a, b color.NRGBA) color.NRGBA {
	al := uint32(a.A)
	mix := func(x, y uint8) uint8 { return uint8((uint32(x)*al + uint32(y)*(255-al) + 127) / 255) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

func (r *meshViewRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.v.Back, r.v.Image, r.v.Message, r.v.Hint, r.v.Focus}
}

func (r *meshViewRenderer) Destroy() {}

var (
	_ fyne.Draggable      = (*MeshView)(nil)
	_ fyne.DoubleTappable = (*MeshView)(nil)
	_ fyne.Tappable       = (*MeshView)(nil)
	_ fyne.Focusable      = (*MeshView)(nil)
)
