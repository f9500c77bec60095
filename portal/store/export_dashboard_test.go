package store

import (
	"context"

	"collect/allocation"
)

// AccountByPrimaryKey is the benchmarks' baseline: a one-row primary-key
// GORM read of an account, no scope, no joins.
func (s *Store) AccountByPrimaryKey(ctx context.Context, id string) error {
	var acc allocation.Account
	return s.db.WithContext(ctx).Table("accounts").Where("id = ?", id).Take(&acc).Error
}
