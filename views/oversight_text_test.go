package views

import "testing"

// The oversight messages became catalogue keys; the API's English message
// says the same words as the literals it replaced (API.md).
func TestOversightEnglishUnchanged(t *testing.T) {
	en := English()
	for _, c := range []struct {
		key  string
		args map[string]any
		want string
	}{
		{"err.complaint.category_one_of", map[string]any{"list": "frequent_calls, other"}, "one of frequent_calls, other"},
		{"err.complaint.description_length", nil, "1 to 4,000 characters"},
		{"err.complaint.account_required", nil, "name the account (account_id or external_ref)"},
		{"err.complaint.at_most_chars", map[string]any{"max": 40}, "at most 40 characters"},
		{"err.complaint.at_most_chars", map[string]any{"max": 2000}, "at most 2000 characters"},
		{"err.complaint.contacts_max", map[string]any{"max": 100}, "at most 100 contacts"},
		{"err.complaint.received_future", nil, "cannot be in the future"},
		{"err.complaint.contact_not_account", nil, "a contact named is not one of this account's"},
		{"err.complaint.resolved_closed", nil, "the complaint is resolved and can no longer be changed"},
		{"err.complaint.agency_answers", nil, "an agency answers a complaint; the lender handles it"},
		{"err.complaint.answer_required", nil, "write the agency's answer"},
		{"err.complaint.agency_writes_answer", nil, "the agency writes its own answer"},
		{"err.complaint.unknown_outcome", nil, "unknown outcome"},
		{"err.complaint.outcome_one_of", map[string]any{"list": "upheld, partially_upheld, not_upheld"}, "upheld, partially_upheld, not_upheld"},
		{"err.complaint.move_not_allowed", map[string]any{"from": "investigating", "to": "received"}, "a investigating complaint cannot become received"},
		{"err.complaint.resolve_needs_cause", nil, "a resolved complaint needs its root cause and outcome"},
		{"err.complaint.changed_meanwhile", nil, "the complaint changed meanwhile; reload"},
		{"err.complaint.unknown_status", map[string]any{"status": "x"}, `unknown status "x"`},
		{"err.complaint.unknown_category", map[string]any{"category": "x"}, `unknown category "x"`},
		{"err.complaint.received_at_format", nil, "the time received must be a date and time"},
		{"err.complaint.received_at_layout", nil, "YYYY-MM-DDTHH:MM"},
		{"err.breach.status_one_of", nil, "status must be open, remediated or dismissed"},
		{"err.breach.remediation_long", nil, "the remediation is at most 2,000 characters"},
		{"err.breach.changed_meanwhile", nil, "the breach changed meanwhile"},
		{"err.evaluation.kind_one_of", nil, "annual, pre_expiry or ad_hoc"},
		{"err.evaluation.decision_one_of", nil, "renew, suspend or terminate"},
		{"err.evaluation.score_range", nil, "0 to 100"},
		{"err.evaluation.period_format", nil, "e.g. 2026 or 2026-H2"},
		{"err.evaluation.note_long", map[string]any{"max": "4,000"}, "at most 4,000 characters"},
		{"err.evaluation.lender_evaluates", nil, "a lender evaluates its agencies"},
		{"err.evaluation.no_contract", map[string]any{"decision": "suspend"}, "there is no contract with this agency to suspend"},
		{"err.evaluation.renew_no_contract", nil, "renew (no contract to change)"},
		{"err.audit_export.from_sequence", nil, "from must be a sequence number"},
		{"err.audit_export.to_sequence", nil, "to must be a sequence number"},
		{"err.export.too_many_rows", map[string]any{"total": int64(100001), "max": 100000}, "100001 rows match; an export holds at most 100000: narrow the filters"},
	} {
		if got := en.Message(c.key, c.args); got != c.want {
			t.Errorf("%s: %q, want %q", c.key, got, c.want)
		}
	}
}
