package transports

import (
	"net/http/httptest"
	"testing"
)

// queryValue agrees with url.Values on every query the transports may see.
func TestQueryValue(t *testing.T) {
	for _, q := range []string{
		"", "ack=1", "ack=12&wait=0", "wait=0&ack=12", "ack=", "ack", "ack=1&ack=2",
		"a%63k=7", "ack=%31%32", "ack=1+2", "ack=%zz&ack=3", "x=1&&ack=4", "=5&ack=6",
		"seq=3&ack=9&extra=%41", "ack=1;wait=0",
	} {
		r := httptest.NewRequest("GET", "/rt/x?"+q, nil)
		vals := r.URL.Query()
		for _, key := range []string{"ack", "wait", "seq"} {
			got, has := queryValue(r, key)
			if want, wantHas := vals.Get(key), vals.Has(key); got != want || has != wantHas {
				t.Errorf("query %q, key %q: queryValue = %q, %v; url.Values = %q, %v", q, key, got, has, want, wantHas)
			}
		}
	}
}

func TestQueryValueNoAlloc(t *testing.T) {
	r := httptest.NewRequest("GET", "/rt/x?ack=123&wait=0", nil)
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = queryValue(r, "ack")
		_, _ = queryValue(r, "wait")
	})
	if allocs != 0 {
		t.Errorf("queryValue: %v allocations, want 0", allocs)
	}
}
