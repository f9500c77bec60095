package views

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"collect"
)

// english says errors in English for the API's message field, logs and the
// command line: collect.Render uses it wherever this package is linked in.
var english = func() *Localizer {
	c, err := LoadCatalogue()
	if err != nil {
		panic("views: the embedded catalogue does not load: " + err.Error())
	}
	return c.Localizer("en", "")
}()

func init() { collect.Render = english.Message }

// English is the English localizer (the API's messages).
func English() *Localizer { return english }

// Message renders a message key with its arguments in l's language.
// Arguments that are errors or field errors are rendered in the same
// language first. A key missing from the catalogue shows as the key with
// its arguments, which TestErrorKeysInCatalogue keeps from happening.
func (l *Localizer) Message(key string, args map[string]any) string {
	data := make(map[string]any, len(args))
	for k, v := range args {
		switch v := v.(type) {
		case *collect.Error:
			data[k] = l.ErrorText(v)
		case collect.FieldError:
			data[k] = l.FieldText(v)
		case []collect.FieldError:
			parts := make([]string, len(v))
			for i, f := range v {
				parts[i] = l.FieldText(f)
			}
			data[k] = strings.Join(parts, l.T("err.list_separator"))
		case collect.Phrase:
			data[k] = l.Message(v.Key, v.Args)
		case error:
			data[k] = l.ErrorText(v)
		default:
			data[k] = v
		}
	}
	if l.loc == nil {
		return key
	}
	s := l.T(key, data)
	if s == key {
		return missing(key, args)
	}
	return s
}

func missing(key string, args map[string]any) string {
	if len(args) == 0 {
		return key
	}
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(key)
	for _, k := range names {
		fmt.Fprintf(&b, " %s=%v", k, args[k])
	}
	return b.String()
}

// ErrorText is err's message in l's language: a keyed *collect.Error from
// the catalogue, an older English one as written, anything else (internal)
// as "internal error" in l's language.
func (l *Localizer) ErrorText(err error) string {
	var e *collect.Error
	if !errors.As(err, &e) || e.Code == collect.EINTERNAL {
		return l.T("error.internal")
	}
	if e.Key == "" {
		return e.Message
	}
	return l.Message(e.Key, e.Args)
}

// FieldText is a field error's message in l's language.
func (l *Localizer) FieldText(f collect.FieldError) string {
	if f.Key == "" {
		return f.Message
	}
	return l.Message(f.Key, f.Args)
}

// ErrorText is err's message in the request's language.
func ErrorText(ctx context.Context, err error) string { return L(ctx).ErrorText(err) }

// FieldText is a field error's message in the request's language.
func FieldText(ctx context.Context, f collect.FieldError) string { return L(ctx).FieldText(f) }

// EnglishFields returns fs with each Message filled from the English
// catalogue (the API's JSON).
func EnglishFields(fs []collect.FieldError) []collect.FieldError {
	if len(fs) == 0 {
		return fs
	}
	out := make([]collect.FieldError, len(fs))
	for i, f := range fs {
		out[i] = f
		out[i].Message = english.FieldText(f)
	}
	return out
}
