package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	errNested     = errors.New("nested values not allowed")
	errBinary     = errors.New("binary values not allowed")
	errNonFinite  = errors.New("non-finite number not allowed")
	errBadUTF8    = errors.New("invalid UTF-8 in string")
	errBadNumber  = errors.New("invalid number")
	errBadValType = errors.New("unsupported value type")
)

// normalizeValue maps a decoded attribute value onto the five attribute
// types: nil, bool, int64, float64 and string. Every signed or unsigned Go
// integer that fits becomes int64; a larger uint64 becomes float64, as a
// JSON integer too large for int64 does. float32 becomes float64. A
// json.Number becomes int64 when it is written as an integer that fits,
// else float64. Infinities, NaN, invalid UTF-8, []byte, and nested maps
// and slices are errors.
func normalizeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64:
		return v, nil
	case string:
		if !utf8.ValidString(x) {
			return nil, errBadUTF8
		}
		return v, nil
	case float64:
		return checkFloat(x)
	case float32:
		return checkFloat(float64(x))
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint:
		return normalizeUint(uint64(x)), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return normalizeUint(x), nil
	case json.Number:
		return normalizeNumber(string(x))
	case []byte:
		return nil, errBinary
	case map[string]any, []any, map[any]any:
		return nil, errNested
	}
	return nil, fmt.Errorf("%w %T", errBadValType, v)
}

func checkFloat(f float64) (any, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errNonFinite
	}
	return f, nil
}

func normalizeUint(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return float64(u)
}

// normalizeNumber converts the text of a JSON number.
func normalizeNumber(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, errBadNumber
	}
	return checkFloat(f)
}

// normalizeAttrs normalizes every value of m in place. An empty map
// becomes nil, so that decode, encode and decode again give equal values.
// Errors name the attribute.
func normalizeAttrs(m map[string]any) (map[string]any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	var badKey string
	var badErr error
	for k, v := range m {
		nv, err := normalizeValue(v)
		if err != nil {
			// Report the smallest bad name, not whichever the map yields.
			if badErr == nil || k < badKey {
				badKey, badErr = k, err
			}
			continue
		}
		m[k] = nv
	}
	if badErr != nil {
		return nil, fmt.Errorf("attribute %q: %w", badKey, badErr)
	}
	return m, nil
}
