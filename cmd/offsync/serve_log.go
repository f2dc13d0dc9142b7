package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// The log flags of serve: --log-format, --log-level, --raft-log-level.

// newLogger returns the server's logger: format text or json, lines at
// level (debug, info, warn or error) and above.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	lv, err := parseLevel("--log-level", level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErr(fmt.Errorf("--log-format %q: want text or json", format))
}

// parseLevel reads a log level flag.
func parseLevel(flag, s string) (slog.Level, error) {
	var lv slog.Level
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "error":
		if err := lv.UnmarshalText([]byte(s)); err == nil {
			return lv, nil
		}
	}
	return 0, usageErr(fmt.Errorf("%s %q: want debug, info, warn or error", flag, s))
}
