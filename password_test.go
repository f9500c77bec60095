package collect

import (
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, pw, key string
	}{
		{"long and uncommon", "correct horse battery", ""},
		{"the demo password", "demo-password", ""},
		{"twelve characters exactly", "Tq7#vLm2pXw9", ""},
		{"Chinese characters count as characters", "我的密码是长城永远不倒啊", ""},
		{"eleven characters", "Tq7#vLm2pXw", "err.password.too_short"},
		{"empty", "", "err.password.too_short"},
		{"beyond what bcrypt reads", strings.Repeat("ab1", 25), "err.password.too_long"},
		{"listed word with digits", "password1234", "err.password.common"},
		{"listed word with digits and punctuation", "iloveyou2024!", "err.password.common"},
		{"listed word any case", "PASSWORD1234", "err.password.common"},
		{"listed word repeated", "qwertyqwerty", "err.password.common"},
		{"digits only after a listed word", "monkey123456", "err.password.common"},
		{"short pattern repeated", "abcabcabcabc", "err.password.common"},
		{"one character repeated", "aaaaaaaaaaaaaa", "err.password.common"},
		{"digits only", "123456789012", "err.password.common"},
		{"letters in a run", "abcdefghijklm", "err.password.pattern"},
		{"letters in a run down", "zyxwvutsrqpon", "err.password.pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.pw)
			if tt.key == "" {
				if err != nil {
					t.Fatalf("CheckPassword(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Key != tt.key || e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "password" {
				t.Fatalf("CheckPassword(%q) = %#v, want %s on field password", tt.pw, err, tt.key)
			}
		})
	}
}

func TestCommonPasswordsEmbedded(t *testing.T) {
	list := commonPasswords()
	if len(list) < 3000 {
		t.Fatalf("the embedded list holds %d passwords, want the few thousand of password.lst", len(list))
	}
	for _, pw := range []string{"123456", "password", "qwerty", "letmein"} {
		if !list[pw] {
			t.Errorf("%q missing from the list", pw)
		}
	}
}
