package casework_test

import (
	"strconv"
	"testing"

	"collect/casework"
)

// Court fees worked band by band (《诉讼费用交纳办法》 art. 13), in yuan:
//
//	5,000       50
//	10,000      50
//	12,345.67   50 + 2,345.67 × 2.5% = 108.64175 → 108.64
//	50,000      50 + 40,000 × 2.5% = 1,050
//	99,999.99   50 + 89,999.99 × 2.5% = 2,299.99975 → 2,300.00
//	100,000     50 + 90,000 × 2.5% = 2,300
//	150,000     2,300 + 50,000 × 2% = 3,300
//	600,000     2,300 + 2,000 + 300,000 × 1.5% + 100,000 × 1% = 9,800
//	1,500,000   9,800 + 4,000 + 500,000 × 0.9% = 18,300
//	25,000,000  13,800 + 9,000 + 24,000 + 35,000 + 60,000 + 5,000,000 × 0.5% = 166,800
func TestCourtAcceptanceFee(t *testing.T) {
	tests := []struct {
		name        string
		claimCents  int64
		full, halve int64
	}{
		{"Zero", 0, 0, 0},
		{"Negative", -100, 0, 0},
		{"OneCent", 1, 5_000, 2_500},
		{"5000", 5_000_00, 5_000, 2_500},
		{"10000", 10_000_00, 5_000, 2_500},
		{"10000.01", 10_000_01, 5_000, 2_500},
		{"12345.67", 12_345_67, 10_864, 5_432},
		{"50000", 50_000_00, 105_000, 52_500},
		{"99999.99", 99_999_99, 230_000, 115_000},
		{"100000", 100_000_00, 230_000, 115_000},
		{"150000", 150_000_00, 330_000, 165_000},
		{"200000", 200_000_00, 430_000, 215_000},
		{"600000", 600_000_00, 980_000, 490_000},
		{"1500000", 1_500_000_00, 1_830_000, 915_000},
		{"25000000", 25_000_000_00, 16_680_000, 8_340_000},
		{"OddFeeHalvedHalfUp", 10_000_20, 5_001, 2_501}, // 50 + 0.20 × 2.5% = 50.005 → 50.01; half 25.005 → 25.01
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := casework.CourtAcceptanceFee(tt.claimCents, false); got != tt.full {
				t.Errorf("full fee = %d, want %d", got, tt.full)
			}
			if got := casework.CourtAcceptanceFee(tt.claimCents, true); got != tt.halve {
				t.Errorf("simplified fee = %d, want %d", got, tt.halve)
			}
		})
	}
}

func TestEstimateLegal(t *testing.T) {
	tests := []struct {
		name                                string
		in                                  casework.LegalInput
		court, lawyer, other, total, expect int64
		rate                                float64
		worthwhile                          bool
		basis                               string
	}{
		// 50,000: court 1,050/2 = 525; lawyer 8% = 4,000; other 1,500; total 6,025; 40% = 20,000.
		{name: "MidClaimWorthwhile",
			in:    casework.LegalInput{BalanceCents: 50_000_00, PrincipalCents: 40_000_00, DPD: 200, HasRightPartyContact: true, Province: "广东"},
			court: 525_00, lawyer: 4_000_00, other: 1_500_00, total: 6_025_00, expect: 20_000_00, rate: 0.40, worthwhile: true,
			basis: "court fee 525.00 yuan on a 50,000.00 yuan claim (halved: simplified procedure); lawyer 4,000.00 yuan (8%, at least 3,000); other costs 1,500.00 yuan; recovery 40% (DPD 181-365, right-party contact)"},
		// 5,000: court 25; lawyer floor 3,000; other 1,500; total 4,525; 15% = 750.
		{name: "SmallOldClaimNotWorthwhile",
			in:    casework.LegalInput{BalanceCents: 5_000_00, DPD: 400},
			court: 25_00, lawyer: 3_000_00, other: 1_500_00, total: 4_525_00, expect: 750_00, rate: 0.15,
			basis: "court fee 25.00 yuan on a 5,000.00 yuan claim (halved: simplified procedure); lawyer 3,000.00 yuan (8%, at least 3,000); other costs 1,500.00 yuan; recovery 15% (DPD 366-730, no right-party contact)"},
		// 150,000: full court fee 3,300; lawyer 12,000; total 16,800; 50% + 5 points = 55% → 82,500.
		{name: "LargeClaimPaidBefore",
			in:    casework.LegalInput{BalanceCents: 150_000_00, DPD: 100, HasRightPartyContact: true, RecoveredSoFarCents: 1_000_00},
			court: 3_300_00, lawyer: 12_000_00, other: 1_500_00, total: 16_800_00, expect: 82_500_00, rate: 0.55, worthwhile: true,
			basis: "court fee 3,300.00 yuan on a 150,000.00 yuan claim; lawyer 12,000.00 yuan (8%, at least 3,000); other costs 1,500.00 yuan; recovery 55% (DPD up to 180, right-party contact, has paid before)"},
		// 600,000: court 9,800; lawyer 48,000; total 59,300; 5% = 30,000.
		{name: "VeryOldLargeClaim",
			in:    casework.LegalInput{BalanceCents: 600_000_00, DPD: 1200},
			court: 9_800_00, lawyer: 48_000_00, other: 1_500_00, total: 59_300_00, expect: 30_000_00, rate: 0.05},
		// 12,345.67: court 108.64/2 = 54.32; lawyer 987.65 < floor; total 4,554.32; 20% = 2,469.134 → 2,469.13.
		{name: "CentsRoundHalfUp",
			in:    casework.LegalInput{BalanceCents: 12_345_67, DPD: 800, HasRightPartyContact: true},
			court: 54_32, lawyer: 3_000_00, other: 1_500_00, total: 4_554_32, expect: 2_469_13, rate: 0.20},
		// 9,050: 50% = 4,525 = 25 + 3,000 + 1,500: net 0 is not worthwhile.
		{name: "BreakEvenNotWorthwhile",
			in:    casework.LegalInput{BalanceCents: 9_050_00, DPD: 30, HasRightPartyContact: true},
			court: 25_00, lawyer: 3_000_00, other: 1_500_00, total: 4_525_00, expect: 4_525_00, rate: 0.50},
		{name: "OneCentAboveBreakEven",
			in:    casework.LegalInput{BalanceCents: 9_050_02, DPD: 30, HasRightPartyContact: true},
			court: 25_00, lawyer: 3_000_00, other: 1_500_00, total: 4_525_00, expect: 4_525_01, rate: 0.50, worthwhile: true},
		{name: "NothingToClaim",
			in:    casework.LegalInput{DPD: 30, HasRightPartyContact: true},
			basis: "nothing to claim: the balance is zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := casework.EstimateLegal(tt.in)
			for _, c := range []struct {
				what      string
				got, want int64
			}{
				{"CourtFeeCents", got.CourtFeeCents, tt.court},
				{"LawyerFeeCents", got.LawyerFeeCents, tt.lawyer},
				{"OtherCostsCents", got.OtherCostsCents, tt.other},
				{"TotalCostCents", got.TotalCostCents, tt.total},
				{"ExpectedRecoveryCents", got.ExpectedRecoveryCents, tt.expect},
				{"NetBenefitCents", got.NetBenefitCents, tt.expect - tt.total},
			} {
				if c.got != c.want {
					t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
				}
			}
			if got.RecoveryRate != tt.rate {
				t.Errorf("RecoveryRate = %v, want %v", got.RecoveryRate, tt.rate)
			}
			if got.Worthwhile != tt.worthwhile {
				t.Errorf("Worthwhile = %v, want %v", got.Worthwhile, tt.worthwhile)
			}
			if got.Basis == "" || (tt.basis != "" && got.Basis != tt.basis) {
				t.Errorf("Basis = %q\nwant    %q", got.Basis, tt.basis)
			}
		})
	}
}

func TestEstimateLegalRecoveryTable(t *testing.T) {
	tests := []struct {
		dpd           int
		with, without float64
	}{
		{0, 0.50, 0.30}, {180, 0.50, 0.30}, {181, 0.40, 0.22}, {365, 0.40, 0.22},
		{366, 0.30, 0.15}, {730, 0.30, 0.15}, {731, 0.20, 0.10}, {1095, 0.20, 0.10},
		{1096, 0.10, 0.05}, {5000, 0.10, 0.05},
	}
	for _, tt := range tests {
		for _, rpc := range []bool{true, false} {
			name := "DPD" + strconv.Itoa(tt.dpd) + map[bool]string{true: "WithContact", false: "WithoutContact"}[rpc]
			t.Run(name, func(t *testing.T) {
				want := tt.without
				if rpc {
					want = tt.with
				}
				got := casework.EstimateLegal(casework.LegalInput{BalanceCents: 100_000_00, DPD: tt.dpd, HasRightPartyContact: rpc})
				if got.RecoveryRate != want {
					t.Errorf("RecoveryRate = %v, want %v", got.RecoveryRate, want)
				}
			})
		}
	}
}
