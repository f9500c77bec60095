package allocation_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"collect/allocation"
)

// ID numbers used below (check characters worked by hand, see
// allocation_test.go for the method):
//
//	11010519491231002X  published example, born 1949-12-31
//	440304199001010011  born 1990-01-01 (sum 176, mod 11 = 0 -> '1')
//	440304199002300010  "born" 1990-02-30, a valid checksum on an impossible date:
//	  4*7+4*9+0*10+3*5+0*8+4*4+1*2+9*1+9*6+0*3+0*7+2*9+3*10+0*5+0*8+0*4+1*2
//	  = 28+36+0+15+0+16+2+9+54+0+0+18+30+0+0+0+2 = 210; 210 mod 11 = 1 -> '0'
//	440304203001010010  "born" 2030-01-01, in the future:
//	  4*7+4*9+0*10+3*5+0*8+4*4+2*2+0*1+3*6+0*3+0*7+1*9+0*10+1*5+0*8+0*4+1*2
//	  = 28+36+0+15+0+16+4+0+18+0+0+9+0+5+0+0+2 = 133; 133 mod 11 = 1 -> '0'
//	110105194912310020  the published example with a wrong check character

// enIndex is the ColumnIndex of the canonical English header.
func enIndex(t *testing.T) allocation.ColumnIndex {
	t.Helper()
	idx, err := allocation.MapColumns(strings.Split(enHeader, ","), nil)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// baseRow is row1 as a record (valid as of 2024-03-01).
func baseRow() []string { return strings.Split(row1, ",") }

func col(c allocation.Column) int {
	for i, x := range allocation.Columns {
		if x == c {
			return i
		}
	}
	panic(c)
}

func TestParseRowValid(t *testing.T) {
	got, errs := allocation.ParseRow(baseRow(), 2, enIndex(t), asOf)
	if errs != nil {
		t.Fatalf("errors: %v", errs)
	}
	want := allocation.ImportRow{
		Line: 2, ExternalRef: "L0001", DebtorName: "张三", NationalID: "11010519491231002X",
		Phone: "13800138000", Province: "北京市", PrincipalCents: 1200050, BalanceCents: 1300000,
		Currency: "CNY", DueDate: "2024-01-01", DPD: 60, Bucket: "M2",
		LastPaymentDate: "2023-12-15", EmergencyContactPhone: "13900139000",
		ConductProfile: "china", TimeZones: []string{"Asia/Shanghai"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseRowRules(t *testing.T) {
	// Each case sets one cell of the valid base row. wantField "" means the
	// row stays valid and, when check is set, the parsed row satisfies it;
	// otherwise exactly one error on wantField is expected.
	type check func(allocation.ImportRow) bool
	tests := []struct {
		name      string
		column    allocation.Column
		value     string
		wantField string
		check     check
	}{
		// external_ref
		{"ref required", "external_ref", "", "external_ref", nil},
		{"ref spaces only", "external_ref", "  \u3000 ", "external_ref", nil},
		{"ref trimmed", "external_ref", "  L0001 ", "", func(r allocation.ImportRow) bool { return r.ExternalRef == "L0001" }},
		{"ref 64 chars", "external_ref", strings.Repeat("A", 64), "", nil},
		{"ref 65 chars", "external_ref", strings.Repeat("A", 65), "external_ref", nil},
		{"ref control char", "external_ref", "L\x0001", "external_ref", nil},
		{"ref Excel text form", "external_ref", `="00123"`, "", func(r allocation.ImportRow) bool { return r.ExternalRef == "00123" }},
		// debtor_name
		{"name required", "debtor_name", "", "debtor_name", nil},
		{"name 100 runes", "debtor_name", strings.Repeat("张", 100), "", nil},
		{"name 101 runes", "debtor_name", strings.Repeat("张", 101), "debtor_name", nil},
		{"name not valid UTF-8", "debtor_name", "\xd5\xc5\xc8\xfd", "debtor_name", nil},
		// national_id
		{"id required", "national_id", "", "national_id", nil},
		{"id other valid", "national_id", "440304199001010011", "", func(r allocation.ImportRow) bool { return r.NationalID == "440304199001010011" }},
		{"id lowercase x stored uppercase", "national_id", "11010519491231002x", "", func(r allocation.ImportRow) bool { return r.NationalID == "11010519491231002X" }},
		{"id with spaces", "national_id", "110105 19491231 002X", "", func(r allocation.ImportRow) bool { return r.NationalID == "11010519491231002X" }},
		{"id tab-prefixed text", "national_id", "\t11010519491231002X", "", nil},
		{"id wrong check character", "national_id", "110105194912310020", "national_id", nil},
		{"id 17 chars", "national_id", "11010519491231002", "national_id", nil},
		{"id old 15 digits", "national_id", "110105491231002", "national_id", nil},
		{"id letter inside", "national_id", "1101051949123100AX", "national_id", nil},
		{"id scientific notation", "national_id", "1.10105E+17", "national_id", nil},
		{"id impossible birth date", "national_id", "440304199002300010", "national_id", nil},
		{"id birth date in the future", "national_id", "440304203001010010", "national_id", nil},
		// phone
		{"phone required", "phone", "", "phone", nil},
		{"phone +86 spaces dashes", "phone", "+86 138-0013-8000", "", func(r allocation.ImportRow) bool { return r.Phone == "13800138000" }},
		{"phone 86 prefix", "phone", "8613800138000", "", func(r allocation.ImportRow) bool { return r.Phone == "13800138000" }},
		{"phone full-width digits", "phone", "１３８００１３８０００", "", func(r allocation.ImportRow) bool { return r.Phone == "13800138000" }},
		{"phone starts 12", "phone", "12800138000", "phone", nil},
		{"phone 10 digits", "phone", "1380013800", "phone", nil},
		{"phone landline", "phone", "010-12345678", "phone", nil},
		// province
		{"province required", "province", "", "province", nil},
		{"province 32 runes", "province", strings.Repeat("省", 32), "", nil},
		{"province 33 runes", "province", strings.Repeat("省", 33), "province", nil},
		// principal and balance
		{"amount 12000.50", "principal", "12000.50", "", func(r allocation.ImportRow) bool { return r.PrincipalCents == 1200050 }},
		{"amount 1,234.5", "balance", "1,234.5", "", func(r allocation.ImportRow) bool { return r.BalanceCents == 123450 }},
		{"amount ¥1,234.56", "balance", "¥1,234.56", "", func(r allocation.ImportRow) bool { return r.BalanceCents == 123456 }},
		{"amount full-width yen", "principal", "￥ 20000", "", func(r allocation.ImportRow) bool { return r.PrincipalCents == 2000000 }},
		{"amount whole", "principal", "12001", "", func(r allocation.ImportRow) bool { return r.PrincipalCents == 1200100 }},
		{"amount trailing zero decimals", "principal", "12000.500", "", func(r allocation.ImportRow) bool { return r.PrincipalCents == 1200050 }},
		{"amount 0.001", "principal", "0.001", "principal", nil},
		{"amount -1", "principal", "-1", "principal", nil},
		{"amount 1e3", "principal", "1e3", "principal", nil},
		{"amount bad grouping", "principal", "12,34", "principal", nil},
		{"amount bad grouping 2", "principal", "1234,567.00", "principal", nil},
		{"amount trailing dot", "principal", "12.", "principal", nil},
		{"amount leading dot", "principal", ".5", "principal", nil},
		{"amount text", "principal", "abc", "principal", nil},
		{"amount required", "principal", "", "principal", nil},
		{"amount maximum", "principal", "1,000,000,000.00", "", func(r allocation.ImportRow) bool { return r.PrincipalCents == 100_000_000_000 }},
		{"amount over maximum", "principal", "1000000000.01", "principal", nil},
		{"amount far over maximum", "principal", "99999999999999999999999", "principal", nil},
		{"balance zero", "balance", "0", "", func(r allocation.ImportRow) bool { return r.BalanceCents == 0 }},
		{"balance above principal", "balance", "15000.00", "", nil},
		{"balance exactly 10x", "balance", "120005.00", "", func(r allocation.ImportRow) bool { return r.BalanceCents == 12000500 }},
		{"balance over 10x: unit error", "balance", "120005.01", "balance", nil},
		{"balance negative", "balance", "-5", "balance", nil},
		// currency
		{"currency empty means CNY", "currency", "", "", func(r allocation.ImportRow) bool { return r.Currency == "CNY" }},
		{"currency lowercase", "currency", "usd", "", func(r allocation.ImportRow) bool { return r.Currency == "USD" }},
		{"currency RMB", "currency", "RMB", "", func(r allocation.ImportRow) bool { return r.Currency == "CNY" }},
		{"currency 人民币", "currency", "人民币", "", func(r allocation.ImportRow) bool { return r.Currency == "CNY" }},
		{"currency HKD", "currency", "HKD", "", func(r allocation.ImportRow) bool { return r.Currency == "HKD" }},
		{"currency 2 letters", "currency", "US", "currency", nil},
		{"currency not ISO", "currency", "XYZ", "currency", nil},
		{"currency symbol", "currency", "US$", "currency", nil},
		// due_date (base DPD 60 = days from 2024-01-01 to 2024-03-01)
		{"due slashes", "due_date", "2024/01/01", "", func(r allocation.ImportRow) bool { return r.DueDate == "2024-01-01" }},
		{"due short slashes", "due_date", "2024/1/1", "", func(r allocation.ImportRow) bool { return r.DueDate == "2024-01-01" }},
		{"due dots", "due_date", "2024.01.01", "", func(r allocation.ImportRow) bool { return r.DueDate == "2024-01-01" }},
		{"due compact", "due_date", "20240101", "", func(r allocation.ImportRow) bool { return r.DueDate == "2024-01-01" }},
		{"due Chinese", "due_date", "2024年1月1日", "", func(r allocation.ImportRow) bool { return r.DueDate == "2024-01-01" }},
		{"due with midnight time", "due_date", "2024-01-01 00:00:00", "", func(r allocation.ImportRow) bool { return r.DueDate == "2024-01-01" }},
		{"due required", "due_date", "", "due_date", nil},
		{"due not a real date", "due_date", "2023-02-29", "due_date", nil},
		{"due month 13", "due_date", "2024-13-01", "due_date", nil},
		{"due US order", "due_date", "01/01/2024", "due_date", nil},
		{"due mixed separators", "due_date", "2024-01/01", "due_date", nil},
		{"due after the import date", "due_date", "2024-03-02", "due_date", nil},
		{"due bad time", "due_date", "2024-01-01 25:00", "due_date", nil},
		// dpd and its consistency with the due date (60 days)
		{"dpd required", "dpd", "", "dpd", nil},
		{"dpd 7 more", "dpd", "67", "", func(r allocation.ImportRow) bool { return r.DPD == 67 && r.Bucket == "M3" }},
		{"dpd 8 more", "dpd", "68", "dpd", nil},
		{"dpd 7 less", "dpd", "53", "", func(r allocation.ImportRow) bool { return r.DPD == 53 && r.Bucket == "M2" }},
		{"dpd 8 less", "dpd", "52", "dpd", nil},
		{"dpd with 天", "dpd", "60天", "", nil},
		{"dpd 60.0", "dpd", "60.0", "", nil},
		{"dpd fraction", "dpd", "60.5", "dpd", nil},
		{"dpd negative", "dpd", "-1", "dpd", nil},
		{"dpd text", "dpd", "sixty", "dpd", nil},
		{"dpd over 36500", "dpd", "36501", "dpd", nil},
		// last_payment_date
		{"last payment empty", "last_payment_date", "", "", func(r allocation.ImportRow) bool { return r.LastPaymentDate == "" }},
		{"last payment leap day", "last_payment_date", "2024/2/29", "", func(r allocation.ImportRow) bool { return r.LastPaymentDate == "2024-02-29" }},
		{"last payment on the import date", "last_payment_date", "2024-03-01", "", nil},
		{"last payment not real", "last_payment_date", "2023-02-29", "last_payment_date", nil},
		{"last payment in the future", "last_payment_date", "2024-03-02", "last_payment_date", nil},
		// emergency_contact_phone
		{"emergency empty", "emergency_contact_phone", "", "", func(r allocation.ImportRow) bool { return r.EmergencyContactPhone == "" }},
		{"emergency +86", "emergency_contact_phone", "+8613900139000", "", func(r allocation.ImportRow) bool { return r.EmergencyContactPhone == "13900139000" }},
		{"emergency invalid", "emergency_contact_phone", "12345", "emergency_contact_phone", nil},
	}
	idx := enIndex(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := baseRow()
			rec[col(tt.column)] = tt.value
			got, errs := allocation.ParseRow(rec, 7, idx, asOf)
			if tt.wantField == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %+v", errs)
				}
				if tt.check != nil && !tt.check(got) {
					t.Errorf("parsed row %+v", got)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.wantField || errs[0].Line != 7 || errs[0].Message == "" {
				t.Fatalf("errors = %+v, want one on %s at line 7", errs, tt.wantField)
			}
			t.Logf("%s: %s", errs[0].Field, errs[0].Message)
		})
	}
}

func TestParseRowMessages(t *testing.T) {
	idx := enIndex(t)
	run := func(c allocation.Column, v string) string {
		rec := baseRow()
		rec[col(c)] = v
		_, errs := allocation.ParseRow(rec, 2, idx, asOf)
		if len(errs) != 1 {
			t.Fatalf("%s=%q: errors %+v", c, v, errs)
		}
		return errs[0].Message
	}
	tests := []struct {
		name   string
		column allocation.Column
		value  string
		want   []string // substrings
	}{
		{"dpd names both numbers", "dpd", "90", []string{"90", "60 days", "2024-01-01", "2024-03-01"}},
		{"unit error said", "balance", "1300000", []string{"10 times", "unit"}},
		{"decimals", "principal", "0.001", []string{"2 decimal"}},
		{"negative", "principal", "-1", []string{"negative"}},
		{"id not echoed", "national_id", "110105194912310020", []string{"check character"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := run(tt.column, tt.value)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if tt.column == "national_id" && strings.Contains(msg, tt.value) {
				t.Errorf("message %q repeats the ID number", msg)
			}
		})
	}
}

func TestParseRowReportsEveryProblem(t *testing.T) {
	rec := baseRow()
	rec[col("external_ref")] = ""
	rec[col("phone")] = "123"
	rec[col("principal")] = "-1"
	rec[col("currency")] = "XX"
	rec[col("due_date")] = "2024-02-30"
	rec[col("emergency_contact_phone")] = "abc"
	_, errs := allocation.ParseRow(rec, 12, enIndex(t), asOf)
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
		if e.Line != 12 {
			t.Errorf("line %d", e.Line)
		}
	}
	want := []string{"external_ref", "phone", "principal", "currency", "due_date", "emergency_contact_phone"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("fields = %v, want %v (%+v)", fields, want, errs)
	}
}

func TestParseRowShortRecordAndPartialIndex(t *testing.T) {
	t.Run("ragged row: missing trailing optional cells are empty", func(t *testing.T) {
		rec := baseRow()[:10] // up to dpd
		r, errs := allocation.ParseRow(rec, 3, enIndex(t), asOf)
		if errs != nil {
			t.Fatalf("errors: %+v", errs)
		}
		if r.LastPaymentDate != "" || r.EmergencyContactPhone != "" || r.Currency != "CNY" {
			t.Errorf("row %+v", r)
		}
	})
	t.Run("ragged row: missing required cells reported", func(t *testing.T) {
		rec := baseRow()[:7]
		_, errs := allocation.ParseRow(rec, 3, enIndex(t), asOf)
		var fields []string
		for _, e := range errs {
			fields = append(fields, e.Field)
		}
		if want := []string{"due_date", "dpd"}; !reflect.DeepEqual(fields, want) {
			t.Errorf("fields = %v, want %v", fields, want)
		}
	})
	t.Run("file without optional columns", func(t *testing.T) {
		header := []string{"借据号", "姓名", "身份证号", "手机号", "省份", "本金", "欠款余额", "应还日期", "逾期天数"}
		idx, err := allocation.MapColumns(header, nil)
		if err != nil {
			t.Fatal(err)
		}
		rec := []string{"R9", "李四", "440304199001010011", "13800138000", "广东省", "5000", "5200.5", "2024-02-01", "29"}
		r, errs := allocation.ParseRow(rec, 2, idx, asOf)
		if errs != nil {
			t.Fatalf("errors: %+v", errs)
		}
		// 2024-02-01 to 2024-03-01 is 29 days (February 2024).
		if r.BalanceCents != 520050 || r.DPD != 29 || r.Bucket != "M1" || r.Currency != "CNY" {
			t.Errorf("row %+v", r)
		}
	})
}

func TestParseRowAsOfLocation(t *testing.T) {
	// The import date is asOf's calendar date in its own location: 00:30 on
	// 2024-03-01 in Shanghai is still 2024-02-29 in UTC, and the due date
	// 2024-01-01 is then 60 days back in Shanghai terms.
	shanghai := time.FixedZone("CST", 8*3600)
	at := time.Date(2024, 3, 1, 0, 30, 0, 0, shanghai)
	if _, errs := allocation.ParseRow(baseRow(), 2, enIndex(t), at); errs != nil {
		t.Fatalf("errors: %+v", errs)
	}
}
