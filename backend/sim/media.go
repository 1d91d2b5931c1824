package sim

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"sync"

	mp3 "github.com/hajimehoshi/go-mp3"
)

//go:embed media/speech.mp3
var speechMP3 []byte

//go:embed media/clip.mp4
var clipMP4 []byte

// renderImage draws a deterministic picture for (model, prompt, seed): a diagonal gradient
// with a few soft discs, so different prompts and seeds give visibly different images.
func renderImage(model, prompt string, seed int64, w, h int, asPNG, transparent bool) ([]byte, error) {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d", model, prompt, seed)))
	c1 := color.NRGBA{sum[0], sum[1], sum[2], 255}
	c2 := color.NRGBA{sum[3], sum[4], sum[5], 255}
	type disc struct {
		x, y, r float64
		c       color.NRGBA
	}
	var discs []disc
	for i := 0; i < 5; i++ {
		b := sum[6+i*5:]
		discs = append(discs, disc{float64(b[0]) / 255 * float64(w), float64(b[1]) / 255 * float64(h),
			(0.08 + float64(b[2])/255*0.25) * float64(min(w, h)), color.NRGBA{b[3], b[4], sum[31-i], 255}})
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	noise := uint32(sum[30])<<8 | uint32(sum[31])
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := (float64(x)/float64(w) + float64(y)/float64(h)) / 2
			r := float64(c1.R)*(1-t) + float64(c2.R)*t
			g := float64(c1.G)*(1-t) + float64(c2.G)*t
			bl := float64(c1.B)*(1-t) + float64(c2.B)*t
			alpha := 255.0
			if transparent {
				alpha = 0
			}
			for _, d := range discs {
				dx, dy := float64(x)-d.x, float64(y)-d.y
				if dist := math.Sqrt(dx*dx + dy*dy); dist < d.r {
					k := 1 - dist/d.r
					k = k * k * (3 - 2*k)
					r, g, bl = r*(1-k)+float64(d.c.R)*k, g*(1-k)+float64(d.c.G)*k, bl*(1-k)+float64(d.c.B)*k
					alpha = math.Max(alpha, 255*k)
				}
			}
			// A little grain, like a photo: it also makes sizes realistic.
			noise = noise*1664525 + 1013904223
			n := float64(noise>>24)/255*12 - 6
			o := img.PixOffset(x, y)
			px := img.Pix[o : o+4 : o+4]
			px[0], px[1], px[2], px[3] = clamp8(r+n), clamp8(g+n), clamp8(bl+n), uint8(alpha)
		}
	}
	var buf bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 88})
	}
	return buf.Bytes(), err
}

func clamp8(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// clampSize keeps a requested size within a model's pixel budget (keeping the aspect ratio) and
// sane bounds.
func clampSize(w, h, maxPixels int) (int, int) {
	if w <= 0 {
		w = 1024
	}
	if h <= 0 {
		h = 1024
	}
	if maxPixels <= 0 {
		maxPixels = 4096 * 4096
	}
	if w*h > maxPixels {
		k := math.Sqrt(float64(maxPixels) / float64(w*h))
		w, h = int(float64(w)*k), int(float64(h)*k)
	}
	return max(64, min(w, 4096)), max(64, min(h, 4096))
}

var (
	pcmOnce sync.Once
	pcm24k  []byte // mono s16le at 24 kHz, decoded once from the embedded MP3
	pcmErr  error
)

// speechPCM returns the fixture's samples as mono 16-bit at 24 kHz.
func speechPCM() ([]byte, error) {
	pcmOnce.Do(func() {
		d, err := mp3.NewDecoder(bytes.NewReader(speechMP3))
		if err != nil {
			pcmErr = err
			return
		}
		stereo, err := io.ReadAll(d)
		if err != nil {
			pcmErr = err
			return
		}
		// go-mp3 always gives stereo: keep the left channel.
		for i := 0; i+3 < len(stereo); i += 4 {
			pcm24k = append(pcm24k, stereo[i], stereo[i+1])
		}
	})
	return pcm24k, pcmErr
}

// repeatsFor is how many copies of the fixture a text of n characters needs (about 15
// characters per second of speech; the fixture is ~4 s).
func repeatsFor(n int) int { return max(1, min(40, (n+59)/60)) }

// speechAudio makes real audio for a text in the given format.
func speechAudio(text, format string) (data []byte, contentType string, err error) {
	reps := repeatsFor(len([]rune(text)))
	switch format {
	case "", "mp3":
		// MP3 frames concatenate: the fixture has no ID3 tag or Xing header.
		return bytes.Repeat(speechMP3, reps), "audio/mpeg", nil
	case "wav", "pcm":
		pcm, err := speechPCM()
		if err != nil {
			return nil, "", err
		}
		pcm = bytes.Repeat(pcm, reps)
		if format == "pcm" {
			return pcm, "audio/pcm", nil
		}
		return wavFile(pcm, 24000, 1), "audio/wav", nil
	}
	return nil, "", fmt.Errorf("unsupported format %q", format)
}

// wavFile wraps 16-bit PCM in a RIFF/WAVE header.
func wavFile(pcm []byte, rate, channels int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+len(pcm)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, le, uint32(16))
	binary.Write(&b, le, uint16(1))
	binary.Write(&b, le, uint16(channels))
	binary.Write(&b, le, uint32(rate))
	binary.Write(&b, le, uint32(rate*channels*2))
	binary.Write(&b, le, uint16(channels*2))
	binary.Write(&b, le, uint16(16))
	b.WriteString("data")
	binary.Write(&b, le, uint32(len(pcm)))
	b.Write(pcm)
	return b.Bytes()
}

// chunk splits data into pieces of n bytes.
func chunk(data []byte, n int) [][]byte {
	var out [][]byte
	for len(data) > n {
		out = append(out, data[:n])
		data = data[n:]
	}
	return append(out, data)
}

// audioDuration estimates the length of an uploaded audio file: exact for WAV, from the bit
// rate of the first frame for MP3, and from the size otherwise.
func audioDuration(data []byte) float64 {
	if len(data) >= 44 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WAVE" {
		rate := binary.LittleEndian.Uint32(data[24:28])
		byteRate := binary.LittleEndian.Uint32(data[28:32])
		if rate > 0 && byteRate > 0 {
			return float64(len(data)-44) / float64(byteRate)
		}
	}
	if d, err := mp3.NewDecoder(bytes.NewReader(data)); err == nil && d.Length() > 0 {
		return float64(d.Length()) / 4 / float64(d.SampleRate())
	}
	return float64(len(data)) / 16000 // ~128 kbit/s
}
