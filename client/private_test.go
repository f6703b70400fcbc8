package client

import (
	"context"
	"testing"
	"time"

	"github.com/tickroom/tickroom/transports"
	"github.com/tickroom/tickroom/world"
)

// labFields are the lab's player field indexes, looked up by name as a
// program that knows the game only by its schemas would.
type labFields struct {
	player                        int
	name, x, ready, secret, motto int
}

func lookUp(t *testing.T, v View) labFields {
	t.Helper()
	var f labFields
	var ok [6]bool
	f.player, ok[0] = v.TypeByName("player")
	f.name, ok[1] = v.FieldByName(f.player, "name")
	f.x, ok[2] = v.FieldByName(f.player, "x")
	f.ready, ok[3] = v.FieldByName(f.player, "ready")
	f.secret, ok[4] = v.FieldByName(f.player, "secret")
	f.motto, ok[5] = v.FieldByName(f.player, "motto")
	if ok != [6]bool{true, true, true, true, true, true} {
		t.Fatalf("lookups %v in schemas %+v", ok, v.Schemas)
	}
	return f
}

// waitView waits until ok accepts c's newest view.
func waitView(t *testing.T, ctx context.Context, c *Client, what string, ok func(View) bool) View {
	t.Helper()
	if _, err := c.WaitState(ctx, func(world.State) bool { return ok(View{State: c.mirror.current, Schemas: c.mirror.schemas}) }); err != nil {
		t.Fatalf("%s client never saw %s: %v", c.Transport(), what, err)
	}
	return c.View()
}

// A private field reaches its owner only: the owner reads its values (at
// join and as they change), every other player zero, on every transport;
// public fields read by name, floats in units, reach everyone.
func TestPrivateFields(t *testing.T) {
	s := startServer(t, transports.Options{})
	for _, kind := range []string{TransportWebSocket, TransportLongPoll, TransportStream, TransportPoll} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t, 30*time.Second)
			room := JoinSpec{Room: "private-" + kind, Mode: modeLab}
			owner := dialT(t, s.srv.HTTPURL(), Options{Transport: kind, NoUpgrade: true, Name: "owner"})
			wo := joinWith(t, ctx, owner, room)
			other := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket, Name: "other"})
			wt := joinWith(t, ctx, other, room)
			mine, theirs := world.EntityID(wo.Entity), world.EntityID(wt.Entity)
			both := func(v View) bool {
				_, a := v.Entity(mine)
				_, b := v.Entity(theirs)
				return a && b
			}
			f := lookUp(t, waitView(t, ctx, owner, "both players", both))

			check := func(c *Client, id world.EntityID, secret int64, motto string) {
				t.Helper()
				e, _ := c.View().Entity(id)
				if got := e.Int(f.secret); got != secret {
					t.Errorf("%s sees secret %d on entity %d, want %d", c.opts.Name, got, id, secret)
				}
				if got := e.String(f.motto); got != motto {
					t.Errorf("%s sees motto %q on entity %d, want %q", c.opts.Name, got, id, motto)
				}
			}
			waitView(t, ctx, other, "both players", both)
			check(owner, mine, 1000+int64(wo.Player), "mine")
			check(owner, theirs, 0, "")
			check(other, theirs, 1000+int64(wt.Player), "mine")
			check(other, mine, 0, "")

			// Changes: private to the owner, public to all.
			for _, m := range []struct {
				typ     string
				payload any
			}{{"secret", 42}, {"x", 2.5}, {"ready", nil}} {
				if err := owner.SendMessage(m.typ, m.payload); err != nil {
					t.Fatal(err)
				}
			}
			moved := func(v View) bool {
				e, ok := v.Entity(mine)
				return ok && e.Float(f.x) == 2.5 && e.Bool(f.ready)
			}
			v := waitView(t, ctx, owner, "its secret and x change", func(v View) bool {
				e, ok := v.Entity(mine)
				return moved(v) && ok && e.Int(f.secret) == 42
			})
			waitView(t, ctx, other, "x change", moved)
			check(other, mine, 0, "")
			e, _ := v.Entity(mine)
			if e.Int(f.x) != int64(2.5/labQuantum) || e.String(f.name) != "owner" || e.TypeName() != "player" {
				t.Errorf("owner's entity %+v: want x 2.5 as %d quanta, name owner", e, int64(2.5/labQuantum))
			}
			if st := owner.Stats(); st.BadFrames != 0 || st.LostBaselines != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}
