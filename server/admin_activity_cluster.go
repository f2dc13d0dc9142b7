package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// activityPeerTimeout bounds how long a cluster-wide activity waits for
// one node.
const activityPeerTimeout = time.Second

// ActivityNode is one node's share of GET /v1/admin/activity?scope=cluster.
type ActivityNode struct {
	ID       string `json:"id"`
	Devices  int    `json:"devices"`
	InFlight int    `json:"inFlight"`
	Streams  int    `json:"streams"`
	// LastMinute is the node's newest point: its last minute.
	LastMinute ActivityCounts `json:"lastMinute"`
	// Error says why the node's figures are missing (it did not answer,
	// or answered an error such as stale).
	Error string `json:"error,omitempty"`
}

// clusterActivity sums the figures of every member of the cluster: this
// node's, and those the others answer within activityPeerTimeout. A
// device syncing with two nodes counts on each. Series points are added
// by time; a node's points outside this node's window are left out.
func (s *Server) clusterActivity(ctx context.Context, local Activity) Activity {
	ml, ok := s.w.(membersLister)
	sr, ok2 := s.w.(statusReporter)
	if !ok || !ok2 {
		local.Nodes = []ActivityNode{nodeShare("", local)}
		return local
	}
	members, err := ml.Members()
	if err != nil {
		local.Nodes = []ActivityNode{nodeShare(sr.Status().ID, local)}
		return local
	}
	addrs := map[string]string{}
	if nodes, err := s.r.ClusterNodes(); err == nil {
		for _, n := range nodes {
			addrs[n.ID] = n.HTTPAddr
		}
	}
	self := sr.Status().ID
	answers := make([]Activity, len(members))
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		if m.ID == self {
			answers[i] = local
			continue
		}
		if addrs[m.ID] == "" {
			errs[i] = fmt.Errorf("no HTTP address registered")
			continue
		}
		wg.Go(func() { answers[i], errs[i] = s.peerActivity(ctx, addrs[m.ID]) })
	}
	wg.Wait()
	out := Activity{Time: local.Time, StepSeconds: local.StepSeconds, Series: make([]ActivityPoint, len(local.Series))}
	at := map[int64]int{}
	for i, p := range local.Series {
		out.Series[i].Time = p.Time
		at[p.Time] = i
	}
	for i, m := range members {
		if errs[i] != nil {
			out.Nodes = append(out.Nodes, ActivityNode{ID: m.ID, Error: errs[i].Error()})
			continue
		}
		a := answers[i]
		out.Devices += a.Devices
		out.InFlight += a.InFlight
		out.Streams += a.Streams
		out.Totals = addCounts(out.Totals, a.Totals)
		for _, p := range a.Series {
			if j, ok := at[p.Time]; ok {
				out.Series[j].ActivityCounts = addCounts(out.Series[j].ActivityCounts, p.ActivityCounts)
			}
		}
		out.Nodes = append(out.Nodes, nodeShare(m.ID, a))
	}
	return out
}

func addCounts(a, b ActivityCounts) ActivityCounts {
	return ActivityCounts{Pulls: a.Pulls + b.Pulls, Pushes: a.Pushes + b.Pushes, Bytes: a.Bytes + b.Bytes}
}

func nodeShare(id string, a Activity) ActivityNode {
	n := ActivityNode{ID: id, Devices: a.Devices, InFlight: a.InFlight, Streams: a.Streams}
	if len(a.Series) > 0 {
		n.LastMinute = a.Series[len(a.Series)-1].ActivityCounts
	}
	return n
}

// peerActivity asks the node at addr for its own activity.
func (s *Server) peerActivity(ctx context.Context, addr string) (Activity, error) {
	ctx, cancel := context.WithTimeout(ctx, activityPeerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.peerURL(addr)+"/v1/admin/activity", nil)
	if err != nil {
		return Activity{}, err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminToken)
	resp, err := s.peers.Do(req)
	if err != nil {
		return Activity{}, fmt.Errorf("ask %s: %w", addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Activity{}, fmt.Errorf("ask %s: %w", addr, err)
	}
	if resp.StatusCode != http.StatusOK {
		var eb ErrorBody
		_ = json.Unmarshal(body, &eb)
		return Activity{}, fmt.Errorf("%s answered %d %s", addr, resp.StatusCode, eb.Code)
	}
	var a Activity
	if err := json.Unmarshal(body, &a); err != nil {
		return Activity{}, fmt.Errorf("read activity of %s: %w", addr, err)
	}
	return a, nil
}
