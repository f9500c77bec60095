package collect

import "testing"

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		pw, email, key string
	}{
		{"correct horse battery", "ana@bank.test", ""},
		{"长城万里长江万里黄河", "ana@bank.test", "err.password.too_short"}, // 10 runes though 30 bytes
		{"长城万里长江万里黄河长江", "ana@bank.test", ""},                     // 12 runes
		{"short-one", "ana@bank.test", "err.password.too_short"},
		{"elevenchars", "ana@bank.test", "err.password.too_short"},
		{"twelve-chars", "ana@bank.test", ""},
		{string(make([]byte, 73)), "", "err.password.too_long"},
		{"Password1234", "ana@bank.test", "err.password.common"},
		{"QWERTY123456", "ana@bank.test", "err.password.common"},
		{"woaini1314520", "ana@bank.test", "err.password.common"},
		{"demo-password", "vm@demo-bank.test", "err.password.common"},
		{"aaaaaaaaaaaaaa", "ana@bank.test", "err.password.common"},
		{"zhang.wei@bank.test", "zhang.wei@bank.test", "err.password.like_email"},
		{"zhang.wei2026", "Zhang.Wei@bank.test", "err.password.like_email"},
		{"zhang.wei is my name, hello", "zhang.wei@bank.test", ""},
	}
	for _, c := range cases {
		err := CheckPassword(c.pw, c.email)
		got := ""
		if err != nil {
			e := err.(*Error)
			got = e.Key
			if e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "password" {
				t.Errorf("%q: error %+v, want one password field", c.pw, e)
			}
		}
		if got != c.key {
			t.Errorf("CheckPassword(%q, %q) = %q, want %q", c.pw, c.email, got, c.key)
		}
	}
}

func TestValidCreditCode(t *testing.T) {
	cases := []struct {
		code string
		ok   bool
	}{
		{"91350100M000100Y43", true}, // GB 32100-2015's own example
		{"9144030071526726XG", true}, // 腾讯科技（深圳）有限公司
		{"914403001922038216", true}, // 华为技术有限公司
		{"91330100799655058B", true}, // 阿里巴巴（中国）有限公司
		{"911100007109311097", true},
		{"91350100M000100Y44", false}, // wrong check character
		{"9144030071526726XH", false},
		{"914403001922038217", false},
		{"91440300715267260G", false}, // one body character changed
		{"9144030071526726X", false},  // 17 characters
		{"9144030071526726XGG", false},
		{"9144030071526726xg", false}, // lower case: normalise first
		{"91440300I1526726XG", false}, // I is not in the alphabet
		{"914403O07152672XGX", false}, // O neither
		{"9144A30071526726XG", false}, // division code must be digits
		{"01350100M000100Y43", false}, // no authority 0
		{"", false},
		{"９１３５０１００M000100Y43", false}, // full-width digits
	}
	for _, c := range cases {
		if got := ValidCreditCode(c.code); got != c.ok {
			t.Errorf("ValidCreditCode(%q) = %v, want %v", c.code, got, c.ok)
		}
	}
	if got := NormalCreditCode(" 9144030071526726xg "); got != "9144030071526726XG" || !ValidCreditCode(got) {
		t.Errorf("NormalCreditCode = %q", got)
	}
	if f := CheckCreditCode("credit_code", "91350100M000100Y44"); f == nil || f.Key != "err.org.credit_code_check" {
		t.Errorf("CheckCreditCode bad check = %+v", f)
	}
	if f := CheckCreditCode("credit_code", "123"); f == nil || f.Key != "err.org.credit_code_length" {
		t.Errorf("CheckCreditCode short = %+v", f)
	}
	if f := CheckCreditCode("credit_code", "91350100M000100Y43"); f != nil {
		t.Errorf("CheckCreditCode valid = %+v", f)
	}
}
