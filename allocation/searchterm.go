package allocation

import "strings"

// SearchIdentity reads an account-list search as an identity number or a
// mobile number, written the ways an import accepts them (spaces, dashes,
// a +86 prefix, full-width digits, a lower-case x): nationalID is the
// stored form of a valid 18-character number, phone the stored 11 digits;
// either is "" when q is not one.
func SearchIdentity(q string) (nationalID, phone string) {
	v := strings.TrimPrefix(narrowASCII(strings.TrimSpace(q)), "'")
	if strings.ContainsAny(v, " -") {
		v = strings.NewReplacer(" ", "", "-", "").Replace(v)
	}
	if len(v) == 18 && ValidNationalID(v) {
		nationalID = strings.ToUpper(v)
	}
	if p, ok := normalizeMobile(q); ok {
		phone = p
	}
	return nationalID, phone
}
