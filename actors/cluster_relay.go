package actors

import (
	"github.com/anthdm/hollywood/actor"
	"github.com/tickroom/tickroom/internal/clusterpb"
)

// relay is a node's one actor for its players' traffic with other nodes
// (see "Cluster" in the package documentation).
type relay struct {
	hub *Hub
	cn  *clusterNode
}

func newRelay(h *Hub) actor.Producer {
	return func() actor.Receiver { return &relay{hub: h, cn: h.cl} }
}

func (r *relay) Receive(c *actor.Context) {
	switch c.Message().(type) {
	case *clusterpb.Barrier:
		c.Respond(&clusterpb.Barrier{})
	case membersChanged:
	}
}
