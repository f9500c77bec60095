package portal

// The boundary for text: every string a request carries (path ids, query
// parameters, form fields, JSON strings) must be valid UTF-8 without NUL
// bytes before any handler sees it. PostgreSQL refuses such bytes with an
// error (a 500) and SQLite stores them, so both are stopped here with a 400
// naming the field. Portfolio and payment files are checked cell by cell by
// their readers (allocation).

import (
	"bytes"
	"collect"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// textProblem is the catalogue key of what makes s unfit to store, or ""
// when it is fine (collect.ValidText, the rule the file reader applies to
// cells).
func textProblem(s string) string {
	var e *collect.Error
	if err := collect.ValidText(s); errors.As(err, &e) {
		return e.Key
	}
	return ""
}

// badText is the 400 for one field: problem is textProblem's key.
func badText(field, problem string) error {
	f := collect.Field(field, problem)
	return badRequest{collect.E(collect.EINVALID, "err.input.field", "field", field, "problem", f).WithFields(f)}
}

// checkText refuses a request whose path parameters, query or form fields
// hold text that is not valid UTF-8 or holds a NUL byte. JSON bodies are
// checked as they are decoded (decodeJSON).
func checkText(next echo.HandlerFunc) echo.HandlerFunc { return checkTextOf(next, true) }

// checkTextNoBody is checkText for the routes that stream their body
// (Route.Stream): the path parameters and the query only.
func checkTextNoBody(next echo.HandlerFunc) echo.HandlerFunc { return checkTextOf(next, false) }

func checkTextOf(next echo.HandlerFunc, body bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		for i, name := range c.ParamNames() {
			if i < len(c.ParamValues()) {
				v := c.ParamValues()[i]
				if u, err := url.PathUnescape(v); err == nil {
					v = u // routed on the raw path, the value may still be escaped
				}
				if p := textProblem(v); p != "" {
					return badText(name, p)
				}
			}
		}
		if err := checkValues(c.QueryParams()); err != nil {
			return err
		}
		r := c.Request()
		if body && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
			mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
			if mt == echo.MIMEApplicationForm || mt == echo.MIMEMultipartForm {
				form, err := c.FormParams() // parsed once; handlers read the same form
				if err != nil {
					var tooBig *http.MaxBytesError
					if errors.As(err, &tooBig) {
						return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
					}
					return errFormUnreadable()
				}
				if err := checkValues(form); err != nil {
					return err
				}
				if r.MultipartForm != nil {
					for field, fhs := range r.MultipartForm.File {
						for _, fh := range fhs {
							if p := textProblem(fh.Filename); p != "" {
								return badText(field+" (file name)", p)
							}
						}
					}
				}
			}
		}
		return next(c)
	}
}

func checkValues(vs map[string][]string) error {
	for k, list := range vs {
		if p := textProblem(k); p != "" {
			return badText("parameter name", p)
		}
		for _, v := range list {
			if p := textProblem(v); p != "" {
				return badText(k, p)
			}
		}
	}
	return nil
}

// checkJSONText walks a JSON document token by token and returns the 400
// for the first string (key or value) that is not valid UTF-8 or holds a
// NUL (written \u0000), naming its field ("items[2].note"). The decoder
// would silently replace invalid bytes with U+FFFD, so the raw bytes of each
// token are checked. Malformed JSON is left for the decoder to describe.
func checkJSONText(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		array bool
		key   string
		index int
	}
	var stack []frame
	path := func() string {
		var sb strings.Builder
		for _, f := range stack {
			if f.array {
				sb.WriteString("[" + strconv.Itoa(f.index) + "]")
			} else if f.key != "" {
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(f.key)
			}
		}
		if sb.Len() == 0 {
			return "body"
		}
		return sb.String()
	}
	expectKey := false
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil
		}
		off := dec.InputOffset()
		seg := raw[prev:off]
		prev = off
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{})
				expectKey = true
			case '[':
				stack = append(stack, frame{array: true, index: -1})
				expectKey = false
			case '}', ']':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
				expectKey = len(stack) > 0 && !stack[len(stack)-1].array
			}
			if v == '{' || v == '[' {
				// a container is a value of its parent: count it below
				if n := len(stack); n >= 2 && stack[n-2].array {
					stack[n-2].index++
				}
			}
			continue
		case string:
			if expectKey {
				stack[len(stack)-1].key = v
				if p := textProblem(v); p != "" || !utf8.Valid(seg) {
					if p == "" {
						p = "is not valid UTF-8 text"
					}
					return badText("field name "+strconv.Quote(strings.ToValidUTF8(v, "\uFFFD")), p)
				}
				expectKey = false
				continue
			}
			if n := len(stack); n > 0 && stack[n-1].array {
				stack[n-1].index++
			}
			p := textProblem(v)
			if p == "" && !utf8.Valid(seg) {
				p = "is not valid UTF-8 text"
			}
			if p != "" {
				return badText(path(), p)
			}
		default:
			if n := len(stack); n > 0 && stack[n-1].array {
				stack[n-1].index++
			}
		}
		if n := len(stack); n > 0 && !stack[n-1].array {
			expectKey = true
		}
	}
}

// errFormUnreadable is the 400 of a form body that cannot be parsed.
func errFormUnreadable() error {
	return badRequest{collect.E(collect.EINVALID, "err.request.form_unreadable")}
}
