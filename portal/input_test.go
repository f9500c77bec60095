package portal

import (
	"collect"
	"errors"
	"testing"
)

func TestCheckJSONText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, field string // field "" = accepted
	}{
		{"Plain", `{"note":"你好","n":3,"ok":true,"x":null}`, ""},
		{"EscapedBackslashU", `{"note":"\\u0000 is text"}`, ""},
		{"NULValue", `{"note":"a\u0000b"}`, "note"},
		{"NULUpperHex", `{"note":"\u0000"}`, "note"},
		{"InvalidUTF8", "{\"note\":\"\xff\xfe\"}", "note"},
		{"Nested", `{"params":{"rules":[{"province":"x"},{"province":"\u0000"}]}}`, "params.rules[1].province"},
		{"ArrayOfStrings", `{"ids":["a","b","c\u0000"]}`, "ids[2]"},
		{"AfterNumbers", `{"a":[1,2,{"b":"\u0000"}]}`, "a[2].b"},
		{"Key", `{"no\u0000te":"x"}`, `field name "no\x00te"`},
		{"BadKeyBytes", "{\"\xffk\":\"x\"}", `field name "` + "\uFFFD" + `k"`},
		{"TopLevelString", `"\u0000"`, "body"},
		{"Malformed", `{"note":`, ""}, // the decoder says what is wrong
		{"LoneSurrogate", `{"note":"\ud800"}`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkJSONText([]byte(c.body))
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var br badRequest
			if !errors.As(err, &br) || br.err.Code != collect.EINVALID || len(br.err.Fields) != 1 || br.err.Fields[0].Field != c.field {
				t.Fatalf("got %v, want a 400 naming %q", err, c.field)
			}
		})
	}
}

func TestTextProblem(t *testing.T) {
	t.Parallel()
	for s, bad := range map[string]bool{"": false, "张三 LN-1": false, "a\x00": true, "\xff": true, "\xe4\xbd": true, "ok\u3000": false} {
		if got := textProblem(s) != ""; got != bad {
			t.Errorf("textProblem(%q) bad = %v, want %v", s, got, bad)
		}
	}
}
