package replication

import (
	"sync/atomic"
	"time"
)

// Observer is told how long the node's applies and snapshots take (the
// server's Prometheus metrics implement it). Its methods run on Raft's
// goroutines and must not block.
type Observer interface {
	// ObserveApply is called after a group of committed commands was
	// applied to the engine in one transaction.
	ObserveApply(commands int, d time.Duration)
	// ObserveSnapshot is called after a snapshot was written to the
	// snapshot store (taken and streamed).
	ObserveSnapshot(d time.Duration)
}

// observerBox holds an Observer in an atomic.Pointer.
type observerBox struct{ o Observer }

// observers is the FSM's optional Observer.
type observers struct{ p atomic.Pointer[observerBox] }

func (o *observers) apply(n int, d time.Duration) {
	if b := o.p.Load(); b != nil {
		b.o.ObserveApply(n, d)
	}
}

func (o *observers) snapshot(d time.Duration) {
	if b := o.p.Load(); b != nil {
		b.o.ObserveSnapshot(d)
	}
}

// SetObserver makes o hear of every apply and snapshot from now on (nil:
// none).
func (n *Node) SetObserver(o Observer) {
	if o == nil {
		n.fsm.obs.p.Store(nil)
		return
	}
	n.fsm.obs.p.Store(&observerBox{o})
}
