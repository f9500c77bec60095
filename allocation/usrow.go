package allocation

// US rows of a portfolio file (API.md "Portfolio files"): the conduct
// profile of a row, the US identity (last four of the SSN), NANP phone
// numbers, USPS state and ZIP codes, and the debtor's time zone(s) from the
// address and the phone's area code. ParseRowProfile (importrow.go) applies
// these rules to the rows whose profile is us_regf.
//
// The zone tables are embedded data made up from public knowledge:
// us_zip_prefixes.csv (the ZIP ranges of each state and their zones) and
// us_area_codes.csv (the zones of each US area code). Where a zone boundary
// runs inside a 3-digit ZIP prefix the table lists every zone of the prefix
// (the caller must then suit all of them), so those prefixes over-report
// rather than guess. Known approximations:
//   - ZIPs are matched by their 3-digit prefix, except a few 5-digit
//     exceptions (Adak/Atka AK, American Samoa inside Hawaii's 967, Guam and
//     the Northern Marianas in 969, West Wendover and Jackpot NV, Alta WY,
//     Fishers Island NY).
//   - Split prefixes listed with both zones: FL 324; ID 835; IN 465, 475;
//     KS 677-678; KY 401, 426, 427; MI 498-499; NE 690-692; ND 585, 586, 588;
//     SD 575-576; TN 373, 377; AZ 860, 865 (the Navajo Nation keeps DST).
//     Prefixes given one zone may still hold a few addresses of the other
//     (e.g. parts of Idaho County in 835, Kenton OK, Phenix City AL which
//     unofficially keeps Eastern time, the Hopi reservation inside the
//     Navajo prefixes).
//   - One IANA name per set of rules: America/New_York for all of Eastern
//     time (Detroit, Indiana, Kentucky), America/Chicago for Central,
//     America/Denver for Mountain (Boise), America/Phoenix for Arizona,
//     America/Puerto_Rico for Puerto Rico and the Virgin Islands,
//     Pacific/Guam for Guam and the Northern Marianas. Their current rules
//     are the same as the finer zones'.
//   - The area code table is as of about 2024; newer overlays add no zone.

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/unicode/norm"
)

// The conduct profiles a row can have (casework's conduct profiles of the
// same names).
const (
	ConductProfileChina  = "china"
	ConductProfileUSRegF = "us_regf"
)

// ChinaTimeZone is the time zone of every China row without an override.
const ChinaTimeZone = "Asia/Shanghai"

// ValidConductProfile reports whether name is a conduct profile a portfolio
// import accepts (china or us_regf).
func ValidConductProfile(name string) bool {
	return name == ConductProfileChina || name == ConductProfileUSRegF
}

// normalizeConductProfile reads a conduct_profile cell: case and hyphens
// are folded ("US-RegF" is us_regf).
func normalizeConductProfile(v string) (string, bool) {
	v = strings.ReplaceAll(strings.ToLower(narrowASCII(v)), "-", "_")
	return v, ValidConductProfile(v)
}

// stateZone is each USPS code's main time zone (the zone of most of its
// people): the 50 states, DC and the five inhabited territories. Military
// (AA, AE, AP) and the freely associated states are not accepted.
var stateZone = map[string]string{
	"AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix", "AR": "America/Chicago",
	"CA": "America/Los_Angeles", "CO": "America/Denver", "CT": "America/New_York", "DE": "America/New_York",
	"DC": "America/New_York", "FL": "America/New_York", "GA": "America/New_York", "HI": "Pacific/Honolulu",
	"ID": "America/Denver", "IL": "America/Chicago", "IN": "America/New_York", "IA": "America/Chicago",
	"KS": "America/Chicago", "KY": "America/New_York", "LA": "America/Chicago", "ME": "America/New_York",
	"MD": "America/New_York", "MA": "America/New_York", "MI": "America/New_York", "MN": "America/Chicago",
	"MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver", "NE": "America/Chicago",
	"NV": "America/Los_Angeles", "NH": "America/New_York", "NJ": "America/New_York", "NM": "America/Denver",
	"NY": "America/New_York", "NC": "America/New_York", "ND": "America/Chicago", "OH": "America/New_York",
	"OK": "America/Chicago", "OR": "America/Los_Angeles", "PA": "America/New_York", "RI": "America/New_York",
	"SC": "America/New_York", "SD": "America/Chicago", "TN": "America/Chicago", "TX": "America/Chicago",
	"UT": "America/Denver", "VT": "America/New_York", "VA": "America/New_York", "WA": "America/Los_Angeles",
	"WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
	"PR": "America/Puerto_Rico", "VI": "America/Puerto_Rico", "GU": "Pacific/Guam", "MP": "Pacific/Guam",
	"AS": "Pacific/Pago_Pago",
}

//go:embed us_zip_prefixes.csv
var zipPrefixCSV string

//go:embed us_area_codes.csv
var areaCodeCSV string

// zipRange is one line of us_zip_prefixes.csv.
type zipRange struct {
	state string
	zones []string
}

// usTables are the parsed zone tables: the range of each 3-digit prefix,
// the 5-digit exceptions, and the zones of each area code.
type usTables struct {
	prefix [1000]*zipRange
	exact  map[int]*zipRange
	area   [1000][]string
}

var loadUSTables = sync.OnceValue(func() *usTables {
	t, err := parseUSTables(zipPrefixCSV, areaCodeCSV)
	if err != nil {
		panic("allocation: " + err.Error())
	}
	return t
})

func readTable(name, text string, header string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	r.FieldsPerRecord = len(strings.Split(header, ","))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != header {
		return nil, fmt.Errorf("%s: header is not %s", name, header)
	}
	return recs[1:], nil
}

func parseUSTables(zips, areas string) (*usTables, error) {
	t := &usTables{exact: map[int]*zipRange{}}
	recs, err := readTable("us_zip_prefixes.csv", zips, "state,first,last,zones")
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		st, first, last := rec[0], rec[1], rec[2]
		zones := strings.Fields(rec[3])
		if _, ok := stateZone[st]; !ok || len(zones) == 0 || len(first) != len(last) || !allDigits(first) || !allDigits(last) ||
			(len(first) != 3 && len(first) != 5) || first > last {
			return nil, fmt.Errorf("us_zip_prefixes.csv: bad line %q", rec)
		}
		r := &zipRange{state: st, zones: zones}
		for n := atoi(first); n <= atoi(last); n++ {
			if len(first) == 3 {
				if t.prefix[n] != nil {
					return nil, fmt.Errorf("us_zip_prefixes.csv: prefix %03d listed twice", n)
				}
				t.prefix[n] = r
			} else {
				if t.exact[n] != nil {
					return nil, fmt.Errorf("us_zip_prefixes.csv: ZIP %05d listed twice", n)
				}
				t.exact[n] = r
			}
		}
	}
	recs, err = readTable("us_area_codes.csv", areas, "area_code,state,zones")
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		code, st := rec[0], rec[1]
		zones := strings.Fields(rec[2])
		if _, ok := stateZone[st]; !ok || len(zones) == 0 || len(code) != 3 || !allDigits(code) || code[0] < '2' {
			return nil, fmt.Errorf("us_area_codes.csv: bad line %q", rec)
		}
		n := atoi(code)
		if t.area[n] != nil {
			return nil, fmt.Errorf("us_area_codes.csv: area code %s listed twice", code)
		}
		t.area[n] = zones
	}
	return t, nil
}

// zipRangeOf is the table entry of a 5-digit ZIP (nil when no state has it).
func (t *usTables) zipRangeOf(zip5 string) *zipRange {
	if len(zip5) != 5 || !allDigits(zip5) {
		return nil
	}
	if r := t.exact[atoi(zip5)]; r != nil {
		return r
	}
	return t.prefix[atoi(zip5[:3])]
}

// normalizeState upper-cases a USPS code and checks it is a state, DC or an
// inhabited territory.
func normalizeState(v string) (string, bool) {
	v = strings.ToUpper(narrowASCII(v))
	_, ok := stateZone[v]
	return v, ok
}

// normalizeZIP reads a ZIP code: 5 digits, or ZIP+4 (12345-6789, 12345 6789
// or 123456789), of which it keeps the 5.
func normalizeZIP(v string) (string, bool) {
	v = strings.TrimPrefix(narrowASCII(v), "'")
	switch {
	case len(v) == 5 && allDigits(v):
		return v, true
	case len(v) == 9 && allDigits(v):
		return v[:5], true
	case len(v) == 10 && (v[5] == '-' || v[5] == ' ') && allDigits(v[:5]) && allDigits(v[6:]):
		return v[:5], true
	}
	return "", false
}

// zipInState reports whether the 5-digit zip is one of state's.
func zipInState(zip5, state string) bool {
	r := loadUSTables().zipRangeOf(zip5)
	return r != nil && r.state == state
}

// normalizeSSNLast4 checks the last four digits of a Social Security number:
// exactly 4 digits (an apostrophe Excel puts before text is dropped), never
// 0000 (no SSN ends so).
func normalizeSSNLast4(v string) (string, flaw) {
	v = strings.TrimPrefix(narrowASCII(v), "'")
	if len(v) != 4 || !allDigits(v) {
		return "", flawOf("err.row.ssn_last4")
	}
	if v == "0000" {
		return "", flawOf("err.row.ssn_last4_zero")
	}
	return v, flaw{}
}

// ValidUSPhone reads a NANP number: 10 digits, optionally after 1 or +1,
// with spaces, dashes, dots and brackets between them ("+1 (212) 555-0100",
// "212.555.0100", "1-212-555-0100"); the area code and the exchange must not
// start with 0 or 1. It returns the number as E.164 (+12125550100). Numbers
// of Canada and the Caribbean are valid NANP numbers too (their area codes
// give no US zone).
func ValidUSPhone(s string) (e164 string, ok bool) {
	s = strings.TrimFunc(narrowASCII(s), func(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' })
	s = strings.TrimPrefix(s, "'")
	var d [11]byte
	n, plus := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == '+':
			if n > 0 || plus {
				return "", false
			}
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	digits := d[:n]
	switch {
	case n == 11 && d[0] == '1':
		digits = d[1:11]
	case n == 10 && !plus:
	default:
		return "", false
	}
	if digits[0] < '2' || digits[3] < '2' {
		return "", false
	}
	return "+1" + string(digits), true
}

// USZones is the time zones a US debtor may be in: those of the address
// (the ZIP's range, or the state's main zone when the ZIP is missing, not a
// ZIP or not the state's), then any further zone of the phone's area code
// (when the number is a valid NANP number with a US area code), without
// duplicates. It is never empty for a valid state; for an unknown state it
// holds only the phone's zones (nil when there are none). state may be
// lower case; zip may be ZIP+4; phone any form ValidUSPhone reads.
func USZones(state, zip, phone string) []string {
	t := loadUSTables()
	var zones []string
	add := func(zs ...string) {
		for _, z := range zs {
			dup := false
			for _, have := range zones {
				dup = dup || have == z
			}
			if !dup {
				zones = append(zones, z)
			}
		}
	}
	if st, ok := normalizeState(strings.TrimSpace(state)); ok {
		zip5, _ := normalizeZIP(strings.TrimSpace(zip))
		if r := t.zipRangeOf(zip5); r != nil && r.state == st {
			add(r.zones...)
		} else {
			add(stateZone[st])
		}
	}
	if p, ok := ValidUSPhone(phone); ok {
		add(t.area[atoi(p[2:5])]...)
	}
	return zones
}

// zoneCache holds the time_zone names time.LoadLocation accepted (only
// valid ones, so the cache stays as small as the zone database).
var zoneCache sync.Map

// validTimeZone reports whether name is an IANA zone name time.LoadLocation
// knows ("Local", the empty name and anything not shaped like a zone name
// are not).
func validTimeZone(name string) bool {
	if name == "" || name == "Local" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+') {
			return false
		}
	}
	if _, ok := zoneCache.Load(name); ok {
		return true
	}
	if _, err := time.LoadLocation(name); err != nil {
		return false
	}
	zoneCache.Store(name, true)
	return true
}

// parseFlag reads a true/false cell: true, yes, 1, 是 or false, no, 0, 否
// (any case).
func parseFlag(v string) (value, ok bool) {
	switch strings.ToLower(narrowASCII(v)) {
	case "true", "yes", "1", "是":
		return true, true
	case "false", "no", "0", "否":
		return false, true
	}
	return false, false
}

// normalizeUSCurrency reads the currency of a US row: only USD ($, US$ and
// 美元 mean it).
func normalizeUSCurrency(v string) bool {
	switch v {
	case "$", "US$", "美元":
		return true
	}
	c, ok := normalizeCurrency(v)
	return ok && c == "USD"
}

// stripDollar drops a leading $ or US$ from a US row's amount.
func stripDollar(v string) string {
	if s, ok := strings.CutPrefix(v, "US$"); ok {
		return strings.TrimFunc(s, func(r rune) bool { return r == ' ' })
	}
	if s, ok := strings.CutPrefix(v, "$"); ok {
		return strings.TrimFunc(s, func(r rune) bool { return r == ' ' })
	}
	return v
}

// DebtorIdentity is the canonical identity of a row's debtor, which a store
// hashes with a secret key to link one debtor's accounts at one lender:
// "cn:" and the upper-case national ID for a China row; "us:", the last four
// digits of the SSN, ":" and the debtor's name (NFKC, lower case, runs of
// white space collapsed to one space) for a US row. The last four digits
// alone would link strangers (one in ten thousand people shares them), so a
// US identity also needs the name; two debtors of the same name and the same
// last four still share one, and one debtor written two ways does not.
func DebtorIdentity(row ImportRow) string {
	if row.ConductProfile == ConductProfileUSRegF {
		name := strings.Join(strings.Fields(strings.ToLower(norm.NFKC.String(row.DebtorName))), " ")
		return "us:" + row.SSNLast4 + ":" + name
	}
	return "cn:" + strings.ToUpper(row.NationalID)
}
