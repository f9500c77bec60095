package views

// Money pages (issue 17): the reconciliation desk, the invoices of a
// month, one invoice; figures already formatted.

// ReconciliationView is the lender's reconciliation desk (the agency's
// view of its own reports and exceptions, read only).
type ReconciliationView struct {
	CanFeed, CanResolve, ForAgency bool
	Result                         *FeedResultView // the feed just posted
	FeedErrors                     []FeedErrorView // a refused feed's bad rows
	Exceptions                     []ExceptionView
	Reported                       []ReportedView
	Money                          []MoneyRowView // per agency
	Done                           string         // message id of what was just done
	Error                          string         // already translated
}

// FeedResultView is what the last feed did.
type FeedResultView struct{ Confirmed, Created, Exceptions, Pending int }

// FeedErrorView is one bad row of a refused feed.
type FeedErrorView struct {
	Line           int
	Field, Message string
}

// ExceptionView is one open exception.
type ExceptionView struct {
	ID, Reason, AccountRef, AccountID, Agency string
	Reported, Feed, Diff, PaidOn, Reference   string
	FeedLine                                  int
	Created                                   string
}

// ReportedView is a payment an agency reported, awaiting confirmation.
type ReportedView struct {
	ID, AccountID, Agency, Amount, PaidOn, Reference, Channel string
	VoucherHref, VoucherRef, Reported                         string
	CanUpload                                                 bool
}

// MoneyRowView is one agency's money position.
type MoneyRowView struct {
	Agency, Unconfirmed, Disputed, DaysToConfirm, Outstanding, Overdue string
	UnconfirmedCount, Exceptions                                       int
}

// InvoicesView is the month's invoices.
type InvoicesView struct {
	Month     string
	ForLender bool
	Rows      []InvoiceRowView
}

// InvoiceRowView is one invoice in the list.
type InvoiceRowView struct {
	ID, Party, Number, Status, Commission, Adjustments, Remittance, Total, Disputed string
}

// InvoiceDetailView is one invoice.
type InvoiceDetailView struct {
	ID, Number, Month, Status, Lender, Agency, Currency            string
	Payments, Commission, Adjustments, Remittance, Total, Disputed string
	DisputeReason, ApprovedAt                                      string
	Lines                                                          []InvoiceLineView
	AdjustmentRows                                                 []AdjustmentView
	CanReview, CanApprove                                          bool
	CSVHref, XLSXHref                                              string
	Done, Error                                                    string
}

// InvoiceLineView is one line: a confirmed payment's commission and why.
type InvoiceLineView struct {
	ID, AccountRef, AccountID, PaidOn, Channel, Payment, Rate, Commission, State, DisputeReason, Explain string
}

// AdjustmentView is one adjustment.
type AdjustmentView struct{ Kind, Code, Amount, Reason string }
