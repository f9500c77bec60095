package allocation

// Validation of one portfolio record (API.md "Portfolio files"). ParseRow is
// pure and cheap: the importer calls it for every record of files of a
// million rows.

import (
	"collect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/width"
)

// ImportRow is one validated record, normalised: national ID upper case,
// phones as 11 digits (China rows) or E.164 +1XXXXXXXXXX (US rows), amounts
// in cents, dates YYYY-MM-DD.
type ImportRow struct {
	Line                  int
	ExternalRef           string
	DebtorName            string
	NationalID            string
	Phone                 string
	Province              string
	PrincipalCents        int64
	BalanceCents          int64
	Currency              string // default CNY
	DueDate               string // YYYY-MM-DD
	DPD                   int
	Bucket                string // from DPD with DefaultBands
	LastPaymentDate       string // YYYY-MM-DD or ""
	EmergencyContactPhone string // 11 digits, E.164 on a US row, or ""

	ConductProfile    string   // ConductProfileChina or ConductProfileUSRegF
	State             string   // US rows: 2-letter USPS code, upper case
	ZIP               string   // US rows: 5 digits
	SSNLast4          string   // US rows: the last 4 digits of the SSN
	TimeZones         []string // IANA zones the debtor may be in (derived, or the time_zone override)
	ConsentOutOfHours bool
	GuarantorAllowed  bool
}

// RowError is one problem of one record. Key and Args say it in the
// catalogue's words (views/locales), so a page shows it in the reader's
// language; Message is its English text, which the API sends and the
// rejects download keeps.
type RowError struct {
	Line    int            `json:"line"`
	Field   string         `json:"field"`
	Message string         `json:"message"`
	Key     string         `json:"message_key,omitempty"`
	Args    map[string]any `json:"-"`
}

// NewRowError is the problem key (with its arguments as name, value pairs)
// of field on line, its Message rendered in English (collect.Render).
func NewRowError(line int, field, key string, kv ...any) RowError {
	f := collect.Field(field, key, kv...)
	return RowError{Line: line, Field: field, Key: key, Args: f.Args, Message: collect.Render(key, f.Args)}
}

// Text is the problem's English text.
func (e RowError) Text() string {
	if e.Key == "" {
		return e.Message
	}
	return collect.Render(e.Key, e.Args)
}

// flaw is what is wrong with a cell: a catalogue key and its arguments;
// the zero flaw means nothing is.
type flaw struct {
	key string
	kv  []any
}

func flawOf(key string, kv ...any) flaw { return flaw{key: key, kv: kv} }

func (f flaw) bad() bool { return f.key != "" }

// cellFlaw is a cell's NUL byte or invalid UTF-8 (collect.CellProblem).
func cellFlaw(v string) flaw {
	switch collect.CellProblemKey(v) {
	case "":
		return flaw{}
	case "err.text.nul":
		return flawOf("err.row.nul")
	default:
		return flawOf("err.row.bad_utf8")
	}
}

// Limits of the row rules.
const (
	MaxExternalRefLen  = 64
	MaxDebtorNameRunes = 100
	MaxProvinceRunes   = 32
	MaxAmountCents     = 100_000_000_000 // 1,000,000,000.00
	MaxDPD             = 36500
	DPDTolerance       = 7  // days between the file's DPD and the due date's
	MaxBalanceRatio    = 10 // balance may exceed principal this many times
)

// ParseRow validates one record with the china conduct profile as the
// default (ParseRowProfile).
func ParseRow(rec []string, line int, idx ColumnIndex, asOf time.Time) (ImportRow, []RowError) {
	return ParseRowProfile(rec, line, idx, asOf, ConductProfileChina)
}

// ParseRowProfile validates one record as of the import date asOf (its calendar
// date in asOf's location). A cell holding a NUL byte or invalid UTF-8 (or
// the ␀ / U+FFFD a RowSource puts in their place) rejects the row, naming
// its column. Every problem of the row is reported, each naming
// its canonical column; the row is usable only when the slice is empty (the
// ImportRow then holds the normalised values; with errors it holds what could
// be parsed). Duplicate references across rows are the importer's concern.
//
// The row's conduct profile is its conduct_profile cell (china or us_regf)
// or, when that is empty, defaultProfile ("" means china). A China row needs
// an 18-character national ID, a mainland mobile and a province; its
// ssn_last4, state and zip must be empty (they are for US rows); its time
// zone is Asia/Shanghai. A US row needs ssn_last4 (and no national_id), a
// NANP phone (stored as E.164), a state and a ZIP of that state; its
// currency is USD, its Province the state code (so region reports group US
// rows by state; a province cell is not used) and its time zones
// USZones(state, zip, phone). On either, time_zone replaces the derived
// zones and consent_out_of_hours and guarantor_allowed are true/false
// (yes/no, 1/0, 是/否; empty is false).
func ParseRowProfile(rec []string, line int, idx ColumnIndex, asOf time.Time, defaultProfile string) (ImportRow, []RowError) {
	row := ImportRow{Line: line}
	var errs []RowError
	bad := func(c Column, key string, kv ...any) {
		errs = append(errs, NewRowError(line, string(c), key, kv...))
	}
	badFlaw := func(c Column, f flaw) { bad(c, f.key, f.kv...) }
	get := func(c Column) string {
		i, ok := idx[c]
		if !ok || i < 0 || i >= len(rec) {
			return ""
		}
		return cleanCell(rec[i])
	}
	// text returns the cell, checking presence and encoding; ok false when
	// the field is unusable (already reported) or empty and optional.
	text := func(c Column, required bool) (string, bool) {
		v := get(c)
		if len(v) > collect.MaxCellBytes {
			bad(c, "err.row.cell_too_long", "bytes", len(v), "max", collect.MaxCellBytes)
			return "", false
		}
		// A NUL or invalid UTF-8, raw (a caller's own record) or as the
		// marker a RowSource leaves when it cleans the cell (collect.CleanCellText).
		if f := cellFlaw(v); f.bad() {
			badFlaw(c, f)
			return "", false
		}
		if v == "" {
			if required {
				bad(c, "err.row.required")
			}
			return "", false
		}
		if hasControl(v) {
			bad(c, "err.row.control_chars")
			return "", false
		}
		return v, true
	}
	asOfDay := civilDay(asOf.Year(), int(asOf.Month()), asOf.Day())

	row.ConductProfile = defaultProfile
	if defaultProfile == "" {
		row.ConductProfile = ConductProfileChina
	}
	if v, ok := text(ColConductProfile, false); ok {
		if p, ok := normalizeConductProfile(v); ok {
			row.ConductProfile = p
		} else {
			bad(ColConductProfile, "err.row.conduct_profile", "value", quoteShort(v))
		}
	} else if !ValidConductProfile(row.ConductProfile) {
		bad(ColConductProfile, "err.row.conduct_profile", "value", quoteShort(row.ConductProfile))
	}
	us := row.ConductProfile == ConductProfileUSRegF
	// usOnly rejects a US column given on a China row.
	usOnly := func(c Column) {
		if _, ok := text(c, false); ok {
			bad(c, "err.row.us_only")
		}
	}

	if v, ok := text(ColExternalRef, true); ok {
		if n := utf8.RuneCountInString(v); n > MaxExternalRefLen {
			bad(ColExternalRef, "err.row.too_many_chars", "chars", n, "max", MaxExternalRefLen)
		} else {
			row.ExternalRef = v
		}
	}
	if v, ok := text(ColDebtorName, true); ok {
		if n := utf8.RuneCountInString(v); n > MaxDebtorNameRunes {
			bad(ColDebtorName, "err.row.too_many_chars", "chars", n, "max", MaxDebtorNameRunes)
		} else {
			row.DebtorName = v
		}
	}
	if us {
		if _, ok := text(ColNationalID, false); ok {
			bad(ColNationalID, "err.row.national_id_us")
		}
		if v, ok := text(ColSSNLast4, true); ok {
			if s, f := normalizeSSNLast4(v); f.bad() {
				badFlaw(ColSSNLast4, f)
			} else {
				row.SSNLast4 = s
			}
		}
		if v, ok := text(ColPhone, true); ok {
			if p, ok := ValidUSPhone(v); ok {
				row.Phone = p
			} else {
				bad(ColPhone, "err.row.us_phone")
			}
		}
		text(ColProvince, false) // not used, but its encoding is checked as every cell's
		stateOK, zipOK := false, false
		if v, ok := text(ColState, true); ok {
			if st, ok := normalizeState(v); ok {
				row.State, row.Province, stateOK = st, st, true
			} else {
				bad(ColState, "err.row.state", "value", quoteShort(v))
			}
		}
		if v, ok := text(ColZIP, true); ok {
			if z, ok := normalizeZIP(v); ok {
				row.ZIP, zipOK = z, true
			} else {
				bad(ColZIP, "err.row.zip", "value", quoteShort(v))
			}
		}
		if stateOK && zipOK && !zipInState(row.ZIP, row.State) {
			bad(ColZIP, "err.row.zip_state", "zip", row.ZIP, "state", row.State)
		}
	} else {
		if v, ok := text(ColNationalID, true); ok {
			if id, f := normalizeNationalID(v, asOfDay); f.bad() {
				badFlaw(ColNationalID, f)
			} else {
				row.NationalID = id
			}
		}
		usOnly(ColSSNLast4)
		if v, ok := text(ColPhone, true); ok {
			if p, ok := normalizeMobile(v); ok {
				row.Phone = p
			} else {
				bad(ColPhone, "err.row.mobile")
			}
		}
		if v, ok := text(ColProvince, true); ok {
			if n := utf8.RuneCountInString(v); n > MaxProvinceRunes {
				bad(ColProvince, "err.row.too_many_chars", "chars", n, "max", MaxProvinceRunes)
			} else {
				row.Province = v
			}
		}
		usOnly(ColState)
		usOnly(ColZIP)
	}
	amount := func(v string) string {
		if us {
			return stripDollar(v)
		}
		return v
	}
	principalOK, balanceOK := false, false
	if v, ok := text(ColPrincipal, true); ok {
		v = amount(v)
		if c, f := parseCents(v); f.bad() {
			badFlaw(ColPrincipal, f)
		} else {
			row.PrincipalCents, principalOK = c, true
		}
	}
	if v, ok := text(ColBalance, true); ok {
		v = amount(v)
		if c, f := parseCents(v); f.bad() {
			badFlaw(ColBalance, f)
		} else {
			row.BalanceCents, balanceOK = c, true
		}
	}
	if principalOK && balanceOK && row.BalanceCents > MaxBalanceRatio*row.PrincipalCents {
		bad(ColBalance, "err.row.balance_ratio", "balance", formatCents(row.BalanceCents), "ratio", MaxBalanceRatio,
			"principal", formatCents(row.PrincipalCents))
	}
	row.Currency = "CNY"
	if us {
		row.Currency = "USD"
		if v, ok := text(ColCurrency, false); ok && !normalizeUSCurrency(v) {
			bad(ColCurrency, "err.row.currency_usd", "value", quoteShort(v))
		}
	} else if v, ok := text(ColCurrency, false); ok {
		if c, ok := normalizeCurrency(v); ok {
			row.Currency = c
		} else {
			bad(ColCurrency, "err.row.currency", "value", quoteShort(v))
		}
	}
	dueDay, dueOK := 0, false
	if v, ok := text(ColDueDate, true); ok {
		if d, day, f := parseDateCell(v, asOfDay); f.bad() {
			badFlaw(ColDueDate, f)
		} else {
			row.DueDate, dueDay, dueOK = d, day, true
		}
	}
	dpdOK := false
	if v, ok := text(ColDPD, true); ok {
		if n, f := parseDPD(v); f.bad() {
			badFlaw(ColDPD, f)
		} else {
			row.DPD, dpdOK = n, true
			row.Bucket = Bucket(n, DefaultBands)
		}
	}
	if dueOK && dpdOK {
		days := asOfDay - dueDay
		if diff := row.DPD - days; diff > DPDTolerance || diff < -DPDTolerance {
			bad(ColDPD, "err.row.dpd_mismatch", "dpd", row.DPD, "due", row.DueDate, "days", days,
				"as_of", asOf.Format("2006-01-02"), "tolerance", DPDTolerance)
		}
	}
	if v, ok := text(ColLastPaymentDate, false); ok {
		if d, _, f := parseDateCell(v, asOfDay); f.bad() {
			badFlaw(ColLastPaymentDate, f)
		} else {
			row.LastPaymentDate = d
		}
	}
	if v, ok := text(ColEmergencyContactPhone, false); ok {
		if us {
			if p, ok := ValidUSPhone(v); ok {
				row.EmergencyContactPhone = p
			} else {
				bad(ColEmergencyContactPhone, "err.row.us_phone_optional")
			}
		} else if p, ok := normalizeMobile(v); ok {
			row.EmergencyContactPhone = p
		} else {
			bad(ColEmergencyContactPhone, "err.row.mobile_optional")
		}
	}
	if v, ok := text(ColTimeZone, false); ok && validTimeZone(v) {
		row.TimeZones = []string{v}
	} else {
		if ok {
			bad(ColTimeZone, "err.row.time_zone", "value", quoteShort(v))
		}
		switch {
		case !us:
			row.TimeZones = []string{ChinaTimeZone}
		case row.State != "":
			row.TimeZones = USZones(row.State, row.ZIP, row.Phone)
		}
	}
	flag := func(c Column, dst *bool) {
		if v, ok := text(c, false); ok {
			if b, ok := parseFlag(v); ok {
				*dst = b
			} else {
				bad(c, "err.row.flag", "value", quoteShort(v))
			}
		}
	}
	flag(ColConsentOutOfHours, &row.ConsentOutOfHours)
	flag(ColGuarantorAllowed, &row.GuarantorAllowed)
	return row, errs
}

// cleanCell trims a cell and unwraps Excel's text-forcing ="..." form.
func cleanCell(s string) string {
	if len(s) > 0 && (s[0] <= ' ' || s[len(s)-1] <= ' ' || s[0] >= utf8.RuneSelf || s[len(s)-1] >= utf8.RuneSelf) {
		s = strings.TrimFunc(s, collect.IsTrimRune)
	}
	if len(s) >= 3 && s[0] == '=' && s[1] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimFunc(s[2:len(s)-1], collect.IsTrimRune)
	}
	return s
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7F {
			return true
		}
	}
	for _, r := range s {
		if r >= 0x80 && r <= 0x9F {
			return true
		}
	}
	return false
}

// narrowASCII turns full-width digits and signs into ASCII (only when the
// value has non-ASCII bytes).
func narrowASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return width.Narrow.String(s)
		}
	}
	return s
}

// normalizeNationalID checks an 18-character identity number: 17 digits and
// a check character (x upper-cased), the GB 11643 checksum, and a real birth
// date not after the import date. Spaces and a leading apostrophe (Excel's
// text marker) are dropped. The message never repeats the number.
func normalizeNationalID(v string, asOfDay int) (string, flaw) {
	v = narrowASCII(v)
	v = strings.TrimPrefix(v, "'")
	if strings.ContainsAny(v, " -") {
		v = strings.NewReplacer(" ", "", "-", "").Replace(v)
	}
	if strings.ContainsAny(v, "Ee") && strings.Contains(v, "+") {
		return "", flawOf("err.row.id_scientific")
	}
	if len(v) != 18 {
		return "", flawOf("err.row.id_length", "got", utf8.RuneCountInString(v))
	}
	for i := 0; i < 17; i++ {
		if v[i] < '0' || v[i] > '9' {
			return "", flawOf("err.row.id_digits")
		}
	}
	if c := v[17]; !(c >= '0' && c <= '9') && c != 'X' && c != 'x' {
		return "", flawOf("err.row.id_digits")
	}
	if !ValidNationalID(v) {
		return "", flawOf("err.row.id_check")
	}
	y, m, d := atoi(v[6:10]), atoi(v[10:12]), atoi(v[12:14])
	if !realDate(y, m, d) || y < 1900 {
		return "", flawOf("err.row.id_birth_unreal")
	}
	if civilDay(y, m, d) > asOfDay {
		return "", flawOf("err.row.id_birth_future")
	}
	if v[17] == 'x' {
		v = v[:17] + "X"
	}
	return v, flaw{}
}

// normalizeMobile strips spaces, dashes and a +86/0086/86 prefix and checks
// the result with ValidMobile.
func normalizeMobile(v string) (string, bool) {
	v = narrowASCII(v)
	v = strings.TrimPrefix(v, "'")
	if strings.ContainsAny(v, " -") {
		v = strings.NewReplacer(" ", "", "-", "").Replace(v)
	}
	switch {
	case strings.HasPrefix(v, "+86"):
		v = v[3:]
	case len(v) == 15 && strings.HasPrefix(v, "0086"):
		v = v[4:]
	case len(v) == 13 && strings.HasPrefix(v, "86"):
		v = v[2:]
	}
	return v, ValidMobile(v)
}

// parseCents converts a decimal amount in major units to cents without
// floats: optional ¥/￥, optional thousands commas (in the right places), at
// most 2 decimals (further zeros tolerated: 12.500), non-negative, at most
// MaxAmountCents. It returns the flaw when the amount is invalid.
func parseCents(v string) (int64, flaw) {
	s := narrowASCII(v) // ￥ → ¥, full-width digits → ASCII
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimFunc(s, collect.IsTrimRune)
	if strings.HasPrefix(s, "-") {
		return 0, flawOf("err.amount.negative", "value", quoteShort(v))
	}
	format := func() (int64, flaw) {
		return 0, flawOf("err.amount.format", "value", quoteShort(v))
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if strings.IndexByte(intPart, ',') >= 0 {
		groups := strings.Split(intPart, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return format()
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return format()
			}
		}
		intPart = strings.Join(groups, "")
	}
	if intPart == "" || !allDigits(intPart) || (hasDot && (frac == "" || !allDigits(frac))) {
		return format()
	}
	if len(frac) > 2 {
		if strings.Trim(frac[2:], "0") != "" {
			return 0, flawOf("err.amount.decimals", "value", quoteShort(v))
		}
		frac = frac[:2]
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 10 {
		return 0, flawOf("err.amount.too_large", "value", quoteShort(v))
	}
	var cents int64
	for i := 0; i < len(intPart); i++ {
		cents = cents*10 + int64(intPart[i]-'0')
	}
	cents *= 100
	switch len(frac) {
	case 1:
		cents += int64(frac[0]-'0') * 10
	case 2:
		cents += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	if cents > MaxAmountCents {
		return 0, flawOf("err.amount.too_large", "value", quoteShort(v))
	}
	return cents, flaw{}
}

// formatCents writes cents as yuan with 2 decimals: 1200050 → "12000.50".
func formatCents(c int64) string {
	return string(AppendCents(nil, c))
}

// AppendCents appends cents as yuan with 2 decimals (1200050 → 12000.50).
func AppendCents(b []byte, c int64) []byte {
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	f := c % 100
	return append(b, '.', byte('0'+f/10), byte('0'+f%10))
}

// normalizeCurrency upper-cases an ISO 4217 code; RMB and 人民币 mean CNY.
func normalizeCurrency(v string) (string, bool) {
	switch v {
	case "CNY":
		return v, true
	case "人民币", "元", "RMB", "rmb", "Rmb":
		return "CNY", true
	}
	v = narrowASCII(v)
	if len(v) != 3 {
		return "", false
	}
	for i := 0; i < 3; i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return "", false
		}
	}
	v = strings.ToUpper(v)
	if v == "RMB" {
		return "CNY", true
	}
	if _, err := currency.ParseISO(v); err != nil {
		return "", false
	}
	return v, true
}

// parseDPD reads a whole number of days 0..MaxDPD ("30", "30.0" and "30天"
// accepted).
func parseDPD(v string) (int, flaw) {
	s := narrowASCII(v)
	s = strings.TrimSuffix(s, "天")
	s = strings.TrimFunc(s, collect.IsTrimRune)
	if strings.HasPrefix(s, "-") && allDigits(s[1:]) && len(s) > 1 {
		return 0, flawOf("err.row.dpd_negative", "value", quoteShort(v), "max", MaxDPD)
	}
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	if s == "" || !allDigits(s) {
		return 0, flawOf("err.row.dpd_format", "value", quoteShort(v), "max", MaxDPD)
	}
	s = strings.TrimLeft(s, "0")
	if len(s) > 5 {
		return 0, flawOf("err.row.dpd_too_large", "value", quoteShort(v), "max", MaxDPD)
	}
	n := atoi(s)
	if n > MaxDPD {
		return 0, flawOf("err.row.dpd_too_large", "value", quoteShort(v), "max", MaxDPD)
	}
	return n, flaw{}
}

// parseDateCell reads a date (see parseDate), requires it to be a real date
// not after asOfDay (the import date), and returns it as YYYY-MM-DD with its
// day number.
func parseDateCell(v string, asOfDay int) (string, int, flaw) {
	y, m, d, ok := parseDate(narrowASCII(v))
	if !ok {
		return "", 0, flawOf("err.row.date_format", "value", quoteShort(v))
	}
	if !realDate(y, m, d) {
		return "", 0, flawOf("err.row.date_unreal", "value", quoteShort(v))
	}
	day := civilDay(y, m, d)
	if day > asOfDay {
		return "", 0, flawOf("err.row.date_future", "value", quoteShort(v))
	}
	var b [10]byte
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4], b[7] = '-', '-'
	b[5], b[6] = byte('0'+m/10), byte('0'+m%10)
	b[8], b[9] = byte('0'+d/10), byte('0'+d%10)
	if v == string(b[:]) {
		return v, day, flaw{}
	}
	return string(b[:]), day, flaw{}
}

// parseDate accepts YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (months and days with
// one or two digits), YYYYMMDD and YYYY年M月D日, optionally followed by a
// time of day (" 00:00" or " 00:00:00", as Excel date-time cells show),
// which is dropped. It checks the shape only; see realDate.
func parseDate(s string) (y, m, d int, ok bool) {
	if date, clock, found := strings.Cut(s, " "); found {
		if !isClock(strings.TrimSpace(clock)) {
			return 0, 0, 0, false
		}
		s = date
	}
	if strings.HasSuffix(s, "日") && strings.Contains(s, "年") && strings.Contains(s, "月") {
		s = strings.NewReplacer("年", "-", "月", "-", "日", "").Replace(s)
	}
	if len(s) == 8 && allDigits(s) {
		return atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]), true
	}
	if len(s) < 8 || len(s) > 10 || !allDigits(s[:4]) {
		return 0, 0, 0, false
	}
	sep := s[4]
	if sep != '-' && sep != '/' && sep != '.' {
		return 0, 0, 0, false
	}
	ms, ds, found := strings.Cut(s[5:], string(sep))
	if !found || len(ms) < 1 || len(ms) > 2 || len(ds) < 1 || len(ds) > 2 || !allDigits(ms) || !allDigits(ds) {
		return 0, 0, 0, false
	}
	return atoi(s[:4]), atoi(ms), atoi(ds), true
}

// isClock matches H:MM or HH:MM with optional :SS.
func isClock(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for i, p := range parts {
		if len(p) < 1 || len(p) > 2 || !allDigits(p) || (i > 0 && len(p) != 2) {
			return false
		}
	}
	return atoi(parts[0]) < 24 && atoi(parts[1]) < 60 && (len(parts) < 3 || atoi(parts[2]) < 60)
}

func realDate(y, m, d int) bool {
	if y < 1 || m < 1 || m > 12 || d < 1 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == m
}

// civilDay numbers calendar days (days since 1970-01-01).
func civilDay(y, m, d int) int {
	return int(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi reads a short run of ASCII digits (callers check allDigits first).
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// quoteShort quotes a value for a message, cut to 24 characters.
func quoteShort(v string) string {
	if utf8.RuneCountInString(v) > 24 {
		r := []rune(v)
		v = string(r[:24]) + "…"
	}
	return strconv.Quote(v)
}
