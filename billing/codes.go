package billing

// The codes of this package, one list each, for pages that label them
// (views.CodeLabel with the prefix named) and for the views test that holds
// the catalogue equal to them.
var (
	Sources            = []string{string(SourceLender), string(SourceAgency)}                                                       // billing.source.
	Channels           = []string{string(ChannelPaidToLender), string(ChannelAgencyReportedDirect), string(ChannelAgencyCollected)} // billing.channel.
	Statuses           = []string{string(StatusReported), string(StatusConfirmed), string(StatusRejected)}                          // billing.status.
	EndReasons         = []string{string(EndRecalled), string(EndExpired), string(EndReturned), string(EndClosed)}                  // placement.
	AttributionReasons = []string{string(AttrHeld), string(AttrGrace), string(AttrPromise), string(AttrNotPlaced),
		string(AttrAfterEnd), string(AttrReturned), string(AttrClosedSpan)} // billing.attribution.
	OutcomeKinds     = []string{string(KindMatched), string(KindCreated), string(KindException), string(KindPending)} // billing.outcome.
	ExceptionReasons = []string{string(ReasonNoFeedRecord), string(ReasonAmountDiffers), string(ReasonDuplicate), string(ReasonAfterPlacement),
		string(ReasonClosedAccount), string(ReasonReferenceReused), string(ReasonBeforePlacement)} // billing.exception.
	RateSources     = []string{string(RateBucket), string(RateTier)}                                                                  // billing.rate_source.
	InvoiceStatuses = []string{string(InvoiceDraft), string(InvoiceAgencyAccepted), string(InvoiceDisputed), string(InvoiceApproved)} // billing.invoice_status.
	LineStates      = []string{string(LineOpen), string(LineAccepted), string(LineDisputed)}                                          // billing.line_state.
	AdjustmentKinds = []string{string(AdjustBonus), string(AdjustDeduction), string(AdjustCorrection), string(AdjustManual)}          // billing.adjustment.
)
