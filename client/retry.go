package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/offsync/offsync/codec"
)

// Defaults for RetryConfig.
const (
	// DefaultRetryRounds is how many times a request goes round the
	// endpoints before it fails.
	DefaultRetryRounds = 6
	// DefaultRetryBaseDelay is the pause after the first round.
	DefaultRetryBaseDelay = 200 * time.Millisecond
	// DefaultRetryMaxDelay caps the pause between rounds.
	DefaultRetryMaxDelay = 3 * time.Second
)

// RetryConfig bounds how a device retries a request on other nodes. A
// request that meets a connection error, a 502, 503 or 504, or an answer
// cut off in transit is sent to the next endpoint at once; after a round
// of all of them, the device pauses (BaseDelay, doubling each round up to
// MaxDelay, each pause jittered between half and one and a half times)
// and starts another round, Rounds times in all. With the defaults a
// request gives up after 5 pauses: 6 s on average, 3 to 7.5 s with the
// jitter. Retrying is safe: pulls are reads, and a push retried with the
// same mutation ids applies nothing twice.
type RetryConfig struct {
	// Rounds is how many times a request may go round the endpoints
	// (DefaultRetryRounds); 1 tries each once, without pausing.
	Rounds int
	// BaseDelay is the pause after the first round
	// (DefaultRetryBaseDelay); MaxDelay caps every pause
	// (DefaultRetryMaxDelay).
	BaseDelay, MaxDelay time.Duration
}

// DefaultRetryConfig returns the default RetryConfig.
func DefaultRetryConfig() RetryConfig {
	return RetryConfig{Rounds: DefaultRetryRounds, BaseDelay: DefaultRetryBaseDelay, MaxDelay: DefaultRetryMaxDelay}
}

// Validate checks the config; its messages name the bad field.
func (c RetryConfig) Validate() error {
	switch {
	case c.Rounds < 1:
		return fmt.Errorf("retry config: Rounds: must be at least 1: %w", ErrConfig)
	case c.BaseDelay < 0:
		return fmt.Errorf("retry config: BaseDelay: must not be negative: %w", ErrConfig)
	case c.MaxDelay < c.BaseDelay:
		return fmt.Errorf("retry config: MaxDelay: must be at least BaseDelay: %w", ErrConfig)
	}
	return nil
}

// pause is the jittered pause before round (1, 2, ...).
func (c RetryConfig) pause(round int) time.Duration {
	d := c.BaseDelay
	for i := 1; i < round && d < c.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.MaxDelay)
	if d <= 0 {
		return 0
	}
	return min(d/2+rand.N(d), c.MaxDelay)
}

// retryStatus says whether an answer's status means "try another node":
// the node cannot serve now (503: no leader, stale, behind), or a proxy
// in front of it could not reach it (502, 504).
func retryStatus(status int) bool {
	return status == http.StatusServiceUnavailable || status == http.StatusBadGateway || status == http.StatusGatewayTimeout
}

// open sends the request build makes for each endpoint, in order, until
// one answers with a status retryStatus does not retry, pausing between
// rounds. It returns that answer (2xx) with the endpoint that gave it; a
// non-2xx answer is returned as an *APIError. When every try failed the
// error is the last 503-like answer, if any, else the last transport
// error. Each answer's member list is learned.
func (d *Device) open(ctx context.Context, hc *http.Client, verb string, build func(base string) (*http.Request, error)) (*http.Response, string, error) {
	var lastAPI, lastErr error
	if len(d.eps.order()) == 0 {
		return nil, "", fmt.Errorf("%s: Server: must be set: %w", verb, ErrConfig)
	}
	for round := 0; round < d.retry.Rounds; round++ {
		if round > 0 {
			t := time.NewTimer(d.retry.pause(round))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, "", fmt.Errorf("%s: %w", verb, ctx.Err())
			case <-t.C:
			}
		}
		for _, base := range d.eps.order() {
			req, err := build(base)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w: %w", verb, ErrConfig, err)
			}
			resp, err := hc.Do(req)
			if err != nil {
				if ctx.Err() != nil {
					return nil, "", fmt.Errorf("%s: %w", verb, ctx.Err())
				}
				d.eps.failed(base)
				lastErr = sendError(verb, base, err)
				continue
			}
			d.learnFrom(base, resp.Header.Get(MembersHeader))
			if resp.StatusCode/100 == 2 {
				d.eps.answered(base)
				return resp, base, nil
			}
			apiErr := readAPIError(resp)
			resp.Body.Close()
			if !retryStatus(resp.StatusCode) {
				return nil, base, apiErr
			}
			d.eps.failed(base)
			lastAPI = apiErr
		}
	}
	if lastAPI != nil {
		return nil, "", lastAPI
	}
	return nil, "", lastErr
}

// call is open followed by read, the answer's body read in full; an
// answer cut off in transit (a read error other than a malformed or too
// large answer) is sent again, to the next endpoint, like a failed
// connection. It returns the endpoint whose answer was read.
func (d *Device) call(ctx context.Context, verb string, build func(base string) (*http.Request, error), read func(*http.Response) error) (string, error) {
	var err error
	for try := 0; try < d.retry.Rounds; try++ {
		var resp *http.Response
		var base string
		resp, base, err = d.open(ctx, d.cfg.HTTP, verb, build)
		if err != nil {
			return base, err
		}
		err = read(resp)
		resp.Body.Close()
		if err == nil || ctx.Err() != nil || errors.Is(err, ErrResponse) || errors.Is(err, codec.ErrTooLarge) || errors.Is(err, codec.ErrMalformed) {
			return base, err
		}
		d.eps.failed(base)
	}
	return "", err
}

// learnFrom takes the members an answer from base named.
func (d *Device) learnFrom(base, header string) { d.eps.learn(base, header) }

// saveEndpoints records the learned members and the preferred node in
// the store, when they changed since they were last recorded.
func (d *Device) saveEndpoints() error {
	if !d.eps.takeDirty() {
		return nil
	}
	if err := d.eps.save(d.db); err != nil {
		d.eps.markDirty()
		return err
	}
	return nil
}
