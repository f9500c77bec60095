package oversight

import (
	"collect"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckEvaluation(t *testing.T) {
	good := AgencyEvaluation{Kind: EvaluationAnnual, Period: "2026", Decision: DecisionRenew, ConductScore: 80, QualityScore: 70, EfficiencyScore: 60, InfosecScore: 90}
	for _, c := range []struct {
		name   string
		edit   func(*AgencyEvaluation)
		fields []string
	}{
		{"valid", func(*AgencyEvaluation) {}, nil},
		{"pre-expiry", func(e *AgencyEvaluation) { e.Kind = EvaluationPreExpiry }, nil},
		{"ad hoc", func(e *AgencyEvaluation) { e.Kind = EvaluationAdHoc }, nil},
		{"unknown kind", func(e *AgencyEvaluation) { e.Kind = "monthly" }, []string{"kind"}},
		{"suspend", func(e *AgencyEvaluation) { e.Decision = DecisionSuspend }, nil},
		{"terminate", func(e *AgencyEvaluation) { e.Decision = DecisionTerminate }, nil},
		{"no decision", func(e *AgencyEvaluation) { e.Decision = "" }, []string{"decision"}},
		{"scores 0", func(e *AgencyEvaluation) {
			e.ConductScore, e.QualityScore, e.EfficiencyScore, e.InfosecScore = 0, 0, 0, 0
		}, nil},
		{"scores 100", func(e *AgencyEvaluation) {
			e.ConductScore, e.QualityScore, e.EfficiencyScore, e.InfosecScore = 100, 100, 100, 100
		}, nil},
		{"conduct -1 (a blank form field)", func(e *AgencyEvaluation) { e.ConductScore = -1 }, []string{"conduct_score"}},
		{"quality 101", func(e *AgencyEvaluation) { e.QualityScore = 101 }, []string{"quality_score"}},
		{"efficiency -1", func(e *AgencyEvaluation) { e.EfficiencyScore = -1 }, []string{"efficiency_score"}},
		{"infosec 101", func(e *AgencyEvaluation) { e.InfosecScore = 101 }, []string{"infosec_score"}},
		{"every score out, in order", func(e *AgencyEvaluation) {
			e.ConductScore, e.QualityScore, e.EfficiencyScore, e.InfosecScore = -1, 101, -5, 200
		},
			[]string{"conduct_score", "quality_score", "efficiency_score", "infosec_score"}},
		{"half-year period", func(e *AgencyEvaluation) { e.Period = "2026-H2" }, nil},
		{"blank period", func(e *AgencyEvaluation) { e.Period = "   " }, []string{"period"}},
		{"period 20", func(e *AgencyEvaluation) { e.Period = strings.Repeat("期", EvaluationPeriodMax) }, nil},
		{"period 20 in blanks", func(e *AgencyEvaluation) { e.Period = "  " + strings.Repeat("期", EvaluationPeriodMax) + " " }, nil},
		{"period 21", func(e *AgencyEvaluation) { e.Period = strings.Repeat("期", EvaluationPeriodMax+1) }, []string{"period"}},
		{"note 4000", func(e *AgencyEvaluation) { e.Note = strings.Repeat("评", EvaluationNoteMax) }, nil},
		{"note 4001", func(e *AgencyEvaluation) { e.Note = strings.Repeat("评", EvaluationNoteMax+1) }, []string{"note"}},
	} {
		e := good
		c.edit(&e)
		var got []string
		for _, f := range CheckEvaluation(e) {
			if f.Key == "" {
				t.Errorf("%s: field %s has no key", c.name, f.Field)
			}
			got = append(got, f.Field)
		}
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
}

func TestCanEvaluate(t *testing.T) {
	for kind, ok := range map[string]bool{collect.KindLender: true, collect.KindAgency: false, collect.KindPlatform: false, "": false} {
		err := CanEvaluate(kind)
		if ok != (err == nil) || !ok && (collect.ErrorCode(err) != collect.EFORBIDDEN || keyOf(err) != "err.evaluation.lender_evaluates") {
			t.Errorf("%q evaluates: %v", kind, err)
		}
	}
}

func TestDecisionEffect(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	for _, c := range []struct {
		name     string
		decision string
		now      time.Time
		want     ContractChange
	}{
		{"renew changes nothing", DecisionRenew, time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC), ContractChange{}},
		{"suspend", DecisionSuspend, time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC), ContractChange{Change: true, Status: ContractSuspended}},
		{"terminate ends it today", DecisionTerminate, time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC), ContractChange{Change: true, Status: ContractSuspended, EndsOn: "2026-06-30"}},
		// 07:00 on 1 July in Shanghai is still 30 June in UTC, the day
		// allocation.Contract.InForce reads.
		{"terminate early morning in Shanghai", DecisionTerminate, time.Date(2026, 7, 1, 7, 0, 0, 0, shanghai), ContractChange{Change: true, Status: ContractSuspended, EndsOn: "2026-06-30"}},
		{"terminate at the UTC day's last instant", DecisionTerminate, time.Date(2026, 6, 30, 23, 59, 59, 999999999, time.UTC), ContractChange{Change: true, Status: ContractSuspended, EndsOn: "2026-06-30"}},
		{"an unknown decision changes nothing", "reprimand", time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC), ContractChange{}},
	} {
		if got := DecisionEffect(c.decision, c.now); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestNoContractToChange(t *testing.T) {
	err := NoContractToChange(DecisionSuspend)
	if collect.ErrorCode(err) != collect.EINVALID || keyOf(err) != "err.evaluation.no_contract" || !slices.Equal(fieldsOf(err), []string{"decision"}) {
		t.Errorf("%v", err)
	}
	var e *collect.Error
	if !errors.As(err, &e) || e.Args["decision"] != DecisionSuspend {
		t.Errorf("the decision is not named: %+v", e)
	}
}
