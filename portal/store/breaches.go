package store

import (
	"collect"
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/casework"
	"collect/oversight"
)

// recordBreaches writes one breach per broken rule (a refused attempt, or a
// contact a detector found in breach) and counts them, inside tx. The unique
// key (source, source id, rule) makes a second detection of the same breach a
// no-op, so detectors can run again and in several processes.
func recordBreaches(tx *gorm.DB, lenderID, agencyID, accountID, source, sourceID string, occurred, now time.Time, vs []collect.Violation, evidence []string) (int64, error) {
	added := int64(0)
	counts := map[string]int64{}
	for _, v := range vs {
		res := tx.Exec(`INSERT INTO breaches (id, lender_id, agency_id, account_id, rule, severity, source, source_id, evidence, message, message_key, message_args, occurred_at, detected_at, status, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, source_id, rule) DO NOTHING`,
			uuid.Must(uuid.NewV7()).String(), lenderID, agencyID, accountID, v.Rule, oversight.Severity(v.Rule), source, sourceID,
			jsonString(nonNilStrings(evidence)), v.Message, v.Key, encodeArgs(v.Args), occurred, now, oversight.BreachOpen, now)
		if res.Error != nil {
			return 0, res.Error
		}
		added += res.RowsAffected
		counts[oversight.BreachCounter(v.Rule)] += res.RowsAffected
	}
	if added == 0 {
		return 0, nil
	}
	for c, n := range counts {
		if n == 0 {
			delete(counts, c)
		}
	}
	return added, statDelta(tx, lenderID, agencyID, occurred, counts)
}

// BreachRow is a breach as oversight lists it.
type BreachRow struct {
	ID          string    `json:"id"`
	AgencyID    string    `json:"agency_id"`
	AgencyName  string    `json:"agency_name"`
	AccountID   string    `json:"account_id"`
	ExternalRef string    `json:"external_ref"`
	Rule        string    `json:"rule"`
	Severity    string    `json:"severity"`
	Source      string    `json:"source"`
	SourceID    string    `json:"source_id"`
	Evidence    string    `json:"evidence"`
	Message     string    `json:"message"` // English
	MessageKey  string    `json:"message_key,omitempty"`
	MessageArgs string    `json:"-"` // the key's arguments, JSON
	OccurredAt  time.Time `json:"occurred_at"`
	DetectedAt  time.Time `json:"detected_at"`
	Status      string    `json:"status"`
	Remediation string    `json:"remediation"`
}

// Violation is the breach's rule and message, keyed when the breach was
// found after breaches kept keys (older ones carry their English only).
func (b BreachRow) Violation() collect.Violation {
	return collect.Violation{Rule: b.Rule, Message: b.Message, Key: b.MessageKey, Args: decodeArgs(b.MessageArgs)}
}

// BreachFilter narrows the breach list.
type BreachFilter struct {
	Agency, Rule, Severity, Status string
	Page
}

// ListBreaches returns the breaches in the actor's scope, newest first.
func (s *Store) ListBreaches(ctx context.Context, a collect.Actor, f BreachFilter) ([]BreachRow, int64, error) {
	q := s.breachesQuery(ctx, a)
	for col, v := range map[string]string{"b.agency_id": f.Agency, "b.rule": f.Rule, "b.severity": f.Severity, "b.status": f.Status} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p := f.Page.Normal()
	var out []BreachRow
	err := q.Order("b.occurred_at DESC, b.id").Offset(p.offset()).Limit(p.PerPage).Scan(&out).Error
	return out, total, err
}

// breachesQuery selects the breaches in the actor's scope as BreachRows.
func (s *Store) breachesQuery(ctx context.Context, a collect.Actor) *gorm.DB {
	return s.db.WithContext(ctx).Table("breaches b").Scopes(breachScope(a)).
		Select("b.*, o.name AS agency_name, ac.external_ref").
		Joins("JOIN organisations o ON o.id = b.agency_id").Joins("LEFT JOIN accounts ac ON ac.id = b.account_id")
}

// Breach returns one breach; not found when it is outside the actor's scope.
func (s *Store) Breach(ctx context.Context, a collect.Actor, id string) (BreachRow, error) {
	var out BreachRow
	if err := s.breachesQuery(ctx, a).Where("b.id = ?", id).Take(&out).Error; err != nil {
		return BreachRow{}, notFound(err, "breach")
	}
	return out, nil
}

// UpdateBreach records the remediation of a breach (the lender's), or
// dismisses it; a dismissed breach no longer counts (oversight.MoveBreach).
func (s *Store) UpdateBreach(ctx context.Context, a collect.Actor, id, status, remediation string) (BreachRow, error) {
	if err := oversight.CheckBreachUpdate(status, remediation); err != nil {
		return BreachRow{}, err
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var b struct {
			ID, LenderID, AgencyID, Status, Rule string
			OccurredAt                           time.Time
		}
		if err := tx.Table("breaches b").Scopes(breachScope(a)).Where("b.id = ?", id).Take(&b).Error; err != nil {
			return notFound(err, "breach")
		}
		if err := oversight.CanUpdateBreach(a.OrgKind); err != nil {
			return err
		}
		delta, err := oversight.MoveBreach(b.Status, status, remediation)
		if err != nil {
			return err
		}
		res := tx.Table("breaches").Where("id = ? AND status = ?", id, b.Status).Updates(map[string]any{"status": status, "remediation": remediation,
			"updated_by": a.UserID, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.breach.changed_meanwhile")
		}
		if delta != 0 {
			if err := statDelta(tx, b.LenderID, b.AgencyID, b.OccurredAt, map[string]int64{oversight.BreachCounter(b.Rule): delta}); err != nil {
				return err
			}
		}
		return s.appendAudit(tx, a, auditRecord{Action: "breach.update", ObjectType: "breach", ObjectID: id, LenderID: b.LenderID,
			Before: map[string]string{"status": b.Status}, After: map[string]string{"status": status, "remediation_sha256": textDigest(remediation)}})
	})
	if err != nil {
		return BreachRow{}, err
	}
	return s.Breach(ctx, a, id)
}

// DetectBreaches replays the contact logs of accounts with contacts recorded
// since the given time (a contact may be recorded days after it happened)
// against their conduct profile (oversight.DetectBreaches) and
// records what breaks a rule. Safe to run again and in several processes:
// a breach already recorded is not recorded twice.
func (s *Store) DetectBreaches(ctx context.Context, since time.Time) (int, error) {
	// The accounts with contacts recorded since, and the other loans of
	// the same people: a call logged late on one loan can put a later call
	// on another over a per-debtor cap.
	var accounts []string
	if err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT account_id FROM contacts WHERE created_at >= ?
		UNION SELECT a2.id FROM contacts c JOIN accounts a1 ON a1.id = c.account_id
		JOIN accounts a2 ON a2.lender_id = a1.lender_id AND a2.debtor_key = a1.debtor_key AND a2.id <> a1.id
		WHERE c.created_at >= ? AND a1.debtor_key <> ''`, since, since).Scan(&accounts).Error; err != nil {
		return 0, err
	}
	found := 0
	for _, id := range accounts {
		var acc caseAccount
		if err := s.db.WithContext(ctx).Table("accounts").Where("id = ?", id).Take(&acc).Error; err != nil {
			return found, err
		}
		prof, err := conductProfile(acc.ConductProfile)
		if err != nil {
			return found, err
		}
		// The person's whole log (every loan of the debtor at the lender):
		// per-debtor rules count across them; only this account's contacts
		// are judged.
		var log []struct {
			Contact  `gorm:"embedded"`
			AgencyID string
			LenderID string
		}
		q := s.db.WithContext(ctx).Table("contacts")
		if acc.DebtorKey != nil && *acc.DebtorKey != "" {
			q = q.Where("account_id IN (SELECT id FROM accounts WHERE lender_id = ? AND debtor_key = ?)", acc.LenderID, *acc.DebtorKey)
		} else {
			q = q.Where("account_id = ?", id)
		}
		if err := q.Order("at, id").Scan(&log).Error; err != nil {
			return found, err
		}
		cs := make([]casework.Contact, len(log))
		for i, c := range log {
			cs[i] = c.casework()
		}
		var disputes []struct {
			RaisedAt   time.Time
			ResolvedAt *time.Time
		}
		if err := s.db.WithContext(ctx).Table("disputes").Where("account_id = ?", id).Select("raised_at, resolved_at").Scan(&disputes).Error; err != nil {
			return found, err
		}
		reqs, holds, err := personRules(s.db.WithContext(ctx), acc.LenderID, personKey(acc))
		if err != nil {
			return found, err
		}
		facts := oversight.AccountFacts{TimeZone: acc.TimeZone, TimeZones: accountZones(acc), ConsentOutOfHours: acc.ConsentOutOfHours,
			CeaseCommunication: acc.CeaseCommunication, GuarantorAllowed: acc.GuarantorAllowed, AccountID: id}
		for _, d := range disputes {
			facts.Disputes = append(facts.Disputes, oversight.Period{From: d.RaisedAt, To: d.ResolvedAt})
		}
		for _, r := range reqs {
			facts.Requests = append(facts.Requests, r.rule())
		}
		for _, h := range holds {
			facts.Holds = append(facts.Holds, h.rule())
		}
		breaches := oversight.DetectBreaches(prof, cs, facts)
		if len(breaches) == 0 {
			continue
		}
		err = s.inTx(ctx, func(tx *gorm.DB) error {
			var rules []string
			for _, b := range breaches {
				c := log[b.ContactIndex]
				var ev []string
				for _, i := range b.Evidence {
					ev = append(ev, log[i].ID)
				}
				n, err := recordBreaches(tx, c.LenderID, c.AgencyID, id, "detector", c.ID, c.At, s.now(),
					[]collect.Violation{b.Violation()}, ev)
				if err != nil {
					return err
				}
				if n > 0 {
					rules = append(rules, b.Rule)
				}
			}
			found += len(rules)
			if len(rules) == 0 {
				return nil // found before: nothing new to say
			}
			return s.appendAudit(tx, collect.Actor{}, auditRecord{Action: "breach.detect", ObjectType: "account", ObjectID: id, LenderID: acc.LenderID,
				After: map[string]any{"rules": rules}})
		})
		if err != nil {
			return found, err
		}
	}
	return found, nil
}
