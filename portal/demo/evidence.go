package demo

import (
	"bytes"
	"cmp"
	"collect"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"collect/casework"
	"collect/evidence"
	"collect/evidence/blob"
	"collect/oversight"
	"collect/portal/store"
)

// The demo's quality checks: Demo Bank samples 1% of each collector's
// contacts a week, plus every contact on an account with a complaint or a
// breach. The demo's two collectors make some 1,500 calls a week each, so
// this is a QA team's load (about 15 random samples per collector a week);
// a larger share would draw hundreds of samples the demo has no recordings
// for.
const (
	demoPlanName  = "每周随机抽检 / Weekly random sample"
	demoPlanShare = 0.01
	demoPlanSeed  = 20261204
	selfPlanName  = "甲信每周自查 / Agency A weekly self-review"
	selfPlanShare = 0.005
	selfPlanSeed  = 20261205
)

// How many of the demo's calls get a recording: every sampled connected
// call, up to maxRecordings, topped up to minRecordings with the sampled
// accounts' other connected calls, newest first.
const (
	minRecordings = 40
	maxRecordings = 80
)

// SeedEvidence adds the demo's evidence: generated call recordings on a
// share of the demo's calls, a sampling plan with its sample and a few
// reviews (issue 16, part 9). The recordings go on the connected calls the
// plan drew for this week and last (so a reviewer opening a sample can
// listen), each stored in blobs under its hash and recorded by the agency
// that made the call; then the vendor manager and the auditor review a few
// samples: one clean, one with a finding the agency answers, one with a
// failed critical item (a quality breach), and one scored by both
// (calibration). Agency A has a self-review plan drawn for this week.
//
// It runs once, after Seed, on the demo database: when Demo Bank has a
// sampling plan already it does nothing.
func SeedEvidence(ctx context.Context, st *store.Store, blobs blob.Store) error {
	if blobs == nil {
		return fmt.Errorf("demo evidence: no blob store")
	}
	users := map[string]collect.Actor{}
	for _, email := range []string{"vm@demo-bank.test", "auditor@demo-bank.test", "supervisor@agency-a.test", "agent@agency-b.test"} {
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("demo evidence: %s: %w", email, err)
		}
		a, _, err := st.Actor(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("demo evidence: %s: %w", email, err)
		}
		users[email] = a
	}
	vm, auditor, supA := users["vm@demo-bank.test"], users["auditor@demo-bank.test"], users["supervisor@agency-a.test"]
	agencyA, agencyB := supA.OrgID, users["agent@agency-b.test"].OrgID
	plans, err := st.QAPlans(ctx, vm)
	if err != nil {
		return err
	}
	if len(plans) > 0 {
		return nil
	}
	loc := zoneOf(vm.TimeZone)
	now := st.Now()
	lastWeek, thisWeek := oversight.WeekOf(now.AddDate(0, 0, -7), loc), oversight.WeekOf(now, loc)

	// The plans and their samples.
	seed := int64(demoPlanSeed)
	plan, err := st.CreateQAPlan(ctx, vm, store.QAPlanInput{Name: demoPlanName, RandomShare: demoPlanShare,
		Include: []string{oversight.IncludeComplaints, oversight.IncludeBreaches}, Seed: &seed})
	if err != nil {
		return fmt.Errorf("demo evidence: plan: %w", err)
	}
	var samples []store.QASample
	for _, w := range []string{lastWeek, thisWeek} {
		d, err := st.DrawQASample(ctx, vm, plan.ID, w)
		if err != nil {
			return fmt.Errorf("demo evidence: draw %s: %w", w, err)
		}
		samples = append(samples, d.Items...)
	}
	selfSeed := int64(selfPlanSeed)
	self, err := st.CreateQAPlan(ctx, supA, store.QAPlanInput{Name: selfPlanName, RandomShare: selfPlanShare, Seed: &selfSeed})
	if err != nil {
		return fmt.Errorf("demo evidence: self-review plan: %w", err)
	}
	selfDraw, err := st.DrawQASample(ctx, supA, self.ID, thisWeek)
	if err != nil {
		return fmt.Errorf("demo evidence: self-review draw: %w", err)
	}

	// The calls to record: the sampled connected calls, newest first, taken
	// in turn from each agency so a cap leaves both some.
	all := append(slices.Clone(samples), selfDraw.Items...)
	slices.SortFunc(all, func(a, b store.QASample) int {
		return cmp.Or(b.ContactAt.Compare(a.ContactAt), cmp.Compare(a.ContactID, b.ContactID))
	})
	targets := map[string]demoCall{}
	byAgency := map[string][]demoCall{}
	var agencies []string
	for _, smp := range all {
		if smp.Channel != casework.ChannelCall || targets[smp.ContactID].ContactID != "" {
			continue
		}
		tg, err := st.ContactForUpload(ctx, vm, smp.ContactID)
		if err != nil {
			return fmt.Errorf("demo evidence: sampled contact: %w", err)
		}
		t := demoCall{tg, smp.CollectorID}
		targets[t.ContactID] = t
		if !evidence.RequiresRecording(t.Channel, casework.CallConnected(t.Outcome)) {
			continue
		}
		if byAgency[t.AgencyID] == nil {
			agencies = append(agencies, t.AgencyID)
		}
		byAgency[t.AgencyID] = append(byAgency[t.AgencyID], t)
	}
	slices.Sort(agencies)
	var record []demoCall
	for i := 0; len(record) < maxRecordings; i++ {
		took := false
		for _, ag := range agencies {
			if i < len(byAgency[ag]) && len(record) < maxRecordings {
				record, took = append(record, byAgency[ag][i]), true
			}
		}
		if !took {
			break
		}
	}
	if len(record) < minRecordings {
		more, err := otherCalls(ctx, st, vm, record, minRecordings-len(record))
		if err != nil {
			return err
		}
		record = append(record, more...)
	}

	// Store each recording (generated and written a few at a time: the
	// writes wait on the disk or the network), then record each, in order,
	// as the agency's telephony system would upload it, in the name of the
	// collector who made the call.
	objects := storeRecordings(ctx, blobs, record)
	uploaders := map[string]collect.Actor{}
	recorded := map[string]bool{}
	for i, t := range record {
		o := objects[i]
		if o.err != nil {
			return fmt.Errorf("demo evidence: storing a recording: %w", o.err)
		}
		up, err := uploader(ctx, st, uploaders, t)
		if err != nil {
			return err
		}
		callID := fmt.Sprintf("TEL-%s-%04d", t.At.In(loc).Format("20060102-150405"), contactSeed(t.ContactID)%10000)
		if _, err := st.AddAttachment(ctx, up, store.AttachmentInput{ContactID: t.ContactID, Kind: evidence.KindRecording,
			ContentType: o.info.ContentType, Size: o.size, SHA256: o.sha, FileName: callID + ".wav", CallID: callID,
			DurationMS: o.info.DurationMS}); err != nil {
			return fmt.Errorf("demo evidence: recording: %w", err)
		}
		recorded[t.ContactID] = true
	}

	return seedReviews(ctx, st, samples, targets, recorded, reviewers{vm: vm, auditor: auditor, answerer: supA,
		agencyA: agencyA, agencyB: agencyB, lastWeek: lastWeek, thisWeek: thisWeek})
}

func zoneOf(tz string) *time.Location {
	if tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return collect.China
}

// contactSeed is a contact's recording's seed: its own, from its id.
func contactSeed(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// demoCall is a call to record, and who made it.
type demoCall struct {
	store.AttachmentTarget
	Collector string
}

// otherCalls are up to n connected calls on the accounts already chosen,
// not chosen yet, newest first: more recordings in those contact logs.
func otherCalls(ctx context.Context, st *store.Store, a collect.Actor, chosen []demoCall, n int) ([]demoCall, error) {
	have := map[string]bool{}
	var accounts []string
	for _, t := range chosen {
		have[t.ContactID] = true
		if !slices.Contains(accounts, t.AccountID) {
			accounts = append(accounts, t.AccountID)
		}
	}
	var out []demoCall
	for _, acc := range accounts {
		cs, err := st.Contacts(ctx, a, acc, false)
		if err != nil {
			return nil, err
		}
		for _, c := range cs { // newest first
			if have[c.ID] || !evidence.RequiresRecording(c.Channel, casework.CallConnected(c.Outcome)) || c.AgencyID == "" {
				continue
			}
			t, err := st.ContactForUpload(ctx, a, c.ID)
			if err != nil {
				return nil, err
			}
			have[c.ID] = true
			out = append(out, demoCall{t, c.CollectorID})
			if len(out) == n {
				return out, nil
			}
		}
	}
	return out, nil
}

// uploader is who records the call's recording: the collector who made
// it, else (no such user at the agency) the agency's telephony system.
func uploader(ctx context.Context, st *store.Store, cache map[string]collect.Actor, t demoCall) (collect.Actor, error) {
	key := t.AgencyID + "/" + t.Collector
	if a, ok := cache[key]; ok {
		return a, nil
	}
	a, _, err := st.Actor(ctx, t.Collector)
	if err != nil || a.OrgID != t.AgencyID {
		org, err := st.Organisation(ctx, t.AgencyID)
		if err != nil {
			return collect.Actor{}, err
		}
		a = collect.Actor{UserID: "telephony", OrgID: org.ID, OrgKind: collect.KindAgency, OrgName: org.Name}
	}
	cache[key] = a
	return a, nil
}

// storedRecording is a recording put in the blob store.
type storedRecording struct {
	sha  string
	size int64
	info evidence.Info
	err  error
}

// storeRecordings generates each call's recording, checks it as an upload
// would be checked, and puts it in blobs under its hash, four at a time.
func storeRecordings(ctx context.Context, blobs blob.Store, calls []demoCall) []storedRecording {
	out := make([]storedRecording, len(calls))
	var wg sync.WaitGroup
	slots := make(chan struct{}, 4)
	for i, c := range calls {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			b := CallRecording(contactSeed(c.ContactID))
			o := &out[i]
			if o.info, o.err = evidence.Inspect(evidence.KindRecording, b[:min(len(b), evidence.HeadBytes)], int64(len(b))); o.err != nil {
				return
			}
			if o.sha, o.size, o.err = blob.Hash(bytes.NewReader(b)); o.err != nil {
				return
			}
			o.err = blobs.Put(ctx, o.sha, bytes.NewReader(b), o.size, o.info.ContentType)
		}()
	}
	wg.Wait()
	return out
}

// reviewers are the demo's quality reviewers (the lender's) and the agency
// supervisor who answers a finding.
type reviewers struct {
	vm, auditor, answerer collect.Actor
	agencyA, agencyB      string
	lastWeek, thisWeek    string
}

// seedReviews scores a few samples, those with a recording first: last
// week, a failed critical item at Agency B (a quality breach) and a
// finding at Agency A that its supervisor answers, and the auditor's spot
// check; this week, a clean call at Agency A and one at Agency B that the
// auditor scores again (calibration: they differ on one item).
func seedReviews(ctx context.Context, st *store.Store, samples []store.QASample, calls map[string]demoCall, recorded map[string]bool, r reviewers) error {
	pool := slices.Clone(samples)
	slices.SortFunc(pool, func(a, b store.QASample) int {
		ra, rb := recorded[a.ContactID], recorded[b.ContactID]
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.AgencyID, b.AgencyID), a.ContactAt.Compare(b.ContactAt), cmp.Compare(a.ContactID, b.ContactID))
	})
	used := map[string]bool{}
	// pick is the first unused sample of the period and agency, else of the
	// period, else any.
	pick := func(period, agency string) (store.QASample, bool) {
		for _, match := range []func(store.QASample) bool{
			func(s store.QASample) bool { return s.Period == period && s.AgencyID == agency },
			func(s store.QASample) bool { return s.Period == period },
			func(store.QASample) bool { return true },
		} {
			for _, s := range pool {
				if !used[s.ID] && match(s) {
					used[s.ID] = true
					return s, true
				}
			}
		}
		return store.QASample{}, false
	}
	review := func(a collect.Actor, smp store.QASample, note string, set map[string]string) (store.QAReview, error) {
		rv, err := st.ReviewQASample(ctx, a, smp.ID, store.QAReviewInput{Items: demoResults(smp, calls[smp.ContactID], set), Note: note})
		if err != nil {
			return rv, fmt.Errorf("demo evidence: review: %w", err)
		}
		return rv, nil
	}

	if smp, ok := pick(r.lastWeek, r.agencyB); ok {
		if _, err := review(r.vm, smp, "催收员称“再不还钱下周就上门抓人”，属虚假法律后果，转违规整改。The collector told the debtor they would be arrested next week: a false legal consequence, raised as a breach.",
			map[string]string{criticalItem(smp.Checklist, "no_threats"): oversight.ResultFail}); err != nil {
			return err
		}
	}
	if smp, ok := pick(r.lastWeek, r.agencyA); ok {
		rv, err := review(r.vm, smp, "开场未说明委托机构。The collector did not name the lender at the start of the call.",
			map[string]string{"self_identified": oversight.ResultFail})
		if err != nil {
			return err
		}
		if len(rv.Findings) > 0 && rv.Findings[0].AgencyID == r.answerer.OrgID {
			if _, err := st.AnswerQAFinding(ctx, r.answerer, rv.Findings[0].ID,
				"已对该催收员复训开场白，每通电话先说明本机构及委托银行。Opening script retrained: the collector now names the agency and the bank on every call."); err != nil {
				return fmt.Errorf("demo evidence: answer: %w", err)
			}
		}
	}
	if smp, ok := pick(r.lastWeek, r.agencyA); ok {
		if _, err := review(r.auditor, smp, "抽样复核，无问题。Spot check: no issues.", nil); err != nil {
			return err
		}
	}
	if smp, ok := pick(r.thisWeek, r.agencyA); ok {
		if _, err := review(r.vm, smp, "核身、告知、金额均规范。Identity, disclosures and amounts by the book.", nil); err != nil {
			return err
		}
	}
	if smp, ok := pick(r.thisWeek, r.agencyB); ok {
		if _, err := review(r.vm, smp, "通话规范。A clean call.", nil); err != nil {
			return err
		}
		if _, err := review(r.auditor, smp, "复核：所述滞纳金与账单不符。Second review: the late fee quoted does not match the statement.",
			map[string]string{"accurate_amounts": oversight.ResultFail}); err != nil {
			return err
		}
	}
	return nil
}

// criticalItem is want when the checklist has it as a critical item, else
// its first critical item ("" when it has none).
func criticalItem(checklist []oversight.ChecklistItem, want string) string {
	first := ""
	for _, it := range checklist {
		if it.Critical && it.Item == want {
			return want
		}
		if it.Critical && first == "" {
			first = it.Item
		}
	}
	return first
}

// demoResults judges every item of the sample's checklist: passed, but
// vulnerability not applicable (none came up) and the promise item only
// when the call ended in a promise; set overrides items the checklist has.
func demoResults(smp store.QASample, call demoCall, set map[string]string) []oversight.ItemResult {
	out := make([]oversight.ItemResult, 0, len(smp.Checklist))
	for _, it := range smp.Checklist {
		res := oversight.ResultPass
		switch it.Item {
		case "vulnerability_handled":
			res = oversight.ResultNA
		case "promise_recorded":
			if call.Outcome != casework.OutcomePromise {
				res = oversight.ResultNA
			}
		}
		if v, ok := set[it.Item]; ok {
			res = v
		}
		out = append(out, oversight.ItemResult{Item: it.Item, Result: res})
	}
	return out
}
