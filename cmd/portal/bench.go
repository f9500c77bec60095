package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"

	"collect/portal/loadtest"
)

// bench is `portal bench`: the benchmark of issue 14 (portal/loadtest). The
// table (or, with -json, the JSON report) goes to standard output, progress
// to standard error.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := loadtest.Defaults()
	fs := flag.NewFlagSet("portal bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Accounts, "accounts", o.Accounts, "accounts in the large book")
	fs.IntVar(&o.ContactsPerAccount, "contacts-per-account", o.ContactsPerAccount, "contacts on every placed account")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "seed of the generated book and the plan")
	fs.IntVar(&o.Conns, "conns", o.Conns, "concurrent connections of each row")
	fs.IntVar(&o.MixedConns, "mixed-conns", o.MixedConns, "concurrent connections of the demo-scale mixed load")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long each row runs")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "a request taking longer is an error")
	fs.StringVar(&o.DB, "db", o.DB, "sqlite (a temporary file) or a postgres:// URL (a fresh database on that server, dropped after)")
	fs.BoolVar(&o.InsertBaseline, "insert-baseline", o.InsertBaseline, "measure the import's raw INSERT baseline")
	fs.BoolVar(&o.Jobs, "jobs", o.Jobs, "run the server's periodic jobs during the load")
	rows := fs.String("rows", "", "only the rows whose name matches this regular expression (the baselines always run)")
	fs.StringVar(&o.CPUProfiles, "cpuprofile", "", "a folder for one CPU profile of each row loaded (server and load alike)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the large book's database and say where it is")
	fs.BoolVar(&o.SkipMixed, "skip-mixed", false, "no demo-scale mixed load")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("quiet", false, "no progress on standard error")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if !*quiet {
		o.Progress = stderr
	}
	if *rows != "" {
		re, err := regexp.Compile(*rows)
		if err != nil {
			return usageError{"-rows: " + err.Error()}
		}
		o.Rows = re
	}

	rep, err := loadtest.Run(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteTable(stdout)
}
