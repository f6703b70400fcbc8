package client

import (
	"fmt"

	"github.com/tickroom/tickroom/netcode"
)

// SendMessage sends the room a game message: typ, a name the game knows
// (1 to netcode.MaxTypeLen bytes), and payload, which is sent as is when
// it is a netcode.Payload, as none when nil, and otherwise encoded as
// msgpack (at most netcode.MaxPayloadLen bytes). The game gets the
// messages of each player in the order they were sent, at the room's next
// tick, after that player's inputs. A game that takes no messages answers
// with an error frame of code netcode.CodeUnknownMessage (see Errors and
// Options.OnFrame); one sent outside a room gets CodeNotJoined.
func (c *Client) SendMessage(typ string, payload any) error {
	p, err := payloadOf(payload, netcode.MaxPayloadLen)
	if err != nil {
		return fmt.Errorf("client: message %q: %w", typ, err)
	}
	frame, err := netcode.AppendFrame(nil, &netcode.Message{Type: typ, Payload: p})
	if err != nil {
		return fmt.Errorf("client: message %q: %w", typ, err)
	}
	return c.sendFrame(netcode.KindMessage, frame)
}
