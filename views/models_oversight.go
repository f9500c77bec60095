package views

// View models of the oversight pages: figures and scorecards, complaints,
// conduct breaches, and evaluations (on the agency page).

// OversightView is /oversight: the figures per agency for a period, the
// scorecard, and the charts.
type OversightView struct {
	From, To       string // months YYYY-MM (the filter form)
	Rows           []KPIRowView
	Total          KPIRowView
	Scorecard      []ScoreRowView
	Weights        WeightsForm
	CanEditWeights bool
	// Chart data as JSON for views/static/oversight.js (Chart.js): the
	// vintage curves ({"labels": [...months since placement], "datasets":
	// [{"label", "data": [...]}]}) and recoveries by month per agency.
	VintageJSON, TrendJSON string
	ConductJSON            string // complaints and breaches by month
	ExportCSV, ExportXLSX  string // hrefs of the figures table
	ScoreCSV, ScoreXLSX    string
	Flash                  string
	Errors                 []string
	Rolls                  []RollRowView // roll and cure rates between two months
	RollFrom, RollTo       string
	Money                  []MoneyRowView // each agency's money position (issue 17)
}

// RollRowView is one bucket's movement between two snapshots.
type RollRowView struct {
	From, Accounts, Forward, Stayed, Back, Cured, RollRate, CureRate string
}

// KPIRowView is one agency's figures, formatted ("—" when there is no data).
type KPIRowView struct {
	AgencyID, Agency, Placed, Recovered, Liquidation, RPC, PTP, Kept string
	Complaints, Breaches, CostToCollect, DaysToFirstContact          string
	QualityScore, RecordingsMissing                                  string // evidence and quality (issue 16)
	Holds                                                            int    // care holds in force on the agency's accounts
	DrillHref                                                        string // the agency's accounts
}

// ScoreRowView is one agency's place in the scorecard.
type ScoreRowView struct {
	Rank          int
	Agency, Score string
	Reason        string
	Components    []ComponentView
}

// ComponentView is one figure's 0-100 score.
type ComponentView struct {
	Name  string // component code → T("component."+code)
	Value string
}

// WeightsForm is the scorecard weights, as percentages.
type WeightsForm struct {
	Liquidation, RPC, PTPKept, Complaints, Breaches, CostToCollect string
	Quality                                                        string
}

// ComplaintListView is /complaints.
type ComplaintListView struct {
	Rows                      []ComplaintRowView
	Total                     int64
	Page, Pages               int
	Links                     ListLinks
	Status, Category, Overdue string // the filter
	Agency                    string
	Statuses, Categories      []string
	Agencies                  []Option // the lender's filter by agency; empty for an agency
	CanCreate                 bool     // the lender's intake form
	ExportCSV, ExportXLSX     string
	Flash                     string
	Errors                    []string
}

// ComplaintRowView is one complaint.
type ComplaintRowView struct {
	ID, ExternalRef, AccountID, Agency, Category, Source, Status, ReceivedAt, AckDue, ResolveDue string
	AckOverdue, ResolveOverdue                                                                   bool
}

// ComplaintView is /complaints/:id.
type ComplaintView struct {
	ComplaintRowView
	Description, RootCause, Outcome, AgencyResponse, AcknowledgedAt, ResolvedAt, AssignedTo string
	Contacts                                                                                []string
	NextStatuses                                                                            []string // the lender may move it to
	Outcomes                                                                                []string
	CanHandle                                                                               bool // the lender: status, root cause, outcome
	CanAnswer                                                                               bool // the agency: its answer
	Flash                                                                                   string
	Errors                                                                                  []string
}

// BreachListView is /breaches.
type BreachListView struct {
	Rows                  []BreachRowView
	Total                 int64
	Page, Pages           int
	Links                 ListLinks
	Severity, Status      string
	Agency                string
	Agencies              []Option // the lender's filter by agency; empty for an agency
	CanRemediate          bool
	ExportCSV, ExportXLSX string
	Flash                 string
}

// BreachRowView is one breach.
type BreachRowView struct {
	ID, Agency, AccountID, ExternalRef, Rule, Severity, Source, Message, OccurredAt, Status, Remediation string
}

// EvaluationView is one evaluation of an agency.
type EvaluationView struct {
	Kind, Period, Decision, Note, EvaluatedAt string
	Conduct, Quality, Efficiency, Infosec     int
	// Reviewed is the lender's quality reviews' mean score over the twelve
	// months before, with their count ("84.6 (12)"), as the evaluation
	// kept it; "" when there were none.
	Reviewed string
}
