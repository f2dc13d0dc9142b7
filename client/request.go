package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// request builds a request of the device API: the device's token and
// app, a msgpack body when there is one, and what it accepts (accept;
// encodings as Accept-Encoding, none when empty).
func (d *Device) request(ctx context.Context, method, url string, body []byte, accept, encodings string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.cfg.Token)
	d.setAppHeader(req)
	if body != nil {
		req.Header.Set("Content-Type", "application/msgpack")
	}
	req.Header.Set("Accept", accept)
	if encodings != "" {
		req.Header.Set("Accept-Encoding", encodings)
	}
	return req, nil
}
