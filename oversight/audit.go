// Package oversight holds the decisions of oversight: the audit trail's hash
// chain today, the figures and scorecards as they come. It imports no
// storage, web or template code.
package oversight

import (
	"collect"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// AuditEvent is one entry of the append-only audit trail. Hash is the SHA-256
// of the canonical form of every other field, PrevHash included, so an edit,
// an insertion or a deletion anywhere breaks the chain from that point on.
type AuditEvent struct {
	Seq            int64     `json:"seq"`
	ID             string    `json:"id"`
	At             time.Time `json:"at"`
	ActorID        string    `json:"actor_id"`
	OrganisationID string    `json:"organisation_id"`
	LenderID       string    `json:"lender_id"`
	Action         string    `json:"action"`
	ObjectType     string    `json:"object_type"`
	ObjectID       string    `json:"object_id"`
	Summary        string    `json:"summary"`
	PrevHash       string    `json:"prev_hash"`
	Hash           string    `json:"hash"`
}

// AuditTime is the precision the chain hashes: microseconds in UTC, which
// both SQLite and PostgreSQL keep exactly.
func AuditTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// HashAuditEvent returns the hex SHA-256 of e's canonical fields (Hash itself
// excluded). The canonical form is a JSON array in a fixed order, so no field
// can bleed into its neighbour.
func HashAuditEvent(e AuditEvent) string {
	canon, _ := json.Marshal([]any{
		"audit/v1", e.Seq, e.ID, AuditTime(e.At).Format(time.RFC3339Nano),
		e.ActorID, e.OrganisationID, e.LenderID, e.Action, e.ObjectType, e.ObjectID,
		e.Summary, e.PrevHash,
	})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// Seal links e after the event with sequence prevSeq and hash prevHash.
func Seal(e AuditEvent, prevSeq int64, prevHash string) AuditEvent {
	e.Seq = prevSeq + 1
	e.At = AuditTime(e.At)
	e.PrevHash = prevHash
	e.Hash = HashAuditEvent(e)
	return e
}

// ChainVerifier checks a chain event by event, in sequence order, without
// holding it in memory.
type ChainVerifier struct {
	prevHash string
	prevSeq  int64
	count    int64
	bad      *ChainBreak
}

// ChainBreak says where and why the chain broke. Key and Args are the
// reason as a catalogue key with its arguments (a page says it in the
// reader's language); Reason is it in English, the API's words.
type ChainBreak struct {
	Seq    int64          `json:"seq"`
	Reason string         `json:"reason"`
	Key    string         `json:"reason_key,omitempty"`
	Args   map[string]any `json:"-"`
}

// chainBreak is the break at seq with the reason's key and arguments.
func chainBreak(seq int64, key string, kv ...any) *ChainBreak {
	p := collect.Say(key, kv...)
	return &ChainBreak{Seq: seq, Reason: p.String(), Key: p.Key, Args: p.Args}
}

// Add checks the next event. After the first break it only counts.
func (v *ChainVerifier) Add(e AuditEvent) {
	v.count++
	if v.bad != nil {
		return
	}
	switch {
	case e.Seq != v.prevSeq+1:
		v.bad = chainBreak(v.prevSeq+1, "err.audit_chain.event_missing", "seq", v.prevSeq+1, "next", e.Seq)
	case e.PrevHash != v.prevHash:
		v.bad = chainBreak(e.Seq, "err.audit_chain.prev_hash")
	case HashAuditEvent(e) != e.Hash:
		v.bad = chainBreak(e.Seq, "err.audit_chain.content_hash")
	}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
}

// ChainReport is the answer of a verification.
type ChainReport struct {
	OK       bool        `json:"ok"`
	Events   int64       `json:"events"`
	FirstBad *int64      `json:"first_bad"`
	Break    *ChainBreak `json:"break,omitempty"`
}

// Finish compares the end of the chain with the head the store keeps (the
// last sequence number and hash written), which catches a deleted tail.
func (v *ChainVerifier) Finish(headSeq int64, headHash string) ChainReport {
	if v.bad == nil && (v.prevSeq != headSeq || v.prevHash != headHash) {
		switch {
		case v.prevSeq < headSeq:
			v.bad = chainBreak(v.prevSeq+1, "err.audit_chain.tail_missing", "from", v.prevSeq+1, "to", headSeq)
		case v.prevSeq > headSeq:
			v.bad = chainBreak(headSeq+1, "err.audit_chain.beyond_head")
		default:
			v.bad = chainBreak(v.prevSeq, "err.audit_chain.head_mismatch")
		}
	}
	r := ChainReport{OK: v.bad == nil, Events: v.count, Break: v.bad}
	if v.bad != nil {
		s := v.bad.Seq
		r.FirstBad = &s
	}
	return r
}
