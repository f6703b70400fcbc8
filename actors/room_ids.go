package actors

import "crypto/rand"

// Room ids and join codes come from crypto/rand: a private room is joined
// by either, so neither may be guessable. An id is 12 characters of a
// 32-letter alphabet (60 bits). A join code, which people read out and
// type, is 6 characters without the letters that look alike (I, O, 0, 1):
// 30 bits, about a billion codes, so a guess finds one of 1,000 live
// private rooms about once in a million tries. What makes that impractical
// is the guessing budget (LimitOptions.AddrMissesPerMinute, session.go's
// missed): every join by id or code that finds nothing counts against the
// connection (closed after maxMisses) and its address (an IPv4 address or
// an IPv6 /64), which at the default 10 a minute tries 14,400 codes a day
// and finds such a room about once in ten weeks. Many addresses guess
// proportionally faster: a game whose private rooms must stay private
// against that also checks who joins (world.JoinHook, with signed tickets).
const (
	idAlphabet   = "abcdefghijklmnopqrstuvwxyz234567"
	codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	idLen        = 12
	codeLen      = 6
)

func newRoomID() string { return randomString(idAlphabet, idLen) }

func newJoinCode() string { return randomString(codeAlphabet, codeLen) }

// randomString draws n letters of a 32-letter alphabet, five random bits
// each, so every letter is equally likely.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}
