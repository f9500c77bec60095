package casework

// The cost-benefit of a legal referral (DESIGN.md §1 stage 5): is a suit
// likely to bring back more than it costs? All money is int64 cents; rates
// are basis points, and each rate multiplication is rounded half up once.

import (
	"collect"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// LegalInput is what the estimate reads about an account.
type LegalInput struct {
	BalanceCents         int64 // the amount claimed
	PrincipalCents       int64 // carried for the page; the model claims and recovers against the balance
	DPD                  int
	RecoveredSoFarCents  int64
	HasRightPartyContact bool
	Province             string // carried for the page; the court fee scale is national
}

// LegalEstimate is the cost and expected recovery of a suit.
type LegalEstimate struct {
	CourtFeeCents         int64
	LawyerFeeCents        int64
	OtherCostsCents       int64
	TotalCostCents        int64
	ExpectedRecoveryCents int64
	NetBenefitCents       int64
	RecoveryRate          float64
	Worthwhile            bool
	Basis                 string // the assumptions, in short English
}

// Legal cost assumptions. They are planning figures, to be replaced by the
// lender's own outcomes when there are enough of them.
const (
	// SimplifiedProcedureLimitCents: claims below 100,000 yuan are assumed to
	// be heard under the simplified procedure (Civil Procedure Law ch. 13; a
	// signed loan contract and repayment records make a simple case), whose
	// acceptance fee is halved (《诉讼费用交纳办法》 art. 16). Small-claims
	// cases (below half the province's average wage) pay the same half fee.
	SimplifiedProcedureLimitCents = 100_000_00
	// LawyerFeeBP and LawyerFeeFloorCents: 8% of the claim, at least 3,000
	// yuan, a typical fixed-fee quote for a debt claim.
	LawyerFeeBP         = 800
	LawyerFeeFloorCents = 3_000_00
	// OtherLegalCostsCents: service of process (by publication when the
	// debtor cannot be found), preservation and enforcement steps, 1,500 yuan.
	OtherLegalCostsCents = 1_500_00
	// RecoveryBonusBP is added to the recovery rate when the debtor has paid
	// something during collection: there are means to enforce against.
	RecoveryBonusBP = 500
)

// courtFeeBands is the property-case scale of 《诉讼费用交纳办法》 art. 13(1):
// up to 10,000 yuan 50 yuan a case; above it each band's part of the claim
// at the band's rate, summed band by band.
var courtFeeBands = []struct {
	upToCents int64 // the band's upper bound; 0 = no bound
	bp        int64
}{
	{100_000_00, 250},   // 10,000-100,000 yuan: 2.5%
	{200_000_00, 200},   // 100,000-200,000: 2%
	{500_000_00, 150},   // 200,000-500,000: 1.5%
	{1_000_000_00, 100}, // 500,000-1,000,000: 1%
	{2_000_000_00, 90},  // 1,000,000-2,000,000: 0.9%
	{5_000_000_00, 80},  // 2,000,000-5,000,000: 0.8%
	{10_000_000_00, 70}, // 5,000,000-10,000,000: 0.7%
	{20_000_000_00, 60}, // 10,000,000-20,000,000: 0.6%
	{0, 50},             // over 20,000,000: 0.5%
}

const (
	courtFeeFlatCents     = 50_00 // a claim up to 10,000 yuan
	courtFeeFlatUpToCents = 10_000_00
)

// CourtAcceptanceFee is the acceptance fee of a property case claiming
// claimCents, band by band, rounded half up to the cent; halved (half up)
// under the simplified procedure.
func CourtAcceptanceFee(claimCents int64, simplified bool) int64 {
	if claimCents <= 0 {
		return 0
	}
	var scaled int64 // cents × 10,000
	lower := int64(courtFeeFlatUpToCents)
	for _, b := range courtFeeBands {
		if claimCents <= lower {
			break
		}
		upper := claimCents
		if b.upToCents != 0 {
			upper = min(claimCents, b.upToCents)
		}
		scaled += (upper - lower) * b.bp
		lower = b.upToCents
	}
	fee := courtFeeFlatCents + (scaled+5000)/10000
	if simplified {
		fee = (fee + 1) / 2
	}
	return fee
}

// legalRecoveryBP is the recovery rate of a suit, in basis points of the
// balance, by DPD, with and without right-party contact (a debtor who can be
// reached can be served and negotiated with during the suit).
//
//	DPD         with contact  without
//	≤ 180       50%           30%
//	181-365     40%           22%
//	366-730     30%           15%
//	731-1095    20%           10%
//	over 1095   10%            5%
var legalRecoveryBP = []struct {
	maxDPD              int // 0 = no bound
	label               string
	withRPC, withoutRPC int64
}{
	{180, "DPD up to 180", 5000, 3000},
	{365, "DPD 181-365", 4000, 2200},
	{730, "DPD 366-730", 3000, 1500},
	{1095, "DPD 731-1095", 2000, 1000},
	{0, "DPD over 1095", 1000, 500},
}

// EstimateLegal weighs a suit's cost against its expected recovery:
//
//	court fee  = CourtAcceptanceFee(balance), halved when balance < 100,000 yuan
//	lawyer     = max(8% of balance, 3,000 yuan)
//	other      = 1,500 yuan
//	expected   = balance × rate(DPD, right-party contact) (+5 points if anything was recovered)
//	net        = expected − (court fee + lawyer + other); worthwhile when net > 0
//
// The court fee is counted as a cost although the losing debtor is ordered
// to bear it (art. 29): with consumer debt that order is rarely worth more
// than the rest of the judgment.
func EstimateLegal(in LegalInput) LegalEstimate {
	claim := in.BalanceCents
	if claim <= 0 {
		return LegalEstimate{Basis: "nothing to claim: the balance is zero"}
	}
	var e LegalEstimate
	simplified := claim < SimplifiedProcedureLimitCents
	e.CourtFeeCents = CourtAcceptanceFee(claim, simplified)
	e.LawyerFeeCents = max((claim*LawyerFeeBP+5000)/10000, LawyerFeeFloorCents)
	e.OtherCostsCents = OtherLegalCostsCents
	e.TotalCostCents = e.CourtFeeCents + e.LawyerFeeCents + e.OtherCostsCents

	band := legalRecoveryBP[len(legalRecoveryBP)-1]
	for _, b := range legalRecoveryBP {
		if b.maxDPD == 0 || in.DPD <= b.maxDPD {
			band = b
			break
		}
	}
	rateBP, contact := band.withoutRPC, "no right-party contact"
	if in.HasRightPartyContact {
		rateBP, contact = band.withRPC, "right-party contact"
	}
	paidNote := ""
	if in.RecoveredSoFarCents > 0 {
		rateBP += RecoveryBonusBP
		paidNote = ", has paid before"
	}
	e.RecoveryRate = float64(rateBP) / 10000
	e.ExpectedRecoveryCents = (claim*rateBP + 5000) / 10000
	e.NetBenefitCents = e.ExpectedRecoveryCents - e.TotalCostCents
	e.Worthwhile = e.NetBenefitCents > 0

	var b strings.Builder
	fmt.Fprintf(&b, "court fee %s yuan on a %s yuan claim", yuanString(e.CourtFeeCents), yuanString(claim))
	if simplified {
		b.WriteString(" (halved: simplified procedure)")
	}
	fmt.Fprintf(&b, "; lawyer %s yuan (8%%, at least 3,000); other costs %s yuan", yuanString(e.LawyerFeeCents), yuanString(e.OtherCostsCents))
	fmt.Fprintf(&b, "; recovery %s (%s, %s%s)", formatBP(int(rateBP)), band.label, contact, paidNote)
	e.Basis = b.String()
	return e
}

// The statuses of a legal case (DESIGN.md §1 stage 5), from the agency's
// referral through the lender's decision to the suit and its end.
const (
	LegalReferred    = "referred"
	LegalApproved    = "approved"
	LegalRejected    = "rejected"
	LegalFiled       = "filed"
	LegalHearing     = "hearing"
	LegalJudgment    = "judgment"
	LegalEnforcement = "enforcement"
	LegalClosed      = "closed"
)

// LegalStatuses lists every status of a legal case in the order a case moves.
var LegalStatuses = []string{LegalReferred, LegalApproved, LegalRejected, LegalFiled, LegalHearing, LegalJudgment, LegalEnforcement, LegalClosed}

// legalSteps is the order a case moves through once referred: the lender
// approves or rejects; an approved case is filed (or closed), heard, judged,
// enforced and closed.
var legalSteps = map[string][]string{
	LegalReferred:    {LegalApproved, LegalRejected},
	LegalApproved:    {LegalFiled, LegalClosed},
	LegalFiled:       {LegalHearing, LegalJudgment, LegalClosed},
	LegalHearing:     {LegalJudgment, LegalClosed},
	LegalJudgment:    {LegalEnforcement, LegalClosed},
	LegalEnforcement: {LegalClosed},
}

// LegalCourtRefMaxRunes is the longest court reference (案号) kept.
const LegalCourtRefMaxRunes = 100

// LegalDecidedByLender reports whether moving a case to status is the
// lender's decision: approving or rejecting a referral. It is the one
// definition of "the lender approves legal action".
func LegalDecidedByLender(status string) bool {
	return status == LegalApproved || status == LegalRejected
}

// LegalOpen reports whether a case in status still stands against the
// account: a second referral is refused while one does.
func LegalOpen(status string) bool { return status != LegalRejected && status != LegalClosed }

// LegalUnderWay reports whether a case in status is approved and not yet
// ended: it runs up costs, and it is the lender's approval the stage
// machine's move to legal needs (CaseState.LegalApproved).
func LegalUnderWay(status string) bool {
	switch status {
	case LegalApproved, LegalFiled, LegalHearing, LegalJudgment, LegalEnforcement:
		return true
	}
	return false
}

// LegalUnderWayStatuses lists the statuses LegalUnderWay accepts, for a
// query's IN list.
func LegalUnderWayStatuses() []string {
	var out []string
	for _, st := range LegalStatuses {
		if LegalUnderWay(st) {
			out = append(out, st)
		}
	}
	return out
}

// LegalOpenStatuses lists the statuses LegalOpen accepts, for a query's IN
// list.
func LegalOpenStatuses() []string {
	var out []string
	for _, st := range LegalStatuses {
		if LegalOpen(st) {
			out = append(out, st)
		}
	}
	return out
}

// LegalStep is one proposed move of a legal case.
type LegalStep struct {
	From, To string
	ByLender bool   // the actor is the lender's staff
	CourtRef string // the court reference given with the step, "" for none (the recorded one stays)
}

// CheckLegalStep says whether a step may be taken: To must follow From
// (conflict), only the lender decides a referral (forbidden), and a court
// reference given is at most LegalCourtRefMaxRunes long (invalid, field
// court_ref). nil when the step may be taken.
func CheckLegalStep(st LegalStep) error {
	if !slices.Contains(legalSteps[st.From], st.To) {
		return collect.E(collect.ECONFLICT, "err.legal.step_not_allowed", "from", st.From, "to", st.To)
	}
	if LegalDecidedByLender(st.To) && !st.ByLender {
		return collect.E(collect.EFORBIDDEN, "err.legal.lender_approves")
	}
	if utf8.RuneCountInString(st.CourtRef) > LegalCourtRefMaxRunes {
		return collect.E(collect.EINVALID, "err.legal.court_ref_too_long").
			WithFields(collect.Field("court_ref", "err.legal.court_ref_max", "max", LegalCourtRefMaxRunes))
	}
	return nil
}

// LegalNext lists, in order, the statuses a case in status may move to by
// the actor (byLender: the lender's staff); empty, never nil, for none.
func LegalNext(status string, byLender bool) []string {
	out := []string{}
	for _, to := range legalSteps[status] {
		if CheckLegalStep(LegalStep{From: status, To: to, ByLender: byLender}) == nil {
			out = append(out, to)
		}
	}
	return out
}

// LegalReferral is what a referral for legal action is checked against.
type LegalReferral struct {
	VerificationComplete bool
	TimeBarred           bool
	LimitationExpires    time.Time
	OpenCase             bool // the account already has an open legal case
}

// Legal referral rule ids.
const (
	RuleLegalTimeBarred = "legal.time_barred"
)

// CheckReferral says whether an account may be referred for legal action:
// verified (stage.legal_before_verification), not time-barred
// (legal.time_barred), with no open case already (conflict).
func CheckReferral(r LegalReferral) error {
	if !r.VerificationComplete {
		return ruleError("err.legal.verify_first", collect.Broken(RuleStageLegalBeforeVerification, "err.legal.rule.unverified"))
	}
	if r.TimeBarred {
		return ruleError("err.legal.time_barred", collect.Broken(RuleLegalTimeBarred, "err.legal.rule.time_barred",
			"date", r.LimitationExpires.Format(time.DateOnly)))
	}
	if r.OpenCase {
		return collect.E(collect.ECONFLICT, "err.legal.case_open")
	}
	return nil
}

// ruleError is the rule violation of a refused step, naming each broken rule.
func ruleError(key string, vs ...collect.Violation) *collect.Error {
	e := collect.E(collect.ERULEVIOLATION, key)
	e.Violations = vs
	return e
}

// LegalSuitEvent is the limitation event a step records: a filing starts a
// suit ("suit"); a judgment, or closing a case filed or heard, ends it
// ("suit_ended"); any other step records none ("").
func LegalSuitEvent(from, to string) string {
	switch {
	case to == LegalFiled:
		return "suit"
	case to == LegalJudgment, to == LegalClosed && (from == LegalFiled || from == LegalHearing):
		return "suit_ended"
	}
	return ""
}
