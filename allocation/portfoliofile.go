package allocation

// Reading portfolio files (API.md "Portfolio files"): a CSV or XLSX export
// of delinquent loans, streamed record by record, and the mapping of its
// header onto the canonical columns. Nothing here touches the database; the
// importer drives OpenRowSource, MapColumns and ParseRow (importrow.go).

import (
	"collect"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Column is a canonical portfolio column.
type Column string

// The canonical columns of API.md.
const (
	ColExternalRef           Column = "external_ref"
	ColDebtorName            Column = "debtor_name"
	ColNationalID            Column = "national_id"
	ColPhone                 Column = "phone"
	ColProvince              Column = "province"
	ColPrincipal             Column = "principal"
	ColBalance               Column = "balance"
	ColCurrency              Column = "currency"
	ColDueDate               Column = "due_date"
	ColDPD                   Column = "dpd"
	ColLastPaymentDate       Column = "last_payment_date"
	ColEmergencyContactPhone Column = "emergency_contact_phone"

	// The conduct profile of the row and the columns of US rows (usrow.go),
	// all optional in the header.
	ColConductProfile    Column = "conduct_profile"
	ColState             Column = "state"
	ColZIP               Column = "zip"
	ColSSNLast4          Column = "ssn_last4"
	ColTimeZone          Column = "time_zone"
	ColConsentOutOfHours Column = "consent_out_of_hours"
	ColGuarantorAllowed  Column = "guarantor_allowed"
)

// Columns lists the canonical columns: those of China rows in the order of
// API.md, then the conduct profile and US columns (after them, so the
// positions of the first twelve stay those of the canonical China header).
var Columns = []Column{
	ColExternalRef, ColDebtorName, ColNationalID, ColPhone, ColProvince,
	ColPrincipal, ColBalance, ColCurrency, ColDueDate, ColDPD,
	ColLastPaymentDate, ColEmergencyContactPhone,
	ColConductProfile, ColState, ColZIP, ColSSNLast4, ColTimeZone,
	ColConsentOutOfHours, ColGuarantorAllowed,
}

// ChinaColumns are the columns of a China portfolio file, the first twelve
// (the generator writes them).
var ChinaColumns = Columns[:12]

// RequiredColumns are the columns a file must have: all but currency,
// last_payment_date, emergency_contact_phone and the conduct profile and US
// columns. A file with an ssn_last4 column may lack national_id, and one
// with a state column may lack province (a file of US rows only): see
// requiredUnless.
var RequiredColumns = []Column{
	ColExternalRef, ColDebtorName, ColNationalID, ColPhone, ColProvince,
	ColPrincipal, ColBalance, ColDueDate, ColDPD,
}

// columnZH holds the Chinese header of each canonical column (API.md).
var columnZH = map[Column]string{
	ColExternalRef: "借据号", ColDebtorName: "姓名", ColNationalID: "身份证号",
	ColPhone: "手机号", ColProvince: "省份", ColPrincipal: "本金", ColBalance: "欠款余额",
	ColCurrency: "币种", ColDueDate: "应还日期", ColDPD: "逾期天数",
	ColLastPaymentDate: "最后还款日", ColEmergencyContactPhone: "紧急联系人电话",
	ColConductProfile: "合规规则", ColState: "州", ColZIP: "邮编", ColSSNLast4: "社保号后四位",
	ColTimeZone: "时区", ColConsentOutOfHours: "同意非工作时间联系", ColGuarantorAllowed: "允许联系担保人",
}

// requiredUnless names, for a required column a file of US rows does not
// need, the column that stands in for it in the header.
var requiredUnless = map[Column]Column{ColNationalID: ColSSNLast4, ColProvince: ColState}

// Chinese returns the column's Chinese header from API.md ("" for an unknown
// column).
func (c Column) Chinese() string { return columnZH[c] }

// Required reports whether c is one of RequiredColumns.
func (c Column) Required() bool {
	for _, r := range RequiredColumns {
		if r == c {
			return true
		}
	}
	return false
}

func knownColumn(c Column) bool { _, ok := columnZH[c]; return ok }

// columnSynonyms are further headers accepted for a column without a
// mapping, in two tiers: tier 1 names are unambiguous synonyms, tier 2 names
// are weaker ones (逾期金额 is sometimes only the arrears), used only when no
// tier-0 (canonical English/Chinese) or tier-1 header is present. Headers are
// compared after normalizeHeader (so English names are written here with
// underscores and lowercase).
var columnSynonyms = map[Column][2][]string{
	ColExternalRef:           {{"借据编号", "借款编号", "贷款编号", "合同编号", "合同号", "loan_ref", "loan_reference", "loan_no", "loan_number", "reference"}},
	ColDebtorName:            {{"借款人姓名", "借款人", "客户姓名", "债务人姓名", "债务人", "name", "debtor", "borrower_name", "customer_name"}},
	ColNationalID:            {{"身份证号码", "证件号码", "证件号", "身份证", "借款人身份证号", "客户身份证号", "id_number", "id_no", "national_id_number"}},
	ColPhone:                 {{"手机号码", "联系电话", "手机", "借款人手机号", "客户手机号", "mobile", "mobile_phone", "mobile_number", "phone_number"}},
	ColProvince:              {{"省", "所在省份"}},
	ColPrincipal:             {{"借款本金", "贷款本金", "借款金额", "贷款金额", "放款金额", "合同金额", "loan_amount", "principal_amount", "original_principal"}},
	ColBalance:               {{"欠款金额", "欠款总额", "未还金额", "剩余未还金额", "委案金额", "outstanding", "outstanding_balance", "balance_outstanding"}, {"逾期金额", "overdue_amount"}},
	ColCurrency:              {{"货币", "币别", "currency_code"}},
	ColDueDate:               {{"应还款日期", "应还款日", "首次逾期日期", "首次逾期日", "逾期开始日期", "逾期起始日", "first_missed_due_date"}},
	ColDPD:                   {{"逾期日数", "days_past_due", "overdue_days"}},
	ColLastPaymentDate:       {{"最后还款日期", "最近还款日期", "最近还款日", "末次还款日期", "last_paid_date", "last_payment"}},
	ColEmergencyContactPhone: {{"紧急联系人手机", "紧急联系人手机号", "紧急联系人号码", "紧急联系电话", "emergency_phone", "emergency_contact_mobile"}},
	ColConductProfile:        {{"合规配置", "conduct"}},
	ColState:                 {{"所在州", "us_state", "state_code"}},
	ColZIP:                   {{"邮政编码", "zip_code", "zipcode", "postal_code"}},
	ColSSNLast4:              {{"社保号后4位", "ssn4", "ssn_last_4", "last4_ssn", "last_4_ssn"}},
	ColTimeZone:              {{"timezone", "tz"}},
	ColConsentOutOfHours:     {{"同意非工作时间", "consent_out_of_hours_contact"}},
	ColGuarantorAllowed:      {{"可联系担保人", "guarantor_contact_allowed"}},
}

// headerTiers maps a normalized header to its column and tier (0 canonical,
// 1 synonym, 2 weak synonym).
var headerTiers = func() map[string]struct {
	col  Column
	tier int
} {
	m := map[string]struct {
		col  Column
		tier int
	}{}
	add := func(name string, c Column, tier int) {
		k := normalizeHeader(name)
		if prev, dup := m[k]; dup {
			panic(fmt.Sprintf("allocation: header %q listed for %s and %s", name, prev.col, c))
		}
		m[k] = struct {
			col  Column
			tier int
		}{c, tier}
	}
	for _, c := range Columns {
		add(string(c), c, 0)
		add(columnZH[c], c, 0)
		for t, names := range columnSynonyms[c] {
			for _, n := range names {
				add(n, c, t+1)
			}
		}
	}
	return m
}()

// normalizeHeader folds a header cell for comparison: BOM and zero-width
// characters removed, full-width forms narrowed (full-width spaces become
// spaces), surrounding space trimmed, lower case, and runs of spaces,
// hyphens and underscores turned into one underscore ("Due Date" ==
// "due_date"). A trailing required-field star ("姓名*") is dropped.
func normalizeHeader(h string) string {
	h = strings.Map(func(r rune) rune {
		switch r {
		case '\ufeff', '\u200b', '\u200c', '\u200d', '\u2060':
			return -1
		}
		return r
	}, h)
	h = width.Narrow.String(h)
	h = strings.TrimSpace(h)
	h = strings.TrimRight(h, "*")
	h = strings.TrimSpace(h)
	h = strings.ToLower(h)
	var b strings.Builder
	b.Grow(len(h))
	sep := false
	for _, r := range h {
		if unicode.IsSpace(r) || r == '-' || r == '_' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('_')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// stripUnit removes a trailing parenthesised unit or note from a normalized
// header: "本金(元)" and "本金（元）" (narrowed to the same) become "本金".
func stripUnit(h string) string {
	if !strings.HasSuffix(h, ")") {
		return h
	}
	i := strings.LastIndexByte(h, '(')
	if i <= 0 {
		return h
	}
	return strings.TrimRight(h[:i], "_")
}

// Mapping names, for a file with another layout, the file's header for each
// canonical column (a saved mapping). Columns it leaves out are still found
// by their standard names.
type Mapping map[Column]string

// Validate checks the mapping itself: every key a canonical column, every
// header non-empty, no header used for two columns. The *Error (EINVALID)
// lists each problem in Fields.
func (m Mapping) Validate() error {
	var fields []collect.FieldError
	seen := map[string]Column{}
	for _, c := range sortedMappingKeys(m) {
		h := m[c]
		if !knownColumn(c) {
			fields = append(fields, collect.Field(string(c), "err.mapping.unknown_column", "column", strconv.Quote(string(c)), "columns", columnList(Columns)))
			continue
		}
		k := normalizeHeader(h)
		if k == "" {
			fields = append(fields, collect.Field(string(c), "err.mapping.header_empty", "column", string(c)))
			continue
		}
		if other, dup := seen[k]; dup {
			fields = append(fields, collect.Field(string(c), "err.mapping.header_twice", "header", strconv.Quote(h), "other", string(other)))
			continue
		}
		seen[k] = c
	}
	if len(fields) > 0 {
		return collect.E(collect.EINVALID, "err.mapping.invalid").WithFields(fields...)
	}
	return nil
}

// sortedMappingKeys returns the mapping's columns, canonical ones in
// canonical order first, then unknown ones sorted, so errors are stable.
func sortedMappingKeys(m Mapping) []Column {
	out := make([]Column, 0, len(m))
	for _, c := range Columns {
		if _, ok := m[c]; ok {
			out = append(out, c)
		}
	}
	var unknown []Column
	for c := range m {
		if !knownColumn(c) {
			unknown = append(unknown, c)
		}
	}
	for i := 1; i < len(unknown); i++ {
		for j := i; j > 0 && unknown[j] < unknown[j-1]; j-- {
			unknown[j], unknown[j-1] = unknown[j-1], unknown[j]
		}
	}
	return append(out, unknown...)
}

func columnList(cs []Column) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// ColumnIndex resolves canonical columns to record positions (0-based).
// Columns the file does not have are absent.
type ColumnIndex map[Column]int

// MapColumns matches a header row to the canonical columns.
//
// With a nil (or empty) mapping each column is found by its English or
// Chinese name from API.md or an unambiguous synonym (借款人姓名, 证件号码,
// 联系电话, ...). Case, surrounding and full-width spaces, a BOM, a trailing
// "*" and a trailing unit in brackets ("本金(元)") are ignored, and spaces,
// hyphens and underscores are equivalent ("Due Date" = due_date). A canonical
// name wins over a synonym.
//
// With a mapping, each mapped column is found by its mapped header only (same
// folding); columns the mapping leaves out fall back to the standard names,
// skipping headers the mapping uses. A mapped optional column the file lacks
// is simply absent.
//
// Errors are one *Error EINVALID whose Fields list every missing required
// column and every column matched by two headers.
func MapColumns(header []string, m Mapping) (ColumnIndex, error) {
	if len(m) > 0 {
		if err := m.Validate(); err != nil {
			return nil, err
		}
	}
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = normalizeHeader(h)
	}
	idx := ColumnIndex{}
	var fields []collect.FieldError
	claimed := make([]bool, len(header))
	mappedMissing := map[Column]string{}

	for _, c := range Columns {
		h, ok := m[c]
		if !ok {
			continue
		}
		want := normalizeHeader(h)
		var at []int
		for i, n := range norm {
			if n == want {
				at = append(at, i)
			}
		}
		for _, i := range at {
			claimed[i] = true
		}
		switch {
		case len(at) == 1:
			idx[c] = at[0]
		case len(at) > 1:
			fields = append(fields, duplicateField(c, header, at))
		default:
			mappedMissing[c] = h
		}
	}

	// Standard names for the columns not mapped.
	type hit struct{ pos, tier int }
	found := map[Column][]hit{}
	for i, n := range norm {
		if claimed[i] || n == "" {
			continue
		}
		t, ok := headerTiers[n]
		if !ok {
			t, ok = headerTiers[stripUnit(n)]
		}
		if !ok {
			continue
		}
		if _, mapped := m[t.col]; mapped {
			continue
		}
		found[t.col] = append(found[t.col], hit{i, t.tier})
	}
	for _, c := range Columns {
		hits := found[c]
		if len(hits) == 0 {
			continue
		}
		best := hits[0].tier
		for _, h := range hits {
			best = min(best, h.tier)
		}
		var at []int
		for _, h := range hits {
			if h.tier == best {
				at = append(at, h.pos)
			}
		}
		if len(at) > 1 {
			fields = append(fields, duplicateField(c, header, at))
			continue
		}
		idx[c] = at[0]
	}

	var missing []string
	for _, c := range RequiredColumns {
		if _, ok := idx[c]; ok || hasField(fields, c) {
			continue
		}
		if alt, ok := requiredUnless[c]; ok {
			// A file of US rows; a mapping that names the column still
			// needs it.
			_, has := idx[alt]
			if _, mapped := mappedMissing[c]; has && !mapped {
				continue
			}
		}
		missing = append(missing, string(c))
		if h, ok := mappedMissing[c]; ok {
			fields = append(fields, collect.Field(string(c), "err.columns.mapped_missing", "header", strconv.Quote(h)))
		} else {
			fields = append(fields, collect.Field(string(c), "err.columns.missing", "column", string(c), "zh", columnZH[c]))
		}
	}
	if len(fields) > 0 {
		e := collect.E(collect.EINVALID, "err.columns.mismatch")
		if len(missing) > 0 {
			e = collect.E(collect.EINVALID, "err.columns.required_missing", "columns", strings.Join(missing, ", "))
		}
		sortFields(fields)
		return nil, e.WithFields(fields...)
	}
	return idx, nil
}

func duplicateField(c Column, header []string, at []int) collect.FieldError {
	parts := make([]map[string]any, len(at))
	for i, p := range at {
		parts[i] = map[string]any{"header": strconv.Quote(strings.TrimSpace(header[p])), "column": p + 1}
	}
	return collect.Field(string(c), "err.columns.duplicate", "headers", parts, "column", string(c))
}

func hasField(fs []collect.FieldError, c Column) bool {
	for _, f := range fs {
		if f.Field == string(c) {
			return true
		}
	}
	return false
}

// sortFields orders field errors by canonical column order (stable).
func sortFields(fs []collect.FieldError) {
	pos := func(f collect.FieldError) int {
		for i, c := range Columns {
			if string(c) == f.Field {
				return i
			}
		}
		return len(Columns)
	}
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && pos(fs[j]) < pos(fs[j-1]); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}
