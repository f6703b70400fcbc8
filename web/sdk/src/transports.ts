// The transports of transports/doc.go: one WebSocket, or an HTTP session
// (long-polling, streaming or polling downlink, POSTed uplink) that can
// move to a WebSocket without loss.
//
// Members whose names end in an underscore (HTTP.post_,
// ConnOptions.readLimit_) are internal: the build gives them short names
// (README.md, "Source conventions"). Nothing that crosses a boundary by name
// (the public API, wire and JSON fields, options, platform APIs) may end in
// one.

import { Writer, td } from "./msgpack";
import { C, TickroomError, err } from "./protocol";

/** Env is what the transports take from the platform; tests replace it. */
export interface Env {
  fetch: typeof fetch;
  WebSocket: typeof WebSocket;
  setTimeout: (f: () => void, ms: number) => unknown;
  clearTimeout: (t: unknown) => void;
  now: () => number;
  random: () => number;
}

/** Conn is one connection: frames in through onFrame, out through send. */
export interface Conn {
  /** "websocket", "longpoll", "stream" or "poll". */
  transport_(): string;
  /** send writes or queues one frame; false when the connection is gone or
   * its queue is full. */
  send(frame: Uint8Array): boolean;
  /** close ends the connection politely (a close frame with code, or a
   * DELETE after the queued frames are posted). */
  close(code?: number, reason?: string): void;
  onFrame_: (frame: Uint8Array) => void;
  /** onEnd_ is called once, when the connection ends by itself or by close. */
  onEnd_: (err: TickroomError) => void;
}

export interface ConnOptions {
  env: Env;
  handshakeTimeout_: number;
  idleTimeout_: number;
  readLimit_: number;
  sendQueue_: number;
  pollInterval_: number;
  protocols?: string[];
  /** sendInterval_ is the room's send interval in ms, 0 outside a room. */
  sendInterval_: () => number;
}

const netErr = (msg: string) => err(0, msg, "network");
const closed = () => err(0, "closed", "closed");

/** sleep waits ms, or until signal aborts. */
const sleep = (env: Env, ms: number, signal: AbortSignal) =>
  new Promise<void>((res) => {
    const done = () => (env.clearTimeout(t), signal.removeEventListener("abort", done), res());
    const t = env.setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });

// ---- WebSocket ----

/** WS is a connection over one WebSocket, dialled directly or opened as
 * the probe of an upgrade: until live, binary messages are dropped. */
export class WS implements Conn {
  ws: WebSocket;
  live_: boolean;
  onFrame_: (f: Uint8Array) => void = () => {};
  onEnd_: (e: TickroomError) => void = () => {};
  onProbe_ = () => {};
  ended_?: boolean;
  idle_: unknown;
  constructor(
    readonly o: ConnOptions,
    ws: WebSocket,
    live: boolean,
  ) {
    this.ws = ws;
    this.live_ = live;
    ws.onmessage = (ev) => {
      this.heard_();
      const d = ev.data;
      if (typeof d === "string") {
        if (d === "probe") this.onProbe_();
      } else if (this.live_) {
        const b = new Uint8Array(d as ArrayBuffer);
        if (b.length > o.readLimit_) this.close(C.TooLarge, "frame too large");
        else this.onFrame_(b);
      }
    };
    ws.onclose = (ev) => this.end_(ev.code === 1006 || ev.code === 1005 || !ev.code ? netErr("websocket closed") : err(ev.code, "closed: " + (ev.reason || ev.code)));
    ws.onerror = () => {};
    this.heard_();
  }
  /** heard_ pushes the idle deadline back: something arrived. */
  heard_(): void {
    const env = this.o.env;
    env.clearTimeout(this.idle_);
    this.idle_ = env.setTimeout(() => {
      this.end_(netErr("websocket idle"));
      this.ws.close();
    }, this.o.idleTimeout_);
  }
  transport_() {
    return "websocket";
  }
  send(f: Uint8Array): boolean {
    if (this.ended_ || this.ws.readyState !== 1) return false;
    this.ws.send(f);
    return true;
  }
  text_(s: string): void {
    if (this.ws.readyState === 1) this.ws.send(s);
  }
  close(code = 1000, reason = ""): void {
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.close();
    }
    this.end_(code === 1000 ? closed() : err(code, reason));
  }
  end_(e: TickroomError): void {
    if (this.ended_) return;
    this.ended_ = true;
    this.o.env.clearTimeout(this.idle_);
    this.onEnd_(e);
  }
}

/** openWS opens a WebSocket within the handshake timeout. */
export function openWS(o: ConnOptions, url: string, live: boolean): Promise<WS> {
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new o.env.WebSocket(url, o.protocols);
    } catch (e) {
      return reject(netErr("websocket: " + (e as Error).message));
    }
    ws.binaryType = "arraybuffer";
    const t = o.env.setTimeout(() => {
      ws.onclose = null;
      ws.close();
      reject(netErr("websocket timeout"));
    }, o.handshakeTimeout_);
    ws.onopen = () => {
      o.env.clearTimeout(t);
      resolve(new WS(o, ws, live));
    };
    ws.onclose = (ev) => {
      o.env.clearTimeout(t);
      reject(ev.code >= 4000 ? err(ev.code, "websocket refused: " + ev.reason) : netErr("websocket refused"));
    };
  });
}

// ---- HTTP ----

/** Handshake is the server's answer to POST {base}. */
export interface Handshake {
  sid: string;
  transports: string[];
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  pollTimeout: number;
  streamMaxDuration: number;
  maxPayload: number;
  maxBody: number;
}

/** request makes one HTTP request and reads its answer with read, within
 * ms (0: no limit of its own) or until signal aborts; a non-2xx answer
 * throws a TickroomError carrying the spec's error code. */
async function request<T = Response>(env: Env, url: string, init: RequestInit, ms: number, signal?: AbortSignal, read?: (r: Response) => Promise<T>): Promise<T> {
  const ctl = new AbortController(), abort = () => ctl.abort(), t = ms ? env.setTimeout(abort, ms) : 0, method = init.method ?? "GET";
  signal?.addEventListener("abort", abort);
  try {
    const resp = await env.fetch(url, { ...init, signal: ctl.signal, cache: "no-store" });
    if (!resp.ok) {
      let body: { code?: string; message?: string } = {};
      try {
        body = JSON.parse((await resp.text()).slice(0, 4096));
      } catch {}
      throw Object.assign(err(0, method + " " + resp.status + " " + (body.code ?? "") + ": " + (body.message ?? ""), String(body.code ?? "http_" + resp.status), resp.status), {
        retryAfter: +resp.headers.get("Retry-After")! * 1000 || 0,
      });
    }
    return read ? await read(resp) : (resp as T);
  } catch (e) {
    throw e instanceof TickroomError ? e : netErr(method + " failed: " + (e as Error).message);
  } finally {
    env.clearTimeout(t);
    signal?.removeEventListener("abort", abort);
  }
}

/** handshake opens an HTTP session whose downlink will be kind, marked
 * as a reconnect that resumes a seat when resume is truthy. */
export async function handshake(o: ConnOptions, base: string, kind: string, ticket?: string, resume?: unknown): Promise<Handshake> {
  const init: RequestInit = { method: "POST" };
  if (ticket) (init.body = JSON.stringify({ ticket })), (init.headers = { "Content-Type": "application/json" });
  // A reply that is not JSON fails as the request ("POST failed: …").
  const h: Handshake = await request(o.env, base + "?transport=" + kind + (resume ? "&resume=1" : ""), init, o.handshakeTimeout_, undefined, (r) => r.json());
  if (!/^[0-9a-f]{32}$/.test(h?.sid)) throw netErr("handshake: bad session id");
  for (const [k, d] of [["pingInterval", 10000], ["pingTimeout", 20000], ["pollTimeout", 25000], ["maxBody", 65536]] as const) if (!(h[k] > 0)) h[k] = d;
  return h;
}

/** RecordError is a downlink body that breaks the record format: reading
 * it again cannot succeed. */
export class RecordError extends TickroomError {}

const badRecord = (code: number) => new RecordError(code, "tickroom: bad record");

/** Records splits a downlink body into records (uvarint seq, uvarint
 * length, bytes) as its bytes arrive, refusing frames over limit before
 * reading them. */
export class Records {
  buf_ = new Uint8Array(0);
  constructor(readonly limit_: number) {}
  /** push_ adds bytes and returns the complete records, seq 0 included. */
  push_(chunk: Uint8Array): [number, Uint8Array][] {
    let b = chunk;
    if (this.buf_.length) (b = new Uint8Array(this.buf_.length + chunk.length)), b.set(this.buf_), b.set(chunk, this.buf_.length);
    const out: [number, Uint8Array][] = [];
    let p = 0;
    for (;;) {
      const s = varint(b, p);
      if (!s) break;
      const n = varint(b, s[1]);
      if (!n) break;
      const seq = s[0], size = n[0];
      if (seq === 0 ? size === 1 || size > 125 : size > this.limit_) {
        throw badRecord(seq ? C.TooLarge : C.BadFrame);
      }
      if (n[1] + size > b.length) break;
      out.push([seq, b.slice(n[1], n[1] + size)]);
      p = n[1] + size;
    }
    this.buf_ = b.slice(p);
    return out;
  }
}

/** varint reads a uvarint at p: [value, next position], or undefined when
 * b ends first. It throws RecordError past 64 bits, or past 2^53 (a seq
 * no session reaches). */
function varint(b: Uint8Array, p: number): [number, number] | undefined {
  let x = 0;
  for (let i = 0; i < 10; i++) {
    if (p + i >= b.length) return;
    const c = b[p + i];
    x += (c & 0x7f) * 2 ** (7 * i);
    if (c < 0x80) {
      if (x > Number.MAX_SAFE_INTEGER) break; // past 2^53, so past 64 bits too
      return [x, p + i + 1];
    }
  }
  throw badRecord(C.BadFrame);
}

/** retryable says whether a failed request may succeed if made again. */
const retryable = (e: any): boolean => !(e instanceof RecordError) && (!e.status || (e.codeName !== "shutting_down" && (e.status >= 500 || [408, 409, 429].includes(e.status))));

/** closeOf turns a request refused because the server is shutting down
 * into the close a client would have read during the drain: 1001. */
const closeOf = (e: TickroomError) => (e.codeName === "shutting_down" ? err(C.GoingAway, "server shutting down") : e);

const BUFFERED = "buffered";

/** A batch of uplink frames: its number K and body. */
type Batch = [number, Uint8Array<ArrayBuffer>];

/** posting is the request of an uplink batch. */
const posting = (b: Batch): RequestInit => ({ method: "POST", body: b[1], headers: { "Content-Type": "application/octet-stream" } });

/** HTTP is a connection over an HTTP session. */
export class HTTP implements Conn {
  onFrame_: (f: Uint8Array) => void = () => {};
  onEnd_: (e: TickroomError) => void = () => {};
  /** onFallback_ is called when a stream is found behind a buffering proxy
   * and the session moves to long-polling for good. */
  onFallback_ = () => {};
  seq_ = 0; // highest record seq delivered: the ack
  acked_ = 0; // the ack the last successful POST carried
  streaming_: boolean;
  q: Uint8Array[] = [];
  k = 0; // last uplink batch number
  x?: Batch; // the batch a long-poll carried (an exchange) until an answer settles it
  t?: unknown; // the timer of frames held for a long-poll (see send)
  busy_?: boolean;
  ackOnly_?: boolean;
  waiters_: (() => void)[] = []; // flush waiters, called when the queue empties
  ended_?: boolean;
  paused_?: boolean;
  ctl_?: AbortController; // the downlink request in flight
  loop_?: Promise<void>; // the downlink loop
  quit_ = new AbortController(); // ends every request
  pauser_ = new AbortController(); // wakes the downlink's sleeps for a pause
  constructor(
    readonly o: ConnOptions,
    readonly base_: string,
    readonly h: Handshake,
    readonly kind_: string,
  ) {
    this.streaming_ = kind_ === "stream";
  }
  url_(suffix = ""): string {
    return this.base_ + "/" + this.h.sid + suffix;
  }
  transport_(): string {
    return this.kind_ === "stream" && !this.streaming_ ? "longpoll" : this.kind_;
  }
  start_(): void {
    this.paused_ = false;
    this.pauser_ = new AbortController();
    this.loop_ = this.downlink_();
  }
  /** downlink_ fetches until the session ends or the downlink is paused. */
  async downlink_(): Promise<void> {
    const env = this.o.env;
    let failures = 0, empties = 0;
    while (!this.ended_ && !this.paused_) {
      const ctl = (this.ctl_ = new AbortController());
      const start = env.now(), before = this.seq_;
      try {
        const n = this.streaming_ ? await this.stream_(ctl) : await this.poll_(ctl);
        failures = 0;
        if (this.kind_ === "poll") {
          // pollAim (client/pollaim.go): aim each poll just after the room's next send.
          const send = this.o.sendInterval_(), idle = this.o.pollInterval_;
          let d: number;
          if (send <= 0) d = n > 0 ? 0 : idle;
          else if (n > 0) (empties = 0), (d = Math.max(send - (env.now() - start) - 0.5, 0));
          else d = Math.min(Math.max(send / 16, 1) * 2 ** Math.min(empties++, 10), idle);
          if (d > 0) await sleep(env, d, this.pauser_.signal);
        }
      } catch (e) {
        if (this.ended_ || this.paused_) return;
        if (e === BUFFERED) {
          this.streaming_ = false;
          this.onFallback_();
          continue;
        }
        const te = e as TickroomError;
        if (!retryable(te)) return this.end_(closeOf(te), te instanceof RecordError);
        if (this.seq_ > before) failures = 0;
        if (++failures >= 6) return this.end_(te, false);
        await sleep(env, Math.min(25 << failures, 2000), this.pauser_.signal);
      }
    }
  }
  /** read_ makes one downlink request (a long-poll, a poll, or with path
   * "/stream" a stream; within ms, 0 for no limit) and delivers its
   * records as they arrive; heard is called for each piece of the body
   * that completes some. */
  read_(ctl: AbortController, path: string, ms: number, heard = () => {}, x?: Batch): Promise<number> {
    return request(this.o.env, this.url_(path + "?ack=" + this.seq_ + (x ? "&seq=" + x[0] : this.kind_ === "poll" ? "&wait=0" : "")), x ? posting(x) : {}, ms, ctl.signal, async (resp) => {
      if (x === this.x) this.x = undefined; // delivered
      const reader = resp.body?.getReader(), r = new Records(this.o.readLimit_);
      let n = 0;
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        const recs = r.push_(chunk.value);
        if (recs.length) heard(), (n += this.deliver_(recs));
      }
      if (r.buf_.length) throw netErr("body cut short");
      return n;
    });
  }
  /** poll_ makes one poll, or one long-poll, which carries the frames
   * queued in a room as an exchange (transports/doc.go, "Exchange"): one
   * batch in flight at a time, sent again as it is until an answer settles
   * it. */
  poll_(ctl: AbortController): Promise<number> {
    const hs = this.o.handshakeTimeout_, x = this.t && this.q.length && !this.busy_ && !this.x ? (this.o.env.clearTimeout(this.t), (this.t = 0), (this.x = this.take_())) : this.x;
    return this.read_(ctl, x ? "/exchange" : "", this.kind_ === "poll" ? hs : this.h.pollTimeout + hs, undefined, x);
  }
  /** stream_ reads one stream. A stream of which nothing (not even its
   * opening keepalive) arrives within min(3 s, pingTimeout) is behind a
   * buffering proxy: it throws BUFFERED. */
  async stream_(ctl: AbortController): Promise<number> {
    const env = this.o.env, h = this.h;
    let why = "";
    let dog = env.setTimeout(() => ((why = BUFFERED), ctl.abort()), Math.min(3000, h.pingTimeout));
    try {
      return await this.read_(ctl, "/stream", 0, () => {
        env.clearTimeout(dog);
        dog = env.setTimeout(() => ((why = "silent"), ctl.abort()), Math.max(h.pingTimeout, 2 * h.pingInterval));
      });
    } catch (e) {
      // request made a TickroomError of every failure but the watchdog's;
      // the first record clears the BUFFERED one, before it can fire.
      throw why === BUFFERED ? why : why ? netErr("stream idle") : e;
    } finally {
      env.clearTimeout(dog);
    }
  }
  /** deliver_ hands on the frames not delivered before; a close record ends
   * the session with its code. */
  deliver_(recs: [number, Uint8Array][]): number {
    let n = 0;
    for (const [seq, p] of recs) {
      if (this.ended_) break;
      if (seq === 0) {
        if (p.length >= 2) {
          this.end_(err((p[0] << 8) | p[1], "closed: " + td.decode(p.subarray(2))), false);
          break;
        }
        continue; // keepalive
      }
      if (seq <= this.seq_) continue;
      this.seq_ = seq;
      n++;
      this.onFrame_(p);
      if (this.streaming_ && this.seq_ - this.acked_ >= 16) this.requestAck_();
    }
    return n;
  }
  send(f: Uint8Array): boolean {
    if (this.ended_ || this.q.length >= this.o.sendQueue_) return false;
    // Long-polling in a room, frames wait for the next long-poll to carry
    // them, two send intervals at most (a state, and the poll's return,
    // comes at every send); t is the timer of that wait.
    const h = this.kind_ !== "poll" && !this.streaming_ && 2 * this.o.sendInterval_();
    this.q.push(f);
    h ? (this.t ||= this.o.env.setTimeout(() => ((this.t = 0), this.q.length && this.post_()), h)) : this.post_();
    return true;
  }
  /** take_ makes the next batch: at most maxBody bytes, or the first frame
   * alone. */
  take_(): Batch {
    const w = new Writer();
    let i = 0;
    for (const f of this.q) {
      if (i && w.p + f.length + 5 > this.h.maxBody) break;
      // The frame's length as a uvarint, then the frame.
      for (let x = f.length; w.byte_(x > 127 ? (x & 127) | 128 : x), x > 127; x >>>= 7);
      w.raw_(f);
      i++;
    }
    this.q.splice(0, i);
    return [++this.k, w.bytes_() as Uint8Array<ArrayBuffer>];
  }
  /** requestAck_ posts even with nothing queued, to carry the ack. */
  requestAck_(): void {
    this.ackOnly_ = true;
    this.post_();
  }
  /** post_ sends the queued frames, one batch at a time: first the batch
   * a held exchange carries, if any (frames waited behind it too long, or
   * a flush), since its POST's answer settles it sooner. */
  async post_(): Promise<void> {
    if (this.busy_) return;
    this.busy_ = true;
    while ((this.q.length || this.ackOnly_ || this.x) && !this.ended_) {
      const b = this.x ?? this.take_();
      this.ackOnly_ = false;
      let e: unknown;
      for (let tries = 2; tries--; ) {
        const ack = this.seq_;
        e = await request(this.o.env, this.url_("?seq=" + b[0] + "&ack=" + ack), posting(b), this.o.handshakeTimeout_, this.quit_.signal).then(
          () => void (this.acked_ = ack),
          (x) => x,
        );
        if (!e || !retryable(e) || this.quit_.signal.aborted) break;
      }
      this.x = undefined; // b, if it was x: no exchange starts while busy
      // A batch refused with a 4xx is dropped, not lost: the server says
      // what it did about it on the downlink.
      if (e && !this.quit_.signal.aborted && (retryable(e) || (e as TickroomError).codeName === "shutting_down")) {
        this.busy_ = false;
        this.q = [];
        this.abort_(closeOf(e as TickroomError));
        break;
      }
    }
    this.busy_ = false;
    if (!this.q.length) for (const w of this.waiters_.splice(0)) w();
  }
  /** abort_ ends the session because the uplink failed, giving a downlink
   * request in flight a second to bring the close record, which says why
   * better. */
  abort_(e: TickroomError): void {
    this.o.env.setTimeout(() => this.end_(e, false), this.ctl_ && !this.paused_ ? 1000 : 0);
  }
  /** flush_ posts what is queued, held for a poll or riding on one, and
   * resolves when it has been (or the session ended). */
  flush_(): Promise<void> {
    const p = new Promise<void>((r) => this.waiters_.push(r));
    this.post_(); // resolves it, unless a post is under way, which will
    return p;
  }
  /** pause_ stops the downlink after its current request, for an upgrade: a
   * stream is cut at once, a long-poll gets grace ms to return (the server
   * completes it when the probe arrives). It resolves to the highest seq
   * delivered, or -1 if the session ended meanwhile. */
  async pause_(grace: number): Promise<number> {
    this.paused_ = true;
    const ctl = this.ctl_;
    if (this.streaming_) ctl?.abort();
    const t = this.o.env.setTimeout(() => ctl?.abort(), grace);
    this.pauser_.abort();
    await this.loop_;
    this.o.env.clearTimeout(t);
    return this.ended_ ? -1 : this.seq_;
  }
  /** resume_ restarts a paused downlink: the upgrade did not happen. */
  resume_(): void {
    if (this.paused_ && !this.ended_) this.start_();
  }
  /** retire_ ends a session whose downlink moved to a WebSocket, once its
   * queued frames are posted: no DELETE, the session lives on as the
   * WebSocket. */
  async retire_(): Promise<void> {
    await this.flush_();
    this.ended_ = true;
    this.quit_.abort();
  }
  close(): void {
    const bye = () => this.end_(closed(), true);
    this.flush_().then(bye);
    this.o.env.setTimeout(bye, this.o.handshakeTimeout_);
  }
  /** end_ ends the session once; polite says goodbye with a DELETE. */
  end_(e: TickroomError, polite: boolean): void {
    if (this.ended_) return;
    this.ended_ = true;
    this.quit_.abort();
    this.pauser_.abort();
    this.ctl_?.abort();
    if (polite) this.o.env.fetch(this.url_(), { method: "DELETE", keepalive: true }).catch(() => {});
    this.onEnd_(e);
  }
}
