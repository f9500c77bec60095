package oversight_test

import (
	"testing"
	"time"

	"collect/oversight"
)

var shanghai = time.FixedZone("CST", 8*60*60)

// sealedChain returns n events linked with Seal, as the store writes them.
// Each At carries nanoseconds below a microsecond, which Seal drops.
func sealedChain(n int) []oversight.AuditEvent {
	base := time.Date(2024, 3, 1, 8, 0, 0, 123_456_789, time.UTC)
	var (
		chain    []oversight.AuditEvent
		prevSeq  int64
		prevHash string
	)
	for i := 0; i < n; i++ {
		e := oversight.Seal(oversight.AuditEvent{
			ID:             "ev-" + string(rune('a'+i)),
			At:             base.Add(time.Duration(i) * time.Minute).In(shanghai),
			ActorID:        "u-1",
			OrganisationID: "org-1",
			LenderID:       "lender-1",
			Action:         "account.view",
			ObjectType:     "account",
			ObjectID:       "acc-" + string(rune('a'+i)),
			Summary:        "viewed account",
		}, prevSeq, prevHash)
		chain = append(chain, e)
		prevSeq, prevHash = e.Seq, e.Hash
	}
	return chain
}

func verify(events []oversight.AuditEvent, headSeq int64, headHash string) oversight.ChainReport {
	var v oversight.ChainVerifier
	for _, e := range events {
		v.Add(e)
	}
	return v.Finish(headSeq, headHash)
}

func TestSealLinksChain(t *testing.T) {
	chain := sealedChain(5)
	for i, e := range chain {
		t.Run(e.ID, func(t *testing.T) {
			if want := int64(i + 1); e.Seq != want {
				t.Errorf("Seq = %d, want %d", e.Seq, want)
			}
			wantPrev := ""
			if i > 0 {
				wantPrev = chain[i-1].Hash
			}
			if e.PrevHash != wantPrev {
				t.Errorf("PrevHash = %q, want %q", e.PrevHash, wantPrev)
			}
			if len(e.Hash) != 64 {
				t.Errorf("Hash %q is not 64 hex characters", e.Hash)
			}
			if e.At.Location() != time.UTC {
				t.Errorf("At location = %v, want UTC", e.At.Location())
			}
			if ns := e.At.Nanosecond(); ns != 123_456_000 {
				t.Errorf("At nanoseconds = %d, want 123456000 (truncated to µs)", ns)
			}
		})
	}
}

func TestChainVerifierIntact(t *testing.T) {
	chain := sealedChain(5)
	head := chain[4]
	r := verify(chain, head.Seq, head.Hash)
	if !r.OK || r.Events != 5 || r.FirstBad != nil || r.Break != nil {
		t.Fatalf("report = %+v (FirstBad %v), want OK with 5 events and no break", r, r.FirstBad)
	}
}

func TestChainVerifierBreaks(t *testing.T) {
	type tc struct {
		name       string
		events     func(c []oversight.AuditEvent) []oversight.AuditEvent
		headSeq    int64
		headHash   func(c []oversight.AuditEvent) string
		wantEvents int64
		wantBad    int64
	}
	edit := func(i int, f func(e *oversight.AuditEvent)) func(c []oversight.AuditEvent) []oversight.AuditEvent {
		return func(c []oversight.AuditEvent) []oversight.AuditEvent {
			f(&c[i])
			return c
		}
	}
	lastHash := func(c []oversight.AuditEvent) string { return c[4].Hash }
	tests := []tc{
		{"edited Action at 3", edit(2, func(e *oversight.AuditEvent) { e.Action = "account.export" }), 5, lastHash, 5, 3},
		{"edited Summary at 3", edit(2, func(e *oversight.AuditEvent) { e.Summary = "nothing happened" }), 5, lastHash, 5, 3},
		{"edited ActorID at 3", edit(2, func(e *oversight.AuditEvent) { e.ActorID = "u-2" }), 5, lastHash, 5, 3},
		{"edited LenderID at 3", edit(2, func(e *oversight.AuditEvent) { e.LenderID = "lender-2" }), 5, lastHash, 5, 3},
		{"edited At at 3", edit(2, func(e *oversight.AuditEvent) { e.At = e.At.Add(time.Second) }), 5, lastHash, 5, 3},
		{"edited At by 1µs at 3", edit(2, func(e *oversight.AuditEvent) { e.At = e.At.Add(time.Microsecond) }), 5, lastHash, 5, 3},
		{"edited OrganisationID at 3", edit(2, func(e *oversight.AuditEvent) { e.OrganisationID = "org-2" }), 5, lastHash, 5, 3},
		{"edited ObjectID at 3", edit(2, func(e *oversight.AuditEvent) { e.ObjectID = "acc-z" }), 5, lastHash, 5, 3},
		{"edited ID at 3", edit(2, func(e *oversight.AuditEvent) { e.ID = "ev-z" }), 5, lastHash, 5, 3},
		{"edited Action at 1", edit(0, func(e *oversight.AuditEvent) { e.Action = "account.export" }), 5, lastHash, 5, 1},
		{"edited Summary at 5", edit(4, func(e *oversight.AuditEvent) { e.Summary = "nothing happened" }), 5, lastHash, 5, 5},
		{"edited Hash at 2", edit(1, func(e *oversight.AuditEvent) { e.Hash = "00" + e.Hash[2:] }), 5, lastHash, 5, 2},
		{"first PrevHash not empty", edit(0, func(e *oversight.AuditEvent) { e.PrevHash = "abc" }), 5, lastHash, 5, 1},
		{
			// The forger recomputes event 3's own hash; event 4's link exposes it.
			"edited and re-hashed at 3",
			edit(2, func(e *oversight.AuditEvent) {
				e.Summary = "nothing happened"
				e.Hash = oversight.HashAuditEvent(*e)
			}),
			5, lastHash, 5, 4,
		},
		{
			// The forger re-seals everything from event 3; only the head catches it.
			"re-sealed tail from 3",
			func(c []oversight.AuditEvent) []oversight.AuditEvent {
				c[2].Summary = "nothing happened"
				for i := 2; i < 5; i++ {
					c[i] = oversight.Seal(c[i], c[i-1].Seq, c[i-1].Hash)
				}
				return c
			},
			5, func([]oversight.AuditEvent) string { return sealedChain(5)[4].Hash }, 5, 5,
		},
		{
			"missing middle event 3",
			func(c []oversight.AuditEvent) []oversight.AuditEvent { return append(c[:2:2], c[3:]...) },
			5, lastHash, 4, 3,
		},
		{
			"missing first event",
			func(c []oversight.AuditEvent) []oversight.AuditEvent { return c[1:] },
			5, lastHash, 4, 1,
		},
		{
			"missing tail event 5",
			func(c []oversight.AuditEvent) []oversight.AuditEvent { return c[:4] },
			5, lastHash, 4, 5,
		},
		{
			"missing tail events 4 and 5",
			func(c []oversight.AuditEvent) []oversight.AuditEvent { return c[:3] },
			5, lastHash, 3, 4,
		},
		{
			"reordered 2 and 3",
			func(c []oversight.AuditEvent) []oversight.AuditEvent {
				c[1], c[2] = c[2], c[1]
				return c
			},
			5, lastHash, 5, 2,
		},
		{
			"reordered 4 and 5",
			func(c []oversight.AuditEvent) []oversight.AuditEvent {
				c[3], c[4] = c[4], c[3]
				return c
			},
			5, lastHash, 5, 4,
		},
		{
			"head hash differs",
			func(c []oversight.AuditEvent) []oversight.AuditEvent { return c },
			5, func([]oversight.AuditEvent) string { return "deadbeef" }, 5, 5,
		},
		{
			"head seq beyond chain",
			func(c []oversight.AuditEvent) []oversight.AuditEvent { return c },
			6, lastHash, 5, 6,
		},
		{
			"empty chain against non-empty head",
			func(c []oversight.AuditEvent) []oversight.AuditEvent { return nil },
			3, func([]oversight.AuditEvent) string { return "abc" }, 0, 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sealedChain(5)
			hh := tt.headHash(c)
			r := verify(tt.events(c), tt.headSeq, hh)
			if r.OK {
				t.Fatalf("report OK, want break at %d", tt.wantBad)
			}
			if r.FirstBad == nil {
				t.Fatalf("FirstBad nil, want %d", tt.wantBad)
			}
			if *r.FirstBad != tt.wantBad {
				t.Errorf("FirstBad = %d, want %d (break %+v)", *r.FirstBad, tt.wantBad, r.Break)
			}
			if r.Break == nil || r.Break.Seq != tt.wantBad || r.Break.Reason == "" {
				t.Errorf("Break = %+v, want seq %d with a reason", r.Break, tt.wantBad)
			}
			if r.Events != tt.wantEvents {
				t.Errorf("Events = %d, want %d", r.Events, tt.wantEvents)
			}
		})
	}
}

func TestChainVerifierNotBroken(t *testing.T) {
	tests := []struct {
		name       string
		events     func(c []oversight.AuditEvent) []oversight.AuditEvent
		headSeq    int64
		headHash   func(c []oversight.AuditEvent) string
		wantEvents int64
	}{
		{
			"empty chain",
			func([]oversight.AuditEvent) []oversight.AuditEvent { return nil },
			0, func([]oversight.AuditEvent) string { return "" }, 0,
		},
		{
			"single event",
			func(c []oversight.AuditEvent) []oversight.AuditEvent { return c[:1] },
			1, func(c []oversight.AuditEvent) string { return c[0].Hash }, 1,
		},
		{
			"At re-expressed in another zone",
			func(c []oversight.AuditEvent) []oversight.AuditEvent {
				c[2].At = c[2].At.In(shanghai)
				return c
			},
			5, func(c []oversight.AuditEvent) string { return c[4].Hash }, 5,
		},
		{
			"At with nanoseconds below a microsecond",
			func(c []oversight.AuditEvent) []oversight.AuditEvent {
				c[2].At = c[2].At.Add(999 * time.Nanosecond)
				return c
			},
			5, func(c []oversight.AuditEvent) string { return c[4].Hash }, 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sealedChain(5)
			hh := tt.headHash(c)
			r := verify(tt.events(c), tt.headSeq, hh)
			if !r.OK || r.FirstBad != nil || r.Break != nil || r.Events != tt.wantEvents {
				t.Errorf("report = %+v, want OK with %d events", r, tt.wantEvents)
			}
		})
	}
}

func TestHashAuditEvent(t *testing.T) {
	instant := time.Date(2024, 3, 1, 8, 0, 0, 123_456_000, time.UTC)
	ev := oversight.AuditEvent{
		Seq: 1, ID: "ev-1", At: instant, ActorID: "u-1", OrganisationID: "org-1",
		LenderID: "lender-1", Action: "account.view", ObjectType: "account",
		ObjectID: "acc-1", Summary: "viewed account",
	}
	// sha256 of the documented canonical form, computed outside Go:
	// printf '%s' '["audit/v1",1,"ev-1","2024-03-01T08:00:00.123456Z","u-1",
	//   "org-1","lender-1","account.view","account","acc-1","viewed account",""]' | sha256sum
	const golden = "f56a48cbabd8ee7efc368c87e7713d4f63c98f509429007e8133aaf2b4aeb3fd"
	with := func(f func(e *oversight.AuditEvent)) oversight.AuditEvent {
		e := ev
		f(&e)
		return e
	}
	tests := []struct {
		name string
		e    oversight.AuditEvent
		same bool
	}{
		{"identical", ev, true},
		{"same instant in Shanghai", with(func(e *oversight.AuditEvent) { e.At = instant.In(shanghai) }), true},
		{"same instant in New York offset", with(func(e *oversight.AuditEvent) { e.At = instant.In(time.FixedZone("EST", -5*60*60)) }), true},
		{"sub-microsecond nanoseconds", with(func(e *oversight.AuditEvent) { e.At = instant.Add(999 * time.Nanosecond) }), true},
		{"Hash field ignored", with(func(e *oversight.AuditEvent) { e.Hash = "anything" }), true},
		{"plus 1 microsecond", with(func(e *oversight.AuditEvent) { e.At = instant.Add(time.Microsecond) }), false},
		{"minus 1 microsecond", with(func(e *oversight.AuditEvent) { e.At = instant.Add(-time.Microsecond) }), false},
		{"Seq", with(func(e *oversight.AuditEvent) { e.Seq = 2 }), false},
		{"ID", with(func(e *oversight.AuditEvent) { e.ID = "ev-2" }), false},
		{"ActorID", with(func(e *oversight.AuditEvent) { e.ActorID = "u-2" }), false},
		{"OrganisationID", with(func(e *oversight.AuditEvent) { e.OrganisationID = "org-2" }), false},
		{"LenderID", with(func(e *oversight.AuditEvent) { e.LenderID = "lender-2" }), false},
		{"Action", with(func(e *oversight.AuditEvent) { e.Action = "account.edit" }), false},
		{"ObjectType", with(func(e *oversight.AuditEvent) { e.ObjectType = "placement" }), false},
		{"ObjectID", with(func(e *oversight.AuditEvent) { e.ObjectID = "acc-2" }), false},
		{"Summary", with(func(e *oversight.AuditEvent) { e.Summary = "viewed account!" }), false},
		{"PrevHash", with(func(e *oversight.AuditEvent) { e.PrevHash = "abc" }), false},
		{
			"no bleed between neighbours",
			with(func(e *oversight.AuditEvent) { e.ObjectType, e.ObjectID = "accountacc", "-1" }),
			false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := oversight.HashAuditEvent(tt.e)
			if tt.same && got != golden {
				t.Errorf("HashAuditEvent = %s, want %s", got, golden)
			}
			if !tt.same && got == golden {
				t.Errorf("HashAuditEvent unchanged (%s), want a different hash", got)
			}
		})
	}
}

func TestAuditTime(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{
			"drops nanoseconds below a microsecond",
			time.Date(2024, 3, 1, 8, 0, 0, 1_234_567, time.UTC),
			time.Date(2024, 3, 1, 8, 0, 0, 1_234_000, time.UTC),
		},
		{
			"truncates, does not round",
			time.Date(2024, 3, 1, 8, 0, 0, 999, time.UTC),
			time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC),
		},
		{
			"converts to UTC",
			time.Date(2024, 3, 1, 16, 0, 0, 500_001, shanghai),
			time.Date(2024, 3, 1, 8, 0, 0, 500_000, time.UTC),
		},
		{
			"exact microsecond unchanged",
			time.Date(2024, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
			time.Date(2024, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := oversight.AuditTime(tt.in)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("AuditTime(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSealTruncatesAt(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"UTC with nanoseconds", time.Date(2024, 3, 1, 8, 0, 0, 123_456_789, time.UTC), time.Date(2024, 3, 1, 8, 0, 0, 123_456_000, time.UTC)},
		{"Shanghai with nanoseconds", time.Date(2024, 3, 1, 16, 0, 0, 7_000_999, shanghai), time.Date(2024, 3, 1, 8, 0, 0, 7_000_000, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := oversight.Seal(oversight.AuditEvent{ID: "ev-1", At: tt.at}, 41, "prev")
			if !e.At.Equal(tt.want) || e.At.Location() != time.UTC {
				t.Errorf("At = %v, want %v", e.At, tt.want)
			}
			if e.Seq != 42 || e.PrevHash != "prev" {
				t.Errorf("Seq %d PrevHash %q, want 42 \"prev\"", e.Seq, e.PrevHash)
			}
			if e.Hash != oversight.HashAuditEvent(e) {
				t.Errorf("Hash does not match the sealed event")
			}
			// The hash of the sealed event equals that of the unsealed one at
			// the same instant: truncation happens before hashing either way.
			raw := e
			raw.At = tt.at
			if oversight.HashAuditEvent(raw) != e.Hash {
				t.Errorf("hash depends on sub-microsecond part or zone")
			}
		})
	}
}
