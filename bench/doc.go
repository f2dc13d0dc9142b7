// Package bench is offsync's benchmark library: Config structs and Run
// functions that measure a target against a baseline measured in the same
// run and report the ratio under the metric names of shared/benchmarks.md.
// The Go benchmarks in this package and `offsync bench` bind them; the
// package holds no mutable globals.
package bench
