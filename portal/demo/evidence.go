package demo

import (
	"context"

	"collect/evidence/blob"
	"collect/portal/store"
)

// SeedEvidence adds the demo's evidence (recordings, a sampling plan,
// reviews); it comes in the next change.
func SeedEvidence(ctx context.Context, st *store.Store, blobs blob.Store) error {
	return nil
}
