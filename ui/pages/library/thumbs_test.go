package library

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"testing"

	lib "pollinations-studio/storage"
)

// solidPNG is a small picture of one colour that names item i.
func solidPNG(i int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	c := color.NRGBA{R: uint8(i), G: uint8(i >> 8), B: 200, A: 255}
	for x := range 8 {
		for y := range 8 {
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// Binding cells faster than thumbnails load (10 000 binds of six cells, the workers held)
// queues at most queueSize loads and starts no goroutine per cell; once the workers run,
// at most loadWorkers+queueSize loads are taken up, only the items still on screen are read,
// and every cell ends with its own item's picture.
func TestLibraryThumbnailLoadsAreBounded(t *testing.T) {
	h, p := newPage(t, "secret")
	const items, cells, binds = 120, 6, 10000
	ids := make([]int64, items)
	colours := map[int64]color.NRGBA{}
	for i := range ids {
		hash := putMedia(t, h, solidPNG(i), ".png")
		ids[i] = addItems(t, h, lib.Item{Kind: lib.KindImage, Prompt: fmt.Sprint("item ", i), MediaHash: hash, ContentType: "image/png"})[0]
		colours[ids[i]] = color.NRGBA{R: uint8(i), G: uint8(i >> 8), B: 200, A: 255}
	}
	gate := make(chan struct{})
	var cs []*libCell
	h.UI(func() {
		p.mu.Lock()
		p.gate = gate
		p.mu.Unlock()
		p.swept = true // the cells are the test's: the sweep measures the real grid
		p.ids = make([]int64, cells)
		for range cells {
			cs = append(cs, p.newCell().(*libCell))
		}
	})
	before := runtime.NumGoroutine()
	maxQueue := 0
	h.UI(func() {
		for s := range binds {
			k := s % cells
			p.ids[k] = ids[s%items]
			p.updateCell(k, cs[k])
			p.mu.Lock()
			maxQueue = max(maxQueue, len(p.queue))
			p.mu.Unlock()
		}
	})
	grown := runtime.NumGoroutine() - before
	if maxQueue > queueSize {
		t.Fatalf("%d loads queued, bound %d", maxQueue, queueSize)
	}
	if grown > loadWorkers+10 {
		t.Fatalf("binding %d cells started %d goroutines (workers: %d)", binds, grown, loadWorkers)
	}
	want := make([]int64, cells)
	for s := binds - cells; s < binds; s++ {
		want[s%cells] = ids[s%items]
	}
	close(gate)
	h.Eventually("every cell's picture", func() bool {
		for _, c := range cs {
			if c.drawn != c.id || c.img.Image == nil {
				return false
			}
		}
		return true
	})
	var begun, decodes int
	h.UI(func() {
		p.mu.Lock()
		begun, decodes = p.begun, p.decodes
		p.mu.Unlock()
	})
	if begun > loadWorkers+queueSize || decodes > cells {
		t.Fatalf("%d loads taken up (bound %d), %d items read (bound %d cells)", begun, loadWorkers+queueSize, decodes, cells)
	}
	h.UI(func() {
		for k, c := range cs {
			if c.id != want[k] {
				t.Errorf("cell %d shows item %d, want %d", k, c.id, want[k])
				continue
			}
			got := color.NRGBAModel.Convert(c.img.Image.At(c.img.Image.Bounds().Min.X+c.img.Image.Bounds().Dx()/2, c.img.Image.Bounds().Min.Y+c.img.Image.Bounds().Dy()/2)).(color.NRGBA)
			if w := colours[c.id]; !near(got, w) {
				t.Errorf("cell %d (item %d) shows colour %v, want %v: another item's picture", k, c.id, got, w)
			}
		}
	})
	t.Logf("queue peaked at %d (bound %d), %d goroutines more, %d loads taken up, %d items read", maxQueue, queueSize, grown, begun, decodes)
}

func near(a, b color.NRGBA) bool {
	d := func(x, y uint8) bool { return x-y < 3 || y-x < 3 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// More cells in view than the queue holds: the oldest requests are dropped while the workers
// are busy, and asked for again once the queue is empty, so every cell still gets its picture.
func TestLibraryThumbnailQueueDropsOldestThenCatchesUp(t *testing.T) {
	h, p := newPage(t, "secret")
	n := queueSize + 36
	ids := make([]int64, n)
	for i := range ids {
		hash := putMedia(t, h, solidPNG(i), ".png")
		ids[i] = addItems(t, h, lib.Item{Kind: lib.KindImage, Prompt: fmt.Sprint("item ", i), MediaHash: hash, ContentType: "image/png"})[0]
	}
	gate := make(chan struct{})
	var cs []*libCell
	maxQueue := 0
	h.UI(func() {
		p.mu.Lock()
		p.gate = gate
		p.mu.Unlock()
		p.swept = true
		p.ids = ids
		for k := range n {
			c := p.newCell().(*libCell)
			cs = append(cs, c)
			p.updateCell(k, c)
			p.mu.Lock()
			maxQueue = max(maxQueue, len(p.queue))
			p.mu.Unlock()
		}
	})
	if maxQueue != queueSize {
		t.Fatalf("the queue peaked at %d, want its bound %d", maxQueue, queueSize)
	}
	close(gate)
	h.Eventually("every cell's picture", func() bool {
		for _, c := range cs {
			if c.drawn != c.id || c.img.Image == nil {
				return false
			}
		}
		return true
	})
	h.UI(func() {
		for k, c := range cs {
			if c.id != ids[k] {
				t.Errorf("cell %d shows item %d, want %d", k, c.id, ids[k])
			}
		}
	})
}
