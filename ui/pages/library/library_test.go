package library

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/internal/mesh"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the library page alone on a test host.
func newPage(t *testing.T, keyKind string) (*kittest.Host, *Page) {
	h := kittest.New(t, keyKind)
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	return h, p
}

// addItems puts text items straight into the library and returns their ids in order.
func addItems(t *testing.T, h *kittest.Host, items ...lib.Item) []int64 {
	t.Helper()
	var ids []int64
	for i := range items {
		it := items[i]
		if it.Kind == "" {
			it.Kind = lib.KindText
		}
		id, err := h.Lib.AddItem(context.Background(), &it)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// openLibrary shows the library page as when its tab is selected.
func openLibrary(h *kittest.Host, p *Page) *Page {
	h.UI(p.Shown)
	return p
}

func wantListed(t *testing.T, h *kittest.Host, lp *Page, what string, want ...int64) {
	t.Helper()
	want = slices.Clone(want)
	slices.Sort(want)
	h.Eventually(what, func() bool {
		got := slices.Clone(lp.ids)
		slices.Sort(got)
		return slices.Equal(got, want)
	})
}

func trashed(t *testing.T, h *kittest.Host) int {
	n, err := h.Lib.Count(context.Background(), lib.Query{Trashed: true})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLibraryFiltersNarrowTheGrid(t *testing.T) {
	h, page := newPage(t, "secret")
	old := time.Now().AddDate(-2, 0, 0)
	ids := addItems(t, h,
		lib.Item{Prompt: "a red fox", ModelUsed: "flux", Tags: []string{"animals"}, Collections: []string{"Zoo"}},
		lib.Item{Prompt: "a blue whale", ModelUsed: "turbo", Tags: []string{"animals", "sea"}},
		lib.Item{Prompt: "a green hill", ModelUsed: "flux", Tags: []string{"landscape"}, Collections: []string{"Walks"}},
		lib.Item{Prompt: "an old map", ModelUsed: "turbo", CreatedAt: old},
	)
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "every item", ids...)
	h.Eventually("the filters' choices", func() bool {
		return slices.Equal(lp.model.Options, []string{anyModel, "flux", "turbo"}) &&
			slices.Equal(lp.tag.Options, []string{anyTag, "animals", "landscape", "sea"}) &&
			slices.Equal(lp.collection.Options, []string{anyCollection, "Walks", "Zoo"})
	})

	h.UI(func() { lp.model.SetSelected("turbo") })
	wantListed(t, h, lp, "the turbo items", ids[1], ids[3])
	h.UI(func() { lp.tag.SetSelected("animals") })
	wantListed(t, h, lp, "turbo and animals", ids[1])
	h.UI(func() { lp.model.SetSelectedIndex(0) })
	wantListed(t, h, lp, "animals", ids[0], ids[1])
	h.UI(func() { lp.tag.SetSelectedIndex(0); lp.collection.SetSelected("Walks") })
	wantListed(t, h, lp, "the Walks collection", ids[2])
	h.UI(func() { lp.collection.SetSelectedIndex(0); lp.date.SetSelected("Last 30 days") })
	wantListed(t, h, lp, "the last 30 days", ids[0], ids[1], ids[2])
	h.UI(func() { lp.date.SetSelected("Any time"); lp.tag.SetSelected("sea") })
	wantListed(t, h, lp, "the sea tag", ids[1])
	// Clear filters brings everything back.
	h.UI(func() { lp.clearFilters() })
	wantListed(t, h, lp, "everything after clearing the filters", ids...)

	// A tag made elsewhere appears in the filter when the page is shown again.
	if err := h.Lib.AddTag(context.Background(), ids[3], "maps"); err != nil {
		t.Fatal(err)
	}
	h.UI(lp.Shown)
	h.Eventually("the new tag in the filter", func() bool { return slices.Contains(lp.tag.Options, "maps") })
}

func TestLibraryMultiSelectDeleteAndUndo(t *testing.T) {
	h, page := newPage(t, "secret")
	ids := addItems(t, h, lib.Item{Prompt: "one"}, lib.Item{Prompt: "two"}, lib.Item{Prompt: "three"}, lib.Item{Prompt: "four"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "every item", ids...)

	var picked []int64
	h.UI(func() {
		test.Tap(lp.selectB)
		// A tap on a cell is GridWrap.Select; every tap toggles, a second one on a cell included.
		lp.grid.Select(0)
		lp.grid.Select(1)
		lp.grid.Select(3)
		lp.grid.Select(1)
		picked = lp.pickedIDs()
	})
	var count string
	h.UI(func() { count = lp.selCount.Text })
	if len(picked) != 2 || count != "2 selected" {
		t.Fatalf("picked %v (%q), want two items", picked, count)
	}
	h.UI(func() { test.Tap(lp.deleteB) })
	h.Eventually("the selection in the trash", func() bool { return len(lp.ids) == 2 })
	if n := trashed(t, h); n != 2 {
		t.Fatalf("%d items in the trash, want 2", n)
	}
	var rest []int64
	h.UI(func() { rest = slices.Clone(lp.ids) })
	for _, id := range picked {
		if slices.Contains(rest, id) {
			t.Fatalf("trashed item %d still listed", id)
		}
	}
	var undoVisible bool
	h.UI(func() { undoVisible = lp.undoB.Visible() })
	if !undoVisible {
		t.Fatal("no undo after deleting the selection")
	}
	h.UI(func() { test.Tap(lp.undoB) })
	wantListed(t, h, lp, "everything back", ids...)
	if n := trashed(t, h); n != 0 {
		t.Fatalf("%d items still in the trash after the undo", n)
	}
	// The restored items are picked again, and Done leaves select mode with nothing picked.
	h.UI(func() { picked = lp.pickedIDs() })
	if len(picked) != 2 {
		t.Fatalf("after the undo %v are picked, want the two restored", picked)
	}
	h.UI(func() { test.Tap(lp.selectB) })
	var selecting bool
	h.UI(func() { selecting, picked = lp.selecting, lp.pickedIDs() })
	if selecting || len(picked) != 0 {
		t.Fatalf("Done should leave select mode and drop the selection (selecting %v, picked %v)", selecting, picked)
	}
}

func TestLibraryExportSelectionImports(t *testing.T) {
	h, page := newPage(t, "secret")
	ids := addItems(t, h, lib.Item{Prompt: "kept one", Tags: []string{"x"}}, lib.Item{Prompt: "left out"}, lib.Item{Prompt: "kept two"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "every item", ids...)
	h.UI(func() {
		lp.setSelecting(true)
		for i, id := range lp.ids {
			if id != ids[1] {
				lp.grid.Select(i)
			}
		}
	})
	zipPath := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	h.UI(func() { lp.exportSelection(lp.pickedIDs(), f, "export.zip", nil) })
	h.Eventually("the export's report", func() bool { return strings.Contains(lp.notice.Text, "Exported 2 items to export.zip") })

	fresh, err := lib.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	rep, err := fresh.Import(context.Background(), zipPath)
	if err != nil || rep.Added != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	found, err := fresh.Search(context.Background(), lib.Query{Sort: lib.SortOldest})
	if err != nil {
		t.Fatal(err)
	}
	var prompts []string
	for _, it := range found.Items {
		prompts = append(prompts, it.Prompt)
	}
	if strings.Join(prompts, ",") != "kept one,kept two" || strings.Join(found.Items[0].Tags, ",") != "x" {
		t.Fatalf("imported %q (tags %v), want the two selected items", prompts, found.Items[0].Tags)
	}
}

func TestLibraryAddToCollectionThenFilter(t *testing.T) {
	h, page := newPage(t, "secret")
	ids := addItems(t, h, lib.Item{Prompt: "a sunset"}, lib.Item{Prompt: "a sunrise"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "every item", ids...)

	// From the detail view.
	h.UI(func() { lp.showDetail(ids[0]) })
	h.Eventually("the detail view", func() bool { return lp.collEntry != nil && lp.shown == ids[0] })
	h.UI(func() {
		lp.collEntry.SetText("Evenings")
		test.Tap(lp.collAdd)
	})
	h.Eventually("the collection in the filter", func() bool { return slices.Contains(lp.collection.Options, "Evenings") })
	it, err := h.Lib.Item(context.Background(), ids[0])
	if err != nil || !slices.Equal(it.Collections, []string{"Evenings"}) {
		t.Fatalf("collections of the item: %v %v", it.Collections, err)
	}
	h.Eventually("the detail view listing it", func() bool { return strings.Contains(kittest.Text(lp.detail), "Evenings") })
	h.UI(func() { lp.collection.SetSelected("Evenings") })
	wantListed(t, h, lp, "the Evenings collection", ids[0])

	// From the selection: both items, then the filter finds both.
	h.UI(func() {
		lp.collection.SetSelectedIndex(0)
	})
	wantListed(t, h, lp, "every item again", ids...)
	h.UI(func() {
		lp.setSelecting(true)
		lp.pickAll()
		lp.collectSelection("Mornings")
	})
	h.Eventually("the report", func() bool { return strings.Contains(lp.notice.Text, "Added 2 items to “Mornings”") })
	h.Eventually("the new collection in the filter", func() bool { return slices.Contains(lp.collection.Options, "Mornings") })
	h.UI(func() { lp.collection.SetSelected("Mornings") })
	wantListed(t, h, lp, "the Mornings collection", ids...)

	// Removing it from the detail view takes it out of the filter.
	h.UI(func() { lp.collection.SetSelected("Evenings"); lp.uncollect(ids[0], "Evenings") })
	h.Eventually("the emptied collection gone from the filter", func() bool {
		return !slices.Contains(lp.collection.Options, "Evenings") && lp.collection.SelectedIndex() == 0
	})
	wantListed(t, h, lp, "every item once the collection is gone", ids...)
}

func TestLibraryGalleryKeepsFewItems(t *testing.T) {
	if testing.Short() {
		t.Skip("fills the library")
	}
	h, page := newPage(t, "secret")
	n := keepEntries * 3
	items := make([]lib.Item, n)
	for i := range items {
		items[i] = lib.Item{Prompt: fmt.Sprintf("gallery item %d", i)}
	}
	addItems(t, h, items...)
	lp := openLibrary(h, page)
	h.Eventually("every item", func() bool { return len(lp.ids) == n })
	h.Eventually("the first cells", func() bool {
		lp.mu.Lock()
		defer lp.mu.Unlock()
		return len(lp.entries) > 0
	})
	// Scroll to the end a screen at a time, letting the cells load.
	var rows float32
	h.UI(func() { rows = float32(n/max(1, lp.grid.ColumnCount()) + 1) })
	settled := func() bool {
		lp.mu.Lock()
		defer lp.mu.Unlock()
		return len(lp.inflight) == 0
	}
	for off := float32(0); off < rows*(thumbSize+40); off += 400 {
		h.UI(func() { lp.grid.ScrollToOffset(off) })
		h.Eventually("the cells in view", settled)
	}
	h.UI(func() { lp.grid.ScrollToBottom() })
	h.Eventually("the last cells", settled)
	// The cells on screen (finding them lays the grid out, which may start loads: let them end).
	var shown []*libCell
	h.UI(func() {
		for _, o := range test.LaidOutObjects(lp.grid) {
			if c, ok := o.(*libCell); ok && c.Visible() {
				shown = append(shown, c)
			}
		}
	})
	h.Eventually("the cells on screen", settled)
	if len(shown) == 0 {
		t.Fatal("no cell on screen")
	}
	last := false
	h.UI(func() {
		lp.mu.Lock()
		defer lp.mu.Unlock()
		for _, c := range shown {
			last = last || c.id == lp.ids[len(lp.ids)-1]
		}
	})
	if !last {
		t.Fatal("the last item is not on screen after scrolling to the bottom")
	}
	var kept, cells, inView int
	h.UI(func() {
		first, last := lp.inView()
		inView = last - first + 1
		lp.mu.Lock()
		kept, cells = len(lp.entries), len(lp.cells)
		lp.mu.Unlock()
	})
	if kept > keepEntries+cells {
		t.Fatalf("the gallery keeps %d items after scrolling %d (bound %d, %d cells)", kept, n, keepEntries, cells)
	}
	// The cells GridWrap put aside are let go (they would hold their pictures).
	if cells > inView {
		t.Fatalf("the page holds %d cells, but at most %d can be in view", cells, inView)
	}
	// Every cell on screen shows its own item, with its picture.
	h.UI(func() {
		lp.mu.Lock()
		defer lp.mu.Unlock()
		for _, c := range shown {
			e := lp.entries[c.id]
			switch {
			case !lp.cells[c]:
				t.Errorf("a cell on screen (item %d) was let go", c.id)
			case e == nil || e.item == nil:
				t.Errorf("the cell of item %d has no item", c.id)
			case c.label.Text != kit.Shorten(e.item.Prompt, 40):
				t.Errorf("the cell of item %d reads %q, want %q", c.id, c.label.Text, e.item.Prompt)
			case c.drawn != c.id || c.img.Image == nil:
				t.Errorf("the cell of item %d has no picture", c.id)
			}
		}
	})
	t.Logf("%d items kept, %d cells held, %d on screen, %d may be in view", kept, cells, len(shown), inView)
}

func TestLibrarySearchTagFavouriteTrashAndUndo(t *testing.T) {
	h, page := newPage(t, "secret")
	ids := addItems(t, h, lib.Item{Prompt: "a lighthouse at dawn"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "the item", ids...)
	// The library finds it by search.
	h.UI(func() { lp.search.SetText("lighthouse") })
	wantListed(t, h, lp, "the search result", ids...)
	h.UI(func() { lp.search.SetText("nothing-like-this") })
	wantListed(t, h, lp, "an empty search")
	h.UI(func() { lp.search.SetText("") })
	wantListed(t, h, lp, "everything again", ids...)
	// A tag typed in the detail view is kept.
	h.UI(func() { lp.showDetail(ids[0]) })
	h.Eventually("the detail view", func() bool { return lp.tagsEntry != nil && lp.shown == ids[0] })
	h.UI(func() {
		lp.tagsEntry.SetText("lighthouses, dawn")
		lp.tagsEntry.OnSubmitted(lp.tagsEntry.Text)
	})
	h.Eventually("the tags in the library", func() bool {
		got, err := h.Lib.Item(context.Background(), ids[0])
		return err == nil && strings.Join(got.Tags, ",") == "dawn,lighthouses"
	})
	h.Lib.SetFavourite(context.Background(), ids[0], true)
	h.UI(func() { lp.fav.SetChecked(true) })
	wantListed(t, h, lp, "the favourites filter", ids...)
	h.UI(func() { lp.fav.SetChecked(false); lp.trash(ids[0]) })
	wantListed(t, h, lp, "the item to leave")
	h.UI(func() { lp.undo(ids[0]) })
	wantListed(t, h, lp, "the undo", ids...)
}

// What the image studio and the player do with an item goes to them as navigation values.
func TestLibraryDetailNavigates(t *testing.T) {
	h, page := newPage(t, "secret")
	seed := int64(7)
	// With their files: what is used as a reference or played is the item's file in the library.
	pic, clip := putMedia(t, h, pngBytes(1), ".png"), putMedia(t, h, kittest.ToneWAV(1), ".wav")
	song := putMedia(t, h, kittest.ToneWAV(1), ".wav")
	ids := addItems(t, h, lib.Item{Kind: lib.KindImage, Prompt: "a fox", Seed: &seed, MediaHash: pic, ContentType: "image/png"},
		lib.Item{Kind: lib.KindSpeech, Prompt: "hello", MediaHash: clip, ContentType: "audio/wav"},
		lib.Item{Kind: lib.KindMusic, Prompt: "a waltz", MediaHash: song, ContentType: "audio/wav"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "the items", ids...)
	for _, tc := range []struct {
		id           int64
		button       string
		page, action string
		quiet        bool
	}{
		{ids[0], "Remix", kit.PageImage, kit.ActRemix, false},
		{ids[0], "Use as reference", kit.PageImage, kit.ActUseRef, false},
		{ids[0], "Reuse seed", kit.PageImage, kit.ActUseSeed, false},
		{ids[1], "Play", kit.PageSpeech, kit.ActPlay, true},
		{ids[2], "Play", kit.PageMusic, kit.ActPlay, false},
	} {
		h.UI(func() { lp.showDetail(tc.id) })
		h.Eventually("the detail view of "+tc.button, func() bool {
			return lp.shown == tc.id && len(kittest.Buttons(lp.detail, func(b *widget.Button) bool { return b.Text == tc.button })) == 1
		})
		before := len(h.Navs())
		h.UI(func() {
			test.Tap(kittest.Buttons(lp.detail, func(b *widget.Button) bool { return b.Text == tc.button })[0])
		})
		navs := h.Navs()
		if len(navs) != before+1 {
			t.Fatalf("%s: no navigation", tc.button)
		}
		v := navs[len(navs)-1]
		if v.Page != tc.page || v.Action != tc.action || v.Item == nil || v.Item.ID != tc.id || v.Quiet != tc.quiet {
			t.Fatalf("%s: navigated to %+v", tc.button, v)
		}
	}
}

// A 3D item shows a preview the user can turn, and offers the file to the system's viewer.
func TestLibraryShows3DItems(t *testing.T) {
	h, page := newPage(t, "secret")
	var glb bytes.Buffer
	if err := mesh.WriteGLB(&glb, mesh.Box(2, 1, 1)); err != nil {
		t.Fatal(err)
	}
	model := putMedia(t, h, glb.Bytes(), ".glb")
	ids := addItems(t, h, lib.Item{Kind: lib.Kind3D, Prompt: "a crate", MediaHash: model, ContentType: "model/gltf-binary"},
		lib.Item{Prompt: "a picture of a crate"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "both items", ids...)
	// Every kind the library holds has its filter (music, sound and 3d were missing).
	for _, k := range lib.Kinds() {
		if !slices.Contains(lp.kind.Options, string(k)) {
			t.Errorf("no kind filter for %q in %q", k, lp.kind.Options)
		}
	}
	h.UI(func() { lp.kind.SetSelected(string(lib.Kind3D)) })
	wantListed(t, h, lp, "the 3D item alone", ids[0])
	h.UI(func() { lp.showDetail(ids[0]) })
	h.Eventually("the preview and Open with…", func() bool {
		views := 0
		for _, o := range lp.detail.Objects {
			if _, ok := o.(*kit.MeshView); ok {
				views++
			}
		}
		return lp.shown == ids[0] && views == 1 &&
			len(kittest.Buttons(lp.detail, func(b *widget.Button) bool { return b.Text == "Open with…" })) == 1
	})
}

// A PLY point cloud has no mesh to turn: the detail view shows the library's drawing of it,
// still, and Open with….
func TestLibraryShowsAPointCloudStill(t *testing.T) {
	h, page := newPage(t, "secret")
	var ply strings.Builder
	ply.WriteString("ply\nformat ascii 1.0\nelement vertex 400\nproperty float x\nproperty float y\nproperty float z\n" +
		"property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n")
	for i := 0; i < 400; i++ {
		a := float64(i) * 0.7
		fmt.Fprintf(&ply, "%.3f %.3f %.3f 200 120 40\n", math.Cos(a), math.Sin(a), float64(i%20)/20-0.5)
	}
	cloud := putMedia(t, h, []byte(ply.String()), ".ply")
	ids := addItems(t, h, lib.Item{Kind: lib.Kind3D, Prompt: "a vase, as splats", MediaHash: cloud, ContentType: "application/ply"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "the point cloud", ids...)
	h.UI(func() { lp.showDetail(ids[0]) })
	h.Eventually("the still and Open with…", func() bool {
		for _, o := range lp.detail.Objects {
			if _, ok := o.(*kit.MeshView); ok {
				return false // a mesh view of a PLY would show only an error
			}
		}
		return lp.cloud != nil && lp.cloud.Image != nil &&
			len(kittest.Buttons(lp.detail, func(b *widget.Button) bool { return b.Text == "Open with…" })) == 1
	})
	// The drawing has the cloud's colour in it, not only the background.
	var img image.Image
	h.UI(func() { img = lp.cloud.Image })
	orange := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 120 && g>>8 > 60 && bl>>8 < 100 && r > g {
				orange++
			}
		}
	}
	if orange < 50 {
		t.Fatalf("the still shows %d pixels of the cloud's colour", orange)
	}
}
