package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// fuzzEndpoint is one JSON write endpoint and who calls it.
type fuzzEndpoint struct {
	method, path, as string
	seeds            []string
}

// FuzzAPIBodies sends arbitrary JSON bodies to the main write endpoints of a
// real server on a real database (PostgreSQL when TEST_DATABASE_URL is set,
// since it refuses the most bytes; else SQLite). Whatever the body, the
// answer is not a server error and an error answer is the API's JSON error.
//
//	go test ./portal -run '^$' -fuzz FuzzAPIBodies -fuzztime 20s
func FuzzAPIBodies(f *testing.F) {
	dialect := "sqlite"
	if os.Getenv("TEST_DATABASE_URL") != "" {
		dialect = "postgres"
	}
	st := storetest.Open(f, dialect, store.Options{})
	ctx := context.Background()
	if err := demo.Seed(ctx, st, demo.Size{Portfolios: []int{30}}); err != nil {
		f.Fatal(err)
	}
	srv, err := portal.New(portal.Config{Store: st, JWTSecret: testSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Throttle: portal.NewThrottle(1, 1<<30, 1<<30, nil)})
	if err != nil {
		f.Fatal(err)
	}
	var acc, agencyA, portfolio string
	db := st.DB()
	if err := db.QueryRow(`SELECT p.account_id, p.agency_id FROM placements p JOIN organisations o ON o.id = p.agency_id
		WHERE o.name = 'Agency A' AND p.status = 'active' ORDER BY p.account_id LIMIT 1`).Scan(&acc, &agencyA); err != nil {
		f.Fatal(err)
	}
	if err := db.QueryRow(`SELECT id FROM portfolios ORDER BY id LIMIT 1`).Scan(&portfolio); err != nil {
		f.Fatal(err)
	}
	tokens := map[string]string{}
	for _, email := range []string{"agent@agency-a.test", "vm@demo-bank.test", "supervisor@agency-a.test"} {
		rec := httptest.NewRecorder()
		body, _ := json.Marshal(map[string]string{"email": email, "password": demo.Password})
		req := httptest.NewRequest("POST", "/api/v1/auth/token", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		srv.ServeHTTP(rec, req)
		var out struct{ Token string }
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Token == "" {
			f.Fatalf("login %s: %d %s", email, rec.Code, rec.Body.String())
		}
		tokens[email] = out.Token
	}
	endpoints := []fuzzEndpoint{
		{"POST", "/api/v1/auth/token", "", []string{`{"email":"vm@demo-bank.test","password":"x"}`, `{"email":1}`}},
		{"POST", "/api/v1/accounts/" + acc + "/contacts", "agent@agency-a.test", []string{
			`{"channel":"call","party":"debtor","direction":"outbound","outcome":"no_answer","note":"你好"}`,
			`{"channel":"sms","party":"third_party","party_phone":"13800138000","party_relation":"friend","outcome":"refused","at":"2026-11-20T02:00:00Z"}`}},
		{"POST", "/api/v1/accounts/" + acc + "/payments", "agent@agency-a.test", []string{
			`{"amount_cents":100,"paid_at":"2026-11-20T02:00:00Z","reference":"R1"}`, `{"amount_cents":-1}`, `{"amount_cents":9223372036854775807,"paid_at":"9999-12-31T23:59:59Z"}`}},
		{"POST", "/api/v1/accounts/" + acc + "/arrangements", "agent@agency-a.test", []string{
			`{"kind":"promise","amount_cents":5000,"due_date":"2026-12-20"}`,
			`{"kind":"instalment_plan","instalments":12,"down_payment_cents":100,"first_due":"2026-12-20"}`,
			`{"kind":"settlement","amount_cents":1}`}},
		{"POST", "/api/v1/accounts/" + acc + "/disputes", "agent@agency-a.test", []string{`{"reason":"not my debt"}`}},
		{"POST", "/api/v1/accounts/" + acc + "/stage", "agent@agency-a.test", []string{`{"to":"negotiation"}`, `{"to":"legal"}`}},
		{"POST", "/api/v1/accounts/" + acc + "/legal-referrals", "agent@agency-a.test", []string{`{"note":"x"}`}},
		{"POST", "/api/v1/allocations", "vm@demo-bank.test", []string{
			`{"portfolio_id":"` + portfolio + `","strategy":"manual","params":{"agency_id":"` + agencyA + `","account_ids":["x"]}}`,
			`{"portfolio_id":"` + portfolio + `","strategy":"rules","params":{"rules":[{"bucket":"M2","min_balance_cents":-5}]},"seed":1}`,
			`{"portfolio_id":"` + portfolio + `","strategy":"champion_challenger","params":{"challenger_share":2}}`}},
		{"POST", "/api/v1/mappings", "vm@demo-bank.test", []string{`{"name":"m","mapping":{"external_ref":"借据号"}}`}},
		{"PUT", "/api/v1/agencies/" + agencyA + "/contract", "vm@demo-bank.test", []string{
			`{"fee_bp":{"M1":1500},"term_days":90,"starts_on":"2026-01-01","ends_on":"2027-01-01"}`, `{"starts_on":"0001-01-01","ends_on":"9999-12-31"}`}},
		{"POST", "/api/v1/complaints", "vm@demo-bank.test", []string{`{"account_id":"` + acc + `","channel":"phone","category":"harassment","summary":"x"}`}},
		{"PUT", "/api/v1/agencies/" + agencyA + "/profile", "supervisor@agency-a.test", []string{`{"provinces":["广东"],"capacity":100}`}},
	}
	for i, ep := range endpoints {
		for _, s := range ep.seeds {
			f.Add(uint8(i), []byte(s))
		}
		f.Add(uint8(i), []byte(`{"note":"\u0000"}`))
		f.Add(uint8(i), []byte("{\"reason\":\"\xff\xfe\"}"))
		f.Add(uint8(i), []byte(`[]`))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ep := endpoints[int(which)%len(endpoints)]
		req := httptest.NewRequest(ep.method, ep.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if ep.as != "" {
			req.Header.Set("Authorization", "Bearer "+tokens[ep.as])
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", ep.method, ep.path, body, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s with %q: %d and not the API's error: %s", ep.method, ep.path, body, rec.Code, rec.Body.String())
			}
			if rec.Code == http.StatusBadRequest && strings.Contains(e.Error.Message, "internal") {
				t.Fatalf("a 400 that hides an internal error: %s", rec.Body.String())
			}
		}
	})
}
