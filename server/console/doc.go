// Package console is the administrator's web console, served at /console/:
// plain HTML, CSS and JavaScript modules embedded in the binary (no build
// step, no framework).
//
// The console holds no secret and no data of its own. Its static files are
// public; everything it shows comes from the admin JSON API, which the
// page calls with the admin token the administrator types in. The token is
// kept in the browser's session storage (gone when the tab closes) and is
// sent only in an Authorization header, never in a URL.
//
// Handler serves the files with their content types, a strict
// Content-Security-Policy (scripts, styles and connections to this origin
// only; no inline script, no framing) and ETags, so browsers revalidate a
// file cheaply and see a new binary's files at once.
package console
