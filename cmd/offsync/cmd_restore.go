package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/offsync/offsync/engine"
	"github.com/spf13/cobra"
)

func newRestoreCmd() *cobra.Command {
	var data string
	c := &cobra.Command{
		Use:   "restore --data DIR FILE",
		Short: "Restore a backup into a new data directory",
		Long: `Restore a backup file (offsync backup) into a new, empty data directory.
Then start a node on it with offsync serve --data DIR: it forms a new
cluster at the backup's version (more nodes join it empty, with --join).
Devices keep their cursors; one that synced further than the restored
version (against the original) gets a full reload.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runRestore(cmd, data, args[0]) },
	}
	c.Flags().StringVar(&data, "data", defaultDataDir, "new data directory (must be empty or absent)")
	return c
}

func runRestore(cmd *cobra.Command, data, file string) (err error) {
	if entries, err := os.ReadDir(data); err == nil && len(entries) > 0 {
		return usageErr(fmt.Errorf("--data %s: not empty; restore into a new directory", data))
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("restore: %w", err)
	}
	in, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	undo := dataCleanup(data)
	defer func() {
		if err != nil {
			undo()
		}
	}()
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	eng, err := engine.Open(engine.DefaultConfig(filepath.Join(data, "engine")))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	version, err := eng.RestoreBackup(in)
	if cerr := eng.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Restored version %d into %s. Start it with: offsync serve --data %s\n", version, data, data)
	return nil
}
