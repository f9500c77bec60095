package store

import (
	"collect/allocation"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// Identity search: an account is found by its national ID number or phone
// through a keyed hash of the number (accounts.national_id_key, phone_key),
// never by the raw number in an index or a join. The key is the install's,
// made at random the first time it is needed and kept in search_key. A key
// column holds "" when the number gives no key and NULL until it is
// computed; Migrate fills the NULLs.

type searchKeyCache struct {
	mu  sync.Mutex
	key []byte
}

// searchKey returns the install's key, making it on first use. Call it
// outside a transaction (SQLite has one writer).
func (s *Store) searchKey(ctx context.Context) ([]byte, error) {
	s.search.mu.Lock()
	defer s.search.mu.Unlock()
	if s.search.key != nil {
		return s.search.key, nil
	}
	read := func() ([]string, error) {
		var keys []string
		err := s.db.WithContext(ctx).Table("search_key").Where("id = 1").Pluck("key", &keys).Error
		return keys, err
	}
	keys, err := read()
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if err := s.db.WithContext(ctx).Exec(`INSERT INTO search_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`,
			hex.EncodeToString(b)).Error; err != nil {
			return nil, err
		}
		if keys, err = read(); err != nil {
			return nil, err
		}
	}
	k, err := hex.DecodeString(keys[0])
	if err != nil {
		return nil, err
	}
	s.search.key = k
	return k, nil
}

// identityKey is the keyed hash of a stored national ID number ("national_id")
// or phone ("phone"): HMAC-SHA256 under the install's key, the kind
// separating the two, 128 bits in hex; "" for an empty value.
func identityKey(key []byte, kind, value string) string {
	value = strings.ToUpper(strings.TrimSpace(value))
	if value == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// fillSearchKeys computes the keys of accounts that have none yet (rows
// written before migration 00027, or by a path that leaves them NULL), in
// batches, each its own transaction.
func (s *Store) fillSearchKeys(ctx context.Context) error {
	key, err := s.searchKey(ctx)
	if err != nil {
		return err
	}
	for {
		n := 0
		if err := s.inTx(ctx, func(tx *gorm.DB) (err error) {
			n, err = fillKeys(tx, key, 2000)
			return err
		}); err != nil || n == 0 {
			return err
		}
	}
}

// fillKeys computes the keys of up to limit accounts that have none, in tx.
func fillKeys(tx *gorm.DB, key []byte, limit int) (int, error) {
	var rows []struct{ ID, NationalID, Phone, DebtorName, SSNLast4, ConductProfile string }
	if err := tx.Table("accounts").Select("id, national_id, phone, debtor_name, ssn_last4, conduct_profile").
		Where("national_id_key IS NULL OR phone_key IS NULL OR debtor_key IS NULL").Limit(limit).Scan(&rows).Error; err != nil {
		return 0, err
	}
	for _, r := range rows {
		if err := tx.Exec(`UPDATE accounts SET national_id_key = ?, phone_key = ?, debtor_key = ? WHERE id = ?`,
			identityKey(key, "national_id", r.NationalID), identityKey(key, "phone", r.Phone), debtorKey(key, r.NationalID, r.SSNLast4, r.DebtorName, r.ConductProfile), r.ID).Error; err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// debtorKey is the person's key (accounts.debtor_key): the keyed hash of
// allocation.DebtorIdentity, "" when the account names no one.
func debtorKey(key []byte, nationalID, ssnLast4, name, profile string) string {
	if nationalID == "" && ssnLast4 == "" {
		return ""
	}
	return identityKey(key, "debtor", allocation.DebtorIdentity(allocation.ImportRow{NationalID: nationalID, SSNLast4: ssnLast4,
		DebtorName: name, ConductProfile: profile}))
}
