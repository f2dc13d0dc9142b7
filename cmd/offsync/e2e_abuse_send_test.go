package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/offsync/offsync/codec"
)

// abuser sends hostile requests to a running `offsync serve` and judges
// the answers: a refusal is a 4xx with a JSON {code, message}, never a
// 5xx, and no answer to the caller names a row outside its view.
type abuser struct {
	base, addr string
	hc         *http.Client
	// Secrets: the admin token; the caller's device token, a revoked one
	// of the caller's, another Field Sales user's, and the caller's token
	// that holds its limit of event streams.
	admin, token, revoked, other, streams string
	hidden                                leakSet
	// Cursors: the caller's own, another Field Sales user's and a
	// manager's (of another business unit).
	cursor, otherCursor, mgrCursor string
	// Rows: an account of the caller's view and one outside it; a user
	// of another business unit; a business unit not the caller's.
	visibleAccount, hiddenAccount, hiddenUser string
	otherBU                                   []byte
	// payloads built once: bombs are costly to compress.
	zstdBomb, zstdBombSized, gzipBomb []byte
}

// answer is what the server answered, its body as sent (not
// decompressed).
type answer struct {
	status int
	hdr    http.Header
	body   []byte
}

func (a answer) String() string { return fmt.Sprintf("%d %.300q", a.status, a.body) }

// send sends one request; auth is the bearer secret ("" for none).
func (ab *abuser) send(method, path, auth string, hdr map[string]string, body []byte) (answer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ab.base+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := ab.hc.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, hdr: resp.Header}
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		// A stream that was let in: its first line is enough.
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		a.body = []byte(line)
		return a, nil
	}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return a, err
}

// raw writes a request by hand (a lying Content-Length, a body cut short,
// chunks), from a goroutine so that a server which answers before the
// body is all sent is heard; then it half-closes and reads the answer.
// Between writes of the body's pieces it waits pause.
func (ab *abuser) raw(head string, pieces [][]byte, pause time.Duration) (answer, error) {
	conn, err := net.DialTimeout("tcp", ab.addr, 10*time.Second)
	if err != nil {
		return answer{}, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Minute))
	go func() {
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		for i, p := range pieces {
			if i > 0 {
				time.Sleep(pause)
			}
			if _, err := conn.Write(p); err != nil {
				return // the server answered and closed: the answer counts
			}
		}
		_ = conn.(*net.TCPConn).CloseWrite()
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return answer{}, fmt.Errorf("raw request: no answer: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return answer{status: resp.StatusCode, hdr: resp.Header, body: b}, err
}

// rawHead is the head of a request whose declared length may lie;
// declared < 0 sends the body chunked.
func rawHead(method, path, auth string, hdr map[string]string, declared int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: offsync\r\nConnection: close\r\n", method, path)
	if declared < 0 {
		b.WriteString("Transfer-Encoding: chunked\r\n")
	} else {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", declared)
	}
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", auth)
	}
	for k, v := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n")
	return b.String()
}

// refused checks a refusal: a 4xx (want, or any when want is 0) with a
// JSON {code, message} (code one of codes when given), naming no row
// outside the caller's view (ids in asked, sent by the caller, excepted).
func (ab *abuser) refused(a answer, asked []byte, want int, codes ...string) error {
	var eb struct{ Code, Message string }
	switch {
	case a.status >= 500:
		return fmt.Errorf("a server error: %s", a)
	case want != 0 && a.status != want, want == 0 && (a.status < 400 || a.status > 499):
		return fmt.Errorf("got %s, want %d", a, want)
	case !strings.HasPrefix(a.hdr.Get("Content-Type"), "application/json") || json.Unmarshal(a.body, &eb) != nil || eb.Code == "" || eb.Message == "":
		return fmt.Errorf("got %s, not a JSON {code, message}", a)
	case len(codes) > 0 && !slices.Contains(codes, eb.Code):
		return fmt.Errorf("got %s, want a code in %v", a, codes)
	}
	return ab.leak(a, asked)
}

// leak reports an answer that names a row outside the caller's view.
func (ab *abuser) leak(a answer, asked []byte) error {
	if id := ab.hidden.find(a.body, asked); id != "" {
		return fmt.Errorf("the answer (%d) names row %s, outside the caller's view: %.300q", a.status, id, a.body)
	}
	return nil
}

// leakSet finds ids in answers, as text or as the 16 bytes of msgpack.
type leakSet struct {
	str map[string]bool
	bin map[[16]byte]bool
}

func (l leakSet) add(id string) {
	l.str[id] = true
	if b, err := codec.GUIDBytes(id); err == nil && len(b) == 16 {
		l.bin[[16]byte(b)] = true
	}
}

var guidText = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// find returns an id of the set that answer holds and asked does not, or
// "".
func (l leakSet) find(answer, asked []byte) string {
	for _, m := range guidText.FindAll(answer, -1) {
		id := strings.ToLower(string(m))
		if l.str[id] && !bytes.Contains(bytes.ToLower(asked), []byte(id)) {
			return id
		}
	}
	for i := 0; i+16 <= len(answer); i++ {
		if k := [16]byte(answer[i : i+16]); l.bin[k] && !bytes.Contains(asked, k[:]) {
			id, _ := codec.GUIDString(k[:])
			return id
		}
	}
	return ""
}
