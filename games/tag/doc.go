// Package tag is a game of tag, written only against Tickroom's public game
// API (package world, and the server package to run it): it shows messages,
// events, the room handle, timers and hooks at work.
//
// Players join a room and move with their stick. They send "ready" when
// they want to play; once at least two players are ready and all of them
// are, a round starts: one player is "it", and "it" tags another by coming
// within reach, which makes the other "it" and scores a point for the
// tagger, who is then immune for a moment so that the new "it" cannot tag
// straight back. When the round's time runs out, the player with the most
// points wins and the room waits for ready players again. Players can
// "chat" and "wave" at any time.
//
// Messages (client to room), with their msgpack payloads:
//
//	ready   nil               toggles the sender's ready flag (between rounds)
//	chat    {"text": str}     at most MaxChat bytes; longer text is cut
//	wave    nil
//
// Events (room to clients):
//
//	rules        {"size": n, "speed": n, "reach": n}   to a player as it joins; to all after a reload
//	round_start  {"it": player, "seconds": n}
//	tagged       {"by": player, "it": player}
//	round_over   {"winner": player, "scores": [{"player": p, "points": n}, …]}
//	chat         {"from": player, "name": str, "text": str}
//	wave         {"from": player, "name": str}
//
// The room is locked during a round (no one joins mid-round) and its
// metadata says {"state": "waiting" | "playing"} for listings.
package tag
