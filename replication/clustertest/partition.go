package clustertest

// Partition cuts the links between the nodes in group and every other
// node, both ways; links inside each side stay up. Heal undoes it.
func (c *Cluster) Partition(group ...int) {
	in := map[int]bool{}
	for _, i := range group {
		in[i] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, a := range c.nodes {
		for j, b := range c.nodes {
			if in[i] != in[j] {
				a.gate.Block(b.addr)
			}
		}
	}
}

// Disconnect cuts node i off from every other node.
func (c *Cluster) Disconnect(i int) { c.Partition(i) }

// Heal restores every link.
func (c *Cluster) Heal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.nodes {
		m.gate.UnblockAll()
	}
}
