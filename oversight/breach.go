package oversight

// The lifecycle of a recorded conduct breach: the lender marks it
// remediated, dismisses it (it no longer counts) or reopens it. Pure: the
// store loads the breach, calls MoveBreach and writes the status and the
// count delta it returns.

import (
	"collect"
	"slices"
	"unicode/utf8"
)

// Breach statuses. A new breach is open.
const (
	BreachOpen       = "open"
	BreachRemediated = "remediated"
	BreachDismissed  = "dismissed"
)

// BreachStatuses are the statuses of a breach (the migrations' CHECK holds
// the same list); a dismissed one no longer counts.
var BreachStatuses = []string{BreachOpen, BreachRemediated, BreachDismissed}

// BreachRemediationMax is the longest remediation note, in characters.
const BreachRemediationMax = 2000

// CheckBreachUpdate says whether a breach may be set to status with the
// remediation note: a known status and a note of at most 2,000 characters.
// nil when it may.
func CheckBreachUpdate(status, remediation string) error {
	if !slices.Contains(BreachStatuses, status) {
		return collect.E(collect.EINVALID, "err.breach.status_one_of")
	}
	if utf8.RuneCountInString(remediation) > BreachRemediationMax {
		return collect.E(collect.EINVALID, "err.breach.remediation_long")
	}
	return nil
}

// CanUpdateBreach says whether an organisation of kind may remediate,
// dismiss or reopen a breach: the lender, whose oversight it is; the agency
// found in breach reads it and answers through its lender. nil when it may.
func CanUpdateBreach(orgKind string) error {
	if orgKind != collect.KindLender {
		return collect.E(collect.EFORBIDDEN, "err.breach.lender_updates")
	}
	return nil
}

// MoveBreach decides a breach's move from one status to another and
// returns the change to the breach count: every known status may follow
// every other (a remediated breach may be reopened, a dismissed one
// restored, and setting the same status again rewrites the note); only
// dismissing (-1) and undoing a dismissal (+1) change the count, since a
// remediated breach still happened.
func MoveBreach(from, to, remediation string) (countDelta int64, err error) {
	if err := CheckBreachUpdate(to, remediation); err != nil {
		return 0, err
	}
	switch {
	case from != BreachDismissed && to == BreachDismissed:
		return -1, nil
	case from == BreachDismissed && to != BreachDismissed:
		return 1, nil
	}
	return 0, nil
}
