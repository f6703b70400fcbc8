package tickroom

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"

	"github.com/tickroom/tickroom/actors"
	"github.com/tickroom/tickroom/transports/httpwire"
)

// forwarder passes the HTTP requests of another node's sessions to it, for
// a node of a cluster behind a load balancer that sends each request
// anywhere: a session's id starts with its node's prefix
// (actors.Hub.SIDPrefix), and a request for a sid this node does not have
// goes to the node it names. Streams are passed on as they come.
type forwarder struct {
	node func(sid string) string // the URL of the node a sid names; "" for none (Hub.SessionNode)
	// done ends every request being passed on when the server closes (stop):
	// a forwarded upgrade is a hijacked connection the transport's Close
	// does not see, and a held long-poll or stream would keep the node's
	// shutdown waiting; their clients come back through another node.
	done context.Context
	stop context.CancelFunc

	mu      sync.Mutex
	proxies map[string]*httputil.ReverseProxy // by node URL
}

func newForwarder(hub *actors.Hub) *forwarder {
	f := &forwarder{node: hub.SessionNode}
	f.done, f.stop = context.WithCancel(context.Background())
	return f
}

// forwardedHeader marks a request one node passed to another: it is never
// passed on again.
const forwardedHeader = "X-Tickroom-Forwarded"

func (f *forwarder) forward(w http.ResponseWriter, r *http.Request, sid string) bool {
	if r.Header.Get(forwardedHeader) != "" {
		return false
	}
	base := f.node(sid)
	if base == "" {
		return false
	}
	rp := f.proxy(base)
	if rp == nil {
		return false
	}
	r.Header.Set(forwardedHeader, "1")
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(f.done, cancel)()
	rp.ServeHTTP(w, r.WithContext(ctx))
	return true
}

func (f *forwarder) proxy(base string) *httputil.ReverseProxy {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rp := f.proxies[base]; rp != nil {
		return rp
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1 // a stream's records as they come
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) {
		// Its node is gone, and the session with it: the client starts
		// again (and resumes its seat), as after any unknown session.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(httpwire.ErrorBody{Code: "unknown_session", Message: "the server of this session is gone"})
	}
	if f.proxies == nil {
		f.proxies = make(map[string]*httputil.ReverseProxy)
	}
	f.proxies[base] = rp
	return rp
}
