// A fake of the server's HTTP transports (transports/doc.go), in memory:
// handshake, long-poll, poll, stream, uplink POSTs, exchanges and DELETE,
// with records kept until acknowledged and each uplink batch taken once.

function uvarint(x: number): number[] {
  const out: number[] = [];
  for (; x >= 0x80; x = Math.floor(x / 128)) out.push((x & 0x7f) | 0x80);
  out.push(x);
  return out;
}

export const record = (seq: number, b: Uint8Array) => Uint8Array.from([...uvarint(seq), ...uvarint(b.length), ...b]);

export class FakeHTTP {
  sid = "0123456789abcdef0123456789abcdef";
  hello: Record<string, unknown> = { transports: ["websocket", "longpoll", "stream", "poll"], upgrades: ["websocket"], pingInterval: 10000, pingTimeout: 20000, pollTimeout: 25000, streamMaxDuration: 30000, maxPayload: 4096, maxBody: 65536 };
  records: [number, Uint8Array][] = [];
  seq = 0;
  got: Uint8Array[] = []; // uplink frames, each batch once
  lastK = 0; // the last batch number taken
  posts: string[] = []; // uplink queries
  gets: string[] = []; // downlink requests, exchanges ("/exchange?…") included
  /** failNext makes the next downlink requests fail as a network does. */
  failNext = 0;
  handshakes: { transport: string; body: string | null }[] = [];
  queries: string[] = []; // of the handshakes
  /** busy refuses the next busy handshakes with 503 server_busy and
   * Retry-After: 3, as a server that takes no newcomers does. */
  busy = 0;
  deleted = false;
  closeRecord?: Uint8Array;
  /** buffering makes streams bring nothing, as behind a buffering proxy. */
  buffering = false;
  /** upgraded sends 410 upgraded to later downlink requests. */
  upgraded = false;
  private wake: (() => void)[] = [];

  /** push buffers a frame for the client. */
  push(f: Uint8Array): void {
    this.records.push([++this.seq, f]);
    this.wake.splice(0).forEach((w) => w());
  }
  close(code: number, reason: string): void {
    this.closeRecord = Uint8Array.from([0, 2 + reason.length, code >> 8, code & 255, ...Buffer.from(reason)]);
    this.wake.splice(0).forEach((w) => w());
  }
  /** release completes a held long-poll (as a probe does). */
  release(): void {
    this.wake.splice(0).forEach((w) => w());
  }
  body(ack: number): Uint8Array {
    this.records = this.records.filter(([s]) => s > ack);
    const parts = this.records.map(([s, f]) => record(s, f));
    if (this.closeRecord) parts.push(this.closeRecord);
    return Uint8Array.from(parts.flatMap((p) => [...p]));
  }
  /** upload takes an uplink batch, once per batch number K. */
  upload(u: URL, b: Uint8Array): void {
    const k = Number(u.searchParams.get("seq"));
    if (k <= this.lastK) return;
    this.lastK = k;
    for (let p = 0; p < b.length; ) {
      let n = 0, k = 0;
      for (;;) {
        const c = b[p++];
        n += (c & 0x7f) * 2 ** (7 * k++);
        if (c < 0x80) break;
      }
      this.got.push(b.slice(p, p + n));
      p += n;
    }
  }
  json(status: number, v: unknown): Response {
    return new Response(JSON.stringify(v), { status, headers: { "Content-Type": "application/json" } });
  }
  fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const u = new URL(String(input));
    const m = init.method ?? "GET", signal = init.signal;
    const aborted = () => new DOMException("aborted", "AbortError");
    if (signal?.aborted) throw aborted();
    const parts = u.pathname.split("/").filter(Boolean); // ["rt", sid, "stream"?]
    if (m === "POST" && parts.length === 1) {
      this.handshakes.push({ transport: u.searchParams.get("transport")!, body: init.body ? String(init.body) : null });
      this.queries.push(u.search);
      if (this.busy && this.busy--) {
        return new Response(JSON.stringify({ code: "server_busy", message: "busy" }), { status: 503, headers: { "Content-Type": "application/json", "Retry-After": "3" } });
      }
      return this.json(200, { sid: this.sid, ...this.hello });
    }
    if (m === "DELETE") {
      this.deleted = true;
      return new Response(null, { status: 204 });
    }
    if (m === "POST" && parts[2] !== "exchange") {
      this.posts.push(u.search);
      this.upload(u, init.body as Uint8Array);
      const ack = Number(u.searchParams.get("ack"));
      this.records = this.records.filter(([s]) => s > ack);
      return new Response(null, { status: 204 });
    }
    // A downlink request: an exchange delivers its batch, then long-polls.
    this.gets.push(u.pathname.replace("/rt/" + this.sid, "") + u.search);
    if (m === "POST") this.upload(u, init.body as Uint8Array);
    if (this.failNext && this.failNext--) throw new TypeError("network down"); // after taking the batch: an answer lost
    if (this.upgraded) return this.json(410, { code: "upgraded", message: "upgraded" });
    const ack = Number(u.searchParams.get("ack"));
    if (parts[2] === "stream") {
      const self = this;
      let sent = ack;
      const stream = new ReadableStream<Uint8Array>({
        start(ctl) {
          if (!self.buffering) ctl.enqueue(Uint8Array.from([0, 0])); // the opening keepalive
          const flush = () => {
            if (self.buffering) return self.wake.push(flush);
            const recs = self.records.filter(([s]) => s > sent);
            for (const [s, f] of recs) (ctl.enqueue(record(s, f)), (sent = s));
            if (self.closeRecord) return ctl.enqueue(self.closeRecord), ctl.close();
            self.wake.push(flush);
          };
          flush();
          signal?.addEventListener("abort", () => {
            try {
              ctl.error(aborted());
            } catch {}
          });
        },
      });
      return new Response(stream, { status: 200 });
    }
    const wait = u.searchParams.get("wait") === "0";
    if (!wait && !this.records.some(([s]) => s > ack) && !this.closeRecord) {
      await new Promise<void>((res, rej) => {
        this.wake.push(res);
        signal?.addEventListener("abort", () => rej(aborted()));
      });
    }
    return new Response(this.body(ack), { status: 200 });
  };
}
