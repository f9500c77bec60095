package casework_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"collect/casework"
)

// The boundary table (issue 15, part 11): testdata/conduct_scenarios.json,
// written by testdata/gen_scenarios.py from the rules themselves, each case
// citing the clause it checks. CheckContact must break exactly the rules
// a case expects.

type scenarioContact struct {
	Channel       string    `json:"channel"`
	Party         string    `json:"party"`
	Direction     string    `json:"direction"`
	Outcome       string    `json:"outcome"`
	At            time.Time `json:"at"`
	Note          string    `json:"note"`
	Message       string    `json:"message"`
	PartyPhone    string    `json:"party_phone"`
	PartyRelation string    `json:"party_relation"`
	Place         string    `json:"place"`
	Purpose       string    `json:"purpose"`
	AI            bool      `json:"ai"`
	Account       string    `json:"account"`
}

func (s scenarioContact) contact() casework.Contact {
	return casework.Contact{Channel: s.Channel, Party: s.Party, Direction: s.Direction, Outcome: s.Outcome, At: s.At, Note: s.Note,
		Message: s.Message, PartyPhone: s.PartyPhone, PartyRelation: s.PartyRelation, Place: s.Place, Purpose: s.Purpose, AI: s.AI,
		AccountID: s.Account}
}

type scenario struct {
	ID       string            `json:"id"`
	Profile  string            `json:"profile"`
	Clause   string            `json:"clause"`
	Zones    []string          `json:"zones"`
	Contact  scenarioContact   `json:"contact"`
	History  []scenarioContact `json:"history"`
	Facts    map[string]bool   `json:"facts"`
	Requests []struct {
		Kind          string     `json:"kind"`
		Channel       string     `json:"channel"`
		From          string     `json:"from"`
		To            string     `json:"to"`
		AttorneyPhone string     `json:"attorney_phone"`
		Start         time.Time  `json:"start"`
		End           *time.Time `json:"end"`
	} `json:"requests"`
	Holds []struct {
		Kind   string     `json:"kind"`
		Start  time.Time  `json:"start"`
		Until  time.Time  `json:"until"`
		Lifted *time.Time `json:"lifted"`
	} `json:"holds"`
	Want []string `json:"want"`
}

func TestConductScenarios(t *testing.T) {
	raw, err := os.ReadFile("testdata/conduct_scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct{ Cases []scenario }
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	profiles := map[string]int{}
	for _, sc := range table.Cases {
		profiles[sc.Profile]++
		t.Run(sc.ID, func(t *testing.T) {
			if sc.Clause == "" {
				t.Fatal("a case must cite its clause")
			}
			p := mustProfile(t, sc.Profile)
			account := sc.Contact.Account
			if account == "" {
				account = "A"
			}
			proposed := sc.Contact.contact()
			proposed.AccountID = account
			check := casework.ContactCheck{Proposed: proposed, AccountID: account, TimeZones: sc.Zones,
				ConsentOutOfHours: sc.Facts["consent_out_of_hours"], CeaseCommunication: sc.Facts["cease"],
				DisputeOpen: sc.Facts["dispute_open"], GuarantorAllowed: sc.Facts["guarantor_allowed"]}
			for _, h := range sc.History {
				c := h.contact()
				if c.AccountID == "" {
					c.AccountID = "A"
				}
				check.History = append(check.History, c)
			}
			for _, r := range sc.Requests {
				check.Requests = append(check.Requests, casework.DebtorRequest{Kind: r.Kind, Channel: r.Channel, From: r.From, To: r.To,
					AttorneyPhone: r.AttorneyPhone, Start: r.Start, End: r.End})
			}
			for _, h := range sc.Holds {
				check.Holds = append(check.Holds, casework.CareHold{Kind: h.Kind, Start: h.Start, Until: h.Until, LiftedAt: h.Lifted})
			}
			check.DebtorUnreachable = casework.DebtorUnreachable(check.History, proposed.At)
			var got []string
			for _, v := range casework.CheckContact(p, check) {
				if !slices.Contains(got, v.Rule) {
					got = append(got, v.Rule)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, sc.Want) && !(len(got) == 0 && len(sc.Want) == 0) {
				t.Errorf("%s\nbroke %q, want %q", sc.Clause, got, sc.Want)
			}
			// The permission check says the same before the action.
			perm := casework.ContactPermission(p, check, nil)
			if perm.Allowed != (len(sc.Want) == 0) {
				t.Errorf("permission allowed %v, want %v", perm.Allowed, len(sc.Want) == 0)
			}
		})
	}
	if len(table.Cases) < 150 || profiles["china"] < 50 || profiles["us_regf"] < 50 {
		t.Errorf("%d cases (%v): the table must hold at least 150 over both profiles", len(table.Cases), profiles)
	}
	t.Logf("%d scenarios: %v", len(table.Cases), profiles)
	_ = strings.TrimSpace
}
