package demo_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"collect/evidence"
	"collect/portal/demo"
)

// A generated recording is a whole WAV file the upload checks accept, of
// 2 to 6 seconds, a few tens of KB, the same for the same seed and another
// for another seed; it is neither silent nor clipped.
func TestCallRecording(t *testing.T) {
	seen := map[string]uint64{}
	lengths := map[int64]bool{}
	for seed := uint64(0); seed < 40; seed++ {
		b := demo.CallRecording(seed)
		head := b[:min(len(b), evidence.HeadBytes)]
		info, err := evidence.Inspect(evidence.KindRecording, head, int64(len(b)))
		if err != nil {
			t.Fatalf("seed %d: Inspect: %v", seed, err)
		}
		if info.ContentType != evidence.TypeWAV || info.DurationMS == nil {
			t.Fatalf("seed %d: got %+v, want a WAV with its duration", seed, info)
		}
		ms := *info.DurationMS
		if ms < demo.RecordingMinMS || ms > demo.RecordingMaxMS {
			t.Errorf("seed %d: %d ms, want %d..%d", seed, ms, demo.RecordingMinMS, demo.RecordingMaxMS)
		}
		if want := 44 + int64(demo.RecordingRate)*2*ms/1000; int64(len(b)) < want || int64(len(b)) > want+2 {
			t.Errorf("seed %d: %d bytes for %d ms, want about %d", seed, len(b), ms, want)
		}
		lengths[ms] = true
		if again := demo.CallRecording(seed); !bytes.Equal(b, again) {
			t.Fatalf("seed %d: two recordings differ", seed)
		}
		if other, dup := seen[string(b)]; dup {
			t.Fatalf("seeds %d and %d give the same recording", other, seed)
		}
		seen[string(b)] = seed
		var sum float64
		var peak int
		quiet := 0 // samples near silence: the pauses between words
		n := (len(b) - 44) / 2
		for i := 0; i < n; i++ {
			v := int(int16(binary.LittleEndian.Uint16(b[44+2*i:])))
			sum += float64(v * v)
			peak = max(peak, v, -v)
			if v > -800 && v < 800 {
				quiet++
			}
		}
		rms := math.Sqrt(sum / float64(n))
		if rms < 1000 || peak >= 32767 {
			t.Errorf("seed %d: rms %.0f, peak %d: want audible, unclipped speech", seed, rms, peak)
		}
		if quiet < n/10 {
			t.Errorf("seed %d: only %d of %d samples quiet: want pauses", seed, quiet, n)
		}
	}
	if len(lengths) < 20 {
		t.Errorf("40 seeds gave only %d lengths", len(lengths))
	}
	// A recording cut off in transfer is refused, as an upload would be.
	b := demo.CallRecording(7)
	if _, err := evidence.Inspect(evidence.KindRecording, b[:evidence.HeadBytes], int64(len(b)-100)); err == nil {
		t.Error("a truncated recording was accepted")
	}
}
