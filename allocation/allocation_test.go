package allocation_test

import (
	"fmt"
	"testing"

	"collect/allocation"
)

// Check characters below were worked out by hand with the GB 11643-1999
// weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 and the map "10X98765432"
// (index = weighted sum mod 11):
//
// 11010519491231002 (published example):
//
//	1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3
//	+ 1*7 + 2*9 + 3*10 + 1*5 + 0*8 + 0*4 + 2*2
//	= 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 -> 'X'
//
// 44030419900101001:
//
//	4*7 + 4*9 + 0*10 + 3*5 + 0*8 + 4*4 + 1*2 + 9*1 + 9*6 + 0*3
//	+ 0*7 + 1*9 + 0*10 + 1*5 + 0*8 + 0*4 + 1*2
//	= 28+36+0+15+0+16+2+9+54+0+0+9+0+5+0+0+2 = 176; 176 mod 11 = 0 -> '1'
//
// 44030419900101007 (last digit 1 -> 7, weight 2): 176 - 2 + 14 = 188;
// 188 mod 11 = 1 -> '0'
//
// 44030419900101006 (last digit 1 -> 6, weight 2): 176 - 2 + 12 = 186;
// 186 mod 11 = 10 -> '2'
//
// 31011519851120123:
//
//	3*7 + 1*9 + 0*10 + 1*5 + 1*8 + 5*4 + 1*2 + 9*1 + 8*6 + 5*3
//	+ 1*7 + 1*9 + 2*10 + 0*5 + 1*8 + 2*4 + 3*2
//	= 21+9+0+5+8+20+2+9+48+15+7+9+20+0+8+8+6 = 195; 195 mod 11 = 8 -> '4'
//
// 51010419800315002:
//
//	5*7 + 1*9 + 0*10 + 1*5 + 0*8 + 4*4 + 1*2 + 9*1 + 8*6 + 0*3
//	+ 0*7 + 3*9 + 1*10 + 5*5 + 0*8 + 0*4 + 2*2
//	= 35+9+0+5+0+16+2+9+48+0+0+27+10+25+0+0+4 = 190; 190 mod 11 = 3 -> '9'
//
// 11010119900307803:
//
//	1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 1*4 + 1*2 + 9*1 + 9*6 + 0*3
//	+ 0*7 + 3*9 + 0*10 + 7*5 + 8*8 + 0*4 + 3*2
//	= 7+9+0+5+0+4+2+9+54+0+0+27+0+35+64+0+6 = 222; 222 mod 11 = 2 -> 'X'
//
// Changing one digit always changes the check character: each weight is in
// 1..10 and a digit changes by 1..9, so the sum moves by a non-multiple of
// the prime 11. 11010519491231003X: the 17th digit 2 -> 3 (weight 2) gives
// 169, 169 mod 11 = 4 -> '8', not 'X'.

func TestNationalIDCheck(t *testing.T) {
	tests := []struct {
		name    string
		first17 string
		want    byte
	}{
		{"published example", "11010519491231002", 'X'},
		{"remainder 0", "44030419900101001", '1'},
		{"remainder 1", "44030419900101007", '0'},
		{"remainder 10", "44030419900101006", '2'},
		{"remainder 8", "31011519851120123", '4'},
		{"remainder 3", "51010419800315002", '9'},
		{"remainder 2 again", "11010119900307803", 'X'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocation.NationalIDCheck(tt.first17); got != tt.want {
				t.Errorf("NationalIDCheck(%q) = %q, want %q", tt.first17, got, tt.want)
			}
		})
	}
}

func TestValidNationalID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"published example", "11010519491231002X", true},
		{"published example lowercase x", "11010519491231002x", true},
		{"check 1", "440304199001010011", true},
		{"check 0", "440304199001010070", true},
		{"check 2", "440304199001010062", true},
		{"check 4", "310115198511201234", true},
		{"check 9", "510104198003150029", true},
		{"check X lowercase", "11010119900307803x", true},
		{"changed digit", "11010519491231003X", false},
		{"changed first digit", "21010519491231002X", false},
		{"wrong check digit", "110105194912310021", false},
		{"wrong check char X where digit due", "44030419900101001X", false},
		{"check char off by one", "310115198511201235", false},
		{"other letter as check char", "11010519491231002Y", false},
		{"17 chars", "11010519491231002", false},
		{"19 chars", "11010519491231002X0", false},
		{"letter inside", "1101051949A231002X", false},
		{"X inside", "X1010519491231002X", false},
		{"space inside", "110105 9491231002X", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocation.ValidNationalID(tt.id); got != tt.want {
				t.Errorf("ValidNationalID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestValidMobile(t *testing.T) {
	tests := []struct {
		name   string
		mobile string
		want   bool
	}{
		{"China Mobile 138", "13800138000", true},
		{"prefix 19", "19912345678", true},
		{"prefix 15", "15012345678", true},
		{"second digit 2", "12800138000", false},
		{"second digit 0", "10800138000", false},
		{"not starting with 1", "23800138000", false},
		{"10 digits", "1380013800", false},
		{"12 digits", "138001380000", false},
		{"country code", "+8613800138000", false},
		{"letters", "1380013800a", false},
		{"all letters", "abcdefghijk", false},
		{"spaces", "138 0013 8000", false},
		{"dashes", "138-0013-8000", false},
		{"trailing newline", "13800138000\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocation.ValidMobile(tt.mobile); got != tt.want {
				t.Errorf("ValidMobile(%q) = %v, want %v", tt.mobile, got, tt.want)
			}
		})
	}
}

func TestBucket(t *testing.T) {
	tests := []struct {
		dpd  int
		want string
	}{
		{-1, "M0"},
		{0, "M0"},
		{1, "M1"},
		{30, "M1"},
		{31, "M2"},
		{60, "M2"},
		{61, "M3"},
		{90, "M3"},
		{91, "M4"},
		{120, "M4"},
		{121, "M5"},
		{150, "M5"},
		{151, "M6"},
		{180, "M6"},
		{181, "M6+"},
		{900, "M6+"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("dpd %d", tt.dpd), func(t *testing.T) {
			if got := allocation.Bucket(tt.dpd, allocation.DefaultBands); got != tt.want {
				t.Errorf("Bucket(%d, DefaultBands) = %q, want %q", tt.dpd, got, tt.want)
			}
		})
	}
}

func TestBucketCustomBands(t *testing.T) {
	bands := []allocation.Band{{"early", 1, 10}, {"late", 11, 20}}
	tests := []struct {
		name string
		dpd  int
		want string
	}{
		{"current", 0, "M0"},
		{"first band", 10, "early"},
		{"second band", 11, "late"},
		{"beyond every band", 21, "M0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocation.Bucket(tt.dpd, bands); got != tt.want {
				t.Errorf("Bucket(%d) = %q, want %q", tt.dpd, got, tt.want)
			}
		})
	}
}

func TestBucketNames(t *testing.T) {
	want := []string{"M1", "M2", "M3", "M4", "M5", "M6", "M6+"}
	got := allocation.BucketNames()
	if len(got) != len(want) {
		t.Fatalf("BucketNames() = %q, want %q", got, want)
	}
	for i := range want {
		t.Run(want[i], func(t *testing.T) {
			if got[i] != want[i] {
				t.Errorf("BucketNames()[%d] = %q, want %q", i, got[i], want[i])
			}
		})
	}
}

func TestMaskNationalID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"18 chars keeps 4+4", "11010519491231002X", "1101**********002X"},
		{"lowercase x kept", "11010519491231002x", "1101**********002x"},
		{"9 chars stars one", "123456789", "1234*6789"},
		{"8 chars fully starred", "12345678", "********"},
		{"short fully starred", "1234", "****"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocation.MaskNationalID(tt.in); got != tt.want {
				t.Errorf("MaskNationalID(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"11 digits keeps 3+4", "13812345678", "138****5678"},
		{"another 11 digits", "13800138000", "138****8000"},
		{"8 digits stars one", "12345678", "123*5678"},
		{"7 digits fully starred", "1234567", "*******"},
		{"short fully starred", "110", "***"},
		{"empty stays empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocation.MaskPhone(tt.in); got != tt.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskAccount(t *testing.T) {
	base := allocation.Account{
		ID:                    "acc-1",
		LenderID:              "lender-1",
		DebtorName:            "张三",
		NationalID:            "11010519491231002X",
		Phone:                 "13812345678",
		EmergencyContactPhone: "13987654321",
		Address:               "广东省深圳市南山区科技园路1号",
		Province:              "广东省",
		PrincipalCents:        1_000_000,
		BalanceCents:          823_456,
		Currency:              "CNY",
		DPD:                   45,
		Bucket:                "M2",
	}
	tests := []struct {
		name   string
		in     func() allocation.Account
		expect func() allocation.Account
	}{
		{
			name: "full account",
			in:   func() allocation.Account { return base },
			expect: func() allocation.Account {
				a := base
				a.NationalID = "1101**********002X"
				a.Phone = "138****5678"
				a.EmergencyContactPhone = "139****4321"
				a.Address = "广东省深圳市****"
				return a
			},
		},
		{
			name: "empty contact fields",
			in: func() allocation.Account {
				a := base
				a.NationalID, a.Phone, a.EmergencyContactPhone, a.Address = "", "", "", ""
				return a
			},
			expect: func() allocation.Account {
				a := base
				a.NationalID, a.Phone, a.EmergencyContactPhone, a.Address = "", "", "", ""
				return a
			},
		},
		{
			name: "address of six runes kept",
			in: func() allocation.Account {
				a := base
				a.Address = "北京市东城区"
				return a
			},
			expect: func() allocation.Account {
				a := base
				a.NationalID = "1101**********002X"
				a.Phone = "138****5678"
				a.EmergencyContactPhone = "139****4321"
				a.Address = "北京市东城区"
				return a
			},
		},
		{
			name: "address of seven runes masked",
			in: func() allocation.Account {
				a := base
				a.Address = "北京市东城区1"
				return a
			},
			expect: func() allocation.Account {
				a := base
				a.NationalID = "1101**********002X"
				a.Phone = "138****5678"
				a.EmergencyContactPhone = "139****4321"
				a.Address = "北京市东城区****"
				return a
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in()
			before := in
			got := allocation.MaskAccount(in)
			if want := tt.expect(); got != want {
				t.Errorf("MaskAccount() =\n%+v\nwant\n%+v", got, want)
			}
			if in != before {
				t.Errorf("MaskAccount modified its argument: %+v", in)
			}
			if got.DebtorName != base.DebtorName || got.BalanceCents != base.BalanceCents {
				t.Errorf("name/balance changed: %q %d", got.DebtorName, got.BalanceCents)
			}
		})
	}
}
