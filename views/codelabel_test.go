package views

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"collect/allocation"
	"collect/casework"
	"collect/casework/earlywarning"
	"collect/oversight"
	"collect/portal/jobs"
	"collect/portal/store"
)

// codeLabelCodes lists, for each prefix a page gives CodeLabel, the codes
// the domain defines for it (from their defining packages). A prefix mapped
// to nil is known but its codes have no exported list yet: it is named in
// the log, not checked.
var codeLabelCodes = map[string][]string{
	"stage.":         casework.Stages,
	"placement.":     store.PlacementStatuses,
	"strategy.":      allocation.Strategies(),
	"channel.":       casework.ContactChannels,
	"party.":         casework.ContactParties,
	"direction.":     casework.ContactDirections,
	"outcome.":       casework.ContactOutcomes,
	"kind.":          casework.ArrangementKinds,
	"flag.":          store.DataQualityFlags,
	"rule.":          append(casework.RuleIDs(), oversight.QualityRuleIDs()...),
	"roster.status.": casework.RosterStatuses,
	"feature.":       earlywarning.Names(),
	"component.": {oversight.ComponentLiquidation, oversight.ComponentRPC, oversight.ComponentPTPKept,
		oversight.ComponentComplaints, oversight.ComponentBreaches, oversight.ComponentCostToCollect, oversight.ComponentQuality},
	"severity.":           {oversight.SeverityHigh, oversight.SeverityMedium, oversight.SeverityLow},
	"group.":              {allocation.GroupChampion, allocation.GroupChallenger},
	"reason.":             {allocation.ReasonManual, allocation.ReasonRule, allocation.ReasonBalanced, allocation.ReasonWeighted, allocation.ReasonChampion, allocation.ReasonChallenger},
	"unassigned.":         {allocation.UnassignedDisputeOpen, allocation.UnassignedLegalHold, allocation.UnassignedCeaseCommunication, allocation.UnassignedDeceased, allocation.UnassignedBankrupt, allocation.UnassignedNoEligibleAgency, allocation.UnassignedCapacityFull, allocation.UnassignedNoRuleMatched, allocation.UnassignedNotInPortfolio},
	"models.kind_":        store.ModelKinds,
	"models.verdict_":     {earlywarning.VerdictInUse, earlywarning.VerdictNotBetter, earlywarning.VerdictInsufficient, earlywarning.VerdictNoSignal, "replaced"},
	"complaint.category.": oversight.ComplaintCategories,
	"complaint.status.":   oversight.ComplaintStatuses,
	"complaint.outcome.":  oversight.ComplaintOutcomes,
	"breach.status.":      oversight.BreachStatuses,
	"jobs.kind.":          jobs.Kinds,
	"jobs.state.":         jobs.States,
	"signins.outcome.":    {store.SignInOK, store.SignInFailed, store.SignInLocked},

	// Codes whose one definition is the database's CHECK constraint
	// (migrations/*.sql): see schemaCodes.
	"agency.status.":       schema("organisations", "status"),
	"contract.status.":     schema("contracts", "status"),
	"plan.status.":         schema("allocations", "status"),
	"arrangement.status.":  schema("arrangements", "status"),
	"instalment.status.":   schema("arrangement_instalments", "status"),
	"dispute.status.":      schema("disputes", "status"),
	"import.status.":       schema("imports", "status"),
	"tender.status.":       schema("tenders", "status"),
	"bid.status.":          schema("bids", "status"),
	"breach.source.":       schema("breaches", "source"),
	"evaluation.kind.":     schema("agency_evaluations", "kind"),
	"evaluation.decision.": schema("agency_evaluations", "decision"),
	"legal.status.":        schema("legal_cases", "status"),

	// Known prefixes whose codes have no one definition to read yet.
	"complaint.source.": nil,
	"legal.move.":       nil,
}

// schema names a column whose codes a CHECK (column IN (...)) in the
// migrations defines; the test reads them.
func schema(table, column string) []string { return []string{"schema:" + table + "." + column} }

var (
	createTable = regexp.MustCompile(`(?i)CREATE TABLE (\w+) \(`)
	checkIn     = regexp.MustCompile(`CHECK \((\w+) IN \(([^)]*)\)\)`)
	quoted      = regexp.MustCompile(`'([^']*)'`)
)

// schemaCodes reads table.column → codes from the migrations' CHECK
// constraints (a later migration's table replaces an earlier one's).
func schemaCodes(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("../migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	sort.Strings(files)
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		table := ""
		for _, line := range strings.Split(string(b), "\n") {
			if m := createTable.FindStringSubmatch(line); m != nil {
				table = m[1]
			}
			for _, m := range checkIn.FindAllStringSubmatch(line, -1) {
				var codes []string
				for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
					codes = append(codes, q[1])
				}
				out[table+"."+m[1]] = codes
			}
		}
	}
	return out
}

var codeLabelCall = regexp.MustCompile(`CodeLabel\(ctx, "([^"]+)"`)

// Every code a page shows through CodeLabel has its words in zh and en:
// CodeLabel falls back to the raw code, which no reader should see. A new
// prefix in a template must be added to codeLabelCodes.
func TestCodeLabelsInCatalogue(t *testing.T) {
	ids := catalogueIDs(t)
	files, err := filepath.Glob("*.templ")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeLabelCall.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 20 {
		t.Fatalf("only %d CodeLabel prefixes found in the templates: the scan does not see them", len(used))
	}
	fromSchema := schemaCodes(t)
	var unchecked []string
	for prefix := range used {
		codes, known := codeLabelCodes[prefix]
		if len(codes) == 1 && strings.HasPrefix(codes[0], "schema:") {
			col := strings.TrimPrefix(codes[0], "schema:")
			if codes = fromSchema[col]; len(codes) == 0 {
				t.Errorf("%s: the migrations define no CHECK (… IN (…)) for %s", prefix, col)
			}
		}
		if !known {
			t.Errorf("CodeLabel(ctx, %q, …) is new: add its codes, from their defining package, to codeLabelCodes", prefix)
			continue
		}
		if codes == nil {
			unchecked = append(unchecked, prefix)
			continue
		}
		for _, code := range codes {
			for _, lang := range []string{"zh", "en"} {
				if _, ok := ids[lang][prefix+code]; !ok {
					t.Errorf("%s%s has no %s text: CodeLabel would show the raw code", prefix, code, lang)
				}
			}
		}
	}
	for prefix := range codeLabelCodes {
		if !used[prefix] {
			t.Errorf("codeLabelCodes names %q, which no template gives CodeLabel any more", prefix)
		}
	}
	sort.Strings(unchecked)
	t.Logf("prefixes whose codes have no one definition to read (not checked): %v", unchecked)
}
