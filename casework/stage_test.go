package casework_test

import (
	"testing"

	"collect/casework"
)

func TestStagesOrder(t *testing.T) {
	want := []string{"verification", "first_contact", "negotiation", "follow_up", "legal"}
	if len(casework.Stages) != len(want) {
		t.Fatalf("Stages = %q, want %q", casework.Stages, want)
	}
	for i, w := range want {
		t.Run(w, func(t *testing.T) {
			if casework.Stages[i] != w {
				t.Errorf("Stages[%d] = %q, want %q", i, casework.Stages[i], w)
			}
		})
	}
}

func TestValidStageAndIndex(t *testing.T) {
	tests := []struct {
		name      string
		stage     string
		wantValid bool
		wantIndex int
	}{
		{"verification", casework.StageVerification, true, 0},
		{"first contact", casework.StageFirstContact, true, 1},
		{"negotiation", casework.StageNegotiation, true, 2},
		{"follow up", casework.StageFollowUp, true, 3},
		{"legal", casework.StageLegal, true, 4},
		{"literal legal", "legal", true, 4},
		{"unknown", "settlement", false, -1},
		{"empty", "", false, -1},
		{"wrong case", "Legal", false, -1},
		{"hyphenated", "first-contact", false, -1},
		{"trailing space", "negotiation ", false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := casework.ValidStage(tt.stage); got != tt.wantValid {
				t.Errorf("ValidStage(%q) = %v, want %v", tt.stage, got, tt.wantValid)
			}
			if got := casework.StageIndex(tt.stage); got != tt.wantIndex {
				t.Errorf("StageIndex(%q) = %d, want %d", tt.stage, got, tt.wantIndex)
			}
		})
	}
}
