package views

import (
	"strings"

	"github.com/a-h/templ"
)

// Helpers of the casework pages (the case panel, the queue, the follow-up
// list, the approvals).

// caseStages are the five collection stages in order, for the stepper.
func caseStages() []string {
	return []string{"verification", "first_contact", "negotiation", "follow_up", "legal"}
}

// stepClass is the class of stage s in the stepper when the case is at
// current: done before it, current at it, plain after it.
func stepClass(current, s string) string {
	stages := caseStages()
	cur, at := -1, -1
	for i, x := range stages {
		if x == current {
			cur = i
		}
		if x == s {
			at = i
		}
	}
	switch {
	case cur < 0 || at < 0:
		return "step"
	case at == cur:
		return "step is-current"
	case at < cur:
		return "step is-done"
	}
	return "step"
}

// stepNumber is the 1-based position of stage s in the stepper.
func stepNumber(s string) string {
	for i, x := range caseStages() {
		if x == s {
			return Itoa(i + 1)
		}
	}
	return "·"
}

// currencySymbol is the affix of a money input: ¥ for yuan (the default),
// $ for dollars, else the code.
func currencySymbol(currency string) string {
	switch strings.ToUpper(strings.TrimSpace(currency)) {
	case "", "CNY", "RMB":
		return "¥"
	case "USD":
		return "$"
	}
	return currency
}

// caseURL is a casework form's action below an account: caseURL(id,
// "/contacts") is /accounts/{id}/contacts.
func caseURL(accountID, suffix string) templ.SafeURL {
	return PathURL("/accounts/", accountID, suffix)
}

// canRaiseDispute reports whether the panel offers the dispute form: the
// viewer works or approves the case and no dispute is open.
func canRaiseDispute(c CasePanel) bool {
	return (c.CanWork || c.CanApprove) && !c.DisputeOpen
}

// legalMoves are the statuses a legal case can be moved to from the page:
// its Next, or the given defaults when the handler left Next empty.
func legalMoves(l LegalView, defaults ...string) []string {
	if len(l.Next) > 0 {
		return l.Next
	}
	return defaults
}

// legalReferred are the defaults on the approvals page: a referral is
// approved or rejected.
func legalReferred(l LegalView) []string {
	if l.Status != "referred" && l.Status != "" {
		return l.Next
	}
	return legalMoves(l, "approved", "rejected")
}

// legalMoveClass styles a legal move: rejecting or closing is the quiet
// (danger) button, the forward steps are primary.
func legalMoveClass(status string) string {
	switch status {
	case "rejected", "closed":
		return "btn btn-sm btn-danger-ghost"
	}
	return "btn btn-sm btn-primary"
}

// benefitClass colours a net benefit green when the suit is worthwhile.
func benefitClass(l LegalView) string {
	if l.Worthwhile {
		return "num strong benefit-pos"
	}
	return "num strong benefit-neg"
}

// isPending reports whether an arrangement waits for the lender.
func isPending(a ArrangementView) bool { return a.Status == "pending_approval" }

// dueChoices are the queue's due filter values besides "" (all).
func dueChoices() []string { return []string{"overdue", "today"} }

// disputeIsOpen reports whether a dispute still waits for a decision (the
// approvals list holds only open ones, whatever their status says).
func disputeIsOpen(d DisputeView) bool { return d.Status == "open" || d.Status == "" }

// hasContactText reports whether a contact has a note or a message.
func hasContactText(c ContactView) bool {
	return strings.TrimSpace(c.Note) != "" || strings.TrimSpace(c.Message) != ""
}

// followUpEmpty reports whether the follow-up list has nothing at all.
func followUpEmpty(v FollowUpView) bool {
	return len(v.DueSoon) == 0 && len(v.Broken) == 0 && len(v.Actions) == 0 && len(v.AtRisk) == 0
}

// approvalsEmpty reports whether nothing waits for the lender.
func approvalsEmpty(v ApprovalsView) bool {
	return len(v.Arrangements) == 0 && len(v.Disputes) == 0 && len(v.Legal) == 0
}

// directionArrow marks a contact's direction in the log: ↗ outbound, ↙
// inbound.
func directionArrow(direction string) string {
	if direction == "inbound" {
		return "↙"
	}
	return "↗"
}
