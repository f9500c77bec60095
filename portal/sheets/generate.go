package sheets

// Generated portfolio files for tests and benchmarks: n valid rows drawn
// from debtors.Account, written as CSV or XLSX without holding n rows in memory.

import (
	"bufio"
	"collect"
	"collect/allocation"
	"collect/portal/demo/debtors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// genRef writes the unique reference of generated row i (1-based):
// "GEN" and 9 digits.
func appendGenRef(b []byte, i int) []byte {
	b = append(b, "GEN"...)
	var d [9]byte
	for k := 8; k >= 0; k-- {
		d[k] = byte('0' + i%10)
		i /= 10
	}
	return append(b, d[:]...)
}

// genRNG is the generator's random source for a seed; the CSV and XLSX
// writers draw the same accounts for the same seed.
func genRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// WritePortfolioCSV writes a header ("en": canonical English names, "zh":
// the Chinese ones) and n valid rows generated from debtors.Account as of asOf,
// references GEN000000001, GEN000000002, ... It streams (one row buffer,
// bufio), so n may be in the millions.
func WritePortfolioCSV(w io.Writer, n int, seed uint64, asOf time.Time, header string) error {
	names := make([]string, len(allocation.ChinaColumns))
	for i, c := range allocation.ChinaColumns {
		switch header {
		case "en":
			names[i] = string(c)
		case "zh":
			names[i] = c.Chinese()
		default:
			return collect.E(collect.EINVALID, "err.file.generate_header", "header", strconv.Quote(header))
		}
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := bw.WriteString(strings.Join(names, ",") + "\n"); err != nil {
		return err
	}
	rng := genRNG(seed)
	buf := make([]byte, 0, 512)
	for i := 1; i <= n; i++ {
		a := debtors.Account(rng, asOf, "", "", "", "")
		b := appendGenRef(buf[:0], i)
		b = appendCSVField(append(b, ','), a.DebtorName)
		b = append(append(b, ','), a.NationalID...)
		b = append(append(b, ','), a.Phone...)
		b = appendCSVField(append(b, ','), a.Province)
		b = allocation.AppendCents(append(b, ','), a.PrincipalCents)
		b = allocation.AppendCents(append(b, ','), a.BalanceCents)
		b = append(append(b, ','), a.Currency...)
		b = append(append(b, ','), a.DueDate...)
		b = appendInt(append(b, ','), a.DPD)
		b = append(append(b, ','), a.LastPaymentDate...)
		b = append(append(b, ','), a.EmergencyContactPhone...)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
		buf = b
	}
	return bw.Flush()
}

func appendInt(b []byte, n int) []byte {
	if n == 0 {
		return append(b, '0')
	}
	var d [20]byte
	i := len(d)
	for n > 0 {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[i:]...)
}

// appendCSVField appends s, quoted when it needs to be.
func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// WritePortfolioXLSX writes the same rows as WritePortfolioCSV (Chinese
// header) as an XLSX workbook with excelize's StreamWriter, typed as a
// lender's Excel export would be: references, IDs and phones as text,
// amounts as numbers formatted #,##0.00, DPD as a number, due and last
// payment dates as date cells (built-in short date format).
func WritePortfolioXLSX(w io.Writer, n int, seed uint64, asOf time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	amount, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // short date
	if err != nil {
		return err
	}
	row := make([]any, len(allocation.ChinaColumns))
	for i, c := range allocation.ChinaColumns {
		row[i] = c.Chinese()
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	rng := genRNG(seed)
	ref := make([]byte, 0, 12)
	for i := 1; i <= n; i++ {
		a := debtors.Account(rng, asOf, "", "", "", "")
		ref = appendGenRef(ref[:0], i)
		due, _ := time.Parse("2006-01-02", a.DueDate)
		var last any
		if a.LastPaymentDate != "" {
			t, _ := time.Parse("2006-01-02", a.LastPaymentDate)
			last = excelize.Cell{StyleID: date, Value: t}
		}
		row[0] = string(ref)
		row[1] = a.DebtorName
		row[2] = a.NationalID
		row[3] = a.Phone
		row[4] = a.Province
		row[5] = excelize.Cell{StyleID: amount, Value: float64(a.PrincipalCents) / 100}
		row[6] = excelize.Cell{StyleID: amount, Value: float64(a.BalanceCents) / 100}
		row[7] = a.Currency
		row[8] = excelize.Cell{StyleID: date, Value: due}
		row[9] = a.DPD
		row[10] = last
		row[11] = a.EmergencyContactPhone
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
