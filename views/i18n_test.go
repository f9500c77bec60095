package views

import (
	"strings"
	"testing"

	"collect/casework/earlywarning"
)

// Every message id resolves to real text in both languages, and both files
// hold the same ids.
func TestCatalogueComplete(t *testing.T) {
	cat, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	ids := catalogueIDs(t)
	for id := range ids["en"] {
		if _, ok := ids["zh"][id]; !ok {
			t.Errorf("%s is in the en catalogue but not the zh one", id)
		}
	}
	for id := range ids["zh"] {
		if _, ok := ids["en"][id]; !ok {
			t.Errorf("%s is in the zh catalogue but not the en one", id)
		}
	}
	data := map[string]any{"Count": 3, "Page": 1, "Pages": 2, "Days": 4, "Seq": 5, "Name": "x", "At": "2026-01-02 03:04"}
	for _, lang := range []string{"zh", "en"} {
		l := cat.Localizer(lang, "")
		for id, text := range ids[lang] {
			d := data
			if strings.HasPrefix(id, "err.") { // messages name their own arguments
				d = map[string]any{}
				for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
					d[m[1]] = "x"
				}
			}
			got := l.T(id, d)
			if got == id || strings.Contains(got, "<no value>") {
				t.Errorf("%s: %s does not translate (%q)", lang, id, got)
			}
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	cat, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ choice, accept, want string }{
		{"", "", "zh"},
		{"", "en-US,en;q=0.9", "en"},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", "zh"},
		{"", "fr-FR", "zh"},
		{"en", "zh-CN", "en"},
		{"zh", "en-US", "zh"},
		{"xx", "en-GB", "en"},
	}
	for _, c := range cases {
		l := cat.Localizer(c.choice, c.accept)
		if l.Lang != c.want {
			t.Errorf("choice %q accept %q: got %s, want %s", c.choice, c.accept, l.Lang, c.want)
		}
		if got := l.T("nav.accounts"); got == "nav.accounts" {
			t.Errorf("choice %q accept %q: nav.accounts untranslated", c.choice, c.accept)
		}
	}
}

func TestMoney(t *testing.T) {
	cases := map[int64]string{0: "¥0.00", 5: "¥0.05", 123456: "¥1,234.56", 100000000: "¥1,000,000.00", -250: "-¥2.50"}
	for cents, want := range cases {
		if got := Money(cents, "CNY"); got != want {
			t.Errorf("Money(%d) = %q, want %q", cents, got, want)
		}
	}
	if got := Count(1234567); got != "1,234,567" {
		t.Errorf("Count = %q", got)
	}
}

// Every model input, reason group, band, model kind and verdict the early
// warning can show has a name in both languages.
func TestEarlyWarningNamesTranslated(t *testing.T) {
	cat, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range append(earlywarning.Names(), earlywarning.ReasonGroups()...) {
		ids = append(ids, "feature."+n)
	}
	for _, b := range []string{earlywarning.BandHigh, earlywarning.BandMedium, earlywarning.BandLow, "at_risk", "ok"} {
		ids = append(ids, "band."+b)
	}
	for _, k := range []string{earlywarning.KindPropensity, earlywarning.KindArrangementBreak} {
		ids = append(ids, "models.kind_"+k)
	}
	for _, v := range []string{earlywarning.VerdictInUse, earlywarning.VerdictNotBetter, earlywarning.VerdictNoSignal, earlywarning.VerdictInsufficient} {
		ids = append(ids, "models.verdict_"+v, "models.says_"+v)
	}
	for _, lang := range []string{"zh", "en"} {
		l := cat.Localizer(lang, "")
		for _, id := range ids {
			if l.T(id) == id {
				t.Errorf("%s: no text for %s", lang, id)
			}
		}
	}
}
