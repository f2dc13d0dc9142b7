package engine

import "fmt"

// ClusterNode is a server of the cluster: its Raft id and the addresses
// other nodes reach it at (HTTP, for forwarding writes to the leader).
type ClusterNode struct {
	ID       string `json:"id" msgpack:"id"`
	RaftAddr string `json:"raftAddr" msgpack:"r"`
	HTTPAddr string `json:"httpAddr" msgpack:"h"`
}

func nodeKey(id string) []byte { return []byte("n/" + id) }

func (st *cmdState) putNode(n *ClusterNode) error {
	if n == nil || n.ID == "" || len(n.ID) > 128 {
		return invalidf("node.id: required, at most 128 characters")
	}
	if n.HTTPAddr == "" {
		return invalidf("node.httpAddr: required")
	}
	return st.setDecoded(nodeKey(n.ID), n)
}

// ClusterNodes lists the nodes that registered their addresses.
func (e *Engine) ClusterNodes() ([]ClusterNode, error) {
	nodes, err := listDecoded[ClusterNode](e, []byte("n/"))
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return nodes, nil
}
