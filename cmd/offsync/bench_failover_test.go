package main

import (
	"context"
	"strings"
	"testing"
)

// TestBenchFailoverFlagsReachTheRun: the failover flags reach the run's
// config, whose checks name the field before any node starts. The
// context is cancelled beforehand: were a flag lost, the run would stop
// at its first step instead of starting nodes (from this test binary).
func TestBenchFailoverFlagsReachTheRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--kills", "-1"}, "Kills"},
		{[]string{"--follower-kills", "-2"}, "FollowerKills"},
		{[]string{"--devices", "20", "--sync-interval", "1ms"}, "SyncInterval"},
	} {
		args := append([]string{"bench", "--scenario", "failover", "--dir", t.TempDir()}, tc.args...)
		_, err := run(t, ctx, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("bench %v: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
}
