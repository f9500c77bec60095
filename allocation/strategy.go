package allocation

// Allocation strategies (DESIGN.md §2 "Allocation", API.md "Allocation
// strategies"): pure functions from candidate accounts, agencies and a
// strategy's parameters to a plan. No database, no HTTP: the service layer
// loads the inputs, calls BuildPlan, shows the plan as a dry run and commits it.
//
// Determinism: the plan depends only on the inputs' contents and the seed,
// never on the order of the input slices (candidates are worked in AccountID
// order, agencies in AgencyID order, and every random choice is drawn from one
// PCG stream seeded from seed).

import (
	"cmp"
	"collect"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Strategy names (API.md).
const (
	StrategyManual              = "manual"
	StrategyRules               = "rules"
	StrategyCapacityBalanced    = "capacity_balanced"
	StrategyPerformanceWeighted = "performance_weighted"
	StrategyChampionChallenger  = "champion_challenger"
)

// Strategies lists the strategy names in the order API.md gives them.
func Strategies() []string {
	return []string{StrategyManual, StrategyRules, StrategyCapacityBalanced,
		StrategyPerformanceWeighted, StrategyChampionChallenger}
}

// Assignment reason codes (Assignment.ReasonCode).
const (
	ReasonManual     = "manual"
	ReasonRule       = "rule"
	ReasonBalanced   = "balanced"
	ReasonWeighted   = "weighted"
	ReasonChampion   = "champion"
	ReasonChallenger = "challenger"
)

// Groups of champion_challenger (Assignment.Group, Mix.Group).
const (
	GroupChampion   = "champion"
	GroupChallenger = "challenger"
)

// Unassigned reason codes (Unassigned.Reason). The five exclusion flags come
// first, in the order they are checked.
const (
	UnassignedDisputeOpen        = "dispute_open"
	UnassignedLegalHold          = "legal_hold"
	UnassignedCeaseCommunication = "cease_communication"
	UnassignedDeceased           = "deceased"
	UnassignedBankrupt           = "bankrupt"
	UnassignedNoEligibleAgency   = "no_eligible_agency"
	UnassignedCapacityFull       = "capacity_full"
	UnassignedNoRuleMatched      = "no_rule_matched"
	UnassignedNotInPortfolio     = "not_in_portfolio"
)

// DefaultChallengerShare is champion_challenger's share when none is given.
const DefaultChallengerShare = 0.2

// Bands of an account's propensity-to-pay score (Candidate.ScoreBand,
// Rule.ScoreBand): the names casework/earlywarning gives them
// (earlywarning.BandHigh ≥ 0.40, BandMedium 0.15–0.40, BandLow < 0.15),
// repeated here because earlywarning imports this package. "" is an account
// without a score (its lender has no propensity model in use, or it has not
// been scored yet).
const (
	ScoreBandHigh   = "high"
	ScoreBandMedium = "medium"
	ScoreBandLow    = "low"
)

// What the stratifying strategies (capacity_balanced, performance_weighted,
// champion_challenger) stratify by (PlanParams.Strata).
const (
	StrataBalance   = "balance"    // bucket × balance quartile within the bucket; the default
	StrataScoreBand = "score_band" // bucket × score band, the accounts without a score a stratum of their own
)

// bandSlot maps a score band to its place within a bucket's strata: 0 not
// scored, 1 low, 2 medium, 3 high; ok is false for an unknown band.
func bandSlot(band string) (slot uint8, ok bool) {
	switch band {
	case "":
		return 0, true
	case ScoreBandLow:
		return 1, true
	case ScoreBandMedium:
		return 2, true
	case ScoreBandHigh:
		return 3, true
	}
	return 0, false
}

// bandNames is bandSlot's inverse.
var bandNames = [4]string{"", ScoreBandLow, ScoreBandMedium, ScoreBandHigh}

// Candidate is an account that may be allocated.
type Candidate struct {
	AccountID    string
	Bucket       string // M1..M6+
	Province     string
	BalanceCents int64
	ScoreBand    string // propensity-to-pay band: "" not scored, else high, medium or low

	DisputeOpen, LegalHold, CeaseCommunication, Deceased, Bankrupt bool
	// RecalledBy lists agencies that recalled this account within the
	// cooling-off period (the caller computes the window): they may not get it back.
	RecalledBy []string
}

// AgencyTarget is an agency that may receive accounts from this lender.
type AgencyTarget struct {
	AgencyID          string
	Name              string
	Active            bool     // organisation active and contract with this lender active
	LicensedProvinces []string // provinces it is licensed in; "*" means nationwide; empty means none
	AcceptedBuckets   []string // empty means every bucket
	Capacity          int      // how many more accounts it can take now
	Score             float64  // scorecard score (0 when none)
	FeeBPByBucket     map[string]int
}

// Rule is one line of the rules strategy: an account matching every set
// condition goes to AgencyID.
type Rule struct {
	Bucket          string `json:"bucket"`            // "" = any
	Province        string `json:"province"`          // "" = any
	ScoreBand       string `json:"score_band"`        // "" = any, else high, medium or low; an account without a score matches only ""
	MinBalanceCents int64  `json:"min_balance_cents"` // inclusive
	MaxBalanceCents int64  `json:"max_balance_cents"` // inclusive; 0 = no upper limit
	AgencyID        string `json:"agency_id"`
}

// PlanParams are a strategy's parameters (API.md: params).
type PlanParams struct {
	Strategy        string             `json:"-"`
	AgencyID        string             `json:"agency_id,omitempty"`        // manual
	AccountIDs      []string           `json:"account_ids,omitempty"`      // manual
	Rules           []Rule             `json:"rules,omitempty"`            // rules
	AgencyIDs       []string           `json:"agency_ids,omitempty"`       // optional restriction; champion_challenger: [0] is the champion, the rest challengers
	Weights         map[string]float64 `json:"weights,omitempty"`          // performance_weighted when agencies have no Score
	ChallengerShare float64            `json:"challenger_share,omitempty"` // champion_challenger, default 0.2, must be in (0, 1)
	Strata          string             `json:"strata,omitempty"`           // capacity_balanced, performance_weighted, champion_challenger: "" or "balance" (bucket × balance quartile), "score_band" (bucket × score band)
}

// Assignment is one account placed with one agency by a plan.
type Assignment struct {
	AccountID    string
	AgencyID     string
	Group        string // "champion" / "challenger" for champion_challenger, else ""
	ReasonCode   string // manual, rule, balanced, weighted, champion, challenger
	Reason       string // a short English sentence with the specifics: Plan.Reasons[ReasonNo] in English
	ReasonNo     int    // the index of the reason in Plan.Reasons
	Bucket       string
	BalanceCents int64
	FeeRateBP    int // the agency's fee for the account's bucket
}

// Unassigned is an account the plan could not place, and why (a code).
type Unassigned struct {
	AccountID string
	Reason    string
}

// Mix is a group's or an agency's share of the plan.
type Mix struct {
	Key             string // agency id or group name
	Name            string
	Group           string
	Count           int
	BalanceCents    int64
	CountByBucket   map[string]int
	BalanceByBucket map[string]int64
}

// Plan is the outcome of a strategy: what goes where, what stays, and the mix
// each agency (and group) receives.
type Plan struct {
	Strategy    string
	Seed        int64
	Assignments []Assignment // sorted by AccountID
	// Reasons are the plan's distinct assignment reasons as catalogue keys
	// with their arguments (views/locales/allocation.*), so a page says them
	// in the reader's language; the words inside (a stratum, a score band,
	// a rule's conditions) are nested collect.Phrase arguments.
	Reasons    []collect.Phrase
	Unassigned []Unassigned // sorted by AccountID
	ByAgency   []Mix        // agencies with at least one assignment, sorted by name then id
	Groups     []Mix        // champion_challenger only: "champion" then "challenger"
}

// BuildPlan allocates candidates to agencies with the strategy in p and the
// seed. The same inputs and seed give the same plan whatever the order of the
// input slices. Bad parameters are an *Error with code EINVALID naming the problem.
func BuildPlan(cands []Candidate, agencies []AgencyTarget, p PlanParams, seed int64) (Plan, error) {
	switch p.Strategy {
	case StrategyManual, StrategyRules, StrategyCapacityBalanced, StrategyPerformanceWeighted, StrategyChampionChallenger:
	default:
		return Plan{}, collect.E(collect.EINVALID, "err.strategy.unknown", "strategy", strconv.Quote(p.Strategy), "want", strings.Join(Strategies(), ", "))
	}
	pl, err := newPlanner(cands, agencies, p, seed)
	if err != nil {
		return Plan{}, err
	}
	var extra []Unassigned
	switch p.Strategy {
	case StrategyManual:
		extra = pl.manual()
	case StrategyRules:
		pl.rules()
	case StrategyCapacityBalanced, StrategyPerformanceWeighted:
		pl.weighted()
	case StrategyChampionChallenger:
		pl.championChallenger()
	}
	return pl.plan(extra), nil
}

// Per-account outcome codes; 0 means "not in the plan" (manual only).
const (
	codeNone uint8 = iota
	codeDisputeOpen
	codeLegalHold
	codeCeaseCommunication
	codeDeceased
	codeBankrupt
	codeNoEligibleAgency
	codeCapacityFull
	codeNoRuleMatched
	codeAssigned
)

var codeNames = [...]string{
	codeDisputeOpen:        UnassignedDisputeOpen,
	codeLegalHold:          UnassignedLegalHold,
	codeCeaseCommunication: UnassignedCeaseCommunication,
	codeDeceased:           UnassignedDeceased,
	codeBankrupt:           UnassignedBankrupt,
	codeNoEligibleAgency:   UnassignedNoEligibleAgency,
	codeCapacityFull:       UnassignedCapacityFull,
	codeNoRuleMatched:      UnassignedNoRuleMatched,
	codeAssigned:           "",
}

// Excluded: an exclusion flag is set on the account (open dispute, legal
// hold, cease request, deceased, bankrupt), so it is neither placed nor
// tendered. Plans report the first flag set as the reason.
func (c Candidate) Excluded() bool { return exclusion(&c) != 0 }

// exclusion returns the code of the first exclusion flag set on c, or 0.
func exclusion(c *Candidate) uint8 {
	switch {
	case c.DisputeOpen:
		return codeDisputeOpen
	case c.LegalHold:
		return codeLegalHold
	case c.CeaseCommunication:
		return codeCeaseCommunication
	case c.Deceased:
		return codeDeceased
	case c.Bankrupt:
		return codeBankrupt
	}
	return 0
}

// planner holds one BuildPlan's working state. Accounts are addressed by
// their position in AccountID order ("pos"); agencies by their index in
// AgencyID order.
type planner struct {
	p     PlanParams
	seed  int64
	rng   *rand.Rand
	cands []Candidate
	order []int32 // order[pos] is the index in cands

	ags        []AgencyTarget // sorted by AgencyID
	agIdx      map[string]int32
	capLeft    []int
	allowed    []bool    // the strategy considers the agency (Active, in p.AgencyIDs, positive weight...)
	weights    []float64 // capacity_balanced and performance_weighted: target share weights
	weightKind string    // "capacity", "score" or "weight", for the reasons
	restrict   map[string]bool

	bucketNames []string
	bucketOf    []int32 // per pos
	provNames   []string
	provOf      []int32 // per pos
	comboOf     []int32 // per pos: index of the (province, bucket) pair
	comboProv   []int32
	comboBucket []int32
	excl        []uint8 // per pos: exclusion code or 0
	balOf       []int64 // per pos
	bandOf      []uint8 // per pos: bandSlot of the score band
	hasRecall   []bool  // per pos: RecalledBy is not empty

	words     int      // bitset words per combo
	comboMask []uint64 // per combo: agencies statically eligible (all but capacity and RecalledBy)
	comboList [][]int32
	fee       []int // [agency*len(bucketNames)+bucket]

	// outcome per pos
	code     []uint8
	agencyOf []int32
	reasonOf []int32
	groupOf  []uint8 // 0 none, 1 champion, 2 challenger

	reasons   []collect.Phrase
	english   []string // reasons[i] in English
	reasonIdx map[string]int32

	groupNames [3]string // Mix names of the cc groups
	groupAgs   [3][]int32
}

func newPlanner(cands []Candidate, agencies []AgencyTarget, p PlanParams, seed int64) (*planner, error) {
	if len(cands) >= math.MaxInt32 {
		return nil, collect.E(collect.EINVALID, "err.strategy.too_many_candidates", "count", len(cands))
	}
	pl := &planner{p: p, seed: seed, cands: cands, reasonIdx: map[string]int32{}}
	pl.rng = rand.New(rand.NewPCG(uint64(seed), 0x636f6c6c65637421)) // "collect!"

	// Agencies, sorted by id.
	pl.ags = slices.Clone(agencies)
	slices.SortFunc(pl.ags, func(a, b AgencyTarget) int { return strings.Compare(a.AgencyID, b.AgencyID) })
	pl.agIdx = make(map[string]int32, len(pl.ags))
	for i, a := range pl.ags {
		if a.AgencyID == "" {
			return nil, collect.E(collect.EINVALID, "err.strategy.agency_no_id")
		}
		if _, dup := pl.agIdx[a.AgencyID]; dup {
			return nil, collect.E(collect.EINVALID, "err.strategy.agency_twice", "agency", a.AgencyID)
		}
		pl.agIdx[a.AgencyID] = int32(i)
	}
	pl.capLeft = make([]int, len(pl.ags))
	for i, a := range pl.ags {
		pl.capLeft[i] = max(a.Capacity, 0)
	}
	pl.words = (len(pl.ags) + 63) / 64
	if pl.words == 0 {
		pl.words = 1
	}

	// Which agencies the strategy considers at all; validates parameters
	// before the heavy work starts.
	if err := pl.validate(); err != nil {
		return nil, err
	}

	order, err := sortedOrder(cands)
	if err != nil {
		return nil, err
	}
	pl.order = order
	if err := pl.index(); err != nil {
		return nil, err
	}
	return pl, nil
}

// validate checks p against the agencies and sets pl.allowed.
func (pl *planner) validate() error {
	p := pl.p
	n := len(pl.ags)
	switch p.Strata {
	case "", StrataBalance, StrataScoreBand:
	default:
		return collect.E(collect.EINVALID, "err.strategy.strata_unknown", "strata", strconv.Quote(p.Strata), "balance", StrataBalance, "score_band", StrataScoreBand)
	}
	pl.allowed = make([]bool, n)
	restrict := map[string]bool{}
	for _, id := range p.AgencyIDs {
		if _, ok := pl.agIdx[id]; !ok {
			return collect.E(collect.EINVALID, "err.strategy.agency_ids_unknown", "agency", strconv.Quote(id))
		}
		if restrict[id] {
			return collect.E(collect.EINVALID, "err.strategy.agency_ids_twice", "agency", id)
		}
		restrict[id] = true
	}
	pl.restrict = restrict
	base := func(i int) bool {
		a := pl.ags[i]
		return a.Active && (len(restrict) == 0 || restrict[a.AgencyID])
	}
	switch p.Strategy {
	case StrategyManual:
		if p.AgencyID == "" {
			return collect.E(collect.EINVALID, "err.strategy.manual_agency_required")
		}
		i, ok := pl.agIdx[p.AgencyID]
		if !ok {
			return collect.E(collect.EINVALID, "err.strategy.manual_agency_unknown", "agency", strconv.Quote(p.AgencyID))
		}
		if len(p.AccountIDs) == 0 {
			return collect.E(collect.EINVALID, "err.strategy.manual_accounts_empty")
		}
		pl.allowed[i] = base(int(i))

	case StrategyRules:
		if len(p.Rules) == 0 {
			return collect.E(collect.EINVALID, "err.strategy.rules_empty")
		}
		for k, r := range p.Rules {
			if r.AgencyID == "" {
				return collect.E(collect.EINVALID, "err.strategy.rule_agency_required", "rule", k+1)
			}
			if _, ok := pl.agIdx[r.AgencyID]; !ok {
				return collect.E(collect.EINVALID, "err.strategy.rule_agency_unknown", "rule", k+1, "agency", strconv.Quote(r.AgencyID))
			}
			if r.MinBalanceCents < 0 || r.MaxBalanceCents < 0 {
				return collect.E(collect.EINVALID, "err.strategy.rule_negative", "rule", k+1)
			}
			if r.MaxBalanceCents != 0 && r.MinBalanceCents > r.MaxBalanceCents {
				return collect.E(collect.EINVALID, "err.strategy.rule_min_above_max", "rule", k+1, "min", r.MinBalanceCents, "max", r.MaxBalanceCents)
			}
			if _, ok := bandSlot(r.ScoreBand); !ok {
				return collect.E(collect.EINVALID, "err.strategy.rule_score_band", "rule", k+1, "band", strconv.Quote(r.ScoreBand), "high", ScoreBandHigh, "medium", ScoreBandMedium, "low", ScoreBandLow)
			}
		}
		for i := range n {
			pl.allowed[i] = base(i)
		}

	case StrategyCapacityBalanced:
		pl.weights, pl.weightKind = make([]float64, n), "capacity"
		for i := range n {
			pl.allowed[i] = base(i)
			if pl.allowed[i] {
				pl.weights[i] = float64(pl.capLeft[i])
			}
		}

	case StrategyPerformanceWeighted:
		for id, w := range p.Weights {
			if _, ok := pl.agIdx[id]; !ok {
				return collect.E(collect.EINVALID, "err.strategy.weights_agency_unknown", "agency", strconv.Quote(id))
			}
			if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
				return collect.E(collect.EINVALID, "err.strategy.weight_invalid", "agency", id, "weight", fmt.Sprint(w))
			}
		}
		for i := range n {
			pl.allowed[i] = base(i)
		}
		if err := pl.scoreWeights(); err != nil {
			return err
		}

	case StrategyChampionChallenger:
		if len(p.AgencyIDs) < 2 {
			return collect.E(collect.EINVALID, "err.strategy.challenger_agencies", "got", len(p.AgencyIDs))
		}
		s := p.ChallengerShare
		if s == 0 {
			s = DefaultChallengerShare
		}
		if !(s > 0 && s < 1) {
			return collect.E(collect.EINVALID, "err.strategy.challenger_share", "share", fmt.Sprint(p.ChallengerShare))
		}
		for i := range n {
			pl.allowed[i] = base(i)
		}
	}
	return nil
}

// scoreWeights sets performance_weighted's weights: the scorecard scores, or
// p.Weights when no agency considered has a score. Agencies with zero weight
// get nothing: they are not eligible.
func (pl *planner) scoreWeights() error {
	na := len(pl.ags)
	w := make([]float64, na)
	kind := "score"
	anyScore := false
	for a := range na {
		if s := pl.ags[a].Score; pl.allowed[a] && s > 0 && !math.IsInf(s, 0) {
			w[a] = s
			anyScore = true
		}
	}
	if !anyScore {
		// No scorecards: the weights decide. They must give some agency
		// (among agency_ids, when given) a positive weight; whether that
		// agency is active is the data's business, not the parameters'.
		kind = "weight"
		given := false
		for id, v := range pl.p.Weights {
			if v > 0 && (len(pl.restrict) == 0 || pl.restrict[id]) {
				given = true
			}
		}
		if !given {
			return collect.E(collect.EINVALID, "err.strategy.no_scores")
		}
		for a := range na {
			if pl.allowed[a] {
				w[a] = pl.p.Weights[pl.ags[a].AgencyID]
			}
		}
	}
	for a := range na {
		if w[a] <= 0 {
			pl.allowed[a] = false
		}
	}
	pl.weights, pl.weightKind = w, kind
	return nil
}

// sortedOrder returns the candidates' indices in AccountID order; an empty
// or repeated id is EINVALID.
func sortedOrder(cands []Candidate) ([]int32, error) {
	type kv struct {
		id string
		i  int32
	}
	keys := make([]kv, len(cands))
	for i := range cands {
		keys[i] = kv{cands[i].AccountID, int32(i)}
	}
	less := func(a, b kv) int { return strings.Compare(a.id, b.id) }
	if len(keys) < 1<<15 {
		slices.SortFunc(keys, less)
	} else {
		// Two halves on two goroutines, then a merge: sorting is the
		// largest single cost of a big plan.
		h := len(keys) / 2
		var wg sync.WaitGroup
		wg.Go(func() { slices.SortFunc(keys[:h], less) })
		slices.SortFunc(keys[h:], less)
		wg.Wait()
		merged := make([]kv, len(keys))
		i, j, k := 0, h, 0
		for i < h && j < len(keys) {
			if keys[j].id < keys[i].id {
				merged[k] = keys[j]
				j++
			} else {
				merged[k] = keys[i]
				i++
			}
			k++
		}
		k += copy(merged[k:], keys[i:h])
		copy(merged[k:], keys[j:])
		keys = merged
	}
	order := make([]int32, len(keys))
	for k, e := range keys {
		if e.id == "" {
			return nil, collect.E(collect.EINVALID, "err.strategy.candidate_no_id")
		}
		if k > 0 && keys[k-1].id == e.id {
			return nil, collect.E(collect.EINVALID, "err.strategy.candidate_twice", "account", e.id)
		}
		order[k] = e.i
	}
	return order, nil
}

// index maps provinces, buckets and score bands to small integers, records
// exclusions and works out, for every (province, bucket) pair present, which
// agencies are eligible apart from capacity and RecalledBy. An unknown score
// band is EINVALID.
func (pl *planner) index() error {
	n := len(pl.order)
	pl.bucketOf = make([]int32, n)
	pl.provOf = make([]int32, n)
	pl.comboOf = make([]int32, n)
	pl.excl = make([]uint8, n)
	pl.code = make([]uint8, n)
	pl.agencyOf = make([]int32, n)
	pl.reasonOf = make([]int32, n)
	pl.balOf = make([]int64, n)
	pl.hasRecall = make([]bool, n)
	pl.bandOf = make([]uint8, n)
	inv := make([]int32, n)
	for pos, ci := range pl.order {
		inv[ci] = int32(pos)
	}

	// Read the candidates in their own order (sequential memory) and scatter
	// into the small per-pos arrays. Province and bucket indices are given in
	// input order and so depend on it, but nothing observable depends on them
	// (strata are ordered by bucket name, agencies by id).
	bIdx := map[string]int32{}
	pIdx := map[string]int32{}
	lastB, lastP := "\x00", "\x00"
	var lb, lp int32
	for ci := range pl.cands {
		c := &pl.cands[ci]
		pos := inv[ci]
		if c.Bucket != lastB {
			b, ok := bIdx[c.Bucket]
			if !ok {
				b = int32(len(pl.bucketNames))
				bIdx[c.Bucket] = b
				pl.bucketNames = append(pl.bucketNames, c.Bucket)
			}
			lastB, lb = c.Bucket, b
		}
		if c.Province != lastP {
			pr, ok := pIdx[c.Province]
			if !ok {
				pr = int32(len(pl.provNames))
				pIdx[c.Province] = pr
				pl.provNames = append(pl.provNames, c.Province)
			}
			lastP, lp = c.Province, pr
		}
		pl.bucketOf[pos] = lb
		pl.provOf[pos] = lp
		pl.excl[pos] = exclusion(c)
		pl.agencyOf[pos] = -1
		pl.balOf[pos] = c.BalanceCents
		pl.hasRecall[pos] = len(c.RecalledBy) > 0
		if c.ScoreBand != "" {
			slot, ok := bandSlot(c.ScoreBand)
			if !ok {
				return collect.E(collect.EINVALID, "err.strategy.candidate_score_band", "account", c.AccountID, "band", strconv.Quote(c.ScoreBand), "high", ScoreBandHigh, "medium", ScoreBandMedium, "low", ScoreBandLow)
			}
			pl.bandOf[pos] = slot
		}
	}

	// (province, bucket) pairs: a dense table when small, else a map.
	nb, np := len(pl.bucketNames), len(pl.provNames)
	if np*nb <= 1<<20 {
		dense := make([]int32, np*nb)
		for i := range dense {
			dense[i] = -1
		}
		for pos := range n {
			k := int(pl.provOf[pos])*nb + int(pl.bucketOf[pos])
			if dense[k] < 0 {
				dense[k] = int32(len(pl.comboProv))
				pl.comboProv = append(pl.comboProv, pl.provOf[pos])
				pl.comboBucket = append(pl.comboBucket, pl.bucketOf[pos])
			}
			pl.comboOf[pos] = dense[k]
		}
	} else {
		m := map[uint64]int32{}
		for pos := range n {
			k := uint64(pl.provOf[pos])<<32 | uint64(pl.bucketOf[pos])
			id, ok := m[k]
			if !ok {
				id = int32(len(pl.comboProv))
				m[k] = id
				pl.comboProv = append(pl.comboProv, pl.provOf[pos])
				pl.comboBucket = append(pl.comboBucket, pl.bucketOf[pos])
			}
			pl.comboOf[pos] = id
		}
	}

	na := len(pl.ags)
	nationwide := make([]bool, na)
	lic := make([]map[string]bool, na)
	acc := make([]map[string]bool, na)
	for a, ag := range pl.ags {
		lic[a] = map[string]bool{}
		for _, pr := range ag.LicensedProvinces {
			if pr == "*" {
				nationwide[a] = true
			}
			lic[a][pr] = true
		}
		if len(ag.AcceptedBuckets) > 0 {
			acc[a] = map[string]bool{}
			for _, b := range ag.AcceptedBuckets {
				acc[a][b] = true
			}
		}
	}
	nc := len(pl.comboProv)
	pl.comboMask = make([]uint64, nc*pl.words)
	pl.comboList = make([][]int32, nc)
	for c := range nc {
		prov := pl.provNames[pl.comboProv[c]]
		bucket := pl.bucketNames[pl.comboBucket[c]]
		for a := range na {
			if !pl.allowed[a] {
				continue
			}
			if !nationwide[a] && !lic[a][prov] {
				continue
			}
			if acc[a] != nil && !acc[a][bucket] {
				continue
			}
			pl.comboMask[c*pl.words+a/64] |= 1 << (a % 64)
			pl.comboList[c] = append(pl.comboList[c], int32(a))
		}
	}
	pl.fee = make([]int, na*nb)
	for a, ag := range pl.ags {
		for b, name := range pl.bucketNames {
			pl.fee[a*nb+b] = ag.FeeBPByBucket[name]
		}
	}
	return nil
}

// staticOK reports whether agency a is eligible for the account at pos apart
// from capacity and RecalledBy.
func (pl *planner) staticOK(pos int32, a int32) bool {
	c := int(pl.comboOf[pos])
	return pl.comboMask[c*pl.words+int(a)/64]&(1<<(a%64)) != 0
}

// recalled reports whether agency a recalled the account at pos.
func (pl *planner) recalled(pos int32, a int32) bool {
	if !pl.hasRecall[pos] {
		return false
	}
	return slices.Contains(pl.cands[pl.order[pos]].RecalledBy, pl.ags[a].AgencyID)
}

// check classifies agency a for the account at pos: 0 eligible, 1 blocked
// only by capacity, 2 ineligible for another reason.
func (pl *planner) check(pos, a int32) int {
	if !pl.staticOK(pos, a) || pl.recalled(pos, a) {
		return 2
	}
	if pl.capLeft[a] <= 0 {
		return 1
	}
	return 0
}

func (pl *planner) assign(pos, a, reason int32, group uint8) {
	pl.code[pos] = codeAssigned
	pl.agencyOf[pos] = a
	pl.reasonOf[pos] = reason
	if group != 0 {
		pl.groupOf[pos] = group
	}
	pl.capLeft[a]--
}

// reason interns a reason, built by mk and put in English only the first
// time key is seen (a plan of a million accounts has a few hundred reasons).
func (pl *planner) reason(key string, mk func() collect.Phrase) int32 {
	if id, ok := pl.reasonIdx[key]; ok {
		return id
	}
	id := int32(len(pl.reasons))
	why := mk()
	pl.reasons = append(pl.reasons, why)
	pl.english = append(pl.english, why.String())
	pl.reasonIdx[key] = id
	return id
}

func (pl *planner) agName(a int32) string {
	if n := pl.ags[a].Name; n != "" {
		return n
	}
	return pl.ags[a].AgencyID
}

// manual places the listed accounts with p.AgencyID; it returns the listed
// ids that are not candidates.
func (pl *planner) manual() []Unassigned {
	a := pl.agIdx[pl.p.AgencyID]
	ids := slices.Clone(pl.p.AccountIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var unknown []Unassigned
	why := pl.reason("manual", func() collect.Phrase {
		return collect.Say("err.plan.reason.manual", "agency", pl.agName(a))
	})
	for _, id := range ids {
		pos, found := slices.BinarySearchFunc(pl.order, id, func(ci int32, id string) int {
			return strings.Compare(pl.cands[ci].AccountID, id)
		})
		if !found {
			unknown = append(unknown, Unassigned{AccountID: id, Reason: UnassignedNotInPortfolio})
			continue
		}
		p := int32(pos)
		if e := pl.excl[p]; e != 0 {
			pl.code[p] = e
			continue
		}
		switch pl.check(p, a) {
		case 0:
			pl.assign(p, a, why, 0)
		case 1:
			pl.code[p] = codeCapacityFull
		default:
			pl.code[p] = codeNoEligibleAgency
		}
	}
	return unknown
}

// pool returns the positions of the accounts without an exclusion flag and
// marks the others with their flag.
func (pl *planner) pool() []int32 {
	out := make([]int32, 0, len(pl.order))
	for pos, e := range pl.excl {
		if e != 0 {
			pl.code[pos] = e
			continue
		}
		out = append(out, int32(pos))
	}
	return out
}

// rules: the first rule that matches the account and whose agency is
// eligible wins. Accounts are worked in a seeded random order so that, when
// an agency fills up, which accounts fall through to later rules is not
// decided by their ids.
func (pl *planner) rules() {
	type crule struct {
		bucket, prov int32 // -1 any, -2 absent from the candidates
		band         uint8 // bandSlot: 0 any, else the band required
		min, max     int64
		agency       int32
		reason       int32
	}
	bIdx := map[string]int32{}
	for i, b := range pl.bucketNames {
		bIdx[b] = int32(i)
	}
	pIdx := map[string]int32{}
	for i, p := range pl.provNames {
		pIdx[p] = int32(i)
	}
	resolve := func(m map[string]int32, s string) int32 {
		if s == "" {
			return -1
		}
		if v, ok := m[s]; ok {
			return v
		}
		return -2
	}
	rs := make([]crule, len(pl.p.Rules))
	for k, r := range pl.p.Rules {
		a := pl.agIdx[r.AgencyID]
		why := collect.Say("err.plan.reason.rule", "rule", k+1, "conditions", ruleConditions(r), "agency", pl.agName(a))
		band, _ := bandSlot(r.ScoreBand) // validated
		rs[k] = crule{
			bucket: resolve(bIdx, r.Bucket), prov: resolve(pIdx, r.Province), band: band,
			min: r.MinBalanceCents, max: r.MaxBalanceCents, agency: a,
			reason: pl.reason(fmt.Sprint("rule ", k), func() collect.Phrase { return why }),
		}
	}
	work := pl.pool()
	pl.rng.Shuffle(len(work), func(i, j int) { work[i], work[j] = work[j], work[i] })
	for _, pos := range work {
		b, pr := pl.bucketOf[pos], pl.provOf[pos]
		bal, band := pl.balOf[pos], pl.bandOf[pos]
		matched, capOnly, done := false, false, false
		for k := range rs {
			r := &rs[k]
			if (r.bucket != -1 && r.bucket != b) || (r.prov != -1 && r.prov != pr) ||
				(r.band != 0 && r.band != band) ||
				bal < r.min || (r.max != 0 && bal > r.max) {
				continue
			}
			matched = true
			switch pl.check(pos, r.agency) {
			case 0:
				pl.assign(pos, r.agency, r.reason, 0)
				done = true
			case 1:
				capOnly = true
			}
			if done {
				break
			}
		}
		switch {
		case done:
		case !matched:
			pl.code[pos] = codeNoRuleMatched
		case capOnly:
			pl.code[pos] = codeCapacityFull
		default:
			pl.code[pos] = codeNoEligibleAgency
		}
	}
}

// ruleConditions says a rule's conditions in words, as in "rule 2 (bucket
// M3, province 广东省, score band high) → Agency A": one phrase, the
// conditions joined by err.plan.reason.cond.and.
func ruleConditions(r Rule) collect.Phrase {
	var conds []collect.Phrase
	if r.Bucket != "" {
		conds = append(conds, collect.Say("err.plan.reason.cond.bucket", "bucket", r.Bucket))
	}
	if r.Province != "" {
		conds = append(conds, collect.Say("err.plan.reason.cond.province", "province", r.Province))
	}
	if r.ScoreBand != "" {
		conds = append(conds, collect.Say("err.plan.reason.cond.score_band", "band", bandWord(r.ScoreBand)))
	}
	switch {
	case r.MinBalanceCents > 0 && r.MaxBalanceCents > 0:
		conds = append(conds, collect.Say("err.plan.reason.cond.balance_between", "min", money(r.MinBalanceCents), "max", money(r.MaxBalanceCents)))
	case r.MinBalanceCents > 0:
		conds = append(conds, collect.Say("err.plan.reason.cond.balance_min", "min", money(r.MinBalanceCents)))
	case r.MaxBalanceCents > 0:
		conds = append(conds, collect.Say("err.plan.reason.cond.balance_max", "max", money(r.MaxBalanceCents)))
	}
	if len(conds) == 0 {
		return collect.Say("err.plan.reason.cond.any")
	}
	out := conds[len(conds)-1]
	for i := len(conds) - 2; i >= 0; i-- {
		out = collect.Say("err.plan.reason.cond.and", "first", conds[i], "rest", out)
	}
	return out
}

// shareWord names what a weighted plan's shares follow (planner.weightKind):
// "capacity" in "furthest behind its capacity share".
func shareWord(kind string) collect.Phrase {
	switch kind {
	case "score":
		return collect.Say("err.plan.reason.share.score")
	case "weight":
		return collect.Say("err.plan.reason.share.weight")
	default:
		return collect.Say("err.plan.reason.share.capacity")
	}
}

// bandWord is a score band's name in a reason ("high" in "score band high").
func bandWord(band string) collect.Phrase {
	switch band {
	case ScoreBandHigh:
		return collect.Say("err.plan.reason.band.high")
	case ScoreBandMedium:
		return collect.Say("err.plan.reason.band.medium")
	default:
		return collect.Say("err.plan.reason.band.low")
	}
}

// money formats minor units as a decimal amount: 123456 → "1234.56".
func money(c int64) string {
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}

// strata groups the pool into strata and shuffles each stratum with the
// seeded generator. Every bucket has four strata: by default (p.Strata ""
// or "balance") the balance quartiles within the bucket, labelled like
// "M3 balance Q2"; with "score_band" the accounts not scored, then the low,
// medium and high score bands, labelled "M3 not scored", "M3 score low"...
// It returns the members of each stratum (in the shuffled order), the
// stratum of each pos (-1 outside the pool), and a label per stratum.
func (pl *planner) strata(work []int32) (members [][]int32, stratumOf []int32, labels []collect.Phrase) {
	nb := len(pl.bucketNames)
	// Buckets in their natural order: the default bands first, then others
	// by name.
	rank := make([]int, nb)
	byRank := make([]int32, nb)
	for i := range byRank {
		byRank[i] = int32(i)
	}
	known := map[string]int{}
	for i, b := range DefaultBands {
		known[b.Name] = i
	}
	slices.SortFunc(byRank, func(x, y int32) int {
		kx, okx := known[pl.bucketNames[x]]
		ky, oky := known[pl.bucketNames[y]]
		switch {
		case okx && oky:
			return cmp.Compare(kx, ky)
		case okx:
			return -1
		case oky:
			return 1
		}
		return strings.Compare(pl.bucketNames[x], pl.bucketNames[y])
	})
	for r, b := range byRank {
		rank[b] = r
	}

	ns := nb * 4
	stratumOf = make([]int32, len(pl.order))
	for i := range stratumOf {
		stratumOf[i] = -1
	}
	sizes := make([]int, ns)
	if pl.p.Strata == StrataScoreBand {
		for _, pos := range work {
			s := int32(rank[pl.bucketOf[pos]]*4 + int(pl.bandOf[pos]))
			stratumOf[pos] = s
			sizes[s]++
		}
	} else {
		pl.balanceQuartiles(work, rank, stratumOf, sizes)
	}
	members = make([][]int32, ns)
	for s := range ns {
		members[s] = make([]int32, 0, sizes[s])
	}
	// work is in pos (AccountID) order here, so each stratum starts in
	// AccountID order before its shuffle.
	for _, pos := range work {
		s := stratumOf[pos]
		members[s] = append(members[s], pos)
	}
	labels = make([]collect.Phrase, ns)
	for s := range ns {
		m := members[s]
		pl.rng.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
		bucket, slot := pl.bucketNames[byRank[s/4]], s%4
		switch {
		case pl.p.Strata != StrataScoreBand:
			labels[s] = collect.Say("err.plan.reason.stratum.balance", "bucket", bucket, "quartile", slot+1)
		case slot == 0:
			labels[s] = collect.Say("err.plan.reason.stratum.not_scored", "bucket", bucket)
		default:
			labels[s] = collect.Say("err.plan.reason.stratum.score", "bucket", bucket, "band", bandWord(bandNames[slot]))
		}
	}
	return members, stratumOf, labels
}

// balanceQuartiles puts each pos of work in its bucket's balance quartile
// stratum (rank[bucket]*4 + quartile) and counts the strata's sizes.
func (pl *planner) balanceQuartiles(work []int32, rank []int, stratumOf []int32, sizes []int) {
	nb := len(pl.bucketNames)
	// Quartile thresholds of the balance within each bucket.
	balances := make([][]int64, nb)
	counts := make([]int, nb)
	for _, pos := range work {
		counts[pl.bucketOf[pos]]++
	}
	for b := range nb {
		balances[b] = make([]int64, 0, counts[b])
	}
	for _, pos := range work {
		b := pl.bucketOf[pos]
		balances[b] = append(balances[b], pl.balOf[pos])
	}
	thr := make([][3]int64, nb)
	for b := range nb {
		s := balances[b]
		if len(s) == 0 {
			continue
		}
		slices.Sort(s)
		n := len(s)
		thr[b] = [3]int64{s[n/4], s[n/2], s[3*n/4]}
	}
	for _, pos := range work {
		b := pl.bucketOf[pos]
		bal := pl.balOf[pos]
		q := 0 // bal < t1 → Q1, t1 ≤ bal < t2 → Q2, ..., bal ≥ t3 → Q4
		for _, t := range thr[b] {
			if bal >= t {
				q++
			}
		}
		q = min(q, 3)
		s := int32(rank[b]*4 + q)
		stratumOf[pos] = s
		sizes[s]++
	}
}

// interleave merges the strata into one dealing order in which every
// stratum advances at the same relative pace, so that when capacity runs out
// the accounts left over are spread evenly over the strata.
func interleave(members [][]int32) []int32 {
	total := 0
	type head struct {
		s    int32
		next int64
		size int64
	}
	h := make([]head, 0, len(members))
	for s, m := range members {
		total += len(m)
		if len(m) > 0 {
			h = append(h, head{int32(s), 0, int64(len(m))})
		}
	}
	// before: stratum x's next account is due before y's: (2·next+1)/size smaller.
	before := func(x, y head) bool {
		l, r := (2*x.next+1)*y.size, (2*y.next+1)*x.size
		if l != r {
			return l < r
		}
		return x.s < y.s
	}
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && before(h[c+1], h[c]) {
				c++
			}
			if !before(h[c], h[i]) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	out := make([]int32, 0, total)
	for len(h) > 0 {
		top := &h[0]
		out = append(out, members[top.s][top.next])
		top.next++
		if top.next == top.size {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return out
}

// weighted is capacity_balanced and performance_weighted: within each
// stratum, each account goes to the eligible agency furthest behind its
// target share, measured as the shortfall against its share of the stratum
// so far plus the shortfall against its share of everything dealt so far
// (ties: furthest behind overall, then the lower agency id).
func (pl *planner) weighted() {
	na := len(pl.ags)
	w, kind := pl.weights, pl.weightKind
	code := ReasonBalanced
	if pl.p.Strategy == StrategyPerformanceWeighted {
		code = ReasonWeighted
	}
	total := 0.0
	for a := range na {
		total += w[a]
	}
	share := make([]float64, na)
	if total > 0 {
		for a := range na {
			share[a] = w[a] / total
		}
	}

	work := pl.pool()
	members, stratumOf, labels := pl.strata(work)
	deal := interleave(members)
	ns := len(members)
	got := make([]int32, ns*na) // per stratum and agency
	dealtS := make([]int32, ns)
	gotAll := make([]int64, na)
	var dealt int64
	reasonIDs := make([]int32, ns*na)
	for i := range reasonIDs {
		reasonIDs[i] = -1
	}
	const eps = 1e-9
	for _, pos := range deal {
		s := stratumOf[pos]
		list := pl.comboList[pl.comboOf[pos]]
		t := float64(dealtS[s] + 1)
		tAll := float64(dealt + 1)
		best := int32(-1)
		var bestD, bestG float64
		capOnly := false
		for _, a := range list {
			if pl.recalled(pos, a) {
				continue
			}
			if pl.capLeft[a] <= 0 {
				capOnly = true
				continue
			}
			// How far behind: in this stratum plus overall. The stratum term
			// keeps each agency's mix like the portfolio's; the overall term
			// keeps the totals on target when strata are small (with the
			// stratum term alone, every one-account stratum would go to the
			// biggest share).
			g := share[a]*tAll - float64(gotAll[a])
			d := share[a]*t - float64(got[int(s)*na+int(a)]) + g
			if best < 0 || d > bestD+eps || (d > bestD-eps && g > bestG+eps) {
				best, bestD, bestG = a, d, g
			}
		}
		if best < 0 {
			if capOnly {
				pl.code[pos] = codeCapacityFull
			} else {
				pl.code[pos] = codeNoEligibleAgency
			}
			continue
		}
		k := int(s)*na + int(best)
		if reasonIDs[k] < 0 {
			reasonIDs[k] = pl.reason(fmt.Sprint(code, " ", k), func() collect.Phrase {
				return collect.Say("err.plan.reason.weighted", "stratum", labels[s], "kind", shareWord(kind),
					"share", fmt.Sprintf("%.1f%%", 100*share[best]), "agency", pl.agName(best))
			})
		}
		pl.assign(pos, best, reasonIDs[k], 0)
		got[k]++
		gotAll[best]++
		dealtS[s]++
		dealt++
	}
}

// championChallenger splits every stratum at random: round(share × n) of its
// accounts to the challenger group (dealt in turn over the challengers), the
// rest to the champion. An account whose agency is ineligible goes to another
// agency of the same group, if one is eligible.
func (pl *planner) championChallenger() {
	share := pl.p.ChallengerShare
	if share == 0 {
		share = DefaultChallengerShare
	}
	champ := pl.agIdx[pl.p.AgencyIDs[0]]
	var challengers []int32
	for _, id := range pl.p.AgencyIDs[1:] {
		challengers = append(challengers, pl.agIdx[id])
	}
	slices.Sort(challengers) // the given order of challengers does not matter
	groupAgs := [3][]int32{nil, {champ}, challengers}
	pl.groupAgs = groupAgs
	names := make([]string, len(challengers))
	for i, a := range challengers {
		names[i] = pl.agName(a)
	}
	pl.groupNames = [3]string{"", pl.agName(champ), strings.Join(names, ", ")}

	pl.groupOf = make([]uint8, len(pl.order))
	work := pl.pool()
	members, stratumOf, labels := pl.strata(work)
	chosen := make([]int32, len(pl.order)) // group-member index of the chosen agency
	group := make([]uint8, len(pl.order))
	rot := 0
	for _, m := range members {
		k := int(math.Round(share * float64(len(m))))
		for i, pos := range m {
			if i < k {
				group[pos] = 2
				chosen[pos] = int32(rot % len(challengers))
				rot++
			} else {
				group[pos] = 1
			}
		}
	}
	pct := fmt.Sprintf("%.0f%%", 100*share)
	if p := 100 * share; p != math.Round(p) {
		pct = fmt.Sprintf("%.1f%%", p)
	}
	ccReasons := map[[4]int32]int32{}
	for _, pos := range interleave(members) {
		g := group[pos]
		ags := groupAgs[g]
		first := chosen[pos]
		capOnly := false
		done := false
		for step := range int32(len(ags)) {
			a := ags[(first+step)%int32(len(ags))]
			switch pl.check(pos, a) {
			case 0:
				s := stratumOf[pos]
				orig := ags[first]
				key := [4]int32{int32(g), s, a, orig}
				r, ok := ccReasons[key]
				if !ok {
					r = pl.reason(fmt.Sprint("cc ", key), func() collect.Phrase {
						switch { // the champion group has one agency: no other to turn to
						case g == 1:
							return collect.Say("err.plan.reason.champion", "share", pct, "stratum", labels[s], "agency", pl.agName(a))
						case a == orig:
							return collect.Say("err.plan.reason.challenger", "share", pct, "stratum", labels[s], "agency", pl.agName(a))
						default:
							return collect.Say("err.plan.reason.challenger_instead", "share", pct, "stratum", labels[s],
								"agency", pl.agName(a), "chosen", pl.agName(orig))
						}
					})
					ccReasons[key] = r
				}
				pl.assign(pos, a, r, g)
				done = true
			case 1:
				capOnly = true
			}
			if done {
				break
			}
		}
		if !done {
			if capOnly {
				pl.code[pos] = codeCapacityFull
			} else {
				pl.code[pos] = codeNoEligibleAgency
			}
		}
	}
}

// plan turns the per-account outcome into a Plan.
func (pl *planner) plan(extra []Unassigned) Plan {
	out := Plan{Strategy: pl.p.Strategy, Seed: pl.seed, Reasons: pl.reasons}
	nAssigned, nUn := 0, len(extra)
	for _, c := range pl.code {
		switch c {
		case codeNone:
		case codeAssigned:
			nAssigned++
		default:
			nUn++
		}
	}
	na, nb := len(pl.ags), len(pl.bucketNames)
	cnt := make([]int, na*nb)
	bal := make([]int64, na*nb)
	gcnt := make([]int, 3*nb)
	gbal := make([]int64, 3*nb)
	out.Assignments = make([]Assignment, 0, nAssigned)
	out.Unassigned = make([]Unassigned, 0, nUn)
	code := ""
	switch pl.p.Strategy {
	case StrategyManual:
		code = ReasonManual
	case StrategyRules:
		code = ReasonRule
	case StrategyCapacityBalanced:
		code = ReasonBalanced
	case StrategyPerformanceWeighted:
		code = ReasonWeighted
	}
	groupName := [3]string{"", GroupChampion, GroupChallenger}
	for pos, oc := range pl.code {
		if oc == codeNone {
			continue
		}
		c := &pl.cands[pl.order[pos]]
		if oc != codeAssigned {
			out.Unassigned = append(out.Unassigned, Unassigned{AccountID: c.AccountID, Reason: codeNames[oc]})
			continue
		}
		a := pl.agencyOf[pos]
		b := int(pl.bucketOf[pos])
		as := Assignment{
			AccountID:    c.AccountID,
			AgencyID:     pl.ags[a].AgencyID,
			ReasonCode:   code,
			Reason:       pl.english[pl.reasonOf[pos]],
			ReasonNo:     int(pl.reasonOf[pos]),
			Bucket:       c.Bucket,
			BalanceCents: c.BalanceCents,
			FeeRateBP:    pl.fee[int(a)*nb+b],
		}
		if pl.groupOf != nil {
			g := pl.groupOf[pos]
			as.Group, as.ReasonCode = groupName[g], groupName[g]
			gcnt[int(g)*nb+b]++
			gbal[int(g)*nb+b] += c.BalanceCents
		}
		cnt[int(a)*nb+b]++
		bal[int(a)*nb+b] += c.BalanceCents
		out.Assignments = append(out.Assignments, as)
	}
	if len(extra) > 0 {
		out.Unassigned = append(out.Unassigned, extra...)
		slices.SortFunc(out.Unassigned, func(x, y Unassigned) int { return strings.Compare(x.AccountID, y.AccountID) })
	}

	mix := func(key, name, group string, cnt []int, bal []int64) Mix {
		m := Mix{Key: key, Name: name, Group: group, CountByBucket: map[string]int{}, BalanceByBucket: map[string]int64{}}
		for b, n := range cnt {
			if n == 0 {
				continue
			}
			m.Count += n
			m.BalanceCents += bal[b]
			m.CountByBucket[pl.bucketNames[b]] = n
			m.BalanceByBucket[pl.bucketNames[b]] = bal[b]
		}
		return m
	}
	agGroup := make([]string, na)
	for g := 1; g <= 2; g++ {
		for _, a := range pl.groupAgs[g] {
			agGroup[a] = groupName[g]
		}
	}
	for a := range na {
		m := mix(pl.ags[a].AgencyID, pl.ags[a].Name, agGroup[a], cnt[a*nb:(a+1)*nb], bal[a*nb:(a+1)*nb])
		if m.Count > 0 {
			out.ByAgency = append(out.ByAgency, m)
		}
	}
	slices.SortFunc(out.ByAgency, func(x, y Mix) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.Key, y.Key))
	})
	if pl.p.Strategy == StrategyChampionChallenger {
		for g := 1; g <= 2; g++ {
			out.Groups = append(out.Groups, mix(groupName[g], pl.groupNames[g], groupName[g], gcnt[g*nb:(g+1)*nb], gbal[g*nb:(g+1)*nb]))
		}
	}
	return out
}
