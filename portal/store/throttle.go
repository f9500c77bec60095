package store

import (
	"context"
	"time"
)

// TakeLoginAttempt counts one login attempt for key and returns how many the
// key has had in its current window, this one included. The window restarts
// at now when it began before windowStart. One statement, so attempts made
// at once by many requests or processes are each counted: the count returned
// is never stale.
func (s *Store) TakeLoginAttempt(ctx context.Context, key string, now, windowStart time.Time) (int, error) {
	var attempts int
	err := s.db.WithContext(ctx).Raw(`INSERT INTO login_throttle (key, window_start, attempts) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
			attempts = CASE WHEN login_throttle.window_start < ? THEN 1 ELSE login_throttle.attempts + 1 END,
			window_start = CASE WHEN login_throttle.window_start < ? THEN ? ELSE login_throttle.window_start END
		RETURNING attempts`, key, now.Unix(), windowStart.Unix(), windowStart.Unix(), now.Unix()).Scan(&attempts).Error
	return attempts, err
}

// ReturnLoginAttempt takes back one attempt counted for key (a login that
// succeeded does not count against its address).
func (s *Store) ReturnLoginAttempt(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Exec(`UPDATE login_throttle SET attempts = attempts - 1 WHERE key = ? AND attempts > 0`, key).Error
}

// ClearLoginAttempts forgets key's attempts (an account after a good login).
func (s *Store) ClearLoginAttempts(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Exec(`DELETE FROM login_throttle WHERE key = ?`, key).Error
}

// SweepLoginAttempts deletes the keys whose window began before windowStart.
func (s *Store) SweepLoginAttempts(ctx context.Context, windowStart time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM login_throttle WHERE window_start < ?`, windowStart.Unix())
	return res.RowsAffected, res.Error
}
