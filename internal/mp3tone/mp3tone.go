// Package mp3tone writes tiny but real MP3 streams (MPEG-1 Layer III, 44.1 kHz, 32 kbit/s,
// mono) of silence or of a steady tone, without an encoder: each frame holds one quantised
// spectral line, Huffman-coded by hand. The simulator serves them as generated music and tests
// use them as fixtures; any decoder plays them and measures their length exactly.
package mp3tone

import "math"

const (
	// Rate is the sample rate of the streams.
	Rate = 44100
	// FrameSamples is how many samples a frame holds (two granules of 576).
	FrameSamples = 1152
	// FrameBytes is the size of a frame: 144 × 32000 / 44100, no padding.
	FrameBytes = 144 * 32000 / Rate

	// line is the spectral line the tone sits on: the 10th line of the first subband, which
	// the decoder's alias reduction leaves alone (it touches lines 0–7 and 10–17 of each
	// subband), so the tone is a clean one.
	line = 9
)

// ToneHz is the pitch of Tone: (line + 1) × (Rate/2) / 576, about 383 Hz. The same value on
// a line in every granule turns its phase by a quarter period from one granule to the next,
// which lifts the pitch half a line above the line's centre.
const ToneHz = float64(line+1) * Rate / 2 / 576

// Frames is how many frames last secs (rounded up to whole frames).
func Frames(secs float64) int {
	return int(math.Ceil(secs * Rate / FrameSamples))
}

var header = [4]byte{0xFF, 0xFB, 0x10, 0xC0} // sync, MPEG-1, Layer III, no CRC; 32 kbit/s, 44.1 kHz; mono

// Silence is n silent frames: a header and zeroed side information (no Huffman data, so every
// sample is 0).
func Silence(n int) []byte {
	out := make([]byte, 0, n*FrameBytes)
	for range n {
		out = append(out, silentFrame()...)
	}
	return out
}

func silentFrame() []byte {
	f := make([]byte, FrameBytes)
	copy(f, header[:])
	return f
}

// Tone is n frames of a steady sine at ToneHz; gain (the frames' global gain, 0–255) sets its
// loudness: 200 peaks at about 0.18 of full scale, and every 4 steps doubles it (so 204 is
// about 0.35; above 209 it clips).
func Tone(n int, gain int) []byte {
	f := toneFrame(byte(gain))
	out := make([]byte, 0, n*FrameBytes)
	for range n {
		out = append(out, f...)
	}
	return out
}

// toneFrame is one frame whose two granules each hold the value 1 on spectral line `line`.
func toneFrame(gain byte) []byte {
	// The Huffman data of a granule, table 1 (values 0 and 1, no linbits): pairs (0,0) are
	// "1"; the pair holding the line is (1,0) "01" then the sign bit "0" (line is odd: (0,1)
	// "001" and "0").
	pairs := line/2 + 1
	huff := (pairs - 1) + 3 + 1
	if line%2 == 0 {
		huff = (pairs - 1) + 2 + 1
	}
	var w bitWriter
	w.put(0, 9) // main_data_begin: no bit reservoir
	w.put(0, 5) // private bits
	w.put(0, 4) // scfsi
	for range 2 {
		w.put(uint32(huff), 12) // part2_3_length: no scalefactors (scalefac_compress 0)
		w.put(uint32(pairs), 9) // big_values
		w.put(uint32(gain), 8)
		w.put(0, 4) // scalefac_compress
		w.put(0, 1) // window switching off: long blocks
		w.put(1, 5) // table_select, region 0
		w.put(1, 5) // region 1
		w.put(1, 5) // region 2
		w.put(0, 4) // region0_count
		w.put(0, 3) // region1_count
		w.put(0, 3) // preflag, scalefac_scale, count1table_select
	}
	for range 2 {
		for range pairs - 1 {
			w.put(1, 1)
		}
		if line%2 == 0 {
			w.put(0b01, 2)
		} else {
			w.put(0b001, 3)
		}
		w.put(0, 1) // sign: positive
	}
	f := silentFrame()
	copy(f[4:], w.bytes())
	return f
}

// bitWriter appends bits, most significant first.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (w *bitWriter) put(v uint32, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.buf[w.n/8] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

func (w *bitWriter) bytes() []byte { return w.buf }
