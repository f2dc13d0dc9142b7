package engine

import (
	"math"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// MaxStringLength caps every string value, in characters, whatever the
// attribute's own MaxLength says.
const MaxStringLength = 100_000

var decimalRE = regexp.MustCompile(`^-?[0-9]{1,28}(\.[0-9]{1,10})?$`)

// CanonicalGUID returns s as a lowercase hyphenated GUID.
func CanonicalGUID(s string) (string, bool) {
	if len(s) != 36 && len(s) != 38 && len(s) != 32 {
		return "", false
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// coerce converts v (nil, bool, int64, float64 or string, as decoded by
// codec) to attribute a's canonical value. field names the value in errors.
func coerce(field string, a *Attribute, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch a.Type {
	case TypeString:
		s, ok := v.(string)
		if !ok {
			return nil, typeErr(field, a, v)
		}
		n := utf8.RuneCountInString(s)
		if (a.MaxLength > 0 && n > a.MaxLength) || n > MaxStringLength {
			limit := a.MaxLength
			if limit == 0 || limit > MaxStringLength {
				limit = MaxStringLength
			}
			return nil, invalidf("%s: %d characters is longer than the maximum %d", field, n, limit)
		}
		if !utf8.ValidString(s) {
			return nil, invalidf("%s: not valid UTF-8", field)
		}
		return s, nil
	case TypeInt, TypeChoice:
		n, ok := asInt(v)
		if !ok {
			return nil, typeErr(field, a, v)
		}
		if a.Type == TypeChoice && !hasChoice(a, n) {
			return nil, invalidf("%s: %d is not one of the choices", field, n)
		}
		return n, nil
	case TypeFloat:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, invalidf("%s: not a finite number", field)
			}
			return x, nil
		case int64:
			return float64(x), nil
		}
		return nil, typeErr(field, a, v)
	case TypeDecimal:
		switch x := v.(type) {
		case string:
			if !decimalRE.MatchString(x) {
				return nil, invalidf("%s: %q is not a decimal", field, x)
			}
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= 1e28 {
				return nil, invalidf("%s: not a finite decimal", field)
			}
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
		return nil, typeErr(field, a, v)
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, typeErr(field, a, v)
	case TypeDateTime:
		return coerceTime(field, a, v)
	case TypeGUID, TypeLookup:
		s, ok := v.(string)
		if !ok {
			return nil, typeErr(field, a, v)
		}
		g, ok := CanonicalGUID(s)
		if !ok {
			return nil, invalidf("%s: %q is not a GUID", field, s)
		}
		return g, nil
	}
	return nil, invalidf("%s: attribute has unknown type %q", field, a.Type)
}

func coerceTime(field string, a *Attribute, v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return nil, invalidf("%s: %q is not an RFC 3339 time", field, x)
		}
		return t.UnixMilli(), nil
	}
	return nil, typeErr(field, a, v)
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

func hasChoice(a *Attribute, n int64) bool {
	for _, c := range a.Choices {
		if c.Value == n {
			return true
		}
	}
	return false
}

func typeErr(field string, a *Attribute, v any) error {
	return invalidf("%s: expected %s, got %s", field, a.Type, valueKind(v))
}

func valueKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "unsupported value"
}
