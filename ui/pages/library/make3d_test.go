package library

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// Make 3D on a picture: the dialog picks Trellis, prices the resolution chosen, and Submit
// queues one job whose 3D model lands in the library linked to the picture.
func TestMake3DOnAPictureMakesALinkedModel(t *testing.T) {
	h, page := newPage(t, "secret")
	pic := putMedia(t, h, pngBytes(3), ".png")
	hosted := "https://media.pollinations.ai/0123456789abcdef"
	ids := addItems(t, h,
		lib.Item{Kind: lib.KindImage, Prompt: "a red chair", MediaHash: pic, ContentType: "image/png", HostedURL: hosted, CreatedAt: time.Now()},
		lib.Item{Kind: lib.KindText, Prompt: "a note", Text: "words"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "the items", ids...)
	h.Eventually("the 3D catalogue", func() bool { return len(h.Models("3d")) > 0 })

	// Not offered on what is not a picture.
	h.UI(func() { lp.showDetail(ids[1]) })
	h.Eventually("the note's detail", func() bool { return lp.shown == ids[1] && len(lp.detail.Objects) > 0 })
	h.UI(func() {
		if lp.m3d.button != nil {
			t.Error("Make 3D is offered on a text item")
		}
	})

	h.UI(func() { lp.showDetail(ids[0]) })
	h.Eventually("Make 3D on the picture", func() bool { return lp.shown == ids[0] && lp.m3d.button != nil })
	h.UI(func() { test.Tap(lp.m3d.button) })
	h.UI(func() {
		m := &lp.m3d
		if kit.ModelOfLabel(m.model.Selected) != jobs.Default3DModel || m.resolution.Disabled() || m.resolution.Selected != "low" {
			t.Fatalf("the dialog opens on %q at %q", m.model.Selected, m.resolution.Selected)
		}
		if !strings.Contains(m.how.Text, "hosted address") {
			t.Errorf("the dialog says %q", m.how.Text)
		}
		if !strings.Contains(m.estimate.Text, "0.24") || m.submit.Disabled() {
			t.Errorf("estimate %q, submit disabled %v", m.estimate.Text, m.submit.Disabled())
		}
		// A model without resolutions turns the choice off and prices itself.
		for _, l := range m.model.Options {
			if kit.ModelOfLabel(l) == "nvidia/asset-harvester" {
				m.model.SetSelected(l)
			}
		}
		if !m.resolution.Disabled() || !strings.Contains(m.estimate.Text, "0.25") {
			t.Errorf("asset-harvester: resolution on %v, estimate %q", !m.resolution.Disabled(), m.estimate.Text)
		}
		for _, l := range m.model.Options {
			if kit.ModelOfLabel(l) == jobs.Default3DModel {
				m.model.SetSelected(l)
			}
		}
		m.resolution.SetSelected("medium")
		if !strings.Contains(m.estimate.Text, "0.29") {
			t.Errorf("medium: estimate %q", m.estimate.Text)
		}
		test.Tap(m.submit)
	})
	var job int64
	h.UI(func() { job = lp.m3d.lastJob })
	if job == 0 {
		t.Fatalf("no job queued: errors %v", h.Errors())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	it, err := h.Jobs().Wait(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.Jobs().Snapshot()); n != 1 {
		t.Errorf("%d jobs, want one", n)
	}
	if it.Kind != lib.Kind3D || it.ParentID == nil || *it.ParentID != ids[0] || it.Relation != jobs.Relation3DFrom ||
		it.Prompt != "a red chair" || it.ContentType != "model/gltf-binary" || !near3D(it.Cost, 0.29) {
		t.Fatalf("item %+v", it)
	}
	// The picture went by its hosted address: nothing was uploaded.
	if len(it.References) != 1 || it.References[0] != hosted || h.Sim.Uploads() != 0 {
		t.Errorf("references %q, %d uploads", it.References, h.Sim.Uploads())
	}
	got, err := h.Lib.Item(ctx, it.ID)
	if err != nil || got.Kind != lib.Kind3D {
		t.Fatalf("not in the library: %v %v", got, err)
	}
}

// A picture with no fresh hosted copy goes as the library's file, uploaded by the job.
func TestMake3DUploadsAPictureWithoutAHostedCopy(t *testing.T) {
	h, page := newPage(t, "secret")
	c, err := api.New(api.Options{BaseURL: h.Sim.URL(), EnterURL: h.Sim.URL(), MediaURL: h.Sim.URL(), Key: h.Sim.Key("secret")})
	if err != nil {
		t.Fatal(err)
	}
	h.UseClient(c)
	png := pngBytes(9)
	pic := putMedia(t, h, png, ".png")
	old := time.Now().Add(-60 * 24 * time.Hour) // its hosted copy has expired
	ids := addItems(t, h, lib.Item{Kind: lib.KindImage, Prompt: "an old lamp", MediaHash: pic, ContentType: "image/png",
		HostedURL: "https://media.pollinations.ai/expired", CreatedAt: old})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "the picture", ids...)
	h.Eventually("the 3D catalogue", func() bool { return len(h.Models("3d")) > 0 })
	h.UI(func() { lp.showDetail(ids[0]) })
	h.Eventually("Make 3D", func() bool { return lp.shown == ids[0] && lp.m3d.button != nil })
	h.UI(func() { test.Tap(lp.m3d.button) })
	h.UI(func() {
		if !strings.Contains(lp.m3d.how.Text, "uploaded") {
			t.Errorf("the dialog says %q", lp.m3d.how.Text)
		}
		test.Tap(lp.m3d.submit)
	})
	var job int64
	h.UI(func() { job = lp.m3d.lastJob })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	it, err := h.Jobs().Wait(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if h.Sim.Uploads() != 1 || it.Kind != lib.Kind3D || it.ParentID == nil || *it.ParentID != ids[0] ||
		len(it.References) != 1 || it.References[0] != pic {
		t.Fatalf("%d uploads; item %+v", h.Sim.Uploads(), it)
	}
}

func near3D(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }
