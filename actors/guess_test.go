package actors

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// Joins by id or join code that find nothing are guesses, counted as
// refused resumes are: against the connection (closed with rate_limited
// after a few) and against its address (refused unread after a few more,
// on any connection, until its budget refills). Joins that find their
// room cost nothing: a whole class behind one address may join a private
// room by its code.
func TestJoinByIDGuessingIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newTestHub(t, Options{Room: RoomOptions{MaxPlayers: 64}})
		const addr = "203.0.113.50:7000"
		host := connect(t, h)
		host.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "host", How: netcode.JoinCreatePrivate})
		host.run(200*time.Millisecond, 50*time.Millisecond)
		code := host.welcome().JoinCode
		var pupils []*testClient
		for range 2 * DefaultAddrMissBurst {
			c := connectFrom(t, h, addr)
			c.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "pupil", How: netcode.JoinByID, Room: code})
			pupils = append(pupils, c)
		}
		host.run(200*time.Millisecond, 50*time.Millisecond)
		if slices.ContainsFunc(pupils, func(c *testClient) bool { return c.welcome() == nil }) {
			t.Error("a join by the right code from a busy address was not welcomed")
		}
		if got := h.Stats().JoinMisses; got != 0 {
			t.Errorf("joins by a right code counted %d misses", got)
		}

		guess := func(c *testClient, n int) {
			for range n {
				c.send(&netcode.Join{Version: netcode.ProtocolVersion, Name: "g", How: netcode.JoinByID, Room: "ZZZZZZ"})
				synctest.Wait()
			}
		}
		c := connectFrom(t, h, addr)
		guess(c, maxMisses)
		want := slices.Repeat([]netcode.Code{netcode.CodeRoomNotFound}, maxMisses)
		want = append(want, netcode.CodeRateLimited)
		if got := c.errorCodes(); !slices.Equal(got, want) {
			t.Errorf("after %d misses the guesser got %v, want %v", maxMisses, got, want)
		}
		if closed, code := c.link.closeState(); !closed || code != uint16(netcode.CodeRateLimited) {
			t.Errorf("after %d misses: closed %v code %d, want closed with rate_limited", maxMisses, closed, code)
		}
		for range DefaultAddrMissBurst/maxMisses + 1 {
			guess(connectFrom(t, h, addr), maxMisses)
		}
		c = connectFrom(t, h, addr)
		guess(c, 1)
		if got := c.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeRateLimited}) {
			t.Errorf("a fresh connection from a guessing address got %v, want [rate_limited] unread", got)
		}
		// The budget is shared with resumes: they are guesses too.
		r := connectFrom(t, h, addr)
		r.send(&netcode.Resume{Version: netcode.ProtocolVersion, Token: "abcdefghijkl.x"})
		synctest.Wait()
		if got := r.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeRateLimited}) {
			t.Errorf("a resume from the guessing address got %v, want [rate_limited] unread", got)
		}
		other := connect(t, h)
		guess(other, 1)
		if got := other.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeRoomNotFound}) {
			t.Errorf("a miss from another address got %v, want [room_not_found]", got)
		}
		time.Sleep(time.Minute) // the budget refills
		c = connectFrom(t, h, addr)
		guess(c, 1)
		if got := c.errorCodes(); !slices.Equal(got, []netcode.Code{netcode.CodeRoomNotFound}) {
			t.Errorf("a minute later the address got %v, want [room_not_found]", got)
		}
		st := h.Stats()
		if st.JoinMisses < DefaultAddrMissBurst || st.JoinGuessesLimited == 0 || st.ResumesLimited == 0 {
			t.Errorf("stats: JoinMisses %d JoinGuessesLimited %d ResumesLimited %d; want the misses and limits counted",
				st.JoinMisses, st.JoinGuessesLimited, st.ResumesLimited)
		}
	})
}
