package kit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/test"

	"pollinations-studio/internal/mesh"
)

// uiQueue plays the UI goroutine: frames the view hands over wait here until the test runs
// them, so a test decides when "the UI goroutine" gets to apply a frame.
type uiQueue struct{ ch chan func() }

func newUIQueue() *uiQueue { return &uiQueue{ch: make(chan func(), 1024)} }

func (q *uiQueue) run(f func()) { q.ch <- f }

// next runs the next queued function, waiting for it (with a hang guard, not a time limit on
// the work: a frame that never comes is a bug).
func (q *uiQueue) next(tb testing.TB) {
	tb.Helper()
	q.take(tb)()
}

// take waits for the next queued function without running it.
func (q *uiQueue) take(tb testing.TB) func() {
	tb.Helper()
	select {
	case f := <-q.ch:
		return f
	case <-time.After(2 * time.Minute):
		tb.Fatal("nothing was handed over")
		return nil
	}
}

// settle runs queued work until the view draws nothing and nothing waits.
func (q *uiQueue) settle(tb testing.TB, v *MeshView) {
	tb.Helper()
	for {
		v.mu.Lock()
		busy := v.busy
		v.mu.Unlock()
		if !busy && len(q.ch) == 0 {
			return
		}
		q.next(tb)
	}
}

// showMesh puts a view of m, turned to yaw/pitch degrees, in a w×h test window at scale 1 and
// waits for its first frame.
func showMesh(t *testing.T, m *mesh.Mesh, yaw, pitch float64, w, h float32) (*MeshView, fyne.Window, *uiQueue) {
	t.Helper()
	test.NewTempApp(t)
	q := newUIQueue()
	v := NewMeshView(m, q.run)
	v.SetView(yaw, pitch)
	win := test.NewWindow(v)
	t.Cleanup(win.Close)
	win.SetPadded(false)
	win.Resize(fyne.NewSize(w, h))
	q.settle(t, v)
	return v, win, q
}

// silhouette is the bounding box of the pixels that differ from bg.
func silhouette(img image.Image, bg color.NRGBA) image.Rectangle {
	var box image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA) != bg {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

func frame(t testing.TB, v *MeshView) *image.RGBA {
	t.Helper()
	img, ok := v.Image.Image.(*image.RGBA)
	if !ok || img == nil || !v.Image.Visible() {
		t.Fatalf("no frame on show (image %T, visible %v)", v.Image.Image, v.Image.Visible())
	}
	return img
}

// A box 4 long in x, 2 in y and 1 in z, seen from the front, is twice as wide as tall; a drag
// worth 90° of yaw shows its 1-wide end, half as wide as tall. The frame is on the canvas, at
// the widget's pixel size.
func TestMeshViewTurnsByDrag(t *testing.T) {
	v, win, q := showMesh(t, mesh.Box(4, 2, 1), 0, 0, 200, 200)
	img := frame(t, v)
	if img.Rect.Dx() != 200 || img.Rect.Dy() != 200 {
		t.Fatalf("frame is %v, want 200×200 (the widget's pixels)", img.Rect)
	}
	bg := v.bg
	front := silhouette(img, bg)
	if front.Dx() < 150 || front.Dx() < 3*front.Dy()/2 {
		t.Fatalf("front view: silhouette %v, want about 164×82 (wider than tall)", front)
	}
	// The canvas shows it: the centre is the model, a corner the background.
	shot := win.Canvas().Capture()
	if c := color.NRGBAModel.Convert(shot.At(100, 100)).(color.NRGBA); c == bg {
		t.Errorf("the canvas shows background at the centre")
	}
	if c := color.NRGBAModel.Convert(shot.At(2, 2)).(color.NRGBA); c != bg {
		t.Errorf("the canvas corner is %v, want the background %v", c, bg)
	}

	test.Drag(win.Canvas(), fyne.NewPos(100, 100), 90/MeshDegreesPerUnit, 0)
	q.settle(t, v)
	if yaw, pitch := v.View(); yaw != 90 || pitch != 0 {
		t.Fatalf("after the drag the view is %v, %v; want 90, 0", yaw, pitch)
	}
	side := silhouette(frame(t, v), bg)
	if side.Dy() < 3*side.Dx()/2 || math.Abs(float64(side.Dy()-front.Dy())) > 2 {
		t.Errorf("side view: silhouette %v, want about 41×82 (taller than wide, as tall as before %v)", side, front)
	}
}

// Dragging down tilts the top towards the viewer, up to 85°; a double tap goes back to the
// starting view.
func TestMeshViewPitchClampAndReset(t *testing.T) {
	v, win, q := showMesh(t, mesh.Box(1, 1, 1), 0, 0, 100, 100)
	test.Drag(win.Canvas(), fyne.NewPos(50, 50), 0, 1000)
	q.settle(t, v)
	if _, pitch := v.View(); pitch != MeshMaxPitch {
		t.Errorf("pitch %v after a long drag down, want %v", pitch, MeshMaxPitch)
	}
	test.Drag(win.Canvas(), fyne.NewPos(50, 50), 0, -5000)
	q.settle(t, v)
	if _, pitch := v.View(); pitch != -MeshMaxPitch {
		t.Errorf("pitch %v after a long drag up, want %v", pitch, -MeshMaxPitch)
	}
	test.DoubleTap(v)
	q.settle(t, v)
	if yaw, pitch := v.View(); yaw != MeshDefaultYaw || pitch != MeshDefaultPitch {
		t.Errorf("after a double tap the view is %v, %v", yaw, pitch)
	}
}

// A tap takes the keyboard (the outline shows); the arrow keys turn the model, Home resets.
func TestMeshViewKeys(t *testing.T) {
	v, win, q := showMesh(t, mesh.Box(1, 1, 1), 0, 0, 100, 100)
	test.Tap(v)
	if win.Canvas().Focused() != v || !v.Focus.Visible() {
		t.Fatalf("a tap did not give the view the keyboard")
	}
	for _, k := range []fyne.KeyName{fyne.KeyRight, fyne.KeyRight, fyne.KeyDown, fyne.KeyLeft, fyne.KeyA} {
		win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: k})
	}
	q.settle(t, v)
	if yaw, pitch := v.View(); yaw != MeshKeyStep || pitch != MeshKeyStep {
		t.Errorf("after →→↓← the view is %v, %v; want %v, %v", yaw, pitch, MeshKeyStep, MeshKeyStep)
	}
	v.TypedKey(&fyne.KeyEvent{Name: fyne.KeyHome})
	q.settle(t, v)
	if yaw, pitch := v.View(); yaw != MeshDefaultYaw || pitch != MeshDefaultPitch {
		t.Errorf("after Home the view is %v, %v", yaw, pitch)
	}
	win.Canvas().Unfocus()
	if v.Focus.Visible() {
		t.Errorf("the outline stays without the keyboard")
	}
}

// Many drags while a frame is being drawn make two frames, not one per drag: the one in
// flight and the newest. The last frame shows the last angle, pixel for pixel.
func TestMeshViewCoalescesDrags(t *testing.T) {
	m := mesh.Icosphere(3)
	m.Positions[0] *= 1.5 // a bump, so the angle shows
	v, win, q := showMesh(t, m, 0, 0, 120, 120)
	before := v.Renders()
	const drags = 30
	for range drags {
		test.Drag(win.Canvas(), fyne.NewPos(60, 60), 3, 1)
	}
	q.settle(t, v)
	if n := v.Renders() - before; n != 2 {
		t.Errorf("%d drags drew %d frames, want 2 (the first and the newest)", drags, n)
	}
	yaw, pitch := v.View()
	if yaw != drags*3*MeshDegreesPerUnit || pitch != drags*MeshDegreesPerUnit {
		t.Fatalf("view %v, %v", yaw, pitch)
	}
	want := mesh.Render(m, 120, 120, yaw*math.Pi/180, pitch*math.Pi/180, v.bg)
	if got := frame(t, v); !bytes.Equal(got.Pix, want.Pix) {
		t.Errorf("the frame shown is not the last angle's")
	}
	// A frame at the first drag's angle differs, so the comparison above can fail.
	first := mesh.Render(m, 120, 120, 3*MeshDegreesPerUnit*math.Pi/180, MeshDegreesPerUnit*math.Pi/180, v.bg)
	if bytes.Equal(first.Pix, want.Pix) {
		t.Errorf("the test mesh looks the same from both angles")
	}
}

// At canvas scale 2 the frame has twice the widget's size in pixels.
func TestMeshViewPixelScale(t *testing.T) {
	v, win, q := showMesh(t, mesh.Box(1, 1, 1), 0, 0, 100, 80)
	win.Canvas().(software.WindowlessCanvas).SetScale(2)
	win.Resize(fyne.NewSize(101, 80))
	win.Resize(fyne.NewSize(100, 80))
	q.settle(t, v)
	if r := frame(t, v).Rect; r.Dx() != 200 || r.Dy() != 160 {
		t.Errorf("frame %v at scale 2, want 200×160", r)
	}
}

// The background is the theme's, and follows a change of theme.
func TestMeshViewThemeBackground(t *testing.T) {
	v, _, q := showMesh(t, mesh.Box(1, 1, 1), 0, 0, 100, 100)
	corner := func() color.NRGBA { return color.NRGBAModel.Convert(frame(t, v).At(1, 1)).(color.NRGBA) }
	first := corner()
	if first != v.Back.FillColor || first.A != 255 {
		t.Fatalf("frame background %v, backdrop %v", first, v.Back.FillColor)
	}
	fyne.CurrentApp().Settings().SetTheme(test.NewTheme())
	q.settle(t, v)
	if second := corner(); second == first || second != v.Back.FillColor {
		t.Errorf("after a theme change the background is %v (was %v, backdrop %v)", second, first, v.Back.FillColor)
	}
}

// Showing an error lets go of the frames; a Load overtaken by a later one is dropped.
func TestMeshViewReleaseAndStaleLoad(t *testing.T) {
	v, _, q := showMesh(t, mesh.Box(1, 1, 1), 0, 0, 100, 100)
	if v.Bytes() == 0 {
		t.Fatal("a view showing a model holds no frame")
	}
	v.SetError(errors.New("mesh: broken"))
	if v.Bytes() != 0 || v.Image.Image != nil || v.Message.Text != "This 3D file could not be read: broken" {
		t.Errorf("error state holds %d bytes, says %q", v.Bytes(), v.Message.Text)
	}

	v.SetMesh(nil)
	if !v.Message.Visible() || !strings.Contains(v.Message.Text, "Loading") {
		t.Errorf("no model: the view says %q (visible %v)", v.Message.Text, v.Message.Visible())
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.glb")
	good := filepath.Join(dir, "good.glb")
	if err := os.WriteFile(bad, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, goodGLB(t), 0o600); err != nil {
		t.Fatal(err)
	}
	v.Load(bad)
	badRead := q.take(t)
	v.Load(good)
	q.next(t) // the good file shows
	badRead() // and the first read, back late, changes nothing
	q.settle(t, v)
	if v.Failed() || v.Mesh() == nil {
		t.Errorf("the first Load's error overrode the second's model: %q", v.Message.Text)
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func goodGLB(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := mesh.WriteGLB(&b, mesh.Box(2, 1, 1)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// load shows the file in a view and waits until it is read.
func load(t *testing.T, path string) (*MeshView, *uiQueue) {
	t.Helper()
	q := newUIQueue()
	v := LoadMeshView(path, q.run)
	win := test.NewWindow(v)
	t.Cleanup(win.Close)
	win.Resize(fyne.NewSize(80, 80))
	if !v.Message.Visible() || !strings.Contains(v.Message.Text, "Loading") {
		t.Errorf("%s: before the file is read the view says %q", filepath.Base(path), v.Message.Text)
	}
	q.next(t)
	q.settle(t, v)
	return v, q
}

func TestLoadMeshView(t *testing.T) {
	test.NewTempApp(t)
	v, _ := load(t, writeFile(t, "box.glb", goodGLB(t)))
	if v.Failed() || v.Mesh() == nil || v.Mesh().Triangles() != 12 {
		t.Fatalf("a good GLB: failed %v, message %q", v.Failed(), v.Message.Text)
	}
	frame(t, v)
	if v.Message.Visible() {
		t.Errorf("the message %q shows over the model", v.Message.Text)
	}

	v, _ = load(t, writeFile(t, "cloud.ply", []byte("ply\nformat ascii 1.0\nelement vertex 0\nend_header\n")))
	if v.Failed() || v.Mesh() != nil || v.Message.Text != ErrPointCloud.Error() || v.Image.Visible() {
		t.Errorf("PLY: failed %v, message %q", v.Failed(), v.Message.Text)
	}
}

// A hostile or broken file gives the error state, and no panic.
func TestLoadMeshViewHostile(t *testing.T) {
	test.NewTempApp(t)
	good := goodGLB(t)
	patch := func(off int, val uint32) []byte {
		c := append([]byte(nil), good...)
		binary.LittleEndian.PutUint32(c[off:], val)
		return c
	}
	for name, b := range map[string][]byte{
		"empty":           nil,
		"text":            []byte("hello, this is not a model"),
		"cut short":       good[:len(good)/2],
		"huge length":     patch(8, math.MaxUint32),
		"huge JSON chunk": patch(12, 1<<30),
		"no triangles":    glbOf(t, `{"asset":{"version":"2.0"}}`),
		"absurd count":    glbOf(t, `{"asset":{"version":"2.0"},"accessors":[{"count":4000000000,"type":"VEC3","componentType":5126}],"meshes":[{"primitives":[{"attributes":{"POSITION":0}}]}]}`),
	} {
		v, _ := load(t, writeFile(t, "bad.glb", b))
		if !v.Failed() || !strings.HasPrefix(v.Message.Text, "This 3D file could not be read: ") || !v.Message.Visible() {
			t.Errorf("%s: failed %v, message %q", name, v.Failed(), v.Message.Text)
		}
		if v.Image.Visible() || v.Renders() != 0 {
			t.Errorf("%s: a frame is shown", name)
		}
	}
	v, _ := load(t, filepath.Join(t.TempDir(), "missing.glb"))
	if !v.Failed() {
		t.Errorf("a missing file: %q", v.Message.Text)
	}

	// Every byte of a good file changed in turn: read or refused, never a panic.
	for i := 0; i < len(good); i += max(len(good)/64, 1) {
		c := append([]byte(nil), good...)
		c[i] ^= 0xA5
		v, _ := load(t, writeFile(t, "flip.glb", c))
		if !v.Failed() && v.Mesh() == nil {
			t.Errorf("byte %d flipped: neither a model nor an error (%q)", i, v.Message.Text)
		}
	}
}

// glbOf wraps a glTF JSON document in a GLB with no binary chunk.
func glbOf(t *testing.T, js string) []byte {
	t.Helper()
	for len(js)%4 != 0 {
		js += " "
	}
	var b bytes.Buffer
	le := func(v uint32) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("glTF")
	le(2)
	le(uint32(12 + 8 + len(js)))
	le(uint32(len(js)))
	b.WriteString("JSON")
	b.WriteString(js)
	return b.Bytes()
}

// BenchmarkMeshViewTurn turns a 50 000-triangle sphere at 512×512 (and at canvas scale 2, 1024×1024 pixels) through the same angles
// (2.5° of yaw a frame from the starting view) over the same background: "renderer" is the
// renderer alone (the baseline), "widget" a drag on the view through to the frame applied on
// the (test) UI goroutine. ui-µs is the time a frame costs the UI goroutine (the drag and the
// hand-off); held-MB the heap the view adds (after a GC, once turned); view-MB what it counts itself.
func BenchmarkMeshViewTurn(b *testing.B) {
	m := mesh.Sphere(250, 101)
	if m.Triangles() != 50000 {
		b.Fatalf("%d triangles", m.Triangles())
	}
	a := test.NewApp()
	defer a.Quit()
	bg := NewMeshView(nil, nil)
	test.WidgetRenderer(bg) // the theme's background, as the view draws it
	for _, scale := range []int{1, 2} {
		name := map[int]string{1: "", 2: "-scale2"}[scale]
		benchTurn(b, name, m, scale, bg.bg)
	}
}

// benchTurn measures the renderer alone, then the view, on a 512×512 view at a canvas scale.
func benchTurn(b *testing.B, name string, m *mesh.Mesh, scale int, bgc color.NRGBA) {
	px := 512 * scale
	b.Run("renderer"+name, func(b *testing.B) {
		var c color.Color = bgc
		r := mesh.NewRenderer(px, px)
		r.Render(m, 0, 0, c)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			yaw := MeshDefaultYaw + float64(i+1)*5*MeshDegreesPerUnit
			r.Render(m, yaw*math.Pi/180, MeshDefaultPitch*math.Pi/180, c)
		}
	})
	b.Run("widget"+name, func(b *testing.B) {
		q := newUIQueue()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		v := NewMeshView(m, q.run)
		win := test.NewWindow(v)
		defer win.Close()
		win.SetPadded(false)
		win.Canvas().(software.WindowlessCanvas).SetScale(float32(scale))
		win.Resize(fyne.NewSize(512, 512))
		q.settle(b, v)
		if r := frame(b, v).Rect; r.Dx() != px || v.bg != bgc {
			b.Fatalf("frame %v, background %v", r, v.bg)
		}
		var ui time.Duration
		start := v.Renders()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			v.Dragged(&fyne.DragEvent{Dragged: fyne.Delta{DX: 5}})
			ui += time.Since(t0)
			f := <-q.ch // the frame, drawn off this goroutine
			t0 = time.Now()
			f()
			ui += time.Since(t0)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(v)
		if n := v.Renders() - start; n != b.N {
			b.Fatalf("%d frames for %d drags", n, b.N)
		}
		b.ReportMetric(float64(ui.Microseconds())/float64(b.N), "ui-µs/op")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "held-MB")
		b.ReportMetric(float64(v.Bytes())/(1<<20), "view-MB")
	})
}
