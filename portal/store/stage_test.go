package store_test

import (
	"collect"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"collect/casework"
	"collect/portal/store/storetest"
)

// The store writes no stage the machine refuses: a refused move is a rule
// violation naming the guard, and the stage stays.
func TestStageMovesGoThroughTheMachine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		acc := agencyAccount(t, s, agent)
		if _, err := s.DB().Exec(`UPDATE accounts SET stage = 'negotiation', verification_complete = TRUE, dispute_open = FALSE WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE arrangements SET status = 'broken' WHERE account_id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		err := s.SetStage(ctx, agent, acc.ID, casework.StageFollowUp)
		if collect.ErrorCode(err) != collect.ERULEVIOLATION || !contains(violations(err), casework.RuleStageNoArrangement) {
			t.Fatalf("negotiation → follow-up without an arrangement: %v", err)
		}
		var stage string
		if err := s.DB().QueryRow(`SELECT stage FROM accounts WHERE id = $1`, acc.ID).Scan(&stage); err != nil || stage != casework.StageNegotiation {
			t.Fatalf("the refused move was written: %s %v", stage, err)
		}
		// With a dispute open the first_contact → negotiation move a
		// contact would make is refused too.
		if _, err := s.DB().Exec(`UPDATE accounts SET stage = 'first_contact', dispute_open = TRUE WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetStage(ctx, agent, acc.ID, casework.StageNegotiation); !contains(violations(err), casework.RuleStageDisputeOpen) {
			t.Fatalf("first contact → negotiation with a dispute open: %v", err)
		}
		if _, err := s.DB().Exec(`UPDATE accounts SET dispute_open = FALSE WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetStage(ctx, agent, acc.ID, casework.StageNegotiation); err != nil {
			t.Fatalf("first contact → negotiation: %v", err)
		}
	})
}

// No store code but setStage writes the stage column: every move goes
// through the machine.
func TestNoStageWriteOutsideSetStage(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("*.go")
	write := regexp.MustCompile(`Update\("stage"|Updates\(map\[string\]any\{"stage"|SET\s+stage\s*=`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := len(write.FindAllIndex(b, -1))
		switch f {
		case "casework.go":
			n-- // setStage's own
		case "arrangements.go":
			n-- // the nightly follow_up → negotiation after broken arrangements, in bulk with the machine's guard in its WHERE
		}
		if n > 0 {
			t.Errorf("%s writes the stage outside setStage (%d places)", f, n)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
