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

func TestEvaluationNormal(t *testing.T) {
	e := AgencyEvaluation{Period: " 2026-H2 \t", Note: " 备注 "}.Normal()
	if e.Period != "2026-H2" || e.Note != " 备注 " {
		t.Errorf("%+v: the period is trimmed, the note kept as written", e)
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
	noon := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	running, ended, endsToday := ptr("2027-12-31"), ptr("2026-03-31"), ptr("2026-06-30")
	suspended := func(ends string) ContractChange {
		return ContractChange{Change: true, Status: ContractSuspended, EndsOn: ends}
	}
	for _, c := range []struct {
		name     string
		decision string
		endsOn   *string
		now      time.Time
		want     ContractChange
		noDeal   bool // refused: no contract to change
	}{
		{"renew changes nothing", DecisionRenew, running, noon, ContractChange{}, false},
		{"renew without a contract", DecisionRenew, nil, noon, ContractChange{}, false},
		{"suspend", DecisionSuspend, running, noon, suspended(""), false},
		{"suspend an ended contract", DecisionSuspend, ended, noon, suspended(""), false},
		{"suspend without a contract", DecisionSuspend, nil, noon, ContractChange{}, true},
		{"terminate ends it today", DecisionTerminate, running, noon, suspended("2026-06-30"), false},
		{"terminate on its last day", DecisionTerminate, endsToday, noon, suspended("2026-06-30"), false},
		// A contract that ran out in March keeps its end: terminating it in
		// June must not lengthen it to June.
		{"terminate an ended contract", DecisionTerminate, ended, noon, suspended("2026-03-31"), false},
		{"terminate without a contract", DecisionTerminate, nil, noon, ContractChange{}, true},
		// 07:00 on 1 July in Shanghai is still 30 June in UTC, the day
		// allocation.Contract.InForce reads.
		{"terminate early morning in Shanghai", DecisionTerminate, running, time.Date(2026, 7, 1, 7, 0, 0, 0, shanghai), suspended("2026-06-30"), false},
		{"terminate at the UTC day's last instant", DecisionTerminate, running, time.Date(2026, 6, 30, 23, 59, 59, 999999999, time.UTC), suspended("2026-06-30"), false},
		{"an unknown decision changes nothing", "reprimand", nil, noon, ContractChange{}, false},
	} {
		got, err := DecisionEffect(c.decision, c.endsOn, c.now)
		if c.noDeal {
			var e *collect.Error
			if collect.ErrorCode(err) != collect.EINVALID || keyOf(err) != "err.evaluation.no_contract" || !slices.Equal(fieldsOf(err), []string{"decision"}) ||
				!errors.As(err, &e) || e.Args["decision"] != c.decision {
				t.Errorf("%s: %v, want the decision refused on the decision field", c.name, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
}
