package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports"
)

// wantJoinError fails unless err is a *JoinError with code (which errors.Is
// finds too) and, when reason is set, that reason.
func wantJoinError(t *testing.T, err error, code netcode.Code, reason string) {
	t.Helper()
	var je *JoinError
	if !errors.As(err, &je) {
		t.Fatalf("join error = %v, want a *JoinError with %s", err, code)
	}
	if je.Code != code || !errors.Is(err, code) {
		t.Fatalf("join error = %v, want code %s", err, code)
	}
	var c netcode.Code // as the load tester reads it
	if !errors.As(err, &c) || c != code {
		t.Fatalf("errors.As(%v, *netcode.Code) = %v, want %s", err, c, code)
	}
	if reason != "" && je.Reason != reason {
		t.Fatalf("join refused with reason %q, want %q", je.Reason, reason)
	}
}

func joinWith(t *testing.T, ctx context.Context, c *Client, j JoinSpec) *netcode.Welcome {
	t.Helper()
	w, err := c.JoinWith(ctx, j)
	if err != nil {
		t.Fatalf("join %+v: %v", j, err)
	}
	return w
}

// Every way to join, and the refusals of each, against the real server. A
// refused client stays connected and joins again.
func TestJoinWays(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	dial := func(name string) *Client {
		return dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket, Name: name})
	}
	pw := labOptions{Password: "pw"}

	a := dial("a")
	wa := joinWith(t, ctx, a, JoinSpec{How: netcode.JoinCreate, Room: "alpha", Mode: modeLab, Options: pw})
	if wa.Room != "alpha" || wa.Mode != modeLab || wa.RoomID == "" || wa.JoinCode != "" {
		t.Fatalf("welcome to a new public room = %+v", wa)
	}
	if got := a.Welcome(); got != wa {
		t.Errorf("Welcome() = %+v, want the join's", got)
	}

	b := dial("b")
	_, err := b.JoinWith(ctx, JoinSpec{How: netcode.JoinCreate, Room: "alpha", Mode: modeLab})
	wantJoinError(t, err, netcode.CodeRoomExists, "")
	_, err = b.JoinWith(ctx, JoinSpec{How: netcode.JoinExisting, Room: "alpha", Mode: modeLab, Options: labOptions{Password: "guess"}})
	wantJoinError(t, err, netcode.CodeJoinRefused, "wrong password")
	_, err = b.JoinWith(ctx, JoinSpec{How: netcode.JoinExisting, Room: "nowhere", Mode: modeLab})
	wantJoinError(t, err, netcode.CodeRoomNotFound, "")
	_, err = b.JoinWith(ctx, JoinSpec{How: netcode.JoinByID, Room: "no-such-id"})
	wantJoinError(t, err, netcode.CodeRoomNotFound, "")
	_, err = b.JoinWith(ctx, JoinSpec{Mode: "no-such-mode"})
	wantJoinError(t, err, netcode.CodeUnknownMode, "")
	if b.Welcome() != nil {
		t.Fatalf("Welcome() = %+v after refusals, want nil", b.Welcome())
	}
	// Raw options go as they are: this is {"password": "pw"} in msgpack.
	raw := netcode.Payload("\x81\xa8password\xa2pw")
	wb := joinWith(t, ctx, b, JoinSpec{How: netcode.JoinExisting, Room: "alpha", Mode: modeLab, Options: raw})
	if wb.RoomID != wa.RoomID || wb.Player == wa.Player {
		t.Fatalf("welcome %+v, want room %s as another player than %d", wb, wa.RoomID, wa.Player)
	}
	_, err = b.JoinWith(ctx, JoinSpec{How: netcode.JoinExisting, Room: "alpha", Mode: modeLab, Options: pw})
	wantJoinError(t, err, netcode.CodeAlreadyJoined, "")
	if b.Welcome() != wb {
		t.Errorf("Welcome() = %+v after already_joined, want the room's still", b.Welcome())
	}

	c := dial("c")
	if w := joinWith(t, ctx, c, JoinSpec{How: netcode.JoinByID, Room: wa.RoomID, Options: pw}); w.RoomID != wa.RoomID || w.Room != "alpha" {
		t.Fatalf("join by id: welcome %+v, want room %s", w, wa.RoomID)
	}

	// A private room: joined by its code or id, never by name or by
	// matchmaking.
	p := dial("p")
	wp := joinWith(t, ctx, p, JoinSpec{How: netcode.JoinCreatePrivate, Room: "hideout", Mode: modeLab})
	if wp.JoinCode == "" || wp.RoomID == "" || wp.Room != "hideout" {
		t.Fatalf("welcome to a private room = %+v, want an id and a join code", wp)
	}
	q := dial("q")
	if w := joinWith(t, ctx, q, JoinSpec{How: netcode.JoinByID, Room: wp.JoinCode}); w.RoomID != wp.RoomID {
		t.Fatalf("join by code: room %s, want %s", w.RoomID, wp.RoomID)
	}
	r := dial("r")
	_, err = r.JoinWith(ctx, JoinSpec{How: netcode.JoinExisting, Room: "hideout", Mode: modeLab})
	wantJoinError(t, err, netcode.CodeRoomNotFound, "")
	if w := joinWith(t, ctx, r, JoinSpec{Mode: modeLab}); w.RoomID == wp.RoomID {
		t.Fatalf("matchmaking put a player in the private room %s", wp.RoomID)
	}

	// A room created without a name gets one from the server.
	if w := joinWith(t, ctx, dial("n"), JoinSpec{How: netcode.JoinCreate, Mode: modeLab}); w.Room == "" || w.RoomID == wa.RoomID {
		t.Fatalf("welcome to a room created without a name: %+v", w)
	}

	// The game's reason reaches the client, through matchmaking too.
	x := dial("refused")
	_, err = x.JoinWith(ctx, JoinSpec{How: netcode.JoinExisting, Room: "alpha", Mode: modeLab, Options: pw})
	wantJoinError(t, err, netcode.CodeJoinRefused, "no entry for refused")
	_, err = x.JoinWith(ctx, JoinSpec{Mode: modeLab})
	wantJoinError(t, err, netcode.CodeJoinRefused, "no entry for refused")

	// Options that do not encode, or are too large, never leave.
	_, err = x.JoinWith(ctx, JoinSpec{Mode: modeLab, Options: make(chan int)})
	if !errors.Is(err, netcode.ErrPayload) {
		t.Errorf("join with options that do not encode: %v, want ErrPayload", err)
	}
	_, err = x.JoinWith(ctx, JoinSpec{Mode: modeLab, Options: make([]byte, netcode.MaxPayloadLen)})
	if !errors.Is(err, netcode.ErrPayload) {
		t.Errorf("join with options over the limit: %v, want ErrPayload", err)
	}
	for _, cl := range []*Client{a, b, c, p, q, r, x} {
		if cl.Err() != nil {
			t.Errorf("client %s ended: %v", cl.opts.Name, cl.Err())
		}
	}
}

// A room with no free seat refuses the next player with room_full, and a
// locked one with room_locked.
func TestJoinFullAndLocked(t *testing.T) {
	s := startServer(t, transports.Options{})
	ctx := testCtx(t, 30*time.Second)
	var cs []*Client
	for i := range 3 {
		cs = append(cs, dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket, Name: string(rune('a' + i))}))
	}
	for _, c := range cs[:2] {
		joinWith(t, ctx, c, JoinSpec{Room: "pair", Mode: modeDuo})
	}
	_, err := cs[2].JoinWith(ctx, JoinSpec{Room: "pair", Mode: modeDuo})
	wantJoinError(t, err, netcode.CodeRoomFull, "")

	joinWith(t, ctx, cs[2], JoinSpec{How: netcode.JoinCreate, Room: "vault", Mode: modeLab})
	if err := cs[2].SendMessage("lock", nil); err != nil {
		t.Fatal(err)
	}
	// The lobby learns of the lock after the room's tick; the listing
	// shows when it has.
	waitListed(t, ctx, cs[2], modeLab, func(r netcode.RoomInfo) bool { return r.Name == "vault" && r.Locked })
	l := dialT(t, s.srv.HTTPURL(), Options{Transport: TransportWebSocket, Name: "late"})
	_, err = l.JoinWith(ctx, JoinSpec{How: netcode.JoinExisting, Room: "vault", Mode: modeLab})
	wantJoinError(t, err, netcode.CodeRoomLocked, "")
	_, err = l.JoinWith(ctx, JoinSpec{Room: "vault", Mode: modeLab})
	wantJoinError(t, err, netcode.CodeRoomLocked, "")
}

// joinAsync runs JoinWith on its own goroutine and returns once the join
// is on the wire, with a channel for its result.
func joinAsync(t *testing.T, ctx context.Context, c *Client, f *fakeConn, j JoinSpec) <-chan error {
	t.Helper()
	sent := f.nextSend()
	done := make(chan error, 1)
	go func() {
		_, err := c.JoinWith(ctx, j)
		done <- err
	}()
	select {
	case <-sent:
		return done
	case err := <-done:
		t.Fatalf("join ended before it was sent: %v", err)
	}
	return nil
}

// Answers go to the join they answer, also after a join whose caller gave
// up: already_joined, which the session sends at once while a join is under
// way, answers the newest join; any other answer the oldest.
func TestJoinAnswersFindTheirJoin(t *testing.T) {
	ctx := testCtx(t, 10*time.Second)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	notFound := encode(t, &netcode.Error{Code: netcode.CodeRoomNotFound, Message: "abandoned"})
	welcomeFrame := encode(t, &netcode.Welcome{Version: netcode.ProtocolVersion, Room: "here", TickRate: 20, SendRate: 20, Schemas: counterSchemas})

	t.Run("in order", func(t *testing.T) {
		c, f := newFakeClient(t, Options{})
		if _, err := c.JoinWith(gone, JoinSpec{How: netcode.JoinExisting, Room: "nowhere"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("join with an ended context: %v", err)
		}
		done := joinAsync(t, ctx, c, f, JoinSpec{Room: "here"})
		c.deliver(notFound) // the first join's answer, late
		c.deliver(welcomeFrame)
		if err := <-done; err != nil {
			t.Fatalf("second join: %v, want the welcome", err)
		}
		if w := c.Welcome(); w == nil || w.Room != "here" {
			t.Errorf("Welcome() = %+v", w)
		}
	})
	t.Run("already joined", func(t *testing.T) {
		c, f := newFakeClient(t, Options{})
		if _, err := c.JoinWith(gone, JoinSpec{Room: "here"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("join with an ended context: %v", err)
		}
		done := joinAsync(t, ctx, c, f, JoinSpec{Room: "there"})
		c.deliver(encode(t, &netcode.Error{Code: netcode.CodeAlreadyJoined, Message: "joining"}))
		wantJoinError(t, <-done, netcode.CodeAlreadyJoined, "joining")
		c.deliver(welcomeFrame) // the first join's, which seats the client
		if w := c.Welcome(); w == nil || w.Room != "here" {
			t.Errorf("Welcome() = %+v, want the first join's room", w)
		}
		// Nothing is pending now: the next join takes the next answer.
		done = joinAsync(t, ctx, c, f, JoinSpec{Room: "more"})
		c.deliver(notFound)
		wantJoinError(t, <-done, netcode.CodeRoomNotFound, "abandoned")
	})
	t.Run("seat ends", func(t *testing.T) {
		c, f := newFakeClient(t, Options{})
		done := joinAsync(t, ctx, c, f, JoinSpec{Room: "here"})
		c.deliver(welcomeFrame)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// kicked and room_closed end a seat; they answer no join.
		done = joinAsync(t, ctx, c, f, JoinSpec{Room: "next"})
		c.deliver(encode(t, &netcode.Error{Code: netcode.CodeKicked, Message: "bye"}))
		if c.Welcome() != nil {
			t.Errorf("Welcome() = %+v after kicked", c.Welcome())
		}
		select {
		case err := <-done:
			t.Fatalf("kicked answered a join: %v", err)
		default:
		}
		// Not seated, kicked answers the join (the game removed the
		// player in its Join).
		c.deliver(encode(t, &netcode.Error{Code: netcode.CodeKicked, Message: "not you"}))
		wantJoinError(t, <-done, netcode.CodeKicked, "not you")
	})
}
