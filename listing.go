package tickroom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// listing serves the public room listing over HTTP (server.rooms_path):
//
//	GET /rooms?mode=arena&meta.team=red&offset=0&limit=20
//
// answers 200 with
//
//	{"total": 3, "offset": 0, "rooms": [{"id": "…", "name": "arena-1", "mode": "arena",
//	  "players": 3, "maxPlayers": 16, "locked": false, "metadata": {"team": "red"}}, …]}
//
// in the order the rooms were made: those of mode (every mode when absent)
// whose metadata has each meta.KEY with that value (compared as text).
// limit defaults to 20 and is at most 100. A bad parameter, an unknown one
// included, gets 400 with the transports' JSON error body, code
// bad_request; another method 405 bad_method. Browsers from the allowed
// origins may read it (CORS).
type listing struct {
	hub     *actors.Hub
	origins []string
}

// roomJSON is one room of the HTTP listing.
type roomJSON struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Mode       string         `json:"mode"`
	Players    int            `json:"players"`
	MaxPlayers int            `json:"maxPlayers"`
	Locked     bool           `json:"locked"`
	Metadata   map[string]any `json:"metadata"`
}

type listingJSON struct {
	Total  uint32     `json:"total"`
	Offset uint32     `json:"offset"`
	Rooms  []roomJSON `json:"rooms"`
}

func (l *listing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if o := r.Header.Get("Origin"); o != "" && originAllowed(l.origins, o) {
		h.Set("Access-Control-Allow-Origin", o)
		h.Add("Vary", "Origin")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET")
		listingError(w, http.StatusMethodNotAllowed, "bad_method", "the room listing takes GET")
		return
	}
	q, err := parseListQuery(r.URL.RawQuery)
	if err != nil {
		listingError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	rooms, err := l.hub.Rooms(ctx, q)
	if err != nil {
		listingError(w, http.StatusServiceUnavailable, "unavailable", "the listing did not answer in time")
		return
	}
	out := listingJSON{Total: rooms.Total, Offset: q.Offset, Rooms: make([]roomJSON, 0, len(rooms.Rooms))}
	for _, ri := range rooms.Rooms {
		rj := roomJSON{ID: ri.ID, Name: ri.Name, Mode: ri.Mode, Players: ri.Players, MaxPlayers: ri.MaxPlayers, Locked: ri.Locked}
		_ = ri.Metadata.Decode(&rj.Metadata) // the room encoded it from a map
		out.Rooms = append(out.Rooms, rj)
	}
	h.Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// parseListQuery reads a listing's query strictly: every parameter known,
// none twice, every value in range.
func parseListQuery(raw string) (netcode.List, error) {
	var q netcode.List
	seen := map[string]bool{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || !utf8.ValidString(key) || !utf8.ValidString(val) {
			return q, fmt.Errorf("parameter %q: bad escaping or UTF-8", k)
		}
		if seen[key] {
			return q, fmt.Errorf("parameter %q given twice", key)
		}
		seen[key] = true
		switch {
		case key == "mode":
			if len(val) > netcode.MaxModeLen {
				return q, fmt.Errorf("mode: %d bytes, limit %d", len(val), netcode.MaxModeLen)
			}
			q.Mode = val
		case key == "offset":
			n, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return q, fmt.Errorf("offset %q: want a whole number", val)
			}
			q.Offset = uint32(n)
		case key == "limit":
			n, err := strconv.ParseUint(val, 10, 16)
			if err != nil || n < 1 || n > netcode.MaxListLimit {
				return q, fmt.Errorf("limit %q: want 1 to %d", val, netcode.MaxListLimit)
			}
			q.Limit = uint16(n)
		case strings.HasPrefix(key, "meta."):
			name := strings.TrimPrefix(key, "meta.")
			if name == "" || len(name) > netcode.MaxMetaKeyLen || len(val) > netcode.MaxMetaValueLen {
				return q, fmt.Errorf("%s: key of 1 to %d bytes and value of at most %d", key, netcode.MaxMetaKeyLen, netcode.MaxMetaValueLen)
			}
			if q.Filter == nil {
				q.Filter = map[string]string{}
			}
			if len(q.Filter) == netcode.MaxFilterKeys {
				return q, fmt.Errorf("more than %d meta filters", netcode.MaxFilterKeys)
			}
			q.Filter[name] = val
		default:
			return q, fmt.Errorf("unknown parameter %q (want mode, offset, limit or meta.KEY)", key)
		}
	}
	return q, nil
}

func listingError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body, _ := json.Marshal(httpwire.ErrorBody{Code: code, Message: msg})
	_, _ = w.Write(append(body, '\n'))
}

// originAllowed is the transports' origin rule for the listing: an empty
// allowlist, or "*", allows every origin.
func originAllowed(allowed []string, origin string) bool {
	if len(allowed) == 0 {
		return true
	}
	for _, a := range allowed {
		if a == "*" || strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return true
		}
	}
	return false
}
