package collect

import "strings"

// creditCodeChars are the characters of a unified social credit code
// (统一社会信用代码, GB 32100-2015) in the order of their values 0-30: the
// digits and the capital letters without I, O, Z, S and V.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the weights of the first 17 positions (3^(i) mod 31).
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalCreditCode is the code as it is stored: trimmed, upper case.
func NormalCreditCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// ValidCreditCode reports whether code is a well-formed unified social
// credit code: 18 characters of the code's alphabet, the registration
// authority and the six-digit administrative division where GB 32100
// places them, and the 18th character the check character of the first 17
// (C18 = 31 - Σ(Ci×Wi) mod 31, 31 written as 0). code must be normalised
// (NormalCreditCode) first: lower case is not accepted.
func ValidCreditCode(code string) bool {
	if len(code) != 18 {
		return false
	}
	// Position 1: the registration authority (1 机构编制, 5 民政, 9 工商 ...,
	// A-H and N, Y for the others); never 0.
	if code[0] == '0' || strings.IndexByte(creditCodeChars, code[0]) < 0 || strings.IndexByte("JKLMPQRTUWX", code[0]) >= 0 {
		return false
	}
	// Positions 3-8: the administrative division code, digits.
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, code[i])
		if v < 0 {
			return false
		}
		sum += v * creditCodeWeights[i]
	}
	check := (31 - sum%31) % 31
	return code[17] == creditCodeChars[check]
}

// CheckCreditCode is ValidCreditCode as a field error of field: nil when
// valid, the reason otherwise.
func CheckCreditCode(field, code string) *FieldError {
	switch {
	case code == "":
		f := Field(field, "err.org.credit_code_required")
		return &f
	case len(code) != 18:
		f := Field(field, "err.org.credit_code_length", "length", 18)
		return &f
	case !ValidCreditCode(code):
		f := Field(field, "err.org.credit_code_check")
		return &f
	}
	return nil
}
