package replication

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// TestConfigValidateNamesTheRaftTimeouts checks that each bad Raft timing
// is refused with the field's name, and that the defaults pass.
func TestConfigValidateNamesTheRaftTimeouts(t *testing.T) {
	if err := DefaultConfig("n1", t.TempDir()).Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for _, tc := range []struct {
		field  string
		mutate func(*Config)
	}{
		{"HeartbeatTimeout", func(c *Config) { c.HeartbeatTimeout = time.Millisecond }},
		{"HeartbeatTimeout", func(c *Config) { c.HeartbeatTimeout, c.ElectionTimeout = 2*time.Minute, 2*time.Minute }},
		{"ElectionTimeout", func(c *Config) { c.ElectionTimeout = c.HeartbeatTimeout / 2 }},
		{"ElectionTimeout", func(c *Config) { c.ElectionTimeout = 2 * time.Minute }},
		{"LeaderLeaseTimeout", func(c *Config) { c.LeaderLeaseTimeout = c.HeartbeatTimeout + time.Millisecond }},
		{"LeaderLeaseTimeout", func(c *Config) { c.LeaderLeaseTimeout = time.Millisecond }},
	} {
		c := DefaultConfig("n1", t.TempDir())
		tc.mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: Validate() = %v, want an error naming the field", tc.field, err)
		}
	}
}

// TestRaftConfigCarriesTheTimeoutsAndPreVote checks that what Config
// says reaches hashicorp/raft: every valid Config makes a raft.Config
// that raft accepts, with the same timeouts, and pre-vote on unless
// PreVote is off.
func TestRaftConfigCarriesTheTimeoutsAndPreVote(t *testing.T) {
	for _, tc := range []struct {
		hb, election, lease time.Duration
		preVote             bool
	}{
		{DefaultHeartbeatTimeout, DefaultElectionTimeout, DefaultLeaderLease, DefaultPreVote},
		{300 * time.Millisecond, 600 * time.Millisecond, 150 * time.Millisecond, false},
		{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond, true},
	} {
		c := DefaultConfig("n1", t.TempDir())
		c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout, c.PreVote = tc.hb, tc.election, tc.lease, tc.preVote
		if err := c.Validate(); err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		rc := c.RaftConfig(hclog.NewNullLogger())
		if err := raft.ValidateConfig(rc); err != nil {
			t.Errorf("%+v: raft refuses the config: %v", tc, err)
		}
		if rc.HeartbeatTimeout != tc.hb || rc.ElectionTimeout != tc.election || rc.LeaderLeaseTimeout != tc.lease {
			t.Errorf("%+v: raft got heartbeat %s, election %s, lease %s", tc, rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout)
		}
		if rc.PreVoteDisabled == tc.preVote {
			t.Errorf("%+v: PreVoteDisabled = %v", tc, rc.PreVoteDisabled)
		}
	}
	if !DefaultPreVote {
		t.Error("pre-vote is off by default")
	}
}
