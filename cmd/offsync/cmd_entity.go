package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/spf13/cobra"
)

const pathSchema = "/v1/admin/schema"

var entityColumns = []column{col("NAME", "name"), col("DISPLAY NAME", "displayName"), col("OWNERSHIP", "ownership"),
	col("OFFLINE", "offline"), countCol("ATTRIBUTES", "attributes")}

// newEntityCmd is `offsync entity`: the schema's entity definitions,
// edited as a draft and then published.
func newEntityCmd() *cobra.Command {
	c := &cobra.Command{Use: "entity", Short: "Show, edit and publish entity definitions"}
	f := addAdminFlags(c)
	show := func(use, short, path, title string) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return f.call(cmd, http.MethodGet, path, nil, func(p printer, raw json.RawMessage) error {
					return p.custom(raw, func(w io.Writer, v any) error { return printSchema(w, v, title) })
				})
			},
		}
	}
	var file string
	apply := &cobra.Command{
		Use:   "apply -f FILE",
		Short: `Replace the draft schema with a JSON file ({"entities": [...]})`,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readJSONFile(cmd, file)
			if err != nil {
				return err
			}
			return f.call(cmd, http.MethodPut, pathSchema+"/draft", raw, func(p printer, raw json.RawMessage) error {
				return p.done(raw, "saved the draft schema; publish it with `offsync entity publish`")
			})
		},
	}
	addFileFlag(apply, &file, "the draft schema")
	publish := &cobra.Command{
		Use:   "publish",
		Short: "Publish the draft schema: the metadata version increases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.call(cmd, http.MethodPost, pathSchema+"/publish", nil, func(p printer, raw json.RawMessage) error {
				var ans struct{ Version, MetadataVersion json.Number }
				if err := json.Unmarshal(raw, &ans); err != nil {
					return p.done(raw, "published the schema")
				}
				return p.done(raw, "published the schema: metadata version "+ans.MetadataVersion.String())
			})
		},
	}
	c.AddCommand(
		show("list", "List the published entities", pathSchema, "published schema, metadata version"),
		show("draft", "Show the draft entities", pathSchema+"/draft", "draft schema"),
		apply,
		publish,
	)
	return c
}

// printSchema prints a schema {version, entities} as a title line and a
// table of its entities.
func printSchema(w io.Writer, v any, title string) error {
	sch, ok := v.(map[string]any)
	if !ok {
		return errors.New("print schema: expected a JSON object")
	}
	if n := format(sch["version"]); n != "" && n != "0" {
		title += " " + n
	}
	fmt.Fprintf(w, "%s\n\n", title)
	entities, _ := sch["entities"].([]any)
	writeTable(w, entities, entityColumns)
	return nil
}
