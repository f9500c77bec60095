package casework

// The limitation period (诉讼时效) of the PRC Civil Code, as DESIGN.md §3 states it.
//
// Calendar convention (Civil Code arts. 201-202): a period counted in years
// does not count the day of the event; it starts the next day, and its last
// day is the day of the same month and number N years later, or the last day
// of that month when it has no such day. So a debt due 2020-03-01 runs from
// 2020-03-02 and its period ends at the end of 2023-03-01; one due 2024-02-29
// ends at the end of 2027-02-28. Dates are the calendar dates of each time in
// its own location (pass times in the portfolio's zone, Asia/Shanghai), and
// the returned dates are midnight UTC of those calendar days.
//
// Not modelled: extension of a last day that falls on a public holiday
// (art. 203, needs the State Council's holiday calendar), suspension in the
// last six months for force majeure and the like (art. 194), and a court's
// extension of the 20-year period in special circumstances (art. 188).

import (
	"cmp"
	"collect"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"collect/allocation"
	"collect/policies"
)

// Limitation event kinds.
const (
	LimitationDue             = "due"             // an instalment's (or the single debt's) due date
	LimitationDemand          = "demand"          // a demand for payment to the debtor
	LimitationAcknowledgement = "acknowledgement" // the debtor agreed to pay or acknowledged the debt
	LimitationSuit            = "suit"            // a suit or arbitration filed
	LimitationSuitEnded       = "suit_ended"      // the suit or arbitration ended
)

// Limitation periods in years (Civil Code art. 188).
const (
	LimitationYears  = 3
	AbsoluteCapYears = 20
)

// SuitPendingExpires is Limitation.Expires while a suit is pending: the
// period does not run until the suit ends.
var SuitPendingExpires = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)

// LimitationEvent is one fact that starts or interrupts the period.
type LimitationEvent struct {
	Kind string // one of the Limitation* kinds
	At   time.Time
}

// Limitation is the state of the period on one day.
type Limitation struct {
	Start         time.Time        // the day the current period runs from (not itself counted): the last due date or the last interruption
	Expires       time.Time        // the period's last day (it ends at the end of this day); never after AbsoluteCap, except SuitPendingExpires
	AbsoluteCap   time.Time        // the 20-year cap's last day, from the first due date; never extended
	InterruptedBy *LimitationEvent // the last event that interrupted the period, nil if none
	TimeBarred    bool             // as of the day asked, the period has expired
	// LateEvents are demands, acknowledgements and suits after the period had
	// expired: they do not revive it.
	LateEvents []LimitationEvent
	// DefenceWaived: the debtor agreed to pay after the period expired, so may
	// not plead the bar against that obligation (art. 192 para 2). The debt
	// stays TimeBarred; the lender decides whether to rely on the waiver.
	DefenceWaived bool
}

// LimitationDate computes the limitation period as of asOf.
//
// The 3-year period runs from the last due date (art. 189: for instalment
// debts, the last instalment's). A demand, an acknowledgement or a suit
// after the period started and no later than its last day interrupts it and
// a fresh 3 years run from that day (art. 195). While a suit is pending the
// period does not run (Expires is SuitPendingExpires); it restarts from the
// day the suit ended. Events after the period expired do not revive it
// (LateEvents). The 20-year cap runs from the first due date and caps
// Expires (art. 188 para 2); a suit filed in time stays in time. Events dated
// after asOf have not happened yet and are ignored; due dates are kept, as
// the schedule is known in advance. It returns an EINVALID *allocation.Error
// for an unknown kind, a zero time, or no due event.
func LimitationDate(events []LimitationEvent, asOf time.Time) (Limitation, error) {
	return LimitationDateUnder(ChinaLimitation, events, asOf)
}

// LimitationRules are a jurisdiction's limitation period: its length, what
// restarts it, and an absolute cap (0: none).
type LimitationRules struct {
	Years       int
	CapYears    int
	Interrupts  []string // the event kinds that restart the period
	Description string
}

// ChinaLimitation is the PRC Civil Code's (arts. 188, 189, 195).
var ChinaLimitation = LimitationRules{Years: LimitationYears, CapYears: AbsoluteCapYears,
	Interrupts: []string{LimitationDemand, LimitationAcknowledgement, LimitationSuit}, Description: "PRC Civil Code arts. 188, 189, 195"}

// USLimitation is a US state's period for a written contract (the state's
// years from policies/conduct/us_limitation.json): it runs from the default
// (the last due date) and restarts on an acknowledgement (a payment or a
// written promise, as most states hold); a demand for payment does not
// restart it, and there is no absolute cap.
func USLimitation(state string) LimitationRules {
	years := usLimitationYears(state)
	return LimitationRules{Years: years, Interrupts: []string{LimitationAcknowledgement, LimitationSuit},
		Description: "US state limitation period (" + state + ", " + strconv.Itoa(years) + " years)"}
}

// LimitationDateUnder is LimitationDate under rules.
func LimitationDateUnder(rules LimitationRules, events []LimitationEvent, asOf time.Time) (Limitation, error) {
	var fields []collect.FieldError
	var firstDue, lastDue time.Time
	for i, ev := range events {
		switch ev.Kind {
		case LimitationDue, LimitationDemand, LimitationAcknowledgement, LimitationSuit, LimitationSuitEnded:
		default:
			fields = append(fields, collect.Field(fmt.Sprintf("events[%d].kind", i), "err.limitation.field.kind", "got", strconv.Quote(ev.Kind)))
		}
		if ev.At.IsZero() {
			fields = append(fields, collect.Field(fmt.Sprintf("events[%d].at", i), "err.limitation.field.date"))
			continue
		}
		if ev.Kind == LimitationDue {
			d := civilDay(ev.At)
			if firstDue.IsZero() || d.Before(firstDue) {
				firstDue = d
			}
			if lastDue.IsZero() || d.After(lastDue) {
				lastDue = d
			}
		}
	}
	if lastDue.IsZero() {
		fields = append(fields, collect.Field("events", "err.limitation.field.no_due"))
	}
	if asOf.IsZero() {
		fields = append(fields, collect.Field("as_of", "err.limitation.field.date"))
	}
	if err := allocation.FieldErrors(fields); err != nil {
		return Limitation{}, err
	}

	// Same day: the due date first, a suit before its end.
	rank := map[string]int{LimitationDue: 0, LimitationDemand: 1, LimitationAcknowledgement: 2, LimitationSuit: 3, LimitationSuitEnded: 4}
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b LimitationEvent) int {
		if c := civilDay(a.At).Compare(civilDay(b.At)); c != 0 {
			return c
		}
		return cmp.Compare(rank[a.Kind], rank[b.Kind])
	})

	capDay := SuitPendingExpires
	if rules.CapYears > 0 {
		capDay = addCivilYears(firstDue, rules.CapYears)
	}
	anchor := lastDue
	expires := earlierDay(addCivilYears(anchor, rules.Years), capDay)
	today := civilDay(asOf)
	lim := Limitation{AbsoluteCap: capDay}
	pending := false
	for _, ev := range evs {
		d := civilDay(ev.At)
		if ev.Kind == LimitationDue || d.After(today) {
			continue
		}
		if ev.Kind == LimitationSuitEnded {
			if pending {
				pending = false
				if d.After(anchor) {
					anchor = d
				}
				expires = earlierDay(addCivilYears(anchor, rules.Years), capDay)
			}
			continue
		}
		if !slices.Contains(rules.Interrupts, ev.Kind) {
			continue // not an interruption under these rules
		}
		if pending {
			continue // the period is not running
		}
		if d.After(expires) {
			lim.LateEvents = append(lim.LateEvents, ev)
			if ev.Kind == LimitationAcknowledgement {
				lim.DefenceWaived = true
			}
			continue
		}
		if ev.Kind == LimitationSuit {
			// A suit stops the clock whenever it is filed, even before the
			// last instalment falls due (an accelerated debt).
			pending = true
			lim.InterruptedBy = &ev
			if d.After(anchor) {
				anchor = d
			}
			continue
		}
		if !d.After(anchor) {
			continue // before the period started: nothing to interrupt
		}
		lim.InterruptedBy = &ev
		anchor = d
		expires = earlierDay(addCivilYears(anchor, rules.Years), capDay)
	}
	lim.Start = anchor
	if pending {
		lim.Expires = SuitPendingExpires
		return lim, nil
	}
	lim.Expires = expires
	lim.TimeBarred = today.After(expires)
	return lim, nil
}

// civilDay is t's calendar date, read in t's own location, as midnight UTC.
func civilDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// addCivilYears is the same month and day n years after day (a civilDay);
// 29 February becomes 28 February in a common year (art. 202).
func addCivilYears(day time.Time, n int) time.Time {
	y, m, d := day.Date()
	y += n
	if m == time.February && d == 29 && !isLeapYear(y) {
		d = 28
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func isLeapYear(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func earlierDay(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

var usLimitation = sync.OnceValue(func() map[string]int {
	var doc struct {
		DefaultYears int            `json:"default_years"`
		States       map[string]int `json:"states"`
	}
	b, err := policies.USLimitation()
	if err != nil || json.Unmarshal(b, &doc) != nil || doc.DefaultYears < 1 {
		panic("casework: policies/conduct/us_limitation.json is missing or invalid")
	}
	doc.States[""] = doc.DefaultYears
	return doc.States
})

// usLimitationYears is the state's period in years, the data's default for
// a state it does not list.
func usLimitationYears(state string) int {
	m := usLimitation()
	if y, ok := m[strings.ToUpper(state)]; ok && y > 0 {
		return y
	}
	return m[""]
}
