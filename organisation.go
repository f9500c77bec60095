package collect

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the zones are known wherever the binary runs
	"unicode/utf8"
)

// DefaultTimeZone is an organisation's zone when none is given.
const DefaultTimeZone = "Asia/Shanghai"

// Organisation statuses.
const (
	OrgActive    = "active"
	OrgSuspended = "suspended"
)

// OrganisationInput is what the platform administrator writes about a
// lender or an agency when onboarding or editing it.
type OrganisationInput struct {
	Kind         string   `json:"kind"`
	Name         string   `json:"name"`    // legal name (Chinese)
	NameEN       string   `json:"name_en"` // English name
	CreditCode   string   `json:"credit_code"`
	Licences     []string `json:"licences"`
	Provinces    []string `json:"provinces"`
	ContactName  string   `json:"contact_name"`
	ContactPhone string   `json:"contact_phone"`
	ContactEmail string   `json:"contact_email"`
	TimeZone     string   `json:"time_zone"`
}

// Normalise trims the fields, upper-cases the credit code, drops empty
// list entries and defaults the time zone.
func (in OrganisationInput) Normalise() OrganisationInput {
	in.Kind = strings.TrimSpace(in.Kind)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	in.CreditCode = NormalCreditCode(in.CreditCode)
	in.ContactName = strings.TrimSpace(in.ContactName)
	in.ContactPhone = strings.TrimSpace(in.ContactPhone)
	in.ContactEmail = strings.ToLower(strings.TrimSpace(in.ContactEmail))
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		in.TimeZone = DefaultTimeZone
	}
	clean := func(l []string) []string {
		out := []string{}
		for _, s := range l {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	in.Licences, in.Provinces = clean(in.Licences), clean(in.Provinces)
	return in
}

// Validate checks a normalised input: nil, or EINVALID with a field error
// for each bad field.
func (in OrganisationInput) Validate() error { return in.validate("") }

// ValidateEdit is Validate for an edit of before: an organisation from
// before onboarding, without a credit code, may be edited without one.
func (in OrganisationInput) ValidateEdit(before Organisation) error {
	if before.CreditCode == "" && in.CreditCode == "" {
		return in.validate("no code")
	}
	return in.validate("")
}

func (in OrganisationInput) validate(mode string) error {
	var fields []FieldError
	if in.Kind != KindLender && in.Kind != KindAgency {
		fields = append(fields, Field("kind", "err.org.kind"))
	}
	text := func(field, v string, required bool, max int) {
		switch {
		case v == "" && required:
			fields = append(fields, Field(field, "err.form.required"))
		case utf8.RuneCountInString(v) > max:
			fields = append(fields, Field(field, "err.org.too_long", "max", max))
		case TextFlaw(v) != "":
			fields = append(fields, Field(field, "err.text.bad_utf8"))
		}
	}
	text("name", in.Name, true, 200)
	text("name_en", in.NameEN, false, 200)
	if f := CheckCreditCode("credit_code", in.CreditCode); f != nil && mode != "no code" {
		fields = append(fields, *f)
	}
	text("contact_name", in.ContactName, false, 100)
	text("contact_phone", in.ContactPhone, false, 32)
	text("contact_email", in.ContactEmail, false, 254)
	if in.ContactEmail != "" {
		if a, err := mail.ParseAddress(in.ContactEmail); err != nil || a.Address != in.ContactEmail {
			fields = append(fields, Field("contact_email", "err.org.email"))
		}
	}
	if !ValidTimeZone(in.TimeZone) {
		fields = append(fields, Field("time_zone", "err.org.time_zone", "zone", in.TimeZone))
	}
	if len(in.Licences) > 50 {
		fields = append(fields, Field("licences", "err.org.too_many", "max", 50))
	}
	for _, l := range in.Licences {
		if utf8.RuneCountInString(l) > 200 || TextFlaw(l) != "" {
			fields = append(fields, Field("licences", "err.org.too_long", "max", 200))
			break
		}
	}
	for _, p := range in.Provinces {
		if utf8.RuneCountInString(p) > 32 || strings.Contains(p, ",") || TextFlaw(p) != "" {
			fields = append(fields, Field("provinces", "err.agency_profile.provinces"))
			break
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return E(EINVALID, "err.form.check_fields").WithFields(fields...)
}

// ValidTimeZone reports whether name is an IANA zone name ("Asia/Shanghai");
// "Local" and the empty name (UTC) are not accepted.
func ValidTimeZone(name string) bool {
	if name == "" || name == "Local" || strings.ContainsAny(name, " \\") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// StatusChange decides a suspension or reactivation of org: whether the
// status changes (asking for the status it has changes nothing and is not
// an error), and the platform itself is never suspended.
func StatusChange(org Organisation, to string) (bool, error) {
	switch {
	case to != OrgActive && to != OrgSuspended:
		return false, Invalid("status", "err.status.active_or_suspended")
	case org.Kind == KindPlatform:
		return false, E(ECONFLICT, "err.org.platform_status")
	}
	return org.Status != to, nil
}
