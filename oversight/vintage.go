package oversight

import (
	"cmp"
	"slices"
	"time"
)

// VintagePlacement is one placement with the payments received on it while
// it was placed.
type VintagePlacement struct {
	Agency       string
	PlacedAt     time.Time
	BalanceCents int64 // balance at placement
	Payments     []VintagePayment
}

// VintagePayment is one payment received on a placement.
type VintagePayment struct {
	At          time.Time
	AmountCents int64
}

// VintagePoint is a curve's cumulative liquidation rate at the end of the
// n-th calendar month after the placement month (month 0).
type VintagePoint struct {
	MonthsSincePlacement int     `json:"months_since_placement"`
	CumulativeRate       float64 `json:"cumulative_rate"`
}

// VintageCurve is the liquidation curve of one agency's placements of one
// month (the vintage, "YYYY-MM").
type VintageCurve struct {
	Agency             string         `json:"agency"`
	Vintage            string         `json:"vintage"`
	PlacedBalanceCents int64          `json:"placed_balance_cents"`
	Accounts           int            `json:"accounts"`
	Points             []VintagePoint `json:"points"`
}

// VintageCurves groups placements by agency and vintage month and returns,
// for each month since placement up to asOf (month 0 = the placement month,
// by calendar month difference), the cumulative liquidation rate: payments up
// to the end of that month ÷ placed balance. The last point, asOf's month,
// counts payments up to asOf only.
//
// Calendar months are judged in asOf's location, so a placement at 00:30 on
// the 1st in Shanghai is not put in the month before because the store keeps
// UTC; pass asOf in the lender's zone. Placements after asOf are not yet
// placed and are left out; payments before their placement or after asOf are
// not counted. A group whose placed balance is not positive has no points
// (no data, not a rate). Curves are sorted by agency, then vintage.
func VintageCurves(ps []VintagePlacement, asOf time.Time) []VintageCurve {
	loc := asOf.Location()
	type key struct {
		agency string
		month  int // year×12 + month-1
	}
	type group struct {
		curve VintageCurve
		paid  []int64 // paid in each month since placement
	}
	groups := map[key]*group{}
	last := monthIndex(asOf)
	for _, p := range ps {
		if p.PlacedAt.After(asOf) {
			continue
		}
		placed := p.PlacedAt.In(loc)
		k := key{p.Agency, monthIndex(placed)}
		g := groups[k]
		if g == nil {
			g = &group{
				curve: VintageCurve{Agency: p.Agency, Vintage: placed.Format("2006-01")},
				paid:  make([]int64, last-k.month+1),
			}
			groups[k] = g
		}
		g.curve.Accounts++
		g.curve.PlacedBalanceCents += p.BalanceCents
		for _, pay := range p.Payments {
			if pay.At.Before(p.PlacedAt) || pay.At.After(asOf) {
				continue
			}
			g.paid[monthIndex(pay.At.In(loc))-k.month] += pay.AmountCents
		}
	}

	curves := make([]VintageCurve, 0, len(groups))
	for _, g := range groups {
		c := g.curve
		if c.PlacedBalanceCents > 0 {
			c.Points = make([]VintagePoint, len(g.paid))
			var cum int64
			for m, amount := range g.paid {
				cum += amount
				c.Points[m] = VintagePoint{MonthsSincePlacement: m, CumulativeRate: float64(cum) / float64(c.PlacedBalanceCents)}
			}
		}
		curves = append(curves, c)
	}
	slices.SortFunc(curves, func(a, b VintageCurve) int {
		return cmp.Or(cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.Vintage, b.Vintage))
	})
	return curves
}

// monthIndex numbers calendar months in t's location.
func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// PeerAverage averages, point by point, the curves of the other agencies of
// the same vintage, weighted by their placed balance: the pooled liquidation
// of the peers, so a small peer does not count as much as a large one. A
// point is averaged over the peers whose curves reach it. No peers, no
// points (nil).
func PeerAverage(curves []VintageCurve, agency, vintage string) []VintagePoint {
	type sum struct{ weighted, weight float64 }
	var sums []sum
	for _, c := range curves {
		if c.Agency == agency || c.Vintage != vintage || c.PlacedBalanceCents <= 0 {
			continue
		}
		w := float64(c.PlacedBalanceCents)
		for _, p := range c.Points {
			m := p.MonthsSincePlacement
			if m < 0 {
				continue
			}
			for len(sums) <= m {
				sums = append(sums, sum{})
			}
			sums[m].weighted += p.CumulativeRate * w
			sums[m].weight += w
		}
	}
	var out []VintagePoint
	for m, s := range sums {
		if s.weight > 0 {
			out = append(out, VintagePoint{MonthsSincePlacement: m, CumulativeRate: s.weighted / s.weight})
		}
	}
	return out
}
