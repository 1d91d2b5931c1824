package jobs

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/internal/mesh"
	"pollinations-studio/storage"
)

// pngFile writes a small picture.
func pngFile(t *testing.T, dir, name string) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(1, 1, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// service3D is a paid service whose client also uploads to the simulator.
func (f *fixture) service3D(t *testing.T) *Service {
	t.Helper()
	c, err := api.New(api.Options{BaseURL: f.sim.URL(), EnterURL: f.sim.URL(), MediaURL: f.sim.URL(), Key: f.sim.Key("secret"), MaxRetryWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Library: f.lib, Client: c, MaxConcurrent: 4})
	s.SetPaid(true)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func (f *fixture) count3D() (gens int) {
	for _, r := range f.sim.Requests() {
		if strings.HasPrefix(r.Path, "/3d/") {
			gens++
		}
	}
	return gens
}

func TestModel3DJobs(t *testing.T) {
	f := newFixture(t)
	svc := f.service3D(t)
	ctx := context.Background()
	src := pngFile(t, f.dir, "red chair.png")
	parent := &storage.Item{Kind: storage.KindImage, Status: Done, Prompt: "a red chair", CreatedAt: time.Now(), FinishedAt: time.Now()}
	if _, err := f.lib.AddItem(ctx, parent); err != nil {
		t.Fatal(err)
	}
	events, stop := svc.Subscribe()
	defer stop()

	for _, tc := range []struct {
		name    string
		req     api.Model3DRequest
		parent  bool
		ct, ext string
		cost    float64
		prompt  string
		uploads int
		ref     string // the reference kept, "" for none; "file" for the local file's hash
	}{
		{"file", api.Model3DRequest{Image: []string{src}, Resolution: "medium"}, true, api.ContentTypeGLB, ".glb", 0.29, "red chair", 1, "file"},
		{"file again: not uploaded twice", api.Model3DRequest{Image: []string{src}}, true, api.ContentTypeGLB, ".glb", 0.24, "red chair", 1, "file"},
		{"url", api.Model3DRequest{Image: []string{"https://example.com/pics/cat.png"}, Resolution: "high"}, false, api.ContentTypeGLB, ".glb", 0.35, "cat", 1, "https://example.com/pics/cat.png"},
		{"text only", api.Model3DRequest{Prompt: "a teapot", Model: "hyper3d/rodin-2.5"}, false, api.ContentTypeGLB, ".glb", 0.1, "a teapot", 1, ""},
		{"ply", api.Model3DRequest{Model: "nvidia/asset-harvester", Image: []string{"https://example.com/a,b.png"}}, false, api.ContentTypePLY, ".ply", 0.25, "a,b", 1, "https://example.com/a,b.png"},
	} {
		r := Request{Model3D: &tc.req}
		if tc.parent {
			r.ParentID = &parent.ID
		}
		id, err := svc.Submit(ctx, r)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		it, err := svc.Wait(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if it.Kind != storage.Kind3D || it.ContentType != tc.ct || !strings.HasSuffix(it.MediaHash, tc.ext) ||
			it.Prompt != tc.prompt || !it.CostKnown || !near(it.Cost, tc.cost) || it.Seed == nil ||
			!strings.HasPrefix(it.HostedURL, "https://media.pollinations.ai/") {
			t.Errorf("%s: item %+v", tc.name, it)
		}
		if tc.req.Model == "" && it.ModelRequested != Default3DModel {
			t.Errorf("%s: model %q", tc.name, it.ModelRequested)
		}
		if got := f.sim.Uploads(); got != tc.uploads {
			t.Errorf("%s: %d uploads, want %d", tc.name, got, tc.uploads)
		}
		if tc.parent && (it.ParentID == nil || *it.ParentID != parent.ID || it.Relation != Relation3DFrom) {
			t.Errorf("%s: not linked to its picture: %v %q", tc.name, it.ParentID, it.Relation)
		}
		switch {
		case tc.ref == "" && len(it.References) != 0,
			tc.ref == "file" && (len(it.References) != 1 || !strings.HasSuffix(it.References[0], ".png")),
			tc.ref != "" && tc.ref != "file" && (len(it.References) != 1 || it.References[0] != tc.ref):
			t.Errorf("%s: references %q", tc.name, it.References)
		}
		data, err := os.ReadFile(f.lib.MediaPath(it.MediaHash))
		if err != nil {
			t.Fatal(err)
		}
		if tc.ct == api.ContentTypeGLB {
			if m, err := mesh.ParseGLB(data); err != nil || m.Triangles() == 0 {
				t.Errorf("%s: the stored GLB: %v", tc.name, err)
			}
		} else if !bytes.HasPrefix(data, []byte("ply\n")) {
			t.Errorf("%s: the stored PLY starts %q", tc.name, data[:min(len(data), 8)])
		}
	}
	// An export keeps the models as .glb and .ply files.
	page, err := f.lib.Search(ctx, storage.Query{Kinds: []storage.Kind{storage.Kind3D}})
	if err != nil || len(page.Items) != 5 {
		t.Fatalf("%d 3D items: %v", len(page.Items), err)
	}
	var ids []int64
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	var zipped bytes.Buffer
	if err := f.lib.Export(ctx, ids, &zipped); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err != nil {
		t.Fatal(err)
	}
	exts := map[string]int{}
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "media/") {
			exts[filepath.Ext(zf.Name)]++
		}
	}
	if exts[".glb"] == 0 || exts[".ply"] != 1 {
		t.Errorf("exported media by extension: %v", exts)
	}

	// The first job told that its picture was going up.
	uploading := false
	for len(events) > 0 && !uploading {
		ev := <-events
		uploading = ev.Stage == StageUploading
	}
	if !uploading {
		t.Error("no event said the picture was uploading")
	}
}

func TestModel3DBadInputIsRefusedBeforePaying(t *testing.T) {
	f := newFixture(t)
	svc := f.service3D(t)
	ctx := context.Background()
	notAPicture := filepath.Join(f.dir, "notes.png")
	os.WriteFile(notAPicture, []byte("these are my notes, not a picture"), 0o644)
	sound := filepath.Join(f.dir, "song.mp3")
	os.WriteFile(sound, append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 64)...), 0o644)
	for _, req := range []api.Model3DRequest{
		{Image: []string{notAPicture}},
		{Image: []string{sound}},
		{Image: []string{filepath.Join(f.dir, "missing.png")}},
		{},
		{Prompt: "x", Resolution: "ultra"},
	} {
		if _, err := svc.Submit(ctx, Request{Model3D: &req}); !api.IsKind(err, api.KindBadRequest) {
			t.Errorf("%+v: %v", req, err)
		}
	}
	// A file spoilt after it was queued is refused when the job runs.
	good := pngFile(t, f.dir, "ok.png")
	svc.SetClient(nil) // nothing runs until the file is spoilt
	id, err := svc.Submit(ctx, Request{Model3D: &api.Model3DRequest{Image: []string{good}}})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(good, []byte("gone bad"), 0o644)
	svc.SetClient(f.client(t, "secret"))
	if _, err := svc.Wait(ctx, id); !api.IsKind(err, api.KindBadRequest) {
		t.Errorf("spoilt file: %v", err)
	}
	if f.sim.Uploads() != 0 || f.count3D() != 0 {
		t.Fatalf("%d uploads, %d generations sent", f.sim.Uploads(), f.count3D())
	}
	// An image-only model without a picture: the service refuses it, unpaid.
	q0, p0 := f.sim.Balance(f.sim.Key("secret"))
	id, err = svc.Submit(ctx, Request{Model3D: &api.Model3DRequest{Prompt: "a chair"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Wait(ctx, id); !api.IsKind(err, api.KindBadRequest) {
		t.Errorf("trellis without a picture: %v", err)
	}
	if q, p := f.sim.Balance(f.sim.Key("secret")); q != q0 || p != p0 {
		t.Errorf("a refused request was paid for: balance %v+%v, was %v+%v", q, p, q0, p0)
	}
}

func TestCheck3DModelAgainstTheCatalogue(t *testing.T) {
	f := newFixture(t)
	ms, err := f.client(t, "secret").Models(context.Background(), "3d")
	if err != nil {
		t.Fatal(err)
	}
	find := func(name string) api.Model {
		m, ok := api.FindModel(ms, name)
		if !ok {
			t.Fatalf("%s is not in the catalogue", name)
		}
		return m
	}
	pic := []string{"https://example.com/p.png"}
	for _, tc := range []struct {
		model string
		req   api.Model3DRequest
		ok    bool
	}{
		{"microsoft/trellis-2", api.Model3DRequest{Image: pic, Resolution: "high"}, true},
		{"microsoft/trellis-2", api.Model3DRequest{Prompt: "a chair"}, false},
		{"microsoft/trellis-2", api.Model3DRequest{Image: pic, Resolution: "ultra"}, false},
		{"hyper3d/rodin-2.5", api.Model3DRequest{Prompt: "a chair"}, true},
		{"hyper3d/rodin-2.5", api.Model3DRequest{Image: pic, Resolution: "low"}, false},
		{"nvidia/asset-harvester", api.Model3DRequest{Prompt: "a chair"}, false},
		{"nvidia/asset-harvester", api.Model3DRequest{Image: pic}, true},
	} {
		if err := Check3DModel(find(tc.model), tc.req); (err == nil) != tc.ok {
			t.Errorf("%s %+v: %v", tc.model, tc.req, err)
		}
	}
}
