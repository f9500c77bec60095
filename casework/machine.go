package casework

// The stage machine (DESIGN.md §2 "Stage"): which moves between the five
// stages are allowed, and the guards each move must pass. Every refusal is an
// allocation.Violation whose Rule id is stable, so pages, APIs and audit
// records can key on it.

import (
	"collect"
	"strconv"
)

// Stage rule ids, one per guard.
const (
	RuleStageUnknown                 = "stage.unknown"
	RuleStageSame                    = "stage.same"
	RuleStageNotAllowed              = "stage.not_allowed"
	RuleStageDisputeOpen             = "stage.dispute_open"
	RuleStageVerificationIncomplete  = "stage.verification_incomplete"
	RuleStageNoArrangement           = "stage.no_arrangement"
	RuleStageLegalBeforeVerification = "stage.legal_before_verification"
	RuleStageLegalNotApproved        = "stage.legal_not_approved"
	RuleStageTimeBarred              = "stage.time_barred"
)

// CaseState is what the stage guards read about a case.
type CaseState struct {
	Stage                string // one of the Stage* constants
	VerificationComplete bool
	DisputeOpen          bool
	ArrangementBroken    bool // the last arrangement broke
	HasActiveArrangement bool
	LegalApproved        bool // the lender approved a legal referral
	TimeBarred           bool
}

// CanTransition says whether a case may move from its stage to `to`; it
// returns every broken guard, nil when the move is allowed.
//
// Allowed moves:
//
//	verification  → first_contact  needs VerificationComplete
//	first_contact → negotiation
//	negotiation   → follow_up      needs HasActiveArrangement
//	follow_up     → negotiation    (the way back after a broken arrangement)
//	legal         → negotiation    (settlement during litigation)
//	any stage     → legal          needs VerificationComplete, LegalApproved, not TimeBarred;
//	                               from verification itself it is always refused
//	                               with stage.legal_before_verification
//	any stage     → verification   only while a dispute is open (re-verify the debt)
//
// While DisputeOpen no move is allowed except back to verification. An
// unknown stage name on either side returns only stage.unknown.
func CanTransition(s CaseState, to string) []collect.Violation {
	var vs []collect.Violation
	add := func(v collect.Violation) { vs = append(vs, v) }
	if !ValidStage(s.Stage) {
		add(collect.Broken(RuleStageUnknown, "err.stage.rule.unknown", "stage", strconv.Quote(s.Stage)))
	}
	if !ValidStage(to) {
		add(collect.Broken(RuleStageUnknown, "err.stage.rule.unknown", "stage", strconv.Quote(to)))
	}
	if vs != nil {
		return vs
	}
	if s.Stage == to {
		add(collect.Broken(RuleStageSame, "err.stage.rule.same", "stage", stageName(to)))
		return vs
	}
	if s.DisputeOpen && to != StageVerification {
		add(collect.Broken(RuleStageDisputeOpen, "err.stage.rule.dispute_open"))
	}

	switch {
	case to == StageLegal:
		// Every legal guard is reported, so the page can say all that is missing.
		if s.Stage == StageVerification || !s.VerificationComplete {
			add(collect.Broken(RuleStageLegalBeforeVerification, "err.stage.rule.legal_before_verification"))
		}
		if !s.LegalApproved {
			add(collect.Broken(RuleStageLegalNotApproved, "err.stage.rule.legal_not_approved"))
		}
		if s.TimeBarred {
			add(collect.Broken(RuleStageTimeBarred, "err.stage.rule.time_barred"))
		}
	case to == StageVerification:
		if !s.DisputeOpen {
			add(collect.Broken(RuleStageNotAllowed, "err.stage.rule.back_to_verification"))
		}
	case s.Stage == StageVerification && to == StageFirstContact:
		if !s.VerificationComplete {
			add(collect.Broken(RuleStageVerificationIncomplete, "err.stage.rule.verification_incomplete"))
		}
	case s.Stage == StageFirstContact && to == StageNegotiation:
	case s.Stage == StageNegotiation && to == StageFollowUp:
		if !s.HasActiveArrangement {
			add(collect.Broken(RuleStageNoArrangement, "err.stage.rule.no_arrangement"))
		}
	case s.Stage == StageFollowUp && to == StageNegotiation:
	case s.Stage == StageLegal && to == StageNegotiation:
	default:
		add(collect.Broken(RuleStageNotAllowed, "err.stage.rule.not_allowed", "from", stageName(s.Stage), "to", stageName(to)))
	}
	return vs
}

// stageNames are the words for a stage inside a message.
var stageNames = map[string]string{
	StageVerification: "err.stage.word.verification",
	StageFirstContact: "err.stage.word.first_contact",
	StageNegotiation:  "err.stage.word.negotiation",
	StageFollowUp:     "err.stage.word.follow_up",
	StageLegal:        "err.stage.word.legal",
}

// stageName is a valid stage's word.
func stageName(stage string) collect.Phrase {
	key := stageNames[stage] // the literal keys are in stageNames
	return collect.Say(key)
}

// NextStages lists, in stage order, the moves that would pass now (the
// page's buttons). It is empty, never nil, when no move passes.
func NextStages(s CaseState) []string {
	next := []string{}
	for _, to := range Stages {
		if len(CanTransition(s, to)) == 0 {
			next = append(next, to)
		}
	}
	return next
}

// NeedsRenegotiation reports whether the case must go back to negotiation:
// it is in follow-up and the last arrangement broke. The follow_up →
// negotiation move itself is always allowed; this tells the work queue and
// the page to push it.
func NeedsRenegotiation(s CaseState) bool {
	return s.Stage == StageFollowUp && s.ArrangementBroken && !s.DisputeOpen
}

// The moves a case makes by itself, each only when CanTransition allows it
// from the state read at the time: the store writes them through the same
// machine as a move a person asks for.

// StageAfterContact is the stage a recorded contact moves the case to: a
// case in first contact goes on to negotiation once the debtor is reached
// (DebtorReached). "" when the contact moves nothing or the machine
// refuses the move (a dispute is open).
func StageAfterContact(s CaseState, c Contact) string {
	if s.Stage != StageFirstContact || !DebtorReached(c) {
		return ""
	}
	return allowed(s, StageNegotiation)
}

// StageAfterArrangement is the stage a recorded arrangement moves the case
// to: a case in negotiation goes on to follow-up once an arrangement is
// active (s read after the arrangement was recorded). "" when it moves
// nothing or the machine refuses the move.
func StageAfterArrangement(s CaseState) string {
	if s.Stage != StageNegotiation || !s.HasActiveArrangement {
		return ""
	}
	return allowed(s, StageFollowUp)
}

func allowed(s CaseState, to string) string {
	if len(CanTransition(s, to)) > 0 {
		return ""
	}
	return to
}
