package server

import (
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/offsync/offsync/replication"
)

// Devices that follow the cluster: every answer to an authenticated device
// request carries the Offsync-Members header, the base URLs of the
// cluster's members as devices reach them, so that a device configured
// with one node learns the others and can move on when that node is gone.
// A node advertises only what it knows: the members of its Raft
// configuration that registered an HTTP address (--http, or
// --http-advertise) which names a host. A single node, or a node outside a
// cluster, advertises nothing.

// MembersHeader names the header that lists the members' base URLs,
// comma-separated, on device answers.
const MembersHeader = "Offsync-Members"

// membersTTL is how long a computed member list is served before it is
// computed again (in the background, so no request waits on Raft).
const membersTTL = time.Second

// memberURLs caches the value of MembersHeader.
type memberURLs struct {
	value      atomic.Pointer[memberList]
	refreshing atomic.Bool
	once       sync.Mutex // serializes the first computation
}

// memberList is one computed header value and when it was computed.
type memberList struct {
	header string
	at     time.Time
}

// setMembers sets MembersHeader on w when this node knows other members.
func (s *Server) setMembers(w http.ResponseWriter) {
	if v := s.memberURLs(); v != "" {
		w.Header().Set(MembersHeader, v)
	}
}

// memberURLs returns the header value: computed at once the first time,
// then refreshed in the background once it is older than membersTTL.
func (s *Server) memberURLs() string {
	c := &s.memberCache
	cur := c.value.Load()
	if cur == nil {
		c.once.Lock()
		if cur = c.value.Load(); cur == nil {
			cur = &memberList{header: s.computeMembers(), at: time.Now()}
			c.value.Store(cur)
		}
		c.once.Unlock()
		return cur.header
	}
	if time.Since(cur.at) > membersTTL && c.refreshing.CompareAndSwap(false, true) {
		go func() {
			defer c.refreshing.Store(false)
			c.value.Store(&memberList{header: s.computeMembers(), at: time.Now()})
		}()
	}
	return cur.header
}

// computeMembers lists the base URLs of the members that registered a
// usable HTTP address, sorted by member id; "" when fewer than two have.
func (s *Server) computeMembers() string {
	ml, ok := s.w.(membersLister)
	if !ok {
		return ""
	}
	members, err := ml.Members()
	if err != nil {
		return ""
	}
	nodes, err := s.r.ClusterNodes()
	if err != nil {
		return ""
	}
	addrs := map[string]string{}
	for _, n := range nodes {
		addrs[n.ID] = n.HTTPAddr
	}
	slices.SortFunc(members, func(a, b replication.Member) int { return strings.Compare(a.ID, b.ID) })
	var urls []string
	for _, m := range members {
		if addr := addrs[m.ID]; advertisable(addr) {
			urls = append(urls, s.peerURL(addr))
		}
	}
	if len(urls) < 2 {
		return ""
	}
	return strings.Join(urls, ",")
}

// advertisable says whether addr is a host:port a device can dial: not
// empty, and not an unspecified address such as 0.0.0.0 or [::].
func advertisable(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" || strings.ContainsAny(addr, ", /") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsUnspecified()
}
