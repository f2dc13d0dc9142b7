package main

import (
	"context"
	"strings"
	"testing"
)

// TestBenchFailoverFlagsReachTheRun: the failover flags reach the run's
// config, whose checks name the field before any node starts.
func TestBenchFailoverFlagsReachTheRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--kills", "-1"}, "Kills"},
		{[]string{"--follower-kills", "-2"}, "FollowerKills"},
		{[]string{"--devices", "20", "--sync-interval", "1ms"}, "SyncInterval"},
	} {
		args := append([]string{"bench", "--scenario", "failover", "--dir", t.TempDir()}, tc.args...)
		_, err := run(t, context.Background(), args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("bench %v: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
}
