package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// App is an app module as the admin API sends it: a mobile app (such as
// "Sales" or "Field Service") and the offline-enabled entities it uses.
// Every profile belongs to one app, and a device syncs for one app.
type App struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Entities    []string `json:"entities"`
	// Implicit marks the default app while no administrator has written
	// it: it offers every offline-enabled entity.
	Implicit bool `json:"implicit,omitempty"`
}

// IncludedEntity is one entry of "see what's included": an
// offline-enabled entity and its lookups to other included entities.
type IncludedEntity struct {
	Name          string `json:"name"`
	DisplayName   string `json:"displayName,omitempty"`
	Ownership     string `json:"ownership,omitempty"`
	Relationships []struct {
		Attribute string   `json:"attribute"`
		Targets   []string `json:"targets"`
	} `json:"relationships"`
}

// Write is the answer of an admin write: the version it was applied at.
type Write struct {
	Version uint64 `json:"version"`
}

// appPath is the path of one app, by id or name.
func appPath(ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("app: name or id: required: %w", ErrConfig)
	}
	return "/v1/admin/apps/" + url.PathEscape(ref), nil
}

// Apps lists the apps, the default app included, by id.
func (a *Admin) Apps(ctx context.Context) ([]App, error) {
	var out []App
	err := a.Do(ctx, http.MethodGet, "/v1/admin/apps", nil, &out)
	return out, err
}

// App returns one app, by id or name (ignoring case).
func (a *Admin) App(ctx context.Context, ref string) (App, error) {
	var out App
	path, err := appPath(ref)
	if err == nil {
		err = a.Do(ctx, http.MethodGet, path, nil, &out)
	}
	return out, err
}

// PutApp creates or replaces the app app.ID (a GUID; Implicit is ignored).
func (a *Admin) PutApp(ctx context.Context, app App) (Write, error) {
	var out Write
	if app.ID == "" {
		return out, fmt.Errorf("put app: id: required: %w", ErrConfig)
	}
	body := struct {
		Name        string   `json:"name"`
		Description string   `json:"description,omitempty"`
		Entities    []string `json:"entities"`
	}{app.Name, app.Description, app.Entities}
	err := a.Do(ctx, http.MethodPut, "/v1/admin/apps/"+url.PathEscape(app.ID), body, &out)
	return out, err
}

// DeleteApp deletes an app, by id or name. The default app, and an app
// that still has profiles, cannot be deleted (ErrConflict).
func (a *Admin) DeleteApp(ctx context.Context, ref string) (Write, error) {
	var out Write
	path, err := appPath(ref)
	if err == nil {
		err = a.Do(ctx, http.MethodDelete, path, nil, &out)
	}
	return out, err
}

// AppIncluded is "see what's included" for one app (by id or name): its
// offline-enabled entities and the lookups among them.
func (a *Admin) AppIncluded(ctx context.Context, ref string) ([]IncludedEntity, error) {
	var out []IncludedEntity
	path, err := appPath(ref)
	if err == nil {
		err = a.Do(ctx, http.MethodGet, path+"/included", nil, &out)
	}
	return out, err
}

// Token is a device token just issued: Token is its secret, shown once.
type Token struct {
	Token  string `json:"token"`
	ID     string `json:"id"`
	UserID string `json:"userId"`
	// App is the id of the only app the token syncs for, or empty.
	App string `json:"app,omitempty"`
}

// IssueToken issues a device token for user, named name. app, when set (a
// name or an id), is the only app the token syncs for; empty: the device
// names its app (DeviceConfig.App), or syncs for the default app.
func (a *Admin) IssueToken(ctx context.Context, user, name, app string) (Token, error) {
	var out Token
	if user == "" {
		return out, fmt.Errorf("issue token: user: required: %w", ErrConfig)
	}
	body := struct {
		Name string `json:"name,omitempty"`
		App  string `json:"app,omitempty"`
	}{name, app}
	err := a.Do(ctx, http.MethodPost, "/v1/admin/users/"+url.PathEscape(user)+"/tokens", body, &out)
	return out, err
}

// Profile is an offline profile as PUT /v1/admin/profiles/{id} takes it.
// Rules are kept as JSON (see docs/admin-api.md), so that a profile read
// and written back keeps fields this package does not know.
type Profile struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// App is the profile's app, by id or name; empty is the default app.
	// A profile cannot move to another app.
	App   string            `json:"app,omitempty"`
	Rules []json.RawMessage `json:"rules"`
	Users []string          `json:"users,omitempty"`
	Teams []string          `json:"teams,omitempty"`
}

// PutProfile creates or replaces p (its draft rules and members); move
// takes members that are in another profile of the same app out of it.
func (a *Admin) PutProfile(ctx context.Context, p Profile, move bool) (Write, error) {
	var out Write
	if p.ID == "" {
		return out, fmt.Errorf("put profile: id: required: %w", ErrConfig)
	}
	if p.Rules == nil {
		p.Rules = []json.RawMessage{}
	}
	path := "/v1/admin/profiles/" + url.PathEscape(p.ID)
	if move {
		path += "?move=true"
	}
	err := a.Do(ctx, http.MethodPut, path, p, &out)
	return out, err
}
