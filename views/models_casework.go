package views

// View models of the casework pages: the work queue, the case panel on the
// account page, the follow-up list, and the lender's approvals. Codes (stage,
// channel, party, outcome, kind, status, rule) are translated in the
// templates with T(ctx, "<prefix>."+code) or CodeLabel.

import (
	"context"

	"collect"
)

// QueueView is /queue: the collector's (or the agency's) accounts by priority.
type QueueView struct {
	Rows       []QueueRowView
	Total      int64
	TotalExact bool // false: the queue holds at least Total, and more pages than Pages may follow
	Page       int
	Pages      int
	Links      ListLinks
	Stage      string // the filter
	Bucket     string
	Due        string // "", overdue, today
	Stages     []string
	Buckets    []string
	Collectors []Option // supervisors: whom accounts can be given to
	CanAssign  bool
	Flash      string
}

// QueueRowView is one account in the queue.
type QueueRowView struct {
	ID, ExternalRef, DebtorName, Bucket, Stage, Balance, Priority, Reason string
	DPD                                                                   int
	NextAction, PromiseDue, AssignedTo                                    string     // "" when none
	Score                                                                 *ScoreView // propensity to pay, when the lender's model is in use
	BreakRisk                                                             *ScoreView // the live arrangement's chance of breaking, when scored
}

// CasePanel is the casework part of the account page, for agency staff (who
// work the case) and lender staff (who resolve disputes and approve).
type CasePanel struct {
	// RosterProblems: the roster rules the reader's own contact would break
	// now (not registered, no agreement, training lapsed).
	RosterProblems   []collect.Violation
	CanWork          bool     // agency staff holding the account: every form below
	CanAssign        bool     // supervisor
	CanApprove       bool     // vendor manager: approve arrangements, resolve disputes, decide legal referrals
	NextStages       []string // stages the case may move to now
	Verification     VerificationView
	FlagOptions      []string // data-quality flag codes → T("flag."+code)
	DisputeOpen      bool
	Disputes         []DisputeView
	Contacts         []ContactView
	Arrangements     []ArrangementView
	Legal            []LegalView
	LimitationExpiry string // YYYY-MM-DD, "" when unknown
	TimeBarred       bool
	Channels         []string // codes → T("channel."+code)
	Parties          []string // → T("party."+code)
	Outcomes         []string // → T("outcome."+code)
	Kinds            []string // arrangement kinds → T("kind."+code)
	Flash            string
	Errors           []string
	Violations       []ViolationView // the conduct rules a refused contact broke
	QueueNext        string          // href of the next account in the queue, "" when none
	Collectors       []Option
	AssignedTo       string
	Draft            ContactDraft // a refused contact's form, filled again so nothing typed is lost
	// Permission is the guard's answer for a call to the debtor now; nil
	// when the reader does not work the case.
	Permission *PermissionView
	Evidence   EvidenceView
}

// PermissionView is what the conduct guard says before a contact.
type PermissionView struct {
	Allowed                        bool
	Violations                     []collect.Violation
	CallsLeftToday, AttemptsLeft7d *int
	NextAllowed                    string // in the reader's zone; "" when allowed or no time lifts it
}

// ContactDraft is what the collector entered in the contact form.
type ContactDraft struct {
	Channel, Outcome, Party, Direction, PartyPhone, At, Note, Message string
	PartyRelation                                                     string
}

// VerificationView is the verification checklist.
type VerificationView struct {
	IdentityOK, ContactOK, AmountOK, DPDOK, Complete bool
	Flags                                            []string
	Note, VerifiedAt                                 string
}

// DisputeView is one dispute.
type DisputeView struct {
	ID, AccountID, ExternalRef, Reason, Status, RaisedAt, Resolution string // Status → T("dispute.status."+code)
	Withheld                                                         bool   // raised by another agency: reason not shown
}

// ContactView is one logged contact.
type ContactView struct {
	At, Channel, Party, Direction, Outcome, Note, Message string
	Withheld                                              bool // made by another agency: note and message not shown
	// Evidence (issue 16): the contact's attachments the reader may see,
	// and whether the reader's agency, which made the contact, may attach
	// more.
	ID        string
	Evidence  []AttachmentView
	CanUpload bool
}

// EvidenceView is what the account page says about evidence as a whole.
type EvidenceView struct {
	Shown   bool     // the reader may see evidence (attachment read)
	CanHold bool     // the lender's vendor manager: legal hold
	Kinds   []string // the upload form's kinds → T("evidence.kind."+code)
	MaxSize string   // the largest upload, "512 MB"
	Flash   string   // what the last evidence form did, in the reader's language
	Error   string   // a check that found the stored bytes changed or gone
}

// AttachmentView is one evidence object on a contact.
type AttachmentView struct {
	ID, Kind, ContentType, Size, FileName string
	Duration                              string // a recording's length "m:ss", "" when unknown
	SHA256, SHAShort                      string
	UploadedAt, RetainUntil               string // in the reader's zone
	LegalHold                             bool
	HoldReason                            string
	Href                                  string // the bytes: the player's source or the download
	// CanOpen: the reader may have the bytes; a document or photo can show
	// personal data, which only a role reading personal data opens.
	CanOpen bool
	Verify  string // the check just made: ok, tampered, missing; "" when none
}

// ArrangementView is one arrangement with its schedule.
type ArrangementView struct {
	ID, AccountID, ExternalRef, Kind, Status, Amount, Discount, FirstDue, CreatedAt string // Status → T("arrangement.status."+code)
	Reasons                                                                         []ViolationView
	Schedule                                                                        []InstalmentView
}

// InstalmentView is one line of a schedule.
type InstalmentView struct {
	N                 int
	Due, Amount, Paid string
	Status            string // pending, kept, broken
}

// LegalView is one legal case.
type LegalView struct {
	ID, AccountID, ExternalRef, Status, LimitationExpires, CourtRef, CreatedAt string
	CourtFee, LawyerFee, OtherCosts, TotalCost, ExpectedRecovery, NetBenefit   string
	RecoveryRate                                                               string
	Worthwhile                                                                 bool
	Next                                                                       []string // statuses the viewer may move it to
	EvidenceHref                                                               string
	CostsRecorded                                                              string // actual costs so far
	CanRecordCost                                                              bool
	Today                                                                      string         // the cost form's default date
	CostDraft                                                                  LegalCostDraft // a refused cost, filled again
}

// LegalCostDraft is what was entered in a legal case's cost form.
type LegalCostDraft struct{ Kind, Amount, IncurredOn, Note string }

// ViolationView is one broken rule: its message from Key and Args in the
// reader's language, or Message as stored when Key is empty.
type ViolationView struct {
	Rule, Message string
	Key           string
	Args          map[string]any
}

// Violations are the views of broken rules.
func Violations(vs []collect.Violation) []ViolationView {
	var out []ViolationView
	for _, v := range vs {
		out = append(out, ViolationView{Rule: v.Rule, Message: v.Message, Key: v.Key, Args: v.Args})
	}
	return out
}

// ViolationMessage is the broken rule's message in the reader's language.
func ViolationMessage(ctx context.Context, v ViolationView) string {
	return ViolationText(ctx, collect.Violation{Rule: v.Rule, Message: v.Message, Key: v.Key, Args: v.Args})
}

// FollowUpView is /follow-up.
type FollowUpView struct {
	DueSoon, Broken, Actions []FollowUpRowView
	AtRisk                   []FollowUpRowView // live arrangements the break model expects to break
}

// FollowUpRowView is one line of the follow-up list.
type FollowUpRowView struct {
	AccountID, ExternalRef, Kind, DueDate, Amount, Paid string
	Risk                                                *ScoreView // chance of breaking, when scored
}

// ApprovalsView is /approvals: what waits for the lender.
type ApprovalsView struct {
	Arrangements []ArrangementView
	Disputes     []DisputeView
	Legal        []LegalView
	Flash        string
}
