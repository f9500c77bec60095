package portal_test

import (
	"fmt"
	"net/http"
)

// confirmReported has the demo lender's vendor manager confirm, over the
// API, every payment still reported on the account: what the lender's feed
// or a lender user does before an agency's payment counts.
func (h *harness) confirmReported(accountID string) {
	h.t.Helper()
	vm := h.token("vm@demo-bank.test")
	res, body := h.do("GET", "/api/v1/payments?status=reported&account="+accountID, vm, nil)
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("reported payments: %d %s", res.StatusCode, body)
	}
	var list struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	mustJSON(h.t, body, &list)
	if len(list.Items) == 0 {
		h.t.Fatalf("no reported payment on %s to confirm", accountID)
	}
	for _, p := range list.Items {
		res, body := h.do("POST", fmt.Sprintf("/api/v1/payments/%s/confirm", p.ID), vm, nil)
		if res.StatusCode != http.StatusOK {
			h.t.Fatalf("confirm %s: %d %s", p.ID, res.StatusCode, body)
		}
	}
}
