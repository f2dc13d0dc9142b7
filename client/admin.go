package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Defaults for Admin.
const (
	// DefaultServer is the address `offsync serve` listens on by default.
	DefaultServer = "http://127.0.0.1:7070"
	// DefaultTimeout bounds one admin request, answer included. Estimates
	// of large profiles are the slowest calls.
	DefaultTimeout = 2 * time.Minute
	// maxErrorBody caps how much of an error answer is read.
	maxErrorBody = 64 << 10
)

// Admin calls the admin API.
type Admin struct {
	// Server is the base URL, e.g. http://127.0.0.1:7070; a path prefix
	// (behind a reverse proxy) is kept.
	Server string
	// Token is the admin token, sent as "Authorization: Bearer <token>".
	Token string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// NewAdmin validates server (an http(s) URL) and token and returns an
// Admin whose HTTP client times out after DefaultTimeout.
func NewAdmin(server, token string) (*Admin, error) {
	u, err := url.Parse(server)
	if err != nil {
		return nil, fmt.Errorf("new admin: server %q: %v: %w", server, err, ErrConfig)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("new admin: server %q: must be an http:// or https:// URL with a host: %w", server, ErrConfig)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("new admin: server %q: must not have credentials, a query or a fragment: %w", server, ErrConfig)
	}
	if token == "" {
		return nil, fmt.Errorf("new admin: token: required: %w", ErrConfig)
	}
	if strings.IndexFunc(token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return nil, fmt.Errorf("new admin: token: must not contain spaces or control characters: %w", ErrConfig)
	}
	return &Admin{
		Server: strings.TrimRight(server, "/"),
		Token:  token,
		HTTP:   &http.Client{Timeout: DefaultTimeout},
	}, nil
}

// Do sends body (nil, or JSON-encoded) to path (which starts with "/" and
// may carry a query) and decodes a 2xx answer into out (when not nil; a
// *json.RawMessage keeps the answer as sent). A non-2xx answer is an
// *APIError; a transport failure or an undecodable answer is wrapped.
func (a *Admin) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.Server, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("build request: %v: %w", err, ErrConfig)
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := a.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return sendError("send request", a.Server, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readAPIError(resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode response: %s %s: %v: %w", method, path, err, ErrResponse)
	}
	return nil
}

// readAPIError turns a non-2xx answer into an *APIError.
func readAPIError(resp *http.Response) *APIError {
	e := &APIError{Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var eb struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &eb) == nil && eb.Code != "" {
		e.Code, e.Message = eb.Code, eb.Message
		return e
	}
	e.Code = statusCodes[resp.StatusCode]
	if e.Code == "" {
		e.Code = "http_" + strconv.Itoa(resp.StatusCode)
	}
	msg := strings.Join(strings.Fields(string(b)), " ")
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	e.Message = strings.ToValidUTF8(msg, "")
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}
