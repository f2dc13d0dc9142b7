package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// The output of the admin commands. With --output json a command prints
// the server's answer as sent, indented. With --output table it prints
// aligned columns chosen per command. Answers are decoded generically
// (maps keyed by their JSON names, numbers kept as json.Number), so that
// a field the server adds shows in JSON output at once, and the table
// columns are only a choice of keys.

// The --output formats.
const (
	outputTable = "table"
	outputJSON  = "json"
)

// keyField is the pseudo key under which a section built from a JSON
// object (rather than an array) finds each member's name.
const keyField = "@key"

// printer writes one command's answer to w.
type printer struct {
	w    io.Writer
	json bool
}

// newPrinter checks the --output value.
func newPrinter(w io.Writer, format string) (printer, error) {
	switch format {
	case outputTable:
		return printer{w: w}, nil
	case outputJSON:
		return printer{w: w, json: true}, nil
	}
	return printer{}, fmt.Errorf("--output: %q is not json or table", format)
}

// column is one table column: its header and how a row renders in it.
type column struct {
	header string
	cell   func(row map[string]any) string
}

// col renders the value of key.
// A dotted key ("status.state") reads a nested object.
func col(header, key string) column {
	path := strings.Split(key, ".")
	return column{header, func(row map[string]any) string {
		var v any = row
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		return format(v)
	}}
}

// countCol renders how many items (array) or members (object) key holds.
func countCol(header, key string) column {
	return column{header, func(row map[string]any) string {
		switch v := row[key].(type) {
		case []any:
			return fmt.Sprint(len(v))
		case map[string]any:
			return fmt.Sprint(len(v))
		}
		return "0"
	}}
}

// timeCol renders key, unix milliseconds, as RFC 3339 UTC (empty for 0).
func timeCol(header, key string) column {
	return column{header, func(row map[string]any) string { return msTime(row[key]) }}
}

// msTime renders v, unix milliseconds, as RFC 3339 UTC; other values (and
// 0) as format does.
func msTime(v any) string {
	n, ok := v.(json.Number)
	if !ok {
		return format(v)
	}
	ms, err := n.Int64()
	if err != nil || ms == 0 {
		return format(v)
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

// bytesCol renders key, a byte count, in binary units.
func bytesCol(header, key string) column {
	return column{header, func(row map[string]any) string {
		n, ok := row[key].(json.Number)
		if !ok {
			return format(row[key])
		}
		b, err := n.Int64()
		if err != nil {
			return n.String()
		}
		return humanBytes(b)
	}}
}

// section is a table printed under an object's fields, from the array (or
// object of objects) at key.
type section struct {
	key, title string
	cols       []column
}

// printJSON prints raw indented.
func (p printer) printJSON(raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("print answer: %w", err)
	}
	buf.WriteByte('\n')
	_, err := p.w.Write(buf.Bytes())
	return err
}

// list prints an array of objects.
func (p printer) list(raw json.RawMessage, cols []column) error {
	if p.json {
		return p.printJSON(raw)
	}
	v, err := decode(raw)
	if err != nil {
		return err
	}
	rows, ok := v.([]any)
	if !ok {
		return errors.New("print answer: expected a JSON array")
	}
	tw := newTabWriter(p.w)
	writeTable(tw, rows, cols)
	return tw.Flush()
}

// object prints one object: a "key:  value" line per field in the
// server's order (arrays of scalars one item per line), then sections.
func (p printer) object(raw json.RawMessage, sections ...section) error {
	return p.objectTimes(raw, nil, sections...)
}

// objectTimes is object with the fields named in times, unix
// milliseconds, rendered as RFC 3339 as timeCol does.
func (p printer) objectTimes(raw json.RawMessage, times []string, sections ...section) error {
	if p.json {
		return p.printJSON(raw)
	}
	fields, err := decodeFields(raw)
	if err != nil {
		return err
	}
	for i, f := range fields {
		if slices.Contains(times, f.key) {
			fields[i].val = msTime(f.val)
		}
	}
	tw := newTabWriter(p.w)
	writeFields(tw, fields, sections)
	for _, s := range sections {
		i := slices.IndexFunc(fields, func(f field) bool { return f.key == s.key })
		if i < 0 {
			continue
		}
		fmt.Fprintf(tw, "\n%s:\n", s.title)
		writeTable(tw, sectionRows(fields[i].val), s.cols)
	}
	return tw.Flush()
}

// custom prints the decoded answer with table in table mode.
func (p printer) custom(raw json.RawMessage, table func(tw io.Writer, v any) error) error {
	if p.json {
		return p.printJSON(raw)
	}
	v, err := decode(raw)
	if err != nil {
		return err
	}
	tw := newTabWriter(p.w)
	if err := table(tw, v); err != nil {
		return err
	}
	return tw.Flush()
}

// done prints the answer of a write, {"version": N}: in table mode, msg
// and the version it was applied at.
func (p printer) done(raw json.RawMessage, msg string) error {
	if p.json {
		return p.printJSON(raw)
	}
	var ans struct {
		Version json.Number `json:"version"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.Version == "" {
		_, err := fmt.Fprintln(p.w, msg)
		return err
	}
	_, err := fmt.Fprintf(p.w, "%s (version %s)\n", msg, ans.Version)
	return err
}

// table aligns tab-separated cells into columns (two spaces apart) and
// writes them to w on flush, without trailing blanks.
type table struct {
	*tabwriter.Writer
	buf bytes.Buffer
	w   io.Writer
}

func newTabWriter(w io.Writer) *table {
	t := &table{w: w}
	t.Writer = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

// Flush writes the aligned lines.
func (t *table) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	lines := strings.SplitAfter(t.buf.String(), "\n")
	t.buf.Reset()
	var out strings.Builder
	for _, l := range lines {
		body, nl := strings.CutSuffix(l, "\n")
		out.WriteString(strings.TrimRight(body, " "))
		if nl {
			out.WriteByte('\n')
		}
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// writeTable writes a header line and one line per row object.
func writeTable(w io.Writer, rows []any, cols []column) {
	hs := make([]string, len(cols))
	for i, c := range cols {
		hs[i] = c.header
	}
	fmt.Fprintln(w, strings.Join(hs, "\t"))
	for _, r := range rows {
		obj, _ := r.(map[string]any)
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = cleanCell(c.cell(obj))
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
}

// writeFields writes one line per field, skipping those of sections.
func writeFields(w io.Writer, fields []field, sections []section) {
	for _, f := range fields {
		if slices.ContainsFunc(sections, func(s section) bool { return s.key == f.key }) {
			continue
		}
		items, ok := f.val.([]any)
		if !ok || len(items) == 0 || !allScalars(items) {
			fmt.Fprintf(w, "%s:\t%s\n", f.key, cleanCell(format(f.val)))
			continue
		}
		for i, it := range items {
			label := ""
			if i == 0 {
				label = f.key + ":"
			}
			fmt.Fprintf(w, "%s\t%s\n", label, cleanCell(format(it)))
		}
	}
}

// sectionRows turns an array of objects, or an object of objects (each
// then gets its name under keyField), into table rows.
func sectionRows(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		rows := make([]any, 0, len(keys))
		for _, k := range keys {
			row := map[string]any{keyField: k}
			if m, ok := v[k].(map[string]any); ok {
				for mk, mv := range m {
					row[mk] = mv
				}
			}
			rows = append(rows, row)
		}
		return rows
	}
	return nil
}

// format renders a decoded JSON value for a cell: scalars as they read,
// booleans as yes/no, arrays of scalars comma-separated, anything else as
// compact JSON.
func format(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case []any:
		if allScalars(v) {
			parts := make([]string, len(v))
			for i, it := range v {
				parts[i] = format(it)
			}
			return strings.Join(parts, ", ")
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func allScalars(items []any) bool {
	for _, it := range items {
		switch it.(type) {
		case []any, map[string]any:
			return false
		}
	}
	return true
}

// cleanCell keeps a cell on one line and within its column.
func cleanCell(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// humanBytes renders n bytes as B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, units := float64(n)/1024, []string{"KiB", "MiB", "GiB", "TiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// decode decodes raw keeping numbers exact.
func decode(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("print answer: %w", err)
	}
	return v, nil
}

// field is one member of a JSON object.
type field struct {
	key string
	val any
}

// decodeFields decodes a JSON object keeping its members' order.
func decodeFields(raw json.RawMessage) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("print answer: expected a JSON object")
	}
	var fields []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("print answer: %w", err)
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("print answer: %w", err)
		}
		fields = append(fields, field{key, v})
	}
	return fields, nil
}
