package views

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFiles embed.FS

// Languages the portal speaks, Simplified Chinese first (the default).
var Languages = []language.Tag{language.SimplifiedChinese, language.English}

// LangCodes are the short codes used in the switch and the cookie.
var LangCodes = map[string]language.Tag{"zh": language.SimplifiedChinese, "en": language.English}

// Catalogue is the one message catalogue: every string a page shows comes
// from locales/*.json through it.
type Catalogue struct{ bundle *i18n.Bundle }

// LoadCatalogue reads the embedded message files.
func LoadCatalogue() (*Catalogue, error) {
	b := i18n.NewBundle(language.Chinese) // zh.json is tagged "zh"; zh-Hans requests match it
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil {
		return nil, err
	}
	// zh.json and en.json hold the pages' words; <area>.zh.json and
	// <area>.en.json beside them hold an area's messages (errors of a module).
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(localeFiles, f); err != nil {
			return nil, err
		}
	}
	return &Catalogue{bundle: b}, nil
}

// Localizer translates for one request's language.
type Localizer struct {
	Lang string // "zh" or "en"
	loc  *i18n.Localizer
}

// Localizer picks the language: the explicit choice (cookie or switch) when
// it names one we speak, else the best match for Accept-Language, else zh.
func (c *Catalogue) Localizer(choice, acceptLanguage string) *Localizer {
	lang := ""
	if _, ok := LangCodes[choice]; ok {
		lang = choice
	} else {
		tags, _, _ := language.ParseAcceptLanguage(acceptLanguage)
		matcher := language.NewMatcher(Languages)
		_, idx, conf := matcher.Match(tags...)
		lang = "zh"
		if conf != language.No && idx == 1 {
			lang = "en"
		}
	}
	return &Localizer{Lang: lang, loc: i18n.NewLocalizer(c.bundle, LangCodes[lang].String())}
}

// T translates id with optional template data (a map). A missing message
// shows its id, so a gap is visible rather than blank.
func (l *Localizer) T(id string, data ...map[string]any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	s, err := l.loc.Localize(cfg)
	if err != nil || s == "" {
		return id
	}
	return s
}

type ctxKey struct{}

// WithLocalizer puts l in ctx for the components to use.
func WithLocalizer(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// L returns the request's localizer (English-less fallback when none: ids).
func L(ctx context.Context) *Localizer {
	if l, ok := ctx.Value(ctxKey{}).(*Localizer); ok {
		return l
	}
	return &Localizer{Lang: "zh"}
}

// T translates id in the request's language.
func T(ctx context.Context, id string, data ...map[string]any) string {
	l := L(ctx)
	if l.loc == nil {
		return id
	}
	return l.T(id, data...)
}

// Lang returns the request's language code.
func Lang(ctx context.Context) string { return L(ctx).Lang }

// HTMLLang is the lang attribute for the page.
func HTMLLang(ctx context.Context) string {
	if strings.HasPrefix(Lang(ctx), "en") {
		return "en"
	}
	return "zh-CN"
}
