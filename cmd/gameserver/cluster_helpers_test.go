package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The cluster tests run three gameserver binaries on 127.0.0.1, each a node
// of one cluster, and, where a test says so, a plain HTTP load balancer in
// front of them that sends every request to the next node in turn.

// testCluster is the configuration of a cluster's nodes, and the nodes
// running now.
type testCluster struct {
	t     *testing.T
	addrs []string // cluster addresses, by node
	extra string   // appended to every node's config
	nodes []*server
}

func newTestCluster(t *testing.T, n int, extra string) *testCluster {
	tc := &testCluster{t: t, extra: extra, nodes: make([]*server, n)}
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		tc.addrs = append(tc.addrs, ln.Addr().String())
		defer ln.Close()
	}
	return tc
}

// config is node i's server.toml.
func (tc *testCluster) config(i int) string {
	var ms []string
	for j, a := range tc.addrs {
		ms = append(ms, fmt.Sprintf("{id = \"n%d\", addr = %q}", j, a))
	}
	return testConfig("resume_window = \"30s\"") + fmt.Sprintf(`
[cluster]
enabled = true
node_id = "n%d"
addr = %q
heartbeat_interval = "100ms"
member_timeout = "1s"
members = [%s]
%s
`, i, tc.addrs[i], strings.Join(ms, ", "), tc.extra)
}

// start starts node i and waits until it is ready (it has joined).
func (tc *testCluster) start(i int) *server {
	tc.t.Helper()
	s := startServer(tc.t, tc.config(i))
	tc.nodes[i] = s
	return s
}

// startAll starts every node and waits until each is ready with every
// peer live.
func (tc *testCluster) startAll() []*server {
	tc.t.Helper()
	for i := range tc.addrs {
		tc.start(i)
	}
	for _, s := range tc.nodes {
		tc.waitLive(s, len(tc.addrs)-1)
	}
	return tc.nodes
}

// waitLive waits until node s is ready and sees n live peers.
func (tc *testCluster) waitLive(s *server, n int) {
	tc.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if code, _ := get(tc.t, "http://"+s.addr+"/readyz"); code == http.StatusOK {
			live := 0
			for k, v := range scrape(tc.t, s) {
				if strings.HasPrefix(k, "tickroom_cluster_peer_up{") && v == 1 {
					live++
				}
			}
			if live == n {
				return
			}
		}
		if time.Now().After(deadline) {
			tc.t.Fatalf("%s not ready with %d live peers after a minute:\n%s", s.addr, n, s.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// balancer is a plain HTTP load balancer: each request goes to the next
// node in turn (WebSocket upgrades too), skipping nodes that refuse the
// connection; a request with X-Test-Node: i goes to node i while it is up.
type balancer struct {
	srv  *http.Server
	addr string
	next atomic.Uint64

	mu    sync.Mutex
	nodes []string // base URLs by node; "" for one that is down
}

func newBalancer(t *testing.T, nodes ...*server) *balancer {
	b := &balancer{}
	for _, s := range nodes {
		b.nodes = append(b.nodes, "http://"+s.addr)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	rp := &httputil.ReverseProxy{
		Rewrite:       func(*httputil.ProxyRequest) {}, // the transport picks the node
		Transport:     b,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusBadGateway)
		},
	}
	b.srv = &http.Server{Handler: rp}
	go func() { _ = b.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = b.srv.Shutdown(ctx)
		_ = b.srv.Close()
	})
	return b
}

func (b *balancer) url() string { return "http://" + b.addr }

// set changes node i's URL ("" while it is down).
func (b *balancer) set(i int, s *server) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nodes[i] = ""
	if s != nil {
		b.nodes[i] = "http://" + s.addr
	}
}

var transport = &http.Transport{DisableKeepAlives: true} // every request a connection of its own, to any node

// RoundTrip sends r to a node: its pinned one, else the next in turn,
// trying the others when one refuses the connection.
func (b *balancer) RoundTrip(r *http.Request) (*http.Response, error) {
	b.mu.Lock()
	nodes := append([]string(nil), b.nodes...)
	b.mu.Unlock()
	start := int(b.next.Add(1))
	if pin := r.Header.Get("X-Test-Node"); pin != "" {
		var i int
		if _, err := fmt.Sscan(pin, &i); err == nil && i < len(nodes) && nodes[i] != "" {
			start = i
		}
	}
	var last error = errors.New("no node up")
	for k := range nodes {
		base := nodes[(start+k)%len(nodes)]
		if base == "" {
			continue
		}
		u, _ := url.Parse(base)
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.Host = u.Scheme, u.Host, u.Host
		resp, err := transport.RoundTrip(out)
		var op *net.OpError
		if err != nil && errors.As(err, &op) && op.Op == "dial" {
			last = err
			continue
		}
		return resp, err
	}
	return nil, last
}

// startExampleNginx runs nginx with examples/cluster/nginx.conf, its
// upstreams pointed at nodes, and returns its address.
func startExampleNginx(t *testing.T, nodes ...*server) string {
	t.Helper()
	bin := need(t, "nginx", "nginx")
	example, err := os.ReadFile("../../examples/cluster/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf := string(example)
	for i, s := range nodes {
		conf = strings.Replace(conf, fmt.Sprintf("127.0.0.1:808%d", i+1), s.addr, 1)
	}
	conf = strings.Replace(conf, "listen 127.0.0.1:8080;", "listen "+addr+";", 1)
	conf = strings.Replace(conf, "http {", fmt.Sprintf(`http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;`, dir), 1)
	conf = fmt.Sprintf("daemon off;\nmaster_process off;\nerror_log %[1]s/error.log warn;\npid %[1]s/nginx.pid;\n", dir) + conf
	return runNginx(t, bin, dir, conf, addr)
}
