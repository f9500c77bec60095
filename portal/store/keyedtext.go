package store

// Keyed messages kept in rows: an import's reason and its rejected lines'
// problems are stored as a catalogue key with its arguments (JSON), so a
// page shows them in the reader's language later; the English text is
// stored beside them for the API, the rejects download and rows written
// before the keys were kept.

import (
	"bytes"
	"collect"
	"encoding/json"
	"errors"

	"collect/allocation"
)

// errArg marks an argument that is itself a message (an *collect.Error),
// stored as its code, key and arguments; phraseArg one that is a
// collect.Phrase (words said in the message's language), as its key and
// arguments.
const (
	errArg    = "!err"
	phraseArg = "!phrase"
)

type storedError struct {
	Code string         `json:"code"`
	Key  string         `json:"key,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

// encodeArgs is args as JSON ("" for none). An argument that is an error
// is kept as a nested message; one that is not an *collect.Error, or is an
// internal one, is kept as an internal error (shown as "internal error").
func encodeArgs(args map[string]any) string {
	if len(args) == 0 {
		return ""
	}
	b, err := json.Marshal(storableArgs(args))
	if err != nil {
		return ""
	}
	return string(b)
}

func storableArgs(args map[string]any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		if p, ok := v.(collect.Phrase); ok {
			out[k] = map[string]any{phraseArg: storedPhrase(p)}
			continue
		}
		if err, ok := v.(error); ok {
			se := storedError{Code: collect.EINTERNAL}
			var ae *collect.Error
			if errors.As(err, &ae) && ae.Code != collect.EINTERNAL && ae.Key != "" {
				se = storedError{Code: ae.Code, Key: ae.Key, Args: storableArgs(ae.Args)}
			}
			out[k] = map[string]any{errArg: se}
			continue
		}
		out[k] = v
	}
	return out
}

// decodeArgs reads what encodeArgs wrote; numbers come back as json.Number
// (printed as written), nested messages as *collect.Error.
func decodeArgs(s string) map[string]any {
	if s == "" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return restoreArgs(m)
}

func restoreArgs(m map[string]any) map[string]any {
	for k, v := range m {
		obj, ok := v.(map[string]any)
		if !ok || len(obj) != 1 {
			continue
		}
		if p, ok := obj[phraseArg].(map[string]any); ok {
			ph := collect.Phrase{}
			ph.Key, _ = p["key"].(string)
			if a, ok := p["args"].(map[string]any); ok {
				ph.Args = restoreArgs(a)
			}
			m[k] = ph
			continue
		}
		inner, ok := obj[errArg].(map[string]any)
		if !ok || len(obj) != 1 {
			continue
		}
		e := &collect.Error{}
		e.Code, _ = inner["code"].(string)
		e.Key, _ = inner["key"].(string)
		if a, ok := inner["args"].(map[string]any); ok {
			e.Args = restoreArgs(a)
		}
		m[k] = e
	}
	return m
}

// storedPhrase is a phrase with its arguments made storable.
func storedPhrase(p collect.Phrase) collect.Phrase {
	return collect.Phrase{Key: p.Key, Args: storableArgs(p.Args)}
}

// encodePhrases is a list of keyed messages as JSON: [{"key","args"}].
func encodePhrases(ps []collect.Phrase) json.RawMessage {
	out := make([]collect.Phrase, len(ps))
	for i, p := range ps {
		out[i] = storedPhrase(p)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return b
}

// decodePhrases reads what encodePhrases wrote.
func decodePhrases(b json.RawMessage) []collect.Phrase {
	if len(b) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var ps []struct {
		Key  string         `json:"key"`
		Args map[string]any `json:"args"`
	}
	if d.Decode(&ps) != nil {
		return nil
	}
	out := make([]collect.Phrase, len(ps))
	for i, p := range ps {
		out[i] = collect.Phrase{Key: p.Key, Args: restoreArgs(p.Args)}
	}
	return out
}

// storedProblem is one problem of a rejected line as import_rejects.problems
// keeps it.
type storedProblem struct {
	Field string         `json:"field"`
	Key   string         `json:"key"`
	Args  map[string]any `json:"args,omitempty"`
}

// encodeProblems is a rejected line's problems as JSON.
func encodeProblems(errs []allocation.RowError) string {
	ps := make([]storedProblem, 0, len(errs))
	for _, e := range errs {
		if e.Key == "" {
			return "" // an unkeyed problem: the English message is all there is
		}
		ps = append(ps, storedProblem{Field: e.Field, Key: e.Key, Args: storableArgs(e.Args)})
	}
	b, err := json.Marshal(ps)
	if err != nil {
		return ""
	}
	return string(b)
}

// decodeProblems reads what encodeProblems wrote, each problem on the line.
func decodeProblems(s string, line int) []allocation.RowError {
	if s == "" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var ps []struct {
		Field string          `json:"field"`
		Key   string          `json:"key"`
		Args  json.RawMessage `json:"args"`
	}
	if d.Decode(&ps) != nil {
		return nil
	}
	out := make([]allocation.RowError, len(ps))
	for i, p := range ps {
		out[i] = allocation.RowError{Line: line, Field: p.Field, Key: p.Key, Args: decodeArgs(string(p.Args))}
		out[i].Message = out[i].Text()
	}
	return out
}
