package views

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"collect/allocation"
	"collect/casework"
	"collect/casework/earlywarning"
	"collect/oversight"
	"collect/portal/store"
)

// codeLabelCodes lists, for each prefix a page gives CodeLabel, the codes
// the domain defines for it (from their defining packages). A prefix mapped
// to nil is known but its codes have no exported list yet: it is named in
// the log, not checked.
var codeLabelCodes = map[string][]string{
	"stage.":     casework.Stages,
	"placement.": store.PlacementStatuses,
	"strategy.":  allocation.Strategies(),
	"channel.":   casework.ContactChannels,
	"party.":     casework.ContactParties,
	"direction.": casework.ContactDirections,
	"outcome.":   casework.ContactOutcomes,
	"kind.":      casework.ArrangementKinds,
	"flag.":      store.DataQualityFlags,
	"rule.":      casework.RuleIDs(),
	"feature.":   earlywarning.Names(),
	"component.": {oversight.ComponentLiquidation, oversight.ComponentRPC, oversight.ComponentPTPKept,
		oversight.ComponentComplaints, oversight.ComponentBreaches, oversight.ComponentCostToCollect},
	"severity.":           {oversight.SeverityHigh, oversight.SeverityMedium, oversight.SeverityLow},
	"group.":              {allocation.GroupChampion, allocation.GroupChallenger},
	"reason.":             {allocation.ReasonManual, allocation.ReasonRule, allocation.ReasonBalanced, allocation.ReasonWeighted, allocation.ReasonChampion, allocation.ReasonChallenger},
	"unassigned.":         {allocation.UnassignedDisputeOpen, allocation.UnassignedLegalHold, allocation.UnassignedCeaseCommunication, allocation.UnassignedDeceased, allocation.UnassignedBankrupt, allocation.UnassignedNoEligibleAgency, allocation.UnassignedCapacityFull, allocation.UnassignedNoRuleMatched, allocation.UnassignedNotInPortfolio},
	"models.kind_":        store.ModelKinds,
	"models.verdict_":     {earlywarning.VerdictInUse, earlywarning.VerdictNotBetter, earlywarning.VerdictInsufficient, earlywarning.VerdictNoSignal, "replaced"},
	"complaint.category.": store.ComplaintCategories,
	"complaint.status.":   store.ComplaintStatuses,
	"complaint.outcome.":  store.ComplaintOutcomes,
	"breach.status.":      store.BreachStatuses,

	// Known prefixes whose codes are not yet exported as one list by
	// their defining package.
	"agency.status.":       nil,
	"contract.status.":     nil,
	"plan.status.":         nil,
	"arrangement.status.":  nil,
	"instalment.status.":   nil,
	"dispute.status.":      nil,
	"import.status.":       nil,
	"tender.status.":       nil,
	"bid.status.":          nil,
	"breach.source.":       nil,
	"complaint.source.":    nil,
	"evaluation.kind.":     nil,
	"evaluation.decision.": nil,
	"legal.status.":        nil,
	"legal.move.":          nil,
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
	var unchecked []string
	for prefix := range used {
		codes, known := codeLabelCodes[prefix]
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
	t.Logf("prefixes without an exported list of codes (not checked): %v", unchecked)
}
