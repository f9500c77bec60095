package casework

import "testing"

func TestHistoryDetailFor(t *testing.T) {
	lender := HistoryViewer{Lender: true}
	a := HistoryViewer{AgencyID: "A"}
	aShared := HistoryViewer{AgencyID: "A", SharesFullHistory: true}
	cases := []struct {
		name   string
		viewer HistoryViewer
		madeBy string
		want   HistoryDetail
	}{
		{"LenderReadsAnAgencysRecord", lender, "B", HistoryFull},
		{"LenderReadsItsOwn", lender, "", HistoryFull},
		{"AgencyReadsItsOwn", a, "A", HistoryFull},
		{"AgencyReadsTheLenders", a, "", HistoryFull},
		{"AgencyReadsAnothersAsFacts", a, "B", HistoryFacts},
		{"SharedContractReadsAnothersInFull", aShared, "B", HistoryFull},
		{"NobodyReadsNothing", HistoryViewer{}, "B", HistoryNone},
		{"NobodyReadsNothingOfTheLender", HistoryViewer{}, "", HistoryNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := HistoryDetailFor(c.viewer, c.madeBy); got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}
