package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestPrinterTableAndJSON(t *testing.T) {
	raw := json.RawMessage(`[{"id":"a","name":"Ann","roles":["r1","r2"],"enabled":true,"n":12345678901234567890},
		{"id":"bb","name":"Bob\twith\ttabs","enabled":false}]`)
	cols := []column{col("ID", "id"), col("NAME", "name"), col("ROLES", "roles"), countCol("N ROLES", "roles"), col("ON", "enabled"), col("N", "n")}
	var out bytes.Buffer
	if err := (printer{w: &out}).list(raw, cols); err != nil {
		t.Fatal(err)
	}
	want := "ID  NAME           ROLES   N ROLES  ON   N\n" +
		"a   Ann            r1, r2  2        yes  12345678901234567890\n" +
		"bb  Bob with tabs          0        no\n"
	if out.String() != want {
		t.Fatalf("table:\n%q\nwant\n%q", out.String(), want)
	}
	out.Reset()
	if err := (printer{w: &out, json: true}).list(raw, cols); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\n  {\n    \"id\": \"a\",") || !strings.Contains(out.String(), "12345678901234567890") {
		t.Fatalf("json:\n%s", out.String())
	}
}

func TestPrinterObjectKeepsOrder(t *testing.T) {
	raw := json.RawMessage(`{"zeta":"last?","alpha":1,"users":["u1","u2"],"rules":[{"entity":"task"}],"empty":[],"obj":{"b":1,"a":2}}`)
	var out bytes.Buffer
	if err := (printer{w: &out}).object(raw, section{"rules", "RULES", []column{col("ENTITY", "entity")}}); err != nil {
		t.Fatal(err)
	}
	want := "zeta:   last?\nalpha:  1\nusers:  u1\n        u2\nempty:\nobj:    {\"a\":2,\"b\":1}\n\nRULES:\nENTITY\ntask\n"
	if out.String() != want {
		t.Fatalf("object:\n%q\nwant\n%q", out.String(), want)
	}
	if err := (printer{w: &out}).object(json.RawMessage(`[1]`)); err == nil {
		t.Fatal("array printed as an object")
	}
}

func TestPrinterDone(t *testing.T) {
	var out bytes.Buffer
	if err := (printer{w: &out}).done(json.RawMessage(`{"version": 17}`), "saved user x"); err != nil || out.String() != "saved user x (version 17)\n" {
		t.Fatalf("%q %v", out.String(), err)
	}
	if _, err := newPrinter(&out, "yaml"); err == nil {
		t.Fatal("yaml accepted")
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
