package clustertest

import (
	"fmt"
	"time"

	"github.com/offsync/offsync/engine"
)

// WaitApplied waits until every running node has applied version v.
func (c *Cluster) WaitApplied(v uint64) {
	c.t.Helper()
	c.retry(fmt.Sprintf("wait for version %d everywhere", v), func() error {
		for i := 0; i < c.Len(); i++ {
			if n := c.Node(i); n != nil && n.Engine().Applied() < v {
				return fmt.Errorf("%s applied %d", c.ID(i), n.Engine().Applied())
			}
		}
		return nil
	})
}

// EnsureSame waits until every running node has applied what the leader
// has, then checks that their databases are identical (engine.Digest). It
// returns that version.
func (c *Cluster) EnsureSame() uint64 {
	c.t.Helper()
	// A barrier through the log: once it is applied everywhere, every
	// node holds everything committed before it.
	res := c.Propose(&engine.Command{Kind: engine.KindPrune, Now: time.Now().UnixMilli()})
	c.WaitApplied(res.Version)
	var first engine.Digest
	var firstID string
	var firstIdx int
	c.retry("compare digests", func() error {
		firstID = ""
		for i := 0; i < c.Len(); i++ {
			n := c.Node(i)
			if n == nil {
				continue
			}
			d, err := n.Engine().Digest()
			if err != nil {
				return err
			}
			if firstID == "" {
				first, firstID, firstIdx = d, c.ID(i), i
				continue
			}
			if d != first {
				err := fmt.Errorf("%s holds %d keys at version %d, %s holds %d keys at version %d: different databases",
					c.ID(i), d.Keys, d.Applied, firstID, first.Keys, first.Applied)
				if d.Applied == first.Applied {
					keys, _ := n.Engine().Diff(c.Node(firstIdx).Engine(), 10)
					err = fmt.Errorf("%w; keys that differ: %v", err, keys)
				}
				return err
			}
		}
		return nil
	})
	return first.Applied
}
