package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/client"
	"github.com/tickroom/tickroom/world"
)

// The browser benchmarks measure the SDK and the demo in a real Chromium
// against the real server, with Go bots as the other players:
//
//	go test -run '^$' -bench Browser -benchtime 1x ./cmd/gameserver
//
// Their figures are custom metrics; ns/op includes driving the browser.

// bots joins n Go clients to room of the arena, each steering in a new
// random direction every second, until the benchmark ends.
func bots(b *testing.B, s *server, room string, n int) []*client.Client {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	cs := make([]*client.Client, n)
	for i := range cs {
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
		c, err := client.Dial(dctx, s.url(), client.Options{Name: fmt.Sprintf("bot%d", i)})
		if err == nil {
			_, err = c.Join(dctx, room, "arena")
		}
		dcancel()
		if err != nil {
			b.Fatalf("bot %d: %v", i, err)
		}
		cs[i] = c
		wg.Add(1)
		go func() { // owned by the cleanup below
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 1))
			tk := time.NewTicker(50 * time.Millisecond)
			defer tk.Stop()
			in := world.Input{}
			for n := 0; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-tk.C:
				}
				if n%20 == 0 {
					in.Axes[0], in.Axes[1] = int16(r.IntN(2001)-1000), int16(r.IntN(2001)-1000)
				}
				if _, err := c.SendInput(in); err != nil {
					return
				}
			}
		}()
	}
	b.Cleanup(func() {
		cancel()
		wg.Wait()
		for _, c := range cs {
			_ = c.Close()
		}
	})
	return cs
}

// benchPage records the frames a real connection receives, then replays
// them into fresh clients whose WebSocket is a stand-in that delivers
// them synchronously, and times only that: decoding and applying each
// frame, acks included. performance.now() is coarse in a page that is not
// cross-origin isolated (100 µs), so it times whole replays.
const benchPage = `<!doctype html><meta charset="utf-8"><script type="module">
const sdk = await import(new URLSearchParams(location.search).get("sdk"));
const server = new URLSearchParams(location.search).get("server");
const room = new URLSearchParams(location.search).get("room");
const frames = (window.recorded = []);
class Recorder extends WebSocket {
  set onmessage(f) { super.onmessage = (ev) => { frames.push(new Uint8Array(ev.data).slice()); f(ev); }; }
  get onmessage() { return super.onmessage; }
}
const live = new sdk.Client(server, { name: "rec", transport: "websocket", env: { WebSocket: Recorder } });
await live.open();
await live.join({ room, mode: "arena" });
window.recording = true;
await new Promise((r) => (window.stopRecording = r));
live.close();

class Replay {
  static OPEN = 1;
  constructor() { this.readyState = 1; this.binaryType = "arraybuffer"; Replay.last = this; setTimeout(() => this.onopen && this.onopen(), 0); }
  send() {}
  close() {}
}
const welcome = frames.findIndex((f) => f[1] === 2); // [kind 2, …]: frames before it answer pings
const buffers = frames.slice(welcome).map((f) => f.buffer);
window.replay = async (times) => {
  let ms = 0, applied = 0, diffs = 0;
  for (let i = 0; i < times; i++) {
    const c = new sdk.Client(server, { name: "r", transport: "websocket", env: { WebSocket: Replay }, pingInterval: 0, reconnect: false, idleTimeout: 1e9 });
    await c.open();
    const ws = Replay.last;
    const joined = c.join({ room, mode: "arena" });
    ws.onmessage({ data: buffers[0] }); // the welcome answers the join
    await joined;
    const before = c.stats.diffs;
    const t0 = performance.now();
    for (let j = 1; j < buffers.length; j++) ws.onmessage({ data: buffers[j] });
    ms += performance.now() - t0;
    applied += buffers.length - 1;
    diffs += c.stats.diffs - before;
    c.close();
  }
  const bytes = buffers.slice(1).reduce((n, f) => n + f.byteLength, 0);
  return { us: (ms * 1000) / applied, frames: applied / times, diffs: diffs / times, bytes };
};
</script>`

// serveBenchPage serves benchPage from an origin of its own.
func serveBenchPage(b *testing.B) string {
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(benchPage))
	}))
	b.Cleanup(h.Close)
	return h.URL
}

// BenchmarkBrowserDecodeApply: µs for the SDK in Chromium to decode and
// apply one state of a 16-player arena (15 bots moving, and the page),
// from the frames a real server sent it over 5 s.
func BenchmarkBrowserDecodeApply(b *testing.B) {
	browser := newBrowser(b)
	s := startServer(b, testConfig(""))
	bots(b, s, "bench", 15)
	url := fmt.Sprintf("%s/?sdk=http://%s/sdk/tickroom.js&server=http://%s&room=bench", serveBenchPage(b), s.addr, s.addr)
	p := openPage(b, browser, url)
	poll[bool](p, 15*time.Second, `window.recording === true`)
	time.Sleep(5 * time.Second)
	eval[any](p, `window.stopRecording(), 0`)
	type result struct {
		US     float64 `json:"us"`
		Frames float64 `json:"frames"`
		Diffs  float64 `json:"diffs"`
		Bytes  float64 `json:"bytes"`
	}
	var sum result
	runs := 0
	for b.Loop() {
		r := eval[result](p, `window.replay(20)`)
		sum.US += r.US
		sum.Frames, sum.Diffs, sum.Bytes = r.Frames, r.Diffs, r.Bytes
		runs++
	}
	if sum.Diffs < 50 {
		b.Fatalf("only %.0f diffs replayed from %.0f frames recorded in 5 s (%s)", sum.Diffs, sum.Frames, eval[string](p, `JSON.stringify(window.recorded.map((f) => f[0]))`))
	}
	b.ReportMetric(sum.US/float64(runs), "µs/state")
	b.ReportMetric(sum.Bytes/sum.Frames, "B/frame")
}

// BenchmarkBrowserDemo64: the arena demo page with 64 players in view (63
// bots and the page) — the frames per second it draws, and the bytes per
// second it receives next to a Go client's in the same room.
func BenchmarkBrowserDemo64(b *testing.B) {
	browser := newBrowser(b)
	s := startServer(b, testConfig("max_players = 64"))
	cs := bots(b, s, "", 63) // matchmaking: the page joins the same room
	p := openPage(b, browser, "http://"+s.addr+"/?name=page")
	poll[bool](p, 20*time.Second, `window.demo && demo.client.view && demo.client.view.all("player").length === 64`)
	time.Sleep(time.Second) // the meter's first full second
	var fps, pageBytes, goBytes float64
	seconds := 0
	for b.Loop() {
		go0, page0 := cs[0].Stats().Bytes, eval[float64](p, `demo.client.stats.bytes`)
		t0 := time.Now()
		time.Sleep(5 * time.Second)
		dt := time.Since(t0).Seconds()
		goBytes += float64(cs[0].Stats().Bytes-go0) / dt
		pageBytes += (eval[float64](p, `demo.client.stats.bytes`) - page0) / dt
		fps += eval[float64](p, `demo.meter.fps`)
		seconds++
	}
	if n := eval[int](p, `demo.client.view.all("player").length`); n != 64 {
		b.Fatalf("%d players in view at the end, want 64", n)
	}
	b.ReportMetric(fps/float64(seconds), "fps")
	b.ReportMetric(pageBytes/float64(seconds), "page-B/s")
	b.ReportMetric(goBytes/float64(seconds), "go-B/s")
}
