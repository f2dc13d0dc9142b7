package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/server"
	"github.com/spf13/cobra"
)

// The admin command groups (bu, team, user, role, profile, token, entity,
// org) share their flags and their plumbing: build a request, send it with
// client.Admin, print the answer (output.go).

// defaultDataDir is serve's default --data: the admin commands look
// there for a generated admin token.
const defaultDataDir = "./offsync-data"

// adminFlags are the persistent flags of every admin command group.
type adminFlags struct {
	server, token, output string
	// tokenFile is the file the token was read from, when it was.
	tokenFile string
}

// addAdminFlags adds --server, --admin-token and --output to group (and
// so to its subcommands).
func addAdminFlags(group *cobra.Command) *adminFlags {
	f := &adminFlags{}
	pf := group.PersistentFlags()
	pf.StringVar(&f.server, "server", envOr("OFFSYNC_SERVER", client.DefaultServer), "server URL (env OFFSYNC_SERVER)")
	// The token's default is read at run time, so that --help never shows it.
	pf.StringVar(&f.token, "admin-token", "", "admin token (default $OFFSYNC_ADMIN_TOKEN)")
	pf.StringVarP(&f.output, "output", "o", outputTable, "output format: json or table")
	_ = group.RegisterFlagCompletionFunc("output", completeOutput)
	return f
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// open returns the API client and the printer the flags ask for.
func (f *adminFlags) open(cmd *cobra.Command) (*client.Admin, printer, error) {
	p, err := newPrinter(cmd.OutOrStdout(), f.output)
	if err != nil {
		return nil, p, err
	}
	if err := checkServer(f.server); err != nil {
		return nil, p, err
	}
	token := f.token
	if token == "" {
		token = os.Getenv("OFFSYNC_ADMIN_TOKEN")
	}
	if token == "" {
		token = f.localAdminToken(cmd)
	}
	if token == "" {
		return nil, p, usageErr(errors.New("no admin token: pass --admin-token or set OFFSYNC_ADMIN_TOKEN"))
	}
	a, err := client.NewAdmin(f.server, token)
	if err != nil {
		return nil, p, err
	}
	hc, err := trustingClient(client.DefaultTimeout)
	if hc != nil {
		a.HTTP = hc
	}
	return a, p, err
}

// localAdminToken reads the token a server started in this directory
// generated (./offsync-data/admin-token), saying so on stderr (once), or
// "".
func (f *adminFlags) localAdminToken(cmd *cobra.Command) string {
	path := filepath.Join(defaultDataDir, server.AdminTokenFile)
	b, err := os.ReadFile(path)
	tok := strings.TrimSpace(string(b))
	if err != nil || tok == "" {
		return ""
	}
	if f.tokenFile == "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "offsync: using the admin token in %s (pass --admin-token or set OFFSYNC_ADMIN_TOKEN for another)\n", path)
	}
	f.tokenFile = path
	return tok
}

// explain adds advice to a failed request's error: where the server was
// looked for, or where a refused token came from.
func (f *adminFlags) explain(err error) error {
	if f.tokenFile != "" && errors.Is(err, client.ErrUnauthorized) {
		return fmt.Errorf("%w (the token is the one in %s: the server may run with another, given by --admin-token or OFFSYNC_ADMIN_TOKEN when it started)", err, f.tokenFile)
	}
	return explainErr(err, f.server)
}

// call sends one request and prints its answer with show.
func (f *adminFlags) call(cmd *cobra.Command, method, path string, body any, show func(printer, json.RawMessage) error) error {
	a, p, err := f.open(cmd)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := a.Do(cmd.Context(), method, path, body, &raw); err != nil {
		return f.explain(err)
	}
	return show(p, raw)
}

// fetch sends one GET and returns the answer, for commands that look
// something up before they write.
func (f *adminFlags) fetch(cmd *cobra.Command, path string, out any) error {
	a, _, err := f.open(cmd)
	if err != nil {
		return err
	}
	if err := a.Do(cmd.Context(), http.MethodGet, path, nil, out); err != nil {
		return f.explain(err)
	}
	return nil
}

// esc escapes one path segment (an id, or a profile name with spaces).
func esc(s string) string { return url.PathEscape(s) }

// readJSONFile reads the JSON document of a -f flag ("-" is stdin).
func readJSONFile(cmd *cobra.Command, name string) (json.RawMessage, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(cmd.InOrStdin())
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("read file: %s: not valid JSON: %w", name, err)
	}
	return b, nil
}

// addFileFlag adds the required -f/--file flag.
func addFileFlag(c *cobra.Command, file *string, what string) {
	c.Flags().StringVarP(file, "file", "f", "", "JSON file of "+what+` ("-" for stdin)`)
	_ = c.MarkFlagRequired("file")
}

// listCmd lists a collection of the admin API (path, e.g.
// /v1/admin/users) with cols in table mode.
func listCmd(f *adminFlags, path, plural string, cols []column) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List " + plural,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, path, nil, func(p printer, raw json.RawMessage) error { return p.list(raw, cols) })
		},
	}
}

// getCmd shows one object of a collection.
func getCmd(f *adminFlags, path, noun string, sections ...section) *cobra.Command {
	return &cobra.Command{
		Use:   "get ID",
		Short: "Show a " + noun,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodGet, path+"/"+esc(args[0]), nil, func(p printer, raw json.RawMessage) error { return p.object(raw, sections...) })
		},
	}
}

// putCmd builds "put ID": body returns the request for args[0].
func putCmd(f *adminFlags, path, noun string, body func(cmd *cobra.Command, id string) (any, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "put ID",
		Short: "Create or replace a " + noun,
		Long:  "Create or replace a " + noun + ". The " + noun + " is replaced whole: fields not given are cleared.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := body(cmd, args[0])
			if err != nil {
				return err
			}
			return f.call(cmd, http.MethodPut, path+"/"+esc(args[0]), b, func(p printer, raw json.RawMessage) error {
				return p.done(raw, fmt.Sprintf("saved %s %s", noun, args[0]))
			})
		},
	}
}

// deleteCmd deletes one object of a collection.
func deleteCmd(f *adminFlags, path, noun string) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a " + noun,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodDelete, path+"/"+esc(args[0]), nil, func(p printer, raw json.RawMessage) error {
				return p.done(raw, fmt.Sprintf("deleted %s %s", noun, args[0]))
			})
		},
	}
}
