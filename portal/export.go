package portal

import (
	"collect"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"collect/portal/csvout"
)

// table is a page's table for export: every oversight table can be
// downloaded as CSV (UTF-8 with BOM, for Excel) or XLSX.
type table struct {
	Name    string
	Headers []string
	Rows    [][]string
}

// writeTable sends t as format "csv" or "xlsx".
func writeTable(c echo.Context, format string, t table) error {
	h := c.Response().Header()
	switch format {
	case "csv":
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.csv"`, t.Name))
		c.Response().WriteHeader(http.StatusOK)
		if _, err := c.Response().Write([]byte("\ufeff")); err != nil {
			return err
		}
		w := csvout.NewWriter(c.Response())
		_ = w.Write(t.Headers)
		for _, r := range t.Rows {
			if err := w.Write(r); err != nil {
				return err
			}
		}
		w.Flush()
		return w.Error()
	case "xlsx":
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			return err
		}
		row := func(n int, vals []string) error {
			cells := make([]any, len(vals))
			for i, v := range vals {
				cells[i] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, n)
			return sw.SetRow(cell, cells)
		}
		if err := row(1, t.Headers); err != nil {
			return err
		}
		for i, r := range t.Rows {
			if err := row(i+2, r); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		h.Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.xlsx"`, t.Name))
		c.Response().WriteHeader(http.StatusOK)
		_, err = f.WriteTo(c.Response())
		return err
	}
	return collect.E(collect.ENOTFOUND, "err.request.unknown_export_format")
}
