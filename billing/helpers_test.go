package billing

import (
	"errors"
	"testing"

	"collect"
)

// wantErr checks err is a *collect.Error with code and key ("" = any); an
// empty code wants no error.
func wantErr(t *testing.T, err error, code, key string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *collect.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a %s error %s", err, code, key)
	}
	if e.Code != code || key != "" && e.Key != key && !hasFieldKey(e, key) {
		t.Fatalf("got %s %s (fields %+v), want %s %s", e.Code, e.Key, e.Fields, code, key)
	}
}

func hasFieldKey(e *collect.Error, key string) bool {
	for _, f := range e.Fields {
		if f.Key == key {
			return true
		}
	}
	return false
}

// fieldsOf are the names of err's field errors.
func fieldsOf(err error) []string {
	var e *collect.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}
