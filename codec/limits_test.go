package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"testing"
)

// listBomb is a body {key: [n empty maps]} in format f: msgpack spends
// one byte per item behind an array32 header, JSON three.
func listBomb(key string, n int, f Format) []byte {
	if f == FormatJSON {
		var b bytes.Buffer
		b.WriteString(`{"` + key + `":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("{}")
		}
		b.WriteString("]}")
		return b.Bytes()
	}
	b := []byte{0x81, 0xa0 | byte(len(key))}
	b = append(b, key...)
	b = append(b, 0xdd)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return append(b, bytes.Repeat([]byte{0x80}, n)...)
}

// attrBomb is a body {key: [{"attributes": {n distinct keys: nil}}]} in
// format f.
func attrBomb(key string, n int, f Format) []byte {
	if f == FormatJSON {
		var b bytes.Buffer
		b.WriteString(`{"` + key + `":[{"attributes":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":null`, i)
		}
		b.WriteString("}}]}")
		return b.Bytes()
	}
	b := []byte{0x81, 0xa0 | byte(len(key))}
	b = append(b, key...)
	b = append(b, 0x91, 0x81, 0xaa)
	b = append(b, "attributes"...)
	b = append(b, 0xdf)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	for i := range n {
		k := "k" + strconv.Itoa(i)
		b = append(b, 0xa0|byte(len(k)))
		b = append(b, k...)
		b = append(b, 0xc0)
	}
	return b
}

// decoders runs a check against both body decoders, with their list key
// and a cap of max items.
var bodyDecoders = []struct {
	name string
	key  string
	run  func(data []byte, f Format, max int) error
}{
	{"push", "mutations", func(d []byte, f Format, max int) error { _, err := DecodePushRequest(d, f, max); return err }},
	{"batch", "records", func(d []byte, f Format, max int) error { _, err := DecodeBatch(d, f, max); return err }},
}

var formats = []Format{FormatJSON, FormatMsgpack}

func TestDecodeCapsItems(t *testing.T) {
	for _, d := range bodyDecoders {
		for _, f := range formats {
			if err := d.run(listBomb(d.key, 10, f), f, 10); err != nil {
				t.Errorf("%s format %d: 10 items with cap 10: %v", d.name, f, err)
			}
			err := d.run(listBomb(d.key, 11, f), f, 10)
			if !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrMalformed) {
				t.Errorf("%s format %d: 11 items with cap 10: %v, want only ErrTooLarge", d.name, f, err)
			}
		}
	}
}

func TestDecodeCapsAttributes(t *testing.T) {
	for _, d := range bodyDecoders {
		for _, f := range formats {
			if err := d.run(attrBomb(d.key, MaxAttributes, f), f, 10); err != nil {
				t.Errorf("%s format %d: %d attributes: %v", d.name, f, MaxAttributes, err)
			}
			if err := d.run(attrBomb(d.key, MaxAttributes+1, f), f, 10); !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s format %d: %d attributes: %v, want ErrTooLarge", d.name, f, MaxAttributes+1, err)
			}
		}
	}
}

// TestDecodeBombsAllocateLittle checks that bodies claiming millions of
// items or attributes are refused before the items are allocated: the
// decoders allocate at most about twice the body (JSON's buffer holds
// one whole item), never what the claims would cost (hundreds of MiB to
// GiBs each without the checks).
func TestDecodeBombsAllocateLittle(t *testing.T) {
	for _, d := range bodyDecoders {
		for _, f := range formats {
			for name, data := range map[string][]byte{
				"items":      listBomb(d.key, 4_000_000, f),
				"attributes": attrBomb(d.key, 1_000_000, f),
			} {
				// The JSON decoder holds one whole item in its buffer.
				bound := uint64(2*len(data) + 8<<20)
				var err error
				n := allocated(func() { err = d.run(data, f, 1000) })
				if !errors.Is(err, ErrTooLarge) {
					t.Errorf("%s format %d %s bomb: %v, want ErrTooLarge", d.name, f, name, err)
				}
				if n > bound {
					t.Errorf("%s format %d %s bomb (%d bytes): allocated %d bytes, want < %d", d.name, f, name, len(data), n, bound)
				}
			}
		}
	}
}
