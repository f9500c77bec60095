package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"collect"
	"collect/portal/store"
)

// stdin is where -password-stdin reads; tests replace it.
var stdin io.Reader = os.Stdin

// adminCreate is `portal admin create`: the first (or, with -force, another)
// platform administrator. With -password-stdin the first line of standard
// input is the password and the administrator can sign in at once;
// without, a one-time link to set it is printed (shown once, kept hashed).
func adminCreate(ctx context.Context, st *store.Store, cfg config, stdout io.Writer) error {
	in := store.AdminInput{Email: cfg.Admin.Email, Name: cfg.Import.Name, Force: cfg.Admin.Force}
	if cfg.Admin.PasswordStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read the password from standard input: %w", err)
		}
		in.Password = strings.TrimRight(line, "\r\n")
		if in.Password == "" {
			return usageError{"-password-stdin: standard input holds no password"}
		}
	}
	u, err := st.CreatePlatformAdmin(ctx, in)
	if err != nil {
		return describe(err)
	}
	if cfg.Admin.PasswordStdin {
		fmt.Fprintf(stdout, "platform administrator %s created; they can sign in now\n", u.Email)
		return nil
	}
	// The one-time link is a password reset link of the new administrator,
	// issued as the platform itself.
	link, err := st.IssueReset(ctx, collect.Actor{UserID: u.ID, OrgID: u.OrganisationID, OrgKind: collect.KindPlatform,
		Roles: []string{collect.RolePlatformAdmin}}, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "platform administrator %s created\n", u.Email)
	fmt.Fprintf(stdout, "set the password (once, before %s) at:\n%s\n", link.ExpiresAt.UTC().Format(time.RFC3339), baseURL(cfg)+"/reset/"+url.PathEscape(link.Token))
	return nil
}

// describe adds the field errors to a refused input's message, for the
// command line.
func describe(err error) error {
	e, ok := err.(*collect.Error)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	parts := []string{e.Text()}
	for _, f := range e.Fields {
		if t := collect.Render(f.Key, f.Args); t != e.Text() {
			parts = append(parts, f.Field+": "+t)
		}
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}

// baseURL is where people reach the portal: -base-url, else the listen
// address (an unspecified host read as localhost).
func baseURL(cfg config) string {
	if cfg.BaseURL != "" {
		return strings.TrimRight(cfg.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return "http://" + cfg.Addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
