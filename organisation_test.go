package collect

import (
	"slices"
	"strings"
	"testing"
)

func TestOrganisationInput(t *testing.T) {
	good := OrganisationInput{Kind: "lender", Name: " 华信银行股份有限公司 ", NameEN: "Huaxin Bank", CreditCode: "91350100m000100y43 ",
		Licences: []string{" 金融许可证 B0001H ", "", "金融许可证 B0001H"}, Provinces: []string{"广东", " 福建"}, ContactEmail: " Ops@Huaxin.test"}
	n := good.Normalise()
	if n.Name != "华信银行股份有限公司" || n.CreditCode != "91350100M000100Y43" || n.TimeZone != "Asia/Shanghai" ||
		!slices.Equal(n.Licences, []string{"金融许可证 B0001H"}) || !slices.Equal(n.Provinces, []string{"广东", "福建"}) || n.ContactEmail != "ops@huaxin.test" {
		t.Fatalf("normalised %+v", n)
	}
	if err := n.Validate(); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(*OrganisationInput)
		field string
		key   string
	}{
		{"platform kind", func(in *OrganisationInput) { in.Kind = "platform" }, "kind", "err.org.kind"},
		{"no name", func(in *OrganisationInput) { in.Name = "" }, "name", "err.form.required"},
		{"long name", func(in *OrganisationInput) { in.Name = strings.Repeat("银", 201) }, "name", "err.org.too_long"},
		{"bad check", func(in *OrganisationInput) { in.CreditCode = "91350100M000100Y44" }, "credit_code", "err.org.credit_code_check"},
		{"short code", func(in *OrganisationInput) { in.CreditCode = "9135" }, "credit_code", "err.org.credit_code_length"},
		{"no code", func(in *OrganisationInput) { in.CreditCode = "" }, "credit_code", "err.org.credit_code_required"},
		{"zone", func(in *OrganisationInput) { in.TimeZone = "Mars/Olympus" }, "time_zone", "err.org.time_zone"},
		{"local zone", func(in *OrganisationInput) { in.TimeZone = "Local" }, "time_zone", "err.org.time_zone"},
		{"email", func(in *OrganisationInput) { in.ContactEmail = "not an email" }, "contact_email", "err.org.email"},
		{"province comma", func(in *OrganisationInput) { in.Provinces = []string{"广东,福建"} }, "provinces", "err.agency_profile.provinces"},
	}
	for _, c := range cases {
		in := n
		c.edit(&in)
		err := in.Validate()
		e, ok := err.(*Error)
		if !ok || e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != c.field || e.Fields[0].Key != c.key {
			t.Errorf("%s: %+v, want field %s %s", c.name, err, c.field, c.key)
		}
	}
	in := n
	in.TimeZone = "America/New_York"
	if err := in.Validate(); err != nil {
		t.Errorf("New York zone refused: %v", err)
	}
}

func TestStatusChange(t *testing.T) {
	cases := []struct {
		org     Organisation
		to      string
		changes bool
		code    string
	}{
		{Organisation{Kind: KindAgency, Status: OrgActive}, OrgSuspended, true, ""},
		{Organisation{Kind: KindLender, Status: OrgSuspended}, OrgActive, true, ""},
		{Organisation{Kind: KindLender, Status: OrgActive}, OrgActive, false, ""},
		{Organisation{Kind: KindAgency, Status: OrgSuspended}, OrgSuspended, false, ""},
		{Organisation{Kind: KindPlatform, Status: OrgActive}, OrgSuspended, false, ECONFLICT},
		{Organisation{Kind: KindAgency, Status: OrgActive}, "closed", false, EINVALID},
	}
	for _, c := range cases {
		changes, err := StatusChange(c.org, c.to)
		got := ""
		if err != nil {
			got = ErrorCode(err)
		}
		if got != c.code || changes != c.changes {
			t.Errorf("%+v -> %s: %v %q, want %v %q", c.org, c.to, changes, got, c.changes, c.code)
		}
	}
}

func TestValidateEdit(t *testing.T) {
	legacy := Organisation{Kind: KindAgency, Name: "Agency C"}
	in := OrganisationInput{Kind: KindAgency, Name: "丙和商务咨询有限公司"}.Normalise()
	if err := in.ValidateEdit(legacy); err != nil {
		t.Errorf("an organisation without a code edited without one: %v", err)
	}
	if err := in.Validate(); err == nil {
		t.Errorf("a new organisation without a code accepted")
	}
	coded := Organisation{Kind: KindAgency, CreditCode: "9144030071526726XG"}
	if err := in.ValidateEdit(coded); err == nil {
		t.Errorf("an edit dropping the credit code accepted")
	}
	in.CreditCode = "9144030071526726XH"
	if err := in.ValidateEdit(legacy); err == nil {
		t.Errorf("a wrong code added on an edit accepted")
	}
}
