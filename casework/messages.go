package casework

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MessageTemplate is a message a collector can send: its text with
// {{placeholders}}, and the disclosures the profile requires it to carry
// (who is collecting and for whom, the official way to pay, how to dispute or
// opt out).
type MessageTemplate struct {
	ID          string   `json:"id"`
	Channel     string   `json:"channel"`
	Text        string   `json:"text"`
	Disclosures []string `json:"disclosures"`
}

// ParseMessageTemplates reads the templates file and checks every template
// carries its disclosures and only known placeholders.
func ParseMessageTemplates(b []byte) (map[string][]MessageTemplate, error) {
	var out map[string][]MessageTemplate
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	for profile, ts := range out {
		for _, t := range ts {
			for _, d := range t.Disclosures {
				if !strings.Contains(t.Text, d) {
					return nil, fmt.Errorf("template %s/%s lacks the disclosure %q", profile, t.ID, d)
				}
			}
			rest := t.Text
			for {
				i := strings.Index(rest, "{{")
				if i < 0 {
					break
				}
				j := strings.Index(rest[i:], "}}")
				if j < 0 {
					return nil, fmt.Errorf("template %s/%s has an unclosed placeholder", profile, t.ID)
				}
				if name := rest[i+2 : i+j]; !knownPlaceholders[name] {
					return nil, fmt.Errorf("template %s/%s has an unknown placeholder %q", profile, t.ID, name)
				}
				rest = rest[i+j+2:]
			}
		}
	}
	return out, nil
}

var knownPlaceholders = map[string]bool{"agency": true, "lender": true, "debtor": true, "ref_tail": true, "dpd": true, "balance": true, "due": true, "amount": true}

// MessageData fills a template's placeholders.
type MessageData struct {
	Agency, Lender, Debtor, RefTail, DPD, Balance, Due, Amount string
}

// Render fills the template; placeholders without data stay visible so a
// collector sees what is missing before sending.
func (t MessageTemplate) Render(d MessageData) string {
	r := strings.NewReplacer("{{agency}}", d.Agency, "{{lender}}", d.Lender, "{{debtor}}", d.Debtor, "{{ref_tail}}", d.RefTail,
		"{{dpd}}", d.DPD, "{{balance}}", d.Balance, "{{due}}", or(d.Due, "{{due}}"), "{{amount}}", or(d.Amount, "{{amount}}"))
	return r.Replace(t.Text)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
