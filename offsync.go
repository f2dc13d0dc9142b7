// Package offsync is the root of the offsync module: an offline
// synchronization engine for business data, shipped as one binary with its
// database embedded. The code lives in the sub-packages (see README.md,
// "Reading the source"); this package only embeds the sample CRM dataset's
// inputs from testdata/crm so that the binary can load demo data anywhere.
package offsync

import "embed"

// SampleData holds testdata/crm: the CRM schema, the offline profiles and the
// word lists the deterministic generator draws from.
//
//go:embed testdata/crm
var SampleData embed.FS
