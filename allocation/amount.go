package allocation

import "collect"

// ParseAmount reads a decimal amount in major units ("12000.50",
// "1,234.5", "¥300") as integer minor units without floats, as portfolio
// files are read: at most 2 decimals, non-negative, at most
// 1,000,000,000.00. field names the input in the error.
func ParseAmount(field, v string) (int64, error) {
	cents, f := parseCents(v)
	if f.bad() {
		key := f.key
		return 0, collect.E(collect.EINVALID, "err.amount.field", "field", field, "problem", collect.E(collect.EINVALID, key, f.kv...)).
			WithFields(collect.Field(field, key, f.kv...))
	}
	return cents, nil
}
