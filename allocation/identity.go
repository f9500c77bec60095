package allocation

import "regexp"

// ValidNationalID reports whether s is an 18-character resident identity
// number with a correct GB 11643-1999 check character.
func ValidNationalID(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	got := s[17]
	if got == 'x' {
		got = 'X'
	}
	return got == NationalIDCheck(s[:17])
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// NationalIDCheck computes the GB 11643 check character for the first 17
// digits of an identity number.
func NationalIDCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17 && i < len(first17); i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

var mobileRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// ValidMobile reports whether s is a mainland mobile number (11 digits,
// starting 13-19).
func ValidMobile(s string) bool { return mobileRe.MatchString(s) }
