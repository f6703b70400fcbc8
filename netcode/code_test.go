package netcode_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tickroom/tickroom/netcode"
)

func TestCodeOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want netcode.Code
	}{
		{nil, 0},
		{fmt.Errorf("%w: x", netcode.ErrMalformed), netcode.CodeBadFrame},
		{fmt.Errorf("%w 12", netcode.ErrUnknownKind), netcode.CodeUnknownKind},
		{netcode.ErrUnexpectedKind, netcode.CodeUnknownKind},
		{fmt.Errorf("decode: %w", netcode.ErrVersionMismatch), netcode.CodeVersionMismatch},
		{netcode.CodeRoomFull, netcode.CodeRoomFull},
		{fmt.Errorf("join: %w", netcode.CodeUnknownMode), netcode.CodeUnknownMode},
		{errors.New("disk on fire"), netcode.CodeInternal},
	} {
		if got := netcode.CodeOf(tc.err); got != tc.want {
			t.Errorf("CodeOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code   netcode.Code
		num    uint16
		name   string
		closes bool
	}{
		{netcode.CodeGoingAway, 1001, "going_away", true},
		{netcode.CodeBadFrame, 4000, "bad_frame", true},
		{netcode.CodeUnknownKind, 4001, "unknown_kind", false},
		{netcode.CodeTooLarge, 4002, "too_large", true},
		{netcode.CodeRateLimited, 4003, "rate_limited", false},
		{netcode.CodeRoomFull, 4004, "room_full", false},
		{netcode.CodeNotJoined, 4005, "not_joined", false},
		{netcode.CodeVersionMismatch, 4006, "version_mismatch", true},
		{netcode.CodeSlowConsumer, 4007, "slow_consumer", true},
		{netcode.CodeHeartbeatTimeout, 4008, "heartbeat_timeout", true},
		{netcode.CodeAlreadyJoined, 4009, "already_joined", false},
		{netcode.CodeUnknownMode, 4010, "unknown_mode", false},
		{netcode.CodeRoomClosed, 4011, "room_closed", false},
		{netcode.CodeInternal, 4012, "internal", true},
		{netcode.CodeTooManyRooms, 4013, "too_many_rooms", false},
		{netcode.CodeJoinRefused, 4014, "join_refused", false},
		{netcode.CodeRoomNotFound, 4015, "room_not_found", false},
		{netcode.CodeRoomLocked, 4016, "room_locked", false},
		{netcode.CodeRoomExists, 4017, "room_exists", false},
		{netcode.CodeUnknownMessage, 4018, "unknown_message", false},
		{netcode.CodeKicked, 4019, "kicked", false},
		{netcode.CodeResumeExpired, 4020, "resume_expired", false},
		{netcode.CodeEventsLost, 4021, "events_lost", false},
		{netcode.CodeReplaced, 4022, "replaced", true},
		{netcode.CodeUnauthorized, 4023, "unauthorized", true},
		{netcode.CodeServerBusy, 4024, "server_busy", false},
		{netcode.CodeJoinTimeout, 4025, "join_timeout", true},
		{netcode.Code(4026), 4026, "code_4026", false},
		{netcode.Code(4999), 4999, "code_4999", false},
	} {
		if uint16(tc.code) != tc.num || tc.code.String() != tc.name || tc.code.Closes() != tc.closes {
			t.Errorf("code %d: got (%d, %q, closes %v), want (%d, %q, closes %v)",
				tc.code, uint16(tc.code), tc.code.String(), tc.code.Closes(), tc.num, tc.name, tc.closes)
		}
		if got, want := tc.code.Error(), fmt.Sprintf("netcode: %s (%d)", tc.name, tc.num); got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	want := []string{"kind(0)", "join", "welcome", "input", "ack", "snapshot", "diff", "ping", "pong", "error", "leave",
		"message", "list", "rooms", "event", "rates", "resume", "kind(17)"}
	for k, w := range want {
		if got := netcode.Kind(k).String(); got != w {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, w)
		}
	}
	if got := netcode.Kind(255).String(); got != "kind(255)" {
		t.Errorf("Kind(255).String() = %q", got)
	}
}
