package replication

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
)

// Raft logs through hclog. hclogSlog hands its lines to the process's
// slog.Logger, so that each line has one timestamp, one level and the
// process's format (text or JSON), with Raft's own minimum level
// (Config.RaftLogLevel) on top of the handler's.

// hclogSlog is an hclog.Logger writing to a *slog.Logger.
type hclogSlog struct {
	l     *slog.Logger
	name  string
	args  []any // implied arguments, from With
	level *atomic.Int64
}

// newHCLogger returns an hclog.Logger named name that writes to l the
// lines at level or above.
func newHCLogger(l *slog.Logger, name string, level slog.Level) hclog.Logger {
	lv := &atomic.Int64{}
	lv.Store(int64(level))
	return &hclogSlog{l: l, name: name, level: lv}
}

// slogLevel maps an hclog level to slog's (Trace below Debug).
func slogLevel(level hclog.Level) slog.Level {
	switch level {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// hclogLevel maps a slog level back to hclog's.
func hclogLevel(level slog.Level) hclog.Level {
	switch {
	case level < slog.LevelDebug:
		return hclog.Trace
	case level < slog.LevelInfo:
		return hclog.Debug
	case level < slog.LevelWarn:
		return hclog.Info
	case level < slog.LevelError:
		return hclog.Warn
	}
	return hclog.Error
}

// expected demotes to info the warnings that are part of a normal start:
// a node that has not heard of any leader since it started (a fresh or
// restarted node, a lone node) starting an election.
func expected(level slog.Level, msg string, args []any) slog.Level {
	if level != slog.LevelWarn || msg != "heartbeat timeout reached, starting election" {
		return level
	}
	for i := 0; i+1 < len(args); i += 2 {
		if k, _ := args[i].(string); k == "last-leader-id" {
			if fmt.Sprint(args[i+1]) != "" { // a raft.ServerID
				return level
			}
			return slog.LevelInfo
		}
	}
	return level
}

func (h *hclogSlog) enabled(level slog.Level) bool {
	return level >= slog.Level(h.level.Load()) && h.l.Enabled(context.Background(), level)
}

// Log implements hclog.Logger.
func (h *hclogSlog) Log(level hclog.Level, msg string, args ...any) {
	if level == hclog.Off || level == hclog.NoLevel {
		return
	}
	lv := expected(slogLevel(level), msg, args)
	if !h.enabled(lv) {
		return
	}
	all := make([]any, 0, 2+len(h.args)+len(args))
	all = append(all, "logger", h.name)
	all = append(all, h.args...)
	all = append(all, args...)
	for i, a := range all {
		if f, ok := a.(hclog.Format); ok && len(f) > 0 { // hclog.Fmt("%+v", x)
			if format, ok := f[0].(string); ok {
				all[i] = fmt.Sprintf(format, f[1:]...)
			}
		}
	}
	h.l.Log(context.Background(), lv, msg, all...)
}

// Trace implements hclog.Logger.
func (h *hclogSlog) Trace(msg string, args ...any) { h.Log(hclog.Trace, msg, args...) }

// Debug implements hclog.Logger.
func (h *hclogSlog) Debug(msg string, args ...any) { h.Log(hclog.Debug, msg, args...) }

// Info implements hclog.Logger.
func (h *hclogSlog) Info(msg string, args ...any) { h.Log(hclog.Info, msg, args...) }

// Warn implements hclog.Logger.
func (h *hclogSlog) Warn(msg string, args ...any) { h.Log(hclog.Warn, msg, args...) }

// Error implements hclog.Logger.
func (h *hclogSlog) Error(msg string, args ...any) { h.Log(hclog.Error, msg, args...) }

// IsTrace implements hclog.Logger.
func (h *hclogSlog) IsTrace() bool { return h.enabled(slogLevel(hclog.Trace)) }

// IsDebug implements hclog.Logger.
func (h *hclogSlog) IsDebug() bool { return h.enabled(slog.LevelDebug) }

// IsInfo implements hclog.Logger.
func (h *hclogSlog) IsInfo() bool { return h.enabled(slog.LevelInfo) }

// IsWarn implements hclog.Logger.
func (h *hclogSlog) IsWarn() bool { return h.enabled(slog.LevelWarn) }

// IsError implements hclog.Logger.
func (h *hclogSlog) IsError() bool { return h.enabled(slog.LevelError) }

// ImpliedArgs implements hclog.Logger.
func (h *hclogSlog) ImpliedArgs() []any { return h.args }

// With implements hclog.Logger.
func (h *hclogSlog) With(args ...any) hclog.Logger {
	c := *h
	c.args = append(append([]any(nil), h.args...), args...)
	return &c
}

// Name implements hclog.Logger.
func (h *hclogSlog) Name() string { return h.name }

// Named implements hclog.Logger.
func (h *hclogSlog) Named(name string) hclog.Logger {
	if h.name != "" {
		name = h.name + "." + name
	}
	return h.ResetNamed(name)
}

// ResetNamed implements hclog.Logger.
func (h *hclogSlog) ResetNamed(name string) hclog.Logger {
	c := *h
	c.name = name
	return &c
}

// SetLevel implements hclog.Logger; the level is shared with the loggers
// made from this one.
func (h *hclogSlog) SetLevel(level hclog.Level) { h.level.Store(int64(slogLevel(level))) }

// GetLevel implements hclog.Logger.
func (h *hclogSlog) GetLevel() hclog.Level { return hclogLevel(slog.Level(h.level.Load())) }

// StandardLogger implements hclog.Logger.
func (h *hclogSlog) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(h.StandardWriter(opts), "", 0)
}

// StandardWriter implements hclog.Logger: each line written is logged at
// opts.ForceLevel, or info.
func (h *hclogSlog) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	level := hclog.Info
	if opts != nil && opts.ForceLevel != hclog.NoLevel {
		level = opts.ForceLevel
	}
	return lineWriter{h: h, level: level}
}

// lineWriter logs each write as one line.
type lineWriter struct {
	h     *hclogSlog
	level hclog.Level
}

// Write implements io.Writer.
func (w lineWriter) Write(p []byte) (int, error) {
	w.h.Log(w.level, string(bytes.TrimRight(p, "\r\n")))
	return len(p), nil
}

var _ hclog.Logger = (*hclogSlog)(nil)
