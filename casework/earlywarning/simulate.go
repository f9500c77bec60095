package earlywarning

import (
	"collect"
	"math"
	"math/rand/v2"
	"time"

	"collect/casework"
)

// SimStep is the simulation's step: five days.
const SimStep = 5 * 24 * time.Hour

// simGraceDays: a promise is judged casework.PromiseGraceDays after its due
// date, as the store judges it.
const simGraceDays = casework.PromiseGraceDays

// Simulate writes a made-up history into h, for the demo data: contacts
// while the account is placed, promises after a conversation, and payments
// whose chance depends on the account's features in the documented way
// below, so that the models have something real to learn. h must carry the
// account (CreatedAt, DueDate, principal, balance, province) and its
// placements; Simulate fills Payments, Contacts and Arrangements and lowers
// BalanceCents by what was paid. The same rng state gives the same history.
//
// The account gets a hidden willingness w ~ N(0, 1) and reach r ~ U(0.1,
// 0.7)·e^(−DPD at start/400). From the later of its import and the day
// after its due date to now, in steps of five days, while it owes money:
//
//	placed (a placement covers the step): 0-2 outbound calls, each reaching
//	  the debtor with chance r; after a conversation with no live
//	  arrangement, a promise with chance 0.4: due 3-10 days later, for a
//	  half to a sixth of the balance; kept (paid on or up to 2 days before
//	  its due date) with chance σ(k), with the features f at the promise
//	  (see Vector):
//
//	  k = 1.6 + 0.9·w − 0.5·broken − 0.4·log(1 + DPD) + 1.2·rpc_share
//	    + 0.8·[paid within 30 days] − 0.6·[never paid]
//	    − 0.25·(log(1 + balance yuan) − 9)
//
//	no live promise: a payment in the step with chance 1 − (1 − p)^(1/6),
//	  p = σ(logit) the chance of paying within 30 days, where, with the
//	  features f = FeaturesAt(h, step start) (see Vector),
//
//	  logit = −0.4 − 0.45·log(1 + DPD) + 1.6·rpc_share
//	        + 1.4·(kept_ratio − 0.5) − 0.35·broken
//	        + 0.9·[paid within 30 days] − 0.6·[never paid]
//	        − 0.3·recalls − 0.2·(log(1 + balance yuan) − 9)
//	        + 0.15·[广东, 江苏 or 浙江] − 0.1·[河南] + 0.7·w
//
//	  for 5-30 % of the balance (all of it below 200 yuan).
//
// w drives both kept promises and payments, so the model sees part of it
// through the history; the rest is noise no model can learn.
func Simulate(rng *rand.Rand, h *History, now time.Time) {
	will := rng.NormFloat64()
	start := h.CreatedAt
	if d := h.DueDate.Add(24 * time.Hour); d.After(start) {
		start = d
	}
	dpd0 := max(0, int(start.Sub(h.DueDate)/(24*time.Hour)))
	reach := (0.1 + 0.6*rng.Float64()) * math.Exp(-float64(dpd0)/400)
	for t := start; t.Before(now) && h.BalanceCents > 0; t = t.Add(SimStep) {
		end := t.Add(SimStep)
		if end.After(now) {
			end = now
		}
		if placedDuring(h, t) {
			for range rng.IntN(3) {
				at := officeHour(rng, t, end)
				if at.IsZero() || !at.Before(now) {
					continue
				}
				rpc := rng.Float64() < reach
				h.Contacts = append(h.Contacts, Contact{At: at, Outbound: true, RightParty: rpc})
				if !rpc || hasLive(h, at) || h.BalanceCents < 20000 || rng.Float64() >= 0.4 {
					continue
				}
				due := at.AddDate(0, 0, 3+rng.IntN(8))
				amount := h.BalanceCents / int64(2+rng.IntN(5))
				a := Arrangement{Kind: casework.KindPromise, Status: StatusActive, CreatedAt: at, DueCents: amount, Due: due}
				resolved := due.AddDate(0, 0, simGraceDays)
				keep := rng.Float64() < sigmoid(keepLogit(FeaturesAt(h, at), will))
				if resolved.Before(now) {
					a.ResolvedAt = resolved
					if keep {
						a.Status = casework.PromiseKept
						pay := due.Add(-time.Duration(rng.IntN(3*24)) * time.Hour)
						if pay.Before(at) {
							pay = at.Add(time.Hour)
						}
						h.Payments = append(h.Payments, Payment{At: pay, Cents: amount})
						h.BalanceCents -= amount
					} else {
						a.Status = casework.PromiseBroken
					}
				}
				h.Arrangements = append(h.Arrangements, a)
			}
		}
		if hasLive(h, t) || h.BalanceCents <= 0 {
			continue
		}
		p := sigmoid(simLogit(FeaturesAt(h, t), will))
		if rng.Float64() >= 1-math.Pow(1-p, float64(SimStep)/float64(Horizon)) {
			continue
		}
		at := t.Add(time.Duration(rng.Int64N(int64(end.Sub(t)) + 1)))
		if !at.Before(now) {
			continue
		}
		amount := h.BalanceCents * int64(5+rng.IntN(26)) / 100
		if h.BalanceCents < 20000 || amount <= 0 {
			amount = h.BalanceCents
		}
		h.Payments = append(h.Payments, Payment{At: at, Cents: amount})
		h.BalanceCents -= amount
	}
}

// simLogit is Simulate's log-odds of paying within 30 days.
func simLogit(f Features, will float64) float64 {
	v := Vector(f)
	logit := -0.4 - 0.45*v[4] + 1.6*v[10] + 1.4*(v[12]-0.5) - 0.35*float64(f.PromisesBroken) -
		0.3*float64(f.Recalls) - 0.2*(v[0]-9) + 0.7*will
	if v[7] == 1 {
		logit += 0.9
	}
	if v[5] == 1 {
		logit -= 0.6
	}
	switch provinceIndex(f.Province) {
	case 0, 1, 3: // 广东, 江苏, 浙江
		logit += 0.15
	case 4: // 河南
		logit -= 0.1
	}
	return logit
}

// keepLogit is Simulate's log-odds of keeping a promise.
func keepLogit(f Features, will float64) float64 {
	v := Vector(f)
	k := 1.6 + 0.9*will - 0.5*float64(f.PromisesBroken) - 0.4*v[4] + 1.2*v[10] - 0.25*(v[0]-9)
	if v[7] == 1 {
		k += 0.8
	}
	if v[5] == 1 {
		k -= 0.6
	}
	return k
}

// placedDuring reports whether a placement covers t.
func placedDuring(h *History, t time.Time) bool {
	for _, p := range h.Placements {
		if !p.Start.After(t) && (p.End.IsZero() || p.End.After(t)) {
			return true
		}
	}
	return false
}

// hasLive reports whether an arrangement is in force at t.
func hasLive(h *History, t time.Time) bool {
	for _, a := range h.Arrangements {
		if a.live(t) {
			return true
		}
	}
	return false
}

// officeHour picks a time between 09:00 and 19:59 China time on a day in
// [from, to); zero when the range holds no such day.
func officeHour(rng *rand.Rand, from, to time.Time) time.Time {
	days := int(to.Sub(from) / (24 * time.Hour))
	if days < 1 {
		return time.Time{}
	}
	day := from.AddDate(0, 0, rng.IntN(days)).In(collect.China)
	at := time.Date(day.Year(), day.Month(), day.Day(), 9+rng.IntN(11), rng.IntN(60), 0, 0, collect.China).UTC()
	if at.Before(from) {
		at = at.AddDate(0, 0, 1)
	}
	if !at.Before(to) {
		return time.Time{}
	}
	return at
}
