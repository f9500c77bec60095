package earlywarning

import (
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"collect/casework"
)

// testLambda is the L2 strength the tests train with.
const testLambda = 1e-3

// matrix turns features into Vector rows.
func matrix(fs []Features) [][]float64 {
	X := make([][]float64, len(fs))
	for i, f := range fs {
		X[i] = Vector(f)
	}
	return X
}

// baselineScores is the work queue's order without a model:
// casework.Priority of each account as a queue item (no score, no
// scheduled action, no promise due).
func baselineScores(fs []Features) []float64 {
	now := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	out := make([]float64, len(fs))
	for i, f := range fs {
		stage := casework.StageNegotiation
		if f.ArrangementKind != "" {
			stage = casework.StageFollowUp
		}
		out[i], _ = casework.Priority(casework.QueueItem{
			DPD:          f.DPD,
			BalanceCents: f.BalanceCents,
			Stage:        stage,
		}, now)
	}
	return out
}

func TestVectorNamesAgree(t *testing.T) {
	names := Names()
	if got := len(Vector(Features{})); got != len(names) {
		t.Fatalf("len(Vector) = %d, len(Names) = %d", got, len(names))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			t.Errorf("name %q empty or repeated", n)
		}
		seen[n] = true
	}
	names[0] = "changed"
	if Names()[0] == "changed" {
		t.Error("Names returns the package's slice")
	}
}

func TestVectorValues(t *testing.T) {
	idx := map[string]int{}
	for i, n := range Names() {
		idx[n] = i
	}
	f := Features{
		DPD: 45, BalanceCents: 999_900, PrincipalCents: 1_999_900, PaidSoFarCents: 499_975,
		DaysSinceLastPayment: 12, RightPartyContacts: 3, ContactAttempts: 12,
		PromisesMade: 3, PromisesKept: 1, PromisesBroken: 2,
		ArrangementKind: casework.KindInstalmentPlan, Placements: 2, Recalls: 1, Province: "广东省",
	}
	v := Vector(f)
	want := map[string]float64{
		"log_balance": math.Log(10000), "log_principal": math.Log(20000),
		"balance_ratio": 9999.0 / 19999, "paid_ratio": 4999.75 / 19999,
		"log_dpd": math.Log(46), "never_paid": 0, "log_days_since_payment": math.Log(13), "paid_last_30d": 1,
		"log_contact_attempts": math.Log(13), "log_rpc": math.Log(4), "rpc_share": 0.25,
		"log_promises_made": math.Log(4), "kept_ratio": 1.5 / 4, "log_promises_broken": math.Log(3),
		"log_placements": math.Log(3), "log_recalls": math.Log(2),
		"dpd_m2": 1, "dpd_m1": 0, "arr_instalment_plan": 1, "arr_none": 0, "prov_guangdong": 1, "prov_other": 0,
	}
	for name, w := range want {
		if got := v[idx[name]]; math.Abs(got-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	// Exactly one of each one-hot group.
	for _, prefix := range []string{"dpd_", "arr_", "prov_"} {
		sum := 0.0
		for n, i := range idx {
			if len(n) > len(prefix) && n[:len(prefix)] == prefix {
				sum += v[i]
			}
		}
		if sum != 1 {
			t.Errorf("%s* sums to %v", prefix, sum)
		}
	}

	// Never paid, no principal, unknown kind and province, negatives.
	v = Vector(Features{DPD: -3, DaysSinceLastPayment: -1, BalanceCents: -5, ArrangementKind: "barter", Province: "西藏自治区", ContactAttempts: 0, RightPartyContacts: 2})
	for name, w := range map[string]float64{"never_paid": 1, "log_days_since_payment": 0, "paid_last_30d": 0,
		"balance_ratio": 0, "log_balance": 0, "rpc_share": 0, "kept_ratio": 0.5,
		"dpd_current": 1, "arr_other": 1, "prov_other": 1, "log_dpd": 0} {
		if got := v[idx[name]]; got != w {
			t.Errorf("edge %s = %v, want %v", name, got, w)
		}
	}
	for _, c := range []struct {
		dpd  int
		name string
	}{{0, "dpd_current"}, {1, "dpd_m1"}, {30, "dpd_m1"}, {31, "dpd_m2"}, {60, "dpd_m2"}, {61, "dpd_m3"},
		{90, "dpd_m3"}, {91, "dpd_m4"}, {120, "dpd_m4"}, {121, "dpd_m5_m6"}, {180, "dpd_m5_m6"}, {181, "dpd_m6_plus"}} {
		if Vector(Features{DPD: c.dpd})[idx[c.name]] != 1 {
			t.Errorf("DPD %d not in %s", c.dpd, c.name)
		}
	}
	for _, c := range []struct{ p, name string }{{"广东", "prov_guangdong"}, {"Guangdong", "prov_guangdong"},
		{"zhejiang province", "prov_zhejiang"}, {" 四川省 ", "prov_sichuan"}, {"", "prov_other"}, {"北京市", "prov_other"}} {
		if Vector(Features{Province: c.p})[idx[c.name]] != 1 {
			t.Errorf("province %q not in %s", c.p, c.name)
		}
	}
	if Vector(Features{ArrangementKind: ""})[idx["arr_none"]] != 1 || Vector(Features{ArrangementKind: casework.KindSettlement})[idx["arr_settlement"]] != 1 {
		t.Error("arrangement one-hot")
	}
}

// trained caches the model trained on SyntheticHistory(20000, 7).
var trained = sync.OnceValues(func() (Model, error) {
	trF, trY, _, _ := SyntheticHistory(20000, 7)
	return Train(KindPropensity, matrix(trF), trY, testLambda)
})

func TestTrainAndEvaluateOnLaterPeriod(t *testing.T) {
	m, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	_, _, teF, teY := SyntheticHistory(20000, 7)
	ev := Evaluate(m, matrix(teF), teY, baselineScores(teF))
	t.Logf("later period: AUC %.4f, baseline (casework.Priority) AUC %.4f, %d positives, %d negatives",
		ev.AUC, ev.BaselineAUC, ev.Positives, ev.Negatives)
	for _, d := range ev.Deciles {
		t.Logf("  decile %2d: n %4d, predicted %.3f, observed %.3f", d.Decile, d.Count, d.MeanPredicted, d.ObservedRate)
	}
	if ev.AUC < 0.70 {
		t.Errorf("AUC %.4f < 0.70", ev.AUC)
	}
	if !ev.Better || ev.AUC <= ev.BaselineAUC {
		t.Errorf("model AUC %.4f not better than baseline %.4f", ev.AUC, ev.BaselineAUC)
	}
	if ev.Positives+ev.Negatives != len(teY) || ev.Positives == 0 || ev.Negatives == 0 {
		t.Errorf("positives %d negatives %d of %d", ev.Positives, ev.Negatives, len(teY))
	}
	if len(ev.Deciles) != 10 {
		t.Fatalf("%d deciles", len(ev.Deciles))
	}
	count, drops := 0, 0
	for i, d := range ev.Deciles {
		count += d.Count
		if d.Decile != i+1 {
			t.Errorf("decile %d numbered %d", i+1, d.Decile)
		}
		if i > 0 {
			if d.MeanPredicted < ev.Deciles[i-1].MeanPredicted {
				t.Errorf("mean predicted falls at decile %d", d.Decile)
			}
			if d.ObservedRate < ev.Deciles[i-1].ObservedRate {
				drops++
			}
		}
		// Calibrated within the drift between the periods.
		if math.Abs(d.MeanPredicted-d.ObservedRate) > 0.1 {
			t.Errorf("decile %d: predicted %.3f, observed %.3f", d.Decile, d.MeanPredicted, d.ObservedRate)
		}
	}
	if count != len(teY) {
		t.Errorf("deciles count %d, want %d", count, len(teY))
	}
	if top, bottom := ev.Deciles[9].ObservedRate, ev.Deciles[0].ObservedRate; top <= bottom+0.3 {
		t.Errorf("top decile observed %.3f not well above bottom %.3f", top, bottom)
	}
	if drops > 2 {
		t.Errorf("observed rate falls %d times across deciles", drops)
	}

	// The model learnt the synthetic relation's signs.
	coef := map[string]float64{}
	for i, n := range m.Names {
		coef[n] = m.Coef[i]
	}
	for _, n := range []string{"rpc_share", "kept_ratio", "paid_last_30d"} {
		if coef[n] <= 0 {
			t.Errorf("coef %s = %v, want > 0", n, coef[n])
		}
	}
	for _, n := range []string{"log_dpd", "log_promises_broken", "never_paid", "log_recalls"} {
		if coef[n] >= 0 {
			t.Errorf("coef %s = %v, want < 0", n, coef[n])
		}
	}
}

func TestTrainReproducibleAndRoundTrips(t *testing.T) {
	m1, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	trF, trY, teF, teY := SyntheticHistory(20000, 7)
	m2, err := Train(KindPropensity, matrix(trF), trY, testLambda)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m1, m2) {
		t.Error("the same data trained twice differs")
	}
	if m1.Kind != KindPropensity || m1.Version == "" || !slices.Equal(m1.Names, Names()) ||
		len(m1.Coef) != len(Names()) || len(m1.Mean) != len(Names()) || len(m1.Scale) != len(Names()) {
		t.Errorf("model fields: %+v", m1)
	}
	if !m1.TrainedAt.IsZero() || !m1.TrainFrom.IsZero() || !m1.TrainTo.IsZero() {
		t.Error("Train stamped dates; the caller does")
	}

	// Same seed, same data; another seed, other data.
	a, ay, b, by := SyntheticHistory(1000, 42)
	c, cy, d, dy := SyntheticHistory(1000, 42)
	if !reflect.DeepEqual(a, c) || !reflect.DeepEqual(ay, cy) || !reflect.DeepEqual(b, d) || !reflect.DeepEqual(by, dy) {
		t.Error("SyntheticHistory not reproducible")
	}
	e, _, _, _ := SyntheticHistory(1000, 43)
	if reflect.DeepEqual(a, e) {
		t.Error("seeds 42 and 43 give the same accounts")
	}
	if len(a) != 500 || len(b) != 500 || len(trF) != 10000 || len(teF) != 10000 || len(teY) != 10000 {
		t.Errorf("period sizes %d %d %d %d", len(a), len(b), len(trF), len(teF))
	}
	if f, fy, g, gy := SyntheticHistory(7, 1); len(f) != 3 || len(fy) != 3 || len(g) != 4 || len(gy) != 4 {
		t.Error("odd n split")
	}

	// A stored model scores the same after JSON.
	raw, err := json.Marshal(m1)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	x := Vector(teF[0])
	p1, _ := m1.Score(x, 0)
	p2, _ := back.Score(x, 0)
	if p1 != p2 || back.Version != m1.Version {
		t.Errorf("after JSON: %v vs %v", p1, p2)
	}

	// Another lambda, another model and version.
	m3, err := Train(KindPropensity, matrix(trF[:2000]), trY[:2000], 1)
	if err != nil {
		t.Fatal(err)
	}
	if m3.Version == m1.Version {
		t.Error("different models share a version")
	}
	var n1, n3 float64
	for i := range m1.Coef {
		n1 += m1.Coef[i] * m1.Coef[i]
		n3 += m3.Coef[i] * m3.Coef[i]
	}
	if n3 >= n1 {
		t.Errorf("lambda 1 did not shrink the coefficients: %v vs %v", n3, n1)
	}
}

func TestTrainRefuses(t *testing.T) {
	trF, trY, _, _ := SyntheticHistory(400, 3)
	X := matrix(trF)
	allNo := make([]bool, len(X))
	allYes := make([]bool, len(X))
	for i := range allYes {
		allYes[i] = true
	}
	ragged := slices.Clone(X)
	ragged[5] = ragged[5][:3]
	nan := slices.Clone(X)
	nan[7] = slices.Clone(nan[7])
	nan[7][2] = math.NaN()
	cases := []struct {
		name   string
		kind   string
		X      [][]float64
		y      []bool
		lambda float64
	}{
		{"one class (no)", KindPropensity, X, allNo, 0.01},
		{"one class (yes)", KindArrangementBreak, X, allYes, 0.01},
		{"49 rows", KindPropensity, X[:49], trY[:49], 0.01},
		{"no rows", KindPropensity, nil, nil, 0.01},
		{"lengths differ", KindPropensity, X, trY[:100], 0.01},
		{"unknown kind", "churn", X, trY, 0.01},
		{"negative lambda", KindPropensity, X, trY, -1},
		{"NaN lambda", KindPropensity, X, trY, math.NaN()},
		{"ragged", KindPropensity, ragged, trY, 0.01},
		{"NaN input", KindPropensity, nan, trY, 0.01},
	}
	for _, c := range cases {
		if _, err := Train(c.kind, c.X, c.y, c.lambda); err == nil {
			t.Errorf("%s: trained", c.name)
		}
	}
	// 50 rows of both classes is enough; so is lambda 0 and a narrow width.
	i := slices.Index(trY, true)
	j := slices.Index(trY, false)
	rows := append([][]float64{X[i], X[j]}, X[:48]...)
	ys := append([]bool{true, false}, trY[:48]...)
	if _, err := Train(KindArrangementBreak, rows, ys, 0.01); err != nil {
		t.Errorf("50 rows: %v", err)
	}
	narrow := make([][]float64, len(X))
	for k, x := range X {
		narrow[k] = x[4:6]
	}
	m, err := Train(KindPropensity, narrow, trY, 0)
	if err != nil {
		t.Fatalf("narrow: %v", err)
	}
	if !slices.Equal(m.Names, []string{"x0", "x1"}) {
		t.Errorf("narrow names %v", m.Names)
	}
}

// TestTrainRecoversKnownModel checks the optimiser: data drawn from a known
// logistic model, lambda 0, many rows → the known coefficients.
func TestTrainRecoversKnownModel(t *testing.T) {
	const n = 40000
	X := make([][]float64, n)
	y := make([]bool, n)
	// Deterministic pseudo-random inputs and outcomes.
	state := uint64(12345)
	next := func() float64 {
		state = state*6364136223846793005 + 1442695040888963407
		return float64(state>>11) / (1 << 53)
	}
	for i := range X {
		a, b := next()*4-2, next()*2
		X[i] = []float64{a, b}
		y[i] = next() < sigmoid(0.5+1.5*a-2*b)
	}
	m, err := Train(KindPropensity, X, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Back to raw units: coef/scale, intercept − Σ coef·mean/scale.
	wa, wb := m.Coef[0]/m.Scale[0], m.Coef[1]/m.Scale[1]
	b0 := m.Intercept - wa*m.Mean[0] - wb*m.Mean[1]
	if math.Abs(wa-1.5) > 0.1 || math.Abs(wb+2) > 0.12 || math.Abs(b0-0.5) > 0.1 {
		t.Errorf("recovered %.3f + %.3f·a + %.3f·b, want 0.5 + 1.5·a − 2·b", b0, wa, wb)
	}
}

func TestScoreReasons(t *testing.T) {
	m, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	_, _, teF, _ := SyntheticHistory(2000, 11)
	for _, f := range teF[:200] {
		x := Vector(f)
		p, all := m.Score(x, len(x)+5)
		if len(all) != len(x) {
			t.Fatalf("%d reasons for %d inputs", len(all), len(x))
		}
		sum := m.Intercept
		for i, r := range all {
			sum += r.Contribution
			if i > 0 && math.Abs(r.Contribution) > math.Abs(all[i-1].Contribution) {
				t.Fatalf("reasons not sorted at %d: %v", i, all)
			}
		}
		logit := math.Log(p / (1 - p))
		if math.Abs(sum-logit) > 1e-9 || math.Abs(m.Logit(x)-sum) > 1e-9 {
			t.Fatalf("contributions + intercept = %v, logit %v (Logit %v)", sum, logit, m.Logit(x))
		}
		// The top 3 are the first 3 of all, and the probability agrees.
		p3, top := m.Score(x, 3)
		if p3 != p || len(top) != 3 || !slices.Equal(top, all[:3]) {
			t.Fatalf("top 3 %v vs all %v", top, all[:3])
		}
		if p0, none := m.Score(x, 0); p0 != p || none != nil {
			t.Fatalf("n = 0: %v %v", p0, none)
		}
		if _, neg := m.Score(x, -1); neg != nil {
			t.Fatal("n < 0 gave reasons")
		}
	}
	// A width that is not the model's.
	if p, r := m.Score([]float64{1, 2}, 3); !math.IsNaN(p) || r != nil {
		t.Errorf("wrong width: %v %v", p, r)
	}
	if !math.IsNaN(m.Logit(nil)) {
		t.Error("Logit of nil")
	}
}

func TestScoreHandModel(t *testing.T) {
	m := Model{
		Names: []string{"a", "b", "c", "d"}, Mean: []float64{1, 0, 0, 5}, Scale: []float64{2, 1, 1, 1},
		Coef: []float64{1, -0.5, 0.25, 2}, Intercept: -1,
	}
	// z = (2, 3, −4, 0) → contributions 1·2, −0.5·3, 0.25·−4, 2·0.
	x := []float64{5, 3, -4, 5}
	p, r := m.Score(x, 4)
	want := []Reason{{"a", 2}, {"b", -1.5}, {"c", -1}, {"d", 0}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("reasons %v, want %v", r, want)
	}
	if math.Abs(p-sigmoid(-1+2-1.5-1)) > 1e-15 {
		t.Errorf("p = %v", p)
	}
	// Ties keep input order.
	m2 := Model{Names: []string{"a", "b", "c"}, Mean: make([]float64, 3), Scale: []float64{1, 1, 1}, Coef: []float64{1, -1, 1}}
	_, r = m2.Score([]float64{1, 1, 2}, 2)
	if !reflect.DeepEqual(r, []Reason{{"c", 2}, {"a", 1}}) {
		t.Errorf("tie order %v", r)
	}
}

func TestAUCHandCases(t *testing.T) {
	y := []bool{false, false, true, true}
	cases := []struct {
		name   string
		scores []float64
		y      []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, y, 1},
		{"inverted", []float64{0.9, 0.8, 0.2, 0.1}, y, 0},
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, y, 0.5},
		// Positives 0.8, 0.4, 0.4; negatives 0.6, 0.4, 0.1.
		// Pairs (pos > neg = 1, tie = ½): 0.8 beats all three → 3;
		// each 0.4 loses to 0.6, ties 0.4, beats 0.1 → 1.5 each; 6/9.
		{"hand", []float64{0.8, 0.6, 0.4, 0.4, 0.4, 0.1}, []bool{true, false, true, true, false, false}, 6.0 / 9},
		// 0.3 pos vs neg 0.2, 0.3(tie), 0.7 → 1 + ½ = 1.5; 0.9 pos beats all 3 → 3; 4.5/6.
		{"hand 2", []float64{0.2, 0.3, 0.3, 0.7, 0.9}, []bool{false, true, false, false, true}, 4.5 / 6},
	}
	for _, c := range cases {
		if got := AUC(c.scores, c.y); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: AUC %v, want %v", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name   string
		scores []float64
		y      []bool
	}{{"no positives", []float64{1, 2}, []bool{false, false}}, {"no negatives", []float64{1, 2}, []bool{true, true}},
		{"empty", nil, nil}, {"lengths differ", []float64{1, 2}, []bool{true}}} {
		if got := AUC(c.scores, c.y); !math.IsNaN(got) {
			t.Errorf("%s: %v, want NaN", c.name, got)
		}
	}
	// NaN ranks lowest.
	if got := AUC([]float64{math.NaN(), 0.1}, []bool{false, true}); got != 1 {
		t.Errorf("NaN score: %v", got)
	}
	// Brute force agrees on a larger set with many ties.
	_, _, teF, teY := SyntheticHistory(3000, 5)
	scores := baselineScores(teF)
	for i := range scores {
		scores[i] = math.Round(scores[i] / 20) // force ties
	}
	var num, den float64
	for i := range scores {
		for j := range scores {
			if teY[i] && !teY[j] {
				den++
				switch {
				case scores[i] > scores[j]:
					num++
				case scores[i] == scores[j]:
					num += 0.5
				}
			}
		}
	}
	if got := AUC(scores, teY); math.Abs(got-num/den) > 1e-12 {
		t.Errorf("AUC %v, brute force %v", got, num/den)
	}
}

func TestCalibrationHand(t *testing.T) {
	scores := make([]float64, 20)
	y := make([]bool, 20)
	for i := range scores {
		scores[19-i] = float64(i) / 20 // descending input order
		y[19-i] = i%2 == 1 || i >= 18
	}
	ds := Calibration(scores, y)
	if len(ds) != 10 {
		t.Fatalf("%d deciles", len(ds))
	}
	for k, d := range ds {
		wantMean := (float64(2*k) + float64(2*k+1)) / 2 / 20
		wantRate := 0.5
		if k == 9 {
			wantRate = 1
		}
		if d.Decile != k+1 || d.Count != 2 || math.Abs(d.MeanPredicted-wantMean) > 1e-12 || d.ObservedRate != wantRate {
			t.Errorf("decile %d: %+v, want mean %v rate %v", k+1, d, wantMean, wantRate)
		}
	}
	if ds := Calibration([]float64{0.1, 0.9, 0.5}, []bool{false, true, true}); len(ds) != 3 || ds[0].MeanPredicted != 0.1 || ds[2].ObservedRate != 1 {
		t.Errorf("3 examples: %+v", ds)
	}
	if Calibration(nil, nil) != nil || Calibration([]float64{1}, nil) != nil {
		t.Error("empty or mismatched calibration")
	}
	// 25 examples: groups of 2 or 3, all counted.
	total := 0
	for _, d := range Calibration(make([]float64, 25), make([]bool, 25)) {
		total += d.Count
		if d.Count < 2 || d.Count > 3 {
			t.Errorf("group of %d", d.Count)
		}
	}
	if total != 25 {
		t.Errorf("counted %d of 25", total)
	}
}

func TestEvaluateBaselineMismatch(t *testing.T) {
	m, err := trained()
	if err != nil {
		t.Fatal(err)
	}
	_, _, teF, teY := SyntheticHistory(400, 9)
	ev := Evaluate(m, matrix(teF), teY, nil)
	if !math.IsNaN(ev.BaselineAUC) || ev.Better || math.IsNaN(ev.AUC) {
		t.Errorf("no baseline: %+v", ev)
	}
}

// BenchmarkScore1M scores 1,000,000 accounts per iteration (Vector + Score
// with 3 reasons), split over GOMAXPROCS goroutines. The accounts cycle
// through 20,000 synthetic ones; every call computes from scratch.
func BenchmarkScore1M(b *testing.B) {
	m, err := trained()
	if err != nil {
		b.Fatal(err)
	}
	pool, _, _, _ := SyntheticHistory(40000, 99)
	const total = 1_000_000
	out := make([]float64, total)
	workers := runtime.GOMAXPROCS(0)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := w*total/workers, (w+1)*total/workers
			wg.Go(func() {
				for i := lo; i < hi; i++ {
					p, r := m.Score(Vector(pool[i%len(pool)]), 3)
					if len(r) != 3 {
						panic("reasons")
					}
					out[i] = p
				}
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)*total/elapsed.Seconds(), "accounts/s")
	b.ReportMetric(float64(workers), "goroutines")
}
