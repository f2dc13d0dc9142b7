package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/offsync/offsync/codec"
	"github.com/spf13/cobra"
)

// newDeviceChangeCmd queues an offline change: create, edit or delete.
// The next `device sync` pushes it.
func newDeviceChangeCmd(verb string) *cobra.Command {
	var store, entity, id string
	var sets []string
	op := map[string]string{"create": "create", "edit": "update", "delete": "delete"}[verb]
	c := &cobra.Command{
		Use:   verb,
		Short: "Queue an offline " + verb + " of a row (pushed by the next sync)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if id == "" {
				if op != "create" {
					return fmt.Errorf("device %s: --id is required", verb)
				}
				id = uuid.NewString()
			}
			attrs, err := parseSets(sets)
			if err != nil {
				return err
			}
			d, err := openStore(store)
			if err != nil {
				return err
			}
			defer d.Close()
			m, err := d.Queue(codec.Mutation{Entity: entity, RowID: id, Op: op, Attrs: attrs})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "queued %s of %s %s (mutation %s)\n", op, entity, id, m.ID)
			return nil
		},
	}
	c.Flags().StringVar(&store, "store", "./offsync-device", "local store directory (made by device sync)")
	c.Flags().StringVar(&entity, "entity", "", "entity name")
	c.Flags().StringVar(&id, "id", "", idHelp[verb])
	if op != "delete" {
		c.Flags().StringArrayVar(&sets, "set", nil, "attribute=value (repeatable; numbers, true/false and null are typed; 'quoted' is a string)")
	}
	_ = c.MarkFlagRequired("entity")
	_ = c.RegisterFlagCompletionFunc("entity", completeStoreEntities(&store))
	return c
}

// idHelp explains --id per verb.
var idHelp = map[string]string{
	"create": "id (a UUID) of the new row; generated when empty",
	"edit":   `id of the row to change: the "id" of a row that device query prints (required)`,
	"delete": `id of the row to delete: the "id" of a row that device query prints (required)`,
}

// parseSets turns name=value pairs into attributes.
func parseSets(sets []string) (map[string]any, error) {
	if len(sets) == 0 {
		return nil, nil
	}
	out := map[string]any{}
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--set %q: want name=value", s)
		}
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			out[k] = v[1 : len(v)-1] // 'quoted': a string even if it looks like a number
		case v == "null":
			out[k] = nil
		case v == "true" || v == "false":
			out[k] = v == "true"
		default:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			} else if f, err := strconv.ParseFloat(v, 64); err == nil && strings.Contains(v, ".") {
				out[k] = f
			} else {
				out[k] = v
			}
		}
	}
	return out, nil
}
