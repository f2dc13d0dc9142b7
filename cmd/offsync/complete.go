package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Shell completion (offsync completion bash|zsh|fish|powershell): the
// fixed values of flags, and names looked up where they live: profile and
// entity names through the admin API when a server and an admin token are
// at hand (flags or environment), a device store's entities on disk.

// completeTimeout bounds a completion's request: a shell waits for it.
const completeTimeout = 2 * time.Second

// noFiles completes nothing, and no file names either.
const noFiles = cobra.ShellCompDirectiveNoFileComp

// completeOutput completes -o/--output.
var completeOutput = cobra.FixedCompletions([]string{outputJSON + "\tthe server's answer, indented", outputTable + "\taligned columns"}, noFiles)

// completeNames completes the key field of the objects GET path lists
// (quietly nothing when the server cannot be asked).
func (f *adminFlags) completeNames(path, key string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		a, _, err := f.open(cmd)
		if err != nil {
			return nil, noFiles
		}
		ctx, cancel := context.WithTimeout(context.Background(), completeTimeout)
		defer cancel()
		var objs []map[string]any
		if a.Do(ctx, http.MethodGet, path, nil, &objs) != nil {
			return nil, noFiles
		}
		var out []cobra.Completion
		for _, o := range objs {
			if s, ok := o[key].(string); ok && strings.HasPrefix(s, toComplete) {
				out = append(out, s)
			}
		}
		return out, noFiles
	}
}

// firstArg completes only a command's first argument with fn.
func firstArg(fn cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, noFiles
		}
		return fn(cmd, args, toComplete)
	}
}

// completeStoreEntities completes --entity with the entities the device
// store at *store holds rows of.
func completeStoreEntities(store *string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		d, err := openStore(*store)
		if err != nil {
			return nil, noFiles
		}
		defer d.Close()
		counts, err := d.Counts()
		if err != nil {
			return nil, noFiles
		}
		var out []cobra.Completion
		for _, e := range storeEntities(counts) {
			if strings.HasPrefix(e, toComplete) {
				out = append(out, e)
			}
		}
		return out, noFiles
	}
}
