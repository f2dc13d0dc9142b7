package filter

import (
	"strings"
	"time"
)

const dayMillis = 24 * 60 * 60 * 1000

// parseDateTime converts a date ('2026-01-31', UTC midnight) or an RFC 3339
// time to unix milliseconds. Years outside 0000 to 9999 in UTC are refused
// so that every value prints back as a literal.
func parseDateTime(s string) (int64, bool) {
	var t time.Time
	var err error
	if len(s) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, s)
	} else {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return 0, false
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return 0, false
	}
	return t.UnixMilli(), true
}

// formatDateTime is parseDateTime's inverse: a date for UTC midnight,
// otherwise an RFC 3339 UTC time with milliseconds if any.
func formatDateTime(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	switch {
	case ms%dayMillis == 0:
		return t.Format(time.DateOnly)
	case ms%1000 == 0:
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// todayMillis returns UTC midnight of the day of now, plus days days.
func todayMillis(now, days int64) int64 {
	d := now / dayMillis
	if now%dayMillis < 0 {
		d--
	}
	return (d + days) * dayMillis
}

// parseGUID returns s as a lowercase hyphenated GUID. It accepts 32 hex
// digits, hyphenated 8-4-4-4-12, and either in braces.
func parseGUID(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		s = s[1 : len(s)-1]
	}
	var hex []byte
	switch len(s) {
	case 36:
		for i := 0; i < len(s); i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if s[i] != '-' {
					return "", false
				}
				continue
			}
			hex = append(hex, s[i])
		}
	case 32:
		hex = []byte(s)
	default:
		return "", false
	}
	var b strings.Builder
	for i, c := range hex {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		default:
			return "", false
		}
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// quote writes s as a single-quoted literal, doubling quotes.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
