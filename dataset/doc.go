// Package dataset generates CRM-N, the sample CRM dataset offsync's demo,
// tests and benchmarks load (docs/benchmarks.md, "The dataset: CRM-N").
//
// CRM-N has four user/team-owned, offline-enabled entities, shaped like
// Dynamics 365 Sales: account, contact, opportunity and task. Schema
// returns them and Profiles the two offline profiles, "Field Sales" and
// "Managers"; both are read from testdata/crm through offsync.SampleData.
// Org builds the organization (business-unit tree, users, teams, roles and
// the profiles with their members) and Generate streams the rows in
// batches. ConfigFor sizes it: demo (3,000 rows), small (10k), medium (100k)
// and large (1M rows; 1,000 users, 100 teams, 20 business units in a
// 3-level tree). Small and medium share the large size's org: only the row
// counts change between the benchmark sizes.
//
// # Realism
//
// Values are drawn from the hand-written lists in testdata/crm/words,
// where each list puts its most common entries first, with Zipf-like
// (skewed) draws: a few company stems, surnames, cities and industries
// appear very often and most rarely, as in real data. Descriptions are
// composed from a list of note fragments, so sentences repeat across rows.
// Revenue and deal sizes are log-normal decimal strings, mostly rounded the
// way people type them; createdon and modifiedon spread over the 90 days
// before Config.Now. Optional attributes are often absent, sometimes sent
// as explicit nulls. Lookups follow real shapes: contacts belong to
// accounts (a few accounts have many), an account's primary contact is one
// of its own contacts, opportunities point at an account and its contact,
// and tasks are regarding an opportunity or an account. Rows are owned by
// users (a few own far more than most) and about 10% by teams, and child
// rows usually share the owner of the row they hang off.
//
// # CRM-noisy
//
// Config.Kind KindNoisy selects CRM-noisy (noisy.go): the same schema,
// org, row counts, relationships and owners, with the values an encoder
// finds hardest: ids from another key space and random account numbers,
// names and descriptions of random pseudo-words, and uniform numbers,
// choices, owners, lookup targets and millisecond dates. The benchmarks
// report byte ratios on both, so that an encoding tuned to CRM-N's
// repetitions shows what it does on data that has none.
//
// # Determinism and memory
//
// Every id is a version-4-shaped GUID hashed from (Seed, kind, index), see
// RowID, and every row draws its values from its own PCG streams (from
// math/rand/v2) seeded the same way. So the output is a pure function of
// the Config, and a row can compute what it needs about the rows it
// references (their id, owner, name or city) without the generator keeping
// them: generating the large size holds one batch at a time. Config.Now
// moves the dates but changes no id. The output is identical from run to
// run on one CPU architecture; values go through float math (Pow, Exp), so
// another architecture could in principle round a rare draw differently.
package dataset
