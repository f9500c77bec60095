package allocation

import "testing"

func TestSearchIdentity(t *testing.T) {
	for _, c := range []struct{ q, id, phone string }{
		{"11010519491231002X", "11010519491231002X", ""},
		{"11010519491231002x", "11010519491231002X", ""},
		{" 110105 19491231 002X ", "11010519491231002X", ""},
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", ""},
		{"110105194912310021", "", ""}, // wrong check character
		{"13800138000", "", "13800138000"},
		{"+86 138-0013-8000", "", "13800138000"},
		{"8613800138000", "", "13800138000"},
		{"12800138000", "", ""}, // not a mobile prefix
		{"王伟", "", ""},
		{"BULK-000123", "", ""},
		{"", "", ""},
	} {
		id, phone := SearchIdentity(c.q)
		if id != c.id || phone != c.phone {
			t.Errorf("SearchIdentity(%q) = %q, %q; want %q, %q", c.q, id, phone, c.id, c.phone)
		}
	}
}
