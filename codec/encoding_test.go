package codec

import "testing"

func TestEncodingString(t *testing.T) {
	for e, want := range map[Encoding]string{Identity: "identity", Gzip: "gzip", Zstd: "zstd", Encoding(7): "Encoding(7)"} {
		if got := e.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(e), got, want)
		}
	}
}

func TestParseEncoding(t *testing.T) {
	for in, want := range map[string]Encoding{
		"": Identity, "identity": Identity, " IDENTITY ": Identity,
		"gzip": Gzip, "x-gzip": Gzip, "GZip": Gzip, "zstd": Zstd,
	} {
		if got, err := ParseEncoding(in); err != nil || got != want {
			t.Errorf("ParseEncoding(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"br", "deflate", "gzip, zstd", "*", "compress"} {
		_, err := ParseEncoding(in)
		wantErr(t, err, ErrUnsupportedEncoding)
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		header string
		want   Encoding
	}{
		{"", Identity},
		{"identity", Identity},
		{"gzip", Gzip},
		{"zstd", Zstd},
		{"gzip, zstd", Zstd},
		{"zstd, gzip", Zstd},
		{"gzip, deflate, br", Gzip},
		{"gzip, zstd;q=0.5", Gzip},
		{"gzip;q=0.5, zstd;q=0.5", Zstd},
		{"gzip;q=0.8, zstd;q=0.9", Zstd},
		{"GZIP;Q=1, ZSTD;q=0", Gzip},
		{"zstd;q=0, gzip;q=0", Identity},
		{"*", Zstd},
		{"*;q=0.5, gzip", Gzip},
		{"*;q=0.5, zstd;q=0.2", Gzip},
		{"*, zstd;q=0", Gzip},
		{"identity;q=0, *;q=0", Identity},
		{"identity;q=1, gzip;q=0.5", Identity},
		{"identity, gzip", Gzip},
		{"br;q=1, identity;q=0.5", Identity},
		{"x-gzip", Gzip},
		{"gzip;q=bogus, zstd;q=2", Identity},
		{"gzip;q=NaN", Identity},
		{"gzip;q=0.001", Gzip},
		{" , ;q=1, zstd ; q=0.7 ", Zstd},
	}
	for _, c := range cases {
		if got := Negotiate(c.header); got != c.want {
			t.Errorf("Negotiate(%q) = %v, want %v", c.header, got, c.want)
		}
	}
}
