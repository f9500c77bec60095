// Package casework holds the decisions of working a placed account through
// the five stages of collection. It imports no storage, web or template code.
package casework

// The five stages, in order.
const (
	StageVerification = "verification"
	StageFirstContact = "first_contact"
	StageNegotiation  = "negotiation"
	StageFollowUp     = "follow_up"
	StageLegal        = "legal"
)

// Stages lists the stages in their order of collection.
var Stages = []string{StageVerification, StageFirstContact, StageNegotiation, StageFollowUp, StageLegal}

// ValidStage reports whether s names a stage.
func ValidStage(s string) bool {
	for _, st := range Stages {
		if st == s {
			return true
		}
	}
	return false
}

// StageIndex returns the position of s in Stages (0-based), or -1.
func StageIndex(s string) int {
	for i, st := range Stages {
		if st == s {
			return i
		}
	}
	return -1
}
