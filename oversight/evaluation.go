package oversight

// A lender's evaluation of an agency (the GB/T guideline: at least yearly
// and before the contract expires, on conduct, quality and efficiency, and
// information security) and what its decision does to the contract. Pure:
// the store checks the evaluation, loads the contract, asks what the
// decision changes and writes it.

import (
	"collect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Evaluation kinds and decisions (the migrations' CHECK holds the same
// lists).
const (
	EvaluationAnnual    = "annual"
	EvaluationPreExpiry = "pre_expiry"
	EvaluationAdHoc     = "ad_hoc"

	DecisionRenew     = "renew"
	DecisionSuspend   = "suspend"
	DecisionTerminate = "terminate"
)

var (
	EvaluationKinds     = []string{EvaluationAnnual, EvaluationPreExpiry, EvaluationAdHoc}
	EvaluationDecisions = []string{DecisionRenew, DecisionSuspend, DecisionTerminate}
)

// Evaluation limits.
const (
	EvaluationScoreMax  = 100
	EvaluationPeriodMax = 20
	EvaluationNoteMax   = 4000
)

// AgencyEvaluation is what a lender says of an agency.
type AgencyEvaluation struct {
	Kind, Period, Decision, Note                              string
	ConductScore, QualityScore, EfficiencyScore, InfosecScore int
}

// CheckEvaluation names each field of an evaluation that is wrong: a known
// kind and decision, each score 0 to 100, a period of 1 to 20 characters
// (blanks trimmed; e.g. 2026 or 2026-H2), a note of at most 4,000. nil when
// it is valid.
func CheckEvaluation(e AgencyEvaluation) []collect.FieldError {
	var f []collect.FieldError
	if !slices.Contains(EvaluationKinds, e.Kind) {
		f = append(f, collect.Field("kind", "err.evaluation.kind_one_of"))
	}
	if !slices.Contains(EvaluationDecisions, e.Decision) {
		f = append(f, collect.Field("decision", "err.evaluation.decision_one_of"))
	}
	for _, s := range []struct {
		name string
		v    int
	}{{"conduct_score", e.ConductScore}, {"quality_score", e.QualityScore}, {"efficiency_score", e.EfficiencyScore}, {"infosec_score", e.InfosecScore}} {
		if s.v < 0 || s.v > EvaluationScoreMax {
			f = append(f, collect.Field(s.name, "err.evaluation.score_range"))
		}
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(e.Period)); n == 0 || n > EvaluationPeriodMax {
		f = append(f, collect.Field("period", "err.evaluation.period_format"))
	}
	if utf8.RuneCountInString(e.Note) > EvaluationNoteMax {
		f = append(f, collect.Field("note", "err.evaluation.note_long", "max", "4,000"))
	}
	return f
}

// Normal returns the evaluation as it is stored: the period without
// surrounding blanks.
func (e AgencyEvaluation) Normal() AgencyEvaluation {
	e.Period = strings.TrimSpace(e.Period)
	return e
}

// CanEvaluate says whether an organisation of kind evaluates agencies:
// only a lender, its own. nil when it may.
func CanEvaluate(orgKind string) error {
	if orgKind != collect.KindLender {
		return collect.E(collect.EFORBIDDEN, "err.evaluation.lender_evaluates")
	}
	return nil
}

// ContractSuspended is the status of a contract under which no new
// placements are made.
const ContractSuspended = "suspended"

// ContractChange is what a decision does to the lender's contract with the
// agency. Change false: nothing. Otherwise the status to set and, when
// EndsOn is not "", the new last day (YYYY-MM-DD, the UTC date, as
// allocation.Contract.InForce reads it).
type ContractChange struct {
	Change bool
	Status string
	EndsOn string
}

// DecisionEffect is what a decision taken at now does to the lender's
// contract with the agency, whose last day is *endsOn (YYYY-MM-DD; nil when
// there is no contract): to renew changes nothing; to suspend suspends it
// (no new placements); to terminate suspends it and ends it today, or keeps
// the earlier last day of a contract that has run out (terminating never
// lengthens a contract). Suspending or terminating a contract there is not
// is refused (noContractToChange).
func DecisionEffect(decision string, endsOn *string, now time.Time) (ContractChange, error) {
	if decision != DecisionSuspend && decision != DecisionTerminate {
		return ContractChange{}, nil
	}
	if endsOn == nil {
		return ContractChange{}, noContractToChange(decision)
	}
	ch := ContractChange{Change: true, Status: ContractSuspended}
	if decision == DecisionTerminate {
		ch.EndsOn = min(*endsOn, now.UTC().Format(time.DateOnly))
	}
	return ch, nil
}

// noContractToChange is the error of a decision that would change a
// contract the lender does not have with the agency: the evaluation is
// refused (it would say something changed that did not).
func noContractToChange(decision string) error {
	return collect.E(collect.EINVALID, "err.evaluation.no_contract", "decision", decision).
		WithFields(collect.Field("decision", "err.evaluation.renew_no_contract"))
}
