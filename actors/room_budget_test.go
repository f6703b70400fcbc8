package actors

import (
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// createRoom has c create public room name and leave it again, and returns
// the codes of the error frames that came of it.
func (c *testClient) createRoom(name string) []netcode.Code {
	c.t.Helper()
	before := len(c.errorCodes())
	c.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "p", How: netcode.JoinCreate, Room: name})
	tickUntil(func() bool { return len(c.errorCodes()) > before || c.seated() != nil }, nil)
	if c.seated() != nil {
		c.send(&netcode.Leave{})
		synctest.Wait()
	}
	return c.errorCodes()[before:]
}

// One connection may create a few rooms at once and then one every so
// often; a join into a room that exists costs nothing. The client stays
// connected throughout.
func TestRoomCreationIsLimitedPerConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Limits: LimitOptions{SessionRoomsPerMinute: 6, SessionRoomBurst: 3}})
		c := connect(t, h)
		for i := range 3 {
			if got := c.createRoom("r" + strconv.Itoa(i)); len(got) != 0 {
				t.Fatalf("room %d of the burst refused: %v", i, got)
			}
		}
		if got := c.createRoom("r3"); !slices.Equal(got, []netcode.Code{netcode.CodeRateLimited}) {
			t.Errorf("a fourth room at once got %v, want [rate_limited]", got)
		}
		if closed, _ := c.link.closeState(); closed {
			t.Fatal("a refused room closed the connection")
		}
		c.join("r0") // exists: no budget needed
		tickUntil(func() bool { return c.seated() != nil }, nil)
		if c.seated() == nil {
			t.Fatalf("a join of an existing room was refused: %v", c.errorCodes())
		}
		c.send(&netcode.Leave{})
		time.Sleep(10 * time.Second) // one more at 6 a minute
		synctest.Wait()
		if got := c.createRoom("r4"); len(got) != 0 {
			t.Errorf("a room 10s later got %v, want none", got)
		}
		if got := h.Stats().RoomCreatesLimited; got != 1 {
			t.Errorf("RoomCreatesLimited = %d, want 1", got)
		}
		closeAll(c)
	})
}

// The connections of one address share a budget of rooms (a client cannot
// open connection after connection to make thousands); other addresses
// have their own.
func TestRoomCreationIsLimitedPerAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Limits: LimitOptions{AddrRoomsPerMinute: 1, AddrRoomBurst: 4}})
		const addr = "198.51.100.9:1000"
		n := 0
		var refused []netcode.Code
		for i := range 4 {
			c := connectFrom(t, h, addr)
			for j := range 2 {
				if got := c.createRoom("a" + strconv.Itoa(i) + strconv.Itoa(j)); len(got) == 0 {
					n++
				} else {
					refused = append(refused, got...)
				}
			}
		}
		if n != 4 || len(refused) != 4 || slices.ContainsFunc(refused, func(c netcode.Code) bool { return c != netcode.CodeRateLimited }) {
			t.Errorf("8 rooms from one address: %d made, refusals %v; want 4 made and 4 rate_limited", n, refused)
		}
		// Another subnet of the same IPv6 /64 is the same client.
		v6a, v6b := connectFrom(t, h, "[2001:db8:1:2::1]:1"), connectFrom(t, h, "[2001:db8:1:2:ffff::9]:2")
		for i := range 3 {
			if got := v6a.createRoom("v" + strconv.Itoa(i)); len(got) != 0 {
				t.Fatalf("v6 room %d refused: %v", i, got)
			}
		}
		if got := v6b.createRoom("v3"); len(got) != 0 {
			t.Fatalf("v6 room 3 refused: %v", got)
		}
		if got := v6b.createRoom("v4"); !slices.Equal(got, []netcode.Code{netcode.CodeRateLimited}) {
			t.Errorf("a room from the same /64 got %v, want [rate_limited]", got)
		}
		if got := connect(t, h).createRoom("other"); len(got) != 0 {
			t.Errorf("a room from another address got %v, want none", got)
		}
	})
}

func TestAddrKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"203.0.113.5:443", "203.0.113.5"},
		{"[::ffff:203.0.113.5]:443", "203.0.113.5"},
		{"[2001:db8:aa:bb:1:2:3:4]:443", "2001:db8:aa:bb::/64"},
		{"[fe80::1%eth0]:443", "fe80::/64"},
		{"2001:db8::1", "2001:db8::/64"},
		{"pipe", "pipe"},
		{"host.example:80", "host.example"},
	} {
		if got := addrKey(tc.in); got != tc.want {
			t.Errorf("addrKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// An exempt address has no per-address budget (a load tester's machine):
// its connections make rooms and miss ids as their own budgets allow.
func TestExemptAddressHasNoAddressBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Limits: LimitOptions{AddrRoomBurst: 1, AddrMissBurst: 1,
			ExemptAddrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}})
		for i := range 5 {
			c := connectFrom(t, h, "127.0.0."+strconv.Itoa(i%2+1)+":5000")
			if got := c.createRoom("x" + strconv.Itoa(i)); len(got) != 0 {
				t.Errorf("room %d from an exempt address got %v", i, got)
			}
			c.send(&netcode.Join{Version: netcode.ProtocolVersion, How: netcode.JoinByID, Room: "nope"})
			synctest.Wait()
			if got := c.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeRoomNotFound}) {
				t.Errorf("a miss %d from an exempt address got %v, want [room_not_found]", i, got)
			}
		}
		c := connectFrom(t, h, "192.0.2.1:5000")
		c.createRoom("y0")
		if got := c.createRoom("y1"); !slices.Equal(got, []netcode.Code{netcode.CodeRateLimited}) {
			t.Errorf("a second room from a limited address got %v, want [rate_limited]", got)
		}
	})
}
