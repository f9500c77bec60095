package views

// View models of the marketplace pages (allocation issue): portfolios and
// imports, plans, placements, agencies and contracts, tenders and bids,
// commission statements. Every string here is display-ready unless its
// comment says it is a code to translate (T(ctx, "<prefix>."+code)).

// PortfolioListView is /portfolios: the lender's portfolios, the import form
// and the recent imports.
type PortfolioListView struct {
	Portfolios []PortfolioRowView
	Page       int
	Pages      int
	Links      ListLinks
	Imports    []ImportRowView
	Mappings   []Option // saved column mappings (value = name)
	CanImport  bool
	Columns    []ColumnDoc // the documented column set, for the help box
	Flash      string      // the outcome of the last action, translated
	Errors     []string    // a failed submit's problems
}

// ColumnDoc documents one canonical column.
type ColumnDoc struct {
	Name, Chinese string
	Required      bool
}

// PortfolioRowView is one portfolio.
type PortfolioRowView struct {
	ID, Name, ImportedAt, Balance string
	Accounts                      int
}

// ImportRowView is one import, as lists show it.
type ImportRowView struct {
	ID, Name, Filename, Status, CreatedAt, Message string // Status code: running, done, failed → T("import.status."+code)
	Accepted, Rejected, Processed                  int
}

// ImportView is /imports/:id: progress while running, the outcome after.
type ImportView struct {
	ImportRowView
	PortfolioID  string // "" when nothing was kept
	Percent      int    // 0..100 while running
	Errors       []RowErrorView
	MoreErrors   int  // rejected lines not listed
	Partial      bool // the import kept the valid rows
	RejectsHref  string
	StillRunning bool   // the page polls while true
	Interrupted  bool   // failed because the server stopped during it
	RetryHref    string // the import form, when a failed import can be tried again
}

// RowErrorView is one rejected line.
type RowErrorView struct {
	Line           int
	Field, Message string
}

// PortfolioView is /portfolios/:id with the forms that act on it.
type PortfolioView struct {
	ID, Name, ImportedAt, Balance string
	Accounts, Placed, Unplaced    int64
	ByBucket                      []Bar
	Strategies                    []string // codes → T("strategy."+code)
	Agencies                      []Option
	Buckets, Provinces            []string
	CanAllocate                   bool
	DefaultClose                  string // YYYY-MM-DDTHH:MM for the tender's closing input
	Plans                         []PlanListItem
}

// PlanView is /allocations/:id.
type PlanView struct {
	ID, Portfolio, PortfolioID, Strategy, Status, CreatedAt string // Strategy and Status are codes
	Seed                                                    int64
	Assigned, Unassigned                                    int
	ByAgency                                                []MixView
	Groups                                                  []MixView
	Buckets                                                 []string // column order of the mix tables
	UnassignedBy                                            []Option // reason code → formatted count
	Chart                                                   []Bar    // one bar per agency, by balance
	Rows                                                    []AssignmentView
	Links                                                   ListLinks
	Page, Pages                                             int
	CanCommit                                               bool
}

// MixView is one agency's or group's share of a plan.
type MixView struct {
	Name, Group, Balance, Share string
	Count                       int
	ByBucket                    []string // counts in Buckets order, formatted
}

// AssignmentView is one account's line in a plan.
type AssignmentView struct {
	AccountID, ExternalRef, Agency, Group, ReasonCode, Reason, Bucket, Balance, FeeRate string
}

// PlanListItem is a plan in the portfolio's history.
type PlanListItem struct {
	ID, Strategy, Status, CreatedAt string
	Assigned                        int
}

// PlacementListView is /placements with the bulk actions the role has.
type PlacementListView struct {
	Rows  []PlacementRowView
	Total int64
	// TotalExact false: more than Total (the count stopped there).
	TotalExact bool
	Page       int
	Pages      int
	Links      ListLinks
	Status     string   // the filter
	Statuses   []string // codes → T("placement."+code)
	Agency     string
	Agencies   []Option // lenders filter by agency; empty for agencies
	CanRecall  bool     // vendor manager
	CanAccept  bool     // agency supervisor: accept and decline offers
	CanReturn  bool     // agency supervisor
	Flash      string   // the outcome of the last action, translated
	// Allocation is the plan filter (placements one plan made), AllocationShort
	// its tail as shown.
	Allocation, AllocationShort string
	// Plans are the plans with open offers among the rows shown, for the
	// agency's "accept all offers of this plan" (CanAccept only).
	Plans []PlanLinkView
	// Confirm is the confirmation of a bulk step by plan, with its count.
	Confirm *PlanConfirmView
}

// PlanLinkView names a plan on the placements page.
type PlanLinkView struct {
	ID, Short, ListURL, AcceptURL, DeclineURL string
}

// PlanConfirmView asks before accepting or declining every open offer of a
// plan: how many, their balance, the earliest deadline.
type PlanConfirmView struct {
	Action                       string // accept or decline
	AllocationID, Short          string
	Count                        int
	Balance, AcceptBy, CancelURL string
}

// PlacementRowView is one placement.
type PlacementRowView struct {
	ID, AccountID, ExternalRef, Agency, Status, Bucket, Province, Balance string
	DPD                                                                   int
	Start, End, AcceptBy, FeeRate, Source, Reason                         string
}

// AgencyListView is /agencies.
type AgencyListView struct {
	Rows      []AgencyRowView
	ForLender bool // show contract columns
}

// AgencyRowView is one agency.
type AgencyRowView struct {
	ID, Name, NameZH, Status, Provinces, Buckets, ContractStatus, Term, FeeRange string
	Capacity, Open                                                               int
}

// AgencyView is /agencies/:id: the profile (editable by the agency itself)
// and, for a lender, its contract (editable by the vendor manager).
type AgencyView struct {
	ID, Name, NameZH, Status string
	Profile                  ProfileForm
	Contract                 *ContractForm // nil for the agency's own view when it has several lenders
	CanEditProfile           bool
	CanEditContract          bool
	Open                     int
	Flash                    string
	Errors                   []string // field errors of the last submit, translated or verbatim
	Buckets                  []string
	Evaluations              []EvaluationView
	CanEvaluate              bool               // the lender's vendor manager: the evaluation form
	Roster                   *RosterSummaryView // the collector roster at a glance; nil when the reader may not see it
}

// ProfileForm is the agency profile's editable fields.
type ProfileForm struct {
	Provinces   string // comma-separated, "*" = nationwide
	Buckets     []string
	Capacity    int
	Description string
}

// ContractForm is the contract's editable fields.
type ContractForm struct {
	Exists                               bool
	Status                               string
	Fees                                 []FeeField // one per bucket
	TermDays, AcceptDays, MaxInstalments int
	MaxDiscountPct, MinDownPct           string // percent with up to 2 decimals
	StartsOn, EndsOn                     string
	ShareFullHistory                     bool // the agency sees other agencies' notes and staff
	// Attribution and commission terms (issue 17).
	GraceDays           int
	RemittanceDueDays   int
	PromiseBeforeRecall bool
	CommissionTerms     string // JSON, "" for the bucket fees only
}

// FeeField is one bucket's fee in percent.
type FeeField struct{ Bucket, Percent string }

// TenderListView is /tenders.
type TenderListView struct {
	Rows        []TenderRowView
	ForLender   bool
	Page, Pages int
	Links       ListLinks
}

// TenderRowView is one tender.
type TenderRowView struct {
	ID, Title, Lender, Status, ClosesAt, Balance string // Status code → T("tender.status."+code)
	Accounts, Bids                               int
	MyBid                                        string // the agency's own bid, formatted, "" when none
}

// TenderView is /tenders/:id: the anonymised summary, the bids side by side
// (lender) or the bid form (agency), the award form.
type TenderView struct {
	ID, Title, Lender, Status, ClosesAt, Balance, AvgBalance string
	Accounts                                                 int
	ByBucket                                                 []Bar
	ByProvince                                               []Bar
	Bids                                                     []BidView
	CanBid                                                   bool
	MyBid                                                    *BidView
	CanAward                                                 bool
	Flash                                                    string
	Errors                                                   []string
}

// BidView is one bid.
type BidView struct {
	ID, Agency, FeeRate, ExpectedLiquidation, Note, Status, CreatedAt string
	Capacity, Awarded                                                 int
	FeeBP, ExpectedBP                                                 int // raw, for the bid form
}

// CommissionView is /commissions.
type CommissionView struct {
	Month                      string // YYYY-MM
	Lines                      []StatementLineView
	TotalPayments, TotalAmount string
	CSVHref                    string
	ForLender                  bool // show the agency column; agencies see the lender column
}

// StatementLineView is one agency's (or lender's) month.
type StatementLineView struct {
	Agency, Lender, Payments, Commission, CSVHref string
	Count                                         int64
}
