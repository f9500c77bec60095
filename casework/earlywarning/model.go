package earlywarning

import (
	"cmp"
	"collect"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Model kinds.
const (
	KindPropensity       = "propensity"        // pays within 30 days of the cutoff
	KindArrangementBreak = "arrangement_break" // the live arrangement breaks
)

// MinExamples is the fewest training rows Train accepts.
const MinExamples = 50

// Model is a trained logistic regression on standardised inputs:
//
//	z_j   = (x_j − Mean_j) / Scale_j
//	logit = Intercept + Σ Coef_j · z_j
//	p     = 1 / (1 + e^−logit)
//
// Train sets every field but the dates, which the caller stamps: TrainedAt
// when it trained, TrainFrom and TrainTo the period the examples came from.
type Model struct {
	Kind      string    `json:"kind"` // KindPropensity or KindArrangementBreak
	Names     []string  `json:"names"`
	Mean      []float64 `json:"mean"`  // standardisation: per-input mean …
	Scale     []float64 `json:"scale"` // … and standard deviation (1 for a constant input)
	Coef      []float64 `json:"coef"`
	Intercept float64   `json:"intercept"`
	Version   string    `json:"version"` // kind + a hash of names and parameters
	TrainedAt time.Time `json:"trained_at"`
	TrainFrom time.Time `json:"train_from"`
	TrainTo   time.Time `json:"train_to"`
}

// Reason is one input's share of a score: Coef × the standardised value, in
// logit units (positive raises the probability).
type Reason struct {
	Name         string  `json:"name"`
	Contribution float64 `json:"contribution"`
}

// Train fits an L2-regularised logistic regression to rows X (each the same
// width, usually Vector's) and outcomes y. It standardises each input by the
// training mean and standard deviation, then minimises with gonum's L-BFGS
//
//	(1/n) Σ_i [log(1 + e^logit_i) − y_i · logit_i]  +  (lambda/2) Σ_j Coef_j²
//
// (the intercept is not penalised; dividing by n keeps lambda's meaning
// independent of the number of rows). Names are Names() when the width is
// Vector's, else x0, x1, …. It refuses an unknown kind, fewer than
// MinExamples rows, a single class, ragged or non-finite rows, and a
// negative or non-finite lambda. The result is deterministic.
func Train(kind string, X [][]float64, y []bool, lambda float64) (Model, error) {
	if kind != KindPropensity && kind != KindArrangementBreak {
		return Model{}, fmt.Errorf("earlywarning: unknown model kind %q", kind)
	}
	if len(X) != len(y) {
		return Model{}, fmt.Errorf("earlywarning: %d rows but %d outcomes", len(X), len(y))
	}
	n := len(X)
	if n < MinExamples {
		return Model{}, collect.E(collect.EINVALID, "err.model.too_few_examples", "n", n, "min", MinExamples)
	}
	if math.IsNaN(lambda) || math.IsInf(lambda, 0) || lambda < 0 {
		return Model{}, fmt.Errorf("earlywarning: lambda %v must be finite and ≥ 0", lambda)
	}
	d := len(X[0])
	if d == 0 {
		return Model{}, errors.New("earlywarning: rows have no inputs")
	}
	pos := 0
	for i, row := range X {
		if len(row) != d {
			return Model{}, fmt.Errorf("earlywarning: row %d has %d inputs, row 0 has %d", i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Model{}, fmt.Errorf("earlywarning: row %d input %d is %v", i, j, v)
			}
		}
		if y[i] {
			pos++
		}
	}
	if pos == 0 || pos == n {
		return Model{}, collect.E(collect.EINVALID, "err.model.one_class", "n", n)
	}

	// Standardise.
	mean := make([]float64, d)
	scale := make([]float64, d)
	for _, row := range X {
		floats.Add(mean, row)
	}
	floats.Scale(1/float64(n), mean)
	for _, row := range X {
		for j, v := range row {
			scale[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range scale {
		scale[j] = math.Sqrt(scale[j] / float64(n))
		if scale[j] < 1e-12 {
			scale[j] = 1 // a constant input: its standardised value is 0
		}
	}
	Z := mat.NewDense(n, d, nil)
	target := make([]float64, n)
	for i, row := range X {
		zr := Z.RawRowView(i)
		for j, v := range row {
			zr[j] = (v - mean[j]) / scale[j]
		}
		if y[i] {
			target[i] = 1
		}
	}

	// Parameters: Coef in θ[:d], the intercept in θ[d].
	obj := &logLoss{Z: Z, y: target, lambda: lambda, d: d,
		logit: mat.NewVecDense(n, nil), resid: mat.NewVecDense(n, nil), gw: mat.NewVecDense(d, nil)}
	theta0 := make([]float64, d+1)
	rate := float64(pos) / float64(n)
	theta0[d] = math.Log(rate / (1 - rate))
	problem := optimize.Problem{
		Func: func(x []float64) float64 { return obj.eval(x, nil) },
		Grad: func(g, x []float64) { obj.eval(x, g) },
	}
	settings := &optimize.Settings{
		GradientThreshold: 1e-9,
		MajorIterations:   2000,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 20},
	}
	res, err := optimize.Minimize(problem, theta0, settings, &optimize.LBFGS{})
	if res == nil {
		return Model{}, fmt.Errorf("earlywarning: optimiser: %w", err)
	}
	theta := res.Location.X
	if err != nil {
		// A line search that can make no more progress at the optimum
		// reports an error; accept the point if it is a stationary one.
		g := make([]float64, d+1)
		obj.eval(theta, g)
		if math.IsNaN(res.Location.F) || floats.Norm(g, math.Inf(1)) > 1e-5 {
			return Model{}, fmt.Errorf("earlywarning: optimiser: %w", err)
		}
	}
	for _, v := range theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Model{}, errors.New("earlywarning: optimiser diverged")
		}
	}

	m := Model{
		Kind:      kind,
		Mean:      mean,
		Scale:     scale,
		Coef:      append([]float64(nil), theta[:d]...),
		Intercept: theta[d],
	}
	if d == len(featureNames) {
		m.Names = Names()
	} else {
		m.Names = make([]string, d)
		for j := range m.Names {
			m.Names[j] = fmt.Sprintf("x%d", j)
		}
	}
	m.Version = m.version()
	return m, nil
}

// logLoss is Train's objective and gradient on the standardised rows.
type logLoss struct {
	Z      *mat.Dense
	y      []float64
	lambda float64
	d      int
	// scratch
	logit, resid, gw *mat.VecDense
}

// eval returns the objective at θ and, when g is not nil, stores its
// gradient in g.
func (o *logLoss) eval(theta, g []float64) float64 {
	n := len(o.y)
	w := mat.NewVecDense(o.d, theta[:o.d:o.d])
	b := theta[o.d]
	o.logit.MulVec(o.Z, w)
	var loss, sumResid float64
	for i := 0; i < n; i++ {
		z := o.logit.AtVec(i) + b
		loss += softplus(z) - o.y[i]*z
		r := sigmoid(z) - o.y[i]
		o.resid.SetVec(i, r)
		sumResid += r
	}
	f := loss/float64(n) + 0.5*o.lambda*floats.Dot(theta[:o.d], theta[:o.d])
	if g != nil {
		o.gw.MulVec(o.Z.T(), o.resid)
		for j := 0; j < o.d; j++ {
			g[j] = o.gw.AtVec(j)/float64(n) + o.lambda*theta[j]
		}
		g[o.d] = sumResid / float64(n)
	}
	return f
}

// softplus is log(1 + e^z) without overflow.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// sigmoid is 1 / (1 + e^−z) without overflow.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// version names a model by its kind and a hash of its names and parameters,
// so the same training gives the same version and any change a new one.
func (m Model) version() string {
	h := fnv.New64a()
	h.Write([]byte(m.Kind))
	for _, s := range m.Names {
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	var buf [8]byte
	put := func(v float64) {
		u := math.Float64bits(v)
		for k := range buf {
			buf[k] = byte(u >> (8 * k))
		}
		h.Write(buf[:])
	}
	for _, vs := range [][]float64{m.Mean, m.Scale, m.Coef, {m.Intercept}} {
		for _, v := range vs {
			put(v)
		}
	}
	return fmt.Sprintf("%s-lr-%016x", m.Kind, h.Sum64())
}

// Logit returns the model's log-odds for inputs x, NaN when x's width is not
// the model's.
func (m Model) Logit(x []float64) float64 {
	if !m.fits(x) {
		return math.NaN()
	}
	z := m.Intercept
	for j, v := range x {
		z += m.Coef[j] * (v - m.Mean[j]) / m.Scale[j]
	}
	return z
}

// fits reports whether x and the model's parameters agree in width.
func (m Model) fits(x []float64) bool {
	d := len(m.Coef)
	return len(x) == d && len(m.Mean) == d && len(m.Scale) == d
}

// Score returns the probability for inputs x and the top n reasons: the
// inputs whose contribution (Coef × standardised value) moves the logit
// most, sorted by |contribution|, largest first (ties in input order).
// With n ≥ the width every input is returned, and the contributions plus
// the Intercept sum to the logit. n ≤ 0 returns no reasons. A width that is
// not the model's gives NaN and no reasons.
func (m Model) Score(x []float64, n int) (float64, []Reason) {
	if !m.fits(x) {
		return math.NaN(), nil
	}
	n = min(max(n, 0), len(x))
	var reasons []Reason
	if n > 0 {
		reasons = make([]Reason, 0, n)
	}
	z := m.Intercept
	for j, v := range x {
		c := m.Coef[j] * (v - m.Mean[j]) / m.Scale[j]
		z += c
		if n == 0 {
			continue
		}
		// Insert into the top n by |c|; a tie keeps the earlier input first.
		a := math.Abs(c)
		if len(reasons) == n && a <= math.Abs(reasons[n-1].Contribution) {
			continue
		}
		k := len(reasons)
		if k < n {
			reasons = append(reasons, Reason{})
		} else {
			k = n - 1
		}
		for k > 0 && a > math.Abs(reasons[k-1].Contribution) {
			reasons[k] = reasons[k-1]
			k--
		}
		reasons[k] = Reason{Name: m.name(j), Contribution: c}
	}
	return sigmoid(z), reasons
}

// name is input j's name.
func (m Model) name(j int) string {
	if j < len(m.Names) {
		return m.Names[j]
	}
	return fmt.Sprintf("x%d", j)
}

// reasonGroups gathers Vector's inputs into the reasons a collector reads:
// inputs that describe one thing together (the DPD and its buckets, the
// three measures of payment recency…) are correlated, and their separate
// contributions offset each other, so one alone can point the wrong way.
// Their sum does not.
var reasonGroups = map[string]string{
	"log_balance": "balance", "log_principal": "balance", "balance_ratio": "balance",
	"paid_ratio": "paid_so_far",
	"log_dpd":    "dpd", "dpd_current": "dpd", "dpd_m1": "dpd", "dpd_m2": "dpd", "dpd_m3": "dpd",
	"dpd_m4": "dpd", "dpd_m5_m6": "dpd", "dpd_m6_plus": "dpd",
	"never_paid": "payment_recency", "log_days_since_payment": "payment_recency", "paid_last_30d": "payment_recency",
	"log_contact_attempts": "contact", "log_rpc": "contact", "rpc_share": "contact",
	"log_promises_made": "promise_history", "kept_ratio": "promise_history", "log_promises_broken": "promise_history",
	"log_placements": "placements", "log_recalls": "placements",
	"arr_none": "arrangement", "arr_promise": "arrangement", "arr_extension": "arrangement", "arr_instalment_plan": "arrangement",
	"arr_waiver": "arrangement", "arr_settlement": "arrangement", "arr_other": "arrangement",
	"prov_guangdong": "province", "prov_jiangsu": "province", "prov_shandong": "province", "prov_zhejiang": "province",
	"prov_henan": "province", "prov_sichuan": "province", "prov_other": "province",
}

// ReasonGroups lists the names GroupedReasons may return.
func ReasonGroups() []string {
	return []string{"balance", "paid_so_far", "dpd", "payment_recency", "contact", "promise_history", "placements", "arrangement", "province"}
}

// GroupedReasons returns the probability for inputs x and the top n
// reasons by group (see reasonGroups): each group's contributions summed,
// sorted by |sum|, largest first (ties by name). An input outside any
// group (a model not on Vector's inputs) is its own group. The sums plus
// the Intercept add up to the logit.
func (m Model) GroupedReasons(x []float64, n int) (float64, []Reason) {
	if !m.fits(x) {
		return math.NaN(), nil
	}
	names, idx := vectorGroupNames, vectorGroupIndex
	if !slices.Equal(m.Names, featureNames) {
		names, idx = m.groups()
	}
	sums := make([]float64, len(names))
	var extra []Reason // inputs outside any group
	z := m.Intercept
	for j, v := range x {
		c := m.Coef[j] * (v - m.Mean[j]) / m.Scale[j]
		z += c
		if g := idx[j]; g >= 0 {
			sums[g] += c
		} else {
			extra = append(extra, Reason{Name: m.name(j), Contribution: c})
		}
	}
	out := make([]Reason, 0, len(names)+len(extra))
	for g, name := range names {
		out = append(out, Reason{Name: name, Contribution: sums[g]})
	}
	out = append(out, extra...)
	slices.SortFunc(out, func(a, b Reason) int {
		if c := cmp.Compare(math.Abs(b.Contribution), math.Abs(a.Contribution)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return sigmoid(z), out[:min(max(n, 0), len(out))]
}

// The reason groups of Vector's inputs, computed once.
var vectorGroupNames, vectorGroupIndex = Model{Names: featureNames, Coef: make([]float64, len(featureNames))}.groups()

// groups returns the reason groups present in the model's inputs and each
// input's group index (-1 when none).
func (m Model) groups() ([]string, []int) {
	idx := make([]int, len(m.Coef))
	var names []string
	at := map[string]int{}
	for j := range m.Coef {
		g, ok := reasonGroups[m.name(j)]
		if !ok {
			idx[j] = -1
			continue
		}
		k, seen := at[g]
		if !seen {
			k = len(names)
			at[g] = k
			names = append(names, g)
		}
		idx[j] = k
	}
	return names, idx
}
