package main

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/offsync/offsync/client"
	"github.com/spf13/cobra"
)

// newProfileCreateCmd is `profile create --name N [--app NAME]`: a new
// profile, with a generated id and no rules yet, in an app.
func newProfileCreateCmd(f *adminFlags) *cobra.Command {
	var p client.Profile
	c := &cobra.Command{
		Use:   "create --name NAME [--app NAME] [--description D]",
		Short: "Create an empty profile in an app (its rules come with profile apply)",
		Long: `Create a profile with a generated id and no rules, in the app given by
--app (by name or id; the default app without it). Add rules by editing its
JSON (profile get NAME -o json), then profile apply -f FILE, and members with
profile add-member.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, pr, err := f.open(cmd)
			if err != nil {
				return err
			}
			p.ID = uuid.NewString()
			w, err := a.PutProfile(cmd.Context(), p, false)
			if err != nil {
				return f.explain(err)
			}
			raw, err := json.Marshal(map[string]any{"id": p.ID, "name": p.Name, "version": w.Version})
			if err != nil {
				return err
			}
			return pr.done(raw, fmt.Sprintf("created profile %s (%s)", p.Name, p.ID))
		},
	}
	c.Flags().StringVar(&p.Name, "name", "", "the profile's name, unique ignoring case")
	c.Flags().StringVar(&p.Description, "description", "", "what the profile is for")
	addAppFlag(c, f, &p.App, "the profile's app, by name or id (default: the default app)")
	_ = c.MarkFlagRequired("name")
	return c
}
