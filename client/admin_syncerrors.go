package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// MaxSyncErrorPage is the largest page GET /v1/admin/sync-errors serves.
const MaxSyncErrorPage = 1000

// SyncErrorQuery selects a page of sync errors. Empty fields match
// everything; App is an app's name or id; Since and Until are RFC 3339
// or unix milliseconds.
type SyncErrorQuery struct {
	User, App, Entity, Code, Since, Until string
	// Limit is the page size, 1 to MaxSyncErrorPage; 0 is the server's
	// default (100).
	Limit int
	// After is the previous page's Next (empty: the first page).
	After string
}

// SyncErrorPage is one page of sync errors, oldest first, each as the
// server sent it, and Next, the After of the next page (empty on the
// last).
type SyncErrorPage struct {
	Items []json.RawMessage `json:"items"`
	Next  string            `json:"next,omitempty"`
}

// SyncErrors fetches one page of sync errors.
func (a *Admin) SyncErrors(ctx context.Context, q SyncErrorQuery) (*SyncErrorPage, error) {
	if q.Limit < 0 || q.Limit > MaxSyncErrorPage {
		return nil, fmt.Errorf("sync errors: limit %d: want 0 to %d: %w", q.Limit, MaxSyncErrorPage, ErrConfig)
	}
	v := url.Values{}
	for k, s := range map[string]string{"user": q.User, "app": q.App, "entity": q.Entity, "code": q.Code, "since": q.Since, "until": q.Until, "after": q.After} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var page SyncErrorPage
	if err := a.Do(ctx, http.MethodGet, "/v1/admin/sync-errors?"+v.Encode(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}
