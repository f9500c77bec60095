package store_test

import (
	"collect"
	"context"
	"slices"
	"testing"
	"time"

	"collect/casework"
	"collect/portal/store"
)

// daysAgo is the Beijing date n days before now.
func daysAgo(n int) string {
	return casework.RosterDay(time.Now().AddDate(0, 0, -n)).Format(time.DateOnly)
}

// yearAgo is the Beijing date one calendar year and n days before now.
func yearAgo(n int) string {
	return casework.RosterDay(time.Now()).AddDate(-1, 0, -n).Format(time.DateOnly)
}

func TestRosterRefusesContacts(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		sup := actorFor(t, s, "supervisor@agency-a.test")
		acc := agencyAccount(t, s, agent)
		if _, err := s.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		day := time.Now().In(collect.China)
		at := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, collect.China).AddDate(0, 0, -1)
		call := store.ContactInput{Channel: "call", Party: "debtor", Outcome: "no_answer", At: at}
		refusals := func() int {
			return count(t, s, `SELECT COUNT(*) FROM contact_refusals WHERE account_id = $1 AND collector_id = $2`, acc.ID, agent.UserID)
		}

		// The demo collector is compliant: the call is logged.
		if _, err := s.RecordContact(ctx, agent, acc.ID, call); err != nil {
			t.Fatalf("a compliant collector's call: %v", err)
		}

		t.Run("TrainingLapsed", func(t *testing.T) {
			// Trained a year and a day ago: valid through yesterday, lapsed today.
			in := store.RosterInput{StaffNo: "A-002", VerifiedOn: daysAgo(400), NDASignedOn: daysAgo(400), TrainedOn: yearAgo(1), ExamPassedOn: daysAgo(30)}
			e, err := s.PutRoster(ctx, sup, agent.UserID, in)
			if err != nil {
				t.Fatal(err)
			}
			if e.Status != casework.RuleRosterTrainingLapsed {
				t.Fatalf("status %q", e.Status)
			}
			before := refusals()
			_, err = s.RecordContact(ctx, agent, acc.ID, call)
			if collect.ErrorCode(err) != collect.ERULEVIOLATION || !slices.Equal(violations(err), []string{"roster.training_lapsed"}) {
				t.Fatalf("a lapsed collector's call: %v (%q)", err, violations(err))
			}
			if refusals() != before+1 {
				t.Fatal("the refusal was not kept")
			}
			// Trained on today's date a year ago: today is its last day.
			in.TrainedOn = yearAgo(0)
			if _, err := s.PutRoster(ctx, sup, agent.UserID, in); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordContact(ctx, agent, acc.ID, call); err != nil {
				t.Fatalf("trained 365 days ago: %v", err)
			}
		})

		t.Run("NoAgreement", func(t *testing.T) {
			in := store.RosterInput{StaffNo: "A-002", VerifiedOn: daysAgo(400), TrainedOn: daysAgo(10), ExamPassedOn: daysAgo(10)}
			if _, err := s.PutRoster(ctx, sup, agent.UserID, in); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordContact(ctx, agent, acc.ID, call); !slices.Equal(violations(err), []string{"roster.no_agreement"}) {
				t.Fatalf("no agreement: %v", err)
			}
		})

		t.Run("NotRegistered", func(t *testing.T) {
			if _, err := s.DB().Exec(`DELETE FROM roster_records WHERE user_id = $1`, agent.UserID); err != nil {
				t.Fatal(err)
			}
			_, err := s.RecordContact(ctx, agent, acc.ID, call)
			if collect.ErrorCode(err) != collect.ERULEVIOLATION || !slices.Equal(violations(err), []string{"roster.not_registered"}) {
				t.Fatalf("an unregistered collector's call: %v (%q)", err, violations(err))
			}
			r, err := s.Roster(ctx, sup, "")
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, e := range r.Items {
				if e.UserID == agent.UserID {
					found = true
					if e.Registered || e.Status != casework.RuleRosterNotRegistered {
						t.Errorf("entry %+v", e)
					}
				}
			}
			if !found {
				t.Fatal("the unregistered collector is not listed")
			}
		})
	})
}

func TestRosterScopeAndInput(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		sup := actorFor(t, s, "supervisor@agency-a.test")
		agentB := actorFor(t, s, "agent@agency-b.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		good := store.RosterInput{StaffNo: "A-009", VerifiedOn: daysAgo(100), NDASignedOn: daysAgo(100), TrainedOn: daysAgo(5), ExamPassedOn: daysAgo(5)}

		t.Run("ErrAnotherAgencysUser", func(t *testing.T) {
			if _, err := s.PutRoster(ctx, sup, agentB.UserID, good); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Fatalf("agency A's supervisor on B's collector: %v", err)
			}
			if _, err := s.PutRoster(ctx, vm, agent.UserID, good); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Fatalf("a lender writing the roster: %v", err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			bad := good
			bad.StaffNo, bad.TrainedOn, bad.VerifiedOn = " ", casework.RosterDay(time.Now().AddDate(0, 0, 2)).Format(time.DateOnly), ""
			_, err := s.PutRoster(ctx, sup, agent.UserID, bad)
			if collect.ErrorCode(err) != collect.EINVALID {
				t.Fatalf("bad input: %v", err)
			}
			var fields []string
			for _, f := range err.(*collect.Error).Fields {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, []string{"staff_no", "verified_on", "trained_on"}) {
				t.Fatalf("fields %q", fields)
			}
		})
		t.Run("ErrStaffNoTaken", func(t *testing.T) {
			r, _ := s.Roster(ctx, sup, "")
			var other string
			for _, e := range r.Items {
				if e.UserID == sup.UserID {
					other = e.StaffNo
				}
			}
			dup := good
			dup.StaffNo = other
			if _, err := s.PutRoster(ctx, sup, agent.UserID, dup); collect.ErrorCode(err) != collect.ECONFLICT {
				t.Fatalf("a staff number taken: %v", err)
			}
		})
		t.Run("Audited", func(t *testing.T) {
			if _, err := s.PutRoster(ctx, sup, agent.UserID, good); err != nil {
				t.Fatal(err)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'roster.update' AND object_id = $1`, agent.UserID); n != 1 {
				t.Fatalf("%d audit events", n)
			}
		})
		t.Run("LenderReadsItsAgencies", func(t *testing.T) {
			r, err := s.Roster(ctx, vm, agent.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Agencies) != 1 || r.Agencies[0].Collectors != 2 || r.Agencies[0].Compliant != 2 || r.Agencies[0].Contacts == 0 ||
				r.Agencies[0].CompliantShare == nil || *r.Agencies[0].CompliantShare != 1 {
				t.Fatalf("agency A for the lender: %+v", r.Agencies)
			}
			for _, e := range r.Items {
				if e.AgencyID != agent.OrgID {
					t.Fatalf("another agency's entry %+v", e)
				}
			}
		})
		t.Run("EvaluationKeepsTheRoster", func(t *testing.T) {
			ev, err := s.RecordEvaluation(ctx, vm, agent.OrgID, store.Evaluation{Kind: "annual", Period: "2026", ConductScore: 80, QualityScore: 80,
				EfficiencyScore: 80, InfosecScore: 80, Decision: "renew"})
			if err != nil {
				t.Fatal(err)
			}
			evs, err := s.Evaluations(ctx, vm, agent.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.ID == ev.ID {
					if e.RosterCollectors == nil || *e.RosterCollectors != 2 || e.RosterCompliant == nil || *e.RosterCompliant != 2 ||
						e.RosterCompliantShare == nil || *e.RosterCompliantShare != 1 {
						t.Fatalf("the evaluation's roster: %v %v %v", e.RosterCollectors, e.RosterCompliant, e.RosterCompliantShare)
					}
					return
				}
			}
			t.Fatal("the evaluation is not listed")
		})
		t.Run("AgencySeesOnlyItself", func(t *testing.T) {
			if _, err := s.Roster(ctx, agentB, agent.OrgID); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Fatalf("agency B reading A's roster: %v", err)
			}
			r, err := s.Roster(ctx, agentB, "")
			if err != nil || len(r.Agencies) != 1 || r.Agencies[0].AgencyID != agentB.OrgID {
				t.Fatalf("agency B's own roster: %+v %v", r.Agencies, err)
			}
		})
		t.Run("LenderOfAnotherBook", func(t *testing.T) {
			other := vm
			other.OrgID = "lender-without-placements"
			if _, err := s.Roster(ctx, other, agent.OrgID); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Fatalf("a lender without placements there: %v", err)
			}
		})
	})
}
