// Package engine is offsync's database: entity metadata (drafts and
// publishes), the current rows with their owner and lookup indexes, the
// versioned change log, and the organization (business units, teams, users,
// roles) and offline profiles, all on one Badger DB.
//
// Every state change goes through one deterministic path, Apply, which takes
// a Command and the version to stamp it with (the Raft log index). Apply
// reads no clock and no randomness: the wall-clock time and any generated
// ids travel inside the Command, and nothing depends on map iteration order,
// so two engines that apply the same commands hold the same bytes.
//
// The last applied version is stored in the same Badger transaction as the
// data it produced, so a restart resumes from it and re-applying an already
// applied version is a no-op. Durability comes from the Raft log (package
// replication); Badger itself writes without fsync.
//
// Reads (Get, Changes, Schema, ...) run in Badger read transactions and
// block no writer.
//
// The key layout is described in keys.go and docs/architecture.md.
package engine
