package codec

// mpWalk reads msgpack headers from data without allocating, checking
// every length against the bytes that remain. It lets a decoder look at
// counts before the msgpack package allocates for them.
type mpWalk struct {
	data []byte
	pos  int
}

// mpHeader is one value's header: its code, how many payload bytes follow
// it, and how many child values (two per map entry) it contains.
type mpHeader struct {
	code     byte
	skip     int64
	children int64
}

func (h mpHeader) isNil() bool { return h.code == 0xc0 }

func (h mpHeader) isMap() bool {
	return h.code&0xf0 == 0x80 || h.code == 0xde || h.code == 0xdf
}

func (h mpHeader) isArray() bool {
	return h.code&0xf0 == 0x90 || h.code == 0xdc || h.code == 0xdd
}

// isString covers str and bin, both of which msgpack decodes as a string
// key.
func (h mpHeader) isString() bool {
	c := h.code
	return c&0xe0 == 0xa0 || (c >= 0xd9 && c <= 0xdb) || (c >= 0xc4 && c <= 0xc6)
}

// header reads the next value's header, leaving pos at its payload. It
// fails when the header is cut short, the payload runs past the end, or
// the value claims more children than bytes remain (each takes one).
func (w *mpWalk) header() (mpHeader, error) {
	if w.pos >= len(w.data) {
		return mpHeader{}, errTruncated
	}
	h := mpHeader{code: w.data[w.pos]}
	w.pos++
	var ok bool
	h.skip, h.children, ok = headerSize(w.data, &w.pos, h.code)
	switch {
	case !ok && h.code == 0xc1:
		return mpHeader{}, errBadCode
	case !ok:
		return mpHeader{}, errTruncated
	}
	rest := int64(len(w.data) - w.pos)
	if h.skip > rest || h.children > rest-h.skip {
		return mpHeader{}, errTruncated
	}
	return h, nil
}

// key reads a map key. A string or binary key is returned as its bytes
// (a slice of data); any other key is skipped and returned as nil, which
// matches no field.
func (w *mpWalk) key() ([]byte, error) {
	h, err := w.header()
	if err != nil {
		return nil, err
	}
	if !h.isString() {
		return nil, w.skipChildren(h)
	}
	k := w.data[w.pos : w.pos+int(h.skip)]
	w.pos += int(h.skip)
	return k, nil
}

// skipValue skips the next value and everything it contains.
func (w *mpWalk) skipValue() error {
	h, err := w.header()
	if err != nil {
		return err
	}
	return w.skipChildren(h)
}

// skipChildren skips the payload of h, whose header was just read, and
// all of its children.
func (w *mpWalk) skipChildren(h mpHeader) error {
	w.pos += int(h.skip)
	for pending := h.children; pending > 0; pending-- {
		c, err := w.header()
		if err != nil {
			return err
		}
		w.pos += int(c.skip)
		if c.children > int64(len(w.data)-w.pos)-pending {
			return errTruncated
		}
		pending += c.children
	}
	return nil
}
