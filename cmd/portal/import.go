package main

import (
	"collect"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"collect/allocation"
	"collect/portal/sheets"
	"collect/portal/store"
)

// importFile is `portal import`: the same import as the page and the API,
// acting as the named vendor manager, so it is audited as theirs.
func importFile(ctx context.Context, st *store.Store, f importFlags, stdout io.Writer) error {
	u, err := st.UserByEmail(ctx, f.As)
	if err != nil {
		return usageError{fmt.Sprintf("-as %s: no such user", f.As)}
	}
	actor, _, err := st.Actor(ctx, u.ID)
	if err != nil {
		return err
	}
	if !actor.Has(collect.RoleVendorManager) {
		return usageError{fmt.Sprintf("-as %s: only a vendor manager imports portfolios", f.As)}
	}
	file, err := os.Open(f.File)
	if err != nil {
		return usageError{err.Error()}
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return err
	}
	var mapping allocation.Mapping
	if m := strings.TrimSpace(f.Mapping); strings.HasPrefix(m, "{") {
		if err := json.Unmarshal([]byte(m), &mapping); err != nil {
			return usageError{"-mapping: not a JSON object: " + err.Error()}
		}
	} else if m != "" {
		saved, err := st.Mappings(ctx, actor)
		if err != nil {
			return err
		}
		var ok bool
		if mapping, ok = saved[m]; !ok {
			return usageError{"-mapping: no saved mapping is named " + m}
		}
	}
	src, err := sheets.OpenRowSource(file, fi.Size())
	if err != nil {
		return err
	}
	defer src.Close()
	name := f.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(f.File), filepath.Ext(f.File))
	}
	res, err := st.ImportPortfolio(ctx, actor, store.ImportRequest{Name: name, Filename: filepath.Base(f.File), Partial: f.Partial, Mapping: mapping, Source: src,
		Progress: func(processed, accepted, rejected int) {
			if processed%100000 == 0 && processed > 0 {
				fmt.Fprintf(stdout, "  %d rows read (%d valid, %d rejected)\n", processed, accepted, rejected)
			}
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "import %s: %s, %d accepted, %d rejected\n", res.ImportID, res.Status, res.Accepted, res.Rejected)
	if res.PortfolioID != "" {
		fmt.Fprintf(stdout, "portfolio %s\n", res.PortfolioID)
	}
	if res.Message != "" {
		fmt.Fprintln(stdout, res.Message)
	}
	for i, e := range res.Errors {
		if i == 20 {
			fmt.Fprintf(stdout, "  … %d more problems\n", len(res.Errors)-20)
			break
		}
		fmt.Fprintf(stdout, "  line %d, %s: %s\n", e.Line, e.Field, e.Message)
	}
	if f.Rejects != "" && res.Rejected > 0 {
		out, err := os.Create(f.Rejects)
		if err != nil {
			return err
		}
		if err := st.WriteRejectsCSV(ctx, actor, res.ImportID, out); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rejected rows written to %s\n", f.Rejects)
	}
	if res.Status != "done" {
		return errImportFailed
	}
	return nil
}

var errImportFailed = fmt.Errorf("nothing was imported")
