package views

// View models of early warning: model scores with their reasons (queue,
// follow-up list, account page) and the models' evaluation page. Feature
// names are translated with T("feature."+name), verdicts with
// T("models.verdict_"+verdict), bands with T("band."+band).

// ScoreView is one score as pages show it.
type ScoreView struct {
	Percent string       // "37%"
	Band    string       // high, medium, low (propensity); at_risk, ok (arrangement break)
	Reasons []ReasonView // the inputs that moved it most, largest first
	Risk    bool         // a risk (arrangement break): raising it is bad news
}

// ReasonView is one reason of a score: a model input and which way it
// moved the score.
type ReasonView struct {
	Feature string // feature code
	Up      bool   // raised the probability
	Risk    bool   // the probability is of something bad (colours invert)
}

// reasonClass colours a reason: good news green, bad news red.
func reasonClass(r ReasonView) string {
	if r.Up != r.Risk {
		return "reason-good"
	}
	return "reason-bad"
}

// ModelsView is /models: how good each model is, and whether it is used.
type ModelsView struct {
	Models   []ModelCardView
	History  []ModelCardView // earlier versions, newest first
	CanTrain bool            // a vendor manager may train the lender's models now
	Flash    string
}

// ModelCardView is one trained model and its evaluation.
type ModelCardView struct {
	ID, Kind, Lender, Version, Verdict, Why string
	InUse                                   bool
	TrainedAt, TrainWindow, TestWindow      string
	TrainExamples, TestExamples             int
	Positives, Negatives                    int
	AUC, BaselineAUC                        string // "0.839"; "—" when not measured
	ScoredAt                                string
	Scores                                  int64
	Deciles                                 []DecileView
	Top                                     []ReasonView // the strongest inputs, by coefficient
	TopWeights                              []string     // their standardised coefficients, "+0.52"
	ChartJSON                               string       // calibration chart data (Chart.js shape)
}

// DecileView is one calibration decile: predicted against observed.
type DecileView struct {
	Decile              int
	Count               int
	Predicted, Observed string // percentages
}
