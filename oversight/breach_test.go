package oversight

import (
	"collect"
	"strings"
	"testing"
)

// Every move between the statuses, and what it does to the count.
func TestMoveBreach(t *testing.T) {
	delta := map[[2]string]int64{
		{BreachOpen, BreachDismissed}:       -1,
		{BreachRemediated, BreachDismissed}: -1,
		{BreachDismissed, BreachOpen}:       1,
		{BreachDismissed, BreachRemediated}: 1,
	}
	for _, from := range BreachStatuses {
		for _, to := range BreachStatuses {
			got, err := MoveBreach(from, to, "已对坐席进行再培训")
			if err != nil || got != delta[[2]string{from, to}] {
				t.Errorf("%s → %s: delta %d %v, want %d", from, to, got, err, delta[[2]string{from, to}])
			}
		}
	}
	for _, c := range []struct {
		name, from, to, note string
		key                  string
	}{
		{"unknown status", BreachOpen, "closed", "", "err.breach.status_one_of"},
		{"empty status", BreachDismissed, "", "", "err.breach.status_one_of"},
		{"remediation 2001", BreachOpen, BreachRemediated, strings.Repeat("改", BreachRemediationMax+1), "err.breach.remediation_long"},
		{"unknown status before a long note", BreachOpen, "x", strings.Repeat("改", BreachRemediationMax+1), "err.breach.status_one_of"},
	} {
		d, err := MoveBreach(c.from, c.to, c.note)
		if d != 0 || collect.ErrorCode(err) != collect.EINVALID || keyOf(err) != c.key {
			t.Errorf("%s: delta %d %v (key %q), want %s", c.name, d, err, keyOf(err), c.key)
		}
	}
	if d, err := MoveBreach(BreachOpen, BreachRemediated, strings.Repeat("改", BreachRemediationMax)); d != 0 || err != nil {
		t.Errorf("remediation of 2,000 characters: %d %v", d, err)
	}
	if err := CheckBreachUpdate(BreachRemediated, ""); err != nil {
		t.Errorf("no note: %v", err)
	}
}

func TestCanUpdateBreach(t *testing.T) {
	for kind, ok := range map[string]bool{collect.KindLender: true, collect.KindAgency: false, collect.KindPlatform: false, "": false} {
		err := CanUpdateBreach(kind)
		if ok != (err == nil) || !ok && (collect.ErrorCode(err) != collect.EFORBIDDEN || keyOf(err) != "err.breach.lender_updates") {
			t.Errorf("%q updates a breach: %v", kind, err)
		}
	}
}

// Dismissing and reopening in any order leaves the count where the
// statuses say it is.
func TestBreachCountFollowsStatus(t *testing.T) {
	counts := func(s string) int64 {
		if s == BreachDismissed {
			return 0
		}
		return 1
	}
	path := []string{BreachOpen, BreachRemediated, BreachDismissed, BreachDismissed, BreachOpen, BreachDismissed, BreachRemediated, BreachRemediated, BreachOpen}
	n := int64(1)
	for i := 1; i < len(path); i++ {
		d, err := MoveBreach(path[i-1], path[i], "")
		if err != nil {
			t.Fatal(err)
		}
		n += d
		if n != counts(path[i]) {
			t.Fatalf("after %v the count is %d, want %d", path[:i+1], n, counts(path[i]))
		}
	}
}
