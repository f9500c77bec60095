// Package earlywarning holds the pure part of the early-warning models of
// DESIGN.md §1 stage 4 (follow-up): spot, from an account's history, the
// accounts likely to pay soon (propensity) and the arrangements likely to
// break (arrangement_break), so a collector's time goes where a call moves
// the outcome.
//
// The models are L2-regularised logistic regressions on a small, documented
// feature vector (Vector). Train fits one with gonum's L-BFGS; Score returns a
// probability with the features that moved it most; Evaluate checks a model
// on a later period against a baseline score (the work queue's
// casework.Priority). SyntheticHistory makes demo and test data with a known,
// learnable relation.
//
// The package reads no storage and no clock: the caller computes Features
// from an account's history as of a cutoff date, stamps a trained Model with
// its dates, and stores it.
package earlywarning

import (
	"math"
	"strings"

	"collect/casework"
)

// Features of one account as of a cutoff date (the caller computes them
// from its history). Money is integer cents.
type Features struct {
	DPD                  int   // days past due at the cutoff; ≤ 0 = not overdue
	BalanceCents         int64 // outstanding balance
	PrincipalCents       int64 // principal lent
	PaidSoFarCents       int64 // paid since placement (or since default)
	DaysSinceLastPayment int   // days from the last payment to the cutoff; -1 = never paid

	RightPartyContacts int // conversations with the debtor, last 90 days
	ContactAttempts    int // attempts of any outcome, last 90 days

	PromisesMade   int // promises to pay, all time
	PromisesKept   int // … paid in full by their date
	PromisesBroken int // … missed (a promise still open is neither)

	ArrangementKind string // the live arrangement: "" (none) or a casework.Kind* value

	Placements int // placements with agencies, all time
	Recalls    int // of which recalled by the lender

	Province string // the debtor's province, e.g. "广东省" (also "广东", "Guangdong")
}

// Feature names, in Vector order. Each is described at Vector.
var featureNames = []string{
	"log_balance",
	"log_principal",
	"balance_ratio",
	"paid_ratio",
	"log_dpd",
	"never_paid",
	"log_days_since_payment",
	"paid_last_30d",
	"log_contact_attempts",
	"log_rpc",
	"rpc_share",
	"log_promises_made",
	"kept_ratio",
	"log_promises_broken",
	"log_placements",
	"log_recalls",
	"dpd_current",
	"dpd_m1",
	"dpd_m2",
	"dpd_m3",
	"dpd_m4",
	"dpd_m5_m6",
	"dpd_m6_plus",
	"arr_none",
	"arr_promise",
	"arr_extension",
	"arr_instalment_plan",
	"arr_waiver",
	"arr_settlement",
	"arr_other",
	"prov_guangdong",
	"prov_jiangsu",
	"prov_shandong",
	"prov_zhejiang",
	"prov_henan",
	"prov_sichuan",
	"prov_other",
}

// Names returns the names of Vector's inputs, in order (a fresh slice).
func Names() []string {
	return append([]string(nil), featureNames...)
}

// Amount caps for the ratios: a balance can exceed the principal (penalty
// interest, fees), but beyond these the record is more likely wrong than
// informative.
const (
	maxBalanceRatio = 3.0
	maxPaidRatio    = 2.0
)

// provinces are the one-hot provinces: the six largest of the demo
// portfolios (allocation's demo weights). Any other, or none, is prov_other.
var provinces = []struct{ zh, en string }{
	{"广东", "guangdong"},
	{"江苏", "jiangsu"},
	{"山东", "shandong"},
	{"浙江", "zhejiang"},
	{"河南", "henan"},
	{"四川", "sichuan"},
}

// arrangementKinds are the one-hot arrangement kinds after arr_none; a kind
// not listed is arr_other.
var arrangementKinds = []string{
	casework.KindPromise,
	casework.KindExtension,
	casework.KindInstalmentPlan,
	casework.KindWaiver,
	casework.KindSettlement,
}

// Vector turns features into model inputs, in the order of Names. Amounts
// are in yuan before the log; "log" is the natural log of 1 + the value, so
// zero stays zero. Negative counts and amounts count as zero.
//
//	log_balance             log(1 + balance yuan)
//	log_principal           log(1 + principal yuan)
//	balance_ratio           balance / principal, capped at 3 (0 without a principal)
//	paid_ratio              paid so far / principal, capped at 2 (0 without a principal)
//	log_dpd                 log(1 + DPD)
//	never_paid              1 when DaysSinceLastPayment < 0
//	log_days_since_payment  log(1 + days since the last payment), 0 when never paid
//	paid_last_30d           1 when the last payment was 0-30 days ago
//	log_contact_attempts    log(1 + contact attempts, 90 days)
//	log_rpc                 log(1 + right-party contacts, 90 days)
//	rpc_share               right-party contacts / attempts (0 without attempts), capped at 1
//	log_promises_made       log(1 + promises made)
//	kept_ratio              (kept + 0.5) / (made + 1): 0.5 with no promise, towards
//	                        the kept share as promises accumulate
//	log_promises_broken     log(1 + promises broken)
//	log_placements          log(1 + placements)
//	log_recalls             log(1 + recalls)
//	dpd_*                   one-hot DPD bucket: current (≤ 0), M1 1-30, M2 31-60,
//	                        M3 61-90, M4 91-120, M5-M6 121-180, M6+ over 180
//	arr_*                   one-hot live arrangement: none, promise, extension,
//	                        instalment_plan, waiver, settlement, other (unknown kind)
//	prov_*                  one-hot province: guangdong, jiangsu, shandong,
//	                        zhejiang, henan, sichuan, other (any other or none);
//	                        matched on the Chinese short name ("广东省", "广东")
//	                        or the pinyin, case-insensitive ("Guangdong")
//
// The log keeps a few very large amounts or counts from dominating; the DPD
// buckets let the model bend the DPD curve the way casework.Priority's
// w(DPD) does.
func Vector(f Features) []float64 {
	v := make([]float64, len(featureNames))
	fill(v, f)
	return v
}

// fill writes f's inputs into v (len(v) == len(featureNames)).
func fill(v []float64, f Features) {
	balance := float64(max(f.BalanceCents, 0)) / 100
	principal := float64(max(f.PrincipalCents, 0)) / 100
	paid := float64(max(f.PaidSoFarCents, 0)) / 100
	v[0] = math.Log1p(balance)
	v[1] = math.Log1p(principal)
	if principal > 0 {
		v[2] = min(balance/principal, maxBalanceRatio)
		v[3] = min(paid/principal, maxPaidRatio)
	}
	dpd := max(f.DPD, 0)
	v[4] = math.Log1p(float64(dpd))
	if f.DaysSinceLastPayment < 0 {
		v[5] = 1
	} else {
		v[6] = math.Log1p(float64(f.DaysSinceLastPayment))
		if f.DaysSinceLastPayment <= 30 {
			v[7] = 1
		}
	}
	attempts := max(f.ContactAttempts, 0)
	rpc := max(f.RightPartyContacts, 0)
	v[8] = math.Log1p(float64(attempts))
	v[9] = math.Log1p(float64(rpc))
	if attempts > 0 {
		v[10] = min(float64(rpc)/float64(attempts), 1)
	}
	made := max(f.PromisesMade, 0)
	kept := min(max(f.PromisesKept, 0), made)
	v[11] = math.Log1p(float64(made))
	v[12] = (float64(kept) + 0.5) / (float64(made) + 1)
	v[13] = math.Log1p(float64(max(f.PromisesBroken, 0)))
	v[14] = math.Log1p(float64(max(f.Placements, 0)))
	v[15] = math.Log1p(float64(max(f.Recalls, 0)))

	const dpdAt, arrAt, provAt = 16, 23, 30
	v[dpdAt+dpdBucket(f.DPD)] = 1
	v[arrAt+arrangementIndex(f.ArrangementKind)] = 1
	v[provAt+provinceIndex(f.Province)] = 1
}

// dpdBucket is the index of the DPD one-hot: 0 current … 6 M6+.
func dpdBucket(dpd int) int {
	switch {
	case dpd <= 0:
		return 0
	case dpd <= 30:
		return 1
	case dpd <= 60:
		return 2
	case dpd <= 90:
		return 3
	case dpd <= 120:
		return 4
	case dpd <= 180:
		return 5
	}
	return 6
}

// arrangementIndex is the index of the arrangement one-hot: 0 none, 1-5 the
// known kinds, 6 other.
func arrangementIndex(kind string) int {
	kind = strings.TrimSpace(kind)
	if kind == "" {
		return 0
	}
	for i, k := range arrangementKinds {
		if k == kind {
			return 1 + i
		}
	}
	return 1 + len(arrangementKinds)
}

// provinceIndex is the index of the province one-hot: 0-5 the listed
// provinces, 6 other.
func provinceIndex(p string) int {
	p = strings.TrimSpace(p)
	if p != "" {
		en := strings.TrimSuffix(strings.ToLower(p), " province")
		for i, pr := range provinces {
			if strings.HasPrefix(p, pr.zh) || en == pr.en {
				return i
			}
		}
	}
	return len(provinces)
}
