package store

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/oversight"
)

// Quality checks (issue 16): checklists, sampling plans, samples drawn from
// the contact log, reviews and their findings.

// QAChecklist is the lender's checklist (the default until it sets one).
func (s *Store) QAChecklist(ctx context.Context, lenderID string) ([]oversight.ChecklistItem, error) {
	var row struct{ Items string }
	err := s.db.WithContext(ctx).Table("qa_checklists").Where("lender_id = ?", lenderID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return oversight.DefaultChecklist, nil
	}
	if err != nil {
		return nil, err
	}
	var items []oversight.ChecklistItem
	if err := json.Unmarshal([]byte(row.Items), &items); err != nil {
		return nil, err
	}
	return items, nil
}

// LenderChecklist is one lender's checklist, as an agency reads it.
type LenderChecklist struct {
	LenderID   string                    `json:"lender_id"`
	LenderName string                    `json:"lender_name"`
	Items      []oversight.ChecklistItem `json:"items"`
}

// QAChecklistsForAgency is the checklist of each lender the agency has a
// contract with: what its calls are scored on.
func (s *Store) QAChecklistsForAgency(ctx context.Context, a collect.Actor) ([]LenderChecklist, error) {
	var lenders []struct{ ID, Name string }
	if err := s.db.WithContext(ctx).Table("contracts ct").Select("o.id, o.name").Joins("JOIN organisations o ON o.id = ct.lender_id").
		Where("ct.agency_id = ?", a.OrgID).Order("o.name").Scan(&lenders).Error; err != nil {
		return nil, err
	}
	out := []LenderChecklist{}
	for _, l := range lenders {
		items, err := s.QAChecklist(ctx, l.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, LenderChecklist{LenderID: l.ID, LenderName: l.Name, Items: items})
	}
	return out, nil
}

// SaveQAChecklist sets the lender's checklist; samples drawn before keep the
// checklist they were drawn with.
func (s *Store) SaveQAChecklist(ctx context.Context, a collect.Actor, items []oversight.ChecklistItem) error {
	if a.OrgKind != collect.KindLender {
		return collect.E(collect.EFORBIDDEN, "err.qa.checklist_lender_only")
	}
	if err := oversight.ValidateChecklist(items); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO qa_checklists (lender_id, items, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (lender_id) DO UPDATE SET items = excluded.items, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			a.OrgID, jsonString(items), a.UserID, s.now()).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "qa.checklist", ObjectType: "qa_checklist", ObjectID: a.OrgID, LenderID: a.OrgID, After: items})
	})
}

// QAPlan is a sampling plan of a lender, or an agency's self-review plan.
type QAPlan struct {
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	OwnerKind   string    `json:"owner_kind"`
	Name        string    `json:"name"`
	RandomShare float64   `json:"random_share"`
	Include     []string  `json:"include" gorm:"-"`
	IncludeJSON string    `json:"-" gorm:"column:include"`
	Seed        int64     `json:"seed"`
	Active      bool      `json:"active"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

func (p *QAPlan) decode() {
	p.Include = []string{}
	_ = json.Unmarshal([]byte(p.IncludeJSON), &p.Include)
}

func (p QAPlan) plan() oversight.SamplingPlan {
	return oversight.SamplingPlan{RandomShare: p.RandomShare, Include: p.Include, Seed: p.Seed}
}

// QAPlanInput is a new plan (API.md: name, random_share, include, seed).
type QAPlanInput struct {
	Name        string   `json:"name"`
	RandomShare float64  `json:"random_share"`
	Include     []string `json:"include"`
	Seed        *int64   `json:"seed"`
}

// qaPlanScope: a plan is its owner's.
func qaOwnerScope(alias string, a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if a.OrgKind != collect.KindLender && a.OrgKind != collect.KindAgency {
			return db.Where("1 = 0")
		}
		return db.Where(alias+".owner_id = ?", a.OrgID)
	}
}

// CreateQAPlan makes a plan owned by the actor's organisation: a lender's
// plan samples its contacts at every agency, an agency's its own.
func (s *Store) CreateQAPlan(ctx context.Context, a collect.Actor, in QAPlanInput) (QAPlan, error) {
	if a.OrgKind != collect.KindLender && a.OrgKind != collect.KindAgency {
		return QAPlan{}, collect.E(collect.EFORBIDDEN, "err.qa.plan_owner")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return QAPlan{}, collect.Invalid("name", "err.qa.plan_name")
	}
	if in.Include == nil {
		in.Include = []string{}
	}
	seed := rand.Int64N(1 << 40)
	if in.Seed != nil {
		seed = *in.Seed
	}
	if err := oversight.ValidatePlan(oversight.SamplingPlan{RandomShare: in.RandomShare, Include: in.Include, Seed: seed}); err != nil {
		return QAPlan{}, err
	}
	p := QAPlan{ID: uuid.Must(uuid.NewV7()).String(), OwnerID: a.OrgID, OwnerKind: a.OrgKind, Name: in.Name, RandomShare: in.RandomShare,
		Include: in.Include, IncludeJSON: jsonString(in.Include), Seed: seed, Active: true, CreatedBy: a.UserID, CreatedAt: s.now()}
	lender := ""
	if a.OrgKind == collect.KindLender {
		lender = a.OrgID
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("qa_plans").Create(map[string]any{"id": p.ID, "owner_id": p.OwnerID, "owner_kind": p.OwnerKind, "name": p.Name,
			"random_share": p.RandomShare, "include": p.IncludeJSON, "seed": p.Seed, "active": true, "created_by": p.CreatedBy,
			"created_at": p.CreatedAt}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "qa.plan.create", ObjectType: "qa_plan", ObjectID: p.ID, LenderID: lender, After: p})
	})
	return p, err
}

// QAPlans lists the actor's organisation's plans.
func (s *Store) QAPlans(ctx context.Context, a collect.Actor) ([]QAPlan, error) {
	var out []QAPlan
	err := s.db.WithContext(ctx).Table("qa_plans p").Scopes(qaOwnerScope("p", a)).Order("p.created_at DESC, p.id").Find(&out).Error
	for i := range out {
		out[i].decode()
	}
	return out, err
}

// QAPlanByID is one plan of the actor's organisation.
func (s *Store) QAPlanByID(ctx context.Context, a collect.Actor, id string) (QAPlan, error) {
	var p QAPlan
	err := s.db.WithContext(ctx).Table("qa_plans p").Scopes(qaOwnerScope("p", a)).Where("p.id = ?", id).Take(&p).Error
	if err != nil {
		return QAPlan{}, notFound(err, "qa plan")
	}
	p.decode()
	return p, nil
}

// QASample is a contact drawn for review.
type QASample struct {
	ID            string                    `json:"id"`
	PlanID        string                    `json:"plan_id"`
	Period        string                    `json:"period"`
	LenderID      string                    `json:"lender_id"`
	AgencyID      string                    `json:"agency_id"`
	AgencyName    string                    `json:"agency_name"`
	AccountID     string                    `json:"account_id"`
	ContactID     string                    `json:"contact_id"`
	CollectorID   string                    `json:"collector_id"`
	CollectorName string                    `json:"collector_name"`
	ContactAt     time.Time                 `json:"contact_at"`
	Channel       string                    `json:"channel"`
	Reason        string                    `json:"reason"`
	Status        string                    `json:"status"`
	DrawnAt       time.Time                 `json:"drawn_at"`
	Checklist     []oversight.ChecklistItem `json:"checklist" gorm:"-"`
	ChecklistJS   string                    `json:"-" gorm:"column:checklist"`
	Reviews       []QAReview                `json:"reviews,omitempty" gorm:"-"`
	// Agreement is the share of items the first two reviews judged alike
	// (calibration); nil until a second reviewer scores the sample.
	Agreement *float64 `json:"agreement,omitempty" gorm:"-"`
}

func (q *QASample) decode() { _ = json.Unmarshal([]byte(q.ChecklistJS), &q.Checklist) }

// QADraw is one plan's sample of one period.
type QADraw struct {
	PlanID  string     `json:"plan_id"`
	Period  string     `json:"period"`
	From    time.Time  `json:"from"`
	To      time.Time  `json:"to"`
	Added   int        `json:"added"`
	Items   []QASample `json:"items"`
	Total   int        `json:"total"`
	Checked int        `json:"candidates"`
}

// orgZone is the organisation's time zone (China's when unknown).
func (s *Store) orgZone(tx *gorm.DB, orgID string) *time.Location {
	var row struct{ TimeZone string }
	if err := tx.Table("organisations").Select("time_zone").Where("id = ?", orgID).Take(&row).Error; err == nil {
		if loc, err := time.LoadLocation(row.TimeZone); err == nil && row.TimeZone != "" {
			return loc
		}
	}
	return collect.China
}

// HighRiskScore is the early-warning arrangement-break score at or above
// which a contact's account counts as high risk for sampling.
const HighRiskScore = 0.5

// NewCollectorDays is how recently a collector joined to count as new.
const NewCollectorDays = 30

type qaCandidate struct {
	oversight.Candidate
	LenderID, AccountID string
	At                  time.Time
	JoinedAt            *time.Time
}

// DrawQASample draws the plan's sample of an ISO week (the current one,
// so far, when week is ""), in the owner's time zone: reproducible from the
// plan's seed, stratified per agency and collector (oversight.DrawSample).
// Drawing the same week again adds what the contacts recorded since call
// for and keeps what was drawn.
func (s *Store) DrawQASample(ctx context.Context, a collect.Actor, planID, week string) (QADraw, error) {
	p, err := s.QAPlanByID(ctx, a, planID)
	if err != nil {
		return QADraw{}, err
	}
	return s.drawPlan(ctx, a, p, week)
}

func (s *Store) drawPlan(ctx context.Context, a collect.Actor, p QAPlan, week string) (QADraw, error) {
	db := s.db.WithContext(ctx)
	loc := s.orgZone(db, p.OwnerID)
	now := s.now()
	if week == "" {
		week = oversight.WeekOf(now, loc)
	}
	from, to, err := oversight.WeekWindow(week, loc)
	if err != nil {
		return QADraw{}, err
	}
	// Through the (agency_id, at) index: a lender's contacts are those made
	// by the agencies that held its placements (lender_agencies); the
	// contact log has no index by lender, and a week of a big book is
	// millions of rows out of tens of millions.
	owner, ownerArgs := "c.agency_id IN (SELECT la.agency_id FROM lender_agencies la WHERE la.lender_id = ?) AND c.lender_id = ?", []any{p.OwnerID, p.OwnerID}
	if p.OwnerKind == collect.KindAgency {
		owner, ownerArgs = "c.agency_id = ?", []any{p.OwnerID}
	}
	var rows []struct {
		ID, AgencyID, CollectorID, LenderID, AccountID string
		At                                             time.Time
		JoinedAt                                       *time.Time
		Complaint, Breach, HighRisk                    bool
	}
	if err := db.Table("contacts c").
		Select(`c.id, c.agency_id, c.collector_id, c.lender_id, c.account_id, c.at, u.created_at AS joined_at,
			EXISTS (SELECT 1 FROM complaints cp WHERE cp.account_id = c.account_id AND cp.received_at >= ?) AS complaint,
			EXISTS (SELECT 1 FROM breaches b WHERE b.source = 'detector' AND b.source_id = c.id) AS breach,
			EXISTS (SELECT 1 FROM account_scores sc WHERE sc.account_id = c.account_id AND sc.kind = 'arrangement_break' AND sc.score >= ?) AS high_risk`,
			from.AddDate(0, 0, -30).UTC(), HighRiskScore).
		Joins("LEFT JOIN users u ON u.id = c.collector_id").
		Where(owner, ownerArgs...).Where("c.at >= ? AND c.at < ?", from.UTC(), to.UTC()).Scan(&rows).Error; err != nil {
		return QADraw{}, err
	}
	cands := make([]oversight.Candidate, len(rows))
	byID := make(map[string]int, len(rows))
	for i, r := range rows {
		cands[i] = oversight.Candidate{ContactID: r.ID, AgencyID: r.AgencyID, CollectorID: r.CollectorID, Complaint: r.Complaint,
			Breach: r.Breach, HighRisk: r.HighRisk, NewCollector: r.JoinedAt != nil && r.At.Sub(*r.JoinedAt) < NewCollectorDays*24*time.Hour}
		byID[r.ID] = i
	}
	picks := oversight.DrawSample(p.plan(), week, cands)
	checklists := map[string]string{}
	added := 0
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		for _, pk := range picks {
			r := rows[byID[pk.ContactID]]
			cl, ok := checklists[r.LenderID]
			if !ok {
				items, err := s.QAChecklist(ctx, r.LenderID)
				if err != nil {
					return err
				}
				cl = jsonString(items)
				checklists[r.LenderID] = cl
			}
			res := tx.Exec(`INSERT INTO qa_samples (id, plan_id, period, owner_id, lender_id, agency_id, account_id, contact_id, collector_id,
				contact_at, reason, checklist, status, drawn_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
				ON CONFLICT (plan_id, contact_id) DO NOTHING`,
				uuid.Must(uuid.NewV7()).String(), p.ID, week, p.OwnerID, r.LenderID, r.AgencyID, r.AccountID, r.ID, r.CollectorID, r.At, pk.Reason, cl, now)
			if res.Error != nil {
				return res.Error
			}
			added += int(res.RowsAffected)
		}
		by := a.UserID
		if by == "" {
			by = "system"
		}
		if err := tx.Exec(`INSERT INTO qa_draws (plan_id, period, drawn_at, drawn_by, samples) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (plan_id, period) DO UPDATE SET drawn_at = excluded.drawn_at, drawn_by = excluded.drawn_by, samples = qa_draws.samples + excluded.samples`,
			p.ID, week, now, by, added).Error; err != nil {
			return err
		}
		lender := ""
		if p.OwnerKind == collect.KindLender {
			lender = p.OwnerID
		}
		return s.appendAudit(tx, a, auditRecord{Action: "qa.draw", ObjectType: "qa_plan", ObjectID: p.ID, LenderID: lender,
			After: map[string]any{"period": week, "candidates": len(cands), "added": added, "seed": p.Seed}})
	})
	if err != nil {
		return QADraw{}, err
	}
	items, total, err := s.QASamples(ctx, a, QASampleFilter{Plan: p.ID, Period: week, Page: Page{Page: 1, PerPage: 500}})
	if err != nil {
		return QADraw{}, err
	}
	return QADraw{PlanID: p.ID, Period: week, From: from, To: to, Added: added, Items: items, Total: int(total), Checked: len(cands)}, nil
}

// DrawDueSamples draws, for every active plan, the sample of the last
// complete week if it was not drawn yet: the weekly job.
func (s *Store) DrawDueSamples(ctx context.Context) (int, error) {
	var plans []QAPlan
	if err := s.db.WithContext(ctx).Table("qa_plans").Where("active = ?", true).Find(&plans).Error; err != nil {
		return 0, err
	}
	drawn := 0
	for _, p := range plans {
		p.decode()
		loc := s.orgZone(s.db.WithContext(ctx), p.OwnerID)
		week := oversight.WeekOf(s.now().In(loc).AddDate(0, 0, -7), loc)
		var n int64
		if err := s.db.WithContext(ctx).Table("qa_draws").Where("plan_id = ? AND period = ?", p.ID, week).Count(&n).Error; err != nil {
			return drawn, err
		}
		if n > 0 {
			continue
		}
		if _, err := s.drawPlan(ctx, collect.Actor{OrgID: p.OwnerID, OrgKind: p.OwnerKind}, p, week); err != nil {
			return drawn, err
		}
		drawn++
	}
	return drawn, nil
}

// QASampleFilter narrows the samples.
type QASampleFilter struct {
	Plan, Period, Status string
	Page
}

func (s *Store) qaSamplesQuery(ctx context.Context, a collect.Actor) *gorm.DB {
	return s.db.WithContext(ctx).Table("qa_samples qs").
		Select("qs.*, o.name AS agency_name, c.channel, u.name AS collector_name").
		Joins("LEFT JOIN organisations o ON o.id = qs.agency_id").Joins("LEFT JOIN contacts c ON c.id = qs.contact_id").
		Joins("LEFT JOIN users u ON u.id = qs.collector_id").Scopes(qaOwnerScope("qs", a))
}

// QASamples lists the samples of the actor's organisation's plans, open
// ones first, then by when drawn.
func (s *Store) QASamples(ctx context.Context, a collect.Actor, f QASampleFilter) ([]QASample, int64, error) {
	q := s.qaSamplesQuery(ctx, a)
	if f.Plan != "" {
		q = q.Where("qs.plan_id = ?", f.Plan)
	}
	if f.Period != "" {
		q = q.Where("qs.period = ?", f.Period)
	}
	if f.Status != "" {
		q = q.Where("qs.status = ?", f.Status)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p := f.Page.Normal()
	var out []QASample
	if err := q.Order("qs.status, qs.drawn_at DESC, qs.id").Offset(p.offset()).Limit(p.PerPage).Scan(&out).Error; err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].decode()
	}
	return out, total, nil
}

// QASampleByID is one sample with its reviews and, when two reviewers
// scored it, their agreement.
func (s *Store) QASampleByID(ctx context.Context, a collect.Actor, id string) (QASample, error) {
	var out QASample
	if err := s.qaSamplesQuery(ctx, a).Where("qs.id = ?", id).Take(&out).Error; err != nil {
		return QASample{}, notFound(err, "qa sample")
	}
	out.decode()
	reviews, err := s.qaReviews(s.db.WithContext(ctx), id)
	if err != nil {
		return QASample{}, err
	}
	out.Reviews = reviews
	if len(reviews) >= 2 {
		out.Agreement = oversight.Agreement(reviews[0].Items, reviews[1].Items)
	}
	return out, nil
}

// QAReview is one reviewer's scoring of a sample.
type QAReview struct {
	ID             string                 `json:"id"`
	SampleID       string                 `json:"sample_id"`
	ReviewerID     string                 `json:"reviewer_id"`
	ReviewerName   string                 `json:"reviewer_name"`
	Items          []oversight.ItemResult `json:"items" gorm:"-"`
	ItemsJS        string                 `json:"-" gorm:"column:items"`
	Score          *float64               `json:"score"`
	CriticalFailed bool                   `json:"critical_failed"`
	IsPrimary      bool                   `json:"primary"`
	Note           string                 `json:"note"`
	CreatedAt      time.Time              `json:"created_at"`
	Findings       []QAFinding            `json:"findings" gorm:"-"`
}

func (s *Store) qaReviews(tx *gorm.DB, sampleID string) ([]QAReview, error) {
	var out []QAReview
	if err := tx.Table("qa_reviews r").Select("r.*, u.name AS reviewer_name").Joins("LEFT JOIN users u ON u.id = r.reviewer_id").
		Where("r.sample_id = ?", sampleID).Order("r.created_at, r.id").Scan(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		_ = json.Unmarshal([]byte(out[i].ItemsJS), &out[i].Items)
		out[i].Findings = []QAFinding{}
		if err := tx.Table("qa_findings").Where("review_id = ?", out[i].ID).Order("created_at, id").Find(&out[i].Findings).Error; err != nil {
			return nil, err
		}
	}
	return out, nil
}

// QAFinding is a failed item of a review, which the agency may answer.
type QAFinding struct {
	ID          string     `json:"id"`
	ReviewID    string     `json:"review_id"`
	SampleID    string     `json:"sample_id"`
	LenderID    string     `json:"-"`
	AgencyID    string     `json:"agency_id"`
	CollectorID string     `json:"collector_id"`
	ContactID   string     `json:"contact_id"`
	Item        string     `json:"item"`
	Critical    bool       `json:"critical"`
	BreachID    string     `json:"breach_id,omitempty"`
	Status      string     `json:"status"`
	Answer      string     `json:"answer"`
	AnsweredAt  *time.Time `json:"answered_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

// QAReviewInput is a reviewer's scoring (API.md: items, note).
type QAReviewInput struct {
	Items []oversight.ItemResult `json:"items"`
	Note  string                 `json:"note"`
}

// ReviewQASample scores a sample against the checklist it was drawn with.
// The first review is the sample's score (a second reviewer's calibrates);
// each failed item is a finding; a failed critical item on a lender's
// sample is a conduct breach (source quality) with the breaches'
// remediation, once per sample and item.
func (s *Store) ReviewQASample(ctx context.Context, a collect.Actor, sampleID string, in QAReviewInput) (QAReview, error) {
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 4000 {
		return QAReview{}, collect.Invalid("note", "err.contact.note_long", "max", "4,000")
	}
	now := s.now()
	var out QAReview
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var smp QASample
		if err := tx.Table("qa_samples qs").Scopes(qaOwnerScope("qs", a)).Where("qs.id = ?", sampleID).Take(&smp).Error; err != nil {
			return notFound(err, "qa sample")
		}
		smp.decode()
		res, err := oversight.ScoreReview(smp.Checklist, in.Items)
		if err != nil {
			return err
		}
		var mine int64
		if err := tx.Table("qa_reviews").Where("sample_id = ? AND reviewer_id = ?", smp.ID, a.UserID).Count(&mine).Error; err != nil {
			return err
		}
		if mine > 0 {
			return collect.E(collect.ECONFLICT, "err.qa.reviewed_already")
		}
		// The first review to turn the sample reviewed is its primary.
		upd := tx.Exec("UPDATE qa_samples SET status = 'reviewed' WHERE id = ? AND status = 'open'", smp.ID)
		if upd.Error != nil {
			return upd.Error
		}
		primary := upd.RowsAffected == 1
		out = QAReview{ID: uuid.Must(uuid.NewV7()).String(), SampleID: smp.ID, ReviewerID: a.UserID, ReviewerName: a.Name, Items: in.Items,
			Score: res.Score, CriticalFailed: res.CriticalFailed, IsPrimary: primary, Note: in.Note, CreatedAt: now, Findings: []QAFinding{}}
		if err := tx.Table("qa_reviews").Create(map[string]any{"id": out.ID, "sample_id": smp.ID, "reviewer_id": a.UserID, "reviewer_org": a.OrgID,
			"lender_id": smp.LenderID, "agency_id": smp.AgencyID, "collector_id": smp.CollectorID, "contact_at": smp.ContactAt,
			"is_primary": primary, "items": jsonString(in.Items), "score": res.Score, "critical_failed": res.CriticalFailed,
			"note": in.Note, "created_at": now}).Error; err != nil {
			if isUnique(err) { // the same reviewer's review submitted twice at once
				return collect.E(collect.ECONFLICT, "err.qa.reviewed_already")
			}
			return err
		}
		lenderOwned := smp.LenderID == a.OrgID && a.OrgKind == collect.KindLender
		labels := map[string]oversight.ChecklistItem{}
		for _, it := range smp.Checklist {
			labels[it.Item] = it
		}
		for _, f := range res.Findings {
			fd := QAFinding{ID: uuid.Must(uuid.NewV7()).String(), ReviewID: out.ID, SampleID: smp.ID, LenderID: smp.LenderID, AgencyID: smp.AgencyID,
				CollectorID: smp.CollectorID, ContactID: smp.ContactID, Item: f.Item, Critical: f.Critical, Status: "open", CreatedAt: now}
			if f.Critical && lenderOwned {
				label := labels[f.Item]
				v := collect.Broken(oversight.RuleQualityCriticalItem, "err.qa.rule.critical_item", "item", label.Label, "item_zh", label.LabelZH)
				source := smp.ID + ":" + f.Item
				if _, err := recordBreaches(tx, smp.LenderID, smp.AgencyID, smp.AccountID, "quality", source, smp.ContactAt, now,
					[]collect.Violation{v}, []string{smp.ContactID}); err != nil {
					return err
				}
				var ids []string
				if err := tx.Table("breaches").Where("source = 'quality' AND source_id = ? AND rule = ?", source, v.Rule).Pluck("id", &ids).Error; err != nil {
					return err
				}
				if len(ids) > 0 {
					fd.BreachID = ids[0]
				}
			}
			if err := tx.Table("qa_findings").Create(map[string]any{"id": fd.ID, "review_id": fd.ReviewID, "sample_id": fd.SampleID,
				"owner_id": a.OrgID, "lender_id": fd.LenderID, "agency_id": fd.AgencyID, "collector_id": fd.CollectorID, "contact_id": fd.ContactID,
				"item": fd.Item, "critical": fd.Critical, "breach_id": fd.BreachID, "status": "open", "created_at": now}).Error; err != nil {
				return err
			}
			out.Findings = append(out.Findings, fd)
		}
		if primary && lenderOwned && res.Score != nil {
			d := map[string]int64{"qa_reviews": 1, "qa_score_tenths": int64(*res.Score*10 + 0.5)}
			if res.CriticalFailed {
				d["qa_critical_failures"] = 1
			}
			if err := statDelta(tx, smp.LenderID, smp.AgencyID, smp.ContactAt, d); err != nil {
				return err
			}
		}
		lender := ""
		if lenderOwned {
			lender = smp.LenderID
		}
		return s.appendAudit(tx, a, auditRecord{Action: "qa.review", ObjectType: "qa_sample", ObjectID: smp.ID, LenderID: lender,
			After: map[string]any{"review": out.ID, "score": res.Score, "critical_failed": res.CriticalFailed, "findings": len(res.Findings), "primary": primary}})
	})
	return out, err
}

// qaFindingScope: the plan's owner sees its findings; an agency sees the
// findings on its own contacts (a lender's, to answer them, and its own).
func qaFindingScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindLender:
			return db.Where("f.owner_id = ?", a.OrgID)
		case collect.KindAgency:
			return db.Where("f.agency_id = ?", a.OrgID)
		}
		return db.Where("1 = 0")
	}
}

// QAFindingFilter narrows the findings.
type QAFindingFilter struct {
	Status, Agency string
	Page
}

// QAFindings lists findings in the actor's scope, newest first.
func (s *Store) QAFindings(ctx context.Context, a collect.Actor, f QAFindingFilter) ([]QAFinding, int64, error) {
	q := s.db.WithContext(ctx).Table("qa_findings f").Scopes(qaFindingScope(a))
	if f.Status != "" {
		q = q.Where("f.status = ?", f.Status)
	}
	if f.Agency != "" {
		q = q.Where("f.agency_id = ?", f.Agency)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p := f.Page.Normal()
	var out []QAFinding
	err := q.Order("f.created_at DESC, f.id").Offset(p.offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, err
}

// AnswerQAFinding records the agency's answer to a finding on its contact.
func (s *Store) AnswerQAFinding(ctx context.Context, a collect.Actor, id, answer string) (QAFinding, error) {
	answer = strings.TrimSpace(answer)
	var out QAFinding
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("qa_findings f").Scopes(qaFindingScope(a)).Where("f.id = ?", id).Take(&out).Error; err != nil {
			return notFound(err, "qa finding")
		}
		if answer == "" || utf8.RuneCountInString(answer) > 4000 {
			return collect.Invalid("answer", "err.qa.answer")
		}
		if a.OrgKind != collect.KindAgency {
			return collect.E(collect.EFORBIDDEN, "err.qa.answer_agency_only")
		}
		if out.Status == "answered" {
			return collect.E(collect.ECONFLICT, "err.qa.answered_already")
		}
		now := s.now()
		if err := tx.Table("qa_findings").Where("id = ? AND status = 'open'", id).Updates(map[string]any{"status": "answered", "answer": answer,
			"answered_by": a.UserID, "answered_at": now}).Error; err != nil {
			return err
		}
		out.Status, out.Answer, out.AnsweredAt = "answered", answer, &now
		return s.appendAudit(tx, a, auditRecord{Action: "qa.finding.answer", ObjectType: "qa_finding", ObjectID: id, LenderID: out.LenderID,
			After: map[string]any{"answer_sha256": textDigest(answer)}})
	})
	return out, err
}

// QualityReport is the quality figures of a period (issue 16, part 7).
type QualityReport struct {
	From       string             `json:"from"`
	To         string             `json:"to"`
	Agencies   []AgencyQuality    `json:"agencies"`
	Collectors []CollectorQuality `json:"collectors"`
	Items      []ItemFindings     `json:"findings_by_item"`
}

// AgencyQuality is one agency's quality figures.
type AgencyQuality struct {
	AgencyID              string   `json:"agency_id"`
	AgencyName            string   `json:"agency_name"`
	QualityScore          *float64 `json:"quality_score"`
	Reviews               int64    `json:"reviews"`
	CriticalFailures      int64    `json:"critical_failures"`
	CallsToRecord         int64    `json:"calls_to_record"`
	RecordingsMissing     int64    `json:"recordings_missing"`
	RecordingsMissingRate *float64 `json:"recordings_missing_rate"`
}

// CollectorQuality is one collector's reviewed score.
type CollectorQuality struct {
	AgencyID      string   `json:"agency_id"`
	CollectorID   string   `json:"collector_id"`
	CollectorName string   `json:"collector_name"`
	Reviews       int64    `json:"reviews"`
	QualityScore  *float64 `json:"quality_score"`
}

// ItemFindings counts one checklist item's failures.
type ItemFindings struct {
	Item     string `json:"item"`
	Critical bool   `json:"critical"`
	Failures int64  `json:"failures"`
}

// QualityReport gathers the period's quality figures in the actor's scope:
// per agency from the counters (as the other figures), per collector and
// per item from the lenders' primary reviews of contacts in the period.
func (s *Store) QualityReport(ctx context.Context, a collect.Actor, f KPIFilter) (QualityReport, error) {
	kpis, err := s.KPIs(ctx, a, f)
	if err != nil {
		return QualityReport{}, err
	}
	out := QualityReport{From: f.From, To: f.To, Agencies: []AgencyQuality{}, Collectors: []CollectorQuality{}, Items: []ItemFindings{}}
	if f.From == "" {
		if err := f.Validate(s.now()); err != nil {
			return QualityReport{}, err
		}
		out.From, out.To = f.From, f.To
	}
	for _, k := range kpis {
		out.Agencies = append(out.Agencies, AgencyQuality{AgencyID: k.AgencyID, AgencyName: k.AgencyName, QualityScore: k.QualityScore,
			Reviews: k.Counts.QAReviews, CriticalFailures: k.Counts.QACriticalFailures, CallsToRecord: k.Counts.CallsToRecord,
			RecordingsMissing: k.Counts.RecordingsMissing, RecordingsMissingRate: k.RecordingsMissingRate})
	}
	from, _ := time.Parse("2006-01", out.From)
	to, _ := time.Parse("2006-01", out.To)
	to = to.AddDate(0, 1, 0)
	q := s.db.WithContext(ctx).Table("qa_reviews r").Scopes(partyScope("r", a)).
		Joins("JOIN qa_samples qs ON qs.id = r.sample_id").
		Where("r.is_primary AND qs.owner_id = r.lender_id AND r.contact_at >= ? AND r.contact_at < ?", from.UTC(), to.UTC())
	if f.Agency != "" {
		q = q.Where("r.agency_id = ?", f.Agency)
	}
	var cols []struct {
		AgencyID, CollectorID, CollectorName string
		Reviews                              int64
		Score                                *float64
	}
	if err := q.Session(&gorm.Session{}).Select("r.agency_id, r.collector_id, u.name AS collector_name, COUNT(r.score) AS reviews, AVG(r.score) AS score").
		Joins("LEFT JOIN users u ON u.id = r.collector_id").Group("r.agency_id, r.collector_id, u.name").Order("r.agency_id, u.name").
		Scan(&cols).Error; err != nil {
		return QualityReport{}, err
	}
	for _, c := range cols {
		if c.Score != nil {
			v := float64(int64(*c.Score*10+0.5)) / 10
			c.Score = &v
		}
		out.Collectors = append(out.Collectors, CollectorQuality{AgencyID: c.AgencyID, CollectorID: c.CollectorID, CollectorName: c.CollectorName,
			Reviews: c.Reviews, QualityScore: c.Score})
	}
	if err := q.Session(&gorm.Session{}).Joins("JOIN qa_findings f ON f.review_id = r.id").
		Select("f.item, f.critical, COUNT(*) AS failures").Group("f.item, f.critical").Order("failures DESC, f.item").
		Scan(&out.Items).Error; err != nil {
		return QualityReport{}, err
	}
	return out, nil
}
