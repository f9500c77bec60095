package allocation_test

import (
	"testing"
	"time"

	"collect/allocation"
)

func TestParsePaymentDate(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		// A bare date keeps its UTC date, so its month is the month written.
		{in: "2026-11-01", want: time.Date(2026, 11, 1, 15, 59, 59, 0, time.UTC)},
		{in: "2026-10-31", want: time.Date(2026, 10, 31, 15, 59, 59, 0, time.UTC)},
		// Today's date is capped at now, never in the future.
		{in: "2026-11-27", want: now},
		{in: "2026-11-28", wantErr: true}, // tomorrow in China
		{in: "2030-01-01", wantErr: true},
		{in: "2026-11-28T09:00:00Z", want: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)},
		{in: "2026-11-02T09:30:00+08:00", want: time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)},
		{in: "2026-11-02T09:30:00Z", want: time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)},
		{in: "", wantErr: true},
		{in: "2026/11/02", wantErr: true},
		{in: "2026-02-30", wantErr: true},
	}
	for _, tt := range tests {
		got, err := allocation.ParsePaymentDate(tt.in, now)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePaymentDate(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !got.Equal(tt.want) {
			t.Errorf("ParsePaymentDate(%q) = %v, want %v", tt.in, got.UTC(), tt.want)
		}
	}
}
