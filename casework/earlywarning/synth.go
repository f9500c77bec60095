package earlywarning

import (
	"math"
	"math/rand/v2"

	"collect/casework"
)

// synthProvinces are the demo portfolios' provinces and weights (as in
// allocation's demo data).
var synthProvinces = []struct {
	name   string
	weight int
}{
	{"广东省", 12}, {"江苏省", 8}, {"山东省", 9}, {"浙江省", 7}, {"河南省", 9},
	{"四川省", 8}, {"湖北省", 6}, {"湖南省", 6}, {"河北省", 7}, {"福建省", 4},
	{"上海市", 4}, {"北京市", 4}, {"安徽省", 5}, {"陕西省", 4}, {"辽宁省", 4},
	{"重庆市", 3}, {"江西省", 4}, {"广西壮族自治区", 4}, {"云南省", 4}, {"天津市", 2},
}

// synthPeriod holds what drifts between the earlier and the later period.
type synthPeriod struct {
	meanDPD   float64 // mean of the exponential part of DPD
	intercept float64 // a
	dpdCoef   float64 // b
	rpcCoef   float64 // c
}

var (
	synthEarlier = synthPeriod{meanDPD: 110, intercept: 0.6, dpdCoef: 0.45, rpcCoef: 1.5}
	synthLater   = synthPeriod{meanDPD: 120, intercept: 0.5, dpdCoef: 0.47, rpcCoef: 1.4}
)

// SyntheticHistory generates n accounts with a known, learnable relation
// between their features and paying within 30 days of the cutoff, for demo
// data and tests. The first n/2 are the earlier (training) period, the rest
// the later (test) period. The same n and seed give the same accounts.
//
// Each account is drawn as follows (Exp(μ) is exponential with mean μ,
// Bin(k, p) binomial):
//
//	province    the demo portfolios' provinces, by their weights
//	principal   3,000 + Exp(25,000) yuan, capped at 300,000
//	DPD         0 (current, on an arrangement) with probability 0.08,
//	            else 1 + Exp(μ_DPD) capped at 900
//	paid        0 with probability 0.35, else U(0, 0.5) × principal
//	balance     principal × (1 + U(0, 0.15 + DPD/1000)) − paid, at least 5 % of principal
//	last paid   never when nothing was paid, else Exp(45) days ago, capped at 365
//	reach r     U(0, 0.9) × e^(−DPD/400)
//	attempts    Exp(12), capped at 60;  right-party contacts Bin(attempts, r)
//	willingness w ~ N(0, 1), unobserved
//	promises    made Bin(min(RPC, 6), 0.5); kept Bin(made, σ(w));
//	            broken Bin(made − kept, 0.85); the rest still open
//	arrangement promise when one is open, else instalment_plan 10 %,
//	            extension 4 %, settlement 2 %, waiver 2 %, none
//	placements  1 + Exp(0.8) capped at 6; recalls Bin(placements − 1, 0.4)
//
// and pays with probability σ(logit), where
//
//	logit = a − b·log(1 + DPD) + c·RPC share
//	      + 1.4·(kept ratio − 0.5) − 0.35·broken
//	      + 0.8·[paid within 30 days] − 0.6·[never paid]
//	      + 0.25·[promise] + 0.35·[instalment_plan] + 0.2·[extension] + 0.5·[settlement]
//	      − 0.25·recalls − 0.2·(log(1 + balance yuan) − 9)
//	      + 0.15·[广东, 江苏 or 浙江] − 0.1·[河南]
//	      + 0.4·w
//
// with RPC share and kept ratio as in Vector. The earlier period has a =
// 0.6, b = 0.45, c = 1.5, μ_DPD = 110; the later one drifts slightly: a =
// 0.5, b = 0.47, c = 1.4, μ_DPD = 120 (older accounts, a harder market,
// contact worth a little less), about −0.25 on the logit. The willingness w also drives kept
// promises, so the model sees part of it; the rest is noise no model can
// learn, which keeps the AUC realistic (about 0.75-0.8).
func SyntheticHistory(n int, seed uint64) (trainF []Features, trainY []bool, testF []Features, testY []bool) {
	n = max(n, 0)
	rng := rand.New(rand.NewPCG(seed, 0x6561726c7977726e))
	total := 0
	for _, p := range synthProvinces {
		total += p.weight
	}
	gen := func(count int, per synthPeriod) ([]Features, []bool) {
		fs := make([]Features, count)
		ys := make([]bool, count)
		for i := range fs {
			fs[i], ys[i] = synthAccount(rng, per, total)
		}
		return fs, ys
	}
	trainF, trainY = gen(n/2, synthEarlier)
	testF, testY = gen(n-n/2, synthLater)
	return trainF, trainY, testF, testY
}

// synthAccount draws one account and its outcome (see SyntheticHistory).
func synthAccount(rng *rand.Rand, per synthPeriod, provinceTotal int) (Features, bool) {
	var f Features
	pick := rng.IntN(provinceTotal)
	for _, p := range synthProvinces {
		if pick < p.weight {
			f.Province = p.name
			break
		}
		pick -= p.weight
	}
	principal := min(3000+rng.ExpFloat64()*25000, 300000)
	f.PrincipalCents = int64(principal * 100)
	if rng.Float64() >= 0.08 {
		f.DPD = min(1+int(rng.ExpFloat64()*per.meanDPD), 900)
	}
	var paid float64
	if rng.Float64() >= 0.35 {
		paid = rng.Float64() * 0.5 * principal
	}
	f.PaidSoFarCents = int64(paid * 100)
	balance := principal*(1+rng.Float64()*(0.15+float64(f.DPD)/1000)) - paid
	balance = max(balance, 0.05*principal)
	f.BalanceCents = int64(balance * 100)
	f.DaysSinceLastPayment = -1
	if f.PaidSoFarCents > 0 {
		f.DaysSinceLastPayment = min(int(rng.ExpFloat64()*45), 365)
	}
	reach := rng.Float64() * 0.9 * math.Exp(-float64(f.DPD)/400)
	f.ContactAttempts = min(int(rng.ExpFloat64()*12), 60)
	f.RightPartyContacts = binomial(rng, f.ContactAttempts, reach)
	will := rng.NormFloat64()
	f.PromisesMade = binomial(rng, min(f.RightPartyContacts, 6), 0.5)
	f.PromisesKept = binomial(rng, f.PromisesMade, sigmoid(will))
	f.PromisesBroken = binomial(rng, f.PromisesMade-f.PromisesKept, 0.85)
	if f.PromisesMade-f.PromisesKept-f.PromisesBroken > 0 {
		f.ArrangementKind = casework.KindPromise
	} else {
		switch u := rng.Float64(); {
		case u < 0.10:
			f.ArrangementKind = casework.KindInstalmentPlan
		case u < 0.14:
			f.ArrangementKind = casework.KindExtension
		case u < 0.16:
			f.ArrangementKind = casework.KindSettlement
		case u < 0.18:
			f.ArrangementKind = casework.KindWaiver
		}
	}
	f.Placements = min(1+int(rng.ExpFloat64()*0.8), 6)
	f.Recalls = binomial(rng, f.Placements-1, 0.4)

	var rpcShare float64
	if f.ContactAttempts > 0 {
		rpcShare = float64(f.RightPartyContacts) / float64(f.ContactAttempts)
	}
	keptRatio := (float64(f.PromisesKept) + 0.5) / (float64(f.PromisesMade) + 1)
	logit := per.intercept - per.dpdCoef*math.Log1p(float64(f.DPD)) + per.rpcCoef*rpcShare +
		1.4*(keptRatio-0.5) - 0.35*float64(f.PromisesBroken) -
		0.25*float64(f.Recalls) - 0.2*(math.Log1p(balance)-9) + 0.4*will
	switch {
	case f.DaysSinceLastPayment < 0:
		logit -= 0.6
	case f.DaysSinceLastPayment <= 30:
		logit += 0.8
	}
	switch f.ArrangementKind {
	case casework.KindPromise:
		logit += 0.25
	case casework.KindInstalmentPlan:
		logit += 0.35
	case casework.KindExtension:
		logit += 0.2
	case casework.KindSettlement:
		logit += 0.5
	}
	switch f.Province {
	case "广东省", "江苏省", "浙江省":
		logit += 0.15
	case "河南省":
		logit -= 0.1
	}
	return f, rng.Float64() < sigmoid(logit)
}

// binomial draws Bin(k, p) by k trials (k is small here).
func binomial(rng *rand.Rand, k int, p float64) int {
	hits := 0
	for range max(k, 0) {
		if rng.Float64() < p {
			hits++
		}
	}
	return hits
}
