package tickroom

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// metricsGate lets a scrape through to /metrics only with the bearer token
// of server.metrics_token_env, when one is set. The token is read from the
// environment at start and on every reload, so it rotates with a SIGHUP.
type metricsGate struct {
	token atomic.Pointer[string] // "" lets every request through
	next  http.Handler
}

func newMetricsGate(next http.Handler) *metricsGate {
	g := &metricsGate{next: next}
	g.token.Store(new(string))
	return g
}

// metricsToken reads the token server.metrics_token_env names; it is an
// error for the variable to be named but empty, which would otherwise leave
// /metrics open while the operator believes it closed.
func metricsToken(c ServerConfig) (string, error) {
	if c.MetricsTokenEnv == "" {
		return "", nil
	}
	t := os.Getenv(c.MetricsTokenEnv)
	if t == "" {
		return "", fmt.Errorf("server.metrics_token_env: environment variable %s is not set or empty", c.MetricsTokenEnv)
	}
	return t, nil
}

func (g *metricsGate) set(token string) { g.token.Store(&token) }

func (g *metricsGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if want := *g.token.Load(); want != "" {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		// Digests compared in constant time: the comparison must not tell
		// how much of a guess was right, nor the token's length.
		gd, wd := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(gd[:], wd[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// opsWriteTimeout bounds a response of the operators' port: a scrape is a
// few hundred kilobytes at most, and a reader that stalls must not hold a
// goroutine.
const opsWriteTimeout = 30 * time.Second

// opsListener serves /metrics, /healthz and /readyz on server.metrics_addr,
// a port of their own that operators can keep off the public network. It
// is small and trusted, so it has only Go's HTTP server and the config's
// header limits, none of the game port's admission.
type opsListener struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{} // closed when Serve has returned
}

func openOps(addr string, c Config, h http.Handler, log *slog.Logger) (*opsListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("server.metrics_addr: listen on %s: %w", addr, err)
	}
	o := &opsListener{
		srv: &http.Server{Handler: h, MaxHeaderBytes: c.HTTP.MaxHeaderBytes,
			ReadHeaderTimeout: c.HTTP.ReadHeaderTimeout, IdleTimeout: c.HTTP.IdleTimeout,
			WriteTimeout: opsWriteTimeout},
		ln:   ln,
		done: make(chan struct{}),
	}
	go func() {
		defer close(o.done)
		if err := o.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			// Only a failed listener ends Serve early; the game port goes
			// on, and the scraper sees /metrics gone.
			log.Error("metrics port stopped", "addr", addr, "err", err)
		}
	}()
	return o, nil
}

// Addr is where the operators' port listens.
func (o *opsListener) Addr() string { return o.ln.Addr().String() }

// close stops the port and waits for its Serve goroutine, within ctx.
func (o *opsListener) close(ctx context.Context) error {
	err := o.srv.Shutdown(ctx)
	if err != nil {
		_ = o.srv.Close() // past the deadline: cut what is left
	}
	<-o.done
	return err
}
