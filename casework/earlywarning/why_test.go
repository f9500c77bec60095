package earlywarning_test

import (
	"testing"

	"collect/casework/earlywarning"
	"collect/views"
)

// A model that cannot be trained says why in English in the words it used
// before they were catalogue keys (the API's why), and in Chinese on a page.
func TestFitWhyTexts(t *testing.T) {
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	zh := cat.Localizer("zh", "")
	many := func(n int, y func(i int) bool) earlywarning.Examples {
		var e earlywarning.Examples
		for i := range n {
			e.X = append(e.X, []float64{float64(i)})
			e.Y = append(e.Y, y(i))
		}
		return e
	}
	tests := []struct {
		name   string
		train  earlywarning.Examples
		en, zh string
	}{
		{"too few", many(3, func(i int) bool { return i == 0 }),
			"earlywarning: 3 examples, need at least 50", "训练样本仅 3 个，至少需要 50 个"},
		{"one class", many(60, func(int) bool { return false }),
			"earlywarning: all 60 examples are of one class", "全部 60 个训练样本的结果相同，无法训练"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := earlywarning.Fit(earlywarning.KindPropensity, tt.train, earlywarning.Examples{})
			if f.Verdict != earlywarning.VerdictInsufficient || f.Why != tt.en {
				t.Errorf("verdict %s why %q, want %q", f.Verdict, f.Why, tt.en)
			}
			if got := views.English().Message(f.WhyKey, f.WhyArgs); got != tt.en {
				t.Errorf("the key %s says %q in English", f.WhyKey, got)
			}
			if got := zh.Message(f.WhyKey, f.WhyArgs); got != tt.zh {
				t.Errorf("Chinese %q, want %q", got, tt.zh)
			}
		})
	}
}
