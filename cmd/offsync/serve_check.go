package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/offsync/offsync/replication"
)

// minAdminToken is the shortest admin token server.Config accepts.
const minAdminToken = 16

// checkServeFlags checks, before serve touches the disk, what the
// packages would refuse later in the words of their Go fields: here the
// messages name the flags.
func checkServeFlags(f serveFlags) error {
	cluster := f.join != "" || f.raft != ""
	switch {
	case f.nonvoter && f.join == "":
		return usageErr(errors.New("--nonvoter: needs --join (a non-voter joins an existing cluster, as a read replica)"))
	case f.adminToken != "" && len(f.adminToken) < minAdminToken:
		return usageErr(fmt.Errorf("--admin-token (or OFFSYNC_ADMIN_TOKEN): must be at least %d characters", minAdminToken))
	case f.raft != "" && f.raftAdvertise == "" && everyInterface(f.raft):
		return usageErr(fmt.Errorf("--raft %s listens on every interface: set --raft-advertise to the address the other nodes dial", f.raft))
	case cluster && f.httpAdvertise == "" && everyInterface(f.http):
		return usageErr(fmt.Errorf("--http %s listens on every interface: set --http-advertise to the address other nodes reach", f.http))
	}
	return checkRaftTimeouts(f)
}

// everyInterface says whether a listen address has no host or an
// unspecified one (0.0.0.0, ::).
func everyInterface(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "" || ip != nil && ip.IsUnspecified()
}

// dataCleanup notes which of the data directory and its engine/ and raft/
// exist before serve starts. Its undo removes those that did not, for a
// start that failed: a retry then starts as fresh as the first attempt.
func dataCleanup(data string) (undo func()) {
	var made []string
	for _, d := range []string{data, filepath.Join(data, "engine"), filepath.Join(data, "raft")} {
		if _, err := os.Stat(d); errors.Is(err, fs.ErrNotExist) {
			made = append(made, d)
		}
	}
	return func() {
		for _, d := range made {
			_ = os.RemoveAll(d)
		}
	}
}

// checkRaftTimeouts checks the Raft timing flags as replication.Config
// would, in the words of the flags.
func checkRaftTimeouts(f serveFlags) error {
	c := replication.DefaultConfig("check", "check")
	c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = f.raftHeartbeat, f.raftElection, f.raftLease
	err := c.Validate()
	if err == nil {
		return nil
	}
	msg := err.Error()
	for field, flag := range map[string]string{"HeartbeatTimeout": "--raft-heartbeat-timeout", "ElectionTimeout": "--raft-election-timeout", "LeaderLeaseTimeout": "--raft-leader-lease"} {
		msg = strings.ReplaceAll(msg, field, flag)
	}
	return usageErr(errors.New(strings.TrimPrefix(msg, "replication config: ")))
}
