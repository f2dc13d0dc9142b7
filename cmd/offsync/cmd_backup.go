package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/offsync/offsync/engine"
	"github.com/offsync/offsync/server"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

func newBackupCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Take an online backup of a running server into FILE",
		Long: `Take an online backup of a running server into FILE: the node's whole
database, consistent at one version, while it keeps serving and taking
writes. The file is checked as it arrives and only then moved to FILE;
restore it with offsync restore.`,
		Args: cobra.NoArgs,
	}
	f := addAdminFlags(c)
	c.Flags().StringVar(&out, "out", "", "file to write the backup to (must not exist)")
	_ = c.MarkFlagRequired("out")
	c.RunE = func(cmd *cobra.Command, _ []string) error { return runBackup(cmd, f, out) }
	return c
}

func runBackup(cmd *cobra.Command, f *adminFlags, out string) error {
	if _, err := os.Stat(out); err == nil {
		return usageErr(fmt.Errorf("--out %s: the file exists; choose a new name", out))
	}
	a, _, err := f.open(cmd)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, a.Server+"/v1/admin/backup", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	hc := *a.HTTP
	hc.Timeout = 0 // a backup takes as long as it takes; the server cuts off a stalled one
	resp, err := hc.Do(req)
	if err != nil {
		return f.explain(fmt.Errorf("backup: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var eb server.ErrorBody
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&eb)
		return f.explain(fmt.Errorf("backup: the server answered %s: %s", resp.Status, eb.Message))
	}
	tmp := out + ".part"
	file, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	n, version, err := receiveBackup(cmd, resp, file)
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Backup of version %d written to %s (%d bytes)\n", version, out, n)
	return nil
}

// receiveBackup copies the backup file in resp to file, checking its frame
// and checksum on the way, with a progress bar on a terminal.
func receiveBackup(cmd *cobra.Command, resp *http.Response, file io.Writer) (int64, uint64, error) {
	w := io.Writer(file)
	estimate, _ := strconv.ParseInt(resp.Header.Get(server.HeaderBackupEstimate), 10, 64)
	if bar := byteBar(cmd, estimate); bar != nil {
		defer bar.Finish()
		w = io.MultiWriter(file, bar)
	}
	cw := &countWriter{w: w}
	version, r, err := engine.OpenBackup(io.TeeReader(resp.Body, cw))
	if err != nil {
		return cw.n, 0, err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		if errors.Is(err, engine.ErrBadBackup) {
			return cw.n, 0, fmt.Errorf("the download was cut short or damaged: %w", err)
		}
		return cw.n, 0, err
	}
	if hv := resp.Header.Get(server.HeaderVersion); hv != strconv.FormatUint(version, 10) {
		return cw.n, 0, fmt.Errorf("the file holds version %d, the server announced %s: %w", version, hv, engine.ErrBadBackup)
	}
	return cw.n, version, nil
}

// byteBar returns a progress bar of bytes on stderr when it is a terminal,
// else nil. total may be an estimate (or -1: unknown).
func byteBar(cmd *cobra.Command, total int64) *progressbar.ProgressBar {
	f, ok := cmd.ErrOrStderr().(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	if total <= 0 {
		total = -1
	}
	return progressbar.NewOptions64(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("backup"),
		progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish())
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

// Write implements io.Writer.
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
