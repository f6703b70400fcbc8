package actors

import (
	"github.com/anthdm/hollywood/actor"
	"github.com/anthdm/hollywood/cluster"
)

// agentGuard stands in front of hollywood's cluster agent, which the
// cluster port lets anyone reach by its id (cluster/<node>). Bare, as
// hollywood's Cluster.Start spawns it, the agent dereferences the PIDs of
// activation messages unchecked, so four malformed ones from the network
// crashed the process (hollywood restarts a panicking actor three times,
// then panics), and a Deactivation made it poison any local actor of the
// id it named, the lobby included. This node activates nothing through
// the agent: it hands it the members (so hollywood's member events are
// true) and lets it trade empty topologies with its peers. Everything else
// is refused and counted, and the hub's recover middleware catches what
// still panics in it.
type agentGuard struct {
	cn   *clusterNode
	next actor.Receiver
}

func guardAgent(cn *clusterNode, agent actor.Producer) actor.Producer {
	return func() actor.Receiver { return &agentGuard{cn: cn, next: agent()} }
}

func (g *agentGuard) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Initialized, actor.Started, actor.Stopped:
		g.next.Receive(c)
	case *cluster.Members:
		// The provider's; one from the network cannot be told apart, so
		// it passes only if it names the members this node knows, as the
		// provider's do (the agent dials every member it learns of).
		if !g.knowsAll(m.GetMembers()) {
			g.cn.refuse("members this node does not know, for hollywood's agent")
			return
		}
		g.next.Receive(c)
	case *cluster.ActorTopology:
		// A peer's agent sends its topology to each member it learns of;
		// ours have no actors in it.
		if len(m.GetActors()) != 0 {
			g.cn.refuse("an actor topology, for hollywood's agent", "actors", len(m.GetActors()))
		}
	default:
		g.cn.refuse("a message for hollywood's agent that this node does not use", "type", shortType(m))
	}
}

// knowsAll reports whether every member in ms is one of the view's live
// members, with its address.
func (g *agentGuard) knowsAll(ms []*cluster.Member) bool {
	v := g.cn.view.Load()
	for _, m := range ms {
		if m == nil {
			return false
		}
		known := v.get(m.GetID())
		if known == nil || known.addr != m.GetHost() {
			return false
		}
	}
	return true
}
