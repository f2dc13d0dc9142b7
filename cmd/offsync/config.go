package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// A serve config file (--config offsync.yaml) is a YAML mapping whose
// keys are serve's flag names, without the dashes in front:
//
//	data: /var/lib/offsync
//	http: 10.0.0.1:7070
//	max-lag: 500
//
// A flag given on the command line wins over the file, and so does an
// environment variable that stands for a flag (OFFSYNC_ADMIN_TOKEN for
// admin-token). An unknown key is an error naming the key and the file.

// configEnv maps the flags an environment variable may set to it.
var configEnv = map[string]string{"admin-token": "OFFSYNC_ADMIN_TOKEN"}

// applyConfigFile sets the flags of cmd named in the config file at path,
// except those set on the command line or by their environment variable.
func applyConfigFile(cmd *cobra.Command, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return usageErr(fmt.Errorf("--config: %w", err))
	}
	var doc map[string]yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return usageErr(fmt.Errorf("%s: not a YAML mapping of flag names to values: %v", path, err))
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		fl := cmd.Flags().Lookup(key)
		if fl == nil || key == "config" || key == "help" {
			return usageErr(fmt.Errorf("%s: unknown key %q (the keys are serve's flag names, like data or admin-token; see offsync serve --help)", path, key))
		}
		node := doc[key]
		if node.Kind != yaml.ScalarNode || node.Tag == "!!null" {
			return usageErr(fmt.Errorf("%s: %s: want a single value", path, key))
		}
		if env := configEnv[key]; fl.Changed || env != "" && os.Getenv(env) != "" {
			continue // the command line or the environment wins
		}
		// Set as on the command line, but not marked Changed.
		if err := fl.Value.Set(node.Value); err != nil {
			return usageErr(fmt.Errorf("%s: %s: %v", path, key, err))
		}
	}
	return nil
}
