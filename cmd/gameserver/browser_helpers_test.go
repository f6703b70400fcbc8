package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// The browser tests drive the demo pages in a real headless Chromium
// (Debian's chromium package), and put a real nginx in front of the server
// where a network strips WebSocket. Where either program is missing they
// skip, saying so, unless TICKROOM_TOOLS=require (as .ci/run sets),
// which makes a missing program a failure rather than a silent skip.

// need finds one of names on PATH (or in /usr/sbin, where Debian puts
// nginx), or skips the test.
func need(t testing.TB, what string, names ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a browser")
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if p := filepath.Join("/usr/sbin", n); isExecutable(p) {
			return p
		}
	}
	msg := fmt.Sprintf("%s not found (looked for %s): skipping; apt-get install -y chromium nginx to run it", what, strings.Join(names, ", "))
	if os.Getenv("TICKROOM_TOOLS") == "require" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// newBrowser starts a headless Chromium that lives as long as the test.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	path := need(t, "Chromium", "chromium", "chromium-browser", "google-chrome")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.WindowSize(1000, 700),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("user-data-dir", t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser to exit
	})
	if err := chromedp.Do(ctx); err != nil { // start it now, so a broken install fails here
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// page is one tab showing a demo page; it fails the test on any uncaught
// exception on the page.
type page struct {
	t    testing.TB
	ctx  context.Context
	url  string
	mu   sync.Mutex
	logs []string
}

func openPage(t testing.TB, browser context.Context, url string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	p := &page{t: t, ctx: ctx, url: url}
	msgs := chromedp.Console(ctx) // subscribed before the page loads: nothing is missed
	done := make(chan struct{})
	go func() { // owned by the page: its cleanup waits for it
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.logs = append(p.logs, m.String())
			p.mu.Unlock()
			if m.IsException() {
				t.Errorf("%s: %s", url, m.String())
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("console of %s:\n%s", url, p.console())
		}
	})
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return p
}

func (p *page) console() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.logs, "\n")
}

// poll waits until expr is truthy on the page and returns its value.
func poll[T any](p *page, d time.Duration, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("%s: waiting %v for %s: %v", p.url, d, expr, err)
	}
	return v
}

// eval evaluates expr on the page (waiting for it, if it is a promise).
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %s: %v", p.url, expr, err)
	}
	return v
}

// hold presses a key (a KeyboardEvent code such as "ArrowRight") for d, as
// a person would: the page sees keydown, then keyup.
func (p *page) hold(code string, vk int64, d time.Duration) {
	p.t.Helper()
	press := func(typ input.DispatchKeyEventType) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Code: code, Key: code, WindowsVirtualKeyCode: vk})
			return err
		})
	}
	if err := chromedp.Do(p.ctx, press(input.DispatchKeyEventTypeRawKeyDown)); err != nil {
		p.t.Fatal(err)
	}
	time.Sleep(d)
	if err := chromedp.Do(p.ctx, press(input.DispatchKeyEventTypeKeyUp)); err != nil {
		p.t.Fatal(err)
	}
}

// freePort returns a port on 127.0.0.1 that nothing listened on a moment
// ago, for programs (nginx) that cannot take port 0.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startNginx runs nginx in the foreground as a reverse proxy to upstream,
// with server block directives extra (inside location /), and returns its
// address. It stops when the test ends.
func startNginx(t testing.TB, upstream, extra string) string {
	t.Helper()
	bin := need(t, "nginx", "nginx")
	dir := t.TempDir()
	port := freePort(t)
	conf := fmt.Sprintf(`
daemon off;
master_process off;
worker_processes 1;
error_log %[1]s/error.log warn;
pid %[1]s/nginx.pid;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen 127.0.0.1:%[2]d;
		location / {
			proxy_pass http://%[3]s;
			proxy_http_version 1.1;
			%[4]s
		}
	}
}
`, dir, port, upstream, extra)
	return runNginx(t, bin, dir, conf, fmt.Sprintf("127.0.0.1:%d", port))
}

// cutProxy forwards TCP connections to a server and can cut every one of
// them at once: to the page behind it, the server has dropped it.
type cutProxy struct {
	l        net.Listener
	upstream string
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
}

func startCutProxy(t testing.TB, upstream string) *cutProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l, upstream: upstream, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		l.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) addr() string { return p.l.Addr().String() }

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		down, err := p.l.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			down.Close()
			continue
		}
		p.mu.Lock()
		p.conns[down], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(up, down)
		go p.pipe(down, up)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// cut closes every connection through the proxy; new ones still pass.
func (p *cutProxy) cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	return len(p.conns) / 2
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// runNginx runs nginx (bin) with conf in dir until the test ends and
// returns once it listens on addr.
func runNginx(t testing.TB, bin, dir, conf, addr string) string {
	t.Helper()
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", path, "-e", filepath.Join(dir, "error.log"))
	out := new(strings.Builder)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // owned by the cleanup below
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		select {
		case err := <-exited:
			errlog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s\n%s", err, out, errlog)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx not listening on %s after 10s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
