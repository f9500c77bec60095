package store_test

import (
	"context"
	"testing"

	"collect"
	"collect/portal/store"
)

// confirmed is an agency's reported payment confirmed by the demo lender's
// vendor manager (with the reference or voucher to look at), as the
// lender's feed or a lender user would: only then does it move the balance
// and earn commission.
func confirmed(t *testing.T, s *store.Store, p store.Payment, err error) store.Payment {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "reported" {
		return p
	}
	vm := actorFor(t, s, "vm@demo-bank.test")
	out, err := s.DecidePayment(context.Background(), vm, p.ID, true, "")
	if err != nil {
		t.Fatalf("confirming %s: %v", p.ID, err)
	}
	return out
}

// report records a payment as the agency and has the lender confirm it.
func report(t *testing.T, s *store.Store, agent collect.Actor, accountID string, in store.PaymentInput) store.Payment {
	t.Helper()
	if in.Reference == "" && in.VoucherRef == "" {
		in.VoucherRef = "voucher-" + accountID[len(accountID)-6:]
	}
	p, err := s.RecordPayment(context.Background(), agent, accountID, in)
	return confirmed(t, s, p, err)
}
