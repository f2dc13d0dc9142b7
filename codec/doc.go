// Package codec owns offsync's wire: the msgpack encoding of rows and
// messages, the ingest batch in JSON or msgpack, and zstd/gzip framing with
// hard size caps. Every other package reads and writes bytes through it.
//
// codec does no network or file IO of its own (ReadBody and NewWriter work
// on an io.Reader or io.Writer they are handed), and it knows nothing of
// Badger, Raft or HTTP beyond the spelling of media types and content
// codings.
//
// # msgpack
//
// [Marshal] is deterministic: keys of map[string]any, map[string]string
// and map[string]bool are sorted and struct fields keep declaration order,
// so equal values give equal bytes (replicas compare bytes). Encoders and
// decoders are pooled. [Unmarshal] scans its input before decoding, so
// hostile input costs at most a small constant times its length: truncated
// input, trailing bytes, nesting deeper than 64, and headers claiming more
// elements or bytes than remain all fail with [ErrMalformed] before
// anything is allocated.
//
// [Row] has a hand-written msgpack codec (registered with the msgpack
// package, so it also applies to rows nested in other messages) that is
// compact on the wire and enforces the attribute value rules below.
//
// # Attribute values
//
// Attribute values, in [Row.Attrs] and [Record.Attrs], are always one of
// nil, bool, int64, float64 or string. Datetimes travel as int64 unix
// milliseconds (UTC); decimals, GUIDs and lookups as strings. Decoding
// normalizes what arrives:
//
//   - any integer that fits becomes int64; a larger unsigned one becomes
//     float64, as does a JSON integer too large for int64;
//   - a JSON number written with a fraction or exponent, and a float32,
//     become float64, and an integral float64 stays float64;
//   - nested arrays or objects, binary and extension values, infinities,
//     NaN and invalid UTF-8 are rejected with [ErrMalformed], naming the
//     record index and attribute.
//
// # Compression and caps
//
// [Compress] and [NewWriter] write identity, gzip (level 6) or zstd
// (default level, 1 MiB window). [Decompress] and [ReadBody] enforce hard
// caps chosen by the caller: ReadBody reads at most maxWire bytes of body,
// and decoding stops with [ErrTooLarge] as soon as output passes
// maxDecoded, so a compression bomb costs about maxDecoded bytes of memory,
// never its full expansion. A zstd frame whose declared content size is
// over the cap is refused before decoding, and one asking for a window
// over 8 MiB is refused with ErrTooLarge. [Negotiate] picks a response
// coding from Accept-Encoding.
//
// [DecodeBatch] and [DecodePushRequest] take the caller's cap on records
// or mutations and check it, and [MaxAttributes] per item, while they
// decode: from the msgpack headers before the msgpack package allocates,
// or item by item and key by key in JSON. A few bytes of zstd claiming
// millions of empty items fail with ErrTooLarge at the cost of the body's
// bytes, not of the items.
package codec
