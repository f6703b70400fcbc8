package client

import "github.com/tickroom/tickroom/netcode"

// roomRates follows the tick and send rates of the client's room. A reload
// of the server's config may change them in a running room, which then
// sends a rates frame naming the first tick that runs at the new rates,
// before any state of that tick; the client uses the new rates from the
// first state of that tick on, so that ticks before it keep their length.
type roomRates struct {
	now     netcode.Rates   // in effect at the newest state
	pending []netcode.Rates // announced for ticks no state has reached yet, in order
}

// welcome starts over with a welcome's rates.
func (r *roomRates) welcome(w *netcode.Welcome) {
	*r = roomRates{now: netcode.Rates{TickRate: w.TickRate, SendRate: w.SendRate}}
}

// announce takes a rates frame; current is the tick of the newest state.
func (r *roomRates) announce(m netcode.Rates, current uint32) {
	r.pending = append(r.pending, m)
	r.reach(current)
}

// reach applies the announced rates whose tick a state has reached.
func (r *roomRates) reach(tick uint32) {
	for len(r.pending) > 0 && r.pending[0].Tick <= tick {
		r.now = r.pending[0]
		r.pending = r.pending[1:]
	}
}
