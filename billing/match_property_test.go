package billing

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// randomMatch draws a small feed, reports and booked payments over a few
// accounts, amounts, days and references, so duplicates, reused
// references, ties and near misses are common.
func randomMatch(r *rand.Rand) ([]FeedRecord, []ReportedPayment, MatchOptions) {
	accounts := []string{"acc1", "acc2", "acc3", "acc4", "acc5"}
	amounts := []int64{10000, 10400, 10500, 20000, 50000}
	refs := []string{"", "", "", "R1", "R2", "R3"}
	day := func() Date { return Date("2026-03-01").AddDays(r.IntN(25)) }
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	lines := r.Perm(40)
	var feed []FeedRecord
	for i := range r.IntN(12) {
		feed = append(feed, FeedRecord{Line: lines[i] + 1, AccountID: pick(accounts), AmountCents: amounts[r.IntN(len(amounts))], PaidOn: day(), Reference: pick(refs)})
	}
	var reported []ReportedPayment
	for i := range r.IntN(12) {
		reported = append(reported, ReportedPayment{ID: fmt.Sprintf("r%02d", r.IntN(90)*100+i), AccountID: pick(accounts), AgencyID: pick([]string{"ag1", "ag1", "ag2"}),
			AmountCents: amounts[r.IntN(len(amounts))], PaidOn: day(), Reference: pick(refs)})
	}
	opts := matchOpts()
	opts.DateWindowDays = r.IntN(6)
	opts.AmountToleranceCents = []int64{0, 500, 1000}[r.IntN(3)]
	for i := range r.IntN(4) {
		opts.Booked = append(opts.Booked, BookedPayment{ID: fmt.Sprintf("b%d", i), AccountID: pick(accounts), AmountCents: amounts[r.IntN(len(amounts))], PaidOn: day(), Reference: pick(refs)})
	}
	return feed, reported, opts
}

func checkMatchProperties(t *testing.T, r *rand.Rand) {
	t.Helper()
	feed, reported, opts := randomMatch(r)
	res, err := Match(feed, reported, opts)
	if err != nil {
		t.Fatalf("refused generated input: %v", err)
	}
	checkMatchInvariants(t, feed, reported, opts, res)
	byLine, byID := outcomesByIdentity(feed, reported, res)
	// The same input in another order gives the same outcome for each record.
	for range 3 {
		r.Shuffle(len(feed), func(i, j int) { feed[i], feed[j] = feed[j], feed[i] })
		r.Shuffle(len(reported), func(i, j int) { reported[i], reported[j] = reported[j], reported[i] })
		r.Shuffle(len(opts.Booked), func(i, j int) { opts.Booked[i], opts.Booked[j] = opts.Booked[j], opts.Booked[i] })
		again, err := Match(feed, reported, opts)
		if err != nil {
			t.Fatal(err)
		}
		checkMatchInvariants(t, feed, reported, opts, again)
		l2, id2 := outcomesByIdentity(feed, reported, again)
		if !maps.Equal(byLine, l2) || !maps.Equal(byID, id2) {
			t.Fatalf("order changed the outcome:\nfeed %+v\nreported %+v\nbooked %+v\nfirst %+v %+v\nthen %+v %+v", feed, reported, opts.Booked, byLine, byID, l2, id2)
		}
	}
}

func outcomesByIdentity(feed []FeedRecord, reported []ReportedPayment, res MatchResult) (map[int]Outcome, map[string]Outcome) {
	byLine, byID := map[int]Outcome{}, map[string]Outcome{}
	for i, f := range feed {
		byLine[f.Line] = res.Feed[i]
	}
	for j, p := range reported {
		byID[p.ID] = res.Reported[j]
	}
	return byLine, byID
}

func TestMatchProperties(t *testing.T) {
	for seed := range uint64(2000) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			checkMatchProperties(t, rand.New(rand.NewPCG(seed, 17)))
		})
	}
}

// FuzzMatch explores more seeds: go test -fuzz FuzzMatch ./billing.
func FuzzMatch(f *testing.F) {
	for _, s := range []uint64{0, 1, 42, 1 << 40} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		checkMatchProperties(t, rand.New(rand.NewPCG(seed, seed>>7)))
	})
}
