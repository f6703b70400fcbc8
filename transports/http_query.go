package transports

import (
	"net/http"
	"net/url"
	"strings"
)

// queryValue returns the first value of key in r's query and whether key is
// there at all. Every downlink and uplink request carries one or two small
// parameters; url.Values would build a map (and parse the query again for
// each lookup) to find them. Escaped keys and values are unescaped as
// url.ParseQuery would; a pair that does not unescape, or holds a semicolon,
// is skipped, as there.
func queryValue(r *http.Request, key string) (string, bool) {
	raw := r.URL.RawQuery
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(pair, ";") {
			continue // url.ParseQuery refuses semicolons as separators
		}
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			var err error
			if k, err = url.QueryUnescape(k); err != nil {
				continue
			}
		}
		if k != key {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			u, err := url.QueryUnescape(v)
			if err != nil {
				continue
			}
			v = u
		}
		return v, true
	}
	return "", false
}
