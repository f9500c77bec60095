package allocation_test

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"collect"
	"collect/allocation"
	"collect/views"
)

const (
	ny  = "America/New_York"
	chi = "America/Chicago"
	den = "America/Denver"
	phx = "America/Phoenix"
	la  = "America/Los_Angeles"
)

// usHeader is a file of US rows: no national_id or province column.
const usHeader = "external_ref,debtor_name,ssn_last4,phone,state,zip,principal,balance,currency,due_date,dpd,last_payment_date,emergency_contact_phone,conduct_profile,time_zone,consent_out_of_hours,guarantor_allowed"

// usRow1 is a valid US row as of asOf (2024-03-01).
const usRow1 = "U0001,John Smith,1234,(212) 555-0100,NY,10001,1200.50,1300,USD,2024-01-01,60,2023-12-15,+1 646 555 0199,us_regf,,true,no"

// allHeader has every canonical column, in the order of allocation.Columns.
func allHeader() []string {
	var h []string
	for _, c := range allocation.Columns {
		h = append(h, string(c))
	}
	return h
}

func usIndex(t *testing.T) allocation.ColumnIndex {
	t.Helper()
	idx, err := allocation.MapColumns(strings.Split(usHeader, ","), nil)
	if err != nil {
		t.Fatalf("MapColumns: %v (%+v)", err, err.(*collect.Error).Fields)
	}
	return idx
}

func usCol(c allocation.Column) int {
	for i, h := range strings.Split(usHeader, ",") {
		if h == string(c) {
			return i
		}
	}
	panic(c)
}

// usRec is usRow1 with the cells of the pairs (column, value) set; columns
// not in usHeader (national_id, province) are appended.
func usRec(t *testing.T, kv ...string) ([]string, allocation.ColumnIndex) {
	t.Helper()
	rec := strings.Split(usRow1, ",")
	idx := usIndex(t)
	for i := 0; i+1 < len(kv); i += 2 {
		c := allocation.Column(kv[i])
		at, ok := idx[c]
		if !ok {
			at = len(rec)
			rec = append(rec, "")
			idx[c] = at
		}
		rec[at] = kv[i+1]
	}
	return rec, idx
}

func TestParseRowUSValid(t *testing.T) {
	rec, idx := usRec(t)
	got, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, allocation.ConductProfileChina)
	if errs != nil {
		t.Fatalf("errors: %+v", errs)
	}
	want := allocation.ImportRow{
		Line: 2, ExternalRef: "U0001", DebtorName: "John Smith", Phone: "+12125550100", Province: "NY",
		PrincipalCents: 120050, BalanceCents: 130000, Currency: "USD", DueDate: "2024-01-01", DPD: 60, Bucket: "M2",
		LastPaymentDate: "2023-12-15", EmergencyContactPhone: "+16465550199",
		ConductProfile: "us_regf", State: "NY", ZIP: "10001", SSNLast4: "1234", TimeZones: []string{ny},
		ConsentOutOfHours: true, GuarantorAllowed: false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if id := allocation.DebtorIdentity(got); id != "us:1234:john smith" {
		t.Errorf("DebtorIdentity = %q", id)
	}
}

func TestParseRowUSRules(t *testing.T) {
	type check func(allocation.ImportRow) bool
	zones := func(zs ...string) check {
		return func(r allocation.ImportRow) bool { return slices.Equal(r.TimeZones, zs) }
	}
	tests := []struct {
		name      string
		column    allocation.Column
		value     string
		wantField string
		check     check
	}{
		// conduct_profile
		{"profile upper case", "conduct_profile", "US-RegF", "", func(r allocation.ImportRow) bool { return r.ConductProfile == "us_regf" }},
		{"profile unknown", "conduct_profile", "eu_gdpr", "conduct_profile", nil},
		// ssn_last4
		{"ssn required", "ssn_last4", "", "ssn_last4", nil},
		{"ssn 0000", "ssn_last4", "0000", "ssn_last4", nil},
		{"ssn 0001", "ssn_last4", "0001", "", func(r allocation.ImportRow) bool { return r.SSNLast4 == "0001" }},
		{"ssn 9999", "ssn_last4", "9999", "", nil},
		{"ssn 3 digits (Excel dropped the zero)", "ssn_last4", "123", "ssn_last4", nil},
		{"ssn 5 digits", "ssn_last4", "12345", "ssn_last4", nil},
		{"ssn full SSN", "ssn_last4", "123-45-6789", "ssn_last4", nil},
		{"ssn letter", "ssn_last4", "12a4", "ssn_last4", nil},
		{"ssn Excel text marker", "ssn_last4", "'0123", "", func(r allocation.ImportRow) bool { return r.SSNLast4 == "0123" }},
		{"ssn Excel text form", "ssn_last4", `="0123"`, "", func(r allocation.ImportRow) bool { return r.SSNLast4 == "0123" }},
		{"ssn full-width", "ssn_last4", "１２３４", "", func(r allocation.ImportRow) bool { return r.SSNLast4 == "1234" }},
		// national_id: a Chinese ID on a US row is a mix-up
		{"national id on a US row", "national_id", "11010519491231002X", "national_id", nil},
		{"national id empty", "national_id", "", "", nil},
		// phone
		{"phone required", "phone", "", "phone", nil},
		{"phone E.164", "phone", "+12125550100", "", func(r allocation.ImportRow) bool { return r.Phone == "+12125550100" }},
		{"phone 10 digits", "phone", "2125550100", "", func(r allocation.ImportRow) bool { return r.Phone == "+12125550100" }},
		{"phone 1-prefixed 11 digits", "phone", "12125550100", "", func(r allocation.ImportRow) bool { return r.Phone == "+12125550100" }},
		{"phone 1-prefixed with dashes", "phone", "1-212-555-0100", "", func(r allocation.ImportRow) bool { return r.Phone == "+12125550100" }},
		{"phone dots", "phone", "212.555.0100", "", func(r allocation.ImportRow) bool { return r.Phone == "+12125550100" }},
		{"phone +1 with brackets", "phone", "+1 (212) 555-0100", "", nil},
		{"phone 11 digits not starting 1", "phone", "22125550100", "phone", nil},
		{"phone 9 digits", "phone", "212555010", "phone", nil},
		{"phone 12 digits", "phone", "121255501000", "phone", nil},
		{"phone + without 1", "phone", "+2125550100", "phone", nil},
		{"phone other country", "phone", "+442125550100", "phone", nil},
		{"phone area code starts 0", "phone", "0125550100", "phone", nil},
		{"phone area code starts 1", "phone", "1125550100", "phone", nil},
		{"phone exchange starts 0", "phone", "2120550100", "phone", nil},
		{"phone exchange starts 1", "phone", "2121550100", "phone", nil},
		{"phone Chinese mobile", "phone", "13800138000", "phone", nil},
		{"phone extension", "phone", "212-555-0100 x12", "phone", nil},
		{"phone area code in another zone", "phone", "(312) 555-0100", "", zones(ny, chi)},
		// state and zip
		{"state required", "state", "", "state", nil},
		{"state lower case", "state", "ny", "", func(r allocation.ImportRow) bool { return r.State == "NY" && r.Province == "NY" }},
		{"state DC", "state", "DC", "zip", nil}, // 10001 is New York's
		{"state unknown", "state", "XX", "state", nil},
		{"state military", "state", "AE", "state", nil},
		{"state name", "state", "New York", "state", nil},
		{"zip required", "zip", "", "zip", nil},
		{"zip ZIP+4", "zip", "10001-1234", "", func(r allocation.ImportRow) bool { return r.ZIP == "10001" }},
		{"zip ZIP+4 without dash", "zip", "100011234", "", func(r allocation.ImportRow) bool { return r.ZIP == "10001" }},
		{"zip 4 digits (Excel dropped the zero)", "zip", "1001", "zip", nil},
		{"zip 6 digits", "zip", "100010", "zip", nil},
		{"zip letters", "zip", "1000A", "zip", nil},
		{"zip ZIP+3", "zip", "10001-123", "zip", nil},
		{"zip of another state", "zip", "90210", "zip", nil},
		{"zip last of New York", "zip", "14999", "", nil},
		{"zip first of Pennsylvania", "zip", "15000", "zip", nil},
		// province: set to the state
		{"province ignored", "province", "California", "", func(r allocation.ImportRow) bool { return r.Province == "NY" }},
		// currency
		{"currency empty means USD", "currency", "", "", func(r allocation.ImportRow) bool { return r.Currency == "USD" }},
		{"currency lower case", "currency", "usd", "", func(r allocation.ImportRow) bool { return r.Currency == "USD" }},
		{"currency $", "currency", "$", "", func(r allocation.ImportRow) bool { return r.Currency == "USD" }},
		{"currency CNY on a US row", "currency", "CNY", "currency", nil},
		{"currency RMB on a US row", "currency", "RMB", "currency", nil},
		{"currency not ISO", "currency", "XYZ", "currency", nil},
		// amounts
		{"amount with $", "balance", "$1,300.00", "", func(r allocation.ImportRow) bool { return r.BalanceCents == 130000 }},
		{"amount with US$", "principal", "US$ 1,200.50", "", func(r allocation.ImportRow) bool { return r.PrincipalCents == 120050 }},
		// emergency_contact_phone
		{"emergency empty", "emergency_contact_phone", "", "", func(r allocation.ImportRow) bool { return r.EmergencyContactPhone == "" }},
		{"emergency 10 digits", "emergency_contact_phone", "312 555 0100", "", func(r allocation.ImportRow) bool { return r.EmergencyContactPhone == "+13125550100" }},
		{"emergency Chinese mobile", "emergency_contact_phone", "13900139000", "emergency_contact_phone", nil},
		{"emergency phone adds no zone", "emergency_contact_phone", "312 555 0100", "", zones(ny)},
		// time_zone
		{"time zone derived", "time_zone", "", "", zones(ny)},
		{"time zone override", "time_zone", "America/Chicago", "", zones(chi)},
		{"time zone override UTC", "time_zone", "UTC", "", zones("UTC")},
		{"time zone unknown", "time_zone", "America/Springfield", "time_zone", nil},
		{"time zone abbreviation", "time_zone", "CST", "time_zone", nil},
		{"time zone Local", "time_zone", "Local", "time_zone", nil},
		{"time zone path", "time_zone", "../../etc/passwd", "time_zone", nil},
		{"time zone lower case", "time_zone", "america/chicago", "time_zone", nil},
		// flags
		{"flag true", "consent_out_of_hours", "TRUE", "", func(r allocation.ImportRow) bool { return r.ConsentOutOfHours }},
		{"flag false", "consent_out_of_hours", "false", "", func(r allocation.ImportRow) bool { return !r.ConsentOutOfHours }},
		{"flag empty", "consent_out_of_hours", "", "", func(r allocation.ImportRow) bool { return !r.ConsentOutOfHours }},
		{"flag 0", "consent_out_of_hours", "0", "", func(r allocation.ImportRow) bool { return !r.ConsentOutOfHours }},
		{"flag yes", "guarantor_allowed", "Yes", "", func(r allocation.ImportRow) bool { return r.GuarantorAllowed }},
		{"flag 1", "guarantor_allowed", "1", "", func(r allocation.ImportRow) bool { return r.GuarantorAllowed }},
		{"flag 是", "guarantor_allowed", "是", "", func(r allocation.ImportRow) bool { return r.GuarantorAllowed }},
		{"flag 否", "guarantor_allowed", "否", "", func(r allocation.ImportRow) bool { return !r.GuarantorAllowed }},
		{"flag 2", "guarantor_allowed", "2", "guarantor_allowed", nil},
		{"flag maybe", "consent_out_of_hours", "maybe", "consent_out_of_hours", nil},
		{"flag y", "consent_out_of_hours", "y", "consent_out_of_hours", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, idx := usRec(t, string(tt.column), tt.value)
			got, errs := allocation.ParseRowProfile(rec, 7, idx, asOf, allocation.ConductProfileUSRegF)
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
			if strings.HasPrefix(errs[0].Message, "err.") {
				t.Errorf("message %q is not in the catalogue", errs[0].Message)
			}
			if tt.column == "ssn_last4" && tt.value != "" && tt.value != "0000" && strings.Contains(errs[0].Message, tt.value) {
				t.Errorf("message %q repeats the SSN digits", errs[0].Message)
			}
			t.Logf("%s: %s", errs[0].Field, errs[0].Message)
		})
	}
}

func TestParseRowUSMessages(t *testing.T) {
	rec, idx := usRec(t, "zip", "90210", "currency", "CNY", "state", "ny")
	_, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, "us_regf")
	if len(errs) != 2 {
		t.Fatalf("errors %+v", errs)
	}
	if m := errs[0].Message; errs[0].Field != "zip" || !strings.Contains(m, "90210") || !strings.Contains(m, "NY") {
		t.Errorf("zip message %q", m)
	}
	if m := errs[1].Message; errs[1].Field != "currency" || !strings.Contains(m, "CNY") || !strings.Contains(m, "USD") {
		t.Errorf("currency message %q", m)
	}
}

// The China row of a file that has the new columns: today's rules, and the
// US columns are refused.
func TestParseRowChinaWithNewColumns(t *testing.T) {
	idx, err := allocation.MapColumns(allHeader(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(kv ...string) []string {
		r := append(baseRow(), make([]string, len(allocation.Columns)-len(baseRow()))...)
		for i := 0; i+1 < len(kv); i += 2 {
			r[col(allocation.Column(kv[i]))] = kv[i+1]
		}
		return r
	}
	got, errs := allocation.ParseRowProfile(rec(), 2, idx, asOf, "")
	if errs != nil {
		t.Fatalf("errors: %+v", errs)
	}
	if got.ConductProfile != "china" || !slices.Equal(got.TimeZones, []string{"Asia/Shanghai"}) || got.State != "" || got.ConsentOutOfHours {
		t.Errorf("row %+v", got)
	}
	if id := allocation.DebtorIdentity(got); id != "cn:11010519491231002X" {
		t.Errorf("DebtorIdentity = %q", id)
	}
	tests := []struct {
		name      string
		kv        []string
		wantField []string
		check     func(allocation.ImportRow) bool
	}{
		{"profile china explicit", []string{"conduct_profile", "china"}, nil, nil},
		{"ssn on a China row", []string{"ssn_last4", "1234"}, []string{"ssn_last4"}, nil},
		{"state on a China row", []string{"state", "NY"}, []string{"state"}, nil},
		{"zip on a China row", []string{"zip", "10001"}, []string{"zip"}, nil},
		{"time zone override", []string{"time_zone", "Asia/Urumqi"}, nil, func(r allocation.ImportRow) bool { return slices.Equal(r.TimeZones, []string{"Asia/Urumqi"}) }},
		{"bad time zone", []string{"time_zone", "北京时间"}, []string{"time_zone"}, nil},
		{"flags", []string{"consent_out_of_hours", "是", "guarantor_allowed", "true"}, nil,
			func(r allocation.ImportRow) bool { return r.ConsentOutOfHours && r.GuarantorAllowed }},
		{"bad flag", []string{"guarantor_allowed", "可以"}, []string{"guarantor_allowed"}, nil},
		{"US currency still allowed", []string{"currency", "USD"}, nil, func(r allocation.ImportRow) bool { return r.Currency == "USD" }},
		{"row switched to US: the China cells do not fit", []string{"conduct_profile", "us_regf"},
			[]string{"national_id", "ssn_last4", "phone", "state", "zip", "currency", "emergency_contact_phone"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := allocation.ParseRowProfile(rec(tt.kv...), 3, idx, asOf, allocation.ConductProfileChina)
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
			}
			if !slices.Equal(fields, tt.wantField) {
				t.Fatalf("error fields %v, want %v (%+v)", fields, tt.wantField, errs)
			}
			if tt.check != nil && !tt.check(got) {
				t.Errorf("row %+v", got)
			}
		})
	}
}

func TestParseRowProfileDefault(t *testing.T) {
	rec, idx := usRec(t, "conduct_profile", "")
	if r, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, "us_regf"); errs != nil || r.ConductProfile != "us_regf" {
		t.Errorf("us_regf default: %+v %+v", r, errs)
	}
	// ParseRow and the empty default mean china: this US row then fails.
	for _, parse := range []func() []allocation.RowError{
		func() []allocation.RowError { _, errs := allocation.ParseRow(rec, 2, idx, asOf); return errs },
		func() []allocation.RowError {
			_, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, "")
			return errs
		},
	} {
		errs := parse()
		if len(errs) == 0 || errs[0].Field != "national_id" {
			t.Errorf("china default: %+v", errs)
		}
	}
	_, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, "eu")
	if len(errs) == 0 || errs[0].Field != "conduct_profile" {
		t.Errorf("unknown default: %+v", errs)
	}
	// The row's own cell wins over the default.
	rec, idx = usRec(t)
	if r, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, "china"); errs != nil || r.ConductProfile != "us_regf" {
		t.Errorf("cell over default: %+v %+v", r, errs)
	}
}

func TestUSColumnsChineseHeaders(t *testing.T) {
	zh := map[allocation.Column]string{
		"conduct_profile": "合规规则", "state": "州", "zip": "邮编", "ssn_last4": "社保号后四位",
		"time_zone": "时区", "consent_out_of_hours": "同意非工作时间联系", "guarantor_allowed": "允许联系担保人",
	}
	for c, want := range zh {
		if got := c.Chinese(); got != want {
			t.Errorf("%s.Chinese() = %q, want %q", c, got, want)
		}
		if c.Required() {
			t.Errorf("%s is required", c)
		}
	}
	header := []string{"借据号", "姓名", "社保号后四位", "手机号", "州", "邮编", "本金", "欠款余额", "币种", "应还日期", "逾期天数",
		"合规规则", "时区", "同意非工作时间联系", "允许联系担保人"}
	idx, err := allocation.MapColumns(header, nil)
	if err != nil {
		t.Fatalf("MapColumns: %v (%+v)", err, err.(*collect.Error).Fields)
	}
	want := allocation.ColumnIndex{"external_ref": 0, "debtor_name": 1, "ssn_last4": 2, "phone": 3, "state": 4, "zip": 5,
		"principal": 6, "balance": 7, "currency": 8, "due_date": 9, "dpd": 10, "conduct_profile": 11, "time_zone": 12,
		"consent_out_of_hours": 13, "guarantor_allowed": 14}
	if !reflect.DeepEqual(idx, want) {
		t.Errorf("index %v", idx)
	}
	rec := []string{"U7", "Ana García", "0042", "305-555-0142", "fl", "32501-0001", "$2,000", "2,100.10", "", "2024-02-01", "29",
		"us_regf", "", "否", "是"}
	r, errs := allocation.ParseRow(rec, 2, idx, asOf)
	if errs != nil {
		t.Fatalf("errors: %+v", errs)
	}
	// Pensacola (Central) with a Miami number (Eastern): both zones.
	if r.State != "FL" || r.ZIP != "32501" || r.Phone != "+13055550142" || r.Currency != "USD" || r.PrincipalCents != 200000 ||
		!slices.Equal(r.TimeZones, []string{chi, ny}) || r.ConsentOutOfHours || !r.GuarantorAllowed {
		t.Errorf("row %+v", r)
	}
	t.Run("English synonyms", func(t *testing.T) {
		h := strings.Split("external_ref,debtor_name,SSN4,phone,state,Zip Code,principal,balance,due_date,dpd,TimeZone", ",")
		idx, err := allocation.MapColumns(h, nil)
		if err != nil {
			t.Fatal(err)
		}
		if idx["ssn_last4"] != 2 || idx["zip"] != 5 || idx["time_zone"] != 10 {
			t.Errorf("index %v", idx)
		}
	})
	t.Run("a file needs national_id or ssn_last4, province or state", func(t *testing.T) {
		_, err := allocation.MapColumns([]string{"借据号", "姓名", "手机号", "邮编", "本金", "欠款余额", "应还日期", "逾期天数"}, nil)
		e := wantCode(t, err, collect.EINVALID)
		if got := fieldNames(e); !slices.Equal(got, []string{"national_id", "province"}) {
			t.Errorf("fields %v", got)
		}
		// A mapping that names national_id still needs its header.
		_, err = allocation.MapColumns(append(header, "x"), allocation.Mapping{"national_id": "证件"})
		e = wantCode(t, err, collect.EINVALID)
		if got := fieldNames(e); !slices.Equal(got, []string{"national_id"}) {
			t.Errorf("fields %v", got)
		}
	})
}

func TestValidUSPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+12125550100", "+12125550100"},
		{"2125550100", "+12125550100"},
		{"12125550100", "+12125550100"},
		{"+1 (212) 555-0100", "+12125550100"},
		{" 212-555-0100 ", "+12125550100"},
		{"'2125550100", "+12125550100"},
		{"２１２５５５０１００", "+12125550100"},
		{"+14165550100", "+14165550100"}, // Toronto: NANP, no US zone
		{"2002000000", "+12002000000"},
		{"9999999999", "+19999999999"},
		{"", ""},
		{"+1", ""},
		{"+12125550100 ", "+12125550100"},
		{"+ 1 212 555 0100", "+12125550100"},
		{"1+2125550100", ""},
		{"++12125550100", ""},
		{"22125550100", ""},
		{"+22125550100", ""},
		{"+2125550100", ""},
		{"2125550100x1", ""},
		{"212/555/0100", ""},
		{"1125550100", ""},
		{"0125550100", ""},
		{"2121550100", ""},
		{"2120550100", ""},
		{"112125550100", ""},
	}
	for _, tt := range tests {
		got, ok := allocation.ValidUSPhone(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("ValidUSPhone(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestUSZonesStates(t *testing.T) {
	main := map[string]string{
		"AL": chi, "AK": "America/Anchorage", "AZ": phx, "AR": chi, "CA": la, "CO": den, "CT": ny, "DE": ny,
		"DC": ny, "FL": ny, "GA": ny, "HI": "Pacific/Honolulu", "ID": den, "IL": chi, "IN": ny, "IA": chi,
		"KS": chi, "KY": ny, "LA": chi, "ME": ny, "MD": ny, "MA": ny, "MI": ny, "MN": chi,
		"MS": chi, "MO": chi, "MT": den, "NE": chi, "NV": la, "NH": ny, "NJ": ny, "NM": den,
		"NY": ny, "NC": ny, "ND": chi, "OH": ny, "OK": chi, "OR": la, "PA": ny, "RI": ny,
		"SC": ny, "SD": chi, "TN": chi, "TX": chi, "UT": den, "VT": ny, "VA": ny, "WA": la,
		"WV": ny, "WI": chi, "WY": den,
		"PR": "America/Puerto_Rico", "VI": "America/Puerto_Rico", "GU": "Pacific/Guam", "MP": "Pacific/Guam",
		"AS": "Pacific/Pago_Pago",
	}
	if len(main) != 56 {
		t.Fatalf("%d states", len(main))
	}
	for st, want := range main {
		if got := allocation.USZones(st, "", ""); !slices.Equal(got, []string{want}) {
			t.Errorf("USZones(%s) = %v, want %s", st, got, want)
		}
		if got := allocation.USZones(strings.ToLower(st), "not a zip", "0000000000"); !slices.Equal(got, []string{want}) {
			t.Errorf("USZones(%s, bad zip) = %v, want %s", st, got, want)
		}
	}
	// Every zone of every ZIP prefix and of every area code is one
	// time.LoadLocation knows.
	seen := map[string]bool{}
	for st := range main {
		for p := 0; p < 1000; p++ {
			for _, suffix := range []string{"00", "01", "50", "99"} {
				zs := allocation.USZones(st, itoa3(p)+suffix, "")
				if len(zs) == 0 {
					t.Fatalf("USZones(%s, %s) empty", st, itoa3(p)+suffix)
				}
				for _, z := range zs {
					seen[z] = true
				}
			}
		}
	}
	for ac := 200; ac < 1000; ac++ {
		for _, z := range allocation.USZones("", "", itoa3(ac)+"5550100") {
			seen[z] = true
		}
	}
	for z := range seen {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("zone %s: %v", z, err)
		}
	}
}

func itoa3(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// Each state accepts a ZIP of its own and refuses its neighbour's.
func TestUSZIPState(t *testing.T) {
	zips := map[string]string{
		"AL": "35203", "AK": "99501", "AZ": "85004", "AR": "72201", "CA": "94105", "CO": "80202", "CT": "06103", "DE": "19801",
		"DC": "20001", "FL": "33101", "GA": "30303", "HI": "96813", "ID": "83702", "IL": "60601", "IN": "46204", "IA": "50309",
		"KS": "66603", "KY": "40202", "LA": "70112", "ME": "04101", "MD": "21201", "MA": "02108", "MI": "48226", "MN": "55401",
		"MS": "39201", "MO": "63101", "MT": "59601", "NE": "68102", "NV": "89101", "NH": "03301", "NJ": "07102", "NM": "87501",
		"NY": "10001", "NC": "27601", "ND": "58102", "OH": "43215", "OK": "73102", "OR": "97201", "PA": "19103", "RI": "02903",
		"SC": "29201", "SD": "57104", "TN": "37201", "TX": "75201", "UT": "84101", "VT": "05401", "VA": "23219", "WA": "98101",
		"WV": "25301", "WI": "53202", "WY": "82001", "PR": "00901", "VI": "00802", "GU": "96910", "MP": "96950", "AS": "96799",
	}
	states := make([]string, 0, len(zips))
	for st := range zips {
		states = append(states, st)
	}
	slices.Sort(states)
	for i, st := range states {
		rec, idx := usRec(t, "state", st, "zip", zips[st]+"-0001")
		if r, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, "us_regf"); errs != nil || r.State != st || len(r.TimeZones) == 0 {
			t.Errorf("%s %s: %+v %+v", st, zips[st], r, errs)
		}
		other := states[(i+1)%len(states)]
		rec, idx = usRec(t, "state", st, "zip", zips[other])
		_, errs := allocation.ParseRowProfile(rec, 2, idx, asOf, "us_regf")
		if len(errs) != 1 || errs[0].Field != "zip" || errs[0].Key != "err.row.zip_state" {
			t.Errorf("%s with %s's ZIP %s: %+v", st, other, zips[other], errs)
		}
	}
}

func TestUSZonesAddresses(t *testing.T) {
	tests := []struct {
		name, state, zip, phone string
		want                    []string
	}{
		{"Manhattan", "NY", "10001", "", []string{ny}},
		{"ZIP+4", "NY", "10001-0001", "", []string{ny}},
		{"Beverly Hills", "CA", "90210", "", []string{la}},
		// Florida: the panhandle west of the Apalachicola is Central.
		{"FL Tallahassee", "FL", "32301", "", []string{ny}},
		{"FL Pensacola", "FL", "32501", "", []string{chi}},
		{"FL Panama City (prefix split)", "FL", "32401", "", []string{chi, ny}},
		{"FL Miami", "FL", "33101", "", []string{ny}},
		{"TN Nashville", "TN", "37201", "", []string{chi}},
		{"TN Memphis", "TN", "38103", "", []string{chi}},
		{"TN Knoxville", "TN", "37902", "", []string{ny}},
		{"TN Chattanooga", "TN", "37402", "", []string{ny}},
		{"KY Louisville", "KY", "40202", "", []string{ny}},
		{"KY Paducah", "KY", "42001", "", []string{chi}},
		{"KY Bowling Green", "KY", "42101", "", []string{chi}},
		{"IN Indianapolis", "IN", "46204", "", []string{ny}},
		{"IN Gary", "IN", "46402", "", []string{chi}},
		{"IN Evansville", "IN", "47708", "", []string{chi}},
		{"MI Detroit", "MI", "48226", "", []string{ny}},
		{"MI Iron Mountain (UP)", "MI", "49801", "", []string{ny, chi}},
		{"MI Ironwood (UP)", "MI", "49938", "", []string{ny, chi}},
		{"ND Fargo", "ND", "58102", "", []string{chi}},
		{"ND Dickinson", "ND", "58601", "", []string{den, chi}},
		{"SD Sioux Falls", "SD", "57104", "", []string{chi}},
		{"SD Rapid City", "SD", "57701", "", []string{den}},
		{"NE Omaha", "NE", "68102", "", []string{chi}},
		{"NE Scottsbluff", "NE", "69361", "", []string{den}},
		{"KS Wichita", "KS", "67202", "", []string{chi}},
		{"KS Goodland", "KS", "67735", "", []string{chi, den}},
		{"TX Dallas", "TX", "75201", "", []string{chi}},
		{"TX Austin IRS", "TX", "73301", "", []string{chi}},
		{"TX El Paso", "TX", "79901", "", []string{den}},
		{"TX El Paso 885", "TX", "88510", "", []string{den}},
		{"ID Boise", "ID", "83702", "", []string{den}},
		{"ID Coeur d'Alene", "ID", "83814", "", []string{la}},
		{"OR Portland", "OR", "97201", "", []string{la}},
		{"OR Ontario (Malheur)", "OR", "97914", "", []string{den}},
		{"NV Las Vegas", "NV", "89101", "", []string{la}},
		{"NV West Wendover", "NV", "89883", "", []string{den}},
		{"AZ Phoenix", "AZ", "85004", "", []string{phx}},
		{"AZ Tucson", "AZ", "85701", "", []string{phx}},
		{"AZ Window Rock (Navajo Nation)", "AZ", "86515", "", []string{phx, den}},
		{"HI Honolulu", "HI", "96813", "", []string{"Pacific/Honolulu"}},
		{"AK Anchorage", "AK", "99501", "", []string{"America/Anchorage"}},
		{"AK Juneau", "AK", "99801", "", []string{"America/Anchorage"}},
		{"AK Adak (Aleutian)", "AK", "99546", "", []string{"America/Adak"}},
		{"PR San Juan", "PR", "00901", "", []string{"America/Puerto_Rico"}},
		{"VI St Thomas", "VI", "00802", "", []string{"America/Puerto_Rico"}},
		{"GU Hagåtña", "GU", "96910", "", []string{"Pacific/Guam"}},
		{"MP Saipan", "MP", "96950", "", []string{"Pacific/Guam"}},
		{"AS Pago Pago", "AS", "96799", "", []string{"Pacific/Pago_Pago"}},
		{"HI with American Samoa's ZIP: the state's zone", "HI", "96799", "", []string{"Pacific/Honolulu"}},
		{"DC", "DC", "20500", "", []string{ny}},
		{"DC 569", "DC", "56901", "", []string{ny}},
		{"NY Fishers Island", "NY", "06390", "", []string{ny}},
		// The phone's area code.
		{"same zone", "NY", "10001", "+12125550100", []string{ny}},
		{"Nashville address, Knoxville phone", "TN", "37201", "865-555-0100", []string{chi, ny}},
		{"LA address, New York phone", "CA", "90210", "2125550100", []string{la, ny}},
		{"Phoenix address, Denver phone", "AZ", "85004", "303 555 0100", []string{phx, den}},
		{"Denver address, Phoenix phone", "CO", "80202", "602 555 0100", []string{den, phx}},
		{"area code spanning zones adds its others", "FL", "32301", "850-555-0100", []string{ny, chi}},
		{"area code spanning zones already covered", "FL", "32401", "850-555-0100", []string{chi, ny}},
		{"Alaska number", "WA", "98101", "907 555 0100", []string{la, "America/Anchorage", "America/Adak"}},
		{"Toronto number: no zone", "NY", "10001", "416-555-0100", []string{ny}},
		{"toll-free: no zone", "NY", "10001", "800-555-0100", []string{ny}},
		{"invalid phone: no zone", "NY", "10001", "555-0100", []string{ny}},
		{"ZIP of another state: the state's zone", "TX", "10001", "", []string{chi}},
		{"unknown state: the phone's zones", "ZZ", "10001", "312-555-0100", []string{chi}},
		{"unknown state, no phone", "", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocation.USZones(tt.state, tt.zip, tt.phone); !slices.Equal(got, tt.want) {
				t.Errorf("USZones(%q, %q, %q) = %v, want %v", tt.state, tt.zip, tt.phone, got, tt.want)
			}
		})
	}
}

func TestUSZonesClock(t *testing.T) {
	clock := func(zone string, at time.Time) string {
		t.Helper()
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		return at.In(loc).Format("2006-01-02 15:04 MST")
	}
	phoenix := allocation.USZones("AZ", "85004", "")[0]
	newYork := allocation.USZones("NY", "10001", "")[0]
	chicago := allocation.USZones("IL", "60601", "")[0]
	tests := []struct {
		zone string
		at   time.Time
		want string
	}{
		// Arizona keeps no DST: 08:00 in Phoenix while New York is at 11:00 in July...
		{phoenix, time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC), "2026-07-01 08:00 MST"},
		{newYork, time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC), "2026-07-01 11:00 EDT"},
		// ...and still 08:00 in January, when New York is at 10:00.
		{phoenix, time.Date(2026, 1, 15, 15, 0, 0, 0, time.UTC), "2026-01-15 08:00 MST"},
		{newYork, time.Date(2026, 1, 15, 15, 0, 0, 0, time.UTC), "2026-01-15 10:00 EST"},
		// DST starts 2026-03-08 at 02:00 local: 01:59 EST, then 03:00 EDT.
		{newYork, time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC), "2026-03-08 01:59 EST"},
		{newYork, time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), "2026-03-08 03:00 EDT"},
		// DST ends 2026-11-01 at 02:00 local: 01:59 CDT, then 01:00 CST.
		{chicago, time.Date(2026, 11, 1, 6, 59, 0, 0, time.UTC), "2026-11-01 01:59 CDT"},
		{chicago, time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC), "2026-11-01 01:00 CST"},
		{"America/Anchorage", time.Date(2026, 3, 8, 10, 59, 0, 0, time.UTC), "2026-03-08 01:59 AKST"},
		{"America/Anchorage", time.Date(2026, 3, 8, 11, 0, 0, 0, time.UTC), "2026-03-08 03:00 AKDT"},
		{"Pacific/Honolulu", time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC), "2026-07-01 05:00 HST"},
	}
	for _, tt := range tests {
		if got := clock(tt.zone, tt.at); got != tt.want {
			t.Errorf("%s at %s = %s, want %s", tt.zone, tt.at, got, tt.want)
		}
	}
}

func TestDebtorIdentity(t *testing.T) {
	us := func(ssn, name string) string {
		return allocation.DebtorIdentity(allocation.ImportRow{ConductProfile: "us_regf", SSNLast4: ssn, DebtorName: name})
	}
	if got := us("1234", "  John \u3000 SMITH "); got != "us:1234:john smith" {
		t.Errorf("got %q", got)
	}
	if us("1234", "ＪＯＨＮ　Ｓｍｉｔｈ") != us("1234", "john smith") {
		t.Error("NFKC does not fold full-width forms")
	}
	if us("1234", "John Smith") == us("1234", "Jane Smith") || us("1234", "John Smith") == us("1235", "John Smith") {
		t.Error("strangers linked")
	}
	cn := allocation.DebtorIdentity(allocation.ImportRow{ConductProfile: "china", NationalID: "11010519491231002x", DebtorName: "张三"})
	if cn != "cn:11010519491231002X" {
		t.Errorf("got %q", cn)
	}
}

// Every key the US rules use is in both catalogues (the views package's
// own tests check every key of the code; this one needs no other package's
// run).
func TestUSRowKeysInCatalogue(t *testing.T) {
	keys := []string{"err.row.conduct_profile", "err.row.us_only", "err.row.national_id_us", "err.row.ssn_last4",
		"err.row.ssn_last4_zero", "err.row.us_phone", "err.row.us_phone_optional", "err.row.state", "err.row.zip",
		"err.row.zip_state", "err.row.currency_usd", "err.row.time_zone", "err.row.flag"}
	for _, lang := range []string{"en", "zh"} {
		b, err := os.ReadFile("../views/locales/allocation." + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if m[k] == "" {
				t.Errorf("%s is missing from allocation.%s.json", k, lang)
			}
		}
	}
	for _, k := range keys {
		if views.English().FieldText(collect.Field("x", k, "value", `"v"`, "zip", "1", "state", "NY")) == k {
			t.Errorf("%s does not render", k)
		}
	}
}
