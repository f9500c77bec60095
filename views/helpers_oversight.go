package views

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// Helpers of the oversight pages (figures and scorecard, complaints,
// breaches, agency evaluations).

// weightField is one scorecard weight input: the form field's name (also
// the component code) and its current value.
type weightField struct{ Name, Value string }

// weightFields are the scorecard weight inputs in the scorecard's order.
func weightFields(w WeightsForm) []weightField {
	return []weightField{
		{"liquidation", w.Liquidation},
		{"rpc", w.RPC},
		{"ptp_kept", w.PTPKept},
		{"complaints", w.Complaints},
		{"breaches", w.Breaches},
		{"cost_to_collect", w.CostToCollect},
		{"quality", w.Quality},
	}
}

// kpiLegend are the figures the legend under the figures table explains,
// each a message id suffix: kpi.<code> is the name, kpi_def.<code> the
// definition.
func kpiLegend() []string {
	return []string{"liquidation", "rpc", "ptp", "kept", "complaints", "breaches", "cost_to_collect", "days_to_first_contact",
		"quality_score", "recordings_missing"}
}

// scorePercent reads a 0-100 score ("78.4", "78.4%") for its bar; 0 when it
// is not a number.
func scorePercent(score string) float64 {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(score), "%"))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return f
}

// scoreFillClass colours a score's bar: green from 70, amber from 40, red
// below.
func scoreFillClass(score string) string {
	switch f := scorePercent(score); {
	case f >= 70:
		return "bar-fill score-fill score-good"
	case f >= 40:
		return "bar-fill score-fill score-mid"
	}
	return "bar-fill score-fill score-low"
}

// complaintSources are the intake form's sources.
func complaintSources() []string {
	return []string{"phone", "letter", "app", "regulator", "visit", "other"}
}

// severities are the breach severities, worst first.
func severities() []string { return []string{"high", "medium", "low"} }

// breachStatuses are the statuses of a breach.
func breachStatuses() []string { return []string{"open", "remediated", "dismissed"} }

// breachCloses are the statuses an open breach can be moved to.
func breachCloses() []string { return []string{"remediated", "dismissed"} }

// evaluationKinds are the kinds of an agency evaluation.
func evaluationKinds() []string { return []string{"annual", "pre_expiry", "ad_hoc"} }

// evaluationDecisions are an evaluation's decisions.
func evaluationDecisions() []string { return []string{"renew", "suspend", "terminate"} }

// ComplaintURL is the page of complaint id.
func ComplaintURL(id string) templ.SafeURL { return PathURL("/complaints/", id, "") }

// BreachURL is the action that updates breach id.
func BreachURL(id string) templ.SafeURL { return PathURL("/breaches/", id, "") }

// hasExports reports whether a list offers any download.
func hasExports(csv, xlsx string) bool { return csv != "" || xlsx != "" }

// checkedTrue reports whether a checkbox filter is on ("true", "1", "on").
func checkedTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "on", "yes":
		return true
	}
	return false
}

// breachOpen reports whether a breach still waits for remediation.
func breachOpen(r BreachRowView) bool { return r.Status == "open" || r.Status == "" }

// severityClass is the badge of a breach severity: high red, medium amber,
// low grey.
func severityClass(sev string) string { return BadgeClass("sev", sev) }

// scoreChip is an evaluation's 0-100 score for the table.
func scoreChip(n int) string { return strconv.Itoa(n) }
