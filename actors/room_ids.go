package actors

import "crypto/rand"

// Room ids and join codes come from crypto/rand: a private room is joined
// by either, so neither may be guessable. An id is 12 characters of a
// 32-letter alphabet (60 bits); a join code, which people read out and
// type, is 6 characters without the letters that look alike (I, O, 0, 1),
// about 30 bits, which with the per-session join limits makes guessing one
// of a few thousand live codes impractical.
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
