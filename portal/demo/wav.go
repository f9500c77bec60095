package demo

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
)

// The demo's call recordings are generated here, never downloaded: a WAV
// file as a telephony system keeps a call (8 kHz, mono, 16-bit PCM) of a
// few seconds, in which two voices take turns. Each syllable is a few
// harmonics of a gliding pitch, weighted by two formants (a vowel) and
// shaped by an attack and a decay, with pauses between syllables, words
// and turns, over a little line noise. It sounds like speech from across
// a room, says nothing, and weighs a few tens of KB.

// Recording format.
const (
	RecordingRate = 8000 // samples per second
	recordingBits = 16
)

// Recording lengths, in milliseconds.
const (
	RecordingMinMS = 2000
	RecordingMaxMS = 6000
)

// CallRecording is a generated call recording of 2 to 6 seconds as a WAV
// file. The same seed gives the same bytes; another seed other voices,
// words and length.
func CallRecording(seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x63616c6c)) // "call"
	ms := RecordingMinMS + rng.IntN(RecordingMaxMS-RecordingMinMS+1)
	n := RecordingRate * ms / 1000
	pcm := make([]float64, n)
	// The collector and the debtor: one higher voice, one lower, in either
	// role; the collector speaks first.
	voices := [2]voice{newVoice(rng, 170, 240), newVoice(rng, 95, 145)}
	if rng.IntN(2) == 0 {
		voices[0], voices[1] = voices[1], voices[0]
	}
	at := func(lo, hi int) int { return RecordingRate * (lo + rng.IntN(hi-lo+1)) / 1000 } // a span of lo..hi ms
	t := at(80, 250)
	end := n - at(80, 150)
	for who := 0; t < end; who = 1 - who {
		for w, words := 0, 1+rng.IntN(4); w < words && t < end; w++ {
			for k, syl := 0, 1+rng.IntN(3); k < syl && t < end; k++ {
				l := min(at(90, 230), end-t)
				voices[who].syllable(rng, pcm[t:t+l])
				t += l + at(8, 40)
			}
			t += at(50, 150)
		}
		t += at(200, 450)
	}
	// Line noise: white noise through a one-pole low-pass, a hiss.
	var hiss float64
	for i := range pcm {
		hiss += 0.35 * ((rng.Float64()*2 - 1) - hiss)
		pcm[i] += 0.012 * hiss
	}
	return encodeWAV(pcm)
}

// voice is a speaker: a pitch and how it wanders.
type voice struct {
	f0, vibrato float64
	phase       float64
}

func newVoice(rng *rand.Rand, lo, hi float64) voice {
	return voice{f0: lo + rng.Float64()*(hi-lo), vibrato: 0.01 + 0.02*rng.Float64()}
}

// The vowels' first and second formants (Hz), roughly a i u e o.
var formants = [][2]float64{{750, 1200}, {300, 2200}, {350, 850}, {500, 1800}, {500, 950}}

// syllable adds one voiced syllable over out: the pitch glides from start
// to finish, harmonics below the telephone band's top are weighted by the
// vowel's formants, and the whole rises in 10–25 ms and dies away.
func (v *voice) syllable(rng *rand.Rand, out []float64) {
	if len(out) == 0 {
		return
	}
	f := formants[rng.IntN(len(formants))]
	f1, f2 := f[0]*(0.9+0.2*rng.Float64()), f[1]*(0.9+0.2*rng.Float64())
	from := v.f0 * (0.92 + 0.16*rng.Float64())
	to := from * (0.85 + 0.3*rng.Float64())
	amp := 0.22 + 0.2*rng.Float64()
	const maxHarmonics = 14
	var weights [maxHarmonics]float64
	harmonics := 0
	for k := 1; k <= maxHarmonics && float64(k)*max(from, to) < 3400; k++ {
		h := float64(k) * (from + to) / 2
		g1, g2 := (h-f1)/130, (h-f2)/220
		weights[k-1] = (math.Exp(-g1*g1) + 0.6*math.Exp(-g2*g2) + 0.04) / math.Pow(float64(k), 0.6)
		harmonics = k
	}
	var norm float64
	for _, w := range weights[:harmonics] {
		norm += w
	}
	attack := float64(RecordingRate) * (0.010 + 0.015*rng.Float64())
	decay := float64(len(out)) * (0.3 + 0.2*rng.Float64())
	vibRate := 2 * math.Pi * (4 + 2*rng.Float64()) / RecordingRate
	n := float64(len(out))
	for i := range out {
		x := float64(i)
		pitch := (from + (to-from)*x/n) * (1 + v.vibrato*math.Sin(vibRate*x))
		v.phase += 2 * math.Pi * pitch / RecordingRate
		if v.phase > 2*math.Pi {
			v.phase -= 2 * math.Pi
		}
		// sin((k+1)φ) = 2 cos φ sin kφ − sin((k−1)φ): one sine and one
		// cosine a sample, whatever the harmonics.
		sin1, cos2 := math.Sin(v.phase), 2*math.Cos(v.phase)
		prev, cur := 0.0, sin1
		var s float64
		for k := 0; k < harmonics; k++ {
			s += weights[k] * cur
			prev, cur = cur, cos2*cur-prev
		}
		env := 1.0
		if x < attack {
			env = 0.5 - 0.5*math.Cos(math.Pi*x/attack)
		}
		if rest := n - x; rest < decay {
			env *= 0.5 - 0.5*math.Cos(math.Pi*rest/decay)
		}
		out[i] += amp * env * s / norm
	}
}

// encodeWAV writes samples in -1..1 as a canonical 44-byte-header WAV
// file, 16-bit PCM; a sample outside the range is clipped.
func encodeWAV(pcm []float64) []byte {
	const header = 44
	data := len(pcm) * recordingBits / 8
	b := make([]byte, header+data)
	le := binary.LittleEndian
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(header-8+data))
	copy(b[8:], "WAVE")
	copy(b[12:], "fmt ")
	le.PutUint32(b[16:], 16)                            // fmt chunk size
	le.PutUint16(b[20:], 1)                             // PCM
	le.PutUint16(b[22:], 1)                             // mono
	le.PutUint32(b[24:], RecordingRate)                 // sample rate
	le.PutUint32(b[28:], RecordingRate*recordingBits/8) // byte rate
	le.PutUint16(b[32:], recordingBits/8)               // block align
	le.PutUint16(b[34:], recordingBits)                 // bits per sample
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(data))
	for i, x := range pcm {
		le.PutUint16(b[header+2*i:], uint16(int16(math.Round(max(-1, min(1, x))*32767))))
	}
	return b
}
