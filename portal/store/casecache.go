package store

import (
	"collect"
	"context"
	"sync"

	"collect/allocation"
)

// A page that shows one account asks several store methods about it (the
// case, its contacts, arrangements, next stages, the roster check), and
// each reads the account in the actor's scope with its active placement
// first. WithCaseReads lets them share that read for the life of ctx (one
// page request): the account page made the same two statements five times.
// Locking reads (lockCase, for a change) never use it.

type caseReadsKey struct{}

type caseReads struct {
	mu   sync.Mutex
	seen map[string]caseRead
}

type caseRead struct {
	acc caseAccount
	pl  allocation.Placement
}

// WithCaseReads returns ctx carrying a memo of the accounts read in scope,
// for a request that reads, never writes, before it ends.
func WithCaseReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, caseReadsKey{}, &caseReads{seen: map[string]caseRead{}})
}

func caseReadsOf(ctx context.Context) *caseReads {
	if ctx == nil {
		return nil
	}
	c, _ := ctx.Value(caseReadsKey{}).(*caseReads)
	return c
}

// key: the scope depends on the organisation alone.
func (c *caseReads) key(a collect.Actor, id string) string {
	return a.OrgKind + "\x00" + a.OrgID + "\x00" + id
}

func (c *caseReads) get(a collect.Actor, id string) (caseRead, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.seen[c.key(a, id)]
	return r, ok
}

func (c *caseReads) put(a collect.Actor, id string, r caseRead) {
	c.mu.Lock()
	c.seen[c.key(a, id)] = r
	c.mu.Unlock()
}
