package kit_test

import (
	"bytes"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/internal/mesh"
	"pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// model3D is what a page shows for a library item of kind 3d: the preview and an "Open with…"
// button (the library's detail view does the same).
func model3D(h kit.Host, it *storage.Item) (preview fyne.CanvasObject, open *widget.Button) {
	path, err := h.Library().ItemMediaPath(it)
	if err != nil {
		return widget.NewLabel("The 3D file is missing from the library folder."), nil
	}
	view := kit.LoadMeshView(path, h.RunOnUI)
	view.SetMinSize(fyne.NewSize(320, 320))
	open = widget.NewButtonWithIcon("Open with…", theme.FileIcon(), func() { h.OpenPath("3D model", path) })
	return view, open
}

// A 3D item saved in the library shows in the view through a Host, and turns.
func TestMeshViewLibraryItem(t *testing.T) {
	h := kittest.New(t, "")
	var glb bytes.Buffer
	if err := mesh.WriteGLB(&glb, mesh.Box(3, 1, 1)); err != nil {
		t.Fatal(err)
	}
	ctx := h.Context()
	hash, err := h.Lib.PutMedia(ctx, &glb, ".glb")
	if err != nil {
		t.Fatal(err)
	}
	it := &storage.Item{Kind: storage.Kind3D, Prompt: "a brick", MediaHash: hash}
	if _, err := h.Lib.AddItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	it, err = h.Lib.Item(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	var view *kit.MeshView
	var open *widget.Button
	h.UI(func() {
		var preview fyne.CanvasObject
		preview, open = model3D(h, it)
		view, _ = preview.(*kit.MeshView)
		if view != nil && open != nil {
			h.Win.SetContent(container.NewBorder(nil, open, nil, nil, view))
			h.Win.Resize(fyne.NewSize(400, 400))
		}
	})
	if view == nil || open == nil {
		t.Fatal("no preview or no Open button for a 3D item")
	}
	h.Eventually("the model shows", func() bool { return view.Renders() > 0 && view.Image.Visible() })
	if view.Failed() || view.Mesh().Triangles() != 12 {
		t.Fatalf("failed %v: %q", view.Failed(), view.Message.Text)
	}
	n := view.Renders()
	h.UI(func() { view.Dragged(&fyne.DragEvent{Dragged: fyne.Delta{DX: 40}}) })
	h.Eventually("a turned frame", func() bool { return view.Renders() > n })

	// An item whose file is gone says so instead of a preview.
	gone := &storage.Item{Kind: storage.Kind3D, MediaHash: "0000000000000000000000000000000000000000000000000000000000000000"}
	if preview, open := model3D(h, gone); open != nil {
		t.Errorf("a missing file gave a preview %T", preview)
	}
}
