package casework_test

import (
	"collect"
	"slices"
	"testing"

	"collect/casework"
)

func machineRules(vs []collect.Violation) []string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.Rule)
	}
	return ids
}

// machineClean passes every guard: only the move itself decides.
var machineClean = casework.CaseState{VerificationComplete: true, HasActiveArrangement: true, LegalApproved: true}

func TestCanTransitionEveryMove(t *testing.T) {
	const (
		V = casework.StageVerification
		F = casework.StageFirstContact
		N = casework.StageNegotiation
		U = casework.StageFollowUp
		L = casework.StageLegal
	)
	same, na := "stage.same", "stage.not_allowed"
	want := map[[2]string]string{ // "" = allowed
		{V, V}: same, {V, F}: "", {V, N}: na, {V, U}: na, {V, L}: "stage.legal_before_verification",
		{F, V}: na, {F, F}: same, {F, N}: "", {F, U}: na, {F, L}: "",
		{N, V}: na, {N, F}: na, {N, N}: same, {N, U}: "", {N, L}: "",
		{U, V}: na, {U, F}: na, {U, N}: "", {U, U}: same, {U, L}: "",
		{L, V}: na, {L, F}: na, {L, N}: "", {L, U}: na, {L, L}: same,
	}
	for _, from := range casework.Stages {
		for _, to := range casework.Stages {
			t.Run(from+"_to_"+to, func(t *testing.T) {
				s := machineClean
				s.Stage = from
				got := machineRules(casework.CanTransition(s, to))
				var exp []string
				if w := want[[2]string{from, to}]; w != "" {
					exp = []string{w}
				}
				if !slices.Equal(got, exp) {
					t.Errorf("CanTransition(%s → %s) = %q, want %q", from, to, got, exp)
				}
			})
		}
	}
}

func TestCanTransitionGuards(t *testing.T) {
	tests := []struct {
		name  string
		state casework.CaseState
		to    string
		want  []string
	}{
		{"VerificationIncomplete",
			casework.CaseState{Stage: casework.StageVerification}, casework.StageFirstContact,
			[]string{"stage.verification_incomplete"}},
		{"VerificationCompleteFirstContact",
			casework.CaseState{Stage: casework.StageVerification, VerificationComplete: true}, casework.StageFirstContact,
			nil},
		{"FirstContactToNegotiationNeedsNothing",
			casework.CaseState{Stage: casework.StageFirstContact}, casework.StageNegotiation,
			nil},
		{"NoArrangement",
			casework.CaseState{Stage: casework.StageNegotiation, VerificationComplete: true}, casework.StageFollowUp,
			[]string{"stage.no_arrangement"}},
		{"FollowUpBackToNegotiationAfterBreak",
			casework.CaseState{Stage: casework.StageFollowUp, VerificationComplete: true, ArrangementBroken: true}, casework.StageNegotiation,
			nil},
		{"LegalEveryGuardBroken",
			casework.CaseState{Stage: casework.StageFollowUp, TimeBarred: true}, casework.StageLegal,
			[]string{"stage.legal_before_verification", "stage.legal_not_approved", "stage.time_barred"}},
		{"LegalNotApproved",
			casework.CaseState{Stage: casework.StageNegotiation, VerificationComplete: true}, casework.StageLegal,
			[]string{"stage.legal_not_approved"}},
		{"LegalTimeBarred",
			casework.CaseState{Stage: casework.StageFollowUp, VerificationComplete: true, LegalApproved: true, TimeBarred: true}, casework.StageLegal,
			[]string{"stage.time_barred"}},
		{"LegalFromVerificationEvenIfComplete",
			casework.CaseState{Stage: casework.StageVerification, VerificationComplete: true, LegalApproved: true}, casework.StageLegal,
			[]string{"stage.legal_before_verification"}},
		{"LegalFromVerificationIncompleteNotApproved",
			casework.CaseState{Stage: casework.StageVerification}, casework.StageLegal,
			[]string{"stage.legal_before_verification", "stage.legal_not_approved"}},
		{"SettlementDuringLitigationTimeBarred",
			casework.CaseState{Stage: casework.StageLegal, VerificationComplete: true, TimeBarred: true}, casework.StageNegotiation,
			nil},
		{"DisputeBlocksForwardMove",
			casework.CaseState{Stage: casework.StageNegotiation, VerificationComplete: true, HasActiveArrangement: true, DisputeOpen: true}, casework.StageFollowUp,
			[]string{"stage.dispute_open"}},
		{"DisputeBlocksFirstContact",
			casework.CaseState{Stage: casework.StageVerification, VerificationComplete: true, DisputeOpen: true}, casework.StageFirstContact,
			[]string{"stage.dispute_open"}},
		{"DisputeAndOtherGuardsAllReported",
			casework.CaseState{Stage: casework.StageNegotiation, VerificationComplete: true, DisputeOpen: true}, casework.StageLegal,
			[]string{"stage.dispute_open", "stage.legal_not_approved"}},
		{"DisputeAndMoveNotAllowed",
			casework.CaseState{Stage: casework.StageFirstContact, DisputeOpen: true}, casework.StageFollowUp,
			[]string{"stage.dispute_open", "stage.not_allowed"}},
		{"DisputeBackToVerificationFromNegotiation",
			casework.CaseState{Stage: casework.StageNegotiation, DisputeOpen: true}, casework.StageVerification,
			nil},
		{"DisputeBackToVerificationFromLegal",
			casework.CaseState{Stage: casework.StageLegal, DisputeOpen: true}, casework.StageVerification,
			nil},
		{"DisputeStayInVerification",
			casework.CaseState{Stage: casework.StageVerification, DisputeOpen: true}, casework.StageVerification,
			[]string{"stage.same"}},
		{"NoDisputeNoWayBackToVerification",
			casework.CaseState{Stage: casework.StageFollowUp, VerificationComplete: true}, casework.StageVerification,
			[]string{"stage.not_allowed"}},
		{"UnknownFrom",
			casework.CaseState{Stage: "settled"}, casework.StageNegotiation,
			[]string{"stage.unknown"}},
		{"UnknownTo",
			casework.CaseState{Stage: casework.StageNegotiation, DisputeOpen: true}, "Legal",
			[]string{"stage.unknown"}},
		{"BothUnknown",
			casework.CaseState{}, "closed",
			[]string{"stage.unknown", "stage.unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := casework.CanTransition(tt.state, tt.to)
			if got := machineRules(vs); !slices.Equal(got, tt.want) {
				t.Errorf("CanTransition(%+v, %q) = %q, want %q", tt.state, tt.to, got, tt.want)
			}
			for _, v := range vs {
				if v.Message == "" {
					t.Errorf("violation %s has no message", v.Rule)
				}
			}
		})
	}
}

func TestNextStages(t *testing.T) {
	tests := []struct {
		name  string
		state casework.CaseState
		want  []string
	}{
		{"VerificationIncomplete", casework.CaseState{Stage: casework.StageVerification}, []string{}},
		{"VerificationComplete", casework.CaseState{Stage: casework.StageVerification, VerificationComplete: true, LegalApproved: true}, []string{"first_contact"}},
		{"FirstContactApproved", casework.CaseState{Stage: casework.StageFirstContact, VerificationComplete: true, LegalApproved: true}, []string{"negotiation", "legal"}},
		{"FirstContactNotApproved", casework.CaseState{Stage: casework.StageFirstContact, VerificationComplete: true}, []string{"negotiation"}},
		{"NegotiationWithoutArrangement", casework.CaseState{Stage: casework.StageNegotiation, VerificationComplete: true, LegalApproved: true}, []string{"legal"}},
		{"NegotiationWithArrangement", casework.CaseState{Stage: casework.StageNegotiation, VerificationComplete: true, HasActiveArrangement: true}, []string{"follow_up"}},
		{"FollowUpTimeBarred", casework.CaseState{Stage: casework.StageFollowUp, VerificationComplete: true, LegalApproved: true, TimeBarred: true}, []string{"negotiation"}},
		{"FollowUpClean", casework.CaseState{Stage: casework.StageFollowUp, VerificationComplete: true, LegalApproved: true}, []string{"negotiation", "legal"}},
		{"Legal", casework.CaseState{Stage: casework.StageLegal, VerificationComplete: true, LegalApproved: true}, []string{"negotiation"}},
		{"DisputeOpen", casework.CaseState{Stage: casework.StageNegotiation, VerificationComplete: true, LegalApproved: true, HasActiveArrangement: true, DisputeOpen: true}, []string{"verification"}},
		{"Unknown", casework.CaseState{Stage: "closed"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := casework.NextStages(tt.state)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("NextStages(%+v) = %#v, want %#v", tt.state, got, tt.want)
			}
		})
	}
}

func TestNeedsRenegotiation(t *testing.T) {
	tests := []struct {
		name  string
		state casework.CaseState
		want  bool
	}{
		{"BrokenInFollowUp", casework.CaseState{Stage: casework.StageFollowUp, ArrangementBroken: true}, true},
		{"KeptInFollowUp", casework.CaseState{Stage: casework.StageFollowUp, HasActiveArrangement: true}, false},
		{"BrokenButDisputed", casework.CaseState{Stage: casework.StageFollowUp, ArrangementBroken: true, DisputeOpen: true}, false},
		{"BrokenInNegotiationAlready", casework.CaseState{Stage: casework.StageNegotiation, ArrangementBroken: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := casework.NeedsRenegotiation(tt.state); got != tt.want {
				t.Errorf("NeedsRenegotiation(%+v) = %v, want %v", tt.state, got, tt.want)
			}
		})
	}
}
