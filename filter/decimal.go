package filter

// dec is an exact decimal held as its digits: no leading zeros in ip, no
// trailing zeros in fp, and zero is never negative. It points into the
// string it was parsed from, so parsing a row's value does not allocate.
type dec struct {
	neg bool
	ip  string // integer digits
	fp  string // fraction digits
}

// parseDec parses [+-]digits[.digits].
func parseDec(s string) (dec, bool) {
	var d dec
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == start {
		return dec{}, false
	}
	d.ip = s[start:i]
	if i < len(s) {
		if s[i] != '.' {
			return dec{}, false
		}
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == fs || i != len(s) {
			return dec{}, false
		}
		d.fp = s[fs:i]
	}
	for len(d.ip) > 0 && d.ip[0] == '0' {
		d.ip = d.ip[1:]
	}
	for len(d.fp) > 0 && d.fp[len(d.fp)-1] == '0' {
		d.fp = d.fp[:len(d.fp)-1]
	}
	if d.ip == "" && d.fp == "" {
		d.neg = false
	}
	return d, true
}

// cmpDec compares two decimals exactly.
func cmpDec(a, b dec) int {
	if a.neg != b.neg {
		if a.neg {
			return -1
		}
		return 1
	}
	c := cmpAbs(a, b)
	if a.neg {
		return -c
	}
	return c
}

func cmpAbs(a, b dec) int {
	if len(a.ip) != len(b.ip) {
		return cmpInt(int64(len(a.ip)), int64(len(b.ip)))
	}
	if a.ip != b.ip {
		return cmpStr(a.ip, b.ip)
	}
	// Without trailing zeros, the fraction digits compare as strings.
	return cmpStr(a.fp, b.fp)
}

// String returns the decimal's text.
func (d dec) String() string {
	s := d.ip
	if s == "" {
		s = "0"
	}
	if d.fp != "" {
		s += "." + d.fp
	}
	if d.neg {
		s = "-" + s
	}
	return s
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
