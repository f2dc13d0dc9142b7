// Package client is the Go SDK for talking to an offsync server over HTTP.
//
// Admin calls the admin API (docs/admin-api.md): it sends JSON with the
// admin bearer token and decodes JSON answers. Every non-2xx answer becomes
// an *APIError carrying the server's {code, message}; errors.Is matches it
// against the sentinels in errors.go (ErrConflict, ErrNotFound, ...), so
// callers can branch on the kind of failure without parsing messages.
//
//	a, err := client.NewAdmin("http://127.0.0.1:7070", token)
//	var users []map[string]any
//	err = a.Do(ctx, http.MethodGet, "/v1/admin/users", nil, &users)
//
// The package speaks only the wire format: it imports neither engine nor
// server, so that it describes the API as a device or a script sees it.
//
// Device is the device side of the sync protocol (docs/protocol.md): a
// local store kept in step with the user's offline view in one app
// (DeviceConfig.App, sent as the X-Offsync-App header; a store keeps the
// app of its first sync). It talks to a list of nodes: the ones it is
// given and the members the nodes name (endpoints.go), moving to the next
// when one cannot serve, within the bounds of a RetryConfig (retry.go).
package client
