// Fakes for the client's platform: a clock with timers, a WebSocket whose
// server side the test plays, and a frame encoder for server frames.
import { Writer } from "../src/msgpack";
import type { Env } from "../src/transports";

/** F marks a float64 in a frame built by enc. */
export class F {
  constructor(readonly v: number) {}
}

/** enc encodes nested arrays of ints, strings, F floats, booleans, null
 * and raw Uint8Array values (payloads, written as they are). */
export function enc(x: unknown): Uint8Array {
  const w = new Writer();
  const put = (v: unknown): void => {
    if (v instanceof F) w.put_(0xcb, 8, v.v, "Float");
    else if (v instanceof Uint8Array) w.raw_(v);
    else if (Array.isArray(v)) (w.arr_(v.length), v.forEach(put));
    else if (typeof v === "number" || typeof v === "bigint") w.int_(v);
    else w.value_(v);
  };
  put(x);
  return w.bytes_();
}

/** Clock is a fake time line: timers run when the test advances it. */
export class Clock {
  t = 1000;
  timers = new Map<number, [number, () => void]>();
  id = 0;
  setTimeout = (f: () => void, ms: number) => (this.timers.set(++this.id, [this.t + Math.max(0, ms || 0), f]), this.id);
  clearTimeout = (id: unknown) => void this.timers.delete(id as number);
  now = () => this.t;
  /** advance moves time on by ms, running every timer due, in order, with
   * the promises they start settled in between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      let next: [number, number, () => void] | undefined;
      for (const [id, [at, f]] of this.timers) if (at <= end && (!next || at < next[1])) next = [id, at, f];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1]); // a late timer runs late
      next[2]();
      await settle();
    }
    this.t = end;
  }
}

/** settle lets every pending promise callback run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** FakeWS plays a WebSocket; the test plays its server through the
 * methods below the constructor. */
export class FakeWS {
  static all: FakeWS[] = [];
  /** accept decides what a new socket does: "open" (default), "refuse". */
  static accept: (ws: FakeWS) => "open" | "refuse" | "wait" = () => "open";
  binaryType = "blob";
  readyState = 0;
  sent: (Uint8Array | string)[] = [];
  closed?: { code?: number; reason?: string };
  onopen: ((ev?: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev?: unknown) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols?: string[],
  ) {
    FakeWS.all.push(this);
    queueMicrotask(() => {
      const a = FakeWS.accept(this);
      if (a === "open") this.open();
      else if (a === "refuse") this.drop(1006);
    });
  }
  send(d: Uint8Array | string): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.sent.push(typeof d === "string" ? d : new Uint8Array(d));
  }
  close(code?: number, reason?: string): void {
    if (this.closed) return;
    this.closed = { code, reason };
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  recv(d: Uint8Array | string): void {
    this.onmessage?.({ data: typeof d === "string" ? d : d.slice().buffer });
  }
  drop(code = 1006, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  /** frames returns the binary frames the client sent, as hex. */
  frames(): string[] {
    return this.sent.filter((d) => typeof d !== "string").map((d) => Buffer.from(d as Uint8Array).toString("hex"));
  }
}

/** env returns a test Env on clock c with FakeWS and fetch f. */
export function env(c: Clock, f?: typeof fetch, random = () => 0.5): Partial<Env> {
  return {
    WebSocket: FakeWS as unknown as typeof WebSocket,
    fetch: f ?? ((() => Promise.reject(new TypeError("no network"))) as typeof fetch),
    setTimeout: c.setTimeout,
    clearTimeout: c.clearTimeout,
    now: c.now,
    random,
  };
}
