package codec

import (
	"strings"
	"testing"
)

// benchRow is a typical CRM row: a dozen attributes of mixed types.
func benchRow() Row {
	return Row{
		ID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", OwnerID: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
		OwningBusinessUnit: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
		CreatedOn:          1700000000000, ModifiedOn: 1700000123456, Version: 123456,
		Attrs: map[string]any{
			"name": "Contoso Ltd", "accountnumber": "ACC-00042", "telephone1": "+1 555 0100",
			"revenue": "1250000.00", "numberofemployees": int64(250), "creditonhold": false,
			"address1_city": "Redmond", "address1_latitude": 47.674, "address1_longitude": -122.12,
			"primarycontactid": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "statecode": int64(0),
			"lastonholdtime": int64(1690000000000), "description": nil,
		},
	}
}

func BenchmarkMarshalRow(b *testing.B) {
	r := benchRow()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalRow(b *testing.B) {
	data := mustMarshal(b, benchRow())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var r Row
		if err := Unmarshal(data, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompressZstd(b *testing.B) {
	var sb strings.Builder
	for range 200 {
		sb.Write(mustMarshal(b, benchRow()))
	}
	src := []byte(sb.String())
	dst := make([]byte, 0, len(src))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = Compress(Zstd, dst[:0], src); err != nil {
			b.Fatal(err)
		}
	}
}
