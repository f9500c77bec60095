package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"collect/policies"
)

// Where a retention period runs from.
const (
	FromContact      = "contact"       // the contact the object records
	FromLastActivity = "last_activity" // the last collection activity on the debt
)

// Retention is one profile's record-keeping period (policies/retention.json).
type Retention struct {
	Years  int    `json:"years"`
	From   string `json:"from"`
	Source string `json:"source"`
}

// ParseRetention reads the periods per profile, strictly.
func ParseRetention(b []byte) (map[string]Retention, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var out map[string]Retention
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	for name, r := range out {
		if r.Years < 1 || (r.From != FromContact && r.From != FromLastActivity) {
			return nil, fmt.Errorf("retention: profile %q: years must be at least 1 and from %q or %q", name, FromContact, FromLastActivity)
		}
	}
	return out, nil
}

var periods = func() map[string]Retention {
	p, err := ParseRetention(policies.Retention())
	if err != nil {
		panic(err)
	}
	return p
}()

// RetentionFor is the profile's period; an unknown profile keeps the
// longest period any profile has, so nothing is deleted early.
func RetentionFor(profile string) Retention {
	if r, ok := periods[profile]; ok {
		return r
	}
	longest := Retention{Years: 0, From: FromLastActivity}
	for _, r := range periods {
		if r.Years > longest.Years {
			longest = r
		}
	}
	longest.From = FromLastActivity
	return longest
}

// RetainUntil is the first moment an object may be deleted: its period
// after the contact it records, or after the last collection activity on
// the debt, whichever the profile says, and never before the contact's own
// period has run.
func RetainUntil(profile string, contactAt, lastActivity time.Time) time.Time {
	r := RetentionFor(profile)
	from := contactAt
	if r.From == FromLastActivity && lastActivity.After(from) {
		from = lastActivity
	}
	return from.UTC().AddDate(r.Years, 0, 0)
}

// Deletable reports whether an object may be deleted at now: its retention
// has run and no legal hold keeps it.
func Deletable(retainUntil, now time.Time, held bool) bool {
	return !held && !now.Before(retainUntil)
}
