package oversight_test

import (
	"testing"

	"collect/oversight"
	"collect/views"
)

// Each way the chain breaks says why in the API's English, the words it
// said before the reasons were catalogue keys, and in Chinese on a page.
func TestChainBreakReasons(t *testing.T) {
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	zh := cat.Localizer("zh", "")
	tests := []struct {
		name     string
		events   func(c []oversight.AuditEvent) []oversight.AuditEvent
		headSeq  int64
		headHash string // "" for the last event's hash
		en, zh   string
	}{
		{"event missing", func(c []oversight.AuditEvent) []oversight.AuditEvent { return append(c[:2:2], c[3:]...) }, 5, "",
			"event 3 is missing (next found is 4)", "第 3 条事件缺失（其后找到的是第 4 条）"},
		{"link broken", func(c []oversight.AuditEvent) []oversight.AuditEvent { c[2].PrevHash = "00"; return c }, 5, "",
			"previous-hash link does not match the event before it", "前一哈希链接与上一条事件不符"},
		{"content edited", func(c []oversight.AuditEvent) []oversight.AuditEvent { c[2].Summary = "nothing"; return c }, 5, "",
			"event content does not match its hash", "事件内容与其哈希值不符"},
		{"tail missing", func(c []oversight.AuditEvent) []oversight.AuditEvent { return c[:3] }, 5, "",
			"events 4 to 5 are missing from the end", "末尾缺失第 4 至第 5 条事件"},
		{"beyond the head", func(c []oversight.AuditEvent) []oversight.AuditEvent { return c }, 4, "",
			"events were added after the chain head, outside the application", "链头之后有事件被添加，并非经由本系统写入"},
		{"head differs", func(c []oversight.AuditEvent) []oversight.AuditEvent { return c }, 5, "deadbeef",
			"the last event does not match the chain head", "最后一条事件与链头不符"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sealedChain(5)
			hh := tt.headHash
			if hh == "" {
				hh = c[4].Hash
			}
			r := verify(tt.events(c), tt.headSeq, hh)
			if r.Break == nil {
				t.Fatalf("no break: %+v", r)
			}
			if r.Break.Reason != tt.en {
				t.Errorf("English %q, want %q", r.Break.Reason, tt.en)
			}
			if got := views.English().Message(r.Break.Key, r.Break.Args); got != tt.en {
				t.Errorf("the key %s renders %q in English, want %q", r.Break.Key, got, tt.en)
			}
			if got := zh.Message(r.Break.Key, r.Break.Args); got != tt.zh {
				t.Errorf("Chinese %q, want %q", got, tt.zh)
			}
		})
	}
}
