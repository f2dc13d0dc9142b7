package codec

import "fmt"

// dictMetadata is what a dictionary needs of a metadata answer
// (GET /v1/sync/metadata, msgpack): other keys are skipped.
type dictMetadata struct {
	MetadataVersion uint64 `msgpack:"metadataVersion"`
	BusinessUnit    string `msgpack:"businessUnit"`
	Entities        []struct {
		Name string `msgpack:"name"`
		// Attributes have short keys in msgpack: n is the name.
		Attributes []struct {
			Name string `msgpack:"n"`
		} `msgpack:"attributes"`
	} `msgpack:"entities"`
}

// DictFromMetadata decodes a msgpack metadata answer and builds its
// answer dictionary (NewDict): the metadata version, the business unit
// (a GUID string; none when empty), and each entity's name and attribute
// names in order. A version of 0 or past 32 bits, or a business unit
// that is not a GUID, fails with [ErrMalformed].
func DictFromMetadata(data []byte) (*Dict, error) {
	var md dictMetadata
	if err := unmarshalWith(data, &md, false, false); err != nil {
		return nil, malformed("decode metadata", err)
	}
	if md.MetadataVersion == 0 || md.MetadataVersion > 0xffffffff {
		return nil, fmt.Errorf("decode metadata: version %d: %w", md.MetadataVersion, ErrMalformed)
	}
	var bu []byte
	if md.BusinessUnit != "" {
		var err error
		if bu, err = GUIDBytes(md.BusinessUnit); err != nil {
			return nil, fmt.Errorf("decode metadata: business unit: %w", err)
		}
	}
	ents := make([]DictEntity, 0, len(md.Entities))
	for _, e := range md.Entities {
		de := DictEntity{Name: e.Name, Columns: make([]string, 0, len(e.Attributes))}
		for _, a := range e.Attributes {
			de.Columns = append(de.Columns, a.Name)
		}
		ents = append(ents, de)
	}
	return NewDict(uint32(md.MetadataVersion), bu, ents)
}
