package netcode

import "strconv"

// Kind is the first element of every frame and says how to read the rest.
type Kind uint8

// Message kinds. The comment gives each frame's layout as the msgpack array
// it is; doc.go explains the fields. C→S kinds come from clients, S→C kinds
// from the server; a decoder rejects the other direction with
// ErrUnexpectedKind.
const (
	KindJoin     Kind = 1  // C→S [1, version, mode str, name str, how u8, room str, options]
	KindWelcome  Kind = 2  // S→C [2, version, session str, player u32, entity u32, room str, mode str, tickRate u16, sendRate u16, serverTime u32, schemas, roomID str, joinCode str, resumeToken str]
	KindInput    Kind = 3  // C→S [3, seq u32, ack u32, buttons u32, axis0 i16, …, axis3 i16] (0–4 axes, missing axes are 0)
	KindAck      Kind = 4  // C→S [4, ack u32]
	KindSnapshot Kind = 5  // S→C [5, tick u32, serverTime u32, inputAck u32, (private,) added]
	KindDiff     Kind = 6  // S→C [6, tick u32, baseline u32, serverTime u32, inputAck u32, (private,) added, changed, removed]
	KindPing     Kind = 7  // C→S [7, clientTime u64]
	KindPong     Kind = 8  // S→C [8, clientTime u64, serverTime u32]
	KindError    Kind = 9  // S→C [9, code u16, message str]
	KindLeave    Kind = 10 // C→S [10]
	KindMessage  Kind = 11 // C→S [11, type str, payload]
	KindList     Kind = 12 // C→S [12, request u32, mode str, offset u32, limit u16, filter map]
	KindRooms    Kind = 13 // S→C [13, request u32, total u32, rooms]
	KindEvent    Kind = 14 // S→C [14, tick u32, id u32, type str, payload]
	KindRates    Kind = 15 // S→C [15, tick u32, tickRate u16, sendRate u16]
	KindResume   Kind = 16 // C→S [16, version, token str, lastTick u32, lastEvent u32]
)

var kindNames = [...]string{
	KindJoin:     "join",
	KindWelcome:  "welcome",
	KindInput:    "input",
	KindAck:      "ack",
	KindSnapshot: "snapshot",
	KindDiff:     "diff",
	KindPing:     "ping",
	KindPong:     "pong",
	KindError:    "error",
	KindLeave:    "leave",
	KindMessage:  "message",
	KindList:     "list",
	KindRooms:    "rooms",
	KindEvent:    "event",
	KindRates:    "rates",
	KindResume:   "resume",
}

// String returns the kind's lowercase name, or "kind(N)" for an unknown one.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// known reports whether k is a kind of this protocol version.
func (k Kind) known() bool { return k >= KindJoin && k <= KindResume }

// fromClient reports whether k travels from client to server.
func (k Kind) fromClient() bool {
	switch k {
	case KindJoin, KindInput, KindAck, KindPing, KindLeave, KindMessage, KindList, KindResume:
		return true
	}
	return false
}
