package jobs

import (
	"context"
	"log/slog"
	"time"

	"collect/evidence"
	"collect/evidence/blob"
	"collect/portal/store"
)

// RetainEvidence deletes the evidence objects whose retention date has
// passed at now and that no hold keeps (store.AttachmentsDue): each
// deletion is recorded first (the attachment row marked, an audit event by
// the system), then the object goes unless another live attachment names
// the same bytes. Before deleting, the date is worked out again from the
// debt's last collection activity: a US debt worked since keeps its
// evidence three years after that (evidence.RetainUntil).
func RetainEvidence(ctx context.Context, st *store.Store, blobs blob.Store, now time.Time, log *slog.Logger) (int, error) {
	deleted := 0
	for {
		due, err := st.AttachmentsDue(ctx, now, 500)
		if err != nil || len(due) == 0 {
			return deleted, err
		}
		progressed := false
		for _, d := range due {
			last, err := st.LastActivity(ctx, d.AccountID)
			if err != nil {
				return deleted, err
			}
			if until := evidence.RetainUntil(d.Profile, d.ContactAt, last); until.After(now) && until.After(d.RetainUntil) {
				if err := st.ExtendRetention(ctx, d.ID, until); err != nil {
					return deleted, err
				}
				progressed = true
				continue
			}
			done, err := st.MarkAttachmentDeleted(ctx, d, now)
			if err != nil {
				return deleted, err
			}
			if !done {
				continue
			}
			deleted++
			progressed = true
			if err := st.DeleteUnusedObject(ctx, d.SHA256, func() error { return blobs.Delete(ctx, d.SHA256) }); err != nil && log != nil {
				// The row says deleted; the object stays until an operator removes it.
				log.Error("evidence object not deleted", "sha256", d.SHA256, "error", err)
			}
		}
		if !progressed {
			return deleted, nil
		}
	}
}
